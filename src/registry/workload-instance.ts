/**
 * A workload before it is bound to a service port (Istio's model.WorkloadInstance): a Pod or a
 * WorkloadEntry, with what every endpoint made from it shares: address, labels, identity, locality.
 */
import { isIP } from 'node:net';
import type { Endpoint, Locality, Service, ServicePort } from '../model/service.js';

export interface WorkloadInstance {
  readonly kind: 'Pod' | 'WorkloadEntry';
  readonly name: string;
  readonly namespace: string;
  /** IP, DNS name (WorkloadEntry for a DNS ServiceEntry) or `unix:///path`. */
  readonly address: string;
  /** The workload's labels with Istio's topology labels added (AugmentLabels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Named ports: a WorkloadEntry's `ports` (service port name → port), a Pod's named container ports. */
  readonly portMap: Readonly<Record<string, number>>;
  /** SPIFFE URI. */
  readonly serviceAccount?: string;
  readonly locality?: Locality;
  readonly weight: number;
  readonly network?: string;
  readonly healthy: boolean;
  readonly tlsMode: 'istio' | 'disabled';
  /**
   * The address is not an IP (a DNS name or a unix socket): only ServiceEntries may select it,
   * Kubernetes Services cannot (Istio's DNSServiceEntryOnly).
   */
  readonly dnsServiceEntryOnly: boolean;
}

/** Istio's locality label on workloads: `region.zone.subzone` (dots, since `/` is not allowed in label values). */
export const LOCALITY_LABEL = 'istio-locality';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const SUBZONE_LABEL = 'topology.istio.io/subzone';
export const NETWORK_LABEL = 'topology.istio.io/network';
export const NODE_LABEL = 'kubernetes.io/hostname';
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/** `spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT`, Istio's spiffe.MustGenSpiffeURI. */
export function spiffeIdentity(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Parses `region/zone/subzone` (any part may be empty or missing); undefined when all are empty. */
export function parseLocality(text: string | undefined): Locality | undefined {
  if (text === undefined || text === '') return undefined;
  const [region = '', zone = '', subZone = ''] = text.split('/');
  return localityOf(region, zone, subZone);
}

/**
 * A workload's locality from its labels: Istio's `istio-locality` label first, then the Kubernetes
 * topology labels (Istio reads those from the pod's Node; we have no Nodes, so the Pod carries them).
 */
export function localityFromLabels(labels: Readonly<Record<string, string>>): Locality | undefined {
  const label = labels[LOCALITY_LABEL];
  if (label !== undefined && label !== '') return parseLocality(label.replaceAll('.', '/'));
  return localityOf(labels[REGION_LABEL] ?? '', labels[ZONE_LABEL] ?? '', labels[SUBZONE_LABEL] ?? '');
}

function localityOf(region: string, zone: string, subZone: string): Locality | undefined {
  if (region === '' && zone === '' && subZone === '') return undefined;
  return { ...(region !== '' && { region }), ...(zone !== '' && { zone }), ...(subZone !== '' && { subZone }) };
}

/**
 * Istio's labelutil.AugmentLabels: the workload's labels plus its topology (region, zone, subzone,
 * network, node), so DestinationRule subsets and sourceLabels can select by them.
 */
export function augmentLabels(
  labels: Readonly<Record<string, string>> | undefined,
  locality: Locality | undefined,
  network: string | undefined,
  nodeName?: string,
): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  if (locality?.region !== undefined) out[REGION_LABEL] = locality.region;
  if (locality?.zone !== undefined) out[ZONE_LABEL] = locality.zone;
  if (locality?.subZone !== undefined) out[SUBZONE_LABEL] = locality.subZone;
  if (network !== undefined && network !== '') out[NETWORK_LABEL] = network;
  if (nodeName !== undefined && nodeName !== '') out[NODE_LABEL] = nodeName;
  return out;
}

/** Istio's GetTLSModeFromEndpointLabels: the injector's label says whether a sidecar terminates mTLS. */
export function tlsModeFromLabels(labels: Readonly<Record<string, string>> | undefined): 'istio' | 'disabled' {
  return labels?.[TLS_MODE_LABEL] === 'istio' ? 'istio' : 'disabled';
}

/** The endpoint a workload instance serves for one service port, listening on `port`. */
export function endpointOf(instance: WorkloadInstance, service: Service, servicePort: ServicePort, port: number): Endpoint {
  // Built property by property, not with conditional spreads: this runs for every endpoint of every
  // full rebuild, and the keys keep the order they always had (JSON prints compare endpoints).
  const e: Writable<Endpoint> = {
    hostname: service.hostname,
    namespace: service.namespace,
    servicePortName: servicePort.name,
    servicePort: servicePort.port,
    address: instance.address,
    port,
    labels: instance.labels,
  } as Writable<Endpoint>;
  if (instance.serviceAccount !== undefined) e.serviceAccount = instance.serviceAccount;
  e.tlsMode = instance.tlsMode;
  if (instance.locality !== undefined) e.locality = instance.locality;
  e.weight = instance.weight;
  e.healthy = instance.healthy;
  if (instance.name !== '') e.workloadName = instance.name;
  if (instance.network !== undefined) e.network = instance.network;
  return e;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A workload known only by its address (an endpoint with no Pod behind it): no labels, no identity. */
export function podLessInstance(name: string, namespace: string, address: string): WorkloadInstance {
  return { kind: 'Pod', name, namespace, address, labels: {}, portMap: {}, weight: 1, healthy: true, tlsMode: 'disabled', dnsServiceEntryOnly: false };
}

/** True for an IPv4 or IPv6 literal. */
export function isIpAddress(address: string): boolean {
  return isIP(address) !== 0;
}
