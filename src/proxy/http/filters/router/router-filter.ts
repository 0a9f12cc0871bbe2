/**
 * envoy.filters.http.router: the last filter of every chain. Takes the route the connection
 * manager selected and either answers it (redirect, direct_response) or forwards the request to
 * a host of the route's cluster, streaming the response back with backpressure and trailers.
 *
 * The per-request cost is one RouterAttempt object (the upstream callbacks) and one header object
 * for the upstream request; everything else was compiled with the route table.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import { LocalReplies } from '../../../errors/local-replies.js';
import type { LocalReply } from '../../../errors/local-replies.js';
import { ResponseFlag } from '../../../errors/response-flags.js';
import type { HttpFilter, FilterHeadersStatus, HttpFilterFactory } from '../../http-filter.js';
import type { HttpStream } from '../../http-stream.js';
import { applyRequestMutations, applyResponseMutations } from '../../../router/header-mutation.js';
import { computeHash } from '../../../router/hash-policy.js';
import { redirectLocation } from '../../../router/redirect.js';
import { rewriteHost } from '../../../router/rewrites.js';
import { rewritePath } from '../../../router/rewrites.js';
import type { ForwardAction } from '../../../router/route-action.js';
import type { ClusterManager } from '../../../upstream/cluster-manager.js';
import type { UpstreamCluster } from '../../../upstream/upstream-cluster.js';
import type { Host } from '../../../upstream/host.js';
import { HOP_BY_HOP } from '../../../upstream/pool/upstream-request.js';
import type { UpstreamFailure, UpstreamHandler, UpstreamRequest } from '../../../upstream/pool/upstream-request.js';
import type { Readable } from 'node:stream';
import type { Counter, StatsScope } from '../../../../telemetry/stats/stats-store.js';

/** Added to local replies for circuit-breaker overflows (Envoy's x-envoy-overloaded). */
const OVERLOADED: Readonly<Record<string, string>> = Object.freeze({ 'x-envoy-overloaded': 'true' });

export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The filter-state key the router keeps its Set-Cookie (from a cookie hash policy) under. */
const SET_COOKIE_STATE = 'envoy.filters.http.router.set_cookie';

export interface RouterOptions {
  /** Router.suppress_envoy_headers: no x-envoy-upstream-service-time / x-envoy-expected-rq-timeout-ms. */
  readonly suppressEnvoyHeaders: boolean;
}

/** The router's stats under `http.<stat_prefix>.`, Envoy's names. */
export interface RouterStats {
  readonly rqTotal: Counter;
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  /** Direct responses and redirects (both are Envoy's DirectResponseEntry). */
  readonly rqDirectResponse: Counter;
}

const DECIMAL = /^\s*\d+\s*$/;

export class RouterFilter implements HttpFilter {
  constructor(
    readonly name: string,
    readonly clusters: ClusterManager,
    readonly options: RouterOptions,
    readonly stats: RouterStats | null = null,
  ) {}

  decodeHeaders(stream: HttpStream): FilterHeadersStatus {
    const stats = this.stats;
    stats?.rqTotal.inc();
    const selection = stream.route;
    if (selection === null) {
      stats?.noRoute.inc();
      stream.sendLocalReply(LocalReplies.noRoute);
      return 'StopIteration';
    }
    const action = selection.route.action;
    switch (action.kind) {
      case 'direct_response':
        stats?.rqDirectResponse.inc();
        stream.sendLocalResponse(action.status, action.body, 0, 'direct_response');
        return 'StopIteration';
      case 'redirect':
        stats?.rqDirectResponse.inc();
        stream.sendLocalResponse(action.redirect.responseCode, '', 0, 'direct_response', {
          location: redirectLocation(action.redirect, stream, selection.matchedPrefix),
        });
        return 'StopIteration';
      case 'non_forwarding':
        stream.sendLocalReply(LocalReplies.noRoute);
        return 'StopIteration';
      case 'route':
        this.#forward(stream, action);
        return 'StopIteration';
    }
  }

  /** Response headers, upstream's or a local reply's: the route's response mutations and cookie. */
  encodeHeaders(stream: HttpStream, _status: number, headers: Record<string, string | string[]>): void {
    const selection = stream.route;
    if (selection === null) return;
    applyResponseMutations(selection, headers, stream.info);
    const cookie = stream.filterState?.get(SET_COOKIE_STATE) as string | undefined;
    if (cookie !== undefined) {
      const prev = headers['set-cookie'];
      headers['set-cookie'] = prev === undefined ? [cookie] : Array.isArray(prev) ? [...prev, cookie] : [prev, cookie];
    }
  }

  #forward(stream: HttpStream, action: ForwardAction): void {
    const selection = stream.route!;
    const info = stream.info;
    const clusterName = selection.clusterName;
    const cluster = clusterName === null ? undefined : this.clusters.get(clusterName);
    if (cluster === undefined) {
      this.stats?.noCluster.inc();
      info.upstreamCluster = clusterName ?? '';
      const nc = LocalReplies.noCluster;
      stream.sendLocalResponse(action.clusterNotFoundResponseCode, '', nc.flag, nc.details);
      return;
    }
    info.upstreamCluster = cluster.config.observabilityName;

    // max_requests (Envoy checks it as the request attaches to a connection; here, before the pool).
    if (!cluster.resources.default.requests.canCreate()) {
      cluster.stats.rqPendingOverflow.inc();
      const r = LocalReplies.upstreamOverflow;
      cluster.stats.recordResponse(r.status);
      stream.sendLocalResponse(r.status, r.body, r.flag, r.details, OVERLOADED);
      return;
    }

    let hash: number | null = null;
    if (action.hashPolicies.length > 0) {
      const result = computeHash(action.hashPolicies, stream, info);
      hash = result.hash;
      if (result.setCookie !== null) (stream.filterState ??= new Map()).set(SET_COOKIE_STATE, result.setCookie);
    }
    const odHeader = cluster.originalDstHeader;
    const host = cluster.chooseHost(
      { hash },
      { header: odHeader === null ? null : ((stream.headers[odHeader] as string | undefined) ?? null), address: info.downstreamLocalAddress, port: info.downstreamLocalPort, restored: info.downstreamLocalAddressRestored },
    );
    if (host === null) {
      cluster.stats.cxNoneHealthy.inc();
      stream.sendLocalReply(LocalReplies.noHealthyUpstream);
      return;
    }
    info.upstreamHost = host.key;
    info.upstreamMetadata = host.metadata;

    // The upstream request: the downstream headers minus hop-by-hop ones, then the route's work.
    const headers: Record<string, string | string[] | undefined> = {};
    const down = stream.headers;
    for (const name in down) {
      if (HOP_BY_HOP.has(name) || name === 'host') continue;
      headers[name] = down[name];
    }
    if (down['te'] === 'trailers') headers['te'] = 'trailers'; // gRPC needs it end to end
    applyRequestMutations(selection, headers, info);
    let path = stream.path;
    if (action.pathRewrite !== null) path = rewritePath(action.pathRewrite, path, selection.matchedPrefix);
    let authority = stream.authority;
    const literal = selection.weightedCluster?.hostRewriteLiteral ?? null;
    if (literal !== null) authority = literal;
    else if (action.hostRewrite !== null) {
      authority = action.hostRewrite.kind === 'auto' ? host.hostname || authority : rewriteHost(action.hostRewrite, stream) ?? authority;
    }
    if (authority !== stream.authority && action.appendXForwardedHost) {
      const xfh = headers['x-forwarded-host'];
      headers['x-forwarded-host'] = xfh ? `${xfh}, ${stream.authority}` : stream.authority;
    }
    let timeoutMs = action.timeoutMs;
    // Only internal requests still carry it: the connection manager strips it from external ones.
    const override = headers['x-envoy-upstream-rq-timeout-ms'];
    if (override !== undefined) {
      if (typeof override === 'string' && DECIMAL.test(override)) timeoutMs = Number(override);
      delete headers['x-envoy-upstream-rq-timeout-ms'];
    }
    if (timeoutMs > 0 && !this.options.suppressEnvoyHeaders) headers['x-envoy-expected-rq-timeout-ms'] = String(timeoutMs);

    const downstreamIsH2 = info.protocol === 'HTTP/2';
    const pool = cluster.pool(host, cluster.poolProtocol(downstreamIsH2));
    const attempt = new RouterAttempt(this, stream, cluster, host);
    if (pool === null) {
      info.upstreamTransportFailureReason = 'TLS secrets not ready';
      attempt.fail(LocalReplies.connectFailure);
      return;
    }
    stream.onAbort = () => attempt.abort();
    if (timeoutMs > 0) attempt.timer = setTimeout(() => attempt.onTimeout(), timeoutMs);
    info.attemptCount = 1;
    attempt.upstream = pool.request({ method: stream.method, path, authority, headers, body: requestBody(stream) }, attempt);
  }
}

/** The downstream request as an upstream body, or null when it has none. */
function requestBody(stream: HttpStream): Readable | null {
  const req = stream.req;
  if (req.httpVersion === '2.0') return (req as http2.Http2ServerRequest).stream.endAfterHeaders ? null : (req as unknown as Readable);
  const h = (req as http.IncomingMessage).headers;
  const cl = h['content-length'];
  if (h['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0')) return req as unknown as Readable;
  return null;
}

/**
 * One upstream attempt of one request: the pool's callbacks, the route timeout and the
 * bookkeeping (cluster and host gauges, stats, StreamInfo) from start to end.
 */
class RouterAttempt implements UpstreamHandler {
  upstream: UpstreamRequest | null = null;
  timer: NodeJS.Timeout | null = null;
  readonly #start = performance.now();
  #resume: (() => void) | null = null;
  #ended = false;
  readonly #onDrain = (): void => {
    const r = this.#resume;
    if (r !== null) r();
  };

  constructor(
    readonly router: RouterFilter,
    readonly stream: HttpStream,
    readonly cluster: UpstreamCluster,
    readonly host: Host,
  ) {
    cluster.resources.default.requests.inc();
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.activeRequests++;
    host.rqTotal++;
  }

  onConnected(localAddress: string): void {
    this.stream.info.upstreamLocalAddress = localAddress;
  }

  onHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void, endStream = false): boolean {
    const stream = this.stream;
    if (stream.done) return false;
    stream.idleTimer?.refresh();
    this.#resume = resume;
    const info = stream.info;
    info.responseStartMs = performance.now() - info.startMono;
    if (!this.router.options.suppressEnvoyHeaders) headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - this.#start));
    info.responseCodeDetails = 'via_upstream';
    stream.driver.encodeHeaders(stream, status, headers);
    const res = stream.res as http.ServerResponse;
    if (endStream) {
      // Headers-only: leave them unsent so onEnd's res.end() sends them with END_STREAM (on
      // HTTP/2; writeHead would send HEADERS, then an empty DATA frame ending the stream).
      res.statusCode = status;
      for (const name in headers) res.setHeader(name, headers[name]!);
    } else {
      res.writeHead(status, headers);
    }
    res.on('drain', this.#onDrain);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const stream = this.stream;
    if (stream.done) return false;
    stream.idleTimer?.refresh();
    stream.info.bytesSent += chunk.length;
    return (stream.res as http.ServerResponse).write(chunk);
  }

  onEnd(trailers: Record<string, string | string[]> | null): void {
    const stream = this.stream;
    this.#complete();
    if (stream.done) return;
    const res = stream.res as http.ServerResponse;
    if (trailers !== null) res.addTrailers(trailers);
    res.end();
    this.cluster.stats.recordResponse(stream.info.responseCode);
    this.cluster.stats.rqTime.record(Math.floor(performance.now() - this.#start));
    if (stream.info.responseCode >= 500) this.host.rqError++;
    else this.host.rqSuccess++;
    stream.driver.finish(stream);
  }

  onError(reason: UpstreamFailure, detail: string): void {
    this.stream.info.upstreamTransportFailureReason = detail;
    this.fail(replyFor(reason));
  }

  onTimeout(): void {
    this.timer = null;
    if (this.#ended) return;
    this.cluster.stats.rqTimeout.inc();
    this.host.rqTimeout++;
    this.upstream?.abort();
    this.fail(LocalReplies.upstreamTimeout);
  }

  /** The attempt failed: a local reply when nothing was sent yet, else a reset of the stream. */
  fail(reply: LocalReply): void {
    if (this.#ended) return;
    this.#complete();
    const stream = this.stream;
    if (stream.done) return;
    this.host.rqError++;
    if (reply.flag === ResponseFlag.UF || reply.flag === ResponseFlag.UO) {
      /* counted by the pool (upstream_cx_connect_fail, upstream_rq_pending_overflow) */
    } else if (reply.flag !== ResponseFlag.UT) {
      this.cluster.stats.rqRxReset.inc();
    }
    this.cluster.stats.recordResponse(stream.responseStarted ? stream.info.responseCode : reply.status);
    // A circuit breaker refused it: Envoy tells the caller with x-envoy-overloaded.
    stream.sendLocalReply(reply, reply.flag === ResponseFlag.UO ? OVERLOADED : undefined);
  }

  /** The downstream went away or the stream was answered otherwise: cancel the upstream side. */
  abort(): void {
    if (this.#ended) return;
    this.#complete();
    this.cluster.stats.rqTxReset.inc();
    this.upstream?.abort();
  }

  #complete(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.stream.onAbort = null;
    (this.stream.res as http.ServerResponse).off('drain', this.#onDrain);
    this.#resume = null;
    this.cluster.resources.default.requests.dec();
    this.cluster.stats.rqActive.dec();
    this.host.activeRequests--;
  }
}

function replyFor(reason: UpstreamFailure): LocalReply {
  switch (reason) {
    case 'connection_failure':
      return LocalReplies.connectFailure;
    case 'connection_timeout':
      return LocalReplies.connectTimeout;
    case 'remote_reset':
      return LocalReplies.upstreamRemoteReset;
    case 'overflow':
      return LocalReplies.upstreamOverflow;
    case 'protocol_error':
      return LocalReplies.upstreamProtocolError;
    case 'connection_termination':
    case 'local_reset':
      return LocalReplies.upstreamReset;
  }
}

/** Builds the router from its typed_config (envoy.extensions.filters.http.router.v3.Router). */
export function routerFilterFactory(clusters: ClusterManager): HttpFilterFactory {
  return {
    typeUrls: [ROUTER_TYPE_URL],
    create(name, typedConfig, context) {
      const suppress = typedConfig['suppress_envoy_headers'];
      return new RouterFilter(name, clusters, { suppressEnvoyHeaders: suppress === true }, context.stats ? routerStats(context.stats) : null);
    },
  };
}

function routerStats(scope: StatsScope): RouterStats {
  return {
    rqTotal: scope.counter('rq_total'),
    noRoute: scope.counter('no_route'),
    noCluster: scope.counter('no_cluster'),
    rqDirectResponse: scope.counter('rq_direct_response'),
  };
}
