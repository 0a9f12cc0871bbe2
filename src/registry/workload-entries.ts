/**
 * WorkloadEntries (VMs, bare metal) as workload instances, and the endpoints they give the
 * Kubernetes Services whose selectors match them (Istio lets a Service select WorkloadEntries as it
 * selects pods: kube controller serviceInstancesFromWorkloadInstances). ServiceEntries select them
 * in service-entries.ts.
 */
import type { WorkloadEntry } from '../model/config-types.js';
import { selectorMatches } from '../model/labels.js';
import type { Endpoint, Service } from '../model/service.js';
import type { KubeService } from './registry-index.js';
import {
  augmentLabels,
  endpointOf,
  isIpAddress,
  LOCALITY_LABEL,
  parseLocality,
  spiffeIdentity,
  TLS_MODE_LABEL,
  type WorkloadInstance,
} from './workload-instance.js';

export const UNIX_ADDRESS_PREFIX = 'unix://';

/**
 * The WorkloadEntry as a workload instance (Istio's convertWorkloadEntryToWorkloadInstance), or
 * undefined when it has no address to send traffic to.
 * - locality: `spec.locality`, else the `istio-locality` label (`region.zone.subzone`);
 * - identity: `spec.serviceAccount` as a SPIFFE URI in the entry's namespace;
 * - tlsMode: the security.istio.io/tlsMode label, else `istio` when it has a service account
 *   (a VM with a service account runs the Istio agent);
 * - healthy unless its `Healthy` status condition is False (Istio's VM health checks write it);
 * - weight: `spec.weight`, 1 when unset.
 */
export function workloadEntryInstance(we: WorkloadEntry, trustDomain: string): WorkloadInstance | undefined {
  const spec = we.spec ?? {};
  const address = spec.address ?? '';
  if (address === '') return undefined;
  const own = spec.labels ?? {};
  const locality = parseLocality(spec.locality !== undefined && spec.locality !== '' ? spec.locality : own[LOCALITY_LABEL]?.replaceAll('.', '/'));
  const network = spec.network !== undefined && spec.network !== '' ? spec.network : undefined;
  const account = spec.serviceAccount !== undefined && spec.serviceAccount !== '' ? spec.serviceAccount : undefined;
  const tlsLabel = own[TLS_MODE_LABEL];
  const tlsMode = tlsLabel !== undefined ? (tlsLabel === 'istio' ? 'istio' : 'disabled') : account !== undefined ? 'istio' : 'disabled';
  const healthCondition = (we.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions?.find((c) => c.type === 'Healthy');
  return {
    kind: 'WorkloadEntry',
    name: we.metadata.name,
    namespace: we.metadata.namespace,
    address,
    labels: augmentLabels(own, locality, network),
    portMap: { ...spec.ports },
    ...(account !== undefined && { serviceAccount: spiffeIdentity(trustDomain, we.metadata.namespace, account) }),
    ...(locality !== undefined && { locality }),
    weight: spec.weight !== undefined && spec.weight > 0 ? spec.weight : 1,
    ...(network !== undefined && { network }),
    healthy: healthCondition?.status !== 'False',
    tlsMode,
    // Kubernetes Services cannot use workloads addressed by hostname or unix socket.
    dnsServiceEntryOnly: address.startsWith(UNIX_ADDRESS_PREFIX) || !isIpAddress(address),
  };
}

/**
 * Endpoints of a Kubernetes Service from the WorkloadEntries its selector matches, as Istio: only
 * for ClientSideLB services with a selector (not headless, not ExternalName); only entries in the
 * service's namespace that have labels and an IP address; UDP ports skipped. The endpoint port is
 * the Service's targetPort: a number is used as is unless the entry's `ports` names the service
 * port; a name is looked up in the entry's `ports` (the entry is skipped for that port when it does
 * not have it); no targetPort means the service port.
 */
export function kubeServiceWorkloadEntryEndpoints(svc: KubeService, service: Service, instances: readonly WorkloadInstance[]): Endpoint[] {
  if (service.resolution !== 'ClientSideLB' || service.meshExternal || service.selector === undefined) return [];
  const out: Endpoint[] = [];
  for (const wi of instances) {
    if (wi.kind !== 'WorkloadEntry' || wi.namespace !== service.namespace || wi.dnsServiceEntryOnly) continue;
    if (Object.keys(wi.labels).length === 0 || !selectorMatches(service.selector, wi.labels)) continue;
    for (const servicePort of service.ports) {
      if (servicePort.protocol === 'UDP') continue;
      const target = findServiceTargetPort(svc, servicePort.name, servicePort.port);
      let port = target.number > 0 ? target.number : servicePort.port;
      if (target.name !== '') {
        const named = wi.portMap[target.name];
        if (named !== undefined && named > 0) port = named;
        else if (target.explicitName) continue;
      }
      out.push(endpointOf(wi, service, servicePort, port));
    }
  }
  return out;
}

/** Istio's findServiceTargetPort: what the Service's port spec says about the workload's port. */
function findServiceTargetPort(svc: KubeService, name: string, number: number): { number: number; name: string; explicitName: boolean } {
  for (const p of svc.spec?.ports ?? []) {
    if ((p.name ?? '') !== name && p.port !== number) continue;
    if (typeof p.targetPort === 'number' && p.targetPort > 0) return { number: p.targetPort, name: p.name ?? '', explicitName: false };
    return { number: 0, name: typeof p.targetPort === 'string' ? p.targetPort : '', explicitName: true };
  }
  return { number: 0, name, explicitName: false };
}
