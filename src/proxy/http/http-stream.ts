import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { HeaderMap } from './header-map.js';
import type { StreamInfo } from './stream-info.js';
import type { RouteRequest } from '../router/route-request.js';
import type { RouteSelection } from '../router/route-table.js';
import type { LocalReply } from '../errors/local-replies.js';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** A response held until its body is complete; `complete` may change headers, body and trailers. */
export interface HeldResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  body: Buffer;
  /** The body as it arrived, chunk by chunk (what `body` was concatenated from). */
  readonly chunks: readonly Buffer[];
  trailers: Record<string, string | string[]> | null;
}

/** A filter's claim on the whole response body (Envoy's encoder StopIterationAndBuffer). */
export interface ResponseBodyHold {
  complete(response: HeldResponse): void;
}

/**
 * The connection manager's side of a stream, as filters see it. Implemented by the connection
 * manager; kept as an interface so filters can be tested without sockets.
 */
export interface StreamDriver {
  continueDecoding(stream: HttpStream): void;
  sendLocalReply(stream: HttpStream, status: number, body: string, flag: number, details: string, headers?: Record<string, string>): void;
  /** Runs the filters' encodeHeaders and the connection-level response header rules, in place. */
  encodeHeaders(stream: HttpStream, status: number, headers: Record<string, string | string[]>): void;
  /** Marks the stream complete (stats, filters' onStreamComplete); idempotent. */
  finish(stream: HttpStream): void;
  /**
   * Routes the request again from its current method, authority, path and headers (Envoy's
   * clearRouteCache): for filters that changed them before the router runs.
   */
  clearRouteCache(stream: HttpStream): void;
}

/**
 * One downstream request/response exchange (Envoy's ActiveStream). Created by the connection
 * manager for each request with every field set here, so all streams share one shape.
 */
export class HttpStream implements RouteRequest {
  method: string;
  authority: string;
  path: string;
  scheme: string;
  headers: HeaderMap;
  sourceIp: string;
  /** The route the request matched (null before routing or when none matched). */
  route: RouteSelection | null = null;
  /** Index of the filter decodeHeaders runs next. */
  filterIndex = 0;
  /** Bit i set: filter i of the chain is disabled for this stream (by its route or by default). */
  disabledFilters = 0;
  /** Set once response headers went downstream; after that errors reset instead of replying. */
  responseStarted = false;
  /** Set once the stream is finished; late callbacks check it and do nothing. */
  done = false;
  /** Per-request state of filters that need it, keyed by filter name; null until first used. */
  filterState: Map<string, unknown> | null = null;
  /** Called to cancel upstream work when the downstream goes away or a timeout fires. */
  onAbort: (() => void) | null = null;
  /** Route or override timers owned by the stream, cleared at the end. */
  timer: NodeJS.Timeout | null = null;
  /** request_timeout: armed until the whole request has arrived or the response starts. */
  requestTimer: NodeJS.Timeout | null = null;
  /** The downstream finished sending the request (Envoy's remote decode complete). */
  requestComplete = false;
  /** Called once when requestComplete becomes true (the router starts its route timeout then). */
  onRequestComplete: (() => void) | null = null;
  /**
   * The request body as a filter buffered (and maybe rewrote) it, e.g. the Lua filter's body():
   * the router sends this instead of reading the downstream request. Null: stream it as is.
   */
  bufferedRequestBody: Buffer | null = null;
  /**
   * What the response being encoded allows a filter that wants its whole body: 'hold' (the
   * router can buffer it and call the holds), 'none' (headers only), null (a local reply).
   */
  responseBodyMode: 'hold' | 'none' | null = null;
  /** Set by encodeHeaders of filters that want the whole response body (see responseBodyMode). */
  responseBodyHolds: ResponseBodyHold[] | null = null;
  /** The connection's idle-timeout bookkeeping (owned by the connection manager), or null. */
  connectionIdle: { active: number } | null = null;
  /** stream_idle_timeout: restarted by any activity on the stream (`touch`). */
  idleTimer: NodeJS.Timeout | null = null;
  /** Records activity (request or response bytes), restarting the stream idle timer. */
  readonly touch = (): void => {
    this.idleTimer?.refresh();
  };

  constructor(
    readonly driver: StreamDriver,
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly info: StreamInfo,
  ) {
    this.method = info.requestMethod;
    this.authority = info.requestAuthority;
    this.path = info.requestPath;
    this.scheme = info.requestScheme;
    this.headers = info.requestHeaders;
    this.sourceIp = info.downstreamRemoteAddress;
  }

  continueDecoding(): void {
    this.driver.continueDecoding(this);
  }

  sendLocalReply(reply: LocalReply, headers?: Record<string, string>): void {
    this.driver.sendLocalReply(this, reply.status, reply.body, reply.flag, reply.details, headers);
  }

  /** A local reply with a status and body of the caller's choosing (direct_response, faults, authz). */
  sendLocalResponse(status: number, body: string, flag: number, details: string, headers?: Record<string, string>): void {
    this.driver.sendLocalReply(this, status, body, flag, details, headers);
  }
}
