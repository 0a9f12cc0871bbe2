/**
 * envoy.filters.http.router: the last filter of every chain. Takes the route the connection
 * manager selected and either answers it (redirect, direct_response) or forwards the request to
 * a host of the route's cluster: timeouts, retry state, body buffer and mirrors are set up here,
 * and RouterRequest (router-request.ts) drives the attempts and streams the response back.
 *
 * The per-request cost without retries or mirrors is one RouterRequest and one RouterAttempt
 * (the upstream callbacks) and one header object for the upstream request; everything else was
 * compiled with the route table.
 */
import { LocalReplies } from '../../../errors/local-replies.js';
import type { HttpFilter, FilterHeadersStatus, HttpFilterFactory } from '../../http-filter.js';
import type { HttpStream } from '../../http-stream.js';
import { upstreamRequestBody } from '../../request-body.js';
import { applyRequestMutations, applyResponseMutations } from '../../../router/header-mutation.js';
import { computeHash } from '../../../router/hash-policy.js';
import { redirectLocation } from '../../../router/redirect.js';
import { rewriteHost, rewritePath } from '../../../router/rewrites.js';
import type { ForwardAction } from '../../../router/route-action.js';
import { DEFAULT_BUFFER_LIMIT_BYTES, RequestBodyBuffer } from '../../../router/request-body-buffer.js';
import { mirrorSampled, sendShadow, shadowAuthority } from '../../../router/request-mirror.js';
import type { MirrorPolicy } from '../../../router/request-mirror.js';
import { RetryState } from '../../../router/retry-state.js';
import { finalTimeouts, setTimeoutHeaders } from '../../../router/upstream-timeouts.js';
import type { ClusterManager } from '../../../upstream/cluster-manager.js';
import type { UpstreamCluster } from '../../../upstream/upstream-cluster.js';
import type { Host } from '../../../upstream/host.js';
import { HOP_BY_HOP } from '../../../upstream/pool/upstream-request.js';
import type { UpstreamRequest } from '../../../upstream/pool/upstream-request.js';
import type { Counter, StatsScope } from '../../../../telemetry/stats/stats-store.js';
import { OVERLOADED, RouterRequest } from './router-request.js';
import { appendForwardedHost } from './forwarded-host.js';
import { retryResources, retryStats } from './retry-resources.js';
import type { ForwardPlan } from './router-request.js';

export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The filter-state key the router keeps its Set-Cookie (from a cookie hash policy) under. */
const SET_COOKIE_STATE = 'envoy.filters.http.router.set_cookie';

export interface RouterOptions {
  /** Router.suppress_envoy_headers: no x-envoy-upstream-service-time / x-envoy-expected-rq-timeout-ms. */
  readonly suppressEnvoyHeaders: boolean;
  /** Uniform in [0, 1) for retry back-off jitter and mirror fractions; Math.random by default. */
  readonly random?: () => number;
}

/** The router's stats under `http.<stat_prefix>.`, Envoy's names. */
export interface RouterStats {
  readonly rqTotal: Counter;
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  /** Direct responses and redirects (both are Envoy's DirectResponseEntry). */
  readonly rqDirectResponse: Counter;
}

export class RouterFilter implements HttpFilter {
  readonly random: () => number;

  constructor(
    readonly name: string,
    readonly clusters: ClusterManager,
    readonly options: RouterOptions,
    readonly stats: RouterStats | null = null,
  ) {
    this.random = options.random ?? Math.random;
  }

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
    // include_attempt_count_in_response: upstream responses and the router's own replies alike.
    const attempts = stream.info.attemptCount;
    if (attempts > 0 && selection.virtualHost.includeAttemptCountInResponse) headers['x-envoy-attempt-count'] = String(attempts);
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
      info.upstreamCluster = info.upstreamClusterRaw = clusterName ?? '';
      const nc = LocalReplies.noCluster;
      stream.sendLocalResponse(action.clusterNotFoundResponseCode, '', nc.flag, nc.details);
      return;
    }
    info.upstreamCluster = cluster.config.observabilityName;
    info.upstreamClusterRaw = cluster.config.name;

    // route.priority picks the cluster's circuit-breaker thresholds (DEFAULT or HIGH).
    const priority = action.priority === 'HIGH' ? 'high' : 'default';
    const resources = cluster.resources[priority];
    // max_requests (Envoy checks it as the request attaches to a connection; here, before the pool).
    if (!resources.requests.canCreate()) {
      cluster.stats.rqPendingOverflow.inc();
      const r = LocalReplies.upstreamOverflow;
      cluster.stats.recordResponse(r.status);
      // In Envoy the first attempt has begun when the pool refuses it: %UPSTREAM_REQUEST_ATTEMPT_COUNT% is 1.
      info.attemptCount = 1;
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
    const lbContext = { hash };
    const od = { header: odHeader === null ? null : ((stream.headers[odHeader] as string | undefined) ?? null), address: info.downstreamLocalAddress, port: info.downstreamLocalPort, restored: info.downstreamLocalAddressRestored };

    // Retry and timeout headers are read (and consumed) from the downstream headers, before the copy.
    const down = stream.headers;
    const grpc = isGrpc(down);
    // Envoy's finalHedgingParams: x-envoy-hedge-on-per-try-timeout (internal callers only; the
    // connection manager strips it from external ones) overrides the route; RetryState consumes it.
    let hedge = action.hedgeOnPerTryTimeout;
    const hedgeHeader = down['x-envoy-hedge-on-per-try-timeout'];
    if (hedgeHeader === 'true') hedge = true;
    else if (hedgeHeader === 'false') hedge = false;
    const retry = RetryState.create(action.retry, stream, retryResources(cluster, priority), retryStats(cluster), this.random);
    const timeouts = finalTimeouts(action, action.retry?.perTryTimeoutMs ?? 0, down, grpc);

    // The first host is picked before the headers are built: %UPSTREAM_METADATA% and
    // %UPSTREAM_HOST% in request_headers_to_add see it. Retries pick their own.
    const firstHost = cluster.chooseHost(lbContext, od);
    if (firstHost === null) {
      retry?.release();
      cluster.stats.cxNoneHealthy.inc();
      stream.sendLocalReply(LocalReplies.noHealthyUpstream);
      return;
    }
    info.upstreamHost = firstHost.key;
    info.upstreamMetadata = firstHost.metadata;

    // The upstream request: the downstream headers minus hop-by-hop ones, then the route's work.
    const headers: Record<string, string | string[] | undefined> = {};
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
    else if (action.hostRewrite !== null && action.hostRewrite.kind !== 'auto') authority = rewriteHost(action.hostRewrite, stream) ?? authority;
    if (authority !== stream.authority && action.appendXForwardedHost) appendForwardedHost(headers, stream.authority);
    setTimeoutHeaders(0, timeouts, action, headers, !this.options.suppressEnvoyHeaders, grpc);

    // The body: buffered when an attempt may be retried or a mirror needs a copy, else streamed as is.
    const rawBody = upstreamRequestBody(stream);
    const mirrors = action.mirrors.length > 0 ? this.#sampledMirrors(action, stream) : null;
    let body: RequestBodyBuffer | null = null;
    let router: RouterRequest | null = null;
    let shadows: UpstreamRequest[] | null = null;
    if (rawBody !== null && (retry !== null || mirrors !== null)) {
      const limit = selection.route.perRequestBufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES;
      body = new RequestBodyBuffer(rawBody, limit, () => {
        router?.onBufferOverflow();
        // A shadow cannot get the rest of a body that was not kept: Envoy gives up on it.
        if (shadows !== null) for (const s of shadows) s.abort();
      });
    }

    // Retries pick with the request's retry_priority (previous_priorities), when it has one.
    const retryPriority = retry?.retryPriority ?? null;
    const retryContext = retryPriority === null ? lbContext : { hash, retryPriority };
    const pickHost = (): Host | null => cluster.chooseHost(retryContext, od);
    const plan: ForwardPlan = {
      cluster,
      priority,
      resources,
      method: stream.method,
      path,
      authority,
      headers,
      timeouts,
      timeoutSource: action,
      retry,
      hedgeOnPerTryTimeout: hedge,
      body,
      rawBody: body === null ? rawBody : null,
      pickHost,
      firstHost,
      includeAttemptCount: selection.virtualHost.includeRequestAttemptCount,
      includeIsTimeoutRetry: selection.virtualHost.includeIsTimeoutRetryHeader,
      grpc,
      suppressEnvoyHeaders: this.options.suppressEnvoyHeaders,
      autoHostRewrite: literal === null && action.hostRewrite?.kind === 'auto',
      appendXForwardedHost: action.appendXForwardedHost,
      responseBufferLimitBytes: selection.route.perRequestBufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES,
    };
    router = new RouterRequest(stream, plan);
    if (mirrors !== null) shadows = this.#mirror(mirrors, stream, plan, body, timeouts.globalMs);
    router.start();
  }

  /** The mirror policies this request goes to, with their cluster (each runtime fraction drawn once). */
  #sampledMirrors(action: ForwardAction, stream: HttpStream): { policy: MirrorPolicy; cluster: string }[] | null {
    let out: { policy: MirrorPolicy; cluster: string }[] | null = null;
    for (const policy of action.mirrors) {
      if (!mirrorSampled(policy, this.random)) continue;
      const h = policy.clusterHeader === null ? undefined : stream.headers[policy.clusterHeader];
      const cluster = policy.cluster ?? (typeof h === 'string' ? h : undefined);
      if (cluster === undefined || cluster === '') continue;
      (out ??= []).push({ policy, cluster });
    }
    return out;
  }

  /** Fire and forget: one shadow per sampled policy, the Host suffixed "-shadow" (see request-mirror.ts). */
  #mirror(list: readonly { policy: MirrorPolicy; cluster: string }[], stream: HttpStream, plan: ForwardPlan, body: RequestBodyBuffer | null, timeoutMs: number): UpstreamRequest[] {
    const out: UpstreamRequest[] = [];
    const downstreamIsH2 = stream.info.protocol === 'HTTP/2';
    for (const { policy, cluster } of list) {
      const authority = policy.disableShadowHostSuffixAppend ? plan.authority : shadowAuthority(plan.authority);
      const spec = { method: plan.method, path: plan.path, authority, headers: { ...plan.headers }, body: body === null ? null : body.reader() };
      const shadow = sendShadow(this.clusters, cluster, spec, downstreamIsH2, timeoutMs);
      if (shadow !== null) out.push(shadow);
    }
    return out;
  }
}

/** Envoy's Grpc::Common::isGrpcRequestHeaders: a gRPC content type. */
function isGrpc(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc') && (ct.length === 16 || ct.charCodeAt(16) === 43 /* + */);
}

/** Builds the router from its typed_config (envoy.extensions.filters.http.router.v3.Router). */
export function routerFilterFactory(clusters: ClusterManager, options: { readonly random?: () => number } = {}): HttpFilterFactory {
  return {
    typeUrls: [ROUTER_TYPE_URL],
    create(name, typedConfig, context) {
      const suppress = typedConfig['suppress_envoy_headers'];
      const opts: RouterOptions = options.random === undefined ? { suppressEnvoyHeaders: suppress === true } : { suppressEnvoyHeaders: suppress === true, random: options.random };
      return new RouterFilter(name, clusters, opts, context.stats ? routerStats(context.stats) : null);
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
