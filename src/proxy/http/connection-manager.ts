import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { HcmConfig } from './connection-manager-config.js';
import type { HttpFilter } from './http-filter.js';
import { HttpStream } from './http-stream.js';
import type { DownstreamRequest, DownstreamResponse, StreamDriver } from './http-stream.js';
import { newStreamInfo } from './stream-info.js';
import { streamOfResponse, trackRequest, trackResponse } from './stream-tracking.js';
import type { HeaderMap } from './header-map.js';
import { normalizeRequestPath } from './path-normalize.js';
import { mutateRequestHeaders } from './downstream-headers.js';
import { LocalReplies } from '../errors/local-replies.js';
import { ResponseFlag } from '../errors/response-flags.js';
import type { RouteTable } from '../router/route-table.js';
import { HcmStats } from './hcm-stats.js';
import { checkHttp1, closeAfterDelay, codecErrorStatus, codecReason, hasProtocolError, http1ResponseClosed, markProtocolError, serializeHttp1, writeCodecError } from './http1-codec.js';
import type { NetworkFilter } from '../network/network-filter.js';
import type { StatsStore } from '../../telemetry/stats/stats-store.js';
import { emitAccessLogs } from '../access-log/access-logger.js';
import type { AccessLoggers } from '../access-log/access-logger.js';

/** Facts about the downstream connection a request arrived on. */
export interface DownstreamConnection {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /**
   * The local address is the connection's original destination (SO_ORIGINAL_DST, read by the
   * original_dst listener filter), not this proxy's socket: ORIGINAL_DST clusters connect to it.
   */
  localAddressRestored?: boolean;
  /** True when the connection is TLS-terminated by this proxy. */
  tls: boolean;
  serverName: string;
}

/** Where the connection manager finds its current route table (inline: fixed; RDS: latest). */
export interface RouteTableSource {
  current(): RouteTable | null;
}

const kConnection = Symbol('tsmesh.downstreamConnection');
/** The connection's timer bookkeeping (idle_timeout, request_headers_timeout). */
const kIdle = Symbol('tsmesh.connectionIdle');
type TaggedSocket = Duplex & { [kConnection]?: DownstreamConnection; [kIdle]?: ConnectionIdle };

/**
 * Per-connection timers: Envoy's connection idle timer, running while the connection has no
 * active stream, and (HTTP/1) the header timer, running from the first byte of a request until
 * its headers are complete. Node's own headersTimeout/requestTimeout never run here: they are
 * tied to server.listen(), and connections are handed over by the listener instead.
 */
interface ConnectionIdle {
  readonly socket: Duplex;
  active: number;
  timer: NodeJS.Timeout | null;
  session: http2.ServerHttp2Session | null;
  /** HTTP/1: waiting for the next request's headers (none in progress). */
  awaitingHeaders: boolean;
  headerTimer: NodeJS.Timeout | null;
}

const NO_HEADERS: readonly string[] = [];

/**
 * Envoy's HTTP connection manager for one filter chain and config version: takes HTTP/1.1 and
 * HTTP/2 connections, turns each request into an HttpStream, applies the connection-level
 * header rules (x-forwarded-*, x-request-id, path normalisation), routes it and runs the filter
 * chain, which ends in the router. Every local reply goes through sendLocalReply.
 */
export class HttpConnectionManager implements StreamDriver, NetworkFilter {
  readonly stats: HcmStats;
  readonly #h1: http.Server;
  readonly #h2: http2.Http2Server;
  #draining = false;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  /** Filters configured `disabled: true` (by name): off unless a route enables them. */
  readonly #disabledByDefault: ReadonlySet<string>;
  /** False when no filter but the router exists, so nothing can be disabled per route. */
  readonly #mayDisable: boolean;
  /** 0, or how long an HTTP/1 request's headers may take from its first byte. */
  readonly #headerTimeoutMs: number;
  /** The local reply body when the header timer fires (which Envoy timeout it stands for). */
  readonly #headersTimeoutBody: string;
  /** The idle state of the connection being handed to the HTTP/2 codec, to learn its session. */
  #connecting: ConnectionIdle | null = null;
  /** #onRequest for a pipelined HTTP/1 request whose turn came (bound once, not per request). */
  readonly #dispatchHttp1 = (req: http.IncomingMessage, res: http.ServerResponse): void => this.#onRequest(req, res);

  constructor(
    readonly config: HcmConfig,
    readonly routes: RouteTableSource,
    readonly filters: readonly HttpFilter[],
    store: StatsStore,
    /** The access_log loggers; null (no cost per stream) when none are configured. */
    readonly accessLogs: AccessLoggers = null,
  ) {
    this.stats = new HcmStats(store, config.statPrefix);
    this.#disabledByDefault = new Set(config.httpFilters.filter((f) => f.disabled).map((f) => f.name));
    this.#mayDisable = filters.length > 1;
    // Until its headers are in, a request is only bytes in Node's parser: the connection's header
    // timer stands for request_headers_timeout and request_timeout (whichever is shorter) then.
    const rht = config.requestHeadersTimeoutMs;
    const rt = config.requestTimeoutMs;
    this.#headerTimeoutMs = rht > 0 && rt > 0 ? Math.min(rht, rt) : rht || rt;
    this.#headersTimeoutBody = rht > 0 && (rt === 0 || rht <= rt) ? 'request header timeout' : 'request timeout';
    this.#h1 = http.createServer(
      {
        maxHeaderSize: config.maxRequestHeadersKb * 1024,
        // Envoy's HCM answers a missing Host (400 missing_host_header) after absolute-form
        // targets had their say, so the check lives in #decode.
        requireHostHeader: false,
        // The connection idle timeout is ours (it also covers connections that never sent a request).
        keepAliveTimeout: 0,
        requestTimeout: 0,
        insecureHTTPParser: false,
        noDelay: true,
      },
      (req, res) => this.#onRequest(req, res),
    );
    // Node answers 400/431 itself for malformed requests; count them and close (Envoy does too).
    this.#h1.on('clientError', (err: Error & { code?: string }, socket: Duplex) => this.#onClientError(err, socket));
    this.#h2 = http2.createServer({ maxHeaderListPairs: 1000, maxSendHeaderBlockLength: config.maxRequestHeadersKb * 1024 }, (req, res) => this.#onRequest(req, res));
    this.#h2.on('session', (s) => {
      this.#sessions.add(s);
      if (this.#connecting !== null) this.#connecting.session = s;
      s.once('close', () => this.#sessions.delete(s));
      if (this.#draining) s.close();
    });
  }

  /** Hands a (possibly TLS-terminated) downstream connection to the right codec. */
  onConnection(socket: Duplex, conn: DownstreamConnection, protocol: string): void {
    (socket as TaggedSocket)[kConnection] = conn;
    this.stats.cxTotal.inc();
    this.stats.cxActive.inc();
    socket.once('close', () => this.stats.cxActive.dec());
    const useH2 = this.config.codecType === 'HTTP2' || (this.config.codecType === 'AUTO' && protocol === 'h2');
    const idleMs = this.config.idleTimeoutMs;
    const headerMs = useH2 ? 0 : this.#headerTimeoutMs;
    let idle: ConnectionIdle | null = null;
    if (idleMs > 0 || headerMs > 0) {
      const state: ConnectionIdle = { socket, active: 0, timer: null, session: null, awaitingHeaders: true, headerTimer: null };
      idle = state;
      (socket as TaggedSocket)[kIdle] = state;
      this.#armIdle(state);
      socket.once('close', () => {
        if (state.timer !== null) clearTimeout(state.timer);
        if (state.headerTimer !== null) clearTimeout(state.headerTimer);
        state.timer = state.headerTimer = null;
      });
    }
    if (useH2) {
      this.stats.cxHttp2Total.inc();
      this.#connecting = idle;
      // Node's http2 server gives a TLS socket that did not negotiate "h2" to 'unknownProtocol';
      // Envoy speaks HTTP/2 on it when codec HTTP2 or the connection preface says so.
      const secure = socket as Duplex & { encrypted?: boolean; alpnProtocol?: string | false | null };
      if (secure.encrypted === true && secure.alpnProtocol !== 'h2') secure.alpnProtocol = 'h2';
      this.#h2.emit('connection', socket);
      this.#connecting = null;
    } else {
      this.stats.cxHttp1Total.inc();
      this.#h1.emit('connection', socket);
      // After the parser's own listener, so bytes completing a request's headers are parsed first.
      if (headerMs > 0) socket.on('data', () => this.#onHttp1Bytes(idle!));
    }
    // Listener inspection paused the socket with the peeked bytes unshifted; let the codec read.
    socket.resume();
  }

  /** Bytes arrived on an HTTP/1 connection: the first of a request starts its header timer. */
  #onHttp1Bytes(state: ConnectionIdle): void {
    if (!state.awaitingHeaders || state.headerTimer !== null) return;
    state.headerTimer = setTimeout(() => {
      state.headerTimer = null;
      const socket = state.socket as TaggedSocket;
      if (!state.awaitingHeaders || socket.destroyed || hasProtocolError(socket)) return;
      // Envoy's 408 local reply (request header timeout / request timeout), then close.
      markProtocolError(socket);
      (this.#headersTimeoutBody === 'request header timeout' ? this.stats.rqHeaderTimeout : this.stats.rqTimeout).inc();
      writeCodecError(socket, 408, this.config, this.#headersTimeoutBody);
    }, this.#headerTimeoutMs);
  }

  /** Starts the connection idle timer (no active streams). */
  #armIdle(idle: ConnectionIdle): void {
    if (this.config.idleTimeoutMs <= 0 || idle.socket.destroyed) return;
    // One timer per connection, restarted with refresh() (which also revives a fired one): no
    // timer is allocated per request. A stream starting does not stop it; it fires, sees the
    // active stream and does nothing, and the stream's end restarts it.
    if (idle.timer !== null) {
      idle.timer.refresh();
      return;
    }
    idle.timer = setTimeout(() => {
      if (idle.active > 0 || idle.socket.destroyed) return;
      // Envoy: downstream_cx_idle_timeout; HTTP/2 gets a GOAWAY, HTTP/1 a plain close.
      this.stats.cxIdleTimeout.inc();
      if (idle.session !== null) idle.session.close();
      else idle.socket.destroy();
    }, this.config.idleTimeoutMs);
    idle.timer.unref();
  }

  /** Stop taking new streams: HTTP/1 answers with Connection: close, HTTP/2 sends GOAWAY. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#h1.closeIdleConnections();
    for (const s of this.#sessions) s.close();
  }

  /** Closes every connection now (end of a drain period, or shutdown). */
  close(): void {
    this.#draining = true;
    this.#h1.closeAllConnections();
    for (const s of this.#sessions) s.destroy();
  }

  /**
   * Node's HTTP/1 parser (llhttp, strict) rejected the bytes: Envoy's codec error. Answer with
   * Envoy's status for it (431 for oversized headers, 501 for a transfer-coding other than
   * chunked, else 400), as a local reply after any response already in flight, then close.
   */
  #onClientError(err: Error & { code?: string }, socket: Duplex): void {
    const code = err.code ?? '';
    if (hasProtocolError(socket)) return; // already answered (http1-codec's rejectCodec); its reply closes the connection
    if (!code.startsWith('HPE_') && code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
      // Socket errors (ECONNRESET, ...): nothing to answer.
      socket.destroy();
      return;
    }
    markProtocolError(socket);
    if (code.startsWith('HPE_')) this.stats.cxProtocolError.inc();
    const status = codecErrorStatus(code, err.message);
    const body = status === 408 ? this.#headersTimeoutBody : undefined;
    // A pipelined response still being produced goes first (Envoy reads the next request only
    // after answering the current one); then the error reply, then close.
    const inflight = (socket as unknown as { _httpMessage?: http.ServerResponse | null })._httpMessage;
    const stream = inflight ? streamOfResponse(inflight) : undefined;
    if (inflight && stream && !(stream.req as http.IncomingMessage).complete) {
      // The bad bytes are this request's own body (a bad chunk): Envoy's sendProtocolError on
      // the active stream, a local reply unless the response already started, then close.
      if (stream.done || stream.responseStarted) {
        if (stream.done) socket.destroy();
        else this.resetStream(stream);
        return;
      }
      this.sendLocalReply(stream, status, codecReason(status), 0, 'http1.codec_error', { connection: 'close' });
      closeAfterDelay(socket);
      return;
    }
    if (inflight && !inflight.writableFinished) {
      let done = false;
      const after = (): void => {
        if (done) return;
        done = true;
        writeCodecError(socket, status, this.config, body);
      };
      inflight.once('finish', after);
      inflight.once('close', after);
      return;
    }
    writeCodecError(socket, status, this.config, body);
  }

  #onRequest(req: DownstreamRequest, res: DownstreamResponse): void {
    // Not by httpVersion: an HTTP/1 request line may say "HTTP/2.0".
    const isH2 = req instanceof http2.Http2ServerRequest;
    if (!isH2) {
      const h1req = req as http.IncomingMessage;
      const h1res = res as http.ServerResponse;
      if (!serializeHttp1(h1req, h1res, this.#dispatchHttp1)) return;
      if (!checkHttp1(h1req, h1res, this.config, this.stats)) {
        const h1socket = h1req.socket; // Node detaches it from the request once the response is done
        h1res.on('close', () => http1ResponseClosed(h1socket));
        return;
      }
    }
    const socket = (isH2 ? (req as http2.Http2ServerRequest).stream.session?.socket : (req as http.IncomingMessage).socket) as TaggedSocket | undefined;
    const conn = socket?.[kConnection];
    const info = newStreamInfo();
    info.protocol = isH2 ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
    if (conn) {
      info.downstreamRemoteAddress = conn.remoteAddress;
      info.downstreamRemotePort = conn.remotePort;
      info.downstreamLocalAddress = conn.localAddress;
      info.downstreamLocalPort = conn.localPort;
      info.downstreamLocalAddressRestored = conn.localAddressRestored === true;
      info.requestedServerName = conn.serverName;
    }
    info.requestMethod = req.method ?? 'GET';
    const rawHeaders = req.headers as HeaderMap;
    let headers: HeaderMap;
    if (isH2) {
      headers = {};
      for (const name in rawHeaders) if (name.charCodeAt(0) !== 58) headers[name] = rawHeaders[name];
      info.requestAuthority = (rawHeaders[':authority'] as string | undefined) ?? (rawHeaders['host'] as string | undefined) ?? '';
      info.requestPath = (rawHeaders[':path'] as string | undefined) ?? '/';
    } else {
      headers = rawHeaders;
      info.requestAuthority = (rawHeaders['host'] as string | undefined) ?? '';
      info.requestPath = req.url ?? '/';
    }
    info.requestScheme = conn?.tls ? 'https' : 'http';
    info.requestHeaders = headers;
    const stream = new HttpStream(this, req, res, info);
    trackRequest(req, stream);
    if (conn) {
      info.downstreamDirectRemoteAddress = conn.remoteAddress;
      info.downstreamDirectRemotePort = conn.remotePort;
    }
    const idle = socket?.[kIdle];
    if (idle !== undefined) {
      idle.active++;
      idle.awaitingHeaders = false;
      if (idle.headerTimer !== null) {
        clearTimeout(idle.headerTimer);
        idle.headerTimer = null;
      }
      stream.connectionIdle = idle;
    }
    if (!isH2) trackResponse(res, stream);
    this.stats.rqTotal.inc();
    this.stats.rqActive.inc();
    if (isH2) this.stats.rqHttp2Total.inc();
    else this.stats.rqHttp1Total.inc();
    // One listener per request: the stream's end, and on HTTP/1 the next pipelined request's turn.
    res.on('close', () => {
      this.#onDownstreamClose(stream);
      if (!isH2 && socket !== undefined) http1ResponseClosed(socket);
    });
    if (this.config.streamIdleTimeoutMs > 0) {
      // One timer per stream, refreshed on activity (HttpStream.touch). Not socket.setTimeout:
      // that would add a listener per request to a keep-alive socket.
      // Response activity restarts it; request body bytes do not (reading them here would
      // take them from the router's pipe).
      stream.idleTimer = setTimeout(() => this.#onStreamIdle(stream), this.config.streamIdleTimeoutMs);
    }
    this.#decode(stream);
  }

  /** Connection-level request processing, Envoy's order: path checks, forwarding headers, route. */
  #decode(stream: HttpStream): void {
    const cfg = this.config;
    const info = stream.info;
    const headers = stream.headers;

    // Absolute-form request targets (proxies sending "GET http://host/path") become origin-form.
    let path = stream.path;
    if (path.charCodeAt(0) !== 47 /* / */) {
      if (path === '*' && stream.method === 'OPTIONS') {
        // Envoy's HCM only routes relative paths: "OPTIONS *" gets 404 absolute_path_rejected.
        return this.sendLocalReply(stream, 404, '', 0, 'absolute_path_rejected');
      }
      const abs = /^https?:\/\/([^/?#]+)([^#]*)$/i.exec(path);
      if (!abs) return this.sendLocalReply(stream, 400, '', 0, 'invalid_path');
      stream.authority = info.requestAuthority = abs[1]!;
      headers['host'] = abs[1];
      path = abs[2] || '/';
    }
    // Envoy's HCM: a request without Host (HTTP/1.1 without one, HTTP/1.0 without
    // default_host_for_http_10) and not in absolute form gets 400 missing_host_header.
    if (!stream.authority) {
      return this.sendLocalReply(stream, 400, '', 0, 'missing_host_header', info.protocol === 'HTTP/2' ? undefined : { connection: 'close' });
    }
    const normalized = normalizeRequestPath(path, cfg);
    if (normalized.action === 'reject') {
      this.stats.rqFailedPathNormalization.inc();
      return this.sendLocalReply(stream, 400, '', 0, 'path_normalization_failed');
    }
    if (normalized.action === 'redirect') {
      // gRPC clients cannot follow redirects: Envoy rejects those instead.
      if (isGrpc(headers)) {
        this.stats.rqFailedPathNormalization.inc();
        return this.sendLocalReply(stream, 400, '', 0, 'path_normalization_failed');
      }
      this.stats.rqRedirectedWithNormalizedPath.inc();
      return this.sendLocalReply(stream, 307, '', 0, 'path_normalization_failed', { location: normalized.path });
    }
    stream.path = info.requestPath = normalized.path;

    // x-forwarded-*, internal/external sanitising, via and x-request-id (Envoy's mutateRequestHeaders).
    const table = this.routes.current();
    const peer = info.downstreamDirectRemoteAddress;
    const mutated = mutateRequestHeaders(headers, { address: peer, port: info.downstreamDirectRemotePort, tls: info.requestScheme === 'https' }, cfg, table?.internalOnlyHeaders ?? NO_HEADERS);
    info.downstreamRemoteAddress = stream.sourceIp = mutated.remoteAddress;
    info.downstreamRemotePort = mutated.remotePort;
    if (!cfg.useRemoteAddress) {
      // A trusted x-forwarded-proto decides the scheme (redirects, require_tls).
      const xfp = headers['x-forwarded-proto'];
      if (xfp === 'https' || xfp === 'http') stream.scheme = info.requestScheme = xfp;
    }
    info.requestId = (headers['x-request-id'] as string | undefined) ?? '';

    if (cfg.requestTimeoutMs > 0 && !stream.requestComplete) {
      // Disarmed once the whole request arrived (pushTracking) or the response starts.
      stream.requestTimer = setTimeout(() => this.#onRequestTimeout(stream), cfg.requestTimeoutMs);
    }

    stream.route = table ? table.route(stream) : null;
    if (stream.route) {
      info.routeName = stream.route.route.name;
      const action = stream.route.route.action;
      // A route's idle_timeout replaces the connection manager's stream_idle_timeout; 0 disables it.
      if (action.kind === 'route' && action.idleTimeoutMs !== null) {
        if (stream.idleTimer !== null) clearTimeout(stream.idleTimer);
        stream.idleTimer = action.idleTimeoutMs > 0 ? setTimeout(() => this.#onStreamIdle(stream), action.idleTimeoutMs) : null;
      }
    }
    stream.filterIndex = 0;
    if (this.#mayDisable) stream.disabledFilters = this.#disabledFilters(stream);
    this.continueDecoding(stream);
  }

  clearRouteCache(stream: HttpStream): void {
    const table = this.routes.current();
    stream.route = table ? table.route(stream) : null;
    stream.info.routeName = stream.route?.route.name ?? '';
  }

  continueDecoding(stream: HttpStream): void {
    const filters = this.filters;
    while (!stream.done && stream.filterIndex < filters.length) {
      const i = stream.filterIndex++;
      if ((stream.disabledFilters & (1 << i)) !== 0) continue;
      if (filters[i]!.decodeHeaders(stream) === 'StopIteration') return;
    }
  }

  /**
   * Which filters sit this stream out: a filter with `disabled: true` unless its route enables it,
   * any filter whose route says FilterConfig{disabled: true}. Never the router (last).
   */
  #disabledFilters(stream: HttpStream): number {
    const route = stream.route;
    const filters = this.filters;
    let mask = 0;
    for (let i = 0; i < filters.length - 1 && i < 31; i++) {
      const name = filters[i]!.name;
      const byRoute = route === null ? null : route.filterDisabled(name);
      if (byRoute ?? this.#disabledByDefault.has(name)) mask |= 1 << i;
    }
    return mask;
  }

  /** Response headers on their way downstream, from the upstream or a local reply. */
  encodeHeaders(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void {
    // Known before the filters run, so %RESPONSE_CODE% in response_headers_to_add sees it.
    stream.info.responseCode = status;
    const filters = this.filters;
    for (let i = filters.length - 1; i >= 0; i--) if ((stream.disabledFilters & (1 << i)) === 0) filters[i]!.encodeHeaders?.(stream, status, headers);
    const cfg = this.config;
    if (cfg.serverHeaderTransformation === 'OVERWRITE' || (cfg.serverHeaderTransformation === 'APPEND_IF_ABSENT' && headers['server'] === undefined)) {
      headers['server'] = cfg.serverName;
    }
    if (cfg.alwaysSetRequestIdInResponse && stream.info.requestId) headers['x-request-id'] = stream.info.requestId;
    if (cfg.via) {
      const via = headers['via'];
      headers['via'] = via === undefined ? cfg.via : `${Array.isArray(via) ? via.join(', ') : via}, ${cfg.via}`;
    }
    // request_timeout covers receiving the request only until the response starts.
    if (stream.requestTimer !== null) {
      clearTimeout(stream.requestTimer);
      stream.requestTimer = null;
    }
    if (this.#draining && stream.info.protocol !== 'HTTP/2') headers['connection'] = 'close';
    stream.info.responseCode = status;
    stream.info.responseHeaders = headers;
    stream.responseStarted = true;
  }

  sendLocalReply(stream: HttpStream, status: number, body: string, flag: number, details: string, extra?: Record<string, string>): void {
    if (stream.done) return;
    stream.info.responseFlags |= flag;
    stream.info.responseCodeDetails = details;
    if (stream.responseStarted) {
      // Too late for a reply: the client already has headers. Reset, as Envoy does.
      return this.resetStream(stream);
    }
    stream.onAbort?.();
    stream.onAbort = null;
    const headers: Record<string, string | string[]> = {};
    if (body) {
      headers['content-type'] = 'text/plain';
    }
    headers['content-length'] = String(Buffer.byteLength(body));
    if (extra) for (const k in extra) headers[k] = extra[k]!;
    this.encodeHeaders(stream, status, headers);
    stream.info.bytesSent = Buffer.byteLength(body);
    const res = stream.res as http.ServerResponse;
    if (body === '' && stream.info.protocol === 'HTTP/2') {
      // Headers-only with END_STREAM: writeHead would send HEADERS and then an empty DATA frame,
      // and a gRPC local reply (fault abort) must be trailers-only for clients to read grpc-status.
      res.statusCode = status;
      for (const name in headers) res.setHeader(name, headers[name]!);
      res.end();
    } else {
      res.writeHead(status, headers);
      res.end(body);
    }
    this.finish(stream);
  }

  /** Ends the downstream stream abruptly (after headers were sent, or on a protocol error). */
  resetStream(stream: HttpStream): void {
    if (stream.done) return;
    stream.onAbort?.();
    stream.onAbort = null;
    const req = stream.req;
    if (req.httpVersion === '2.0') (req as http2.Http2ServerRequest).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else (req as http.IncomingMessage).socket.destroy();
    this.finish(stream);
  }

  /** Marks the stream finished: timers off, stats and filters' completion hooks. Idempotent. */
  finish(stream: HttpStream): void {
    if (stream.done) return;
    stream.done = true;
    if (stream.timer) {
      clearTimeout(stream.timer);
      stream.timer = null;
    }
    if (stream.idleTimer) {
      clearTimeout(stream.idleTimer);
      stream.idleTimer = null;
    }
    if (stream.requestTimer !== null) {
      clearTimeout(stream.requestTimer);
      stream.requestTimer = null;
    }
    const idle = stream.connectionIdle as ConnectionIdle | null;
    if (idle !== null && --idle.active === 0) {
      idle.awaitingHeaders = true;
      this.#armIdle(idle);
    }
    const info = stream.info;
    info.durationMs = performance.now() - info.startMono;
    this.stats.rqActive.dec();
    this.stats.recordResponse(info.responseCode);
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) if ((stream.disabledFilters & (1 << i)) === 0) filters[i]!.onStreamComplete?.(stream);
    // One record per stream, once it ended whichever way (upstream response, local reply, reset,
    // downstream disconnect), after the filters recorded their part, as Envoy logs on stream destroy.
    if (this.accessLogs !== null) emitAccessLogs(this.accessLogs, info);
  }

  #onDownstreamClose(stream: HttpStream): void {
    if (stream.done) return;
    // The client went away before we finished: Envoy's DC (downstream connection termination).
    if (!(stream.res as http.ServerResponse).writableFinished) {
      stream.info.responseFlags |= ResponseFlag.DC;
      stream.info.responseCodeDetails ||= 'downstream_remote_disconnect';
      stream.onAbort?.();
      stream.onAbort = null;
    }
    this.finish(stream);
  }

  /**
   * Envoy's onIdleTimeout: 408 while the request is still arriving, 504 once it has (the
   * upstream is what went quiet), a reset once the response started.
   */
  #onStreamIdle(stream: HttpStream): void {
    stream.idleTimer = null;
    if (stream.done) return;
    this.stats.rqIdleTimeout.inc();
    const r = LocalReplies.streamIdleTimeout;
    this.sendLocalReply(stream, stream.requestComplete ? 504 : r.status, r.body, r.flag, r.details);
  }

  #onRequestTimeout(stream: HttpStream): void {
    stream.requestTimer = null;
    if (stream.done) return;
    this.stats.rqTimeout.inc();
    const r = LocalReplies.requestTimeout;
    this.sendLocalReply(stream, stream.requestComplete ? 504 : r.status, r.body, r.flag, r.details);
  }
}

/** Envoy's Grpc::Common::hasGrpcContentType. */
function isGrpc(headers: HeaderMap): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc') && (ct.length === 16 || ct.charCodeAt(16) === 43 /* + */);
}
