/**
 * A sidecar's outbound RouteConfiguration for one port (RDS name `80`, `9080` …), as Istio's
 * buildSidecarOutboundHTTPRouteConfig / BuildSidecarOutboundVirtualHosts
 * (pilot/pkg/networking/core/httproute.go): one virtual host per service (or VirtualService host)
 * on the port, named `HOST:PORT`, then the catch-all: `allow_any` to PassthroughCluster under
 * ALLOW_ANY (mesh or Sidecar outboundTrafficPolicy), else `block_all` answering 502. A sniffed
 * service port's listener asks for `HOST:PORT` instead: the same port's virtual hosts narrowed to
 * that service, with no catch-all (Istio's getVirtualHostsForSniffedServicePort).
 */
import type { EnvoyJson } from '../generated.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../model/service.js';
import { BLACKHOLE_ROUTE, PASSTHROUGH_CLUSTER, PASSTHROUGH_ROUTE, outboundRouteName, sniffedRouteName } from '../names.js';
import { destinationCluster } from './route-action.js';
import { isProxylessGrpc } from './route-context.js';
import { sidecarServices, sidecarVirtualServices } from './scope.js';
import { buildSidecarVirtualHostWrappers } from './sidecar-virtual-hosts.js';
import { SnapshotInterner, internedSerial } from '../snapshot-interner.js';
import { dedupeDomains, domainName, generateVirtualHostDomains, ipv6Compliant } from './virtual-host-domains.js';

/** Istio's DefaultMaxDirectResponseBodySizeBytes (1 MiB, the limit its webhook validates). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

/**
 * Istio's buildCatchAllVirtualHost: unknown hosts go to PassthroughCluster (ALLOW_ANY, no
 * timeout) or get a 502 (REGISTRY_ONLY).
 */
export function buildCatchAllVirtualHost(allowAny: boolean, egressCluster: string = PASSTHROUGH_CLUSTER): EnvoyJson {
  if (allowAny) {
    return {
      name: PASSTHROUGH_ROUTE,
      domains: ['*'],
      routes: [{ name: PASSTHROUGH_ROUTE, match: { prefix: '/' }, route: { cluster: egressCluster, timeout: '0s', max_grpc_timeout: '0s' } }],
      include_request_attempt_count: true,
    };
  }
  return {
    name: BLACKHOLE_ROUTE,
    domains: ['*'],
    routes: [{ name: BLACKHOLE_ROUTE, match: { prefix: '/' }, direct_response: { status: 502 } }],
    include_request_attempt_count: true,
  };
}

/**
 * The proxy's outbound traffic policy (Istio's SidecarScope.OutboundTrafficPolicy): its Sidecar's
 * when it sets one (the mode then defaults to REGISTRY_ONLY, the enum's zero value), else the
 * mesh's. Under ALLOW_ANY a Sidecar's egressProxy takes unknown traffic instead of
 * PassthroughCluster.
 */
export function outboundTrafficPolicy(proxy: Proxy, push: PushContext): { allowAny: boolean; egressCluster: string } {
  const own = push.sidecarFor(proxy)?.spec.outboundTrafficPolicy;
  if (own === undefined) return { allowAny: push.mesh.outboundTrafficPolicy === 'ALLOW_ANY', egressCluster: PASSTHROUGH_CLUSTER };
  const allowAny = own.mode === 'ALLOW_ANY';
  const egress = own.egressProxy;
  return { allowAny, egressCluster: allowAny && egress !== undefined ? destinationCluster(egress, undefined, 0) : PASSTHROUGH_CLUSTER };
}

/**
 * Virtual hosts made only of interned routes (a service's default route), one object per content
 * for every class and the next snapshot: a service's virtual host in another namespace's route
 * configuration is the same for every class but the service's own namespace, so the ADS server
 * fingerprints and encodes it once, not once per class and snapshot (snapshot-interner.ts).
 */
const VIRTUAL_HOSTS = new SnapshotInterner<EnvoyJson>();

function virtualHost(push: PushContext, name: string, domains: string[], routes: readonly EnvoyJson[]): EnvoyJson {
  const build = (): EnvoyJson => ({ name, domains, routes: [...routes], include_request_attempt_count: true });
  let serials = '';
  for (const r of routes) {
    const serial = internedSerial(r);
    if (serial === undefined) return build();
    serials += `${serial},`;
  }
  return VIRTUAL_HOSTS.intern(push, `${serials}${JSON.stringify(domains)}${name}`, build);
}

/** Istio's util.SortVirtualHosts: by name (the catch-all is appended after). */
function sortByName(vhosts: EnvoyJson[]): EnvoyJson[] {
  return vhosts.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
}

/**
 * The virtual hosts for `port`, in Istio's order (sorted by name), duplicates removed: a second
 * virtual host with a name already built is dropped, and a domain already claimed by an earlier
 * virtual host is removed from later ones (VirtualService hosts come first, oldest
 * VirtualService first, then services without one by hostname). `httpProxy`: the port's share of
 * the `http_proxy` route configuration (domains with `:PORT`, no port-80 exception).
 */
export function buildSidecarOutboundVirtualHosts(
  proxy: Proxy,
  push: PushContext,
  port: number,
  services: readonly Service[],
  opts: { readonly httpProxy?: boolean } = {},
): EnvoyJson[] {
  const httpProxy = opts.httpProxy === true;
  const wrappers = buildSidecarVirtualHostWrappers({ proxy, push, listenPort: port, services, virtualServices: sidecarVirtualServices(proxy, push), httpProxy });
  // The HTTP proxy's route configuration tells ports apart by the domains (Istio's listener port 0).
  const ignorePort = !isProxylessGrpc(proxy) && !httpProxy;
  const names = new Set<string>();
  const taken = new Set<string>();
  const knownFqdns = new Set<string>();
  for (const w of wrappers) for (const s of w.services) knownFqdns.add(domainName(s.hostname, w.port)).add(s.hostname);

  const build = (hostname: string, routes: readonly EnvoyJson[], wrapperPort: number, svc: Service | undefined): EnvoyJson | null => {
    const name = domainName(hostname, wrapperPort);
    if (names.has(name)) return null;
    names.add(name);
    let domains: string[];
    let altHosts: string[] = [];
    if (svc === undefined) domains = ignorePort ? [ipv6Compliant(hostname)] : [ipv6Compliant(hostname), name];
    else ({ domains, altHosts } = generateVirtualHostDomains(svc, wrapperPort, proxy, ignorePort));
    domains = dedupeDomains(domains, taken, altHosts, knownFqdns);
    if (domains.length === 0) return null;
    return virtualHost(push, name, domains, routes);
  };

  const out: EnvoyJson[] = [];
  for (const w of wrappers) {
    if (w.routes.length === 0 || w.port !== port) continue;
    for (const h of w.virtualServiceHosts) {
      const vh = build(h, w.routes, w.port, undefined);
      if (vh !== null) out.push(vh);
    }
    for (const s of w.services) {
      const vh = build(s.hostname, w.routes, w.port, s);
      if (vh !== null) out.push(vh);
    }
  }
  return sortByName(out);
}

/**
 * `buildSidecarOutboundRoutes(proxy, push, 9080)`: the RouteConfiguration named `9080` the
 * sidecar's outbound HTTP listeners on port 9080 ask for over RDS.
 */
export function buildSidecarOutboundRoutes(proxy: Proxy, push: PushContext, port: number): EnvoyJson {
  const virtualHosts = buildSidecarOutboundVirtualHosts(proxy, push, port, sidecarServices(proxy, push));
  const policy = outboundTrafficPolicy(proxy, push);
  virtualHosts.push(buildCatchAllVirtualHost(policy.allowAny, policy.egressCluster));
  return {
    name: outboundRouteName(port),
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
    // Always on for sidecars (Istio): ports are only in domains for proxyless gRPC clients.
    ignore_port_in_host_matching: true,
  };
}

/**
 * Istio's getVirtualHostsForSniffedServicePort: of the port's virtual hosts, those with a domain
 * that is the route name (`HOST:PORT`) or the host; a single one answers every Host (`*`), since
 * the listener it serves is reached only through this service's address.
 */
export function virtualHostsForSniffedServicePort(vhosts: readonly EnvoyJson[], hostname: string, port: number): EnvoyJson[] {
  const routeName = sniffedRouteName(hostname, port);
  const out = vhosts.filter((vh) => ((vh.domains as string[] | undefined) ?? []).some((d) => d === routeName || d === hostname));
  if (out.length === 1) return [{ ...out[0]!, domains: ['*'] }];
  return out;
}

/**
 * `buildSidecarSniffedRoutes(proxy, push, 'customers.default.svc.cluster.local', 80)`: the
 * RouteConfiguration `customers.default.svc.cluster.local:80` of the sniffed listener on that
 * service's address. VirtualService routing applies as on the shared `80`; there is no catch-all
 * virtual host (Istio adds it only to the per-port configuration), so a service without an HTTP
 * virtual host here gets none and its requests are answered 404 by the proxy.
 */
export function buildSidecarSniffedRoutes(proxy: Proxy, push: PushContext, hostname: string, port: number): EnvoyJson {
  const all = buildSidecarOutboundVirtualHosts(proxy, push, port, sidecarServices(proxy, push));
  return {
    name: sniffedRouteName(hostname, port),
    virtual_hosts: sortByName(virtualHostsForSniffedServicePort(all, hostname, port)),
    validate_clusters: false,
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
    ignore_port_in_host_matching: true,
  };
}
