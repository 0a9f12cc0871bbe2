/**
 * TCP proxy network filters for VirtualService tcp/tls routes and plain service ports (Istio's
 * networkfilter.go): one destination becomes `cluster`, several become `weighted_clusters`.
 */
import { parseGoDuration } from '../../api/validation/durations.js';
import type { TCPRoute } from '../../model/config-types.js';
import { resolveShortName } from '../../model/host.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { outboundClusterName } from '../names.js';
import { buildAccessLog } from './access-log.js';
import { tcpProxyFilter } from './envoy-json.js';

export type RouteDestination = NonNullable<TCPRoute['route']>[number];

/** Where a route's config came from, for hosts (resolved in its namespace) and weighted stat prefixes. */
export interface ConfigMeta {
  readonly name: string;
  readonly namespace: string;
}

/** A destination host as written, resolved to the FQDN Istio keys services by. */
export function destinationHost(host: string, meta: ConfigMeta, push: PushContext): string {
  return resolveShortName(host, meta.namespace, push.mesh.domainSuffix);
}

/**
 * Istio's GetDestinationCluster: the destination's port, else the service's only port, else the
 * listener's port; `outbound|PORT|SUBSET|HOST`.
 */
export function destinationCluster(dest: RouteDestination['destination'], meta: ConfigMeta, push: PushContext, listenerPort: number): string {
  const host = destinationHost(dest.host, meta, push);
  const service = push.serviceForHostname(host);
  let port = listenerPort;
  if (dest.port?.number !== undefined && dest.port.number > 0) port = dest.port.number;
  else if (service !== undefined && service.ports.length === 1) port = service.ports[0]!.port;
  return outboundClusterName(host, port, dest.subset ?? '');
}

/** connectionPool.tcp.idleTimeout of the DestinationRule for `host`, as a proto Duration. */
export function tcpIdleTimeout(proxy: Proxy, push: PushContext, host: string): string | undefined {
  const value = push.destinationRuleFor(proxy.namespace, host)?.spec.trafficPolicy?.connectionPool?.tcp?.idleTimeout;
  return value === undefined ? undefined : protoDuration(value);
}

/** A tcp_proxy to one cluster (stat prefix = cluster name). */
export function singleDestinationFilters(proxy: Proxy, push: PushContext, cluster: string, host: string): EnvoyJson[] {
  const idleTimeout = tcpIdleTimeout(proxy, push, host);
  return [tcpProxyFilter({ statPrefix: cluster, cluster, accessLog: buildAccessLog(push.mesh), ...(idleTimeout !== undefined ? { idleTimeout } : {}) })];
}

/**
 * Istio's buildOutboundNetworkFilters: a single route is one cluster; several are weighted
 * clusters with stat prefix `VSNAME.NAMESPACE` (routes with weight 0 left out).
 */
export function routeNetworkFilters(proxy: Proxy, push: PushContext, routes: readonly RouteDestination[], listenerPort: number, meta: ConfigMeta): EnvoyJson[] {
  const first = routes[0]!;
  const firstHost = destinationHost(first.destination.host, meta, push);
  const weighted = routes
    .filter((r) => (r.weight ?? 0) > 0)
    .map((r) => ({ name: destinationCluster(r.destination, meta, push, listenerPort), weight: r.weight ?? 0 }));
  if (routes.length === 1 || weighted.length === 0) {
    return singleDestinationFilters(proxy, push, destinationCluster(first.destination, meta, push, listenerPort), firstHost);
  }
  const idleTimeout = tcpIdleTimeout(proxy, push, firstHost);
  return [
    tcpProxyFilter({
      statPrefix: `${meta.name}.${meta.namespace}`,
      cluster: weighted,
      accessLog: buildAccessLog(push.mesh),
      ...(idleTimeout !== undefined ? { idleTimeout } : {}),
    }),
  ];
}

/** A Go/Istio duration (`1h`, `90s`, `1.5s`) as a proto3 JSON Duration (`3600s`, `1.500s`); undefined when unparsable. */
export function protoDuration(value: string): string | undefined {
  const nanos = parseGoDuration(value);
  if (typeof nanos === 'string' || nanos < 0n) return undefined;
  const seconds = nanos / 1_000_000_000n;
  const frac = nanos % 1_000_000_000n;
  if (frac === 0n) return `${seconds}s`;
  return `${seconds}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}s`;
}
