/**
 * Fixtures for the xDS end-to-end tests: a proxy whose bootstrap points ADS at a FakeAdsServer,
 * and builders for the proto3 JSON resources the tests push.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { FakeAdsServer } from '../../xds/testing/fake-ads-server.js';
import type { RecordedRequest } from '../../xds/testing/fake-ads-server.js';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import type { ProxyServerOptions } from '../proxy-server.js';

export { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../xds/ads-protocol.js';

export const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A bootstrap with ADS (CDS + LDS) at `adsPort` through the static xds_cluster (HTTP/2). */
export function xdsBootstrap(adsPort: number, nodeId = 'xds-e2e', staticListeners = ''): string {
  return `
node: { id: ${nodeId}, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services:
    - envoy_grpc: { cluster_name: xds_cluster }
  cds_config: { ads: {}, resource_api_version: V3 }
  lds_config: { ads: {}, resource_api_version: V3 }
static_resources:
${staticListeners ? `  listeners:\n${staticListeners}\n` : ''}  clusters:
  - name: xds_cluster
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config:
          http2_protocol_options: {}
    load_assignment:
      cluster_name: xds_cluster
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${adsPort} } } }
`;
}

export function edsCluster(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, ...extra };
}

export function assignment(clusterName: string, ports: readonly number[]): Record<string, unknown> {
  return {
    cluster_name: clusterName,
    endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
  };
}

/** A listener on 127.0.0.1 (port 0 unless given) whose HCM takes its routes from RDS `routeName`. */
export function rdsListener(name: string, routeName: string, port = 0, statPrefix = name): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: statPrefix,
              rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          },
        ],
      },
    ],
  };
}

/** A RouteConfiguration sending everything under `prefix` (default "/") to `cluster`. */
export function routeTo(name: string, cluster: string, prefix = '/'): Record<string, unknown> {
  return { name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix }, route: { cluster } }] }] };
}

export interface XdsProxy {
  readonly fake: FakeAdsServer;
  readonly p: StartedProxy;
  /** Waits for the ACK (or NACK when `nack`) of `version` of `typeUrl`, then for warming to settle. */
  ack(typeUrl: string, version: string, since?: number): Promise<RecordedRequest>;
  /** Waits for the next request of `typeUrl` carrying error_detail (a NACK). */
  nack(typeUrl: string, since: number): Promise<RecordedRequest>;
  settled(): Promise<void>;
  /** Bound port of `listener`, waiting (bounded) for it to be in service. */
  port(listener: string, timeoutMs?: number): Promise<number>;
  get(path: string, listener?: string): Promise<{ status: number; body: string }>;
  stats(): Promise<string>;
  configDump(query?: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * A fake control plane and a proxy connected to it. `setup` runs before the proxy starts, so what
 * it pushes is the control plane's state the proxy receives on its first requests.
 */
export async function startXdsProxy(
  setup?: (fake: FakeAdsServer) => void,
  options: Partial<ProxyServerOptions> = {},
  /** YAML list items for static_resources.listeners, indented by 2. */
  staticListeners = '',
): Promise<XdsProxy> {
  const fake = await FakeAdsServer.start();
  setup?.(fake);
  let p: StartedProxy;
  try {
    p = await startProxy(xdsBootstrap(fake.port, 'xds-e2e', staticListeners), options);
  } catch (err) {
    await fake.close();
    throw err;
  }
  const settled = async (): Promise<void> => {
    await p.proxy.xds!.settled();
  };
  const port = async (listener: string, timeoutMs = 3000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = p.proxy.listenerPort(listener);
      if (n) return n;
      if (Date.now() > deadline) throw new Error(`listener ${listener} not in service after ${timeoutMs} ms`);
      await sleep(10);
    }
  };
  return {
    fake,
    p,
    settled,
    port,
    ack: async (typeUrl, version, since = 0) => {
      const r = await fake.waitForRequest((q) => q.typeUrl === typeUrl && q.versionInfo === version && q.nonce !== '' && !q.errorDetail, 5000, since);
      await settled();
      return r;
    },
    nack: (typeUrl, since) => fake.waitForRequest((q) => q.typeUrl === typeUrl && q.errorDetail !== undefined, 5000, since),
    get: async (path, listener = 'http') => {
      const r = await request(`http://127.0.0.1:${await port(listener)}${path}`);
      return { status: r.statusCode, body: await r.body.text() };
    },
    stats: async () => (await request(`http://127.0.0.1:${p.adminPort}/stats`)).body.text(),
    configDump: async (query = '') => {
      const r = await request(`http://127.0.0.1:${p.adminPort}/config_dump${query}`);
      const json = (await r.body.json()) as { configs: Record<string, unknown>[] };
      return json.configs;
    },
    close: async () => {
      await p.close();
      await fake.close();
    },
  };
}
