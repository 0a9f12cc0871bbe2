/**
 * The registry's inputs picked out of whatever the config store holds (Services, EndpointSlices,
 * Endpoints, Pods, ServiceEntries, WorkloadEntries), typed and indexed once, in a deterministic order.
 */
import type { IEndpoint as ISliceEndpoint } from 'kubernetes-models/discovery.k8s.io/v1/Endpoint';
import type { IEndpointPort as ISlicePort } from 'kubernetes-models/discovery.k8s.io/v1/EndpointPort';
import type { IEndpointSubset } from 'kubernetes-models/v1/EndpointSubset';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodStatus } from 'kubernetes-models/v1/PodStatus';
import type { IServiceSpec } from 'kubernetes-models/v1/ServiceSpec';
import type { ObjectMeta, Resource } from '../api/resource/resource.js';
import type { ServiceEntry, WorkloadEntry } from '../model/config-types.js';
import { groupOf } from '../model/config-types.js';

/** A namespaced object with its name and namespace filled in (namespace `default` when it named none). */
type Named<T> = Omit<Resource, 'metadata'> & { readonly metadata: ObjectMeta & { readonly name: string; readonly namespace: string } } & T;

export type KubeService = Named<{ readonly spec?: IServiceSpec; readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] } } }>;
export type KubePod = Named<{ readonly spec?: IPodSpec; readonly status?: IPodStatus }>;
export type KubeEndpointSlice = Named<{ readonly addressType?: string; readonly endpoints?: ISliceEndpoint[]; readonly ports?: ISlicePort[] }>;
export type KubeEndpoints = Named<{ readonly subsets?: IEndpointSubset[] }>;

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface RegistryIndex {
  readonly services: readonly KubeService[];
  readonly pods: readonly KubePod[];
  readonly serviceEntries: readonly ServiceEntry[];
  readonly workloadEntries: readonly WorkloadEntry[];
  /** EndpointSlices of `namespace/serviceName`. */
  slicesFor(namespace: string, serviceName: string): readonly KubeEndpointSlice[];
  /** The legacy Endpoints object named after a Service. */
  endpointsFor(namespace: string, serviceName: string): KubeEndpoints | undefined;
  pod(namespace: string, name: string): KubePod | undefined;
  podsIn(namespace: string): readonly KubePod[];
}

/** The kinds indexRegistryResources picks out, by `group/kind` (core kinds have group ''). */
const REGISTRY_KINDS: ReadonlySet<string> = new Set(['/Service', '/Pod', '/Endpoints', 'discovery.k8s.io/EndpointSlice', 'networking.istio.io/ServiceEntry', 'networking.istio.io/WorkloadEntry']);

/** Whether the registry reads `r` at all: a change to anything else leaves services and endpoints as they are. */
export function isRegistryInput(r: Resource): boolean {
  return REGISTRY_KINDS.has(`${groupOf(r)}/${r.kind}`);
}

/**
 * Picks the registry's kinds out of `configs`. Each list is sorted by namespace then name, so every
 * result built from the index is the same whatever order the store listed resources in.
 */
export function indexRegistryResources(configs: readonly Resource[]): RegistryIndex {
  const services: KubeService[] = [];
  const pods: KubePod[] = [];
  const slices: KubeEndpointSlice[] = [];
  const endpoints: KubeEndpoints[] = [];
  const serviceEntries: ServiceEntry[] = [];
  const workloadEntries: WorkloadEntry[] = [];
  for (const r of configs) {
    if (!isRegistryInput(r)) continue;
    const group = groupOf(r);
    if (group === '') {
      if (r.kind === 'Service') services.push(named(r));
      else if (r.kind === 'Pod') pods.push(named(r));
      else if (r.kind === 'Endpoints') endpoints.push(named(r));
    } else if (group === 'discovery.k8s.io' && r.kind === 'EndpointSlice') slices.push(named(r));
    else if (group === 'networking.istio.io') {
      if (r.kind === 'ServiceEntry') serviceEntries.push(named(r));
      else if (r.kind === 'WorkloadEntry') workloadEntries.push(named(r));
    }
  }
  for (const list of [services, pods, slices, endpoints, serviceEntries, workloadEntries]) list.sort(byNamespaceName);

  const slicesByService = groupBy(slices, (s) => {
    const service = s.metadata.labels?.[SERVICE_NAME_LABEL];
    return service === undefined ? undefined : `${s.metadata.namespace}/${service}`;
  });
  const endpointsByName = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const podsByName = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const podsByNamespace = groupBy(pods, (p) => p.metadata.namespace);
  return {
    services,
    pods,
    serviceEntries,
    workloadEntries,
    slicesFor: (namespace, serviceName) => slicesByService.get(`${namespace}/${serviceName}`) ?? [],
    endpointsFor: (namespace, serviceName) => endpointsByName.get(`${namespace}/${serviceName}`),
    pod: (namespace, name) => podsByName.get(`${namespace}/${name}`),
    podsIn: (namespace) => podsByNamespace.get(namespace) ?? [],
  };
}

function named<T>(r: Resource): T {
  const { name, namespace } = r.metadata;
  if (name !== undefined && namespace !== undefined) return r as unknown as T;
  return { ...r, metadata: { ...r.metadata, name: name ?? '', namespace: namespace ?? 'default' } } as unknown as T;
}

function byNamespaceName(a: { metadata: { namespace: string; name: string } }, b: { metadata: { namespace: string; name: string } }): number {
  return compareStrings(a.metadata.namespace, b.metadata.namespace) || compareStrings(a.metadata.name, b.metadata.name);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    let list = out.get(k);
    if (list === undefined) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
