/**
 * Test support for EnvoyFilter patching: a small sidecar's worth of Envoy JSON (inbound and
 * outbound listeners, an RDS route configuration, clusters of both directions), EnvoyFilter
 * resources in a line, and a runner that applies them and returns the outcome.
 */
import type { Resource } from '../../api/resource/resource.js';
import type { Proxy } from '../../model/proxy.js';
import type { EnvoyJson, ProxyResources } from '../generated.js';
import { proxyOf, pushOf } from '../listener/test-fixtures.js';
import type { Service } from '../../model/service.js';
import type { Endpoint } from '../../model/service.js';
import { applyEnvoyFiltersWithReport } from './apply-envoy-filters.js';
import type { EnvoyFilterOutcome } from './apply-envoy-filters.js';

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export function envoyFilter(name: string, spec: unknown, namespace = 'default', creationTimestamp?: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name, namespace, ...(creationTimestamp !== undefined ? { creationTimestamp } : {}) },
    spec,
  };
}

/** One patch as an EnvoyFilter spec. */
export function onePatch(applyTo: string, operation: string, match: unknown, value?: unknown): unknown {
  return { configPatches: [{ applyTo, ...(match !== undefined ? { match } : {}), patch: { operation, ...(value !== undefined ? { value } : {}) } }] };
}

function hcm(extra: EnvoyJson): EnvoyJson {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: 'hcm',
      ...extra,
      http_filters: [
        { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT_TYPE } },
        { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } },
      ],
    },
  };
}

export function sidecarResources(): ProxyResources {
  return {
    listeners: [
      {
        name: '0.0.0.0_80',
        address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
        traffic_direction: 'OUTBOUND',
        filter_chains: [{ filters: [hcm({ rds: { route_config_name: '80', config_source: { ads: {} } } })] }],
      },
      {
        name: '10.96.0.20_3306',
        address: { socket_address: { address: '10.96.0.20', port_value: 3306 } },
        traffic_direction: 'OUTBOUND',
        filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: 'mysql', cluster: 'outbound|3306||mysql.default.svc.cluster.local' } }] }],
      },
      {
        name: 'virtualInbound',
        address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
        traffic_direction: 'INBOUND',
        listener_filters: [{ name: 'envoy.filters.listener.original_dst' }, { name: 'envoy.filters.listener.http_inspector' }],
        filter_chains: [
          {
            name: '0.0.0.0_8080',
            filter_chain_match: { destination_port: 8080, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
            filters: [
              hcm({
                route_config: {
                  name: 'inbound|8080||',
                  virtual_hosts: [{ name: 'inbound|http|8080', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound|8080||' } }] }],
                },
              }),
            ],
          },
          {
            name: '0.0.0.0_9090',
            filter_chain_match: { destination_port: 9090, transport_protocol: 'tls', server_names: ['app.example.com'] },
            filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: 'inbound|9090||', cluster: 'inbound|9090||' } }],
          },
        ],
      },
    ],
    routes: [
      {
        name: '80',
        virtual_hosts: [
          {
            name: 'customers.default.svc.cluster.local:80',
            domains: ['customers.default.svc.cluster.local'],
            routes: [
              { name: 'v1', match: { prefix: '/v1' }, route: { cluster: 'outbound|80|v1|customers.default.svc.cluster.local' } },
              { name: 'moved', match: { prefix: '/old' }, redirect: { path_redirect: '/new' } },
              { name: 'default', match: { prefix: '/' }, route: { cluster: 'outbound|80||customers.default.svc.cluster.local' } },
            ],
          },
          { name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] },
        ],
      },
    ],
    clusters: [
      { name: 'BlackHoleCluster', type: 'STATIC' },
      { name: 'PassthroughCluster', type: 'ORIGINAL_DST', connect_timeout: '10s' },
      { name: 'inbound|8080||', type: 'STATIC', connect_timeout: '10s' },
      { name: 'outbound|3306||mysql.default.svc.cluster.local', type: 'EDS', connect_timeout: '10s' },
      { name: 'outbound|80|v1|customers.default.svc.cluster.local', type: 'EDS', connect_timeout: '10s' },
      {
        name: 'outbound|80||customers.default.svc.cluster.local',
        type: 'EDS',
        connect_timeout: '10s',
        transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': TLS_CONTEXT_TYPE, sni: 'customers' } },
      },
    ],
    endpoints: [],
    secrets: [],
  };
}

export interface RunOptions {
  readonly proxy?: Proxy;
  readonly resources?: ProxyResources;
  readonly services?: Service[];
  readonly endpoints?: Endpoint[];
  readonly rootNamespace?: string;
}

export function run(filters: readonly Resource[], opts: RunOptions = {}): EnvoyFilterOutcome {
  const push = pushOf({
    configs: [...filters],
    services: opts.services ?? [],
    endpoints: opts.endpoints ?? [],
    ...(opts.rootNamespace !== undefined ? { mesh: { rootNamespace: opts.rootNamespace } } : {}),
  });
  return applyEnvoyFiltersWithReport(opts.proxy ?? proxyOf(), push, opts.resources ?? sidecarResources());
}

/** The fixture with `edit` applied to a copy: what a patch is expected to produce. */
export function expected(edit: (r: { listeners: EnvoyJson[]; routes: EnvoyJson[]; clusters: EnvoyJson[] }) => void): ProxyResources {
  const r = structuredClone(sidecarResources()) as { listeners: EnvoyJson[]; routes: EnvoyJson[]; clusters: EnvoyJson[]; endpoints: EnvoyJson[]; secrets: EnvoyJson[] };
  edit(r);
  const byName = (a: EnvoyJson, b: EnvoyJson): number => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0);
  return { ...r, listeners: r.listeners.sort(byName), routes: r.routes.sort(byName), clusters: r.clusters.sort(byName) };
}

/** Short-hands into the fixture's JSON. */
export const at = {
  listener: (r: { listeners: EnvoyJson[] }, name: string): EnvoyJson => r.listeners.find((l) => l.name === name)!,
  chain: (r: { listeners: EnvoyJson[] }, listener: string, i: number): EnvoyJson => (at.listener(r, listener).filter_chains as EnvoyJson[])[i]!,
  hcm: (r: { listeners: EnvoyJson[] }, listener: string, chain = 0): EnvoyJson => ((at.chain(r, listener, chain).filters as EnvoyJson[])[0]!.typed_config as EnvoyJson),
  httpFilters: (r: { listeners: EnvoyJson[] }, listener: string, chain = 0): EnvoyJson[] => at.hcm(r, listener, chain).http_filters as EnvoyJson[],
  vhosts: (r: { routes: EnvoyJson[] }, name: string): EnvoyJson[] => r.routes.find((x) => x.name === name)!.virtual_hosts as EnvoyJson[],
  cluster: (r: { clusters: EnvoyJson[] }, name: string): EnvoyJson => r.clusters.find((c) => c.name === name)!,
};
