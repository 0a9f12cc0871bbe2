/**
 * The forwarding half of a VirtualService HTTPRoute → Envoy RouteAction, as Istio's
 * applyHTTPRouteDestination: destinations (one cluster, or weighted clusters), rewrites, host
 * rewrite, mirrors, timeout and retry policy, and hash policies from DestinationRules.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRoute, HTTPRouteDestination } from '../../model/config-types.js';
import type { Service } from '../../model/service.js';
import { outboundClusterName } from '../names.js';
import { appendList, applyHeaderMutations, translateHeadersOperations } from './header-operations.js';
import type { HeadersSpec } from './header-operations.js';
import { consistentHashToHashPolicy } from './hash-policy.js';
import { fractionalPercent, integerPercent, protoDuration } from './proto-values.js';
import { convertRetryPolicy } from './retry-policy.js';
import { isProxylessGrpc } from './route-context.js';
import type { RouteContext } from './route-context.js';

export type Destination = HTTPRouteDestination['destination'];

/** The cluster Istio names when a destination has no host (only from invalid Gateway API backends). */
export const UNKNOWN_SERVICE_CLUSTER = 'UnknownService';

/**
 * Istio's GetDestinationCluster: `outbound|PORT|SUBSET|HOST` where PORT is the destination's
 * port, else the service's only port, else the listener's port. `service` is what the caller's
 * lookup returned for the host (sidecars see only services that have the listener port, so there
 * the "only port" is the listener port).
 */
export function destinationCluster(dst: Destination, service: Service | undefined, listenPort: number): string {
  if (dst.host === '') return UNKNOWN_SERVICE_CLUSTER;
  let port = listenPort;
  if (dst.port?.number !== undefined) port = dst.port.number;
  else if (service !== undefined && service.ports.length === 1) port = service.ports[0]!.port;
  return outboundClusterName(dst.host, port, dst.subset ?? '');
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Istio's setTimeout: no timeout (0s) unless the VirtualService sets one; gRPC's deadline header is capped by it. */
export function applyTimeout(action: EnvoyJson, timeout: string | undefined, ctx: RouteContext | null): void {
  const t = protoDuration(timeout) ?? '0s';
  action.timeout = t;
  if (ctx !== null && isProxylessGrpc(ctx.proxy)) action.max_stream_duration = { max_stream_duration: t };
  // The deprecated field, as Istio still uses it (its replacement had regressions).
  else action.max_grpc_timeout = t;
}

/** Istio's MirrorPercent: mirrorPercentage, else the deprecated integer mirrorPercent, else 100%; an explicit 0 turns mirroring off. */
function mirrorFraction(route: HTTPRoute): EnvoyJson | undefined {
  if (route.mirrorPercentage !== undefined) {
    const v = route.mirrorPercentage.value ?? 0;
    return v > 0 ? fractionalPercent(v) : undefined;
  }
  if (route.mirrorPercent !== undefined) return route.mirrorPercent > 0 ? integerPercent(route.mirrorPercent) : undefined;
  return integerPercent(100);
}

function mirrorPolicy(cluster: string, fraction: EnvoyJson): EnvoyJson {
  return { cluster, runtime_fraction: { default_value: fraction }, trace_sampled: false };
}

function mirrorPolicies(route: HTTPRoute, ctx: RouteContext): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  if (route.mirror !== undefined) {
    const f = mirrorFraction(route);
    if (f !== undefined) out.push(mirrorPolicy(destinationCluster(route.mirror, ctx.lookupService(route.mirror.host), ctx.listenPort), f));
  }
  for (const m of route.mirrors ?? []) {
    const v = m.percentage?.value;
    const f = m.percentage === undefined ? integerPercent(100) : (v ?? 0) > 0 ? fractionalPercent(v) : undefined;
    if (f !== undefined) out.push(mirrorPolicy(destinationCluster(m.destination, ctx.lookupService(m.destination.host), ctx.listenPort), f));
  }
  return out;
}

/**
 * Istio's applyHTTPRouteDestination: fills `out.route`. `authority` is the host rewrite the
 * route's `headers` asked for. Returns false when the route has no destination Envoy could
 * accept (Istio's validation rejects such VirtualServices; we drop the route instead of sending
 * an empty weighted_clusters).
 */
export function applyRouteDestination(out: EnvoyJson, route: HTTPRoute, ctx: RouteContext, authority: string, gatewaySemantics = false): boolean {
  const action: EnvoyJson = {};
  // Gateway API: a backend that does not exist answers 500, not 503.
  if (gatewaySemantics) action.cluster_not_found_response_code = 'INTERNAL_SERVER_ERROR';
  const rewrite = route.rewrite;
  if (rewrite !== undefined) {
    if (rewrite.uriRegexRewrite !== undefined) {
      action.regex_rewrite = { pattern: { regex: rewrite.uriRegexRewrite.match ?? '' }, substitution: rewrite.uriRegexRewrite.rewrite ?? '' };
    } else if (gatewaySemantics && rewrite.uri === '/') {
      // ReplacePrefixMatch "/": drop the matched segments, keeping a leading slash.
      const prefix = String((out.match as EnvoyJson | undefined)?.path_separated_prefix ?? '');
      action.regex_rewrite = { pattern: { regex: `^${quoteMeta(prefix)}(/?)(.*)` }, substitution: '/\\2' };
    } else if (rewrite.uri !== undefined && rewrite.uri !== '') {
      // Envoy replaces the matched part: the prefix for prefix matches, the whole path for exact ones.
      action.prefix_rewrite = rewrite.uri;
    }
    if (rewrite.authority !== undefined && rewrite.authority !== '') authority = rewrite.authority;
  }
  if (authority !== '') action.host_rewrite_literal = authority;

  const mirrors = mirrorPolicies(route, ctx);
  if (mirrors.length > 0) action.request_mirror_policies = mirrors;

  const destinations = route.route ?? [];
  let consistentHash = false;
  const hashPolicies: EnvoyJson[] = [];
  if (destinations.length === 1) {
    const dst = destinations[0]!;
    action.cluster = destinationCluster(dst.destination, ctx.lookupService(dst.destination.host), ctx.listenPort);
    if (dst.headers !== undefined) {
      const ops = translateHeadersOperations(dst.headers as HeadersSpec);
      appendList(out, 'request_headers_to_add', ops.requestHeadersToAdd);
      appendList(out, 'request_headers_to_remove', ops.requestHeadersToRemove);
      appendList(out, 'response_headers_to_add', ops.responseHeadersToAdd);
      appendList(out, 'response_headers_to_remove', ops.responseHeadersToRemove);
      // A destination's authority only applies when the route itself did not rewrite the host.
      if (ops.authority !== '' && action.host_rewrite_literal === undefined) action.host_rewrite_literal = ops.authority;
    }
    const hash = ctx.lookupHash(dst);
    consistentHash = hash !== undefined;
    const hp = consistentHashToHashPolicy(hash);
    if (hp !== undefined) hashPolicies.push(hp);
  } else {
    const clusters: EnvoyJson[] = [];
    for (const dst of destinations) {
      // Zero-weight destinations are left out when there are others (Istio).
      if ((dst.weight ?? 0) === 0) continue;
      const cw: EnvoyJson = {
        name: destinationCluster(dst.destination, ctx.lookupService(dst.destination.host), ctx.listenPort),
        weight: dst.weight,
      };
      if (dst.headers !== undefined) {
        const ops = translateHeadersOperations(dst.headers as HeadersSpec);
        applyHeaderMutations(cw, ops);
        if (ops.authority !== '') cw.host_rewrite_literal = ops.authority;
      }
      clusters.push(cw);
      const hp = consistentHashToHashPolicy(ctx.lookupHash(dst));
      if (hp !== undefined) hashPolicies.push(hp);
    }
    if (clusters.length === 0) return false;
    action.weighted_clusters = { clusters };
  }
  if (hashPolicies.length > 0) action.hash_policy = hashPolicies;
  applyTimeout(action, route.timeout, ctx);
  const retry = convertRetryPolicy(route.retries, consistentHash);
  if (retry !== undefined) action.retry_policy = retry;
  out.route = action;
  return true;
}
