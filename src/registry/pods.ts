/**
 * Pods as workload instances: the address, labels, identity and named ports the registry needs from
 * a Pod, whether it is reached through an EndpointSlice's targetRef, a Service selector or a
 * ServiceEntry's workloadSelector.
 */
import type { KubePod } from './registry-index.js';
import { augmentLabels, localityFromLabels, NETWORK_LABEL, spiffeIdentity, tlsModeFromLabels, type WorkloadInstance } from './workload-instance.js';

/**
 * The Pod as a workload instance, or undefined when it cannot serve traffic: no IP yet, finished
 * (Succeeded/Failed), or being deleted (as the Kubernetes endpoints controller skips them).
 * `healthy` is the pod's readiness.
 */
export function podWorkloadInstance(pod: KubePod, trustDomain: string): WorkloadInstance | undefined {
  const address = pod.status?.podIP;
  if (address === undefined || address === '') return undefined;
  if (!podIsServing(pod)) return undefined;
  const own = pod.metadata.labels ?? {};
  const locality = localityFromLabels(own);
  const network = own[NETWORK_LABEL];
  return {
    kind: 'Pod',
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    address,
    labels: augmentLabels(own, locality, network, pod.spec?.nodeName),
    portMap: namedContainerPorts(pod),
    serviceAccount: podServiceAccount(pod, trustDomain),
    ...(locality !== undefined && { locality }),
    weight: 1,
    ...(network !== undefined && network !== '' && { network }),
    healthy: podIsReady(pod),
    tlsMode: tlsModeFromLabels(own),
    dnsServiceEntryOnly: false,
  };
}

/** Istio's SecureNamingSAN: the pod's service account (Kubernetes defaults it to `default`) as a SPIFFE URI. */
export function podServiceAccount(pod: KubePod, trustDomain: string): string {
  const account = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
  return spiffeIdentity(trustDomain, pod.metadata.namespace, account === '' ? 'default' : account);
}

/** Running (or not yet reported) and not being deleted. */
export function podIsServing(pod: KubePod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return pod.metadata.deletionTimestamp === undefined || pod.metadata.deletionTimestamp === null;
}

/**
 * The pod's Ready condition when it has one (podutil.IsPodReady). Pods written by hand often have
 * no conditions: those count as ready while Running (or with no phase at all).
 */
export function podIsReady(pod: KubePod): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready !== undefined) return ready.status === 'True';
  const phase = pod.status?.phase;
  return phase === undefined || phase === 'Running';
}

/** Named container ports, name → containerPort (the first container declaring a name wins). */
export function namedContainerPorts(pod: KubePod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name !== undefined && p.name !== '' && out[p.name] === undefined) out[p.name] = p.containerPort;
  }
  return out;
}

/**
 * Kubernetes' podutil.FindPort: the port a Service's targetPort means on this pod. A number is
 * itself; a name is looked up among the containers' ports with the same protocol; undefined when
 * the pod has no such named port (the pod is then not an endpoint for that service port).
 */
export function findPodPort(pod: KubePod, targetPort: number | string, protocol: string): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === targetPort && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}
