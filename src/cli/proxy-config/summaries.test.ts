import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterRows, describeManagement, describeMatch, describeRouteDomains, endpointRows, listenerRows, routeRows } from './summaries.js';
import { resourcesOf } from './config-dump.js';
import { tabulate } from '../tabwriter.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const DR = (name: string, ns: string): Record<string, unknown> => ({ filter_metadata: { istio: { config: `/apis/networking.istio.io/v1alpha3/namespaces/${ns}/destination-rule/${name}` } } });

test('tabulate pads every cell but the last to the column width plus 5, as Go tabwriter', () => {
  assert.equal(tabulate([['NAME', 'X', 'LAST'], ['a-long-name', '', 'v']]), 'NAME            X     LAST\na-long-name           v\n');
  assert.equal(tabulate([['A', 'B'], ['aa', 'b']], 1), 'A  B\naa b\n');
});

test('clusters: Istio names split into FQDN, port, subset and direction; others whole; DestinationRule from metadata', () => {
  const rows = clusterRows([
    { name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', type: 'EDS', metadata: DR('reviews', 'bookinfo') },
    { name: 'BlackHoleCluster', type: 'STATIC' },
    { name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', type: 'EDS', metadata: DR('reviews', 'bookinfo') },
    { name: 'PassthroughCluster', type: 'ORIGINAL_DST' },
    { name: 'outbound|9080||details.bookinfo.svc.cluster.local', type: 'EDS' },
    { name: 'inbound|9080||', type: 'ORIGINAL_DST' },
    { name: 'agent' },
  ]);
  assert.equal(tabulate(rows), [
    'SERVICE FQDN                           PORT     SUBSET     DIRECTION     TYPE             DESTINATION RULE',
    '                                       9080     -          inbound       ORIGINAL_DST     ',
    'BlackHoleCluster                       -        -          -             STATIC           ',
    'PassthroughCluster                     -        -          -             ORIGINAL_DST     ',
    'agent                                  -        -          -             STATIC           ',
    'details.bookinfo.svc.cluster.local     9080     -          outbound      EDS              ',
    'reviews.bookinfo.svc.cluster.local     9080     v1         outbound      EDS              reviews.bookinfo',
    'reviews.bookinfo.svc.cluster.local     9080     v2         outbound      EDS              reviews.bookinfo',
    '',
  ].join('\n'));
});

test('listeners: one row per filter chain with its match and destination', () => {
  const rows = listenerRows([
    {
      name: '0.0.0.0_9080', address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
      filter_chains: [
        { filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, rds: { route_config_name: '9080' } } }] },
        { filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP, cluster: 'PassthroughCluster' } }] },
      ],
    },
    {
      name: 'virtualInbound', address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
      filter_chains: [
        { filter_chain_match: { destination_port: 9080, transport_protocol: 'tls' }, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP, cluster: 'inbound|9080||' } }] },
        { filter_chain_match: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }], destination_port: 80 }, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP, cluster: 'BlackHoleCluster' } }] },
        { filter_chain_match: { server_names: ['a.example.com'] }, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, route_config: { virtual_hosts: [{ domains: ['*'], routes: [{ match: { prefix: '/' } }] }] } } }] },
      ],
    },
    { name: 'http', address: { socket_address: { address: '127.0.0.1', port_value: 80 } }, additional_addresses: [{ address: { socket_address: { address: '::1', port_value: 80 } } }], filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, rds: { route_config_name: 'http.80' } } }] }] },
  ]);
  assert.deepEqual(rows, [
    ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'],
    ['127.0.0.1,::1', '80', 'ALL', 'Route: http.80'],
    ['0.0.0.0', '9080', 'Trans: raw_buffer; App: http/1.1,h2c', 'Route: 9080'],
    ['0.0.0.0', '9080', 'ALL', 'PassthroughCluster'],
    ['0.0.0.0', '15006', 'Addr: 10.0.0.0/8:80', 'Non-HTTP/Non-TCP'],
    ['0.0.0.0', '15006', 'SNI: a.example.com', 'Inline Route: /*'],
    ['0.0.0.0', '15006', 'Trans: tls; Addr: *:9080', 'Cluster: inbound|9080||'],
  ]);
});

test('routes: one row per route of each virtual host; passthrough routes hidden; empty hosts 404', () => {
  const vsMeta = { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/customers' } } };
  const rows = routeRows([
    { name: 'http.8080', virtual_hosts: [{ name: 'example.com:80', domains: ['example.com', 'example.com:*'], routes: [{ match: { path: '/get' }, route: { cluster: 'x' } }] }] },
    {
      name: '80',
      virtual_hosts: [
        { name: 'customers.default.svc.cluster.local:80', domains: ['customers.default.svc.cluster.local', 'customers', 'customers.default.svc', 'customers.default', '10.96.0.1'], routes: [{ match: { prefix: '/' }, route: { cluster: 'outbound|80||customers.default.svc.cluster.local' }, metadata: vsMeta }] },
        { name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] },
        { name: 'empty', domains: ['nothing.example'], routes: [] },
      ],
    },
  ]);
  assert.deepEqual(rows, [
    ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'],
    ['80', 'customers.default.svc.cluster.local:80', 'customers, customers.default + 1 more...', '/*', 'customers.default'],
    ['80', 'empty', 'nothing.example', '/*', '404'],
    ['http.8080', 'example.com:80', 'example.com', '/get', ''],
  ]);
});

const domainCases: [string[], string][] = [
  [[], ''],
  [['*'], '*'],
  [['reviews.default.svc.cluster.local', 'reviews.default.svc.cluster.local:9080', 'reviews', 'reviews:9080', 'reviews.default.svc', 'reviews.default'], 'reviews, reviews.default'],
  [['reviews.default.svc.cluster.local', 'reviews'], 'reviews.default.svc.cluster.local, reviews'],
  [['[fd00:10:96::7fc7]', '[fd00:10:96::7fc7]:8090', 'a'], '[fd00:10:96::7fc7], a'],
];
for (const [domains, want] of domainCases) {
  test(`describeRouteDomains(${JSON.stringify(domains)}) = ${JSON.stringify(want)}`, () => assert.equal(describeRouteDomains(domains), want));
}

const matchCases: [Record<string, unknown>, string][] = [
  [{ prefix: '/' }, '/*'],
  [{ path: '/exact' }, '/exact'],
  [{ safe_regex: { regex: '/v[0-9]+' } }, 'regex /v[0-9]+'],
  [{ path_separated_prefix: '/api' }, 'PathPrefix:/api'],
  [{ prefix: '/x', headers: [{ name: 'end-user' }] }, '/x*'],
];
for (const [m, want] of matchCases) {
  test(`describeMatch(${JSON.stringify(m)}) = ${want}`, () => assert.equal(describeMatch(m), want));
}

test('describeManagement names Istio configs as NAME.NAMESPACE', () => {
  assert.equal(describeManagement(DR('reviews', 'bookinfo')), 'reviews.bookinfo');
  assert.equal(describeManagement({ filter_metadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/customers' } } }), 'customers.default');
  assert.equal(describeManagement({ filter_metadata: { istio: { config: '/apis/gateway/x' } } }), '<unknown>');
  assert.equal(describeManagement(undefined), '');
});

test('endpoints: EDS hosts and inline load assignments, sorted by address, with Envoy health', () => {
  const rows = endpointRows(
    [
      { cluster_name: 'outbound|9080||reviews.default.svc.cluster.local', endpoints: [{ lb_endpoints: [
        { endpoint: { address: { socket_address: { address: '10.0.0.7', port_value: 9080 } } } },
        { endpoint: { address: { socket_address: { address: '10.0.0.5', port_value: 9080 } } }, health_status: 'UNHEALTHY' },
        { endpoint: { address: { socket_address: { address: '10.0.0.6', port_value: 9080 } } }, health_status: 'DEGRADED' },
      ] }] },
    ],
    [
      { name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS' },
      { name: 'httpbin', type: 'STRICT_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'httpbin.org', port_value: 80 } } } }] }] } },
    ],
  );
  assert.deepEqual(rows, [
    ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'],
    ['10.0.0.5:9080', 'UNHEALTHY', 'OK', 'outbound|9080||reviews.default.svc.cluster.local'],
    ['10.0.0.6:9080', 'DEGRADED', 'OK', 'outbound|9080||reviews.default.svc.cluster.local'],
    ['10.0.0.7:9080', 'HEALTHY', 'OK', 'outbound|9080||reviews.default.svc.cluster.local'],
    ['httpbin.org:80', 'HEALTHY', 'OK', 'httpbin'],
  ]);
});

test('resourcesOf reads static and dynamic resources from an Envoy ConfigDump', () => {
  const admin = 'type.googleapis.com/envoy.admin.v3.';
  const r = resourcesOf({
    configs: [
      { '@type': `${admin}BootstrapConfigDump` },
      { '@type': `${admin}ClustersConfigDump`, static_clusters: [{ cluster: { name: 's' } }], dynamic_active_clusters: [{ cluster: { name: 'd' } }] },
      { '@type': `${admin}ListenersConfigDump`, dynamic_listeners: [{ name: 'l', active_state: { listener: { name: 'l' } } }, { name: 'w', warming_state: {} }] },
      { '@type': `${admin}RoutesConfigDump`, dynamic_route_configs: [{ route_config: { name: 'r' } }] },
    ],
  });
  assert.deepEqual(r.clusters.map((c) => c['name']), ['d', 's']);
  assert.deepEqual(r.listeners.map((c) => c['name']), ['l']);
  assert.deepEqual(r.routes.map((c) => c['name']), ['r']);
  assert.deepEqual(r.endpoints, []);
  assert.deepEqual(resourcesOf('nonsense'), { clusters: [], listeners: [], routes: [], endpoints: [] });
});
