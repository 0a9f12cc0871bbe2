/**
 * Outbound clusters, istiod's buildOutboundClusters + applyDestinationRule + buildSubsetCluster:
 * for each service port, `outbound|PORT||HOST` and one `outbound|PORT|SUBSET|HOST` per
 * DestinationRule subset, each with the traffic policy merged for it (traffic-policy.ts).
 */
import type { DestinationRule } from '../../model/config-types.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service, ServicePort } from '../../model/service.js';
import { groupByLocality, selectEndpoints } from '../endpoint/locality-endpoints.js';
import type { EnvoyJson } from '../generated.js';
import { outboundClusterName } from '../names.js';
import { perServiceMemo } from '../per-service-memo.js';
import { proxyAttributesKey } from '../proxy-class.js';
import { SnapshotInterner } from '../snapshot-interner.js';
import type { TrafficPolicyContext } from './apply-traffic-policy.js';
import { applyTrafficPolicy, maybeApplyEdsConfig } from './apply-traffic-policy.js';
import { buildBaseCluster, discoveryType } from './base-cluster.js';
import type { ClusterType } from './cluster-draft.js';
import { clusterType, finishCluster } from './cluster-draft.js';
import { addConfigMetadata, addExternalMetadata, addServicesMetadata } from './cluster-metadata.js';
import { mergeSubsetPolicy, portLevelPolicy } from './traffic-policy.js';

type SubsetSpec = NonNullable<DestinationRule['spec']['subsets']>[number];

/**
 * Clusters by content and proxy attributes, across snapshots (snapshot-interner.ts): a cluster
 * that came out the same as in the previous snapshot is the very object sent then, so the ADS
 * server sees it unchanged by identity, for every proxy, without comparing fingerprints. Proxies
 * of other attributes (routers of another deployment) keep objects of their own, as within a
 * snapshot (per-service-memo.ts).
 */
const CLUSTERS = new SnapshotInterner<EnvoyJson>();

/** A service's clusters are built once per snapshot for every proxy that resolves the same rule (per-service-memo.ts). */
export function buildOutboundClusters(proxy: Proxy, push: PushContext, services: readonly Service[]): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  const attributes = `clusters\n${proxyAttributesKey(proxy, push)}`;
  for (const service of services) {
    const dr = push.destinationRuleFor(proxy.namespace, service.hostname);
    out.push(...perServiceMemo(push, service, dr, attributes, () => serviceClusters(proxy, push, service, dr).map((c) => CLUSTERS.intern(push, `${attributes}\n${JSON.stringify(c)}`, () => c))));
  }
  return out;
}

function serviceClusters(proxy: Proxy, push: PushContext, service: Service, dr: DestinationRule | undefined): EnvoyJson[] {
  const out: EnvoyJson[] = [];
  for (const port of service.ports) {
    if (port.protocol === 'UDP') continue; // Envoy proxies no UDP
    out.push(...servicePortClusters(proxy, push, service, port, dr));
  }
  return out;
}

function policyContext(proxy: Proxy, push: PushContext, service: Service, dr: DestinationRule | undefined): TrafficPolicyContext {
  return {
    direction: 'outbound',
    mesh: push.mesh,
    proxyLocality: proxy.locality,
    proxyLabels: proxy.labels,
    tls: {
      sidecar: proxy.type === 'sidecar',
      drHasWorkloadSelector: dr?.spec.workloadSelector !== undefined,
      meshExternal: service.meshExternal,
      autoMtls: push.mesh.enableAutoMtls,
    },
  };
}

/** Inline endpoints for STATIC / DNS clusters (EDS and ORIGINAL_DST have none). */
function inlineEndpoints(push: PushContext, service: Service, port: ServicePort, type: ClusterType, subsetLabels?: Readonly<Record<string, string>>): EnvoyJson[] {
  if (type === 'EDS' || type === 'ORIGINAL_DST') return [];
  const eps = selectEndpoints(push.endpointsOf(service.hostname, port.port, service.namespace), { subsetLabels, requireIp: type === 'STATIC' });
  return groupByLocality(eps).map((g) => g.json);
}

function servicePortClusters(proxy: Proxy, push: PushContext, service: Service, port: ServicePort, dr: DestinationRule | undefined): EnvoyJson[] {
  const name = outboundClusterName(service.hostname, port.port);
  const type = discoveryType(service, proxy);
  const base = buildBaseCluster({ name, type, localityLbEndpoints: inlineEndpoints(push, service, port, type), protocol: port.protocol, proxy });
  if (base === undefined) return [];
  addServicesMetadata(base.cluster, [service]);

  const ctx = policyContext(proxy, push, service, dr);
  applyTrafficPolicy(base, portLevelPolicy(dr?.spec.trafficPolicy, port.port).policy, ctx);
  maybeApplyEdsConfig(base);
  if (service.meshExternal) addExternalMetadata(base.cluster);
  if (dr !== undefined) addConfigMetadata(base.cluster, dr);
  // Subsets start from the service cluster's type as the DR left it (a top-level PASSTHROUGH
  // makes every subset ORIGINAL_DST too).
  const baseType = clusterType(base);
  const out = [finishCluster(base)];
  for (const subset of dr?.spec.subsets ?? []) {
    if (!subset.name) continue; // validation requires a name
    const c = subsetCluster(proxy, push, service, port, dr!, subset, baseType, ctx);
    if (c !== undefined) out.push(c);
  }
  return out;
}

function subsetCluster(
  proxy: Proxy,
  push: PushContext,
  service: Service,
  port: ServicePort,
  dr: DestinationRule,
  subset: SubsetSpec,
  baseType: ClusterType,
  ctx: TrafficPolicyContext,
): EnvoyJson | undefined {
  const subsetName = subset.name ?? '';
  const name = outboundClusterName(service.hostname, port.port, subsetName);
  const subsetPolicy = subset.trafficPolicy as DestinationRule['spec']['trafficPolicy'];
  const passthrough = (subsetPolicy as { loadBalancer?: { simple?: string } } | undefined)?.loadBalancer?.simple === 'PASSTHROUGH';
  const type: ClusterType = passthrough ? 'ORIGINAL_DST' : baseType;
  const endpoints = inlineEndpoints(push, service, port, type, subset.labels);
  const d = buildBaseCluster({ name, type, localityLbEndpoints: endpoints, protocol: port.protocol, proxy });
  if (d === undefined) return undefined;
  addServicesMetadata(d.cluster, [service]);
  applyTrafficPolicy(d, mergeSubsetPolicy(dr.spec.trafficPolicy, subsetPolicy, port.port), ctx);
  maybeApplyEdsConfig(d);
  addConfigMetadata(d.cluster, dr, subsetName);
  return finishCluster(d);
}
