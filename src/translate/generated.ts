import type { PushContext } from '../model/push-context.js';
import type { Proxy } from '../model/proxy.js';

/** One Envoy v3 resource in proto3 JSON with its original (snake_case) field names, as Envoy's YAML. */
export type EnvoyJson = Record<string, unknown>;

/**
 * Everything one proxy is sent: Envoy resources per xDS type, each named (`name`, or
 * `cluster_name` for ClusterLoadAssignment), sorted by name so equal input gives equal output.
 */
export interface ProxyResources {
  readonly listeners: readonly EnvoyJson[];
  readonly routes: readonly EnvoyJson[];
  readonly clusters: readonly EnvoyJson[];
  readonly endpoints: readonly EnvoyJson[];
  readonly secrets: readonly EnvoyJson[];
}

/**
 * A translator: pure, no I/O, clock or globals. The ADS server calls one per proxy per push and
 * sends what changed.
 */
export type ProxyGenerator = (proxy: Proxy, push: PushContext) => ProxyResources;

/**
 * An endpoints-only push's generator (Istio's EDS generator on its own): the endpoints of the EDS
 * clusters the proxy was last given, from the new snapshot; undefined when this proxy needs a
 * full generation instead. Clusters, listeners and routes cannot change when only endpoints did.
 * `changedHosts`, when known, are the only service hostnames whose endpoints moved since
 * `previous` was generated: the other assignments may be carried over.
 */
export type EndpointGenerator = (proxy: Proxy, push: PushContext, previous: ProxyResources, changedHosts?: readonly string[]) => readonly EnvoyJson[] | undefined;

export function sortByName<T extends EnvoyJson>(resources: T[]): T[] {
  const key = (r: EnvoyJson): string => String(r.name ?? r.cluster_name ?? '');
  return resources.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
