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

/**
 * `outbound`: the proxy's outbound clusters when already built, sorted and unique by name
 * (shared by its class, class-share.ts): only the proxy's own few clusters are sorted then.
 */
export function buildClusters(proxy: Proxy, push: PushContext, outbound?: readonly EnvoyJson[]): EnvoyJson[] {
  const own = [buildBlackHoleCluster(push.mesh)];
  if (proxy.type === 'sidecar') {
    own.push(buildPassthroughCluster(push.mesh));
    own.push(...buildInboundClusters(proxy, push));
    own.push(buildInboundPassthroughCluster(push.mesh));
  }
  if (outbound === undefined) return uniqueByName(sortByName([...buildOutboundClusters(proxy, push, servicesInScope(proxy, push)), ...own]));
  return mergeByName(outbound, uniqueByName(sortByName(own)));
}

/** Sorted `clusters` without the later ones of a name (the first cluster of a name wins, as normalizeClusters). */
export function uniqueByName(sorted: EnvoyJson[]): EnvoyJson[] {
  return sorted.filter((c, i) => i === 0 || c.name !== sorted[i - 1]!.name);
}

/** Two sorted, unique lists as one; on a name in both, `first`'s cluster wins. */
function mergeByName(first: readonly EnvoyJson[], second: readonly EnvoyJson[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  let j = 0;
  for (const c of first) {
    const name = String(c.name);
    while (j < second.length && String(second[j]!.name) < name) out.push(second[j++]!);
    if (j < second.length && second[j]!.name === c.name) j++;
    out.push(c);
  }
  while (j < second.length) out.push(second[j++]!);
  return out;
}

/** The names of the EDS clusters among `clusters`: what the proxy will ask EDS for. */
export function edsClusterNames(clusters: readonly EnvoyJson[]): string[] {
  return clusters.filter((c) => c.type === 'EDS').map((c) => String(c.name));
}
