/**
 * Kubernetes Services (v1) as mesh services, Istio's kube.ConvertService
 * (pilot/pkg/serviceregistry/kube/conversion.go).
 */
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { MeshConfig } from '../model/mesh-config.js';
import { protocolOfServicePort, type Protocol } from '../model/protocol.js';
import { kubeServiceHostname, type Endpoint, type Resolution, type Service, type ServicePort } from '../model/service.js';
import type { KubeService } from './registry-index.js';

/** Namespaces a Service is visible in, comma-separated (`.`, `*`, `~`, names), Istio's annotation.NetworkingExportTo. */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/**
 * Ports that carry server-first protocols: Istio treats them as TCP when the port name says nothing,
 * because sniffing would wait for a client byte that never comes (kube.ConvertProtocol wellKnownPorts).
 */
const WELL_KNOWN_TCP_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

/**
 * The protocol of a Service port, Istio's kube.ConvertProtocol: UDP ports are UDP; otherwise the
 * appProtocol, else the name's prefix (`http-web` → HTTP, `grpc-web…` → GRPC-Web, which contains
 * a dash itself); unknown names are UNSUPPORTED (sniffed), except on the well-known server-first
 * ports, which are TCP.
 */
export function kubePortProtocol(port: IServicePort): Protocol {
  if (port.protocol === 'UDP') return 'UDP';
  const name = port.appProtocol !== undefined && port.appProtocol !== '' ? port.appProtocol : (port.name ?? '');
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  // With an appProtocol the port name is not consulted at all (Istio reads one or the other).
  const protocol = protocolOfServicePort(name, port.appProtocol);
  if (protocol === 'UNSUPPORTED' && WELL_KNOWN_TCP_PORTS.has(port.port)) return 'TCP';
  return protocol;
}

/**
 * The mesh service for a Kubernetes Service:
 * - hostname `NAME.NAMESPACE.svc.DOMAIN_SUFFIX`;
 * - addresses: `clusterIPs` (dual stack) or `clusterIP`; none for headless (`None`) or when unset;
 * - resolution: Passthrough for headless services (the client picks the pod), DNSLB for
 *   `type: ExternalName` (Istio models it as a mesh-external DNS service whose one endpoint is the
 *   external name), ClientSideLB otherwise;
 * - exportTo from the `networking.istio.io/exportTo` annotation; the selector from `spec.selector`
 *   (none for ExternalName, which Kubernetes never selects pods for).
 */
export function convertKubeService(svc: KubeService, mesh: Pick<MeshConfig, 'domainSuffix'>): Service {
  const spec = svc.spec ?? {};
  const { name, namespace } = svc.metadata;
  const externalName = externalNameOf(svc);
  let resolution: Resolution = 'ClientSideLB';
  let addresses: string[] = [];
  if (externalName !== undefined) resolution = 'DNSLB';
  if (spec.clusterIP === 'None') resolution = 'Passthrough';
  else if (spec.clusterIP !== undefined && spec.clusterIP !== '') {
    addresses = spec.clusterIPs !== undefined && spec.clusterIPs.length > 1 ? [...spec.clusterIPs] : [spec.clusterIP];
  }
  const selector = spec.selector !== undefined && Object.keys(spec.selector).length > 0 && externalName === undefined ? { ...spec.selector } : undefined;
  const externalAddresses = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter((a) => a !== '');
  // Property by property rather than conditional spreads (every Service, every full rebuild); the
  // keys keep their order.
  const service: { -readonly [K in keyof Service]: Service[K] } = {
    hostname: kubeServiceHostname(name, namespace, mesh.domainSuffix),
    namespace,
    ports: (spec.ports ?? []).map(convertPort),
    addresses,
  } as unknown as Service;
  if (externalAddresses.length > 0) service.externalAddresses = externalAddresses;
  service.resolution = resolution;
  service.meshExternal = externalName !== undefined;
  service.exportTo = parseExportTo(svc.metadata.annotations?.[EXPORT_TO_ANNOTATION]);
  service.labels = { ...svc.metadata.labels };
  if (selector !== undefined) service.selector = selector;
  service.source = { kind: 'Service', namespace, name };
  if (svc.metadata.creationTimestamp !== undefined) service.creationTimestamp = svc.metadata.creationTimestamp;
  return service;
}

/** `spec.externalName` of a `type: ExternalName` Service, else undefined. */
export function externalNameOf(svc: KubeService): string | undefined {
  const spec = svc.spec;
  return spec?.type === 'ExternalName' && spec.externalName !== undefined && spec.externalName !== '' ? spec.externalName : undefined;
}

/**
 * The endpoints of an ExternalName service: the external name on every service port (Istio's
 * externalNameServiceInstances). Nothing for other services.
 */
export function externalNameEndpoints(svc: KubeService, service: Service): Endpoint[] {
  const externalName = externalNameOf(svc);
  if (externalName === undefined) return [];
  return service.ports.map((p) => ({
    hostname: service.hostname,
    namespace: service.namespace,
    servicePortName: p.name,
    servicePort: p.port,
    address: externalName,
    port: p.port,
    labels: service.labels,
    tlsMode: 'disabled' as const,
    weight: 1,
    healthy: true,
  }));
}

/** The annotation's comma-separated list, trimmed; empty when absent (the mesh default applies). */
export function parseExportTo(annotation: string | undefined): string[] {
  if (annotation === undefined || annotation.trim() === '') return [];
  return annotation
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

function convertPort(port: IServicePort): ServicePort {
  const target = typeof port.targetPort === 'number' ? port.targetPort : typeof port.targetPort === 'string' && /^\d+$/.test(port.targetPort) ? Number(port.targetPort) : undefined;
  return { name: port.name ?? '', port: port.port, protocol: kubePortProtocol(port), ...(target !== undefined && target !== port.port && { targetPort: target }) };
}
