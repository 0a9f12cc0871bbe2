import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceManager } from '../resource-manager.js';
import type { ConnPool, PoolEvents, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from './upstream-request.js';
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
  /** The cluster's circuit breakers: the session counts as one of max_connections. */
  resources: ResourceManager;
  /** upstream_bind_config: the local address the session's connection is made from. */
  bind?: UpstreamBind | null;
  /** max_requests_per_connection: streams per session before it is drained and replaced; 0 = unlimited. */
  maxRequestsPerConnection?: number;
}

/**
 * HTTP/2 to one upstream host: one multiplexed session, as Envoy keeps by default, reopened when
 * it closes or goes away. gRPC needs this path (trailers, h2 end to end).
 */
export class H2Pool implements ConnPool {
  #session: ClientHttp2Session | null = null;
  #connected = false;
  #closing = false;
  /** Streams opened on the current session (max_requests_per_connection). */
  #streams = 0;
  /** Sessions closed for max_requests_per_connection whose streams are still finishing. */
  readonly #draining = new Set<ClientHttp2Session>();

  constructor(readonly opts: H2PoolOptions) {}

  #getSession(): ClientHttp2Session {
    const current = this.#session;
    if (current && !current.closed && !current.destroyed) return current;
    const { host, port, tls } = this.opts;
    const authority = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // http2.connect hands its options to net.connect / tls.connect, localAddress included.
    const local = bindConnectOptions(this.opts.bind ?? null);
    const session = http2.connect(authority, (tls ? { ...tls, ...local, ALPNProtocols: ['h2'] } : local) as http2.SecureClientSessionOptions);
    this.#session = session;
    this.#connected = false;
    this.#streams = 0;
    let timedOut = false;
    let idle = false;
    const connectTimer = setTimeout(() => {
      if (this.#connected) return;
      timedOut = true;
      session.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, this.opts.connectTimeoutMs);
    connectTimer.unref();
    const { events, resources } = this.opts;
    if (!resources.connections.canCreate()) events.onConnectionOverflow(); // the only session: opened regardless, as Envoy does
    resources.connections.inc();
    session.once('connect', () => {
      // A session drained for max_requests_per_connection may connect after its successor exists.
      if (this.#session === session) this.#connected = true;
      clearTimeout(connectTimer);
      events.onConnect();
    });
    session.once('close', () => {
      clearTimeout(connectTimer);
      resources.connections.dec();
      if (this.#connected) events.onDisconnect(idle);
      else events.onConnectFail(timedOut);
      if (this.#session === session) this.#session = null;
    });
    session.on('error', () => {
      /* surfaced per stream */
    });
    session.setTimeout(this.opts.idleTimeoutMs, () => {
      idle = true;
      session.close();
    });
    session.unref();
    return session;
  }

  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest {
    const headers: OutgoingHttpHeaders = {
      ':method': spec.method,
      ':path': spec.path,
      ':authority': spec.authority,
      ':scheme': this.opts.tls ? 'https' : 'http',
    };
    for (const name in spec.headers) {
      const value = spec.headers[name];
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'host') continue;
      headers[name] = value;
    }
    // gRPC requires `te: trailers`; it is the one TE value HTTP/2 allows.
    if (spec.headers['te'] === 'trailers') headers['te'] = 'trailers';
    const attempt = new H2Attempt(handler);
    let stream: ClientHttp2Stream;
    try {
      const session = this.#getSession();
      stream = session.request(headers, { endStream: spec.body === null });
      if (session.socket) {
        const local = `${session.socket.localAddress}:${session.socket.localPort}`;
        if (this.#connected) handler.onConnected(local);
        else session.once('connect', () => handler.onConnected(`${session.socket.localAddress}:${session.socket.localPort}`));
      }
      const max = this.opts.maxRequestsPerConnection ?? 0;
      if (max > 0 && ++this.#streams >= max) {
        // Envoy drains a connection that reached max_requests_per_connection: its streams
        // finish, the next request opens a new one (upstream_cx_max_requests).
        this.#session = null;
        this.#connected = false;
        this.opts.events.onMaxRequests();
        this.#draining.add(session);
        // Closed once its last stream is done: node refuses (REFUSED_STREAM) a stream whose
        // session is closed before that stream's frames are flushed. The session takes no new
        // streams meanwhile (it is no longer the pool's).
        session.once('close', () => this.#draining.delete(session));
        stream.once('close', () => {
          if (!session.closed && !session.destroyed) session.close();
        });
      }
    } catch (err) {
      queueMicrotask(() => attempt.fail(err as Error));
      return attempt;
    }
    attempt.bind(stream);
    if (spec.body) spec.body.pipe(stream);
    return attempt;
  }

  activeConnections(): number {
    return this.#session && !this.#session.closed ? 1 : 0;
  }

  isIdle(): boolean {
    return (this.#session === null || this.#session.closed || this.#session.destroyed) && this.#draining.size === 0;
  }

  drain(): Promise<void> {
    const s = this.#session;
    this.#closing = true;
    if (!s || s.closed) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  destroy(): Promise<void> {
    this.#closing = true;
    this.#session?.destroy();
    this.#session = null;
    for (const old of this.#draining) old.destroy();
    this.#draining.clear();
    return Promise.resolve();
  }

  get closing(): boolean {
    return this.#closing;
  }
}

class H2Attempt implements UpstreamRequest {
  #stream: ClientHttp2Stream | null = null;
  #finished = false;
  #aborted = false;

  constructor(readonly handler: UpstreamHandler) {}

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
    this.#stream?.close(http2.constants.NGHTTP2_CANCEL);
  }
}
