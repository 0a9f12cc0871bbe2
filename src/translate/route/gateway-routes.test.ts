import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { buildGatewayRoutes, intersectHosts } from './gateway-routes.js';
import { mergeGateways } from './gateway-servers.js';
import { assertEncodes, clusterFor, pushFrom, routerProxy, seedYaml, service } from './route-test-support.js';
import type { PushOptions } from './route-test-support.js';

const SERVICES = [
  service('customers', 'default', [80]),
  service('web-frontend', 'default', [80]),
  service('hello-world', 'default', [80]),
  service('istio-ingressgateway', 'istio-system', [80, { port: 443, name: 'https' }], { labels: { istio: 'ingressgateway' } }),
];

function gatewayEndpoint(servicePort: number, port: number): Endpoint {
  return {
    hostname: 'istio-ingressgateway.istio-system.svc.cluster.local',
    namespace: 'istio-system',
    servicePortName: servicePort === 80 ? 'http' : 'https',
    servicePort,
    address: '10.1.0.20',
    port,
    labels: { istio: 'ingressgateway' },
    weight: 1,
    healthy: true,
  };
}

async function gatewayRoutes(yaml: string, routeName: string, opts: PushOptions = {}): Promise<EnvoyJson> {
  const push = await pushFrom(yaml, { services: SERVICES, ...opts });
  const rc = buildGatewayRoutes(routerProxy(), push, routeName);
  assertEncodes(rc);
  return rc;
}

const names = (rc: EnvoyJson): string[] => (rc.virtual_hosts as EnvoyJson[]).map((v) => String(v.name));

const gateway = (name: string, servers: string): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}}
spec:
  selector: {istio: ingressgateway}
  servers: ${servers}
---
`;

const vs = (name: string, hosts: string[], http: string, opts: { gateways?: string[]; namespace?: string; created?: string } = {}): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${opts.namespace ?? 'default'}, creationTimestamp: "${opts.created ?? '2024-01-01T00:00:00Z'}"}
spec:
  hosts: ${JSON.stringify(hosts)}
  gateways: ${JSON.stringify(opts.gateways ?? ['default/gw'])}
  http: ${http}
---
`;

const HTTP_ALL = '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]';

describe('gateway routes: the seed guide', () => {
  test("a '*' VirtualService on a '*' server (L5807 + L5932): every host reaches web-frontend", async () => {
    const rc = await gatewayRoutes(seedYaml('L5807-gateway-gateway.yaml') + '---\n' + seedYaml('L5932-virtualservice-web-frontend.yaml'), 'http.80');
    assert.equal(rc.name, 'http.80');
    assert.equal(rc.ignore_port_in_host_matching, true);
    assert.deepEqual(names(rc), ['*:80']);
    assert.deepEqual((rc.virtual_hosts as EnvoyJson[])[0]!.domains, ['*']);
    for (const authority of ['localhost:8080', 'example.com', '10.0.0.1']) {
      assert.equal(clusterFor(rc, { authority }), 'outbound|80||web-frontend.default.svc.cluster.local', authority);
    }
  });

  test('the gateway Service maps port 80 to target port 8080: the route is http.8080', async () => {
    const yaml = seedYaml('L5018-gateway-istio-gateway.yaml') + '---\n' + seedYaml('L5094-virtualservice-hello-world.yaml');
    const endpoints = [gatewayEndpoint(80, 8080), gatewayEndpoint(443, 8443)];
    const rc = await gatewayRoutes(yaml, 'http.8080', { endpoints });
    assert.equal(clusterFor(rc, { authority: 'anything' }), 'outbound|80||hello-world.default.svc.cluster.local');
    // Virtual hosts keep the server's port in their names, as Istio.
    assert.deepEqual(names(rc), ['*:80']);
    // The server's own port names no route (the listener asks for the resolved http.8080), as Istio.
    const byServerPort = await gatewayRoutes(yaml, 'http.80', { endpoints });
    assert.equal(byServerPort.name, 'http.80');
    assert.deepEqual(byServerPort.virtual_hosts, []);
    const none = await gatewayRoutes(yaml, 'http.9999', { endpoints });
    assert.deepEqual(none.virtual_hosts, [], 'no server has that route name');
  });

  test('server hosts dev/test.example.com, VirtualService customers.example.com (L1733 + L3241): blackhole 404', async () => {
    const rc = await gatewayRoutes(seedYaml('L1733-gateway-my-gateway.yaml') + '---\n' + seedYaml('L3241-virtualservice-customers-service.yaml'), 'http.80');
    assert.deepEqual(rc.virtual_hosts, [{ name: 'blackhole:80', domains: ['*'], routes: [] }]);
    assert.equal(clusterFor(rc, { authority: 'customers.example.com' }), '404');
  });

  test('fault abort on a gateway route (L3241 on a matching server)', async () => {
    const yaml = seedYaml('L3241-virtualservice-customers-service.yaml') + '---\n' + gateway('my-gateway', HTTP_ALL).replace('metadata: {name: my-gateway}', 'metadata: {name: my-gateway, namespace: default}');
    const rc = await gatewayRoutes(yaml, 'http.80');
    assert.deepEqual(names(rc), ['customers.example.com:80']);
    const route = ((rc.virtual_hosts as EnvoyJson[])[0]!.routes as EnvoyJson[])[0]!;
    assert.deepEqual(Object.keys(route.typed_per_filter_config as EnvoyJson), ['envoy.filters.http.fault']);
    assert.equal(clusterFor(rc, { authority: 'customers.example.com' }), 'outbound|80|v1|customers.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'other.example.com' }), '404');
  });
});

describe('gateway routes: hosts', () => {
  const route = (host: string): string => `[{route: [{destination: {host: ${host}}}]}]`;

  test('one VirtualService with two hosts: one virtual host with both domains (route collapse)', async () => {
    const rc = await gatewayRoutes(gateway('gw', HTTP_ALL) + vs('v', ['dev.example.com', 'test.example.com'], route('customers')), 'http.80');
    assert.deepEqual(rc.virtual_hosts, [
      {
        name: 'dev.example.com:80',
        domains: ['dev.example.com', 'test.example.com'],
        routes: (rc.virtual_hosts as EnvoyJson[])[0]!.routes,
        include_request_attempt_count: true,
      },
    ]);
    assert.equal(clusterFor(rc, { authority: 'test.example.com:8080' }), 'outbound|80||customers.default.svc.cluster.local');
  });

  test('VirtualService * on server example.com → example.com; server *.example.com with VirtualService a.example.com → a.example.com', async () => {
    const servers = '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["example.com", "*.example.com"]}]';
    const rc = await gatewayRoutes(gateway('gw', servers) + vs('star', ['*'], route('customers')) + vs('a', ['a.example.com'], route('web-frontend')), 'http.80');
    assert.equal(clusterFor(rc, { authority: 'example.com' }), 'outbound|80||customers.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'a.example.com' }), 'outbound|80||web-frontend.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'b.example.com' }), 'outbound|80||customers.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'other.org' }), '404');
  });

  test('intersection rules', () => {
    assert.deepEqual(intersectHosts(['*'], ['a.com']), ['a.com']);
    assert.deepEqual(intersectHosts(['a.com'], ['*']), ['a.com']);
    assert.deepEqual(intersectHosts(['*.com'], ['*']), ['*.com']);
    assert.deepEqual(intersectHosts(['*.example.com'], ['a.example.com', 'b.org']), ['a.example.com']);
    assert.deepEqual(intersectHosts(['a.com'], ['b.com']), []);
  });

  test('server hosts ns/host only admit VirtualServices of that namespace', async () => {
    const servers = '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["prod/*"]}]';
    const yaml = gateway('gw', servers) + vs('d', ['a.com'], route('customers')) + vs('p', ['p.com'], route('customers.default.svc.cluster.local'), { namespace: 'prod' });
    const rc = await gatewayRoutes(yaml, 'http.80');
    assert.deepEqual(names(rc), ['p.com:80']);
  });

  test('VirtualServices for the same host add up; catch-all routes go last', async () => {
    const yaml =
      gateway('gw', HTTP_ALL) +
      vs('older', ['a.com'], route('customers'), { created: '2024-01-01T00:00:00Z' }) +
      vs('newer', ['a.com'], '[{match: [{uri: {prefix: /web}}], route: [{destination: {host: web-frontend}}]}]', { created: '2024-02-01T00:00:00Z' });
    const rc = await gatewayRoutes(yaml, 'http.80');
    assert.deepEqual(names(rc), ['a.com:80']);
    assert.equal(clusterFor(rc, { authority: 'a.com', path: '/web/x' }), 'outbound|80||web-frontend.default.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'a.com', path: '/other' }), 'outbound|80||customers.default.svc.cluster.local');
  });

  test('a VirtualService bound to another gateway is not used', async () => {
    const rc = await gatewayRoutes(gateway('gw', HTTP_ALL) + vs('v', ['a.com'], route('customers'), { gateways: ['default/other'] }), 'http.80');
    assert.deepEqual(names(rc), ['blackhole:80']);
  });
});

describe('gateway routes: TLS', () => {
  test('httpsRedirect: every server host requires TLS (301 to https)', async () => {
    const servers = '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["secure.example.com", "plain.example.com"], tls: {httpsRedirect: true}}]';
    const yaml = gateway('gw', servers) + vs('v', ['plain.example.com'], '[{route: [{destination: {host: customers}}]}]');
    const rc = await gatewayRoutes(yaml, 'http.80');
    for (const vh of rc.virtual_hosts as EnvoyJson[]) assert.equal(vh.require_tls, 'ALL', String(vh.name));
    assert.equal(clusterFor(rc, { authority: 'secure.example.com' }), 'redirect');
    assert.equal(clusterFor(rc, { authority: 'plain.example.com' }), 'redirect');
    assert.equal(clusterFor(rc, { authority: 'plain.example.com', scheme: 'https' }), 'outbound|80||customers.default.svc.cluster.local');
  });

  test('HTTPS servers have their own route: https.443.PORT_NAME.GATEWAY.NAMESPACE', async () => {
    const servers =
      '[{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["a.example.com"], tls: {mode: SIMPLE, credentialName: a-cert}}, ' +
      '{port: {number: 443, name: https-b, protocol: HTTPS}, hosts: ["b.example.com"], tls: {mode: SIMPLE, credentialName: b-cert}}, ' +
      '{port: {number: 443, name: tls-pass, protocol: TLS}, hosts: ["c.example.com"], tls: {mode: PASSTHROUGH}}]';
    const yaml =
      gateway('my-gateway', servers).replace('metadata: {name: my-gateway}', 'metadata: {name: my-gateway, namespace: default}') +
      vs('v', ['a.example.com', 'b.example.com'], '[{route: [{destination: {host: customers}}]}]', { gateways: ['my-gateway'] });
    const push = await pushFrom(yaml, { services: SERVICES });
    assert.deepEqual([...mergeGateways(routerProxy(), push, push.gatewaysFor(routerProxy())).serversByRouteName.keys()], [
      'https.443.https.my-gateway.default',
      'https.443.https-b.my-gateway.default',
    ]);
    const a = await gatewayRoutes(yaml, 'https.443.https.my-gateway.default');
    assert.deepEqual(names(a), ['a.example.com:443']);
    assert.equal(clusterFor(a, { authority: 'a.example.com', scheme: 'https' }), 'outbound|80||customers.default.svc.cluster.local');
    const b = await gatewayRoutes(yaml, 'https.443.https-b.my-gateway.default');
    assert.deepEqual(names(b), ['b.example.com:443']);
  });

  test('HTTP servers of several gateways on one port share http.PORT', async () => {
    const yaml =
      gateway('gw', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["a.com"]}]') +
      gateway('gw2', '[{port: {number: 80, name: http2, protocol: HTTP}, hosts: ["b.com"]}]') +
      vs('a', ['a.com'], '[{route: [{destination: {host: customers}}]}]') +
      vs('b', ['b.com'], '[{route: [{destination: {host: web-frontend}}]}]', { gateways: ['gw2'] });
    const rc = await gatewayRoutes(yaml, 'http.80');
    assert.deepEqual(names(rc), ['a.com:80', 'b.com:80']);
    assert.equal(clusterFor(rc, { authority: 'b.com' }), 'outbound|80||web-frontend.default.svc.cluster.local');
  });
});
