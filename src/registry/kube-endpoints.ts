/**
 * Endpoints of a Kubernetes Service, from (in order of preference) its EndpointSlices, its legacy
 * Endpoints object, or, when neither exists, the Pods its selector matches: without a cluster
 * nobody runs the endpoints controller, so we do its job (kube-controller-manager's
 * EndpointSlice controller, not Istio). ExternalName services get their external name.
 */
import type { IEndpoint as ISliceEndpoint } from 'kubernetes-models/discovery.k8s.io/v1/Endpoint';
import type { IEndpointAddress } from 'kubernetes-models/v1/EndpointAddress';
import type { IObjectReference } from 'kubernetes-models/v1/ObjectReference';
import { selectorMatches } from '../model/labels.js';
import type { Endpoint, Locality, Service, ServicePort } from '../model/service.js';
import { externalNameEndpoints, externalNameOf } from './kube-services.js';
import { findPodPort, namedContainerPorts, podServiceAccount, podWorkloadInstance } from './pods.js';
import type { KubeEndpointSlice, KubeEndpoints, KubeService, RegistryIndex } from './registry-index.js';
import { augmentLabels, endpointOf, localityFromLabels, NETWORK_LABEL, podLessInstance, tlsModeFromLabels, type WorkloadInstance } from './workload-instance.js';

/**
 * Every endpoint of `service` (converted from `svc`) that Kubernetes objects give it:
 * - ExternalName: the external name on each port;
 * - EndpointSlices labelled `kubernetes.io/service-name: NAME` (FQDN slices are ignored, as Istio
 *   does); when a service has any, its Endpoints object is ignored (Istio reads only slices);
 * - else the Endpoints object named after the service (`addresses` healthy, `notReadyAddresses` not);
 * - else, for a service with a selector, the matching Pods with an IP (see podEndpoints).
 * Slice and Endpoints ports map to service ports by name. An address whose targetRef is a Pod gets
 * the pod's labels, service account, tlsMode and locality.
 */
export function kubeServiceEndpoints(svc: KubeService, service: Service, index: RegistryIndex, trustDomain: string): Endpoint[] {
  if (externalNameOf(svc) !== undefined) return externalNameEndpoints(svc, service);
  const { namespace, name } = svc.metadata;
  const slices = index.slicesFor(namespace, name);
  if (slices.length > 0) return endpointsFromSlices(slices, service, index, trustDomain);
  const legacy = index.endpointsFor(namespace, name);
  if (legacy !== undefined) return endpointsFromEndpoints(legacy, service, index, trustDomain);
  return podEndpoints(svc, service, index, trustDomain);
}

function endpointsFromSlices(slices: readonly KubeEndpointSlice[], service: Service, index: RegistryIndex, trustDomain: string): Endpoint[] {
  const out = new EndpointSet();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const e of slice.endpoints ?? []) {
      // A missing `ready` means ready (the API's documented default).
      const healthy = e.conditions?.ready !== false;
      for (const address of e.addresses) {
        const wi = addressInstance(address, e.targetRef, slice.metadata.namespace, healthy, sliceLocality(e), e.nodeName, index, trustDomain);
        for (const p of slice.ports ?? []) {
          const servicePort = portNamed(service, p.name);
          if (servicePort !== undefined && p.port !== undefined) out.add(endpointOf(wi, service, servicePort, p.port));
        }
      }
    }
  }
  return out.list();
}

function endpointsFromEndpoints(legacy: KubeEndpoints, service: Service, index: RegistryIndex, trustDomain: string): Endpoint[] {
  const out = new EndpointSet();
  for (const subset of legacy.subsets ?? []) {
    const addresses: [IEndpointAddress, boolean][] = [
      ...(subset.addresses ?? []).map((a): [IEndpointAddress, boolean] => [a, true]),
      ...(subset.notReadyAddresses ?? []).map((a): [IEndpointAddress, boolean] => [a, false]),
    ];
    for (const [a, healthy] of addresses) {
      const wi = addressInstance(a.ip, a.targetRef, legacy.metadata.namespace, healthy, undefined, a.nodeName, index, trustDomain);
      for (const p of subset.ports ?? []) {
        const servicePort = portNamed(service, p.name);
        if (servicePort !== undefined) out.add(endpointOf(wi, service, servicePort, p.port));
      }
    }
  }
  return out.list();
}

/**
 * What the EndpointSlice controller would publish for a service with a selector: every Pod in the
 * service's namespace whose labels match, that has an IP and is not finished or deleting. Each
 * service port's targetPort (a number, or a container port name; the port itself when unset) is
 * resolved per pod; a pod without the named port is no endpoint for that port. Unready pods are
 * unhealthy endpoints unless the service sets publishNotReadyAddresses.
 */
export function podEndpoints(svc: KubeService, service: Service, index: RegistryIndex, trustDomain: string): Endpoint[] {
  if (service.selector === undefined) return [];
  const specPorts = svc.spec?.ports ?? [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const out: Endpoint[] = [];
  for (const pod of index.podsIn(service.namespace)) {
    if (!selectorMatches(service.selector, pod.metadata.labels ?? {})) continue;
    const wi = podWorkloadInstance(pod, trustDomain);
    if (wi === undefined) continue;
    const instance = publishNotReady ? { ...wi, healthy: true } : wi;
    specPorts.forEach((p, i) => {
      const servicePort = service.ports[i]!;
      const port = findPodPort(pod, p.targetPort ?? p.port, p.protocol ?? 'TCP');
      if (port !== undefined) out.push(endpointOf(instance, service, servicePort, port));
    });
  }
  return out;
}

/**
 * The workload behind one address: its Pod when the targetRef names a known one (Istio would wait
 * for an unknown pod to appear; with static config it may never, so the address is used bare).
 */
function addressInstance(
  address: string,
  ref: IObjectReference | undefined,
  namespace: string,
  healthy: boolean,
  fallbackLocality: Locality | undefined,
  nodeName: string | undefined,
  index: RegistryIndex,
  trustDomain: string,
): WorkloadInstance {
  const pod = ref?.kind === 'Pod' && ref.name !== undefined ? index.pod(ref.namespace ?? namespace, ref.name) : undefined;
  if (pod !== undefined) {
    const own = pod.metadata.labels ?? {};
    const locality = localityFromLabels(own) ?? fallbackLocality;
    const network = own[NETWORK_LABEL] !== undefined && own[NETWORK_LABEL] !== '' ? own[NETWORK_LABEL] : undefined;
    return {
      ...podLessInstance(pod.metadata.name, namespace, address),
      labels: augmentLabels(own, locality, network, pod.spec?.nodeName ?? nodeName),
      portMap: namedContainerPorts(pod),
      serviceAccount: podServiceAccount(pod, trustDomain),
      ...(locality !== undefined && { locality }),
      ...(network !== undefined && { network }),
      healthy,
      tlsMode: tlsModeFromLabels(own),
    };
  }
  // The common case (every address of a slice without Pods): filled in place, not spread, since
  // podLessInstance's object is new and this runs for each address on every full rebuild.
  const bare: { -readonly [K in keyof WorkloadInstance]: WorkloadInstance[K] } = podLessInstance(ref?.name ?? '', namespace, address);
  bare.labels = augmentLabels({}, fallbackLocality, undefined, nodeName);
  if (fallbackLocality !== undefined) bare.locality = fallbackLocality;
  bare.healthy = healthy;
  return bare;
}

/** An EndpointSlice endpoint's zone (or its single zone hint) as a locality. */
function sliceLocality(e: ISliceEndpoint): Locality | undefined {
  const zone = e.zone ?? e.hints?.forZones?.[0]?.name;
  return zone !== undefined && zone !== '' ? { zone } : undefined;
}

function portNamed(service: Service, name: string | undefined): ServicePort | undefined {
  return service.ports.find((p) => p.name === (name ?? ''));
}

/** Endpoints deduplicated by address and ports (an address may sit in two slices while they are rebalanced); a healthy copy wins. */
class EndpointSet {
  readonly #byKey = new Map<string, Endpoint>();

  add(e: Endpoint): void {
    const key = `${e.address}|${e.port}|${e.servicePort}`;
    const existing = this.#byKey.get(key);
    if (existing === undefined || (!existing.healthy && e.healthy)) this.#byKey.set(key, e);
  }

  list(): Endpoint[] {
    return [...this.#byKey.values()];
  }
}
