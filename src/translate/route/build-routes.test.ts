import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoutes } from './build-routes.js';
import { protoDuration } from './proto-values.js';
import { assertEncodes, pushFrom, routerProxy, seedYaml, service, sidecarProxy } from './route-test-support.js';

describe('buildRoutes: RDS names', () => {
  test('port numbers are sidecar routes, http./https. names gateway routes, anything else empty', async () => {
    const yaml = seedYaml('L5807-gateway-gateway.yaml') + '---\n' + seedYaml('L5932-virtualservice-web-frontend.yaml') + '---\n' + seedYaml('L6516-virtualservice-customers.yaml');
    const push = await pushFrom(yaml, { services: [service('customers', 'default', [80]), service('web-frontend', 'default', [80])] });
    const sidecar = buildRoutes(sidecarProxy(), push, ['80', '9080', 'unknown']);
    assert.deepEqual(
      sidecar.map((rc) => rc.name),
      ['80', '9080', 'unknown'],
    );
    assert.equal((sidecar[0]!.virtual_hosts as unknown[]).length, 3, 'customers, web-frontend, allow_any');
    assert.equal((sidecar[1]!.virtual_hosts as unknown[]).length, 1, 'only allow_any');
    assert.deepEqual(sidecar[2]!.virtual_hosts, []);
    const gateway = buildRoutes(routerProxy(), push, ['http.80', 'https.443.https.gateway.default']);
    assert.deepEqual(
      gateway.map((rc) => (rc.virtual_hosts as { name: string }[]).map((v) => v.name)),
      [['*:80'], []],
    );
    for (const rc of [...sidecar, ...gateway]) assertEncodes(rc);
  });

  test('every seed VirtualService translates to a RouteConfiguration Envoy accepts', async () => {
    const files = [
      'L2012-virtualservice-customers-route.yaml',
      'L2091-virtualservice-customers-route.yaml',
      'L2792-virtualservice-customers-service.yaml',
      'L2850-virtualservice-customers-service.yaml',
      'L3241-virtualservice-customers-service.yaml',
      'L3298-virtualservice-customers-service.yaml',
      'L5094-virtualservice-hello-world.yaml',
      'L5484-virtualservice-customers.yaml',
      'L5583-virtualservice-customers.yaml',
      'L5932-virtualservice-web-frontend.yaml',
      'L6010-virtualservice-customers.yaml',
      'L6073-virtualservice-customers.yaml',
      'L6516-virtualservice-customers.yaml',
    ];
    const gateways = ['L1733-gateway-my-gateway.yaml', 'L5018-gateway-istio-gateway.yaml', 'L5807-gateway-gateway.yaml'];
    const services = [service('customers', 'default', [80]), service('web-frontend', 'default', [80]), service('hello-world', 'default', [80])];
    for (const file of files) {
      const push = await pushFrom([seedYaml(file), ...gateways.map(seedYaml)].join('---\n'), { services });
      for (const rc of [...buildRoutes(sidecarProxy(), push, ['80']), ...buildRoutes(routerProxy(), push, ['http.80'])]) assertEncodes(rc);
    }
  });
});

describe('durations: Istio (Go syntax) → proto3 JSON', () => {
  const cases: [string, string | undefined][] = [
    ['10s', '10s'],
    ['0s', '0s'],
    ['0', '0s'],
    ['1.5s', '1.500s'],
    ['100ms', '0.100s'],
    ['1m30s', '90s'],
    ['24h', '86400s'],
    ['250us', '0.000250s'],
    ['1ns', '0.000000001s'],
    ['0.1s', '0.100s'],
    ['ten seconds', undefined],
    ['10', undefined],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(protoDuration(input), want));
});
