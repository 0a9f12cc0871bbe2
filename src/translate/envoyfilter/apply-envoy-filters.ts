/**
 * EnvoyFilter, applied to what translation generated for one proxy: istiod's envoyfilter package
 * run over our Envoy JSON. Each resource is patched in the context istiod builds it in — for a
 * sidecar, inbound listeners (virtualInbound), their inline route configurations and inbound
 * clusters in SIDECAR_INBOUND and the rest in SIDECAR_OUTBOUND; for a gateway, everything in
 * GATEWAY — and in istiod's order: route configurations inside inbound listeners before the
 * listener patches, as istiod patches them while building the listener.
 *
 * Pure: the input is never written to. When no EnvoyFilter patch applies to the proxy the very
 * same object comes back, so callers can cache by identity.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { serviceTargets } from '../service-targets.js';
import type { EnvoyJson, ProxyResources } from '../generated.js';
import { sortByName } from '../generated.js';
import { INBOUND_PASSTHROUGH_CLUSTER } from '../names.js';
import { HCM_FILTER_NAME } from './envoy-filter-spec.js';
import { insertedClusters, patchCluster } from './cluster-patch.js';
import { patchListeners } from './listener-patch.js';
import type { PatchRun, ResourceContext } from './patch-support.js';
import { parseSubsetKey } from './patch-support.js';
import { cloneJson, isObject } from './proto-merge.js';
import { patchRouteConfiguration } from './route-patch.js';
import { selectEnvoyFilters } from './select-envoy-filters.js';

export interface EnvoyFilterOutcome {
  readonly resources: ProxyResources;
  /** The EnvoyFilters attached to the proxy (`namespace/name`), in application order. */
  readonly applied: readonly string[];
  /** Patches skipped or not supported, each naming its EnvoyFilter. */
  readonly warnings: readonly string[];
}

/** The proxy's resources with the EnvoyFilters that select it applied; `resources` itself when none does. */
export function applyEnvoyFilters(proxy: Proxy, push: PushContext, resources: ProxyResources): ProxyResources {
  return applyEnvoyFiltersWithReport(proxy, push, resources).resources;
}

/** applyEnvoyFilters, also saying which EnvoyFilters applied and which patches were skipped and why. */
export function applyEnvoyFiltersWithReport(proxy: Proxy, push: PushContext, resources: ProxyResources): EnvoyFilterOutcome {
  const selected = selectEnvoyFilters(proxy, push);
  if (selected === undefined) return { resources, applied: [], warnings: [] };
  const warnings = [...selected.warnings];
  if (selected.patches.size === 0) return { resources, applied: selected.filters, warnings };
  const run: PatchRun = { patches: selected.patches, warnings };
  const gateway = proxy.type === 'router';

  const allListeners = cloneJson(resources.listeners) as EnvoyJson[];
  let listeners: EnvoyJson[];
  if (gateway) listeners = patchListeners('GATEWAY', run, allListeners);
  else {
    const inbound = allListeners.filter((l) => l.traffic_direction === 'INBOUND');
    const outbound = allListeners.filter((l) => l.traffic_direction !== 'INBOUND');
    for (const lis of inbound) for (const rc of inlineRouteConfigs(lis)) patchRouteConfiguration('SIDECAR_INBOUND', run, rc);
    listeners = [...patchListeners('SIDECAR_INBOUND', run, inbound), ...patchListeners('SIDECAR_OUTBOUND', run, outbound)];
  }

  const routes = cloneJson(resources.routes) as EnvoyJson[];
  for (const rc of routes) patchRouteConfiguration(gateway ? 'GATEWAY' : 'SIDECAR_OUTBOUND', run, rc);

  const clusters: EnvoyJson[] = [];
  let inboundHosts: Map<number, string[]> | undefined;
  const hostsOf = (cluster: EnvoyJson): string[] => {
    const key = parseSubsetKey(String(cluster.name ?? ''));
    if (key.direction !== 'inbound') return [];
    inboundHosts ??= servedHostsByPort(proxy, push);
    return inboundHosts.get(key.port) ?? [];
  };
  for (const cluster of cloneJson(resources.clusters) as EnvoyJson[]) {
    const patched = patchCluster(clusterContext(proxy, cluster), run, cluster, hostsOf(cluster));
    if (patched !== null) clusters.push(patched);
  }
  const addContexts: ResourceContext[] = gateway ? ['GATEWAY'] : ['SIDECAR_OUTBOUND', 'SIDECAR_INBOUND'];
  for (const ctx of addContexts) clusters.push(...insertedClusters(ctx, run));

  return {
    resources: {
      listeners: sortByName(listeners),
      routes: sortByName(routes),
      clusters: sortByName(clusters),
      endpoints: resources.endpoints,
      secrets: resources.secrets,
    },
    applied: selected.filters,
    warnings,
  };
}

function clusterContext(proxy: Proxy, cluster: EnvoyJson): ResourceContext {
  if (proxy.type === 'router') return 'GATEWAY';
  const name = String(cluster.name ?? '');
  return name.startsWith('inbound|') || name === INBOUND_PASSTHROUGH_CLUSTER ? 'SIDECAR_INBOUND' : 'SIDECAR_OUTBOUND';
}

/** The services the workload serves, by the port its inbound cluster is named after. */
function servedHostsByPort(proxy: Proxy, push: PushContext): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const t of serviceTargets(proxy, push)) {
    const list = out.get(t.targetPort) ?? [];
    if (!list.includes(t.service.hostname)) list.push(t.service.hostname);
    out.set(t.targetPort, list);
  }
  return out;
}

/** The route configurations inside a listener's HTTP connection managers (inbound ones are inline). */
function inlineRouteConfigs(lis: EnvoyJson): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const chains = [...(Array.isArray(lis.filter_chains) ? (lis.filter_chains as EnvoyJson[]) : []), ...(isObject(lis.default_filter_chain) ? [lis.default_filter_chain] : [])];
  for (const fc of chains) {
    for (const f of Array.isArray(fc.filters) ? (fc.filters as EnvoyJson[]) : []) {
      if (f.name !== HCM_FILTER_NAME || !isObject(f.typed_config)) continue;
      const rc = f.typed_config.route_config;
      if (isObject(rc)) out.push(rc);
    }
  }
  return out;
}
