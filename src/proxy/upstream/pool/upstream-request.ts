import type { Readable } from 'node:stream';

/** Why an upstream attempt failed before or during the response, in Envoy's reset-reason words. */
export type UpstreamFailure =
  | 'connection_failure'
  | 'connection_timeout'
  | 'connection_termination'
  | 'remote_reset'
  /** HTTP/2 RST_STREAM REFUSED_STREAM: the upstream did not process the request (retry_on refused-stream). */
  | 'remote_refused_stream_reset'
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
  /**
   * `endStream`: the response ends with its headers (an HTTP/2 HEADERS frame with END_STREAM,
   * gRPC's trailers-only reply); onEnd follows with no data, and the headers must reach an
   * HTTP/2 downstream the same way, or gRPC clients see no status.
   */
  onHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void, endStream?: boolean): boolean;
  onData(chunk: Buffer): boolean;
  onEnd(trailers: Record<string, string | string[]> | null): void;
  onError(reason: UpstreamFailure, detail: string): void;
}

/** A running upstream attempt; abort() resets it (timeouts, downstream gone). */
export interface UpstreamRequest {
  abort(): void;
}

/** Connection and queueing events a pool reports, for the cluster's and host's stats. */
export interface PoolEvents {
  onConnect(): void;
  /** An established connection closed; `idleTimeout` when it was retired for being idle. */
  onDisconnect(idleTimeout: boolean): void;
  onConnectFail(timedOut: boolean): void;
  /** A request waits for a connection (upstream_rq_pending_total / _active). */
  onPendingStart(): void;
  /** It left the queue: bound to a connection, failed or cancelled (`cancelled`: the downstream gave up). */
  onPendingEnd(cancelled: boolean): void;
  /** max_pending_requests refused a request (upstream_rq_pending_overflow). */
  onPendingOverflow(): void;
  /** max_connections kept a connection from being opened (upstream_cx_overflow). */
  onConnectionOverflow(): void;
  /** A queued request failed because a connection attempt failed (upstream_rq_pending_failure_eject). */
  onPendingFailureEject(): void;
  /** A connection closed after max_requests_per_connection requests (upstream_cx_max_requests). */
  onMaxRequests(): void;
}

/** A connection pool to one upstream host, for one protocol. */
export interface ConnPool {
  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest;
  /** Connections currently open (cx_active). */
  activeConnections(): number;
  /** No connection (open or opening) and no request waiting: Envoy's ConnPoolImplBase::isIdle. */
  isIdle(): boolean;
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
