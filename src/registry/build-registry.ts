/**
 * The service registry built from configuration alone: Kubernetes Services with their
 * EndpointSlices/Endpoints/Pods, and ServiceEntries with WorkloadEntries, merged as Istio's
 * aggregate controller merges its Kubernetes and ServiceEntry registries.
 */
import type { Resource } from '../api/resource/resource.js';
import type { MeshConfig } from '../model/mesh-config.js';
import type { Endpoint, Service } from '../model/service.js';
import { kubeServiceEndpoints } from './kube-endpoints.js';
import { convertKubeService } from './kube-services.js';
import { podWorkloadInstance } from './pods.js';
import { indexRegistryResources, type RegistryIndex } from './registry-index.js';
import { compareServices, sortEndpoints } from './registry-order.js';
import { convertServiceEntry, serviceEntryEndpoints } from './service-entries.js';
import { AggregateDiscovery, StaticDiscovery, type ServiceDiscovery } from './service-discovery.js';
import { kubeServiceWorkloadEntryEndpoints, workloadEntryInstance } from './workload-entries.js';
import type { WorkloadInstance } from './workload-instance.js';

export interface Registry {
  /** Sorted by hostname, namespace, then age. */
  readonly services: Service[];
  /** Sorted by hostname, namespace, service port, address, port. */
  readonly endpoints: Endpoint[];
}

/**
 * Every service and endpoint the configuration describes, for `new PushContext({configs, services,
 * endpoints})`. Pure: the same resources in any order give the same result.
 */
export function buildRegistry(configs: readonly Resource[], mesh: MeshConfig): Registry {
  const index = indexRegistryResources(configs);
  const workloadEntries = index.workloadEntries.map((we) => workloadEntryInstance(we, mesh.trustDomain)).filter((w) => w !== undefined);
  const aggregate = new AggregateDiscovery([kubeRegistry(index, mesh, workloadEntries), serviceEntryRegistry(index, mesh, workloadEntries)]);
  const merged = aggregate.merge();
  return { services: merged.services.sort(compareServices), endpoints: sortEndpoints(merged.endpoints) };
}

/** Kubernetes Services and their endpoints, including WorkloadEntries their selectors match. */
export function kubeRegistry(index: RegistryIndex, mesh: MeshConfig, workloadEntries: readonly WorkloadInstance[]): ServiceDiscovery {
  const services: Service[] = [];
  const endpoints: Endpoint[] = [];
  for (const svc of index.services) {
    const service = convertKubeService(svc, mesh);
    services.push(service);
    endpoints.push(...kubeServiceEndpoints(svc, service, index, mesh.trustDomain));
    endpoints.push(...kubeServiceWorkloadEntryEndpoints(svc, service, workloadEntries));
  }
  return new StaticDiscovery(services, endpoints);
}

/** ServiceEntries and their endpoints: inline, the host itself (DNS), or selected WorkloadEntries and Pods. */
export function serviceEntryRegistry(index: RegistryIndex, mesh: MeshConfig, workloadEntries: readonly WorkloadInstance[]): ServiceDiscovery {
  const pods = index.pods.map((p) => podWorkloadInstance(p, mesh.trustDomain)).filter((w) => w !== undefined);
  const workloads = [...workloadEntries, ...pods];
  const services: Service[] = [];
  const endpoints: Endpoint[] = [];
  for (const se of index.serviceEntries) {
    const converted = convertServiceEntry(se);
    services.push(...converted);
    endpoints.push(...serviceEntryEndpoints(se, converted, workloads, mesh.trustDomain));
  }
  return new StaticDiscovery(services, endpoints);
}
