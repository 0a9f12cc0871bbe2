import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvoyJson } from '../generated.js';
import type { Service } from '../../model/service.js';
import { buildRoutes } from './build-routes.js';
import { buildSidecarOutboundRoutes } from './sidecar-routes.js';
import { assertEncodes, clusterFor, pushFrom, service, sidecarProxy } from './route-test-support.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';
const WEB = 'web-frontend.default.svc.cluster.local';
const ORDERS = 'orders.shop.svc.cluster.local';

const SERVICES: Service[] = [
  service('customers', 'default', [3000], { clusterIP: '10.96.0.10' }),
  service('web-frontend', 'default', [80], { clusterIP: '10.96.0.11' }),
  service('orders', 'shop', [80, 8080], { clusterIP: '10.96.0.20' }),
  service('db', 'default', [{ port: 5432, name: 'tcp' }], { clusterIP: '10.96.0.30' }),
];

const HEADER_VS = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: customers }
spec:
  host: customers
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: customers }
spec:
  hosts: [customers]
  http:
  - match: [{ headers: { user: { exact: debug } } }]
    route: [{ destination: { host: customers, subset: v2 } }]
  - route: [{ destination: { host: customers, subset: v1 } }]
`;

const SIDECAR_DEFAULT_ONLY = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default }
spec:
  egress: [{ hosts: [./*] }]
`;

const EXTERNAL_VS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: external }
spec:
  hosts: [www.example.com]
  http: [{ route: [{ destination: { host: web-frontend } }] }]
`;

async function httpProxyRoutes(yaml: string): Promise<EnvoyJson> {
  const push = await pushFrom(yaml, { services: SERVICES });
  const [rc] = buildRoutes(sidecarProxy(), push, ['http_proxy']);
  assertEncodes(rc!);
  return rc!;
}

const vhosts = (rc: EnvoyJson): EnvoyJson[] => rc.virtual_hosts as EnvoyJson[];
const names = (rc: EnvoyJson): string[] => vhosts(rc).map((v) => String(v.name));
function vhost(rc: EnvoyJson, name: string): EnvoyJson {
  const vh = vhosts(rc).find((v) => v.name === name);
  assert.ok(vh, `virtual host ${name} in [${names(rc).join(', ')}]`);
  return vh;
}

interface Case {
  readonly name: string;
  readonly yaml?: string;
  readonly check: (rc: EnvoyJson) => void;
}

const cases: Case[] = [
  {
    name: 'every HTTP service on every port, sorted, then allow_any; TCP ports left out',
    check: (rc) => {
      assert.equal(rc.name, 'http_proxy');
      assert.equal(rc.validate_clusters, false);
      assert.deepEqual(names(rc), [`${CUSTOMERS}:3000`, `${ORDERS}:80`, `${ORDERS}:8080`, `${WEB}:80`, 'allow_any']);
      // The port in the authority is what tells services apart: never ignored here.
      assert.equal(rc.ignore_port_in_host_matching, undefined);
    },
  },
  {
    name: 'a port other than 80: only domains with the port',
    check: (rc) => {
      assert.deepEqual(vhost(rc, `${CUSTOMERS}:3000`).domains, [
        `${CUSTOMERS}:3000`, 'customers:3000', 'customers.default.svc:3000', 'customers.default:3000', '10.96.0.10:3000',
      ]);
      assert.deepEqual(vhost(rc, `${ORDERS}:8080`).domains, [`${ORDERS}:8080`, 'orders.shop:8080', 'orders.shop.svc:8080', '10.96.0.20:8080']);
    },
  },
  {
    name: 'port 80: the names with and without the port',
    check: (rc) => {
      assert.deepEqual(vhost(rc, `${WEB}:80`).domains, [
        WEB, `${WEB}:80`, 'web-frontend', 'web-frontend:80', 'web-frontend.default.svc', 'web-frontend.default.svc:80',
        'web-frontend.default', 'web-frontend.default:80', '10.96.0.11', '10.96.0.11:80',
      ]);
    },
  },
  {
    name: 'routes by authority: the port picks the service port, a wrong port falls to the catch-all',
    check: (rc) => {
      assert.equal(clusterFor(rc, { authority: 'customers:3000' }), `outbound|3000||${CUSTOMERS}`);
      assert.equal(clusterFor(rc, { authority: 'web-frontend' }), `outbound|80||${WEB}`);
      assert.equal(clusterFor(rc, { authority: 'web-frontend:80' }), `outbound|80||${WEB}`);
      assert.equal(clusterFor(rc, { authority: 'orders.shop:8080' }), `outbound|8080||${ORDERS}`);
      assert.equal(clusterFor(rc, { authority: 'orders.shop' }), `outbound|80||${ORDERS}`);
      assert.equal(clusterFor(rc, { authority: 'customers' }), 'PassthroughCluster');
    },
  },
  {
    name: 'a VirtualService with a header match applies as on the per-port route',
    yaml: HEADER_VS,
    check: (rc) => {
      assert.equal(clusterFor(rc, { authority: 'customers:3000', headers: { user: 'debug' } }), `outbound|3000|v2|${CUSTOMERS}`);
      assert.equal(clusterFor(rc, { authority: 'customers:3000' }), `outbound|3000|v1|${CUSTOMERS}`);
    },
  },
  {
    name: 'a VirtualService host that is no service: not on http_proxy (Istio selects by service), still on route 80',
    yaml: EXTERNAL_VS,
    check: (rc) => assert.ok(!vhosts(rc).some((v) => (v.domains as string[]).some((d) => d.startsWith('www.example.com')))),
  },
  {
    name: 'a Sidecar importing only its namespace trims the services',
    yaml: SIDECAR_DEFAULT_ONLY,
    check: (rc) => assert.deepEqual(names(rc), [`${CUSTOMERS}:3000`, `${WEB}:80`, 'allow_any']),
  },
];

for (const c of cases) {
  test(`http_proxy routes: ${c.name}`, async () => c.check(await httpProxyRoutes(c.yaml ?? '')));
}

test('http_proxy routes: each virtual host carries exactly the routes of the per-port route configuration', async () => {
  const push = await pushFrom(HEADER_VS, { services: SERVICES });
  const [proxyRc] = buildRoutes(sidecarProxy(), push, ['http_proxy']);
  for (const [port, name] of [[3000, `${CUSTOMERS}:3000`], [80, `${WEB}:80`], [8080, `${ORDERS}:8080`]] as const) {
    const perPort = buildSidecarOutboundRoutes(sidecarProxy(), push, port);
    assert.deepEqual(vhost(proxyRc!, name).routes, vhost(perPort, name).routes, name);
  }
});

test('http_proxy routes: the per-port route 80 still has the VirtualService-only host', async () => {
  const push = await pushFrom(EXTERNAL_VS, { services: SERVICES });
  const rc = buildSidecarOutboundRoutes(sidecarProxy(), push, 80);
  assert.equal(clusterFor(rc, { authority: 'www.example.com' }), `outbound|80||${WEB}`);
});
