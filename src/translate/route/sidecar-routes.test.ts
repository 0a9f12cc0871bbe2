import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvoyJson } from '../generated.js';
import { buildSidecarOutboundRoutes } from './sidecar-routes.js';
import { assertEncodes, clusterFor, pushFrom, seedYaml, service, sidecarProxy, simulate } from './route-test-support.js';
import type { PushOptions } from './route-test-support.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';
const WEB = 'web-frontend.default.svc.cluster.local';

const SERVICES = [
  service('customers', 'default', [80], { clusterIP: '10.96.0.10' }),
  service('web-frontend', 'default', [80], { clusterIP: '10.96.0.11' }),
  service('ratings', 'default', [9080], { clusterIP: '10.96.0.12' }),
  service('orders', 'shop', [80], { clusterIP: '10.96.0.20' }),
  service('db', 'default', [{ port: 80, name: 'tcp' }], { clusterIP: '10.96.0.30' }),
];

async function routes(yaml: string, port = 80, opts: PushOptions = {}, proxy = sidecarProxy()): Promise<EnvoyJson> {
  const push = await pushFrom(yaml, { services: SERVICES, ...opts });
  const rc = buildSidecarOutboundRoutes(proxy, push, port);
  assertEncodes(rc);
  return rc;
}

function vhost(rc: EnvoyJson, name: string): EnvoyJson {
  const vh = (rc.virtual_hosts as EnvoyJson[]).find((v) => v.name === name);
  assert.ok(vh, `virtual host ${name}`);
  return vh;
}

const names = (rc: EnvoyJson): string[] => (rc.virtual_hosts as EnvoyJson[]).map((v) => String(v.name));

describe('sidecar outbound routes: services without VirtualServices', () => {
  test('one virtual host per HTTP service on the port, sorted, then allow_any', async () => {
    const rc = await routes('');
    assert.equal(rc.name, '80');
    assert.equal(rc.validate_clusters, false);
    assert.equal(rc.ignore_port_in_host_matching, true);
    assert.deepEqual(names(rc), [`${CUSTOMERS}:80`, 'orders.shop.svc.cluster.local:80', `${WEB}:80`, 'allow_any']);
  });

  test("domains: FQDN, the short names DNS resolves from the proxy's namespace, the ClusterIP", async () => {
    const rc = await routes('');
    assert.deepEqual(vhost(rc, `${CUSTOMERS}:80`).domains, [CUSTOMERS, 'customers', 'customers.default.svc', 'customers.default', '10.96.0.10']);
    assert.deepEqual(vhost(rc, 'orders.shop.svc.cluster.local:80').domains, ['orders.shop.svc.cluster.local', 'orders.shop', 'orders.shop.svc', '10.96.0.20']);
  });

  test("the default route: the service's cluster, no timeout, Istio's default retries", async () => {
    const rc = await routes('');
    const [route] = vhost(rc, `${CUSTOMERS}:80`).routes as EnvoyJson[];
    assert.equal(route!.name, 'default');
    assert.deepEqual(route!.match, { prefix: '/' });
    assert.deepEqual(route!.decorator, { operation: `${CUSTOMERS}:80/*` });
    const action = route!.route as EnvoyJson;
    assert.equal(action.cluster, `outbound|80||${CUSTOMERS}`);
    assert.equal(action.timeout, '0s');
    assert.equal((action.retry_policy as EnvoyJson).num_retries, 2);
  });

  test('requests reach the service by any of its names, with or without the port; unknown hosts pass through', async () => {
    const rc = await routes('');
    for (const authority of ['customers', 'customers:80', 'customers.default', CUSTOMERS, `${CUSTOMERS}:80`, '10.96.0.10', 'CUSTOMERS']) {
      assert.equal(clusterFor(rc, { authority }), `outbound|80||${CUSTOMERS}`, authority);
    }
    assert.equal(clusterFor(rc, { authority: 'orders.shop' }), 'outbound|80||orders.shop.svc.cluster.local');
    assert.equal(clusterFor(rc, { authority: 'orders' }), 'PassthroughCluster', 'no short name for another namespace');
    assert.equal(clusterFor(rc, { authority: 'www.example.com' }), 'PassthroughCluster');
  });

  test('REGISTRY_ONLY: unknown hosts get block_all (502)', async () => {
    const rc = await routes('', 80, { mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' } });
    assert.equal(names(rc).at(-1), 'block_all');
    assert.equal(clusterFor(rc, { authority: 'www.example.com' }), 'direct_response:502');
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80||${CUSTOMERS}`);
  });

  test("a Sidecar's outboundTrafficPolicy overrides the mesh's; egressProxy takes unknown hosts", async () => {
    const sidecar = (policy: string): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  outboundTrafficPolicy: ${policy}
`;
    const blocked = await routes(sidecar('{mode: REGISTRY_ONLY}'));
    assert.equal(clusterFor(blocked, { authority: 'www.example.com' }), 'direct_response:502');
    const viaEgress = await routes(sidecar('{mode: ALLOW_ANY, egressProxy: {host: egress.istio-system.svc.cluster.local, port: {number: 80}}}'));
    assert.equal(clusterFor(viaEgress, { authority: 'www.example.com' }), 'outbound|80||egress.istio-system.svc.cluster.local');
  });

  test('Sidecar egress hosts scope the services and VirtualServices routed', async () => {
    const rc = await routes(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  egress:
  - hosts: ["./customers.default.svc.cluster.local"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web-frontend]
  http:
  - route: [{destination: {host: web-frontend, subset: v9}}]
`);
    assert.deepEqual(names(rc), [`${CUSTOMERS}:80`, 'allow_any']);
  });

  test('other ports have their own route configuration; TCP services get none', async () => {
    const rc = await routes('', 9080);
    assert.deepEqual(names(rc), ['ratings.default.svc.cluster.local:9080', 'allow_any']);
    assert.equal(clusterFor(rc, { authority: 'ratings:9080' }), 'outbound|9080||ratings.default.svc.cluster.local');
    assert.equal(names(await routes('')).includes('db.default.svc.cluster.local:80'), false);
  });

  test('a DestinationRule consistentHash gives the default route a hash_policy', async () => {
    const rc = await routes(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers}
spec:
  host: customers
  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true}
`);
    const action = (vhost(rc, `${CUSTOMERS}:80`).routes as EnvoyJson[])[0]!.route as EnvoyJson;
    assert.deepEqual(action.hash_policy, [{ connection_properties: { source_ip: true } }]);
  });
});

describe('sidecar outbound routes: default routes shared across classes and snapshots', () => {
  const CONSISTENT_HASH = (header: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers}
spec:
  host: customers
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: ${header}}
`;
  const defaultRoute = (rc: EnvoyJson, name: string): EnvoyJson => (vhost(rc, name).routes as EnvoyJson[])[0]!;

  test('an unchanged default route is the very same frozen object for every namespace and the next snapshot', async () => {
    const yaml = CONSISTENT_HASH('x-user');
    const first = await pushFrom(yaml, { services: SERVICES });
    const inDefault = buildSidecarOutboundRoutes(sidecarProxy('default'), first, 80);
    const inShop = buildSidecarOutboundRoutes(sidecarProxy('shop'), first, 80);
    const route = defaultRoute(inDefault, `${CUSTOMERS}:80`);
    assert.equal(defaultRoute(inShop, `${CUSTOMERS}:80`), route);
    assert.deepEqual((route.route as EnvoyJson).hash_policy, [{ header: { header_name: 'x-user' } }]);
    assert.ok(Object.isFrozen(route) && Object.isFrozen(route.route) && Object.isFrozen((route.route as EnvoyJson).hash_policy));
    assert.throws(() => ((route.route as EnvoyJson).timeout = '1s'), TypeError);

    const next = await pushFrom(yaml, { services: SERVICES });
    assert.equal(defaultRoute(buildSidecarOutboundRoutes(sidecarProxy('default'), next, 80), `${CUSTOMERS}:80`), route);
    // Another hash header: another route, and the one already handed out is as it was.
    const changed = await pushFrom(CONSISTENT_HASH('x-tenant'), { services: SERVICES });
    const other = defaultRoute(buildSidecarOutboundRoutes(sidecarProxy('default'), changed, 80), `${CUSTOMERS}:80`);
    assert.notEqual(other, route);
    assert.deepEqual((other.route as EnvoyJson).hash_policy, [{ header: { header_name: 'x-tenant' } }]);
    assert.deepEqual((route.route as EnvoyJson).hash_policy, [{ header: { header_name: 'x-user' } }]);
    // Without a rule, no hash policy: never the shared route with one.
    const plain = defaultRoute(buildSidecarOutboundRoutes(sidecarProxy('default'), await pushFrom('', { services: SERVICES }), 80), `${CUSTOMERS}:80`);
    assert.equal((plain.route as EnvoyJson).hash_policy, undefined);
  });

  test("a service's virtual host is shared by the namespaces that see the same domains, frozen; its own namespace's differs", async () => {
    const push = await pushFrom('', { services: SERVICES });
    const ORDERS = 'orders.shop.svc.cluster.local:80';
    const fromDefault = vhost(buildSidecarOutboundRoutes(sidecarProxy('default'), push, 80), ORDERS);
    const fromOther = vhost(buildSidecarOutboundRoutes(sidecarProxy('other'), push, 80), ORDERS);
    const fromShop = vhost(buildSidecarOutboundRoutes(sidecarProxy('shop'), push, 80), ORDERS);
    assert.equal(fromOther, fromDefault);
    assert.ok(Object.isFrozen(fromDefault) && Object.isFrozen(fromDefault.domains) && Object.isFrozen(fromDefault.routes));
    assert.throws(() => (fromDefault.domains as string[]).push('x'), TypeError);
    // In its own namespace the short name `orders` is a domain too: another virtual host.
    assert.notEqual(fromShop, fromDefault);
    assert.deepEqual(fromShop.domains, ['orders.shop.svc.cluster.local', 'orders', 'orders.shop.svc', 'orders.shop', '10.96.0.20']);
    assert.deepEqual(fromDefault.domains, ['orders.shop.svc.cluster.local', 'orders.shop', 'orders.shop.svc', '10.96.0.20']);
    // The next snapshot: the same object; a new ClusterIP: a new one.
    assert.equal(vhost(buildSidecarOutboundRoutes(sidecarProxy('default'), await pushFrom('', { services: SERVICES }), 80), ORDERS), fromDefault);
    const moved = SERVICES.map((s) => (s.hostname.startsWith('orders.') ? { ...s, addresses: ['10.96.0.21'] } : s));
    const after = vhost(buildSidecarOutboundRoutes(sidecarProxy('default'), await pushFrom('', { services: moved }), 80), ORDERS);
    assert.notEqual(after, fromDefault);
    assert.deepEqual(after.domains, ['orders.shop.svc.cluster.local', 'orders.shop', 'orders.shop.svc', '10.96.0.21']);
    assert.equal((after.routes as EnvoyJson[])[0], (fromDefault.routes as EnvoyJson[])[0]);
  });
});

describe('sidecar outbound routes: the seed guide', () => {
  test('subset v1 only (L5401)', async () => {
    const rc = await routes(seedYaml('L5401-customers-deployment-service-destinationrule-virtualservice.yaml'));
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'web-frontend' }), `outbound|80||${WEB}`, 'other services keep their default route');
    const [route] = vhost(rc, `${CUSTOMERS}:80`).routes as EnvoyJson[];
    assert.deepEqual((route!.metadata as EnvoyJson).filter_metadata, { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/customers' } });
  });

  test('an 80/20 split by weight: the request draw picks the subset', async () => {
    const rc = await routes(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: customers}
spec:
  hosts: [customers.default.svc.cluster.local]
  http:
  - route:
    - destination: {host: customers.default.svc.cluster.local, subset: v1}
      weight: 80
    - destination: {host: customers.default.svc.cluster.local, subset: v2}
      weight: 20
`);
    assert.equal(clusterFor(rc, { authority: 'customers', random: 0 }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', random: 0.79 }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', random: 0.8 }), `outbound|80|v2|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', random: 0.99 }), `outbound|80|v2|${CUSTOMERS}`);
  });

  test('70/30 (L2012) and 50/50 (L6073)', async () => {
    const rc70 = await routes(seedYaml('L2012-virtualservice-customers-route.yaml'));
    assert.equal(clusterFor(rc70, { authority: 'customers', random: 0.69 }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc70, { authority: 'customers', random: 0.7 }), `outbound|80|v2|${CUSTOMERS}`);
    const rc50 = await routes(seedYaml('L6073-virtualservice-customers.yaml'));
    assert.equal(clusterFor(rc50, { authority: 'customers', random: 0.49 }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc50, { authority: 'customers', random: 0.5 }), `outbound|80|v2|${CUSTOMERS}`);
  });

  test('header match user: debug → v2, everyone else v1 (L6516)', async () => {
    const rc = await routes(seedYaml('L6516-virtualservice-customers.yaml'));
    assert.equal(clusterFor(rc, { authority: 'customers', headers: { user: 'debug' } }), `outbound|80|v2|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', headers: { user: 'someone' } }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80|v1|${CUSTOMERS}`);
  });

  test('fault injection: delay 5s for 50% (L5484), abort 500 for 50% (L5583)', async () => {
    const delay = simulate(await routes(seedYaml('L5484-virtualservice-customers.yaml')), { authority: 'customers' })!;
    assert.deepEqual(delay.perFilterConfig('envoy.filters.http.fault'), {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      delay: { fixed_delay: '5s', percentage: { numerator: 500000, denominator: 'MILLION' } },
    });
    const abort = simulate(await routes(seedYaml('L5583-virtualservice-customers.yaml')), { authority: 'customers' })!;
    assert.deepEqual(abort.perFilterConfig('envoy.filters.http.fault'), {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      abort: { http_status: 500, percentage: { numerator: 500000, denominator: 'MILLION' } },
    });
    assert.equal(abort.clusterName, `outbound|80|v1|${CUSTOMERS}`);
  });

  test('timeout 10s (L2792) and retries (L2850) reach the compiled route', async () => {
    const timeout = simulate(await routes(seedYaml('L2792-virtualservice-customers-service.yaml')), { authority: 'customers' })!;
    assert.equal(timeout.route.action.kind === 'route' && timeout.route.action.timeoutMs, 10_000);
    const retries = simulate(await routes(seedYaml('L2850-virtualservice-customers-service.yaml')), { authority: 'customers' })!;
    assert.equal(retries.route.action.kind, 'route');
    if (retries.route.action.kind === 'route') {
      assert.deepEqual(retries.route.action.retryPolicy, {
        retry_on: '5xx,connect-failure,reset',
        num_retries: 3,
        host_selection_retry_max_attempts: '5',
        retry_host_predicate: [
          { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } },
        ],
        per_try_timeout: '2s',
      });
    }
  });

  test('a VirtualService bound to a gateway only does not change sidecar routes (L2091)', async () => {
    const rc = await routes(seedYaml('L2091-virtualservice-customers-route.yaml'));
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80||${CUSTOMERS}`);
  });
});

describe('sidecar outbound routes: VirtualService hosts', () => {
  const vs = (name: string, hosts: string[], subset: string, created = '2024-01-01T00:00:00Z'): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, creationTimestamp: "${created}"}
spec:
  hosts: ${JSON.stringify(hosts)}
  http:
  - route:
    - destination: {host: customers, subset: ${subset}}
---
`;

  test('a non-registry host gets its own virtual host on port 80 only', async () => {
    const yaml = vs('external', ['www.example.com'], 'ext');
    const rc = await routes(yaml);
    assert.deepEqual(vhost(rc, 'www.example.com:80').domains, ['www.example.com']);
    assert.equal(clusterFor(rc, { authority: 'www.example.com' }), `outbound|80|ext|${CUSTOMERS}`);
    assert.equal(names(await routes(yaml, 9080)).includes('www.example.com:9080'), false);
  });

  test('two VirtualServices for one host: the oldest wins', async () => {
    const rc = await routes(vs('newer', ['customers'], 'new', '2024-02-01T00:00:00Z') + vs('older', ['customers'], 'old', '2024-01-01T00:00:00Z'));
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80|old|${CUSTOMERS}`);
    assert.equal(names(rc).filter((n) => n === `${CUSTOMERS}:80`).length, 1);
  });

  test('wildcard hosts: the most specific VirtualService claims each service', async () => {
    const rc = await routes(vs('all', ['*.svc.cluster.local'], 'all') + vs('ns', ['*.default.svc.cluster.local'], 'ns'));
    assert.equal(clusterFor(rc, { authority: 'customers' }), `outbound|80|ns|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'orders.shop' }), 'outbound|80|all|customers.default.svc.cluster.local');
  });

  test('VirtualServices for services not on the port are left out (not port 80)', async () => {
    const rc = await routes(vs('c', ['customers'], 'v1'), 9080);
    assert.deepEqual(names(rc), ['ratings.default.svc.cluster.local:9080', 'allow_any']);
  });

  test('a domain is served by the first virtual host claiming it (a service named by a short name)', async () => {
    const rc = await routes('', 80, {
      services: [...SERVICES, service('se', 'default', [80], { kind: 'ServiceEntry', hostname: 'customers.default' })],
    });
    assert.deepEqual(vhost(rc, 'customers.default:80').domains, ['customers.default']);
    assert.deepEqual(vhost(rc, `${CUSTOMERS}:80`).domains, [CUSTOMERS, 'customers', 'customers.default.svc', '10.96.0.10']);
    assert.equal(clusterFor(rc, { authority: 'customers.default' }), 'outbound|80||customers.default');
  });

  test('delegation on the mesh gateway', async () => {
    const rc = await routes(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root}
spec:
  hosts: [customers]
  http:
  - match: [{uri: {prefix: /api}}]
    delegate: {name: api}
  - route: [{destination: {host: customers, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  http:
  - match: [{uri: {prefix: /api/v2}}]
    route: [{destination: {host: customers, subset: v2}}]
`);
    assert.equal(clusterFor(rc, { authority: 'customers', path: '/api/v2/x' }), `outbound|80|v2|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', path: '/api/v1' }), `outbound|80|v1|${CUSTOMERS}`);
  });
});

describe('sidecar outbound routes: special services and proxies', () => {
  test('headless Kubernetes services also match pod names under them', async () => {
    const rc = await routes('', 80, { services: [service('db', 'default', [80], { resolution: 'Passthrough' })] });
    const domains = vhost(rc, 'db.default.svc.cluster.local:80').domains as string[];
    assert.ok(domains.includes('*.db.default.svc.cluster.local'));
    assert.equal(clusterFor(rc, { authority: 'db-0.db.default.svc.cluster.local' }), 'outbound|80||db.default.svc.cluster.local');
  });

  test('proxyless gRPC clients get port-qualified domains', async () => {
    const rc = await routes('', 80, {}, sidecarProxy('default', {}, { GENERATOR: 'grpc' }));
    assert.deepEqual(vhost(rc, `${CUSTOMERS}:80`).domains, [
      CUSTOMERS,
      `${CUSTOMERS}:80`,
      'customers',
      'customers:80',
      'customers.default.svc',
      'customers.default.svc:80',
      'customers.default',
      'customers.default:80',
      '10.96.0.10',
      '10.96.0.10:80',
    ]);
  });
});
