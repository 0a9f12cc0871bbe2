/**
 * RDS for sniffed service ports (Istio's buildSidecarOutboundHTTPRouteConfig with a `HOST:PORT`
 * route name): the port's virtual hosts narrowed to that service, answering any Host, with the
 * VirtualService routing of the shared configuration and no catch-all.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvoyJson } from '../generated.js';
import { buildRoutes } from './build-routes.js';
import { buildSidecarOutboundRoutes, buildSidecarSniffedRoutes } from './sidecar-routes.js';
import { assertEncodes, clusterFor, pushFrom, seedYaml, service, sidecarProxy } from './route-test-support.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';
const WEB = 'web-frontend.default.svc.cluster.local';
/** The labs' Services: one unnamed port (`name: ''`: protocol unknown, sniffed). */
const SERVICES = [
  service('customers', 'default', [{ port: 80, name: '' }], { clusterIP: '10.96.1.2' }),
  service('web-frontend', 'default', [{ port: 80, name: '' }], { clusterIP: '10.96.1.3' }),
  service('httpbin', 'default', [80], { clusterIP: '10.96.1.4' }),
  service('db', 'default', [{ port: 5432, name: 'tcp' }], { clusterIP: '10.96.1.5' }),
];

const DEBUG_TO_V2 = `
${seedYaml('L5983-destinationrule-customers.yaml')}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: customers, namespace: default }
spec:
  hosts: [customers.default.svc.cluster.local]
  http:
  - match: [{ headers: { user: { exact: debug } } }]
    route: [{ destination: { host: customers.default.svc.cluster.local, port: { number: 80 }, subset: v2 } }]
    fault: { abort: { httpStatus: 418, percentage: { value: 0.0001 } } }
  - route:
    - { destination: { host: customers.default.svc.cluster.local, port: { number: 80 }, subset: v1 }, weight: 90 }
    - { destination: { host: customers.default.svc.cluster.local, port: { number: 80 }, subset: v2 }, weight: 10 }
`;

const vhosts = (rc: EnvoyJson): EnvoyJson[] => rc.virtual_hosts as EnvoyJson[];

describe('sidecar routes for a sniffed service port (HOST:PORT)', () => {
  test('one virtual host, the service\'s, for any Host; no catch-all; the RouteConfiguration fields of the per-port one', async () => {
    const push = await pushFrom('', { services: SERVICES });
    const rc = buildSidecarSniffedRoutes(sidecarProxy(), push, CUSTOMERS, 80);
    assertEncodes(rc);
    assert.deepEqual(rc, {
      name: `${CUSTOMERS}:80`,
      virtual_hosts: [
        {
          name: `${CUSTOMERS}:80`,
          domains: ['*'],
          routes: vhosts(buildSidecarOutboundRoutes(sidecarProxy(), push, 80)).find((v) => v.name === `${CUSTOMERS}:80`)!.routes,
          include_request_attempt_count: true,
        },
      ],
      validate_clusters: false,
      max_direct_response_body_size_bytes: 1048576,
      ignore_port_in_host_matching: true,
    });
    assert.equal(clusterFor(rc, { authority: 'anything-at-all' }), `outbound|80||${CUSTOMERS}`);
  });

  test('the VirtualService routing of the shared configuration: header match, subsets, weights, fault', async () => {
    const push = await pushFrom(DEBUG_TO_V2, { services: SERVICES });
    const rc = buildSidecarSniffedRoutes(sidecarProxy(), push, CUSTOMERS, 80);
    assertEncodes(rc);
    const shared = vhosts(buildSidecarOutboundRoutes(sidecarProxy(), push, 80)).find((v) => v.name === `${CUSTOMERS}:80`)!;
    assert.deepEqual(vhosts(rc)[0]!.routes, shared.routes);
    assert.equal(clusterFor(rc, { authority: 'customers', headers: { user: 'debug' } }), `outbound|80|v2|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: 'customers', random: 0.5 }), `outbound|80|v1|${CUSTOMERS}`);
    assert.equal(clusterFor(rc, { authority: '10.96.1.2:80', random: 0.95 }), `outbound|80|v2|${CUSTOMERS}`);
    assert.match(JSON.stringify(vhosts(rc)[0]!.routes), /"envoy\.filters\.http\.fault"/);
  });

  test('each sniffed service gets only its own virtual host', async () => {
    const push = await pushFrom(DEBUG_TO_V2, { services: SERVICES });
    const rc = buildSidecarSniffedRoutes(sidecarProxy(), push, WEB, 80);
    assert.deepEqual(vhosts(rc).map((v) => [v.name, v.domains]), [[`${WEB}:80`, ['*']]]);
    assert.equal(clusterFor(rc, { authority: 'customers', headers: { user: 'debug' } }), `outbound|80||${WEB}`);
  });

  test('a host with no HTTP virtual host on the port: an empty configuration (the proxy answers 404)', async () => {
    const push = await pushFrom('', { services: SERVICES });
    for (const [host, port] of [['unknown.default.svc.cluster.local', 80], [CUSTOMERS, 9999], ['db.default.svc.cluster.local', 5432]] as const) {
      const rc = buildSidecarSniffedRoutes(sidecarProxy(), push, host, port);
      assert.equal(rc.name, `${host}:${port}`);
      assert.deepEqual(rc.virtual_hosts, []);
    }
  });

  test('buildRoutes answers HOST:PORT names next to port numbers, in the order asked; routers get an empty one', async () => {
    const push = await pushFrom(DEBUG_TO_V2, { services: SERVICES });
    const rcs = buildRoutes(sidecarProxy(), push, ['80', `${CUSTOMERS}:80`, `${WEB}:80`]);
    assert.deepEqual(rcs.map((rc) => rc.name), ['80', `${CUSTOMERS}:80`, `${WEB}:80`]);
    assert.equal(vhosts(rcs[1]!).length, 1);
    assert.equal(vhosts(rcs[0]!).at(-1)!.name, 'allow_any');
    const router = { ...sidecarProxy('istio-system'), type: 'router' as const };
    assert.deepEqual(buildRoutes(router, push, [`${CUSTOMERS}:80`]), [{ name: `${CUSTOMERS}:80`, virtual_hosts: [], validate_clusters: false }]);
  });
});
