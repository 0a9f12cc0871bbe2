import type { Protocol } from './protocol.js';

/** One port of a service, as Istio's model.Port. */
export interface ServicePort {
  /** The port's name (`http`, `grpc-web`); ServiceEntry ports always have one. */
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /**
   * A Kubernetes Service port's numeric `targetPort` (absent: the port itself, or a named target
   * port resolved per pod). What a selected pod's sidecar listens on before the pod is an endpoint.
   */
  readonly targetPort?: number;
}

/**
 * How a service's endpoints are found, Istio's model.Resolution: ClientSideLB (EDS, the
 * proxy balances over known endpoints), DNSLB / DNSRoundRobinLB (STRICT_DNS / LOGICAL_DNS
 * clusters), Passthrough (ORIGINAL_DST: resolution NONE, headless services).
 */
export type Resolution = 'ClientSideLB' | 'DNSLB' | 'DNSRoundRobinLB' | 'Passthrough';

/** Where a service came from: a Kubernetes Service or a ServiceEntry (or the local platform). */
export interface ServiceSource {
  readonly kind: 'Service' | 'ServiceEntry';
  readonly namespace: string;
  readonly name: string;
}

/**
 * A service the mesh knows, Istio's model.Service: one hostname, its ports, and how to reach its
 * endpoints. Immutable; the registry builds new ones on change.
 */
export interface Service {
  /** FQDN for Kubernetes services (`reviews.default.svc.cluster.local`); the ServiceEntry host otherwise (may be `*.example.com`). */
  readonly hostname: string;
  readonly namespace: string;
  readonly ports: readonly ServicePort[];
  /** ClusterIP or ServiceEntry addresses; empty when it has none (headless, DNS-only). */
  readonly addresses: readonly string[];
  /** A LoadBalancer Service's external addresses (`status.loadBalancer.ingress`), Istio's ClusterExternalAddresses. */
  readonly externalAddresses?: readonly string[];
  readonly resolution: Resolution;
  /** ServiceEntry location MESH_EXTERNAL. */
  readonly meshExternal: boolean;
  /** Namespaces the service is visible in: `*` (all), `.` (its own) or names; empty = the mesh default (`*`). */
  readonly exportTo: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Pod selector (Service) or workloadSelector labels (ServiceEntry); undefined when endpoints are listed. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly source: ServiceSource;
  /** ISO time; older services win hostname conflicts, as in Istio. */
  readonly creationTimestamp?: string;
}

/** Locality `region/zone/subzone`, as Envoy's core.Locality. */
export interface Locality {
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
}

/**
 * One endpoint of one service port, Istio's IstioEndpoint: where a workload listens for that
 * port, and what the mesh knows about the workload (labels for subsets, identity, locality).
 */
export interface Endpoint {
  /** The service this endpoint belongs to. */
  readonly hostname: string;
  /** That service's namespace (Istio keys endpoints by hostname and namespace). */
  readonly namespace: string;
  /** The service port's name and number this endpoint serves. */
  readonly servicePortName: string;
  readonly servicePort: number;
  /** IP or DNS name (DNS resolution) and the port the workload listens on. */
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The workload's identity as a SPIFFE URI (`spiffe://cluster.local/ns/default/sa/reviews`), as Istio's IstioEndpoint.ServiceAccount. */
  readonly serviceAccount?: string;
  /**
   * Istio's TLSMode: `istio` when the workload accepts Istio mTLS (a sidecar-injected pod, labelled
   * security.istio.io/tlsMode=istio, or a WorkloadEntry with a service account), else `disabled`.
   * Auto mTLS reads it; unset means `disabled`.
   */
  readonly tlsMode?: 'istio' | 'disabled';
  readonly locality?: Locality;
  /** load_balancing_weight; 1 when unset. */
  readonly weight: number;
  readonly healthy: boolean;
  /** Pod or WorkloadEntry name, for proxy-config and access logs. */
  readonly workloadName?: string;
  readonly network?: string;
}

/** `reviews.default.svc.cluster.local` for a Kubernetes service. */
export function kubeServiceHostname(name: string, namespace: string, domainSuffix = 'cluster.local'): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}
