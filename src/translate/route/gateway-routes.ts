/**
 * An Istio ingress/egress gateway's RouteConfiguration (`http.80`, `https.443.https.gw.ns`), as
 * Istio's buildGatewayHTTPRouteConfig (pilot/pkg/networking/core/gateway.go): for each server
 * behind the route name, the VirtualServices bound to its Gateway whose hosts intersect the
 * server's; one virtual host per intersecting host (VirtualServices for the same host append
 * their routes, catch-alls last); a 404 `blackhole:PORT` virtual host when nothing matches.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRouteDestination, VirtualService } from '../../model/config-types.js';
import { hostSubsetOf } from '../../model/host.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../model/service.js';
import { mergeGateways } from './gateway-servers.js';
import { hashesForVirtualService } from './hash-policy.js';
import { buildHTTPRoutesForVirtualService, sortVHostRoutes } from './http-route.js';
import type { RouteContext } from './route-context.js';
import { isProxylessGrpc } from './route-context.js';
import { virtualServicesFor } from './scope.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from './sidecar-routes.js';
import { domainName } from './virtual-host-domains.js';

/** Istio's host.NamesForNamespace: server hosts usable by a VirtualService in `namespace` (`ns/host` only from ns, `*​/host` from all). */
export function serverHostsForNamespace(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) out.push(h);
    else {
      const ns = h.slice(0, slash);
      if (ns === namespace || ns === '*') out.push(h.slice(slash + 1));
    }
  }
  return out;
}

/**
 * Istio's host.Names.Intersection: the hosts both lists cover, the narrower name of each
 * overlapping pair (server `*` with VirtualService `a.com` → `a.com`; server `*.com` with
 * VirtualService `*` → `*.com`).
 */
export function intersectHosts(serverHosts: readonly string[], vsHosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of serverHosts) {
    for (const v of vsHosts) {
      const pick = hostSubsetOf(s, v) ? s : hostSubsetOf(v, s) ? v : undefined;
      if (pick !== undefined && !out.includes(pick)) out.push(pick);
    }
  }
  return out;
}

/**
 * Istio's buildNameToServiceMapForHTTPRoutes: a destination host's service, preferring the one in
 * the VirtualService's namespace, among those visible to the gateway proxy.
 */
function serviceLookup(visible: readonly Service[], vs: VirtualService): (hostname: string) => Service | undefined {
  return (hostname) => {
    const candidates = visible.filter((s) => s.hostname === hostname);
    return candidates.find((s) => s.namespace === vs.metadata.namespace) ?? candidates[0];
  };
}

/** An empty route configuration: what Istio answers for a route name no server has (e.g. a Gateway just deleted). */
function emptyRouteConfiguration(routeName: string): EnvoyJson {
  return { name: routeName, virtual_hosts: [], validate_clusters: false };
}

/**
 * Istio's collapseDuplicateRoutes (PILOT_ENABLE_ROUTE_COLLAPSE_OPTIMIZATION, on by default):
 * virtual hosts with the very same routes (one VirtualService with several hosts) become one
 * virtual host with all their domains, named after the alphabetically first host.
 */
function collapseDuplicateRoutes(vhosts: Map<string, EnvoyJson>): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const host of [...vhosts.keys()].sort()) {
    const vh = vhosts.get(host)!;
    const routes = (vh.routes ?? []) as EnvoyJson[];
    const same = out.find((o) => {
      const other = (o.routes ?? []) as EnvoyJson[];
      return o.require_tls === vh.require_tls && other.length === routes.length && other.every((r, i) => r === routes[i]);
    });
    if (same !== undefined) same.domains = [...(same.domains as string[]), ...(vh.domains as string[])];
    else out.push(vh);
  }
  return out;
}

/** `buildGatewayRoutes(proxy, push, 'http.8080')`: the RouteConfiguration a gateway's HTTP listener asks for. */
export function buildGatewayRoutes(proxy: Proxy, push: PushContext, routeName: string): EnvoyJson {
  const merged = mergeGateways(proxy, push, push.gatewaysFor(proxy));
  const servers = merged.serversByRouteName.get(routeName);
  if (servers === undefined || servers.length === 0) return emptyRouteConfiguration(routeName);

  const visible = push.servicesVisibleTo(proxy.namespace);
  const vsByGateway = new Map<string, VirtualService[]>();
  /** Routes per gateway and VirtualService, built once and shared by every host (so they can collapse). */
  const routeCache = new Map<string, EnvoyJson[] | null>();
  const vhosts = new Map<string, EnvoyJson>();

  for (const entry of servers) {
    const { server, gatewayName } = entry;
    const port = server.port.number;
    const httpsRedirect = server.tls?.httpsRedirect === true;
    let virtualServices = vsByGateway.get(gatewayName);
    if (virtualServices === undefined) vsByGateway.set(gatewayName, (virtualServices = virtualServicesFor(proxy, push, gatewayName)));

    for (const vs of virtualServices) {
      const vsHosts = (vs.spec.hosts ?? []).map((h) => h.toLowerCase());
      const hosts = intersectHosts(serverHostsForNamespace(entry.hosts, vs.metadata.namespace), vsHosts);
      if (hosts.length === 0) continue;
      const cacheKey = `${gatewayName}|${vs.metadata.namespace}/${vs.metadata.name}`;
      let routes = routeCache.get(cacheKey);
      if (routes === undefined) {
        routes = buildRoutesForGateway(proxy, push, vs, visible, gatewayName, port, server.tls !== undefined);
        routeCache.set(cacheKey, routes);
      }
      if (routes === null) continue;
      for (const raw of hosts) {
        const host = raw.toLowerCase();
        const existing = vhosts.get(host);
        if (existing !== undefined) {
          existing.routes = [...(existing.routes as EnvoyJson[]), ...routes];
          if (httpsRedirect) existing.require_tls = 'ALL';
          continue;
        }
        const vh: EnvoyJson = { name: domainName(host, port), domains: [host], routes: [...routes], include_request_attempt_count: true };
        if (httpsRedirect) vh.require_tls = 'ALL';
        vhosts.set(host, vh);
      }
    }
    // An httpsRedirect server redirects all its hosts, even those no VirtualService routes.
    if (httpsRedirect) {
      for (const raw of entry.hosts) {
        // `ns/host` names a namespace restriction, not part of the domain (Istio keeps it verbatim; it can never match).
        const host = (raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw).toLowerCase();
        const existing = vhosts.get(host);
        if (existing !== undefined) existing.require_tls = 'ALL';
        else vhosts.set(host, { name: domainName(host, port), domains: [host], include_request_attempt_count: true, require_tls: 'ALL' });
      }
    }
  }

  let virtualHosts: EnvoyJson[];
  if (vhosts.size === 0) {
    // No virtual host: every request is answered 404 (NR), as Envoy does for an empty route list.
    virtualHosts = [{ name: domainName('blackhole', servers[0]!.server.port.number), domains: ['*'], routes: [] }];
  } else {
    virtualHosts = collapseDuplicateRoutes(vhosts).map((vh) => (vh.routes === undefined ? vh : { ...vh, routes: sortVHostRoutes(vh.routes as EnvoyJson[]) }));
    virtualHosts.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  }
  return {
    name: routeName,
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    ignore_port_in_host_matching: !isProxylessGrpc(proxy),
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
  };
}

function buildRoutesForGateway(
  proxy: Proxy,
  push: PushContext,
  vs: VirtualService,
  visible: readonly Service[],
  gatewayName: string,
  port: number,
  isTls: boolean,
): EnvoyJson[] | null {
  const hashes = hashesForVirtualService(proxy, push, vs.spec.http ?? []);
  const ctx: RouteContext = {
    proxy,
    listenPort: port,
    gatewayNames: new Set([gatewayName]),
    isTls,
    lookupService: serviceLookup(visible, vs),
    lookupHash: (dst: HTTPRouteDestination) => hashes.get(dst),
  };
  const routes = buildHTTPRoutesForVirtualService(vs, ctx);
  return routes.length === 0 ? null : routes;
}
