/**
 * EDS for one proxy, as istiod's EndpointBuilder.BuildClusterLoadAssignment
 * (pilot/pkg/xds/endpoints): one ClusterLoadAssignment per requested cluster name
 * (`outbound|PORT|SUBSET|HOST`) with the service port's healthy endpoints, filtered by the
 * subset's labels, grouped by locality (weights summed), and — when the DestinationRule's (or the
 * mesh's default) locality LB setting applies and the proxy's locality is known — reweighted or
 * given failover priorities (locality-lb.ts). Names that are not an outbound cluster of a service
 * the proxy can see, or a port it does not have, get an empty assignment, as do DNS services
 * (their endpoints are in the cluster) and subsets with no endpoints.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { DestinationRule } from '../../model/config-types.js';
import type { Service, ServicePort } from '../../model/service.js';
import { perServiceMemo } from '../per-service-memo.js';
import { proxyAttributesKey } from '../proxy-class.js';
import { effectivePolicy, findSubset } from '../cluster/traffic-policy.js';
import type { EnvoyJson } from '../generated.js';
import { parseSubsetKey } from '../names.js';
import { classShare } from '../class-share.js';
import { SnapshotInterner } from '../snapshot-interner.js';
import { groupByLocality, selectEndpoints } from './locality-endpoints.js';
import { applyLocalityLbSetting, effectiveLocalityLbSetting } from './locality-lb.js';

/**
 * Assignments are built once per proxy class and snapshot (class-share.ts): every proxy of the
 * class gets the same objects. `reuse`, for an endpoints-only push, answers the assignments that
 * cannot have changed (their service's endpoints did not move) from what the proxy has already.
 */
export function buildEndpoints(proxy: Proxy, push: PushContext, clusterNames: readonly string[], reuse?: (name: string) => EnvoyJson | undefined): EnvoyJson[] {
  const share = classShare(proxy, push);
  const attributes = `endpoints\n${proxyAttributesKey(proxy, push)}`;
  const unique = isSortedUnique(clusterNames) ? clusterNames : [...new Set(clusterNames)].sort();
  return unique.map((name) => reuse?.(name) ?? share.endpoint(name, () => loadAssignment(name, proxy, push, share.servicesByHost, attributes)));
}

function isSortedUnique(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return false;
  return true;
}

function emptyAssignment(name: string): EnvoyJson {
  return { cluster_name: name, endpoints: [] };
}

/**
 * Assignments by content and proxy attributes, across snapshots (snapshot-interner.ts): one that
 * came out as in the previous snapshot is the very object sent then, which the ADS server sees as
 * unchanged by identity. Proxies of other attributes keep objects of their own (per-service-memo.ts).
 */
const ASSIGNMENTS = new SnapshotInterner<EnvoyJson>();

function loadAssignment(name: string, proxy: Proxy, push: PushContext, scope: ReadonlyMap<string, Service>, attributes: string): EnvoyJson {
  const key = parseSubsetKey(name);
  if (key === null || key.direction !== 'outbound') return emptyAssignment(name);
  const service = scope.get(key.hostname);
  // A service that became DNS while the proxy still watches its EDS cluster: nothing to send.
  if (service === undefined || service.resolution === 'DNSLB' || service.resolution === 'DNSRoundRobinLB') return emptyAssignment(name);
  const port = service.ports.find((p) => p.port === key.port);
  if (port === undefined) return emptyAssignment(name);

  const dr = push.destinationRuleFor(proxy.namespace, service.hostname);
  return perServiceMemo(push, service, dr, `${attributes}\n${name}`, () => {
    const built = serviceLoadAssignment(name, key.subset, proxy, push, service, port, dr);
    return ASSIGNMENTS.intern(push, `${attributes}\n${JSON.stringify(built)}`, () => built);
  });
}

function serviceLoadAssignment(name: string, subsetName: string, proxy: Proxy, push: PushContext, service: Service, port: ServicePort, dr: DestinationRule | undefined): EnvoyJson {
  // An unknown subset name selects no labels (every endpoint), as istiod's getSubSetLabels.
  const subset = findSubset(dr?.spec, subsetName);
  const endpoints = selectEndpoints(push.endpointsOf(service.hostname, port.port, service.namespace), { subsetLabels: subset?.labels, requireIp: true });
  let groups = groupByLocality(endpoints);
  if (groups.length === 0) return emptyAssignment(name);

  const policy = effectivePolicy(dr?.spec, port.port, subsetName);
  const setting = effectiveLocalityLbSetting(policy?.loadBalancer?.localityLbSetting);
  if (setting !== undefined) {
    // Failover needs outlier detection, or Envoy would never see a priority fail.
    groups = applyLocalityLbSetting(groups, proxy.locality, proxy.labels, setting, policy?.outlierDetection !== undefined);
  }
  return { cluster_name: name, endpoints: groups.map((g) => g.json) };
}
