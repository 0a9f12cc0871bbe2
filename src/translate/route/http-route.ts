/**
 * VirtualService HTTPRoutes → Envoy Routes, as Istio's BuildHTTPRoutesForVirtualService and
 * TranslateRoute. Each match block of an HTTPRoute becomes one Envoy route with the same action
 * (blocks are ORed, conditions within a block ANDed); routes keep the VirtualService's order, so
 * the first match wins; nothing is emitted after a catch-all route.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPMatchRequest, HTTPRoute, VirtualService } from '../../model/config-types.js';
import { selectorMatches } from '../../model/labels.js';
import { qualifyGatewayName } from '../../model/push-context.js';
import { parseSubsetKey } from '../names.js';
import { CORS_FILTER_NAME, translateCorsPolicy } from './cors.js';
import { FAULT_FILTER_NAME, translateFault } from './fault.js';
import { applyHeaderMutations, translateHeadersOperations } from './header-operations.js';
import type { HeadersSpec } from './header-operations.js';
import { translateDirectResponse, translateRedirect } from './redirect.js';
import { applyRouteDestination } from './route-action.js';
import { useGatewaySemantics } from './route-context.js';
import type { RouteContext } from './route-context.js';
import { isCatchAllMatch, translateRouteMatch } from './route-match.js';

/** Envoy's filter_metadata key Istio uses for its own metadata. */
export const ISTIO_METADATA_KEY = 'istio';

/**
 * Istio's BuildConfigInfoMetadata: which config produced a route, for `istioctl proxy-config
 * routes` and telemetry. Istio stores VirtualServices at networking.istio.io/v1.
 */
export function configInfoMetadata(vs: VirtualService): EnvoyJson {
  return {
    filter_metadata: {
      [ISTIO_METADATA_KEY]: { config: `/apis/networking.istio.io/v1/namespaces/${vs.metadata.namespace}/virtual-service/${vs.metadata.name}` },
    },
  };
}

/**
 * Istio's sourceMatchHTTP: whether a match block applies to this proxy. A block naming
 * `gateways` applies only on those (sourceLabels are then not consulted, as in Istio); otherwise
 * its sourceLabels must be a subset of the proxy's labels and its sourceNamespace the proxy's.
 */
export function sourceMatches(m: HTTPMatchRequest | undefined, vsNamespace: string, ctx: RouteContext): boolean {
  if (m === undefined) return true;
  if (m.gateways !== undefined && m.gateways.length > 0) {
    return m.gateways.some((g) => ctx.gatewayNames.has(qualifyGatewayName(g, vsNamespace)));
  }
  if (!selectorMatches(m.sourceLabels, ctx.proxy.labels)) return false;
  return m.sourceNamespace === undefined || m.sourceNamespace === '' || m.sourceNamespace === ctx.proxy.namespace;
}

/**
 * Istio's GetRouteOperation, the tracing span name: `HOST:PORT/PATH*` when the route goes to one
 * cluster, else `VS_NAME:LISTEN_PORT/PATH*`.
 */
export function routeOperation(route: EnvoyJson, vsName: string, listenPort: number): string {
  const match = route.match as EnvoyJson;
  let path = '/*';
  if (typeof match.prefix === 'string') path = `${match.prefix}*`;
  else if (typeof match.path === 'string') path = match.path;
  else if (match.safe_regex !== undefined) path = (match.safe_regex as { regex: string }).regex;
  const cluster = (route.route as EnvoyJson | undefined)?.cluster;
  const key = typeof cluster === 'string' ? parseSubsetKey(cluster) : null;
  return key !== null ? `${key.hostname}:${key.port}${path}` : `${vsName}:${listenPort}${path}`;
}

/**
 * Istio's TranslateRoute: one HTTPRoute under one of its match blocks (or none) → one Envoy
 * route, or null when the block does not apply here (another port, another source, another
 * gateway) or cannot be served.
 */
export function translateRoute(vs: VirtualService, http: HTTPRoute, m: HTTPMatchRequest | undefined, ctx: RouteContext): EnvoyJson | null {
  if (m !== undefined && m.port !== undefined && m.port !== 0 && m.port !== ctx.listenPort) return null;
  if (!sourceMatches(m, vs.metadata.namespace, ctx)) return null;
  const gatewaySemantics = useGatewaySemantics(vs);
  const match = translateRouteMatch(m, gatewaySemantics);
  if (!match.ok) return null;

  let name = http.name ?? '';
  if (m?.name !== undefined && m.name !== '') name = `${name}.${m.name}`;
  const out: EnvoyJson = {};
  if (name !== '') out.name = name;
  out.match = match.match;
  out.metadata = configInfoMetadata(vs);
  if (m?.statPrefix !== undefined && m.statPrefix !== '') out.stat_prefix = m.statPrefix;

  let authority = '';
  if (http.headers !== undefined) {
    const ops = translateHeadersOperations(http.headers as HeadersSpec);
    applyHeaderMutations(out, ops);
    authority = ops.authority;
  }

  if (http.redirect !== undefined) {
    const redirect = translateRedirect(http.redirect, ctx.listenPort, ctx.isTls, gatewaySemantics);
    if (redirect === undefined) return null;
    out.redirect = redirect;
  } else if (http.directResponse !== undefined) {
    out.direct_response = translateDirectResponse(http.directResponse);
  } else if (!applyRouteDestination(out, http, ctx, authority, gatewaySemantics)) {
    return null;
  }

  out.decorator = { operation: routeOperation(out, vs.metadata.name, ctx.listenPort) };
  const perFilter: EnvoyJson = {};
  if (http.fault !== undefined) perFilter[FAULT_FILTER_NAME] = translateFault(http.fault);
  if (http.corsPolicy !== undefined) perFilter[CORS_FILTER_NAME] = translateCorsPolicy(http.corsPolicy);
  if (Object.keys(perFilter).length > 0) out.typed_per_filter_config = perFilter;
  return out;
}

/** Istio's IsCatchAllRoute on a built route. */
export function isCatchAllRoute(route: EnvoyJson): boolean {
  return isCatchAllMatch(route.match as EnvoyJson);
}

/**
 * Istio's BuildHTTPRoutesForVirtualService: every HTTPRoute, one route per applicable match
 * block, in order, stopping after the first catch-all (an HTTPRoute without match blocks is one).
 * An empty result means the VirtualService contributes nothing on this port.
 */
export function buildHTTPRoutesForVirtualService(vs: VirtualService, ctx: RouteContext): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const http of vs.spec.http ?? []) {
    let catchAll = false;
    const matches = http.match ?? [];
    if (matches.length === 0) {
      const r = translateRoute(vs, http, undefined, ctx);
      if (r !== null) out.push(r);
      catchAll = true;
    } else {
      for (const m of matches) {
        const r = translateRoute(vs, http, m, ctx);
        if (r === null) continue;
        out.push(r);
        if (isCatchAllRoute(r)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** Istio's SortVHostRoutes: catch-all routes move to the end, the others keep their order. */
export function sortVHostRoutes(routes: readonly EnvoyJson[]): EnvoyJson[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter((r) => isCatchAllRoute(r))];
}
