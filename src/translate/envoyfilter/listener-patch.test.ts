import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvoyJson, ProxyResources } from '../generated.js';
import { at, envoyFilter, expected, HCM_TYPE, onePatch, ROUTER_TYPE, run, TCP_PROXY_TYPE } from './test-fixtures.js';

type Edit = Parameters<typeof expected>[0];

const LOCAL_RATELIMIT = {
  name: 'envoy.filters.http.local_ratelimit',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', stat_prefix: 'http_local_rate_limiter' },
};
const CORS = { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
const NETWORK_RBAC = {
  name: 'envoy.filters.network.rbac',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC', stat_prefix: 'tcp.' },
};
const NEW_LISTENER = { name: 'extra_9999', address: { socket_address: { address: '0.0.0.0', port_value: 9999 } } };
const inbound8080 = { context: 'SIDECAR_INBOUND', listener: { portNumber: 8080, filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } };
const outboundHcm = { context: 'SIDECAR_OUTBOUND', listener: { portNumber: 80, filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } };
const mysqlTcp = { context: 'SIDECAR_OUTBOUND', listener: { name: '10.96.0.20_3306', filterChain: { filter: { name: 'envoy.filters.network.tcp_proxy' } } } };

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly edit: Edit;
  readonly warnings?: readonly string[];
}

const mysqlFilters = (r: Parameters<Edit>[0]): EnvoyJson[] => at.chain(r, '10.96.0.20_3306', 0).filters as EnvoyJson[];

const CASES: readonly Case[] = [
  // LISTENER
  {
    name: 'LISTENER MERGE by name sets a scalar',
    spec: onePatch('LISTENER', 'MERGE', { context: 'SIDECAR_OUTBOUND', listener: { name: '0.0.0.0_80' } }, { per_connection_buffer_limit_bytes: 1024 }),
    edit: (r) => void (at.listener(r, '0.0.0.0_80').per_connection_buffer_limit_bytes = 1024),
  },
  {
    name: 'LISTENER MERGE by port number, camelCase value',
    spec: onePatch('LISTENER', 'MERGE', { listener: { portNumber: 3306 } }, { perConnectionBufferLimitBytes: 2048 }),
    edit: (r) => void (at.listener(r, '10.96.0.20_3306').per_connection_buffer_limit_bytes = 2048),
  },
  {
    name: 'LISTENER MERGE in the wrong context changes nothing',
    spec: onePatch('LISTENER', 'MERGE', { context: 'SIDECAR_INBOUND', listener: { name: '0.0.0.0_80' } }, { per_connection_buffer_limit_bytes: 1024 }),
    edit: () => {},
  },
  {
    name: 'LISTENER MERGE appends repeated fields',
    spec: onePatch('LISTENER', 'MERGE', { listener: { name: 'virtualInbound' } }, { listener_filters: [TLS_INSPECTOR] }),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).push(TLS_INSPECTOR),
  },
  {
    name: 'LISTENER REMOVE',
    spec: onePatch('LISTENER', 'REMOVE', { listener: { name: '10.96.0.20_3306' } }),
    edit: (r) => void r.listeners.splice(r.listeners.findIndex((l) => l.name === '10.96.0.20_3306'), 1),
  },
  {
    name: 'LISTENER ADD (SIDECAR_OUTBOUND)',
    spec: onePatch('LISTENER', 'ADD', { context: 'SIDECAR_OUTBOUND' }, NEW_LISTENER),
    edit: (r) => void r.listeners.push(structuredClone(NEW_LISTENER)),
  },
  {
    name: 'LISTENER ADD without context adds once, for outbound',
    spec: onePatch('LISTENER', 'ADD', undefined, NEW_LISTENER),
    edit: (r) => void r.listeners.push(structuredClone(NEW_LISTENER)),
  },
  {
    name: 'LISTENER ADD on a gateway context does not add to a sidecar',
    spec: onePatch('LISTENER', 'ADD', { context: 'GATEWAY' }, NEW_LISTENER),
    edit: () => {},
  },
  // LISTENER_FILTER
  {
    name: 'LISTENER_FILTER ADD appends',
    spec: onePatch('LISTENER_FILTER', 'ADD', { listener: { name: 'virtualInbound' } }, TLS_INSPECTOR),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).push(TLS_INSPECTOR),
  },
  {
    name: 'LISTENER_FILTER INSERT_BEFORE a named listener filter',
    spec: onePatch('LISTENER_FILTER', 'INSERT_BEFORE', { listener: { name: 'virtualInbound', listenerFilter: 'envoy.filters.listener.http_inspector' } }, TLS_INSPECTOR),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).splice(1, 0, TLS_INSPECTOR),
  },
  {
    name: 'LISTENER_FILTER INSERT_AFTER a named listener filter',
    spec: onePatch('LISTENER_FILTER', 'INSERT_AFTER', { listener: { name: 'virtualInbound', listenerFilter: 'envoy.filters.listener.original_dst' } }, TLS_INSPECTOR),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).splice(1, 0, TLS_INSPECTOR),
  },
  {
    name: 'LISTENER_FILTER INSERT_FIRST',
    spec: onePatch('LISTENER_FILTER', 'INSERT_FIRST', { listener: { name: 'virtualInbound' } }, TLS_INSPECTOR),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).unshift(TLS_INSPECTOR),
  },
  {
    name: 'LISTENER_FILTER REPLACE',
    spec: onePatch('LISTENER_FILTER', 'REPLACE', { listener: { name: 'virtualInbound', listenerFilter: 'envoy.filters.listener.http_inspector' } }, TLS_INSPECTOR),
    edit: (r) => void ((at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[])[1] = TLS_INSPECTOR),
  },
  {
    name: 'LISTENER_FILTER REMOVE (deprecated name in the match)',
    spec: onePatch('LISTENER_FILTER', 'REMOVE', { listener: { name: 'virtualInbound', listenerFilter: 'envoy.listener.original_dst' } }),
    edit: (r) => void (at.listener(r, 'virtualInbound').listener_filters as EnvoyJson[]).shift(),
  },
  // FILTER_CHAIN
  {
    name: 'FILTER_CHAIN MERGE by chain name',
    spec: onePatch('FILTER_CHAIN', 'MERGE', { context: 'SIDECAR_INBOUND', listener: { filterChain: { name: '0.0.0.0_8080' } } }, { transport_socket_connect_timeout: '5s' }),
    edit: (r) => void (at.chain(r, 'virtualInbound', 0).transport_socket_connect_timeout = '5s'),
  },
  {
    name: 'FILTER_CHAIN MERGE by port number on the virtual inbound listener (destination_port)',
    spec: onePatch('FILTER_CHAIN', 'MERGE', { listener: { portNumber: 9090 } }, { transport_socket_connect_timeout: '5s' }),
    edit: (r) => void (at.chain(r, 'virtualInbound', 1).transport_socket_connect_timeout = '5s'),
  },
  {
    name: 'FILTER_CHAIN MERGE by transportProtocol + applicationProtocols',
    spec: onePatch('FILTER_CHAIN', 'MERGE', { listener: { filterChain: { transportProtocol: 'raw_buffer', applicationProtocols: 'h2c,http/1.1' } } }, { name: 'renamed' }),
    edit: (r) => void (at.chain(r, 'virtualInbound', 0).name = 'renamed'),
  },
  {
    name: 'FILTER_CHAIN MERGE by destinationPort',
    spec: onePatch('FILTER_CHAIN', 'MERGE', { listener: { filterChain: { destinationPort: 9090 } } }, { name: 'renamed' }),
    edit: (r) => void (at.chain(r, 'virtualInbound', 1).name = 'renamed'),
  },
  {
    name: 'FILTER_CHAIN REMOVE by sni',
    spec: onePatch('FILTER_CHAIN', 'REMOVE', { listener: { filterChain: { sni: 'app.example.com' } } }),
    edit: (r) => void (at.listener(r, 'virtualInbound').filter_chains as EnvoyJson[]).splice(1, 1),
  },
  {
    name: 'FILTER_CHAIN ADD to a listener',
    spec: onePatch('FILTER_CHAIN', 'ADD', { listener: { name: '10.96.0.20_3306' } }, { name: 'extra', filters: [NETWORK_RBAC] }),
    edit: (r) => void (at.listener(r, '10.96.0.20_3306').filter_chains as EnvoyJson[]).push({ name: 'extra', filters: [NETWORK_RBAC] }),
  },
  // NETWORK_FILTER
  {
    name: 'NETWORK_FILTER INSERT_BEFORE tcp_proxy',
    spec: onePatch('NETWORK_FILTER', 'INSERT_BEFORE', mysqlTcp, NETWORK_RBAC),
    edit: (r) => void mysqlFilters(r).unshift(NETWORK_RBAC),
  },
  {
    name: 'NETWORK_FILTER INSERT_AFTER tcp_proxy',
    spec: onePatch('NETWORK_FILTER', 'INSERT_AFTER', mysqlTcp, NETWORK_RBAC),
    edit: (r) => void mysqlFilters(r).push(NETWORK_RBAC),
  },
  {
    name: 'NETWORK_FILTER INSERT_FIRST',
    spec: onePatch('NETWORK_FILTER', 'INSERT_FIRST', { listener: { name: '10.96.0.20_3306' } }, NETWORK_RBAC),
    edit: (r) => void mysqlFilters(r).unshift(NETWORK_RBAC),
  },
  {
    name: 'NETWORK_FILTER ADD',
    spec: onePatch('NETWORK_FILTER', 'ADD', { listener: { name: '10.96.0.20_3306' } }, NETWORK_RBAC),
    edit: (r) => void mysqlFilters(r).push(NETWORK_RBAC),
  },
  {
    name: 'NETWORK_FILTER REPLACE',
    spec: onePatch('NETWORK_FILTER', 'REPLACE', mysqlTcp, NETWORK_RBAC),
    edit: (r) => void (mysqlFilters(r)[0] = NETWORK_RBAC),
  },
  {
    name: 'NETWORK_FILTER REMOVE',
    spec: onePatch('NETWORK_FILTER', 'REMOVE', mysqlTcp),
    edit: (r) => void delete at.chain(r, '10.96.0.20_3306', 0).filters,
  },
  {
    name: 'NETWORK_FILTER MERGE merges typed_config as its message',
    spec: onePatch('NETWORK_FILTER', 'MERGE', mysqlTcp, { typed_config: { '@type': TCP_PROXY_TYPE, idle_timeout: '30s' } }),
    edit: (r) => void ((mysqlFilters(r)[0]!.typed_config as EnvoyJson).idle_timeout = '30s'),
  },
  {
    name: 'NETWORK_FILTER MERGE on the HCM: common_http_protocol_options.idle_timeout',
    spec: onePatch('NETWORK_FILTER', 'MERGE', outboundHcm, { typed_config: { '@type': HCM_TYPE, common_http_protocol_options: { idle_timeout: '15s' } } }),
    edit: (r) => void (at.hcm(r, '0.0.0.0_80').common_http_protocol_options = { idle_timeout: '15s' }),
  },
  {
    name: 'NETWORK_FILTER MERGE with another @type is refused with a warning',
    spec: onePatch('NETWORK_FILTER', 'MERGE', mysqlTcp, { typed_config: { '@type': HCM_TYPE, stat_prefix: 'x' } }),
    edit: () => {},
    warnings: [`EnvoyFilter default/f: typed_config @type ${HCM_TYPE} differs from filter envoy.filters.network.tcp_proxy's ${TCP_PROXY_TYPE}; not merged`],
  },
  // HTTP_FILTER
  {
    name: 'HTTP_FILTER INSERT_BEFORE router (SIDECAR_INBOUND, port 8080)',
    spec: onePatch('HTTP_FILTER', 'INSERT_BEFORE', inbound8080, LOCAL_RATELIMIT),
    edit: (r) => void at.httpFilters(r, 'virtualInbound').splice(1, 0, LOCAL_RATELIMIT),
  },
  {
    name: 'HTTP_FILTER INSERT_AFTER fault',
    spec: onePatch('HTTP_FILTER', 'INSERT_AFTER', { listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.fault' } } } } }, CORS),
    edit: (r) => {
      at.httpFilters(r, 'virtualInbound').splice(1, 0, CORS);
      at.httpFilters(r, '0.0.0.0_80').splice(1, 0, CORS);
    },
  },
  {
    name: 'HTTP_FILTER INSERT_BEFORE without a sub-filter inserts first',
    spec: onePatch('HTTP_FILTER', 'INSERT_BEFORE', outboundHcm, CORS),
    edit: (r) => void at.httpFilters(r, '0.0.0.0_80').unshift(CORS),
  },
  {
    name: 'HTTP_FILTER INSERT_FIRST',
    spec: onePatch('HTTP_FILTER', 'INSERT_FIRST', outboundHcm, CORS),
    edit: (r) => void at.httpFilters(r, '0.0.0.0_80').unshift(CORS),
  },
  {
    name: 'HTTP_FILTER ADD appends (after the router, as in Istio)',
    spec: onePatch('HTTP_FILTER', 'ADD', outboundHcm, CORS),
    edit: (r) => void at.httpFilters(r, '0.0.0.0_80').push(CORS),
  },
  {
    name: 'HTTP_FILTER REPLACE fault',
    spec: onePatch('HTTP_FILTER', 'REPLACE', { listener: { portNumber: 80, filterChain: { filter: { name: 'envoy.http_connection_manager', subFilter: { name: 'envoy.fault' } } } } }, CORS),
    edit: (r) => void (at.httpFilters(r, '0.0.0.0_80')[0] = CORS),
  },
  {
    name: 'HTTP_FILTER REMOVE fault everywhere',
    spec: onePatch('HTTP_FILTER', 'REMOVE', { listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.fault' } } } } }),
    edit: (r) => {
      at.httpFilters(r, 'virtualInbound').shift();
      at.httpFilters(r, '0.0.0.0_80').shift();
    },
  },
  {
    name: 'HTTP_FILTER MERGE into the router',
    spec: onePatch('HTTP_FILTER', 'MERGE', inbound8080, { typed_config: { '@type': ROUTER_TYPE, suppress_envoy_headers: true } }),
    edit: (r) => void ((at.httpFilters(r, 'virtualInbound')[1]!.typed_config as EnvoyJson).suppress_envoy_headers = true),
  },
  {
    name: 'HTTP_FILTER REMOVE without a sub-filter match does nothing',
    spec: onePatch('HTTP_FILTER', 'REMOVE', outboundHcm),
    edit: () => {},
  },
];

for (const c of CASES) {
  test(`listener patch: ${c.name}`, () => {
    const out = run([envoyFilter('f', c.spec)]);
    assert.deepEqual(out.resources, expected(c.edit));
    assert.deepEqual(out.warnings, c.warnings ?? []);
  });
}

test('patches never write into the resources they were given (translation may share them between proxies)', () => {
  const input: ProxyResources = JSON.parse(JSON.stringify(expected(() => {}))) as ProxyResources;
  const before = JSON.stringify(input);
  const out = run(
    [
      envoyFilter('f', onePatch('HTTP_FILTER', 'INSERT_BEFORE', inbound8080, LOCAL_RATELIMIT)),
      envoyFilter('g', onePatch('HTTP_ROUTE', 'MERGE', { routeConfiguration: { vhost: { route: { name: 'default' } } } }, { request_headers_to_add: [{ header: { key: 'x', value: '1' } }] })),
      envoyFilter('h', onePatch('CLUSTER', 'MERGE', undefined, { connect_timeout: '1s' })),
    ],
    { resources: input },
  );
  assert.equal(JSON.stringify(input), before);
  assert.notEqual(JSON.stringify(out.resources), before, 'the patches did apply');
});
