import { Client, buildConnector, errors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceManager } from '../resource-manager.js';
import type { ConnPool, PoolEvents, UpstreamFailure, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from './upstream-request.js';
import { rawHeadersToObject } from './upstream-request.js';
import { classifyError } from './classify-error.js';

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
}

/** One upstream connection: an undici Client with one request at a time. */
interface Connection {
  readonly client: Client;
  /** The socket is up ('connect' seen, no 'disconnect' since). */
  connected: boolean;
  /** The request on it, or null while idle. */
  active: H1Attempt | null;
  /** Requests written since the socket connected (max_requests_per_connection). */
  requests: number;
  everConnected: boolean;
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
 * undici honours the upstream's `Keep-Alive: timeout=N` hint minus a margin
 * (keepAliveTimeoutThreshold, 1 s), and uses our idle timeout when there is no hint. An upstream
 * that closes idle connections without announcing it can still race a request: that request
 * fails (503 UC, as in Envoy) and the next one opens a new connection.
 */
export class H1Pool implements ConnPool {
  readonly #opts: H1PoolOptions;
  readonly #origin: string;
  readonly #clientOptions: Client.Options;
  readonly #connections = new Set<Connection>();
  /** Requests waiting for a connection, oldest first. */
  readonly #pending: H1Attempt[] = [];
  #draining = false;
  #drainPromise: Promise<void> | null = null;
  #drained: (() => void) | null = null;
  #destroyed = false;

  constructor(opts: H1PoolOptions) {
    this.#opts = opts;
    this.#origin = `${opts.tls ? 'https' : 'http'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
    this.#clientOptions = {
      pipelining: 1,
      keepAliveTimeout: Math.max(1, opts.idleTimeoutMs),
      keepAliveMaxTimeout: Math.max(1, opts.idleTimeoutMs),
      // Retire a connection 1 s before the upstream's advertised keep-alive timeout expires.
      keepAliveTimeoutThreshold: 1000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: preciseConnector(opts.tls, opts.connectTimeoutMs),
    } as Client.Options;
  }

  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest {
    const attempt = new H1Attempt(this, spec, handler);
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

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const a of this.#pending.splice(0)) a.failNow('local_reset', 'connection pool destroyed');
    const all = [...this.#connections].map((cx) => {
      this.#opts.resources.connections.dec();
      return cx.client.destroy().catch(() => undefined);
    });
    this.#connections.clear();
    this.#drained?.();
    await Promise.all(all);
  }

  // --- called by H1Attempt ---

  /** The request was written on its connection: it is no longer pending. */
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

  /** A request on `cx` completed or failed: the connection takes the next queued request, or idles. */
  release(cx: Connection): void {
    cx.active = null;
    if (!cx.connected || this.#destroyed) {
      this.#remove(cx);
      // A connection that closed under its request makes room for the queue; one that never
      // connected does not (its connectionError fails the queue right after).
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
    const spec = attempt.spec;
    // max_requests_per_connection: the Nth request on a socket asks undici to close it after the
    // response (undici's own maxRequestsPerClient lets N + 1 through). A socket already past N is
    // closing, and this request will go out as the first on its replacement.
    const max = this.#opts.maxRequestsPerConnection;
    const nth = (cx.requests >= max ? 0 : cx.requests) + 1;
    cx.client.dispatch(
      {
        origin: this.#origin,
        method: spec.method,
        path: spec.path,
        headers: { ...spec.headers, host: spec.authority } as Record<string, string>,
        body: spec.body ?? undefined,
        // The router decides about retries; undici must not replay requests on its own.
        idempotent: false,
        reset: max > 0 && nth === max,
      } as Dispatcher.DispatchOptions,
      attempt as unknown as Dispatcher.DispatchHandler,
    );
  }

  #open(): Connection {
    const client = new Client(this.#origin, this.#clientOptions);
    const cx: Connection = { client, connected: false, active: null, requests: 0, everConnected: false };
    const { events, resources } = this.#opts;
    resources.connections.inc();
    this.#connections.add(cx);
    client.on('connect', () => {
      cx.connected = true;
      cx.everConnected = true;
      cx.requests = 0;
      events.onConnect();
    });
    client.on('disconnect', (_origin: unknown, _targets: unknown, err: Error | null) => {
      if (!cx.connected) return;
      cx.connected = false;
      const max = this.#opts.maxRequestsPerConnection;
      if (max > 0 && cx.requests >= max) events.onMaxRequests();
      events.onDisconnect(err?.message === 'socket idle timeout');
      if (cx.active === null && this.#connections.has(cx)) {
        this.#remove(cx);
        if (this.#pending.length > 0) this.#connectForPending();
      }
    });
    client.on('connectionError', (_origin: unknown, _targets: unknown, err: Error & { code?: string }) => {
      events.onConnectFail(err?.code === 'UND_ERR_CONNECT_TIMEOUT');
      if (cx.active === null) this.#remove(cx);
      // The queued requests would wait on a host that just refused us: fail them all now.
      const [reason, detail] = classifyError(err ?? new Error('connection failure'));
      for (const a of this.#pending.splice(0)) {
        events.onPendingFailureEject();
        a.failNow(reason, detail);
      }
      this.#checkDrained();
    });
    return cx;
  }

  #remove(cx: Connection): void {
    if (!this.#connections.delete(cx)) return;
    this.#opts.resources.connections.dec();
    void cx.client.destroy().catch(() => undefined);
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#draining && this.#connections.size === 0 && this.#pending.length === 0) {
      this.#drained?.();
      this.#drained = null;
    }
  }
}

/**
 * undici's connector with connect_timeout on a plain timer: undici's own connect timeout runs on
 * its coarse (~0.5–1 s) timer wheel, so a 250 ms connect_timeout fired at ~1 s. The timeout
 * covers the TLS handshake too, as Envoy's does (its connection is up only once the transport
 * socket is).
 */
function preciseConnector(tls: ConnectionOptions | null, timeoutMs: number): buildConnector.connector {
  const base = buildConnector({ ...(tls ?? {}), timeout: 0 } as buildConnector.BuildOptions);
  return (options, callback) => {
    let pending = true;
    // The connector returns its socket (undici's typings say void).
    const socket = base(options, (err, sock) => {
      pending = false;
      clearTimeout(timer);
      // undici's callback type pairs an Error with null and a socket with null; forward as given.
      (callback as (e: Error | null, s: unknown) => void)(err, sock);
    }) as unknown as Socket;
    const timer = setTimeout(() => {
      if (pending) socket.destroy(new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${options.hostname}:${options.port}, timeout: ${timeoutMs}ms)`));
    }, timeoutMs);
    return socket;
  };
}

/**
 * One request on the pool: undici's callback-style dispatch handler plus the pool's bookkeeping
 * (pending state, its connection). A class, not closures, so one object per request carries it.
 */
class H1Attempt implements UpstreamRequest {
  connection: Connection | null = null;
  /** Waiting for a connection (counted in max_pending_requests). */
  pending = false;
  #abort: ((err?: Error) => void) | null = null;
  #aborted = false;
  #finished = false;

  constructor(
    readonly pool: H1Pool,
    readonly spec: UpstreamRequestSpec,
    readonly handler: UpstreamHandler,
  ) {}

  abort(): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    if (this.connection === null) {
      // Still queued: drop it; nothing was sent.
      this.#finished = true;
      this.pool.cancel(this);
      return;
    }
    this.#abort?.(new Error('local reset'));
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

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    this.pool.bound(this);
    if (this.#aborted) abort(new Error('local reset'));
  }

  onUpgrade(): void {
    this.onError(new Error('unexpected upgrade'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational: wait for the final response
    return this.handler.onHeaders(statusCode, rawHeadersToObject(rawHeaders), resume);
  }

  onData(chunk: Buffer): boolean {
    return this.handler.onData(chunk);
  }

  onComplete(trailers: Buffer[] | null): void {
    this.#finished = true;
    this.#done();
    this.handler.onEnd(trailers && trailers.length ? rawHeadersToObject(trailers) : null);
  }

  onError(err: Error): void {
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
