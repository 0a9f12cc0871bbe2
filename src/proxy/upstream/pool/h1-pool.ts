import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceManager } from '../resource-manager.js';
import type { ConnPool, PoolEvents, UpstreamFailure, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from './upstream-request.js';
import { classifyError } from './classify-error.js';
import { H1Connection } from './h1-connection.js';
import type { UpstreamBind } from '../bind-config.js';
import { encodeRequestHead } from './h1-request-head.js';
import type { H1ConnectionOptions, H1ConnectionOwner, H1Exchange } from './h1-connection.js';

export interface H1PoolOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Envoy's common_http_protocol_options.idle_timeout: idle connections are closed after it. */
  idleTimeoutMs: number;
  /** max_requests_per_connection; 0 = unlimited. */
  maxRequestsPerConnection: number;
  /** TLS options for the upstream (UpstreamTlsContext), or null for plaintext. */
  tls: ConnectionOptions | null;
  events: PoolEvents;
  /** The cluster's circuit breakers (shared by every host's pool): max_connections, max_pending_requests. */
  resources: ResourceManager;
  /** upstream_bind_config: the local address connections are made from. */
  bind?: UpstreamBind | null;
}

/**
 * HTTP/1.1 keep-alive connections to one upstream host, with Envoy's pool semantics
 * (ConnPoolImplBase): a request takes an idle connection when there is one; otherwise it waits
 * in the pending queue — refused with overflow when max_pending_requests is reached — and a
 * connection is opened for it unless the cluster is at max_connections (upstream_cx_overflow),
 * except that a host with no connection at all always gets one, so its queue cannot stall. A
 * failed connection attempt fails every queued request, as Envoy purges its pending streams.
 *
 * The keep-alive race (the upstream closes an idle connection just as we send on it, which Istio
 * users see as "upstream connect error or disconnect/reset before headers. reset reason:
 * connection termination") is avoided by retiring idle connections before the upstream would:
 * a connection honours the upstream's `Keep-Alive: timeout=N` hint minus a 1 s margin, and uses
 * our idle timeout when there is no hint (see H1Connection). An upstream that closes idle
 * connections without announcing it can still race a request: that request fails (503 UC, as in
 * Envoy) and the next one opens a new connection.
 */
export class H1Pool implements ConnPool {
  readonly #opts: H1PoolOptions;
  readonly #connectionOptions: H1ConnectionOptions;
  readonly #connections = new Set<Connection>();
  /** Requests waiting for a connection, oldest first. */
  readonly #pending: H1Attempt[] = [];
  #draining = false;
  #drainPromise: Promise<void> | null = null;
  #drained: (() => void) | null = null;
  #destroyed = false;

  constructor(opts: H1PoolOptions) {
    this.#opts = opts;
    this.#connectionOptions = {
      host: opts.host,
      port: opts.port,
      connectTimeoutMs: opts.connectTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      tls: opts.tls,
      tlsSessions: opts.tls ? { session: undefined } : null,
      bind: opts.bind ?? null,
    };
  }

  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest {
    const head = encodeRequestHead(spec);
    const attempt = new H1Attempt(this, spec, handler, head ?? '');
    if (head === null) {
      attempt.failSoon('protocol_error', 'invalid character in upstream request head');
      return attempt;
    }
    if (this.#destroyed) {
      attempt.failSoon('local_reset', 'connection pool destroyed');
      return attempt;
    }
    const ready = this.#idleConnection();
    if (ready !== null) {
      this.#assign(ready, attempt);
      return attempt;
    }
    if (!this.#opts.resources.pendingRequests.canCreate()) {
      this.#opts.events.onPendingOverflow();
      attempt.failSoon('overflow', 'pending requests circuit breaker overflow');
      return attempt;
    }
    attempt.pending = true;
    this.#opts.resources.pendingRequests.inc();
    this.#opts.events.onPendingStart();
    this.#pending.push(attempt);
    this.#connectForPending();
    return attempt;
  }

  isIdle(): boolean {
    return this.#connections.size === 0 && this.#pending.length === 0;
  }

  activeConnections(): number {
    let n = 0;
    for (const cx of this.#connections) if (cx.connected) n++;
    return n;
  }

  drain(): Promise<void> {
    this.#draining = true;
    this.#drainPromise ??= new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const cx of [...this.#connections]) if (cx.active === null) this.#remove(cx);
    this.#checkDrained();
    return this.#drainPromise;
  }

  destroy(): Promise<void> {
    this.#destroyed = true;
    for (const a of this.#pending.splice(0)) a.failNow('local_reset', 'connection pool destroyed');
    const all = [...this.#connections];
    this.#connections.clear();
    for (const cx of all) {
      this.#opts.resources.connections.dec();
      cx.transport.destroy();
    }
    this.#drained?.();
    return Promise.resolve();
  }

  // --- called by H1Attempt ---

  /** The request is being written on its connection: it is no longer pending. */
  bound(attempt: H1Attempt): void {
    this.endPending(attempt, false);
    const cx = attempt.connection;
    if (cx !== null) cx.requests++;
  }

  endPending(attempt: H1Attempt, cancelled: boolean): void {
    if (!attempt.pending) return;
    attempt.pending = false;
    this.#opts.resources.pendingRequests.dec();
    this.#opts.events.onPendingEnd(cancelled);
  }

  /** The downstream gave up on a request still in the queue. */
  cancel(attempt: H1Attempt): void {
    const i = this.#pending.indexOf(attempt);
    if (i >= 0) this.#pending.splice(i, 1);
    this.endPending(attempt, true);
    this.#checkDrained();
  }

  /**
   * The downstream gave up on a request whose connection is still being established: the request
   * is cancelled (still pending, as in Envoy) and the connection attempt goes on, to serve the
   * queue or idle, as Envoy lets it.
   */
  abandon(attempt: H1Attempt): void {
    const cx = attempt.connection!;
    cx.transport.cancel(attempt);
    if (cx.active === attempt) cx.active = null;
    this.endPending(attempt, true);
    if (this.#draining || this.#destroyed) this.#remove(cx);
    this.#checkDrained();
  }

  /** A request on `cx` completed or failed: the connection takes the next queued request, or idles. */
  release(cx: Connection): void {
    cx.active = null;
    if (!cx.connected || this.#destroyed) {
      this.#remove(cx);
      // A connection that closed under its request makes room for the queue; one that never
      // connected does not (its connectionFailed fails the queue right after).
      if (cx.everConnected && this.#pending.length > 0 && !this.#destroyed) this.#connectForPending();
      return;
    }
    const next = this.#pending.shift();
    if (next !== undefined) {
      this.#assign(cx, next);
      return;
    }
    if (this.#draining) this.#remove(cx);
  }

  // --- called by Connection (H1Connection's owner callbacks) ---

  connectionUp(cx: Connection): void {
    cx.connected = true;
    cx.everConnected = true;
    cx.requests = 0;
    this.#opts.events.onConnect();
    // Its request was cancelled while it connected: it serves the queue now, or idles.
    if (cx.active === null) this.release(cx);
  }

  connectionFailed(cx: Connection, err: Error, timedOut: boolean): void {
    const { events } = this.#opts;
    events.onConnectFail(timedOut);
    if (cx.active === null) this.#remove(cx);
    // The queued requests would wait on a host that just refused us: fail them all now.
    const [reason, detail] = classifyError(err);
    for (const a of this.#pending.splice(0)) {
      events.onPendingFailureEject();
      a.failNow(reason, detail);
    }
    this.#checkDrained();
  }

  connectionClosed(cx: Connection, idleTimeout: boolean): void {
    if (!cx.connected) return;
    cx.connected = false;
    const { events } = this.#opts;
    const max = this.#opts.maxRequestsPerConnection;
    if (max > 0 && cx.requests >= max) events.onMaxRequests();
    events.onDisconnect(idleTimeout);
    // A connection with a request is removed when that request is released.
    if (cx.active === null && this.#connections.has(cx)) {
      this.#remove(cx);
      if (this.#pending.length > 0) this.#connectForPending();
    }
  }

  // --- internals ---

  #idleConnection(): Connection | null {
    for (const cx of this.#connections) if (cx.connected && cx.active === null) return cx;
    return null;
  }

  /** Envoy's tryCreateNewConnection, once per queued request that has no connection coming. */
  #connectForPending(): void {
    while (this.#pending.length > 0) {
      if (!this.#opts.resources.connections.canCreate()) {
        this.#opts.events.onConnectionOverflow();
        // At the cluster's limit: wait for one of this host's connections, if it has any.
        if (this.#connections.size > 0) return;
      }
      this.#assign(this.#open(), this.#pending.shift()!);
    }
  }

  #assign(cx: Connection, attempt: H1Attempt): void {
    cx.active = attempt;
    attempt.connection = cx;
    // max_requests_per_connection: exactly N requests on a connection; the Nth says
    // `connection: close` and the connection closes after its response.
    const max = this.#opts.maxRequestsPerConnection;
    cx.transport.start(attempt, max > 0 && cx.requests + 1 >= max);
  }

  #open(): Connection {
    const cx = new Connection(this, this.#connectionOptions);
    this.#opts.resources.connections.inc();
    this.#connections.add(cx);
    return cx;
  }

  #remove(cx: Connection): void {
    if (!this.#connections.delete(cx)) return;
    this.#opts.resources.connections.dec();
    cx.transport.destroy();
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#draining && this.#connections.size === 0 && this.#pending.length === 0) {
      this.#drained?.();
      this.#drained = null;
    }
  }
}

/** One upstream connection as the pool tracks it, and the owner its H1Connection reports to. */
class Connection implements H1ConnectionOwner {
  readonly transport: H1Connection;
  /** The socket is up (onConnected seen, no onClosed since). */
  connected = false;
  /** The request on it, or null while idle. */
  active: H1Attempt | null = null;
  /** Requests written since the socket connected (max_requests_per_connection). */
  requests = 0;
  everConnected = false;

  constructor(
    readonly pool: H1Pool,
    options: H1ConnectionOptions,
  ) {
    this.transport = new H1Connection(options, this);
  }

  onConnected(): void {
    this.pool.connectionUp(this);
  }

  onConnectFailed(err: Error, timedOut: boolean): void {
    this.pool.connectionFailed(this, err, timedOut);
  }

  onClosed(idleTimeout: boolean): void {
    this.pool.connectionClosed(this, idleTimeout);
  }
}

/**
 * One request on the pool: the exchange its connection runs plus the pool's bookkeeping
 * (pending state, its connection). A class, not closures, so one object per request carries it.
 */
class H1Attempt implements UpstreamRequest, H1Exchange {
  connection: Connection | null = null;
  /** Waiting for a connection (counted in max_pending_requests). */
  pending = false;
  readonly body: Readable | null;
  readonly chunked: boolean;
  readonly isHead: boolean;
  /** Written on its connection (bound), as opposed to queued or waiting for a connect. */
  #bound = false;
  #aborted = false;
  #finished = false;

  constructor(
    readonly pool: H1Pool,
    spec: UpstreamRequestSpec,
    readonly handler: UpstreamHandler,
    readonly head: string,
  ) {
    this.body = spec.body;
    this.chunked = spec.body !== null && spec.headers['content-length'] === undefined;
    this.isHead = spec.method === 'HEAD';
  }

  abort(): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    const cx = this.connection;
    if (cx === null) {
      // Still queued: drop it; nothing was sent.
      this.#finished = true;
      this.pool.cancel(this);
      return;
    }
    if (!this.#bound) {
      // Its connection is still being established: nothing was sent either.
      this.#finished = true;
      this.pool.abandon(this);
      return;
    }
    cx.transport.reset();
  }

  /** Fails the request on the next tick (the router gets the attempt object first). */
  failSoon(reason: UpstreamFailure, detail: string): void {
    this.#finished = true;
    queueMicrotask(() => {
      if (!this.#aborted) this.handler.onError(reason, detail);
    });
  }

  /** Fails a queued request that will never get a connection. */
  failNow(reason: UpstreamFailure, detail: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.pool.endPending(this, false);
    if (!this.#aborted) this.handler.onError(reason, detail);
  }

  // --- H1Exchange: called by the connection ---

  onBound(localAddress: string): void {
    this.#bound = true;
    this.pool.bound(this);
    this.handler.onConnected(localAddress);
  }

  onResponseHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void): boolean {
    return this.handler.onHeaders(status, headers, resume);
  }

  onResponseData(chunk: Buffer): boolean {
    return this.handler.onData(chunk);
  }

  onResponseEnd(trailers: Record<string, string | string[]> | null): void {
    this.#finished = true;
    this.#done();
    this.handler.onEnd(trailers);
  }

  onFailure(err: Error): void {
    this.pool.endPending(this, false);
    if (this.#finished) {
      this.#done();
      return;
    }
    this.#finished = true;
    this.#done();
    if (this.#aborted) return; // the router already answered (timeout or downstream reset)
    const [reason, detail] = classifyError(err);
    this.handler.onError(reason, detail);
  }

  /** Gives the connection back to the pool (once). */
  #done(): void {
    const cx = this.connection;
    if (cx === null || cx.active !== this) return;
    this.pool.release(cx);
  }
}
