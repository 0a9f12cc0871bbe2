import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyOf, svc } from '../listener/test-fixtures.js';
import type { EnvoyJson } from '../generated.js';
import type { Endpoint } from '../../model/service.js';
import { at, envoyFilter, expected, onePatch, run, TLS_CONTEXT_TYPE } from './test-fixtures.js';
import { parseGatewayRdsRouteName, routeConfigurationMatch } from './route-patch.js';
import type { CompiledPatch, RouteConfigurationMatchSpec } from './envoy-filter-spec.js';

type Edit = Parameters<typeof expected>[0];

const CUSTOMERS_VH = 'customers.default.svc.cluster.local:80';
const NEW_ROUTE = { name: 'added', match: { prefix: '/added' }, direct_response: { status: 204 } };
const NEW_VHOST = { name: 'extra', domains: ['extra.example.com'], routes: [NEW_ROUTE] };
const routesOf = (r: Parameters<Edit>[0], vh = 0): EnvoyJson[] => at.vhosts(r, '80')[vh]!.routes as EnvoyJson[];
const inboundRoutes = (r: Parameters<Edit>[0]): EnvoyJson[] =>
  ((at.hcm(r, 'virtualInbound').route_config as EnvoyJson).virtual_hosts as EnvoyJson[])[0]!.routes as EnvoyJson[];
const vhostMatch = (route?: unknown): unknown => ({ context: 'SIDECAR_OUTBOUND', routeConfiguration: { portNumber: 80, vhost: { name: CUSTOMERS_VH, ...(route !== undefined ? { route } : {}) } } });

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly edit: Edit;
}

const CASES: readonly Case[] = [
  // ROUTE_CONFIGURATION
  {
    name: 'ROUTE_CONFIGURATION MERGE by port number',
    spec: onePatch('ROUTE_CONFIGURATION', 'MERGE', { routeConfiguration: { portNumber: 80 } }, { request_headers_to_add: [{ header: { key: 'x-a', value: '1' } }] }),
    edit: (r) => void (r.routes[0]!.request_headers_to_add = [{ header: { key: 'x-a', value: '1' } }]),
  },
  {
    name: 'ROUTE_CONFIGURATION MERGE by name',
    spec: onePatch('ROUTE_CONFIGURATION', 'MERGE', { routeConfiguration: { name: '80' } }, { max_direct_response_body_size_bytes: 100 }),
    edit: (r) => void (r.routes[0]!.max_direct_response_body_size_bytes = 100),
  },
  {
    name: 'ROUTE_CONFIGURATION MERGE on the inbound inline route configuration (SIDECAR_INBOUND, port from inbound|8080||)',
    spec: onePatch('ROUTE_CONFIGURATION', 'MERGE', { context: 'SIDECAR_INBOUND', routeConfiguration: { portNumber: 8080 } }, { response_headers_to_add: [{ header: { key: 'x-in', value: '1' } }] }),
    edit: (r) => void ((at.hcm(r, 'virtualInbound').route_config as EnvoyJson).response_headers_to_add = [{ header: { key: 'x-in', value: '1' } }]),
  },
  {
    name: 'ROUTE_CONFIGURATION with another port does nothing',
    spec: onePatch('ROUTE_CONFIGURATION', 'MERGE', { routeConfiguration: { portNumber: 81 } }, { max_direct_response_body_size_bytes: 100 }),
    edit: () => {},
  },
  {
    name: 'ROUTE_CONFIGURATION ADD is not an operation Istio has for it',
    spec: onePatch('ROUTE_CONFIGURATION', 'ADD', undefined, { name: 'new' }),
    edit: () => {},
  },
  // VIRTUAL_HOST
  {
    name: 'VIRTUAL_HOST MERGE by name',
    spec: onePatch('VIRTUAL_HOST', 'MERGE', vhostMatch(), { domains: ['customers'] }),
    edit: (r) => void (at.vhosts(r, '80')[0]!.domains as string[]).push('customers'),
  },
  {
    name: 'VIRTUAL_HOST REPLACE',
    spec: onePatch('VIRTUAL_HOST', 'REPLACE', vhostMatch(), NEW_VHOST),
    edit: (r) => void (at.vhosts(r, '80')[0] = structuredClone(NEW_VHOST)),
  },
  {
    name: 'VIRTUAL_HOST REMOVE',
    spec: onePatch('VIRTUAL_HOST', 'REMOVE', vhostMatch()),
    edit: (r) => void at.vhosts(r, '80').shift(),
  },
  {
    name: 'VIRTUAL_HOST ADD',
    spec: onePatch('VIRTUAL_HOST', 'ADD', { context: 'SIDECAR_OUTBOUND', routeConfiguration: { portNumber: 80 } }, NEW_VHOST),
    edit: (r) => void at.vhosts(r, '80').push(structuredClone(NEW_VHOST)),
  },
  // HTTP_ROUTE
  {
    name: 'HTTP_ROUTE MERGE by route name adds a request header',
    spec: onePatch('HTTP_ROUTE', 'MERGE', vhostMatch({ name: 'default' }), { request_headers_to_add: [{ header: { key: 'x-patched', value: 'yes' } }] }),
    edit: (r) => void (routesOf(r)[2]!.request_headers_to_add = [{ header: { key: 'x-patched', value: 'yes' } }]),
  },
  {
    name: 'HTTP_ROUTE MERGE by action REDIRECT',
    spec: onePatch('HTTP_ROUTE', 'MERGE', vhostMatch({ action: 'REDIRECT' }), { redirect: { response_code: 'PERMANENT_REDIRECT' } }),
    edit: (r) => void ((routesOf(r)[1]!.redirect as EnvoyJson).response_code = 'PERMANENT_REDIRECT'),
  },
  {
    name: 'HTTP_ROUTE MERGE switching a oneof (route → direct_response) clears the other member',
    spec: onePatch('HTTP_ROUTE', 'MERGE', vhostMatch({ name: 'v1' }), { direct_response: { status: 503 } }),
    edit: (r) => {
      delete routesOf(r)[0]!.route;
      routesOf(r)[0]!.direct_response = { status: 503 };
    },
  },
  {
    name: 'HTTP_ROUTE REMOVE by action ROUTE (every forwarding route)',
    spec: onePatch('HTTP_ROUTE', 'REMOVE', { routeConfiguration: { portNumber: 80, vhost: { route: { action: 'ROUTE' } } } }),
    edit: (r) => {
      routesOf(r).splice(2, 1);
      routesOf(r).splice(0, 1);
      delete at.vhosts(r, '80')[1]!.routes;
    },
  },
  {
    name: 'HTTP_ROUTE INSERT_BEFORE a named route',
    spec: onePatch('HTTP_ROUTE', 'INSERT_BEFORE', vhostMatch({ name: 'default' }), NEW_ROUTE),
    edit: (r) => void routesOf(r).splice(2, 0, structuredClone(NEW_ROUTE)),
  },
  {
    name: 'HTTP_ROUTE INSERT_AFTER a named route',
    spec: onePatch('HTTP_ROUTE', 'INSERT_AFTER', vhostMatch({ name: 'v1' }), NEW_ROUTE),
    edit: (r) => void routesOf(r).splice(1, 0, structuredClone(NEW_ROUTE)),
  },
  {
    name: 'HTTP_ROUTE INSERT_FIRST when a route matches',
    spec: onePatch('HTTP_ROUTE', 'INSERT_FIRST', vhostMatch({ name: 'moved' }), NEW_ROUTE),
    edit: (r) => void routesOf(r).unshift(structuredClone(NEW_ROUTE)),
  },
  {
    name: 'HTTP_ROUTE INSERT_FIRST when no route matches does nothing',
    spec: onePatch('HTTP_ROUTE', 'INSERT_FIRST', vhostMatch({ name: 'nope' }), NEW_ROUTE),
    edit: () => {},
  },
  {
    name: 'HTTP_ROUTE ADD appends',
    spec: onePatch('HTTP_ROUTE', 'ADD', vhostMatch(), NEW_ROUTE),
    edit: (r) => void routesOf(r).push(structuredClone(NEW_ROUTE)),
  },
  {
    name: 'HTTP_ROUTE MERGE inbound (inline route configuration)',
    spec: onePatch('HTTP_ROUTE', 'MERGE', { context: 'SIDECAR_INBOUND', routeConfiguration: { vhost: { name: 'inbound|http|8080', route: { name: 'default' } } } }, { response_headers_to_add: [{ header: { key: 'x-in', value: '1' } }] }),
    edit: (r) => void (inboundRoutes(r)[0]!.response_headers_to_add = [{ header: { key: 'x-in', value: '1' } }]),
  },
  // CLUSTER
  {
    name: 'CLUSTER MERGE connect_timeout by service and port (Duration replaced)',
    spec: onePatch('CLUSTER', 'MERGE', { context: 'SIDECAR_OUTBOUND', cluster: { service: 'customers.default.svc.cluster.local', portNumber: 80 } }, { connect_timeout: '0.5s' }),
    edit: (r) => {
      at.cluster(r, 'outbound|80||customers.default.svc.cluster.local').connect_timeout = '0.5s';
      at.cluster(r, 'outbound|80|v1|customers.default.svc.cluster.local').connect_timeout = '0.5s';
    },
  },
  {
    name: 'CLUSTER MERGE by subset',
    spec: onePatch('CLUSTER', 'MERGE', { cluster: { subset: 'v1' } }, { per_connection_buffer_limit_bytes: 1024 }),
    edit: (r) => void (at.cluster(r, 'outbound|80|v1|customers.default.svc.cluster.local').per_connection_buffer_limit_bytes = 1024),
  },
  {
    name: 'CLUSTER MERGE by name',
    spec: onePatch('CLUSTER', 'MERGE', { cluster: { name: 'PassthroughCluster' } }, { connect_timeout: '1s' }),
    edit: (r) => void (at.cluster(r, 'PassthroughCluster').connect_timeout = '1s'),
  },
  {
    name: 'CLUSTER MERGE inbound by the service the workload serves',
    spec: onePatch('CLUSTER', 'MERGE', { context: 'SIDECAR_INBOUND', cluster: { service: 'app.default.svc.cluster.local' } }, { connect_timeout: '2s' }),
    edit: (r) => void (at.cluster(r, 'inbound|8080||').connect_timeout = '2s'),
  },
  {
    name: 'CLUSTER MERGE of a transport socket with the same name merges its typed_config',
    spec: onePatch('CLUSTER', 'MERGE', { cluster: { name: 'outbound|80||customers.default.svc.cluster.local' } }, {
      connect_timeout: '3s',
      transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': TLS_CONTEXT_TYPE, allow_renegotiation: true } },
    }),
    // As in Istio: the socket is merged, the rest of that patch (connect_timeout) is not.
    edit: (r) => void ((at.cluster(r, 'outbound|80||customers.default.svc.cluster.local').transport_socket as EnvoyJson).typed_config = { '@type': TLS_CONTEXT_TYPE, sni: 'customers', allow_renegotiation: true }),
  },
  {
    name: 'CLUSTER REMOVE',
    spec: onePatch('CLUSTER', 'REMOVE', { cluster: { service: 'mysql.default.svc.cluster.local' } }),
    edit: (r) => void r.clusters.splice(r.clusters.findIndex((c) => c.name === 'outbound|3306||mysql.default.svc.cluster.local'), 1),
  },
  {
    name: 'CLUSTER ADD',
    spec: onePatch('CLUSTER', 'ADD', { context: 'SIDECAR_OUTBOUND' }, { name: 'extra', type: 'STRICT_DNS', connect_timeout: '1s' }),
    edit: (r) => void r.clusters.push({ name: 'extra', type: 'STRICT_DNS', connect_timeout: '1s' }),
  },
  {
    name: 'CLUSTER ADD in SIDECAR_INBOUND adds too',
    spec: onePatch('CLUSTER', 'ADD', { context: 'SIDECAR_INBOUND' }, { name: 'extra', type: 'STATIC' }),
    edit: (r) => void r.clusters.push({ name: 'extra', type: 'STATIC' }),
  },
  {
    name: 'CLUSTER with INSERT_BEFORE is an ADD (Istio converts it)',
    spec: onePatch('CLUSTER', 'INSERT_BEFORE', undefined, { name: 'extra', type: 'STATIC' }),
    edit: (r) => void r.clusters.push({ name: 'extra', type: 'STATIC' }),
  },
];

const served = [svc('app', [['http', 80, 'HTTP']], { selector: { app: 'app' } })];
const servedEndpoints: Endpoint[] = [
  { hostname: 'app.default.svc.cluster.local', namespace: 'default', servicePortName: 'http', servicePort: 80, address: '10.0.0.1', port: 8080, labels: { app: 'app' }, weight: 1, healthy: true, workloadName: 'app-1' },
];

for (const c of CASES) {
  test(`route/cluster patch: ${c.name}`, () => {
    const out = run([envoyFilter('f', c.spec)], { services: served, endpoints: servedEndpoints, proxy: proxyOf({ workloadName: 'app-1' }) });
    assert.deepEqual(out.resources, expected(c.edit));
    assert.deepEqual(out.warnings, []);
  });
}

const ROUTE_MATCHES: readonly { ctx: 'GATEWAY' | 'SIDECAR_OUTBOUND'; rc: string; match: RouteConfigurationMatchSpec; want: boolean }[] = [
  { ctx: 'GATEWAY', rc: 'http.8080', match: { portNumber: 8080 }, want: true },
  { ctx: 'GATEWAY', rc: 'http.8080', match: { portNumber: 80 }, want: false },
  { ctx: 'GATEWAY', rc: 'https.443.https.bookinfo-gateway.default', match: { portNumber: 443, portName: 'https', gateway: 'default/bookinfo-gateway' }, want: true },
  { ctx: 'GATEWAY', rc: 'https.443.https.bookinfo-gateway.default', match: { gateway: 'istio-system/bookinfo-gateway' }, want: false },
  { ctx: 'GATEWAY', rc: 'https.443.https.bookinfo-gateway.default', match: { portName: 'http' }, want: false },
  { ctx: 'GATEWAY', rc: 'http.8080', match: { name: 'http.8080' }, want: true },
  { ctx: 'SIDECAR_OUTBOUND', rc: 'customers.default.svc.cluster.local:80', match: { portNumber: 80 }, want: false },
  { ctx: 'SIDECAR_OUTBOUND', rc: 'inbound|9080||', match: { portNumber: 9080 }, want: true },
];

for (const c of ROUTE_MATCHES) {
  test(`routeConfiguration match ${JSON.stringify(c.match)} on ${c.ctx} ${c.rc} → ${String(c.want)}`, () => {
    const patch: CompiledPatch = { key: 'default/f', applyTo: 'ROUTE_CONFIGURATION', operation: 'MERGE', match: { routeConfiguration: c.match }, value: {} };
    assert.equal(routeConfigurationMatch(c.ctx, { name: c.rc }, patch), c.want);
  });
}

test('gateway RDS names parse as Istio parses them', () => {
  assert.deepEqual(parseGatewayRdsRouteName('http.8080'), { port: 8080, portName: '', gateway: '' });
  assert.deepEqual(parseGatewayRdsRouteName('https.443.https-443.gw.istio-system'), { port: 443, portName: 'https-443', gateway: 'istio-system/gw' });
  assert.deepEqual(parseGatewayRdsRouteName('80'), { port: 0, portName: '', gateway: '' });
});
