import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { parseLoadAssignment } from './load-assignment.js';

const ep = (address: string, port = 80, extra: Record<string, unknown> = {}) => ({
  endpoint: { address: { socket_address: { address, port_value: port } } },
  ...extra,
});

describe('parseLoadAssignment', () => {
  test('flattens localities into endpoint specs with defaults', () => {
    const la = parseLoadAssignment(
      {
        cluster_name: 'c',
        endpoints: [
          {
            locality: { region: 'us', zone: 'us-a', sub_zone: 'rack1' },
            load_balancing_weight: 3,
            priority: 1,
            lb_endpoints: [
              ep('10.0.0.1', 8080, { load_balancing_weight: 5, health_status: 'DEGRADED', metadata: { filter_metadata: { x: { y: 1 } } } }),
              ep('::1', 9090, { health_status: 4 }),
            ],
          },
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.3', port_value: 80 } }, hostname: 'h3' } }] },
        ],
        policy: { overprovisioning_factor: 200, drop_overloads: [{ category: 'x' }] },
      },
      '',
      { requireIp: true },
    );
    assert.equal(la.clusterName, 'c');
    assert.equal(la.overprovisioningFactor, 200);
    assert.deepEqual(la.dropOverloads, [{ category: 'x' }]);
    assert.deepEqual(la.endpoints.map((e) => [e.address, e.port, e.weight, e.priority, e.locality.zone, e.localityWeight, e.edsHealth, e.hostname]), [
      ['10.0.0.1', 8080, 5, 1, 'us-a', 3, 'DEGRADED', ''],
      ['::1', 9090, 1, 1, 'us-a', 3, 'TIMEOUT', ''],
      ['10.0.0.3', 80, 1, 0, '', 0, 'UNKNOWN', 'h3'],
    ]);
    assert.deepEqual(la.endpoints[0]!.metadata, { filter_metadata: { x: { y: 1 } } });
  });

  test('DNS clusters keep names, and the name is the hostname', () => {
    const la = parseLoadAssignment({ endpoints: [{ lb_endpoints: [ep('svc.example.com', 443)] }] }, '', { requireIp: false });
    assert.deepEqual([la.endpoints[0]!.address, la.endpoints[0]!.hostname, la.overprovisioningFactor], ['svc.example.com', 'svc.example.com', 140]);
  });

  const errors: { name: string; json: unknown; path: string; reason: RegExp }[] = [
    { name: 'hostname in a STATIC/EDS assignment', json: { endpoints: [{ lb_endpoints: [ep('example.com')] }] }, path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', reason: /malformed IP/ },
    { name: 'missing port', json: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '1.2.3.4' } } } }] }] }, path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value', reason: /required/ },
    { name: 'zero endpoint weight', json: { endpoints: [{ lb_endpoints: [ep('1.2.3.4', 80, { load_balancing_weight: 0 })] }] }, path: 'load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight', reason: /at least 1/ },
    { name: 'zero locality weight', json: { endpoints: [{ load_balancing_weight: 0, lb_endpoints: [] }] }, path: 'load_assignment.endpoints[0].load_balancing_weight', reason: /at least 1/ },
    { name: 'pipe address', json: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: '/x' } } } }] }] }, path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.pipe', reason: /not supported/ },
    { name: 'unknown health status', json: { endpoints: [{ lb_endpoints: [ep('1.2.3.4', 80, { health_status: 'SICK' })] }] }, path: 'load_assignment.endpoints[0].lb_endpoints[0].health_status', reason: /unknown value/ },
    { name: 'zero overprovisioning factor', json: { policy: { overprovisioning_factor: 0 } }, path: 'load_assignment.policy.overprovisioning_factor', reason: /greater than 0/ },
  ];
  for (const c of errors) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => parseLoadAssignment(c.json, 'load_assignment', { requireIp: true }), (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError);
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
    });
  }
});
