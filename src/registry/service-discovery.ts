/**
 * The service registry contract (Istio's model.ServiceDiscovery) and the aggregate that merges
 * several registries into the one view the PushContext is built from.
 */
import type { Endpoint, Service } from '../model/service.js';

/**
 * One source of services and their endpoints: Kubernetes YAML, ServiceEntry/WorkloadEntry, the local
 * platform, a real cluster. Each call returns the registry's current snapshot; callers never mutate it.
 */
export interface ServiceDiscovery {
  services(): readonly Service[];
  endpoints(): readonly Endpoint[];
}

/** A registry over fixed lists: what a pure conversion produces, and the test double. */
export class StaticDiscovery implements ServiceDiscovery {
  readonly #services: readonly Service[];
  readonly #endpoints: readonly Endpoint[];

  constructor(services: readonly Service[], endpoints: readonly Endpoint[] = []) {
    this.#services = services;
    this.#endpoints = endpoints;
  }

  services(): readonly Service[] {
    return this.#services;
  }

  endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }
}

/**
 * Merges registries in the order given, as Istio's aggregate controller: pass the Kubernetes
 * registry first, then ServiceEntry, then any others.
 *
 * Conflicts: when two registries define the same hostname in the same namespace, the first
 * registry's service wins and the later one is dropped together with the endpoints that registry
 * gave for it. This is Istio's rule that a Kubernetes Service takes precedence over a ServiceEntry
 * for its hostname (no "domain squatting", pilot/pkg/model/push_context.go initServiceRegistry).
 * Services with one hostname in different namespaces are all kept, as in Istio: which one a proxy
 * uses depends on visibility (exportTo) and is the PushContext's decision; so are duplicates
 * within one registry (two ServiceEntries naming one host).
 *
 * Endpoints a registry gives for a service it does not define itself are kept and join that
 * service's endpoints, as Istio's per-registry endpoint shards do (a platform that only runs
 * workloads can contribute endpoints to a Service defined in YAML).
 */
export class AggregateDiscovery implements ServiceDiscovery {
  readonly #registries: readonly ServiceDiscovery[];

  constructor(registries: readonly ServiceDiscovery[]) {
    this.#registries = registries;
  }

  services(): readonly Service[] {
    return this.merge().services;
  }

  endpoints(): readonly Endpoint[] {
    return this.merge().endpoints;
  }

  /** services() and endpoints() from one merge, for a caller that needs both (each call merges anew). */
  merge(): { services: Service[]; endpoints: Endpoint[] } {
    const owner = new Map<string, number>();
    const services: Service[] = [];
    const shadowed: Set<string>[] = [];
    this.#registries.forEach((registry, i) => {
      const lost = new Set<string>();
      for (const s of registry.services()) {
        const key = serviceKey(s.hostname, s.namespace);
        const first = owner.get(key);
        if (first === undefined) {
          owner.set(key, i);
          services.push(s);
        } else if (first !== i) {
          lost.add(key);
        } else {
          // Two ServiceEntries in one namespace may share a host: both stay, and the PushContext
          // merges their ports as Istio's SidecarScope does.
          services.push(s);
        }
      }
      shadowed.push(lost);
    });
    const endpoints: Endpoint[] = [];
    this.#registries.forEach((registry, i) => {
      const lost = shadowed[i]!;
      for (const e of registry.endpoints()) if (!lost.has(serviceKey(e.hostname, e.namespace))) endpoints.push(e);
    });
    return { services, endpoints };
  }
}

function serviceKey(hostname: string, namespace: string): string {
  return `${namespace}/${hostname}`;
}
