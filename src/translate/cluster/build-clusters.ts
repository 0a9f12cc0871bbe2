/**
 * CDS for one proxy, as istiod's ConfigGeneratorImpl.BuildClusters (cluster.go):
 *
 *   sidecar:  outbound clusters of the services in its scope (sidecar-scope.ts)
 *             + BlackHoleCluster + PassthroughCluster
 *             + inbound clusters of the ports its workload serves + InboundPassthroughCluster
 *   router:   outbound clusters of every visible service + BlackHoleCluster (gateways have no
 *             original-destination listeners, so no PassthroughCluster)
 *
 * Names are unique (the first cluster of a name wins, as normalizeClusters) and the result is
 * sorted by name.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { sortByName } from '../generated.js';
import { servicesInScope } from '../sidecar-scope.js';
import { buildInboundClusters } from './inbound-clusters.js';
import { buildOutboundClusters } from './outbound-clusters.js';
import { buildBlackHoleCluster, buildInboundPassthroughCluster, buildPassthroughCluster } from './special-clusters.js';

export function buildClusters(proxy: Proxy, push: PushContext): EnvoyJson[] {
  const clusters = buildOutboundClusters(proxy, push, servicesInScope(proxy, push));
  clusters.push(buildBlackHoleCluster(push.mesh));
  if (proxy.type === 'sidecar') {
    clusters.push(buildPassthroughCluster(push.mesh));
    clusters.push(...buildInboundClusters(proxy, push));
    clusters.push(buildInboundPassthroughCluster(push.mesh));
  }
  const seen = new Set<string>();
  const unique = clusters.filter((c) => {
    const name = String(c.name);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
  return sortByName(unique);
}

/** The names of the EDS clusters among `clusters`: what the proxy will ask EDS for. */
export function edsClusterNames(clusters: readonly EnvoyJson[]): string[] {
  return clusters.filter((c) => c.type === 'EDS').map((c) => String(c.name));
}
