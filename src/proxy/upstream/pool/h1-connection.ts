import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import type { Readable } from 'node:stream';
import { HOP_BY_HOP, rawHeadersToObject } from './upstream-request.js';
import { bindConnectOptions } from '../bind-config.js';
import type { UpstreamBind } from '../bind-config.js';

/**
 * Node's own HTTP parser: llhttp compiled into the node binary, what `http.request` uses. Chosen
 * over undici (llhttp in wasm) for the upstream side because a call into it crosses no wasm
 * boundary and nothing is built per request besides the header object (no Request, no
 * handler wrappers): a bare forwarder used a third less CPU per request with it.
 */
interface NativeHttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [callback: number]: unknown;
}
interface NativeHttpParserClass {
  new (): NativeHttpParser;
  readonly RESPONSE: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
}
const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: NativeHttpParserClass };
const kOnHeaders = HTTPParser.kOnHeaders | 0;
const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
const kOnBody = HTTPParser.kOnBody | 0;
const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;

/** Envoy's max_response_headers_kb default (60 KiB): larger response heads are protocol errors. */
const MAX_RESPONSE_HEAD_BYTES = 60 * 1024;
/** Retire a connection this long before the upstream's advertised `Keep-Alive: timeout=N` runs out. */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** Only HTTP/1.1 is offered over TLS: this pool speaks nothing else. */
const H1_ALPN = ['http/1.1'];

/** One request as a connection carries it: what to write, and where the response goes. */
export interface H1Exchange {
  /** The request head from the request line to the last header line, framing included, without the final CRLF. */
  readonly head: string;
  readonly body: Readable | null;
  /** The body is sent with chunked transfer-encoding (it has no content-length). */
  readonly chunked: boolean;
  /** A HEAD request: its response has no body whatever its headers say. */
  readonly isHead: boolean;
  /** The request is about to be written on this connection (bound to it), from `localAddress`. */
  onBound(localAddress: string): void;
  /** Final (non-1xx) response headers; false asks for backpressure until `resume` is called. */
  onResponseHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void): boolean;
  onResponseData(chunk: Buffer): boolean;
  onResponseEnd(trailers: Record<string, string | string[]> | null): void;
  /** The request failed: connect failure, reset, protocol error. Its connection is closed by then. */
  onFailure(err: Error): void;
}

/** What the pool hears from one of its connections. */
export interface H1ConnectionOwner {
  /** TCP (and TLS) is up. A request handed over before this is written right after it returns. */
  onConnected(): void;
  /** The connection could not be established (refused, connect_timeout, TLS handshake). */
  onConnectFailed(err: Error, timedOut: boolean): void;
  /** An established connection closed; `idleTimeout` when this side retired it for being idle. */
  onClosed(idleTimeout: boolean): void;
}

export interface H1ConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Idle connections close after this, or earlier when the upstream announces a shorter keep-alive. */
  idleTimeoutMs: number;
  tls: Readonly<ConnectionOptions> | null;
  /** The pool's TLS session, resumed by its next connections (as undici's connector did). */
  tlsSessions: { session: Buffer | undefined } | null;
  /** upstream_bind_config: the local address to connect from. */
  bind?: UpstreamBind | null;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Why this side closed a connection, when no error says it (see classifyError). */
type CloseCode = 'ERR_UPSTREAM_CLOSED' | 'ERR_LOCAL_RESET' | 'ERR_POOL_DESTROYED';
const CLOSE_MESSAGES: Readonly<Record<CloseCode, string>> = {
  ERR_UPSTREAM_CLOSED: 'upstream closed the connection',
  ERR_LOCAL_RESET: 'local reset',
  ERR_POOL_DESTROYED: 'connection pool destroyed',
};

function connectionError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/**
 * One HTTP/1.1 connection to an upstream host, one request at a time: a raw socket (TLS when the
 * cluster has an UpstreamTlsContext) and Node's native response parser. The pool decides what
 * runs on it; this class writes requests, parses responses and tells the pool when it connected,
 * failed or closed.
 *
 * After a response the connection stays open only when the response allows keep-alive and the
 * request was written completely; its idle timeout is then the pool's, or the upstream's
 * `Keep-Alive: timeout=N` minus 1 s when that is shorter, so that we close an idle connection
 * before the upstream does (the keep-alive race). A hint of 1 s or less closes it right away.
 */
export class H1Connection {
  /** `address:port` of our end, once connected (%UPSTREAM_LOCAL_ADDRESS%). */
  localAddress = '';
  readonly #owner: H1ConnectionOwner;
  readonly #socket: net.Socket;
  readonly #parser: NativeHttpParser;
  readonly #idleDefaultMs: number;
  #state = CONNECTING;
  /** Closed by the pool (drain, destroy): no onConnectFailed for a connection the pool gave up on. */
  #byOwner = false;
  #connectTimer: NodeJS.Timeout | null;
  /** The one idle timer; refreshed after each response, replaced only when its duration changes. */
  #idleTimer: NodeJS.Timeout | null = null;
  #idleMs = 0;
  #referenced = true;

  // --- the current request ---
  #exchange: H1Exchange | null = null;
  /** The exchange was written (it is not only queued for the connect). */
  #sent = false;
  /** Close after this response (max_requests_per_connection). */
  #last = false;
  #requestDone = false;
  #body: Readable | null = null;
  #chunked = false;
  #paused = false;

  // --- the current response ---
  /** Header pairs delivered before headers-complete (large or fragmented heads), then trailers. */
  #raw: string[] | null = null;
  #headersDone = false;
  #keepAlive = false;
  #keepAliveHint: string | null = null;
  #connectionHeader: string | null = null;
  #lastHint: string | null = null;
  #lastHintMs = 0;

  constructor(opts: H1ConnectionOptions, owner: H1ConnectionOwner) {
    this.#owner = owner;
    this.#idleDefaultMs = Math.max(1, opts.idleTimeoutMs);
    const { host, port } = opts;
    const local = bindConnectOptions(opts.bind ?? null);
    let socket: net.Socket;
    if (opts.tls === null) {
      // undici's buffer size for plaintext sockets (Node's typings omit highWaterMark here).
      socket = net.connect({ highWaterMark: 64 * 1024, host, port, ...local } as net.NetConnectOpts);
      socket.once('connect', this.#onConnect);
    } else {
      // As undici's connector: the configured options, SNI from the config (else the host when it
      // is a name: hosts are IP addresses here, so none), ALPN http/1.1 only, TLS session reuse.
      const sessions = opts.tlsSessions;
      const servername = opts.tls.servername ?? (net.isIP(host) === 0 ? host : undefined);
      const tlsSocket = tls.connect({
        highWaterMark: 16384,
        ...opts.tls,
        ...(servername !== undefined ? { servername } : {}),
        ...(sessions?.session !== undefined ? { session: sessions.session } : {}),
        ALPNProtocols: H1_ALPN,
        host,
        port,
        ...local,
      } as ConnectionOptions);
      if (sessions !== null) {
        tlsSocket.on('session', (session: Buffer) => {
          sessions.session = session;
        });
      }
      tlsSocket.once('secureConnect', this.#onConnect);
      socket = tlsSocket;
    }
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    // A plain timer, so a 250 ms connect_timeout fires at 250 ms; it covers the TLS handshake too,
    // as Envoy's does (its connection is up once the transport socket is).
    this.#connectTimer = setTimeout(this.#onConnectTimeout, opts.connectTimeoutMs);
    this.#connectTimer.unref();

    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, MAX_RESPONSE_HEAD_BYTES, 0);
    parser[kOnHeaders] = this.#onParserHeaders;
    parser[kOnHeadersComplete] = this.#onHeadersComplete;
    parser[kOnBody] = this.#onBody;
    parser[kOnMessageComplete] = this.#onMessageComplete;
    this.#parser = parser;
  }

  /**
   * Runs `exchange` on this connection: written now when connected, else once connected.
   * `last`: the connection closes after this response (and says so with `connection: close`).
   */
  start(exchange: H1Exchange, last: boolean): void {
    this.#exchange = exchange;
    this.#sent = false;
    this.#last = last;
    if (this.#state === OPEN) this.#send();
  }

  /** Drops an exchange still waiting for the connect; the connection itself carries on. */
  cancel(exchange: H1Exchange): void {
    if (this.#exchange === exchange && !this.#sent) this.#exchange = null;
  }

  /** Resets the connection under its request (timeout, downstream gone). */
  reset(): void {
    this.#terminate(null, false, false, 'ERR_LOCAL_RESET');
  }

  /** Closes the connection for the pool (drain, destroy); a request on it fails. */
  destroy(): void {
    this.#byOwner = true;
    this.#terminate(null, false, false, 'ERR_POOL_DESTROYED');
  }

  // --- request ---

  #send(): void {
    const ex = this.#exchange!;
    this.#sent = true;
    this.#requestDone = false;
    this.#headersDone = false;
    this.#raw = null;
    if (!this.#referenced) {
      this.#referenced = true;
      this.#socket.ref();
    }
    ex.onBound(this.localAddress);
    if (this.#exchange !== ex) return;
    this.#socket.write(this.#last ? `${ex.head}connection: close\r\n\r\n` : `${ex.head}\r\n`, 'latin1');
    const body = ex.body;
    if (body === null) {
      this.#requestDone = true;
      return;
    }
    if (body.destroyed) {
      this.#terminate(connectionError('ERR_REQUEST_BODY_ABORTED', 'request body aborted'), false, false);
      return;
    }
    this.#body = body;
    this.#chunked = ex.chunked;
    body.on('data', this.#onBodyData);
    body.on('end', this.#onBodyEnd);
    body.on('error', this.#onBodyError);
    body.on('close', this.#onBodyClose);
  }

  readonly #onBodyData = (data: Buffer | string): void => {
    if (this.#state !== OPEN) return;
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const socket = this.#socket;
    let ok: boolean;
    if (this.#chunked) {
      if (chunk.length === 0) return;
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    // Backpressure: the body waits for the socket's 'drain'.
    if (!ok) this.#body?.pause();
  };

  readonly #onDrain = (): void => {
    this.#body?.resume();
  };

  readonly #onBodyEnd = (): void => {
    if (this.#state !== OPEN) return;
    if (this.#chunked) this.#socket.write('0\r\n\r\n', 'latin1');
    this.#requestDone = true;
    this.#detachBody();
  };

  readonly #onBodyError = (err: Error): void => {
    this.#terminate(err, false, false);
  };

  readonly #onBodyClose = (): void => {
    if (!this.#requestDone) this.#terminate(connectionError('ERR_REQUEST_BODY_ABORTED', 'request body aborted'), false, false);
  };

  #detachBody(): Readable | null {
    const body = this.#body;
    if (body === null) return null;
    this.#body = null;
    body.off('data', this.#onBodyData);
    body.off('end', this.#onBodyEnd);
    body.off('error', this.#onBodyError);
    body.off('close', this.#onBodyClose);
    return body;
  }

  // --- response ---

  readonly #onData = (chunk: Buffer): void => {
    if (this.#exchange === null || !this.#sent) {
      // Empty lines between messages are tolerated (as llhttp does); anything else nobody asked
      // for means a misbehaving upstream, and the connection cannot be trusted any more.
      if (onlyLineBreaks(chunk)) return;
      this.#terminate(connectionError('ERR_UPSTREAM_PROTOCOL', 'unexpected data from upstream'), false, false);
      return;
    }
    let ret: number | Error;
    try {
      ret = this.#parser.execute(chunk);
    } catch (err) {
      // A handler threw inside a parser callback: this request cannot go on.
      this.#terminate(err as Error, false, false);
      return;
    }
    if (typeof ret !== 'number') this.#terminate(ret, false, false);
  };

  readonly #onParserHeaders = (headers: string[]): void => {
    // Before headers-complete: a head too large or too fragmented for one callback; after: trailers.
    this.#raw = this.#raw === null ? headers : this.#raw.concat(headers);
  };

  readonly #onHeadersComplete = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    status: number,
    _statusMessage: unknown,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number => {
    const ex = this.#exchange;
    if (ex === null || this.#state !== OPEN) return -1;
    let raw = headers;
    if (raw === undefined) raw = this.#raw ?? [];
    else if (this.#raw !== null) raw = this.#raw.concat(raw);
    this.#raw = null;
    if (upgrade) {
      this.#terminate(connectionError('ERR_UPSTREAM_PROTOCOL', `unexpected upgrade (status ${status})`), false, false);
      return -1;
    }
    // 1xx (100 Continue, 103 Early Hints): the final response follows on the same exchange.
    if (status < 200) return 0;
    this.#headersDone = true;
    const out = this.#responseHeaders(raw);
    let keepAlive = shouldKeepAlive;
    // llhttp decides keep-alive before it knows the response has no body; for HEAD, decide by version and Connection.
    if (!keepAlive && ex.isHead) {
      const c = this.#connectionHeader?.toLowerCase() ?? '';
      keepAlive = versionMajor === 1 && versionMinor >= 1 ? !c.includes('close') : c.includes('keep-alive');
    }
    this.#keepAlive = keepAlive;
    if (!ex.onResponseHeaders(status, out, this.#resume)) this.#pause();
    // 1: a response to HEAD has no body, whatever its content-length says.
    return ex.isHead ? 1 : 0;
  };

  /** Response headers as the router takes them; keeps Keep-Alive and Connection for itself. */
  #responseHeaders(raw: string[]): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    this.#keepAliveHint = null;
    this.#connectionHeader = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (HOP_BY_HOP.has(name)) {
        if (name === 'keep-alive') this.#keepAliveHint = this.#keepAliveHint === null ? value : `${this.#keepAliveHint}, ${value}`;
        else if (name === 'connection') this.#connectionHeader = this.#connectionHeader === null ? value : `${this.#connectionHeader}, ${value}`;
        continue;
      }
      const prev = out[name];
      if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = `${prev}, ${value}`;
    }
    return out;
  }

  readonly #onBody = (chunk: Buffer): void => {
    const ex = this.#exchange;
    if (ex === null || !this.#headersDone) return;
    if (!ex.onResponseData(chunk)) this.#pause();
  };

  readonly #onMessageComplete = (): void => {
    const ex = this.#exchange;
    // Not headersDone: the end of a 1xx message.
    if (ex === null || !this.#headersDone) return;
    const trailerPairs = this.#raw;
    this.#raw = null;
    this.#headersDone = false;
    this.#exchange = null;
    if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
    const idleMs = this.#keepAlive && this.#requestDone && !this.#last && this.#state === OPEN ? this.#idleTimeoutAfterResponse() : 0;
    if (idleMs > 0) {
      const timer = this.#idleTimer;
      if (timer !== null && idleMs === this.#idleMs) {
        timer.refresh();
      } else {
        if (timer !== null) clearTimeout(timer);
        this.#idleMs = idleMs;
        this.#idleTimer = setTimeout(this.#onIdle, idleMs);
        this.#idleTimer.unref();
      }
      // An idle connection does not keep the process alive.
      this.#referenced = false;
      this.#socket.unref();
    } else {
      this.#terminate(null, false, false);
    }
    ex.onResponseEnd(trailerPairs !== null && trailerPairs.length > 0 ? rawHeadersToObject(trailerPairs) : null);
  };

  /** The pool's idle timeout, or the upstream's Keep-Alive timeout minus the margin if shorter (0: close now). */
  #idleTimeoutAfterResponse(): number {
    const hint = this.#keepAliveHint;
    if (hint === null) return this.#idleDefaultMs;
    if (hint !== this.#lastHint) {
      this.#lastHint = hint;
      const seconds = keepAliveTimeoutSeconds(hint);
      this.#lastHintMs = seconds === null ? -1 : seconds * 1000 - KEEP_ALIVE_MARGIN_MS;
    }
    if (this.#lastHintMs === -1) return this.#idleDefaultMs;
    return Math.max(0, Math.min(this.#lastHintMs, this.#idleDefaultMs));
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket.pause();
  }

  readonly #resume = (): void => {
    if (!this.#paused || this.#state !== OPEN) return;
    this.#paused = false;
    this.#socket.resume();
  };

  // --- connection lifecycle ---

  readonly #onConnect = (): void => {
    if (this.#state !== CONNECTING) return;
    this.#state = OPEN;
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
    const socket = this.#socket;
    const address = socket.localAddress ?? '';
    this.localAddress = address.includes(':') ? `[${address}]:${socket.localPort}` : `${address}:${socket.localPort}`;
    this.#idleMs = this.#idleDefaultMs;
    this.#idleTimer = setTimeout(this.#onIdle, this.#idleMs);
    this.#idleTimer.unref();
    const queued = this.#exchange;
    this.#owner.onConnected();
    if (queued !== null && this.#exchange === queued && !this.#sent && this.#state === OPEN) {
      this.#send();
    } else if (this.#exchange === null && this.#state === OPEN) {
      this.#referenced = false;
      socket.unref();
    }
  };

  readonly #onConnectTimeout = (): void => {
    this.#connectTimer = null;
    if (this.#state !== CONNECTING) return;
    const { remoteAddress, remotePort } = this.#socket;
    this.#terminate(connectionError('ETIMEDOUT', `connect timeout (attempted address: ${remoteAddress ?? '?'}:${remotePort ?? '?'})`), false, true);
  };

  readonly #onIdle = (): void => {
    // A request started since the timer was armed: its response re-arms the timer.
    if (this.#exchange !== null || this.#state !== OPEN) return;
    this.#terminate(null, true, false);
  };

  readonly #onEnd = (): void => {
    if (this.#state === CLOSED) return;
    // A response delimited by the end of the connection (no length, not chunked) ends here.
    if (this.#exchange !== null && this.#headersDone) {
      try {
        this.#parser.finish();
      } catch (err) {
        this.#terminate(err as Error, false, false);
        return;
      }
    }
    this.#terminate(null, false, false);
  };

  readonly #onError = (err: Error): void => {
    this.#terminate(err, false, false);
  };

  readonly #onClose = (): void => {
    this.#terminate(null, false, false);
    // Outside any parser.execute (socket 'close' is emitted on a later tick): the native parser can go.
    this.#parser.close();
  };

  /**
   * Closes the connection (once) and tells whoever needs to know: the pool first (onClosed, or
   * onConnectFailed for one that never connected), then the request on it, if any. Without
   * `err`, the failure is built from `code` only when someone gets it.
   */
  #terminate(err: Error | null, idleTimeout: boolean, timedOut: boolean, code: CloseCode = 'ERR_UPSTREAM_CLOSED'): void {
    const state = this.#state;
    if (state === CLOSED) return;
    this.#state = CLOSED;
    // Read now: the request's failure below can make the pool remove (destroy) this connection.
    const byOwner = this.#byOwner;
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    // A request body still streaming: let it drain (its downstream may still get a reply).
    this.#detachBody()?.resume();
    this.#socket.destroy();
    const ex = this.#exchange;
    this.#exchange = null;
    if (state === OPEN) {
      this.#owner.onClosed(idleTimeout);
      if (ex !== null) ex.onFailure(err ?? connectionError(code, CLOSE_MESSAGES[code]));
      return;
    }
    const failure = err ?? connectionError(code, CLOSE_MESSAGES[code]);
    if (ex !== null) ex.onFailure(failure);
    if (!byOwner) this.#owner.onConnectFailed(failure, timedOut);
  }
}

function onlyLineBreaks(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (c !== 13 && c !== 10) return false;
  }
  return true;
}

/** `timeout=N` of a Keep-Alive header value (as undici reads it), or null. */
export function keepAliveTimeoutSeconds(value: string): number | null {
  const at = value.indexOf('timeout=');
  if (at < 0) return null;
  let n = 0;
  let i = at + 8;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return i === at + 8 ? null : n;
}
