import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { ConnectionOptions } from 'node:tls';
import type { ConnPool, PoolEvents, UpstreamHandler, UpstreamRequest, UpstreamRequestSpec } from './upstream-request.js';
import { rawHeadersToObject } from './upstream-request.js';
import { classifyError } from './classify-error.js';

export interface H1PoolOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Envoy's common_http_protocol_options.idle_timeout: idle connections are closed after it. */
  idleTimeoutMs: number;
  maxConnections: number;
  /** max_requests_per_connection; 0 = unlimited. */
  maxRequestsPerConnection: number;
  /** TLS options for the upstream (UpstreamTlsContext), or null for plaintext. */
  tls: ConnectionOptions | null;
  events?: PoolEvents;
}

/**
 * HTTP/1.1 keep-alive connections to one upstream host, on undici's Pool.
 *
 * The keep-alive race (the upstream closes an idle connection just as we send on it, which Istio
 * users see as "upstream connect error or disconnect/reset before headers. reset reason:
 * connection termination") is avoided by retiring idle connections before the upstream would:
 * undici honours the upstream's `Keep-Alive: timeout=N` hint minus a margin
 * (keepAliveTimeoutThreshold), and uses our idle timeout when there is no hint.
 */
export class H1Pool implements ConnPool {
  readonly #pool: Pool;
  #connected = 0;

  constructor(opts: H1PoolOptions) {
    const origin = `${opts.tls ? 'https' : 'http'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
    this.#pool = new Pool(origin, {
      connections: opts.maxConnections > 0 ? opts.maxConnections : null,
      pipelining: 1,
      keepAliveTimeout: Math.max(1, opts.idleTimeoutMs),
      keepAliveMaxTimeout: Math.max(1, opts.idleTimeoutMs),
      // Retire a connection 1 s before the upstream's advertised keep-alive timeout expires.
      keepAliveTimeoutThreshold: 1000,
      maxRequestsPerClient: opts.maxRequestsPerConnection > 0 ? opts.maxRequestsPerConnection : undefined,
      headersTimeout: 0,
      bodyTimeout: 0,
      connectTimeout: opts.connectTimeoutMs,
      connect: opts.tls ? { ...opts.tls, timeout: opts.connectTimeoutMs } : { timeout: opts.connectTimeoutMs },
    } as Pool.Options);
    const events = opts.events;
    this.#pool.on('connect', () => {
      this.#connected++;
      events?.onConnect();
    });
    this.#pool.on('disconnect', () => {
      this.#connected--;
      events?.onDisconnect();
    });
    this.#pool.on('connectionError', (_origin: unknown, _targets: unknown, err: Error & { code?: string }) => {
      events?.onConnectFail(err?.code === 'UND_ERR_CONNECT_TIMEOUT');
    });
  }

  request(spec: UpstreamRequestSpec, handler: UpstreamHandler): UpstreamRequest {
    const attempt = new H1Attempt(handler);
    this.#pool.dispatch(
      {
        method: spec.method,
        path: spec.path,
        headers: { ...spec.headers, host: spec.authority } as Record<string, string>,
        body: spec.body ?? undefined,
        // The router decides about retries; undici must not replay requests on its own.
        idempotent: false,
        reset: false,
      } as Dispatcher.DispatchOptions,
      attempt as unknown as Dispatcher.DispatchHandler,
    );
    return attempt;
  }

  activeConnections(): number {
    return this.#connected;
  }

  async drain(): Promise<void> {
    await this.#pool.close();
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}

/**
 * undici's callback-style dispatch handler for one attempt. A class, not closures, so one
 * object per request carries everything.
 */
class H1Attempt implements UpstreamRequest {
  #abort: ((err?: Error) => void) | null = null;
  #aborted = false;
  #finished = false;

  constructor(readonly handler: UpstreamHandler) {}

  abort(): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    this.#abort?.(new Error('local reset'));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
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
    this.handler.onEnd(trailers && trailers.length ? rawHeadersToObject(trailers) : null);
  }

  onError(err: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#aborted) return; // the router already answered (timeout or downstream reset)
    const [reason, detail] = classifyError(err);
    this.handler.onError(reason, detail);
  }
}
