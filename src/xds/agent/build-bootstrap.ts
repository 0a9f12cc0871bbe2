/**
 * The Envoy bootstrap Istio's pilot-agent writes for its proxy (envoy-rev.json from
 * tools/packaging/common/envoy_bootstrap.json), reduced to what tsmesh's proxy runs: the node
 * (id `sidecar~IP~POD.NS~NS.svc.cluster.local` and Istio's NodeMetadata), the admin address,
 * LDS and CDS over ADS, and the static `xds-grpc` cluster (HTTP/2) to the discovery address.
 *
 * It lives beside the ADS client and server because it is the proxy's half of the xDS contract:
 * the node identity here is what xds/server/proxy-from-node.ts reads back. `tsmesh proxy
 * sidecar|router` and the local platform both build on it. Pure: no I/O, every input an argument.
 */
import { isIP } from 'node:net';

export interface AgentConfig {
  readonly type: 'sidecar' | 'router';
  /** `HOST:PORT` (`[::1]:15010` for IPv6) of the ADS server. */
  readonly discoveryAddress: string;
  readonly namespace: string;
  /** Pod name; with the namespace, what proxy-status lists (`POD.NS`). */
  readonly podName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** The workload's IP (first is primary): node id and INSTANCE_IPS. */
  readonly ips: readonly string[];
  /** Admin port on `adminAddress` (Istio: 15000; 0 picks one). */
  readonly adminPort: number;
  /**
   * Admin address, 127.0.0.1 by default (Istio). The local platform gives each pod's sidecar its
   * pod address, so every sidecar on one machine can have admin on 15000.
   */
  readonly adminAddress?: string;
  /**
   * tsmesh node metadata TSMESH_BIND_ADDRESS: in NONE mode the listeners that would bind
   * localhost bind this address (the pod's own loopback address) instead.
   */
  readonly bindAddress?: string;
  /**
   * tsmesh node metadata TSMESH_APP_ADDRESS: in NONE mode the application listens on this
   * address, and the sidecar takes the workload's service ports on the pod address for it.
   */
  readonly appAddress?: string;
  /** INTERCEPTION_MODE: REDIRECT (iptables, Istio's default), TPROXY, or NONE (no capture). */
  readonly interceptionMode?: 'REDIRECT' | 'TPROXY' | 'NONE';
  /** The cluster domain, `cluster.local`. */
  readonly domainSuffix?: string;
  /** ISTIO_VERSION: the proxy's version, shown by proxy-status. */
  readonly istioVersion: string;
  /** CLUSTER_ID, Istio's default `Kubernetes`. */
  readonly clusterId?: string;
  /** Workload (deployment) name for WORKLOAD_NAME; the `app` label or the pod name by default. */
  readonly workloadName?: string;
}

/** Istio's xds-grpc cluster name. */
export const XDS_CLUSTER = 'xds-grpc';

/** `TYPE~IP~POD.NS~NS.svc.cluster.local`, Istio's ServiceNode(). */
export function nodeId(c: Pick<AgentConfig, 'type' | 'ips' | 'podName' | 'namespace' | 'domainSuffix'>): string {
  const domain = `${c.namespace}.svc.${c.domainSuffix ?? 'cluster.local'}`;
  return `${c.type}~${c.ips[0] ?? ''}~${c.podName}.${c.namespace}~${domain}`;
}

/** Istio's NodeMetadata JSON as pilot-agent fills it (keys as Istio's `json` tags). */
export function nodeMetadata(c: AgentConfig): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    ISTIO_VERSION: c.istioVersion,
    NAME: c.podName,
    NAMESPACE: c.namespace,
    LABELS: { ...c.labels },
    INSTANCE_IPS: c.ips.join(','),
    INTERCEPTION_MODE: c.interceptionMode ?? 'REDIRECT',
    CLUSTER_ID: c.clusterId ?? 'Kubernetes',
    MESH_ID: c.domainSuffix ?? 'cluster.local',
    WORKLOAD_NAME: c.workloadName ?? c.labels['app'] ?? c.podName,
    ENVOY_STATUS_PORT: 15021,
    ENVOY_PROMETHEUS_PORT: 15090,
  };
  if (c.serviceAccount !== undefined) meta['SERVICE_ACCOUNT'] = c.serviceAccount;
  // tsmesh's own keys (translate/listener/interception.ts reads them); istio-agent never sets them.
  if (c.bindAddress !== undefined) meta['TSMESH_BIND_ADDRESS'] = c.bindAddress;
  if (c.appAddress !== undefined) meta['TSMESH_APP_ADDRESS'] = c.appAddress;
  // Gateways are routers in sni-dnat mode unless told otherwise (Istio's ISTIO_META_ROUTER_MODE).
  if (c.type === 'router') meta['ROUTER_MODE'] = 'sni-dnat';
  return meta;
}

/** The Envoy v3 Bootstrap (proto3 JSON, snake_case) for `c`. Throws on a bad discovery address. */
export function buildBootstrap(c: AgentConfig): Record<string, unknown> {
  const { host, port } = parseHostPort(c.discoveryAddress);
  // STATIC needs an IP; a name is resolved by the proxy (STRICT_DNS), as Envoy would.
  const clusterType = isIP(host) !== 0 ? 'STATIC' : 'STRICT_DNS';
  const canonicalName = c.labels['service.istio.io/canonical-name'] ?? c.labels['app'] ?? c.workloadName ?? c.podName;
  const ads = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };
  return {
    node: {
      id: nodeId(c),
      // Istio's service cluster: `<canonical name>.<namespace>`.
      cluster: `${canonicalName}.${c.namespace}`,
      metadata: nodeMetadata(c),
    },
    admin: { address: { socket_address: { address: c.adminAddress ?? '127.0.0.1', port_value: c.adminPort } } },
    dynamic_resources: {
      lds_config: ads,
      cds_config: ads,
      ads_config: {
        api_type: 'GRPC',
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
      },
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          type: clusterType,
          connect_timeout: '1s',
          lb_policy: 'ROUND_ROBIN',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
          },
        },
      ],
    },
  };
}

/** `host:port` or `[v6]:port` → parts. Throws Error with the reason. */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]]+):(\d+)$/.exec(s);
  if (m === null) throw new Error(`${JSON.stringify(s)} is not HOST:PORT`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${JSON.stringify(s)}: port must be 1-65535`);
  return { host: m[1]!, port };
}

/** `app=reviews,version=v1` → labels. Throws Error naming a malformed pair. */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`label ${JSON.stringify(p)} is not KEY=VALUE`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}
