import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { ABSENT, assertFields, byName, pushFrom, sidecarProxy } from '../cluster/test-fixtures.js';
import { buildEndpoints } from './build-endpoints.js';

const HOST = 'customers.default.svc.cluster.local';

const REGISTRY = `
service: ${HOST}
ports: [{name: http, port: 80}, {name: grpc, port: 9090}]
---
endpoints: ${HOST}
port: 80
items:
- {address: 10.0.0.7, port: 3000, labels: {version: v1}, locality: us-east/a, workload: customers-v1-abc}
- {address: 10.0.0.8, port: 3000, labels: {version: v2}, locality: us-east/b, weight: 3}
- {address: 10.0.0.9, port: 3000, labels: {version: v2}, locality: us-east/b}
- {address: 10.0.0.10, port: 3000, labels: {version: v1}, healthy: false}
- {address: 10.0.0.11, port: 3000, labels: {version: v3}}
---
service: dns.example.com
source: ServiceEntry
resolution: DNSLB
ports: [{name: http, port: 80}]
---
endpoints: dns.example.com
port: 80
items: [{address: dns.example.com}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: customers}
spec:
  host: customers
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v9, labels: {version: v9}}
`;

const ep = (address: string, port = 3000): Record<string, unknown> => ({ endpoint: { address: { socket_address: { address, port_value: port } } } });

describe('buildEndpoints', () => {
  const push = pushFrom(REGISTRY);
  const cases: { name: string; cluster: string; want: Record<string, unknown> }[] = [
    {
      name: 'the whole service: healthy endpoints grouped by locality, sorted, weights summed',
      cluster: `outbound|80||${HOST}`,
      want: {
        endpoints: [
          { locality: ABSENT, lb_endpoints: [ep('10.0.0.11')], load_balancing_weight: 1 },
          {
            locality: { region: 'us-east', zone: 'a' },
            lb_endpoints: [
              {
                ...ep('10.0.0.7'),
                health_status: 'HEALTHY',
                load_balancing_weight: 1,
                metadata: { filter_metadata: { istio: { workload: 'customers-v1-abc;default;customers-v1-abc;v1;Kubernetes' } } },
              },
            ],
            load_balancing_weight: 1,
          },
          { locality: { region: 'us-east', zone: 'b' }, lb_endpoints: [{ ...ep('10.0.0.8'), load_balancing_weight: 3 }, ep('10.0.0.9')], load_balancing_weight: 4 },
        ],
      },
    },
    { name: 'subset v1: its labels, unhealthy left out', cluster: `outbound|80|v1|${HOST}`, want: { endpoints: [{ lb_endpoints: [ep('10.0.0.7')] }] } },
    { name: 'subset v2', cluster: `outbound|80|v2|${HOST}`, want: { endpoints: [{ lb_endpoints: [ep('10.0.0.8'), ep('10.0.0.9')] }] } },
    { name: 'a subset with no endpoints: empty', cluster: `outbound|80|v9|${HOST}`, want: { cluster_name: `outbound|80|v9|${HOST}`, endpoints: [] } },
    { name: 'a port without endpoints: empty', cluster: `outbound|9090||${HOST}`, want: { endpoints: [] } },
    { name: 'a port the service lacks: empty', cluster: `outbound|81||${HOST}`, want: { endpoints: [] } },
    { name: 'an unknown service: empty', cluster: 'outbound|80||nowhere.default.svc.cluster.local', want: { endpoints: [] } },
    { name: 'a DNS service: empty (endpoints are in the cluster)', cluster: 'outbound|80||dns.example.com', want: { endpoints: [] } },
    { name: 'not an outbound cluster name: empty', cluster: 'inbound|3000||', want: { endpoints: [] } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = buildEndpoints(sidecarProxy(), push, [c.cluster]);
      assert.equal(out.length, 1);
      encodeJson('envoy.config.endpoint.v3.ClusterLoadAssignment', out[0]);
      assertFields(byName(out, c.cluster), { cluster_name: c.cluster, ...c.want });
    });
  }

  test('one assignment per distinct name, sorted', () => {
    const names = [`outbound|80|v2|${HOST}`, `outbound|80||${HOST}`, `outbound|80|v2|${HOST}`];
    assert.deepEqual(
      buildEndpoints(sidecarProxy(), push, names).map((a) => a.cluster_name),
      [`outbound|80|v2|${HOST}`, `outbound|80||${HOST}`].sort(),
    );
  });

  test('locality failover priorities for a proxy in us-east/a (with outlier detection)', () => {
    const p = pushFrom(`${REGISTRY.replace('  subsets:', '  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}\n  subsets:')}`);
    const [a] = buildEndpoints(sidecarProxy({ locality: { region: 'us-east', zone: 'a' } }), p, [`outbound|80||${HOST}`]);
    const priorities = (a!.endpoints as Record<string, unknown>[]).map((e) => [(e.locality as { zone?: string } | undefined)?.zone ?? '-', e.priority ?? 0]);
    // Same zone first, then the same region, then no locality at all.
    assert.deepEqual(priorities, [['-', 2], ['a', 0], ['b', 1]]);
  });

  test('no locality priorities without outlier detection, or for a proxy of unknown locality', () => {
    const [a] = buildEndpoints(sidecarProxy({ locality: { region: 'us-east', zone: 'a' } }), push, [`outbound|80||${HOST}`]);
    assert.ok((a!.endpoints as Record<string, unknown>[]).every((e) => e.priority === undefined));
  });
});
