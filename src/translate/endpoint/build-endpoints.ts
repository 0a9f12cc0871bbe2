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
import type { Service } from '../../model/service.js';
import { effectivePolicy, findSubset } from '../cluster/traffic-policy.js';
import type { EnvoyJson } from '../generated.js';
import { sortByName } from '../generated.js';
import { parseSubsetKey } from '../names.js';
import { servicesInScope } from '../sidecar-scope.js';
import { groupByLocality, selectEndpoints } from './locality-endpoints.js';
import { applyLocalityLbSetting, effectiveLocalityLbSetting } from './locality-lb.js';

export function buildEndpoints(proxy: Proxy, push: PushContext, clusterNames: readonly string[]): EnvoyJson[] {
  const scope = new Map(servicesInScope(proxy, push).map((s) => [s.hostname, s]));
  const unique = [...new Set(clusterNames)];
  return sortByName(unique.map((name) => loadAssignment(name, proxy, push, scope)));
}

function emptyAssignment(name: string): EnvoyJson {
  return { cluster_name: name, endpoints: [] };
}

function loadAssignment(name: string, proxy: Proxy, push: PushContext, scope: ReadonlyMap<string, Service>): EnvoyJson {
  const key = parseSubsetKey(name);
  if (key === null || key.direction !== 'outbound') return emptyAssignment(name);
  const service = scope.get(key.hostname);
  // A service that became DNS while the proxy still watches its EDS cluster: nothing to send.
  if (service === undefined || service.resolution === 'DNSLB' || service.resolution === 'DNSRoundRobinLB') return emptyAssignment(name);
  const port = service.ports.find((p) => p.port === key.port);
  if (port === undefined) return emptyAssignment(name);

  const memo = assignmentsOf(push);
  const memoKey = `${proxy.namespace}\n${name}`;
  const known = memo.get(memoKey);
  if (known !== undefined) return known;

  const dr = push.destinationRuleFor(proxy.namespace, service.hostname);
  // An unknown subset name selects no labels (every endpoint), as istiod's getSubSetLabels.
  const subset = findSubset(dr?.spec, key.subset);
  const endpoints = selectEndpoints(push.endpointsOf(service.hostname, port.port, service.namespace), { subsetLabels: subset?.labels, requireIp: true });
  let groups = groupByLocality(endpoints);
  if (groups.length === 0) return emptyAssignment(name);

  const policy = effectivePolicy(dr?.spec, port.port, key.subset);
  const setting = effectiveLocalityLbSetting(policy?.loadBalancer?.localityLbSetting);
  if (setting !== undefined) {
    // Failover needs outlier detection, or Envoy would never see a priority fail.
    groups = applyLocalityLbSetting(groups, proxy.locality, proxy.labels, setting, policy?.outlierDetection !== undefined);
  }
  const assignment = { cluster_name: name, endpoints: groups.map((g) => g.json) };
  // Without locality LB, an assignment depends only on the snapshot, the cluster and the proxy's
  // namespace (its DestinationRule): every proxy of the namespace shares it.
  if (setting === undefined) memo.set(memoKey, assignment);
  return assignment;
}

/**
 * Assignments already built from one snapshot, by proxy namespace and cluster name: an
 * endpoints push to N proxies builds each assignment once instead of N times (Istio's EDS cache).
 * Keyed by the snapshot, which is immutable, so an entry never goes stale and goes with it.
 */
const ASSIGNMENTS = new WeakMap<PushContext, Map<string, EnvoyJson>>();

function assignmentsOf(push: PushContext): Map<string, EnvoyJson> {
  let memo = ASSIGNMENTS.get(push);
  if (memo === undefined) ASSIGNMENTS.set(push, (memo = new Map()));
  return memo;
}
