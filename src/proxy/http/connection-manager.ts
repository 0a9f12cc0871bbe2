import http from 'node:http';
import http2 from 'node:http2';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { HcmConfig } from './connection-manager-config.js';
import type { HttpFilter } from './http-filter.js';
import { HttpStream } from './http-stream.js';
import type { DownstreamRequest, DownstreamResponse, StreamDriver } from './http-stream.js';
import { newStreamInfo } from './stream-info.js';
import type { HeaderMap } from './header-map.js';
import { normalizeRequestPath } from './path-normalize.js';
import { LocalReplies } from '../errors/local-replies.js';
import { ResponseFlag } from '../errors/response-flags.js';
import type { RouteTable } from '../router/route-table.js';
import { HcmStats } from './hcm-stats.js';
import type { NetworkFilter } from '../network/network-filter.js';
import type { StatsStore } from '../../telemetry/stats/stats-store.js';

/** Facts about the downstream connection a request arrived on. */
export interface DownstreamConnection {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** True when the connection is TLS-terminated by this proxy. */
  tls: boolean;
  serverName: string;
}

/** Where the connection manager finds its current route table (inline: fixed; RDS: latest). */
export interface RouteTableSource {
  current(): RouteTable | null;
}

const kConnection = Symbol('tsmesh.downstreamConnection');
type TaggedSocket = Duplex & { [kConnection]?: DownstreamConnection };

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

  constructor(
    readonly config: HcmConfig,
    readonly routes: RouteTableSource,
    readonly filters: readonly HttpFilter[],
    store: StatsStore,
  ) {
    this.stats = new HcmStats(store, config.statPrefix);
    const requestTimeout = config.requestTimeoutMs;
    const headersTimeout = Math.min(config.requestHeadersTimeoutMs || 60_000, requestTimeout || Infinity);
    this.#h1 = http.createServer(
      {
        maxHeaderSize: config.maxRequestHeadersKb * 1024,
        requireHostHeader: true,
        keepAliveTimeout: config.idleTimeoutMs,
        requestTimeout,
        headersTimeout,
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
    if (useH2) {
      this.stats.cxHttp2Total.inc();
      this.#h2.emit('connection', socket);
    } else {
      this.stats.cxHttp1Total.inc();
      this.#h1.emit('connection', socket);
    }
    // Listener inspection paused the socket with the peeked bytes unshifted; let the codec read.
    socket.resume();
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

  #onClientError(err: Error & { code?: string }, socket: Duplex): void {
    this.stats.cxProtocolError.inc();
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  }

  #onRequest(req: DownstreamRequest, res: DownstreamResponse): void {
    const isH2 = req.httpVersion === '2.0';
    const socket = (isH2 ? (req as http2.Http2ServerRequest).stream.session?.socket : (req as http.IncomingMessage).socket) as TaggedSocket | undefined;
    const conn = socket?.[kConnection];
    const info = newStreamInfo();
    info.protocol = isH2 ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
    if (conn) {
      info.downstreamRemoteAddress = conn.remoteAddress;
      info.downstreamRemotePort = conn.remotePort;
      info.downstreamLocalAddress = conn.localAddress;
      info.downstreamLocalPort = conn.localPort;
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
    this.stats.rqTotal.inc();
    this.stats.rqActive.inc();
    if (isH2) this.stats.rqHttp2Total.inc();
    else this.stats.rqHttp1Total.inc();
    res.once('close', () => this.#onDownstreamClose(stream));
    if (this.config.streamIdleTimeoutMs > 0) {
      const s: { setTimeout(ms: number, cb: () => void): unknown } | undefined = isH2 ? (req as http2.Http2ServerRequest).stream : (socket as unknown as import('node:net').Socket | undefined);
      s?.setTimeout(this.config.streamIdleTimeoutMs, () => this.#onStreamIdle(stream));
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
        // Envoy answers server-wide OPTIONS itself is not the case; route it as "/" is wrong too: reject like Envoy.
        return this.sendLocalReply(stream, 400, '', 0, 'invalid_path');
      }
      const abs = /^https?:\/\/([^/?#]+)([^#]*)$/i.exec(path);
      if (!abs) return this.sendLocalReply(stream, 400, '', 0, 'invalid_path');
      stream.authority = info.requestAuthority = abs[1]!;
      headers['host'] = abs[1];
      path = abs[2] || '/';
    }
    const normalized = normalizeRequestPath(path, cfg);
    if (normalized.action === 'reject') return this.sendLocalReply(stream, 400, '', 0, 'path_normalization_failed');
    if (normalized.action === 'redirect') {
      return this.sendLocalReply(stream, 307, '', 0, 'path_normalization_redirect', { location: normalized.path });
    }
    stream.path = info.requestPath = normalized.path;

    // x-forwarded-for / x-forwarded-proto, as Envoy's use_remote_address describes.
    if (cfg.useRemoteAddress) {
      if (!cfg.skipXffAppend && info.downstreamRemoteAddress) {
        const xff = headers['x-forwarded-for'];
        headers['x-forwarded-for'] = xff ? `${xff}, ${info.downstreamRemoteAddress}` : info.downstreamRemoteAddress;
      }
      headers['x-forwarded-proto'] = info.requestScheme;
    } else {
      const xfp = headers['x-forwarded-proto'];
      if (xfp === undefined) headers['x-forwarded-proto'] = info.requestScheme;
      else if (xfp === 'https' || xfp === 'http') stream.scheme = info.requestScheme = xfp;
    }
    if (cfg.via) {
      const via = headers['via'];
      headers['via'] = via ? `${via}, ${cfg.via}` : cfg.via;
    }

    // x-request-id: keep an internal caller's, replace an external one unless told to preserve it.
    if (cfg.generateRequestId) {
      const current = headers['x-request-id'];
      if (typeof current !== 'string' || current === '' || (cfg.useRemoteAddress && !cfg.preserveExternalRequestId && !isInternalAddress(info.downstreamRemoteAddress))) {
        headers['x-request-id'] = randomUUID();
      }
    }
    info.requestId = (headers['x-request-id'] as string | undefined) ?? '';

    if (cfg.requestTimeoutMs > 0) {
      stream.timer = setTimeout(() => this.#onRequestTimeout(stream), cfg.requestTimeoutMs);
    }

    const table = this.routes.current();
    stream.route = table ? table.route(stream) : null;
    if (stream.route) info.routeName = stream.route.route.name;
    stream.filterIndex = 0;
    this.continueDecoding(stream);
  }

  continueDecoding(stream: HttpStream): void {
    const filters = this.filters;
    while (!stream.done && stream.filterIndex < filters.length) {
      const filter = filters[stream.filterIndex++]!;
      if (filter.decodeHeaders(stream) === 'StopIteration') return;
    }
  }

  /** Response headers on their way downstream, from the upstream or a local reply. */
  encodeHeaders(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void {
    const filters = this.filters;
    for (let i = filters.length - 1; i >= 0; i--) filters[i]!.encodeHeaders?.(stream, status, headers);
    const cfg = this.config;
    if (cfg.serverHeaderTransformation === 'OVERWRITE' || (cfg.serverHeaderTransformation === 'APPEND_IF_ABSENT' && headers['server'] === undefined)) {
      headers['server'] = cfg.serverName;
    }
    if (cfg.alwaysSetRequestIdInResponse && stream.info.requestId) headers['x-request-id'] = stream.info.requestId;
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
    res.writeHead(status, headers);
    res.end(body);
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
    const info = stream.info;
    info.durationMs = performance.now() - info.startMono;
    this.stats.rqActive.dec();
    this.stats.recordResponse(info.responseCode);
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i]!.onStreamComplete?.(stream);
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

  #onStreamIdle(stream: HttpStream): void {
    if (stream.done) return;
    this.stats.rqIdleTimeout.inc();
    stream.sendLocalReply(LocalReplies.streamIdleTimeout);
  }

  #onRequestTimeout(stream: HttpStream): void {
    stream.timer = null;
    if (stream.done) return;
    this.stats.rqTimeout.inc();
    stream.sendLocalReply(LocalReplies.requestTimeout);
  }
}

/** RFC 1918, loopback and link-local addresses count as internal, like Envoy's default. */
function isInternalAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return (
    ip.startsWith('10.') ||
    ip.startsWith('127.') ||
    ip.startsWith('192.168.') ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(ip) ||
    ip === '::1' ||
    ip.startsWith('fd') ||
    ip.startsWith('fc')
  );
}
