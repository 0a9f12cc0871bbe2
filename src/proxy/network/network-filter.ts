import type { Duplex } from 'node:stream';
import type { DownstreamConnection } from '../http/connection-manager.js';

/**
 * The terminal network filter of a filter chain: it owns the connection from here on.
 * http_connection_manager and tcp_proxy are the two tsmesh implements.
 */
export interface NetworkFilter {
  /** `protocol` is the negotiated/detected application protocol ("h2", "http/1.1", or "" for raw). */
  onConnection(socket: Duplex, conn: DownstreamConnection, protocol: string): void;
  /** Stop taking new work; existing connections finish. */
  drain(): void;
  /** Close everything now. */
  close(): void;
}
