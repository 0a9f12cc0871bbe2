/**
 * The part of Istio's MeshConfig the control plane reads (istio ConfigMap `mesh`), with Istio's
 * defaults. Loaded from IstioOperator `meshConfig` or the `istio` ConfigMap by the platform.
 */
export interface MeshConfig {
  /** outboundTrafficPolicy.mode: ALLOW_ANY sends unknown destinations to PassthroughCluster. */
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** SPIFFE trust domain of workload identities. */
  readonly trustDomain: string;
  /** The cluster domain suffix, `cluster.local`. */
  readonly domainSuffix: string;
  /** The namespace of the control plane and its root config (root-namespace Sidecar, EnvoyFilter). */
  readonly rootNamespace: string;
  /** Istio's default for proxies: connectTimeout 10 s. */
  readonly connectTimeoutMs: number;
  /** defaultServiceExportTo / defaultVirtualServiceExportTo / defaultDestinationRuleExportTo. */
  readonly defaultServiceExportTo: readonly string[];
  readonly defaultVirtualServiceExportTo: readonly string[];
  readonly defaultDestinationRuleExportTo: readonly string[];
  /** Access log file for proxies (`/dev/stdout`), '' = off (demo profile turns it on). */
  readonly accessLogFile: string;
  /** enableAutoMtls: clusters to mesh services use ISTIO_MUTUAL when the endpoint has a sidecar. */
  readonly enableAutoMtls: boolean;
  /**
   * proxyHttpPort: when > 0, every sidecar gets Istio's HTTP proxy listener on localhost (its
   * TSMESH_BIND_ADDRESS in NONE mode) at this port, for applications that send absolute-form
   * requests through `HTTP_PROXY=http://ADDRESS:PORT`. 0 (Istio's default) leaves it out.
   */
  readonly proxyHttpPort: number;
}

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  outboundTrafficPolicy: 'ALLOW_ANY',
  trustDomain: 'cluster.local',
  domainSuffix: 'cluster.local',
  rootNamespace: 'istio-system',
  connectTimeoutMs: 10_000,
  defaultServiceExportTo: ['*'],
  defaultVirtualServiceExportTo: ['*'],
  defaultDestinationRuleExportTo: ['*'],
  accessLogFile: '',
  enableAutoMtls: true,
  proxyHttpPort: 0,
};
