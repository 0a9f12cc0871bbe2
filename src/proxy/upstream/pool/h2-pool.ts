import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceManager } from '../resource-manager.js';
import type { ConnPool, PoolEvents, UpstreamFailure, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from './upstream-request.js';
import { HOP_BY_HOP } from './upstream-request.js';
import { classifyError } from './classify-error.js';
import { bindConnectOptions } from '../bind-config.js';
import type { UpstreamBind } from '../bind-config.js';

export interface H2PoolOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  tls: ConnectionOptions | null;
  events: PoolEvents;
  /** The cluster's circuit breakers: each session counts as one of max_connections; queued requests as pending. */
  resources: ResourceManager;
  /** upstream_bind_config: the local address the session's connection is made from. */
  bind?: UpstreamBind | null;
  /** max_requests_per_connection: streams per session before it is drained and replaced; 0 = unlimited. */
  maxRequestsPerConnection?: number;
  /** http2_protocol_options.max_concurrent_streams: streams at once on one session (Envoy's default 2^31 - 1). */
  maxConcurrentStreams?: number;
}

/** One session of the pool (Envoy's MultiplexedActiveClientBase). */
interface H2Client {
  readonly session: ClientHttp2Session;
  connected: boolean;
  /** Streams open on it now. */
  active: number;
  /** Streams it ever carried (max_requests_per_connection). */
  total: number;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until its SETTINGS arrive). */
  remoteMax: number;
  /** Takes no new streams: max_requests_per_connection reached, or the pool drains; closes once idle. */
  draining: boolean;
}

/**
 * HTTP/2 to one upstream host, as Envoy's HTTP/2 pool: a stream goes on a session with room —
 * fewer open streams than min(max_concurrent_streams, the server's SETTINGS limit), and below
 * max_requests_per_connection — else a new session is opened for it, unless the cluster is at
 * max_connections (upstream_cx_overflow; a pool without any session still gets one), in which
 * case it waits as a pending request (max_pending_requests, else overflow) until a stream ends.
 * gRPC needs this path (trailers, h2 end to end).
 */
export class H2Pool implements ConnPool {
  readonly #clients = new Set<H2Client>();
  /** Requests waiting for room on a session, oldest first. */
  readonly #pending: H2Attempt[] = [];
  readonly #maxStreams: number;
  #closing = false;

  constructor(readonly opts: H2PoolOptions) {
    this.#maxStreams = opts.maxConcurrentStreams ?? 2147483647;
  }

  #capacity(c: H2Client): number {
    if (c.draining || c.session.closed || c.session.destroyed) return 0;
    let room = Math.min(this.#maxStreams, c.remoteMax) - c.active;
    const maxRequests = this.opts.maxRequestsPerConnection ?? 0;
    if (maxRequests > 0) room = Math.min(room, maxRequests - c.total);
    return room;
  }

  #clientWithRoom(): H2Client | null {
    for (const c of this.#clients) if (this.#capacity(c) > 0) return c;
    return null;
  }

  #connect(): H2Client {
    const { host, port, tls } = this.opts;
    const authority = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // http2.connect hands its options to net.connect / tls.connect, localAddress included.
    const local = bindConnectOptions(this.opts.bind ?? null);
    const session = http2.connect(authority, (tls ? { ...tls, ...local, ALPNProtocols: ['h2'] } : local) as http2.SecureClientSessionOptions);
    const client: H2Client = { session, connected: false, active: 0, total: 0, remoteMax: Number.POSITIVE_INFINITY, draining: false };
    this.#clients.add(client);
    let timedOut = false;
    let idle = false;
    const connectTimer = setTimeout(() => {
      if (client.connected) return;
      timedOut = true;
      session.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, this.opts.connectTimeoutMs);
    connectTimer.unref();
    const { events, resources } = this.opts;
    resources.connections.inc();
    session.once('connect', () => {
      client.connected = true;
      clearTimeout(connectTimer);
      events.onConnect();
    });
    session.on('remoteSettings', (settings) => {
      const max = settings.maxConcurrentStreams;
      client.remoteMax = max === undefined ? Number.POSITIVE_INFINITY : max;
      this.#dispatchPending();
    });
    session.once('close', () => {
      clearTimeout(connectTimer);
      this.#clients.delete(client);
      resources.connections.dec();
      if (client.connected) events.onDisconnect(idle);
      else events.onConnectFail(timedOut);
      // Requests still waiting need a session: open one if none is left (or room appeared).
      this.#dispatchPending();
      this.#failStranded();
    });
    // A GOAWAY from the server: the session takes no new streams (Envoy drains the client). Node
    // also closes the session itself on GOAWAY; this keeps the pool from depending on that.
    session.once('goaway', () => {
      client.draining = true;
    });
    session.on('error', () => {
      /* surfaced per stream */
    });
    session.setTimeout(this.opts.idleTimeoutMs, () => {
      idle = true;
      session.close();
    });
    session.unref();
    return client;
  }

  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest {
    const attempt = new H2Attempt(this, spec, handler);
    if (this.#closing && this.#clients.size === 0) {
      queueMicrotask(() => attempt.fail(Object.assign(new Error('connection pool closed'), { code: 'ECONNRESET' })));
      return attempt;
    }
    const client = this.#clientWithRoom() ?? this.#newClientIfAllowed(true);
    if (client !== null) {
      this.#start(client, attempt);
      return attempt;
    }
    const { resources, events } = this.opts;
    if (!resources.pendingRequests.canCreate()) {
      events.onPendingOverflow();
      attempt.failSoon('overflow', 'pending requests circuit breaker overflow');
      return attempt;
    }
    attempt.pending = true;
    resources.pendingRequests.inc();
    events.onPendingStart();
    this.#pending.push(attempt);
    return attempt;
  }

  /**
   * A new session when max_connections allows it, or when the pool has none at all (Envoy
   * opens that one regardless, so a host cannot stall); else upstream_cx_overflow and null.
   */
  #newClientIfAllowed(countOverflow: boolean): H2Client | null {
    const usable = [...this.#clients].some((c) => !c.draining);
    if (this.opts.resources.connections.canCreate() || !usable) {
      if (!this.opts.resources.connections.canCreate()) this.opts.events.onConnectionOverflow();
      return this.#connect();
    }
    if (countOverflow) this.opts.events.onConnectionOverflow();
    return null;
  }

  #start(client: H2Client, attempt: H2Attempt): void {
    client.active++;
    client.total++;
    const maxRequests = this.opts.maxRequestsPerConnection ?? 0;
    if (maxRequests > 0 && client.total >= maxRequests) {
      // Envoy drains a connection that reached max_requests_per_connection: its streams
      // finish, the next request opens a new one (upstream_cx_max_requests).
      client.draining = true;
      this.opts.events.onMaxRequests();
    }
    attempt.start(client, this.opts.tls !== null);
  }

  /** A stream of `client` ended: its room goes to the oldest pending request; an idle draining session closes. */
  onStreamClosed(client: H2Client): void {
    client.active--;
    this.#dispatchPending();
    if (client.active === 0 && (client.draining || this.#closing) && !client.session.closed && !client.session.destroyed) {
      // Closed only once its last stream is done: node refuses (REFUSED_STREAM) a stream whose
      // session is closed before that stream's frames are flushed.
      client.session.close();
    }
  }

  #dispatchPending(): void {
    while (this.#pending.length > 0) {
      const client = this.#clientWithRoom() ?? (this.#closing ? null : this.#newClientIfAllowed(false));
      if (client === null) return;
      const attempt = this.#pending.shift()!;
      this.#leavePending(attempt, false);
      this.#start(client, attempt);
    }
  }

  /** A draining pool with no session left cannot serve its queue: those requests fail. */
  #failStranded(): void {
    if (!this.#closing || this.#clients.size > 0) return;
    for (const a of this.#pending.splice(0)) {
      this.#leavePending(a, false);
      a.fail(Object.assign(new Error('connection pool closed'), { code: 'ECONNRESET' }));
    }
  }

  #leavePending(attempt: H2Attempt, cancelled: boolean): void {
    attempt.pending = false;
    this.opts.resources.pendingRequests.dec();
    this.opts.events.onPendingEnd(cancelled);
  }

  /** A pending request gave up (timeout, downstream gone). */
  cancelPending(attempt: H2Attempt): void {
    const i = this.#pending.indexOf(attempt);
    if (i < 0) return;
    this.#pending.splice(i, 1);
    this.#leavePending(attempt, true);
  }

  activeConnections(): number {
    let n = 0;
    for (const c of this.#clients) if (c.connected && !c.session.closed) n++;
    return n;
  }

  isIdle(): boolean {
    return this.#clients.size === 0 && this.#pending.length === 0;
  }

  drain(): Promise<void> {
    this.#closing = true;
    this.#failStranded();
    const closing: Promise<void>[] = [];
    for (const c of this.#clients) {
      if (c.session.closed || c.session.destroyed) continue;
      closing.push(new Promise((resolve) => c.session.once('close', () => resolve())));
      if (c.active === 0 && this.#pending.length === 0) c.session.close();
    }
    return Promise.all(closing).then(() => undefined);
  }

  destroy(): Promise<void> {
    this.#closing = true;
    for (const a of this.#pending.splice(0)) {
      this.#leavePending(a, false);
      a.fail(Object.assign(new Error('connection pool destroyed'), { code: 'ECONNRESET' }));
    }
    for (const c of [...this.#clients]) c.session.destroy();
    return Promise.resolve();
  }

  get closing(): boolean {
    return this.#closing;
  }
}

class H2Attempt implements UpstreamRequest {
  #stream: ClientHttp2Stream | null = null;
  #client: H2Client | null = null;
  #finished = false;
  #aborted = false;
  /** Waiting in the pool's pending queue for room on a session. */
  pending = false;

  constructor(
    readonly pool: H2Pool,
    readonly spec: UpstreamRequestSpec,
    readonly handler: UpstreamHandler,
  ) {}

  /** Opens the stream on `client` (the pool counted it there). */
  start(client: H2Client, secure: boolean): void {
    this.#client = client;
    if (this.#finished) {
      // Aborted while the pool handed it over: give the room back at once.
      this.#release();
      return;
    }
    const spec = this.spec;
    const headers: OutgoingHttpHeaders = {
      ':method': spec.method,
      ':path': spec.path,
      ':authority': spec.authority,
      ':scheme': secure ? 'https' : 'http',
    };
    for (const name in spec.headers) {
      const value = spec.headers[name];
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'host') continue;
      headers[name] = value;
    }
    // gRPC requires `te: trailers`; it is the one TE value HTTP/2 allows.
    if (spec.headers['te'] === 'trailers') headers['te'] = 'trailers';
    const session = client.session;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: spec.body === null });
    } catch (err) {
      this.#release();
      queueMicrotask(() => this.fail(err as Error));
      return;
    }
    stream.once('close', () => this.#release());
    if (session.socket) {
      if (client.connected) this.handler.onConnected(`${session.socket.localAddress}:${session.socket.localPort}`);
      else session.once('connect', () => this.handler.onConnected(`${session.socket.localAddress}:${session.socket.localPort}`));
    }
    this.bind(stream);
    if (spec.body) spec.body.pipe(stream);
  }

  /** The stream's room on its session is free again (once). */
  #release(): void {
    const c = this.#client;
    if (c === null) return;
    this.#client = null;
    this.pool.onStreamClosed(c);
  }

  failSoon(reason: UpstreamFailure, detail: string): void {
    queueMicrotask(() => {
      if (this.#finished) return;
      this.#finished = true;
      if (!this.#aborted) this.handler.onError(reason, detail);
    });
  }

  bind(stream: ClientHttp2Stream): void {
    this.#stream = stream;
    stream.on('response', (h, flags) => {
      const status = Number(h[':status']);
      if (status < 200) return;
      const headers: Record<string, string | string[]> = {};
      for (const name in h) {
        if (name.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(name)) continue;
        const v = h[name];
        if (v !== undefined) headers[name] = v as string | string[];
      }
      const ok = this.handler.onHeaders(status, headers, () => stream.resume(), (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0);
      if (!ok) stream.pause();
    });
    stream.on('data', (chunk: Buffer) => {
      if (!this.handler.onData(chunk)) stream.pause();
    });
    let trailers: Record<string, string | string[]> | null = null;
    stream.on('trailers', (t) => {
      trailers = {};
      for (const name in t) if (t[name] !== undefined) trailers[name] = t[name] as string | string[];
    });
    stream.on('end', () => {
      if (this.#finished) return;
      this.#finished = true;
      this.handler.onEnd(trailers);
    });
    stream.on('error', (err) => this.fail(err));
    stream.on('close', () => {
      if (this.#finished) return;
      // Closed without end: RST_STREAM from the upstream or the session went away.
      this.fail(Object.assign(new Error(`stream closed with code ${stream.rstCode}`), { code: 'ECONNRESET' }));
    });
  }

  fail(err: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#aborted) return;
    if (this.#stream?.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
      // Envoy's RemoteRefusedStreamReset: the upstream did not process it (retry_on refused-stream).
      this.handler.onError('remote_refused_stream_reset', 'stream refused by the upstream (REFUSED_STREAM)');
      return;
    }
    const [reason, detail] = classifyError(err);
    this.handler.onError(reason === 'connection_termination' && this.#stream ? 'remote_reset' : reason, detail);
  }

  abort(): void {
    if (this.#finished) return;
    this.#aborted = true;
    this.#finished = true;
    if (this.pending) this.pool.cancelPending(this);
    this.#stream?.close(http2.constants.NGHTTP2_CANCEL);
  }
}
