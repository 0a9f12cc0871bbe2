/**
 * The service ports a proxy's own workload serves (Istio's ServiceTargets): what its inbound
 * listeners and inbound clusters are built for. A port is served when one of the service's
 * endpoints is this workload; when none is yet (the pod is not Ready), when the service selects
 * the workload's labels in its namespace, at the Service's numeric targetPort (else the port, as
 * Kubernetes defaults it) — Istio takes a pod's targets from the Service spec, not its readiness.
 *
 * Services come oldest first, then by hostname and namespace: the first one wins a port, as in
 * Istio. Endpoints are looked up through a per-snapshot index by workload and address, so a
 * proxy's targets cost what its own endpoints cost, not a walk over every service.
 */
import { selectorMatches } from '../model/labels.js';
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { Endpoint, Service, ServicePort } from '../model/service.js';

export interface ServiceTarget {
  readonly service: Service;
  readonly port: ServicePort;
  /** The port the application listens on. */
  readonly targetPort: number;
}

export function serviceTargets(proxy: Proxy, push: PushContext): ServiceTarget[] {
  const index = indexOf(push);
  // Own endpoints by service (hostname, namespace) and service port.
  const own = new Map<string, Set<number>>();
  for (const e of ownEndpoints(proxy, index)) {
    const key = targetKey(e.hostname, e.namespace, e.servicePort);
    let ports = own.get(key);
    if (ports === undefined) own.set(key, (ports = new Set()));
    ports.add(e.port);
  }
  // Candidates: the services of its own endpoints, and those of its namespace that may select it.
  const candidates = new Set<Service>();
  for (const key of own.keys()) for (const s of index.byHostAndNamespace.get(key.slice(0, key.lastIndexOf('\n'))) ?? []) candidates.add(s);
  for (const s of index.byNamespace.get(proxy.namespace) ?? []) if (selects(s, proxy)) candidates.add(s);
  const out: ServiceTarget[] = [];
  for (const service of [...candidates].sort((a, b) => index.age.get(a)! - index.age.get(b)!)) {
    const selected = selects(service, proxy);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      const ports = own.get(targetKey(service.hostname, service.namespace, port.port));
      if (ports !== undefined) {
        for (const targetPort of [...ports].sort((a, b) => a - b)) out.push({ service, port, targetPort });
      } else if (selected) {
        out.push({ service, port, targetPort: port.targetPort ?? port.port });
      }
    }
  }
  return out;
}

/**
 * The endpoint is this proxy's workload: by workload name and namespace when both are known (on
 * the local platform every workload shares 127.0.0.1), else by address.
 */
function ownEndpoints(proxy: Proxy, index: EndpointIndex): Endpoint[] {
  const out: Endpoint[] = [];
  if (proxy.workloadName !== undefined) out.push(...(index.byWorkload.get(`${proxy.namespace}/${proxy.workloadName}`) ?? []));
  for (const address of new Set(proxy.ipAddresses)) {
    for (const e of index.byAddress.get(address) ?? []) {
      if (e.workloadName === undefined || proxy.workloadName === undefined) out.push(e);
    }
  }
  return out;
}

/** A Kubernetes Service (or ServiceEntry workloadSelector) selects pods of its own namespace; an empty selector selects none. */
function selects(service: Service, proxy: Proxy): boolean {
  const selector = service.selector;
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return service.namespace === proxy.namespace && selectorMatches(selector, proxy.labels);
}

function targetKey(hostname: string, namespace: string, servicePort: number): string {
  return `${hostname}\n${namespace}\n${servicePort}`;
}

interface EndpointIndex {
  readonly byWorkload: ReadonlyMap<string, readonly Endpoint[]>;
  readonly byAddress: ReadonlyMap<string, readonly Endpoint[]>;
  /** Services by `hostname\nnamespace`, and by namespace. */
  readonly byHostAndNamespace: ReadonlyMap<string, readonly Service[]>;
  readonly byNamespace: ReadonlyMap<string, readonly Service[]>;
  /** Each service's rank, oldest first, then by hostname and namespace. */
  readonly age: ReadonlyMap<Service, number>;
}

const INDEXES = new WeakMap<PushContext, EndpointIndex>();

function indexOf(push: PushContext): EndpointIndex {
  let index = INDEXES.get(push);
  if (index === undefined) INDEXES.set(push, (index = buildIndex(push)));
  return index;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  list.push(value);
}

function buildIndex(push: PushContext): EndpointIndex {
  const byWorkload = new Map<string, Endpoint[]>();
  const byAddress = new Map<string, Endpoint[]>();
  for (const e of push.endpoints) {
    if (e.workloadName !== undefined) append(byWorkload, `${e.namespace}/${e.workloadName}`, e);
    append(byAddress, e.address, e);
  }
  const byHostAndNamespace = new Map<string, Service[]>();
  const byNamespace = new Map<string, Service[]>();
  for (const s of push.services) {
    append(byHostAndNamespace, `${s.hostname}\n${s.namespace}`, s);
    append(byNamespace, s.namespace, s);
  }
  const byAge = [...push.services].sort(
    (a, b) => cmp(a.creationTimestamp ?? '', b.creationTimestamp ?? '') || cmp(a.hostname, b.hostname) || cmp(a.namespace, b.namespace),
  );
  return { byWorkload, byAddress, byHostAndNamespace, byNamespace, age: new Map(byAge.map((s, i) => [s, i])) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
