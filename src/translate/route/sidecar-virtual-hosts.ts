/**
 * Which virtual hosts a sidecar's outbound route configuration for one port has, before their
 * domains are computed: Istio's BuildSidecarVirtualHostWrapper (pilot/pkg/networking/core/route/
 * route.go). Each VirtualService yields its routes for the services it names; every other HTTP
 * service on the port gets a default route to its cluster.
 */
import type { EnvoyJson } from '../generated.js';
import type { VirtualService } from '../../model/config-types.js';
import { compareHostSpecificity, hostsIntersect, isWildcard } from '../../model/host.js';
import { isHttpProtocol } from '../../model/protocol.js';
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import { MESH_GATEWAY } from '../../model/push-context.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../model/service.js';
import { outboundClusterName } from '../names.js';
import { consistentHashToHashPolicy, hashesForVirtualService, hashForService } from './hash-policy.js';
import { buildHTTPRoutesForVirtualService } from './http-route.js';
import { applyTimeout } from './route-action.js';
import { useGatewaySemantics } from './route-context.js';
import type { RouteContext } from './route-context.js';
import { convertRetryPolicy } from './retry-policy.js';
import { SnapshotInterner } from '../snapshot-interner.js';

export interface VirtualHostWrapper {
  /** The service port the virtual host is for (the listener port here). */
  readonly port: number;
  /** Registry services the routes serve; each becomes a virtual host with all its domains. */
  readonly services: readonly Service[];
  /** VirtualService hosts that are no registry service (`www.example.com`): a virtual host with that one name. */
  readonly virtualServiceHosts: readonly string[];
  readonly routes: readonly EnvoyJson[];
}

/** Istio's Protocol.IsHTTPOrSniffed: HTTP, or unknown (Istio sniffs it, so it may turn out HTTP). */
export function isHttpOrSniffed(p: Protocol): boolean {
  return isHttpProtocol(p) || p === 'UNSUPPORTED';
}

/** Istio's telemetry.TraceOperation. */
export function traceOperation(hostname: string, port: number): string {
  return `${hostname}:${port}/*`;
}

/** Istio's BuildDefaultHTTPOutboundRoute: everything to the service's cluster, no timeout, the default retries. */
export function buildDefaultOutboundRoute(cluster: string, operation: string): EnvoyJson {
  const action: EnvoyJson = { cluster };
  action.retry_policy = convertRetryPolicy(undefined, false);
  applyTimeout(action, undefined, null);
  return { name: 'default', match: { prefix: '/' }, decorator: { operation }, route: action };
}

/**
 * Default routes, one object per content for every class and the next snapshot: every
 * namespace's route configurations hold one for each service without a VirtualService, so
 * they are most of a snapshot's routes, and an unchanged one is then fingerprinted by the ADS
 * server once, not again in every class and snapshot (snapshot-interner.ts).
 */
const DEFAULT_ROUTES = new SnapshotInterner<EnvoyJson>();

/** buildDefaultOutboundRoute with the service's consistent-hash policy (DestinationRule), shared and frozen. */
export function defaultOutboundRoute(push: PushContext, cluster: string, operation: string, hashPolicy: EnvoyJson | undefined): EnvoyJson {
  return DEFAULT_ROUTES.intern(push, JSON.stringify([cluster, operation, hashPolicy ?? null]), () => {
    const route = buildDefaultOutboundRoute(cluster, operation);
    if (hashPolicy !== undefined) (route.route as EnvoyJson).hash_policy = [hashPolicy];
    return route;
  });
}

/**
 * Istio's computeWildcardHostVirtualServiceIndex: for each service, the VirtualService whose
 * host names it most specifically (an exact host first, else the most specific wildcard; the
 * oldest VirtualService among equals). Wildcard VirtualServices then only claim the services no
 * more specific VirtualService claims, so a service is never routed by two of them.
 */
export function mostSpecificVirtualServiceIndex(virtualServices: readonly VirtualService[], services: readonly Service[]): Map<string, VirtualService> {
  const exact = new Map<string, VirtualService>();
  const wildcard = new Map<string, VirtualService>();
  for (const vs of virtualServices) {
    for (const h of vs.spec.hosts ?? []) {
      const host = h.toLowerCase();
      const index = isWildcard(host) ? wildcard : exact;
      if (!index.has(host)) index.set(host, vs);
    }
  }
  const out = new Map<string, VirtualService>();
  for (const svc of services) {
    const direct = isWildcard(svc.hostname) ? wildcard.get(svc.hostname) : exact.get(svc.hostname);
    if (direct !== undefined) {
      out.set(svc.hostname, direct);
      continue;
    }
    const needle = isWildcard(svc.hostname) ? svc.hostname.slice(1) : svc.hostname;
    let best: string | undefined;
    for (const h of wildcard.keys()) {
      if (!needle.endsWith(h.slice(1))) continue;
      if (best === undefined || compareHostSpecificity(h, best) < 0) best = h;
    }
    if (best !== undefined) out.set(svc.hostname, wildcard.get(best)!);
  }
  return out;
}

/** Istio's selectVirtualServices: VirtualServices naming at least one of the port's services. */
export function selectVirtualServices(virtualServices: readonly VirtualService[], servicesByName: ReadonlyMap<string, Service>): VirtualService[] {
  const wildcardServiceHosts = [...servicesByName.keys()].filter(isWildcard);
  return virtualServices.filter((vs) =>
    (vs.spec.hosts ?? []).some((raw) => {
      const h = raw.toLowerCase();
      if (servicesByName.has(h)) return true;
      const candidates = isWildcard(h) ? [...servicesByName.keys()] : wildcardServiceHosts;
      return candidates.some((s) => hostsIntersect(h, s));
    }),
  );
}

/** Istio's separateVSHostsAndServices: a VirtualService's hosts split into registry services and other names. */
function separateHostsAndServices(
  vs: VirtualService,
  servicesByName: ReadonlyMap<string, Service>,
  index: ReadonlyMap<string, VirtualService>,
): { hosts: string[]; services: Service[] } {
  const hosts: string[] = [];
  const services: Service[] = [];
  const wildcards: string[] = [];
  for (const raw of vs.spec.hosts ?? []) {
    const h = raw.toLowerCase();
    if (isWildcard(h)) wildcards.push(h);
    else if (servicesByName.has(h)) services.push(servicesByName.get(h)!);
    else hosts.push(h);
  }
  for (const h of wildcards) {
    // Gateway API (mesh) routes keep wildcard hosts as names; they never claim registry services.
    if (useGatewaySemantics(vs)) {
      hosts.push(h);
      continue;
    }
    let found = false;
    for (const [svcHost, svc] of servicesByName) {
      if (!hostsIntersect(svcHost, h)) continue;
      found = true;
      if (index.get(svcHost) !== vs) continue;
      services.push(svc);
    }
    if (!found) hosts.push(h);
  }
  return { hosts, services };
}

export interface SidecarVirtualHostInput {
  readonly proxy: Proxy;
  readonly push: PushContext;
  readonly listenPort: number;
  /** Services in the proxy's scope (all ports). */
  readonly services: readonly Service[];
  /** VirtualServices in scope, resolved and merged, oldest first. */
  readonly virtualServices: readonly VirtualService[];
  /**
   * For the HTTP proxy route configuration (listener port 0 in Istio): no port-80 exception, so
   * only VirtualServices naming a service of the port are used, as Istio's selectVirtualServices.
   */
  readonly httpProxy?: boolean;
}

/**
 * Istio's BuildSidecarVirtualHostWrapper (with the service narrowing of
 * BuildSidecarOutboundVirtualHosts): VirtualService wrappers first, in order, then a default
 * wrapper per remaining service, by hostname.
 */
export function buildSidecarVirtualHostWrappers(input: SidecarVirtualHostInput): VirtualHostWrapper[] {
  const { proxy, push, listenPort } = input;
  // The port's view of the registry: services with the listener port, narrowed to that port.
  const servicesByName = new Map<string, Service>();
  for (const svc of input.services) {
    const port = svc.ports.find((p) => p.port === listenPort);
    if (port !== undefined && !servicesByName.has(svc.hostname)) servicesByName.set(svc.hostname, { ...svc, ports: [port] });
  }
  const index = mostSpecificVirtualServiceIndex(input.virtualServices, input.services);
  // Istio keeps every VirtualService on port 80 (to reach non-registry hosts like www.example.com).
  const port80Hack = listenPort === 80 && input.httpProxy !== true;
  const virtualServices = port80Hack ? input.virtualServices : selectVirtualServices(input.virtualServices, servicesByName);

  const out: VirtualHostWrapper[] = [];
  for (const vs of virtualServices) {
    const hashes = hashesForVirtualService(proxy, push, vs.spec.http ?? []);
    const ctx: RouteContext = {
      proxy,
      listenPort,
      gatewayNames: new Set([MESH_GATEWAY]),
      isTls: false,
      lookupService: (h) => servicesByName.get(h),
      lookupHash: (dst) => hashes.get(dst),
    };
    const routes = buildHTTPRoutesForVirtualService(vs, ctx);
    if (routes.length === 0) continue;
    const separated = separateHostsAndServices(vs, servicesByName, index);
    const { hosts } = separated;
    let { services } = separated;
    if (useGatewaySemantics(vs)) {
      // Gateway API mesh routes apply to services in their namespace, or to proxies in it.
      services = services.filter((s) => s.namespace === vs.metadata.namespace || proxy.namespace === vs.metadata.namespace);
      if (services.length === 0) continue;
    }
    const httpServices = services.filter((s) => s.ports.some((p) => isHttpOrSniffed(p.protocol)));
    // Services were narrowed to the listener port, so they group under it; with none, only port 80
    // keeps the VirtualService (for its non-registry hosts), as Istio's "gross hack" does.
    if (httpServices.length > 0 || port80Hack) {
      out.push({ port: listenPort, services: httpServices, virtualServiceHosts: hosts, routes });
    }
  }

  const claimed = new Set(out.flatMap((w) => w.services.map((s) => s.hostname)));
  const rest = [...servicesByName.values()].filter((s) => !claimed.has(s.hostname)).sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  for (const svc of rest) {
    const port = svc.ports[0]!;
    if (!isHttpOrSniffed(port.protocol)) continue;
    const hp = consistentHashToHashPolicy(hashForService(push.destinationRuleFor(proxy.namespace, svc.hostname), port.port));
    const route = defaultOutboundRoute(push, outboundClusterName(svc.hostname, port.port), traceOperation(svc.hostname, port.port), hp);
    out.push({ port: port.port, services: [svc], virtualServiceHosts: [], routes: [route] });
  }
  return out;
}
