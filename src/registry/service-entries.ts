/**
 * ServiceEntries as mesh services and endpoints, following Istio's
 * pilot/pkg/serviceregistry/serviceentry/conversion.go (convertServices, convertEndpoint,
 * convertServiceEntryToInstances, convertWorkloadInstanceToServiceInstance).
 */
import type { ServiceEntry, ServiceEntrySpec, WorkloadEntry } from '../model/config-types.js';
import { isWildcard } from '../model/host.js';
import { selectorMatches } from '../model/labels.js';
import { parseProtocol } from '../model/protocol.js';
import type { Endpoint, Resolution, Service, ServicePort } from '../model/service.js';
import { UNIX_ADDRESS_PREFIX, workloadEntryInstance } from './workload-entries.js';
import { endpointOf, isIpAddress, type WorkloadInstance } from './workload-instance.js';

type ServiceEntryPort = NonNullable<ServiceEntrySpec['ports']>[number];

/**
 * `resolution` → how endpoints are found. DYNAMIC_DNS (a dynamic forward proxy for wildcard hosts)
 * has no model resolution yet; Passthrough is the closest: the client already resolved the name.
 */
const RESOLUTIONS: Readonly<Record<string, Resolution>> = {
  NONE: 'Passthrough',
  STATIC: 'ClientSideLB',
  DNS: 'DNSLB',
  DNS_ROUND_ROBIN: 'DNSRoundRobinLB',
  DYNAMIC_DNS: 'Passthrough',
};

/**
 * One service per host, all sharing the entry's ports, resolution (default NONE → Passthrough),
 * location (default MESH_EXTERNAL), exportTo, labels and workloadSelector. Hosts are used as
 * written (they are never short names). Addresses are the entry's IPs and CIDRs, a /32 or /128
 * CIDR written as the plain IP; anything else is dropped, as Istio does. (Istio makes one service
 * per host and address; our Service holds all addresses.)
 */
export function convertServiceEntry(se: ServiceEntry): Service[] {
  const spec = se.spec;
  const { name, namespace } = se.metadata;
  const resolution = RESOLUTIONS[spec.resolution ?? 'NONE'] ?? 'Passthrough';
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({ name: p.name, port: p.number, protocol: parseProtocol(p.protocol ?? '') }));
  const addresses = (spec.addresses ?? []).map(normalizeAddress).filter((a): a is string => a !== undefined);
  const selector = spec.workloadSelector !== undefined ? { ...spec.workloadSelector.labels } : undefined;
  return spec.hosts.map((hostname) => ({
    hostname,
    namespace,
    ports,
    addresses,
    resolution,
    meshExternal: (spec.location ?? 'MESH_EXTERNAL') === 'MESH_EXTERNAL',
    exportTo: [...(spec.exportTo ?? [])],
    labels: { ...se.metadata.labels },
    ...(selector !== undefined && { selector }),
    source: { kind: 'ServiceEntry' as const, namespace, name },
    ...(se.metadata.creationTimestamp !== undefined && { creationTimestamp: se.metadata.creationTimestamp }),
  }));
}

/**
 * The endpoints of the entry's services (from convertServiceEntry), one per service, port and workload:
 * - DNS / DNS_ROUND_ROBIN with neither `endpoints` nor a workloadSelector: the host itself, on each
 *   port's targetPort (else its number). Istio's validation refuses wildcard hosts here ("hosts must
 *   be FQDN if no endpoints are provided for resolution mode DNS"), so they get no endpoint;
 * - `endpoints`: each as a workload (see workloadEntryInstance: identity, tlsMode, locality, weight
 *   default 1, network) on port `ports[PORT_NAME]`, else the port's targetPort, else its number;
 *   a `unix://` address has port 0;
 * - workloadSelector: the WorkloadEntries and Pods in the entry's namespace whose labels match, on
 *   the same port rule with their named ports (a WorkloadEntry's `ports`, a Pod's container ports).
 */
export function serviceEntryEndpoints(se: ServiceEntry, services: readonly Service[], workloads: readonly WorkloadInstance[], trustDomain: string): Endpoint[] {
  const spec = se.spec;
  const sePorts = spec.ports ?? [];
  const inline = spec.endpoints ?? [];
  const out: Endpoint[] = [];
  const dns = spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN';
  if (inline.length === 0 && spec.workloadSelector === undefined && dns) {
    for (const service of services) {
      if (isWildcard(service.hostname)) continue;
      for (const p of sePorts) {
        out.push({
          hostname: service.hostname,
          namespace: service.namespace,
          servicePortName: p.name,
          servicePort: p.number,
          address: service.hostname,
          port: p.targetPort !== undefined && p.targetPort > 0 ? p.targetPort : p.number,
          labels: {},
          tlsMode: 'disabled',
          weight: 1,
          healthy: true,
        });
      }
    }
    return out;
  }

  const instances: WorkloadInstance[] = [];
  for (const e of inline) {
    // An inline endpoint is a WorkloadEntry spec without a name of its own (Istio leaves WorkloadName empty).
    const entry = { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: '', namespace: se.metadata.namespace }, spec: e } as WorkloadEntry;
    const wi = workloadEntryInstance(entry, trustDomain);
    if (wi !== undefined) instances.push(wi);
  }
  const selector = spec.workloadSelector?.labels ?? {};
  if (spec.workloadSelector !== undefined) {
    for (const wi of workloads) if (wi.namespace === se.metadata.namespace && selectorMatches(selector, wi.labels)) instances.push(wi);
  }
  for (const service of services) {
    // service.ports is sePorts converted one to one.
    sePorts.forEach((p, i) => {
      for (const wi of instances) out.push(endpointOf(wi, service, service.ports[i]!, endpointPort(wi, p)));
    });
  }
  return out;
}

/** Istio's priority: unix socket (port 0) > the workload's port for this port name > targetPort > the port number. */
function endpointPort(wi: WorkloadInstance, p: ServiceEntryPort): number {
  if (wi.address.startsWith(UNIX_ADDRESS_PREFIX)) return 0;
  const named = wi.portMap[p.name];
  if (named !== undefined && named > 0) return named;
  if (p.targetPort !== undefined && p.targetPort > 0) return p.targetPort;
  return p.number;
}

/** An IP as is, a single-host CIDR as its IP, other CIDRs as written; undefined for anything else. */
function normalizeAddress(address: string): string | undefined {
  if (isIpAddress(address)) return address;
  const slash = address.indexOf('/');
  if (slash < 0) return undefined;
  const ip = address.slice(0, slash);
  const bits = Number(address.slice(slash + 1));
  if (!isIpAddress(ip) || !Number.isInteger(bits) || bits < 0) return undefined;
  const max = ip.includes(':') ? 128 : 32;
  if (bits > max) return undefined;
  return bits === max ? ip : address;
}
