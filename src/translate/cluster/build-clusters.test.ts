import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Proxy } from '../../model/proxy.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildClusters, edsClusterNames } from './build-clusters.js';
import { ABSENT, assertFields, byName, pushFrom, routerProxy, sidecarProxy } from './test-fixtures.js';

const H2 = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const MAX = 4294967295;

const REGISTRY = `
service: reviews.default.svc.cluster.local
ports: [{name: http, port: 9080}, {name: grpc-api, port: 9090}, {port: 7070}, {name: udp-dns, port: 53, protocol: UDP}]
---
endpoints: reviews.default.svc.cluster.local
port: 9080
items:
- {address: 10.0.0.1, labels: {app: reviews, version: v1}}
- {address: 10.0.0.2, labels: {app: reviews, version: v2}}
---
service: api.example.com
namespace: default
source: ServiceEntry
resolution: DNSLB
meshExternal: true
ports: [{name: https, port: 443}]
---
endpoints: api.example.com
port: 443
items:
- {address: api.example.com, labels: {version: v1}}
- {address: api2.example.com, labels: {version: v2}}
---
service: rr.example.com
source: ServiceEntry
resolution: DNSRoundRobinLB
ports: [{name: http, port: 80}]
---
endpoints: rr.example.com
port: 80
items: [{address: a.example.com}, {address: b.example.com}]
---
service: nodns.example.com
source: ServiceEntry
resolution: DNSLB
ports: [{name: http, port: 80}]
---
service: headless.default.svc.cluster.local
resolution: Passthrough
ports: [{name: tcp-db, port: 5432}]
`;

const push = pushFrom(REGISTRY);

describe('buildClusters', () => {
  test('a sidecar gets outbound, special and inbound clusters, sorted by name, every one encodable', () => {
    const clusters = buildClusters(sidecarProxy(), push);
    const names = clusters.map((c) => String(c.name));
    assert.deepEqual(names, [...names].sort());
    for (const want of [
      'BlackHoleCluster',
      'InboundPassthroughCluster',
      'PassthroughCluster',
      'outbound|443||api.example.com',
      'outbound|5432||headless.default.svc.cluster.local',
      'outbound|7070||reviews.default.svc.cluster.local',
      'outbound|80||rr.example.com',
      'outbound|9080||reviews.default.svc.cluster.local',
      'outbound|9090||reviews.default.svc.cluster.local',
    ]) assert.ok(names.includes(want), `missing ${want}`);
    // UDP ports get no cluster; DNS services without endpoints neither (istiod drops them).
    assert.ok(!names.includes('outbound|53||reviews.default.svc.cluster.local'));
    assert.ok(!names.some((n) => n.includes('nodns.example.com')));
    for (const c of clusters) assert.doesNotThrow(() => encodeJson('envoy.config.cluster.v3.Cluster', c), String(c.name));
  });

  test('a gateway gets outbound clusters and BlackHoleCluster only', () => {
    const names = buildClusters(routerProxy(), push).map((c) => String(c.name));
    assert.ok(names.includes('BlackHoleCluster'));
    assert.ok(!names.includes('PassthroughCluster'));
    assert.ok(!names.includes('InboundPassthroughCluster'));
    assert.ok(!names.some((n) => n.startsWith('inbound|')));
    assert.ok(names.includes('outbound|9080||reviews.default.svc.cluster.local'));
  });

  test('edsClusterNames lists the EDS clusters', () => {
    const eds = edsClusterNames(buildClusters(sidecarProxy(), push));
    assert.ok(eds.includes('outbound|9080||reviews.default.svc.cluster.local'));
    assert.ok(!eds.includes('outbound|443||api.example.com'));
    assert.ok(!eds.includes('PassthroughCluster'));
  });

  const cases: { name: string; proxy?: Proxy; cluster: string; want: Record<string, unknown> }[] = [
    {
      name: 'ClientSideLB service port: EDS over ADS, mesh connect timeout, LEAST_REQUEST, unlimited breakers',
      cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      want: {
        type: 'EDS',
        eds_cluster_config: { service_name: 'outbound|9080||reviews.default.svc.cluster.local', eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' } },
        connect_timeout: '10s',
        lb_policy: 'LEAST_REQUEST',
        circuit_breakers: { thresholds: [{ max_connections: MAX, max_pending_requests: MAX, max_requests: MAX, max_retries: MAX, track_remaining: true }] },
        // HTTP/1.1 ports need no protocol options.
        typed_extension_protocol_options: ABSENT,
        load_assignment: ABSENT,
        metadata: { filter_metadata: { istio: { services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }] } } },
      },
    },
    {
      name: 'gRPC port: HTTP/2 upstream',
      cluster: 'outbound|9090||reviews.default.svc.cluster.local',
      want: { typed_extension_protocol_options: { [H2]: { explicit_http_config: { http2_protocol_options: {} } } } },
    },
    {
      name: 'unnamed port on a sidecar: the downstream protocol (Istio sniffs such ports)',
      cluster: 'outbound|7070||reviews.default.svc.cluster.local',
      want: { typed_extension_protocol_options: { [H2]: { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } } } },
    },
    {
      name: 'unnamed port on a gateway: HTTP/1.1 (gateways do not sniff)',
      proxy: routerProxy(),
      cluster: 'outbound|7070||reviews.default.svc.cluster.local',
      want: { typed_extension_protocol_options: ABSENT },
    },
    {
      name: 'DNSLB ServiceEntry: STRICT_DNS with its hosts inline',
      cluster: 'outbound|443||api.example.com',
      want: {
        type: 'STRICT_DNS',
        dns_lookup_family: 'V4_ONLY',
        respect_dns_ttl: true,
        eds_cluster_config: ABSENT,
        load_assignment: {
          cluster_name: 'outbound|443||api.example.com',
          endpoints: [{
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: 'api.example.com', port_value: 443 } } }, load_balancing_weight: 1 },
              { endpoint: { address: { socket_address: { address: 'api2.example.com', port_value: 443 } } } },
            ],
            load_balancing_weight: 2,
          }],
        },
        metadata: { filter_metadata: { istio: { external: true, services: [{ host: 'api.example.com', name: 'api.example.com', namespace: 'default' }] } } },
      },
    },
    {
      name: 'DNSRoundRobinLB: LOGICAL_DNS with its single endpoint',
      cluster: 'outbound|80||rr.example.com',
      want: { type: 'LOGICAL_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'a.example.com' } } } }] }] } },
    },
    {
      name: 'Passthrough (headless) on a sidecar: ORIGINAL_DST, CLUSTER_PROVIDED',
      cluster: 'outbound|5432||headless.default.svc.cluster.local',
      want: { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', eds_cluster_config: ABSENT, load_assignment: ABSENT },
    },
    {
      name: 'Passthrough on a gateway: EDS (gateways have no original destination)',
      proxy: routerProxy(),
      cluster: 'outbound|5432||headless.default.svc.cluster.local',
      want: { type: 'EDS', lb_policy: 'LEAST_REQUEST' },
    },
    {
      name: 'PassthroughCluster: ORIGINAL_DST, downstream protocol, idle 5 min',
      cluster: 'PassthroughCluster',
      want: {
        type: 'ORIGINAL_DST',
        lb_policy: 'CLUSTER_PROVIDED',
        connect_timeout: '10s',
        typed_extension_protocol_options: { [H2]: { common_http_protocol_options: { idle_timeout: '300s' }, use_downstream_protocol_config: {} } },
      },
    },
    {
      name: 'BlackHoleCluster: STATIC without endpoints',
      cluster: 'BlackHoleCluster',
      want: { type: 'STATIC', lb_policy: 'ROUND_ROBIN', connect_timeout: '10s', load_assignment: ABSENT },
    },
    {
      name: 'InboundPassthroughCluster: ORIGINAL_DST',
      cluster: 'InboundPassthroughCluster',
      want: { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => assertFields(byName(buildClusters(c.proxy ?? sidecarProxy(), push), c.cluster), c.want));
  }

  test('DNS subsets keep only their endpoints; an empty DNS subset gets no cluster', () => {
    const p = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api}
spec:
  host: api.example.com
  subsets:
  - {name: v2, labels: {version: v2}}
  - {name: v9, labels: {version: v9}}
`);
    const clusters = buildClusters(sidecarProxy(), p);
    assertFields(byName(clusters, 'outbound|443|v2|api.example.com'), {
      type: 'STRICT_DNS',
      load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'api2.example.com' } } } }] }] },
      metadata: { filter_metadata: { istio: { subset: 'v2', config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/api' } } },
    });
    assert.ok(!clusters.some((c) => c.name === 'outbound|443|v9|api.example.com'));
  });

  test('a mesh connect timeout other than 10s is used', () => {
    const p = pushFrom(REGISTRY, { ...push.mesh, connectTimeoutMs: 2500 });
    assertFields(byName(buildClusters(sidecarProxy(), p), 'outbound|9080||reviews.default.svc.cluster.local'), { connect_timeout: '2.500s' });
  });

  test('duplicate cluster names keep the first', () => {
    const p = pushFrom(`${REGISTRY}
---
service: reviews.default.svc.cluster.local
namespace: other
ports: [{name: http, port: 9080}]
`);
    const names = buildClusters(sidecarProxy(), p).map((c) => String(c.name));
    assert.equal(names.filter((n) => n === 'outbound|9080||reviews.default.svc.cluster.local').length, 1);
  });
});
