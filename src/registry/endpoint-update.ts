/**
 * An endpoint-only change applied to the previous registry instead of building a new one: when an
 * EndpointSlice or Endpoints object is added, modified or deleted, only the Kubernetes Services it
 * belongs to can get other endpoints, so only theirs are recomputed (by the same functions
 * kubeRegistry uses) and spliced into the previous sorted endpoint list. Everything else, the
 * services list included, is the previous registry's (same objects).
 *
 * Exact or nothing: whenever the result might differ from buildRegistry over the same store, the
 * answer is undefined and the caller builds the registry in full.
 */
import type { Resource } from '../api/resource/resource.js';
import { groupOf } from '../model/config-types.js';
import type { MeshConfig } from '../model/mesh-config.js';
import { kubeServiceHostname, type Endpoint, type Service } from '../model/service.js';
import type { Registry } from './build-registry.js';
import { kubeServiceEndpoints } from './kube-endpoints.js';
import { convertKubeService } from './kube-services.js';
import { compareStrings, indexRegistryResources, SERVICE_NAME_LABEL } from './registry-index.js';
import { sortEndpoints } from './registry-order.js';
import { kubeServiceWorkloadEntryEndpoints, workloadEntryInstance } from './workload-entries.js';

export interface EndpointUpdateInput {
  /** The registry built (in full or by this function) from the store as it was before the change. */
  readonly previous: Registry;
  /** Everything the store holds now. */
  readonly configs: readonly Resource[];
  /** The changed object, and its previous version when it was modified (a slice may have moved between services). */
  readonly changed: readonly Resource[];
  readonly mesh: MeshConfig;
}

export interface EndpointUpdate {
  readonly registry: Registry;
  /** Hostnames whose endpoints were recomputed (they may still be the same), sorted. */
  readonly hostnames: readonly string[];
}

/**
 * The registry after an endpoint-only change, or undefined when it cannot be computed exactly:
 * a changed object that is not an EndpointSlice/Endpoints; a Service it names that is not in the
 * store, or not in the previous registry, or converts differently now (the previous registry is
 * stale); a hostname that another service (a ServiceEntry, a Service elsewhere) also has, since
 * their endpoints share the hostname's place in the list.
 *
 * Why the rest stays valid: Services, ServiceEntries, WorkloadEntries and Pods did not change, and
 * nothing but a Service's own endpoints reads EndpointSlices or Endpoints (kubeServiceEndpoints,
 * through slicesFor/endpointsFor of that Service).
 */
export function updateServiceEndpoints(input: EndpointUpdateInput): EndpointUpdate | undefined {
  const { previous, mesh } = input;
  const touched = new Set<string>();
  for (const r of input.changed) {
    const key = owningServiceKey(r);
    if (key === undefined) return undefined;
    if (key !== null) touched.add(key);
  }
  // A slice without a service-name label belongs to no Service: no endpoint changes.
  if (touched.size === 0) return { registry: previous, hostnames: [] };

  // Only the touched Services with their slices and Endpoints, and every Pod (a targetRef may name
  // one in any namespace; a Service without slices selects Pods) and WorkloadEntry (selected by
  // Services), indexed as the full build indexes them.
  // (Names are compared before keys are built: this runs over every resource in the store.)
  const touchedNames = new Set([...touched].map((k) => k.slice(k.indexOf('/') + 1)));
  const relevant: Resource[] = [];
  for (const r of input.configs) {
    switch (r.kind) {
      case 'Pod':
        if (groupOf(r) === '') relevant.push(r);
        break;
      case 'Service':
      case 'Endpoints': {
        const name = r.metadata.name ?? '';
        if (touchedNames.has(name) && groupOf(r) === '' && touched.has(keyOf(r, name))) relevant.push(r);
        break;
      }
      case 'EndpointSlice': {
        const service = r.metadata.labels?.[SERVICE_NAME_LABEL];
        if (service !== undefined && touchedNames.has(service) && groupOf(r) === 'discovery.k8s.io' && touched.has(keyOf(r, service))) relevant.push(r);
        break;
      }
      case 'WorkloadEntry':
        if (groupOf(r) === 'networking.istio.io') relevant.push(r);
        break;
    }
  }
  const index = indexRegistryResources(relevant);
  if (index.services.length !== touched.size) return undefined;
  const workloadEntries = index.workloadEntries.map((we) => workloadEntryInstance(we, mesh.trustDomain)).filter((w) => w !== undefined);

  const segments = new Map<string, Endpoint[]>();
  for (const svc of index.services) {
    const { name, namespace } = svc.metadata;
    const hostname = kubeServiceHostname(name, namespace, mesh.domainSuffix);
    const [from, to] = rangeOf(previous.services, hostname, (s) => s.hostname);
    if (to - from !== 1) return undefined;
    const service = previous.services[from]!;
    if (service.source.kind !== 'Service' || service.source.namespace !== namespace || service.source.name !== name) return undefined;
    if (!sameService(service, convertKubeService(svc, mesh))) return undefined;
    const [first, end] = rangeOf(previous.endpoints, hostname, (e) => e.hostname);
    for (let i = first; i < end; i++) if (previous.endpoints[i]!.namespace !== namespace) return undefined;
    // In the order kubeRegistry produces them, then sorted stably as buildRegistry sorts.
    const endpoints = [...kubeServiceEndpoints(svc, service, index, mesh.trustDomain), ...kubeServiceWorkloadEntryEndpoints(svc, service, workloadEntries)];
    segments.set(hostname, sortEndpoints(endpoints));
  }

  const hostnames = [...segments.keys()].sort(compareStrings);
  const endpoints: Endpoint[] = [];
  let copied = 0;
  for (const hostname of hostnames) {
    const [first, end] = rangeOf(previous.endpoints, hostname, (e) => e.hostname);
    for (let i = copied; i < first; i++) endpoints.push(previous.endpoints[i]!);
    endpoints.push(...segments.get(hostname)!);
    copied = end;
  }
  for (let i = copied; i < previous.endpoints.length; i++) endpoints.push(previous.endpoints[i]!);
  return { registry: { services: previous.services, endpoints }, hostnames };
}

/**
 * `NAMESPACE/NAME` of the Service an EndpointSlice or Endpoints object belongs to; null for a slice
 * without the service-name label (it belongs to none); undefined for anything else.
 */
function owningServiceKey(r: Resource): string | null | undefined {
  const group = groupOf(r);
  if (group === 'discovery.k8s.io' && r.kind === 'EndpointSlice') {
    const service = r.metadata.labels?.[SERVICE_NAME_LABEL];
    return service === undefined ? null : keyOf(r, service);
  }
  if (group === '' && r.kind === 'Endpoints' && r.metadata.name !== undefined) return keyOf(r, r.metadata.name);
  return undefined;
}

/** Namespaced as indexRegistryResources names resources (`default` when none). */
function keyOf(r: Resource, name: string): string {
  return `${r.metadata.namespace ?? 'default'}/${name}`;
}

/** The half-open range of `sorted` (ordered by hostname first) whose hostname is `hostname`; empty at its insertion point when none. */
function rangeOf<T>(sorted: readonly T[], hostname: string, hostOf: (item: T) => string): [number, number] {
  const lowerBound = (strictlyAfter: boolean): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareStrings(hostOf(sorted[mid]!), hostname);
      if (c < 0 || (strictlyAfter && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [lowerBound(false), lowerBound(true)];
}

/** The Service converts as it did for the previous registry (always, unless that registry is stale). */
function sameService(a: Service, b: Service): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
