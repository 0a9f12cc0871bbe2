import type { Readable } from 'node:stream';

/** Why an upstream attempt failed before or during the response, in Envoy's reset-reason words. */
export type UpstreamFailure =
  | 'connection_failure'
  | 'connection_timeout'
  | 'connection_termination'
  | 'remote_reset'
  | 'local_reset'
  | 'protocol_error'
  | 'overflow';

/** One request as the router hands it to a connection pool. Headers exclude hop-by-hop ones. */
export interface UpstreamRequestSpec {
  method: string;
  path: string;
  /** Host / :authority to send. */
  authority: string;
  headers: Record<string, string | string[] | undefined>;
  /** Request body, or null for none. */
  body: Readable | null;
}

/**
 * Callbacks of one upstream attempt. Exactly one of onEnd / onError ends it. onData returns
 * false to ask for backpressure; the pool then waits for the `resume` given in onHeaders.
 */
export interface UpstreamHandler {
  /** The upstream connection is bound (for %UPSTREAM_LOCAL_ADDRESS% and cx stats). */
  onConnected(localAddress: string): void;
  onHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void): boolean;
  onData(chunk: Buffer): boolean;
  onEnd(trailers: Record<string, string | string[]> | null): void;
  onError(reason: UpstreamFailure, detail: string): void;
}

/** A running upstream attempt; abort() resets it (timeouts, downstream gone). */
export interface UpstreamRequest {
  abort(): void;
}

/** Connection lifecycle events a pool reports, for the cluster's and host's cx stats. */
export interface PoolEvents {
  onConnect(): void;
  onDisconnect(): void;
  onConnectFail(timedOut: boolean): void;
}

/** A connection pool to one upstream host, for one protocol. */
export interface ConnPool {
  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest;
  /** Connections currently open (cx_active). */
  activeConnections(): number;
  /** Closes idle connections now and the rest once their requests finish. */
  drain(): Promise<void>;
  /** Closes everything now. */
  destroy(): Promise<void>;
}

/** Hop-by-hop headers that must not be forwarded (RFC 9110 §7.6.1) plus HTTP/2-forbidden ones. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/** Converts undici/llhttp raw header buffers to a header object (lower-cased names, set-cookie as array). */
export function rawHeadersToObject(raw: Buffer[] | string[] | null): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    const value = raw[i + 1]!.toString('latin1');
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = `${prev}, ${value}`;
  }
  return out;
}
