import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../xds/proto/proto-json.js';
import { buildClusters } from './build-clusters.js';
import { ABSENT, assertFields, byName, pushFrom, sidecarProxy } from './test-fixtures.js';
import type { TrafficPolicy } from '../../model/config-types.js';
import { effectivePolicy, mergeSubsetPolicy, portLevelPolicy } from './traffic-policy.js';

const H2 = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const MAX = 4294967295;
const HOST = 'reviews.default.svc.cluster.local';

const REGISTRY = `
service: ${HOST}
ports: [{name: http, port: 80}, {name: http-alt, port: 8000}, {name: grpc, port: 443}]
---
endpoints: ${HOST}
port: 80
items: [{address: 10.0.0.1, labels: {version: v1}}]
`;

/** The clusters for one DestinationRule `spec` (YAML, indented two spaces under spec). */
function clustersFor(spec: string): Record<string, unknown>[] {
  const p = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
${spec}`);
  const clusters = buildClusters(sidecarProxy(), p);
  for (const c of clusters) encodeJson('envoy.config.cluster.v3.Cluster', c);
  return clusters;
}

const C80 = `outbound|80||${HOST}`;

describe('traffic policy merging', () => {
  const tp = (v: unknown): TrafficPolicy => v as TrafficPolicy;
  test('portLevelSettings replace the top level whole, without inheriting', () => {
    const policy = tp({
      loadBalancer: { simple: 'ROUND_ROBIN' },
      outlierDetection: { consecutive5xxErrors: 3 },
      portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 'RANDOM' } }],
    });
    assert.deepEqual(portLevelPolicy(policy, 80), { policy: { loadBalancer: { simple: 'RANDOM' } }, portLevel: true });
    assert.deepEqual(portLevelPolicy(policy, 81).policy, { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 3 } });
  });

  test('a subset overrides the fields it sets and inherits the rest', () => {
    const merged = mergeSubsetPolicy(
      tp({ loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 3 } }),
      tp({ loadBalancer: { simple: 'LEAST_CONN' } }),
      80,
    );
    assert.deepEqual(merged, { loadBalancer: { simple: 'LEAST_CONN' }, outlierDetection: { consecutive5xxErrors: 3 } });
  });

  test("a subset's port-level entry replaces all four fields, set or not", () => {
    const merged = mergeSubsetPolicy(
      tp({ loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 3 } }),
      tp({ portLevelSettings: [{ port: { number: 80 }, connectionPool: { tcp: { maxConnections: 1 } } }] }),
      80,
    );
    assert.deepEqual(merged, { connectionPool: { tcp: { maxConnections: 1 } } });
  });

  test('effectivePolicy without a DR or subset', () => {
    assert.equal(effectivePolicy(undefined, 80), undefined);
    assert.deepEqual(effectivePolicy({ host: 'x', trafficPolicy: tp({ tls: { mode: 'DISABLE' } }) }, 80, 'missing'), { tls: { mode: 'DISABLE' } });
  });
});

describe('DestinationRule traffic policy → cluster', () => {
  const cases: { name: string; spec: string; cluster?: string; want: Record<string, unknown> }[] = [
    { name: 'simple ROUND_ROBIN', spec: '  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}', want: { lb_policy: 'ROUND_ROBIN' } },
    { name: 'simple LEAST_CONN is LEAST_REQUEST', spec: '  trafficPolicy: {loadBalancer: {simple: LEAST_CONN}}', want: { lb_policy: 'LEAST_REQUEST' } },
    { name: 'simple RANDOM', spec: '  trafficPolicy: {loadBalancer: {simple: RANDOM}}', want: { lb_policy: 'RANDOM' } },
    {
      name: 'simple PASSTHROUGH turns the cluster ORIGINAL_DST',
      spec: '  trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}',
      want: { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', eds_cluster_config: ABSENT },
    },
    {
      name: 'warmupDurationSecs: slow start',
      spec: '  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 1m}}',
      want: { lb_policy: 'ROUND_ROBIN', round_robin_lb_config: { slow_start_config: { slow_start_window: '60s' } } },
    },
    {
      name: 'consistentHash httpCookie: RING_HASH with the default ring',
      spec: '  trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: location, ttl: 4s}}}}',
      want: { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 1024 } },
    },
    {
      name: 'consistentHash ringHash.minimumRingSize',
      spec: '  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 4096}}}}',
      want: { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 4096 } },
    },
    {
      name: 'consistentHash maglev',
      spec: '  trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}}}',
      want: { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 65537 }, ring_hash_lb_config: ABSENT },
    },
    {
      name: 'connectionPool: every field',
      spec: `  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, maxConnectionDuration: 1h, tcpKeepalive: {probes: 5, time: 2h, interval: 75s}}
      http: {http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRequestsPerConnection: 2, maxRetries: 4, idleTimeout: 30s}`,
      want: {
        connect_timeout: '0.030s',
        circuit_breakers: { thresholds: [{ max_connections: 100, max_pending_requests: 10, max_requests: 50, max_retries: 4, track_remaining: true }] },
        upstream_connection_options: { tcp_keepalive: { keepalive_probes: 5, keepalive_time: 7200, keepalive_interval: 75 } },
        typed_extension_protocol_options: {
          [H2]: {
            common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 2, max_connection_duration: '3600s' },
            explicit_http_config: { http_protocol_options: {} },
          },
        },
      },
    },
    {
      name: 'connectionPool tcp.idleTimeout is the fallback idle timeout',
      spec: '  trafficPolicy: {connectionPool: {tcp: {idleTimeout: 5m}}}',
      want: { typed_extension_protocol_options: { [H2]: { common_http_protocol_options: { idle_timeout: '300s' } } } },
    },
    {
      name: 'connectionPool maxConcurrentStreams on an HTTP/2 port',
      spec: '  trafficPolicy: {connectionPool: {http: {maxConcurrentStreams: 7}}}',
      cluster: `outbound|443||${HOST}`,
      want: { typed_extension_protocol_options: { [H2]: { explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 7 } } } } },
    },
    {
      name: 'connectionPool useClientProtocol',
      spec: '  trafficPolicy: {connectionPool: {http: {useClientProtocol: true}}}',
      want: { typed_extension_protocol_options: { [H2]: { use_downstream_protocol_config: {} } } },
    },
    {
      name: 'connectionPool h2UpgradePolicy UPGRADE',
      spec: '  trafficPolicy: {connectionPool: {http: {h2UpgradePolicy: UPGRADE}}}',
      want: { typed_extension_protocol_options: { [H2]: { explicit_http_config: { http2_protocol_options: {} } } } },
    },
    {
      name: 'outlierDetection: every field, panic threshold from minHealthPercent',
      spec: `  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: 10s, baseEjectionTime: 3m, maxEjectionPercent: 40, minHealthPercent: 25,
      splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 2}`,
      want: {
        outlier_detection: {
          consecutive_5xx: 5,
          enforcing_consecutive_5xx: 100,
          consecutive_gateway_failure: 3,
          enforcing_consecutive_gateway_failure: 100,
          enforcing_success_rate: 0,
          interval: '10s',
          base_ejection_time: '180s',
          max_ejection_percent: 40,
          split_external_local_origin_errors: true,
          consecutive_local_origin_failure: 2,
          enforcing_consecutive_local_origin_failure: 100,
          enforcing_local_origin_success_rate: 0,
        },
        common_lb_config: { healthy_panic_threshold: { value: 25 } },
      },
    },
    {
      name: 'outlierDetection consecutive5xxErrors 0 disables 5xx enforcement; panic mode off by default',
      spec: '  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}',
      want: { outlier_detection: { consecutive_5xx: 0, enforcing_consecutive_5xx: 0 }, common_lb_config: { healthy_panic_threshold: { value: 0 } } },
    },
    {
      name: 'deprecated consecutiveErrors counts gateway errors only',
      spec: '  trafficPolicy: {outlierDetection: {consecutiveErrors: 10, interval: 5m, baseEjectionTime: 10m, maxEjectionPercent: 50}}',
      want: {
        outlier_detection: {
          consecutive_gateway_failure: 10,
          enforcing_consecutive_gateway_failure: 100,
          enforcing_consecutive_5xx: 0,
          consecutive_5xx: ABSENT,
          interval: '300s',
          base_ejection_time: '600s',
          max_ejection_percent: 50,
        },
      },
    },
    {
      name: 'no outlierDetection: no outlier_detection, Envoy panic threshold',
      spec: '  trafficPolicy: {loadBalancer: {simple: RANDOM}}',
      want: { outlier_detection: ABSENT, common_lb_config: ABSENT },
    },
    {
      name: 'localityLbSetting distribute: locality weighted',
      spec: `  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting: {distribute: [{from: us-east/*, to: {us-east/*: 80, us-west/*: 20}}]}`,
      want: { lb_policy: 'ROUND_ROBIN', common_lb_config: { locality_weighted_lb_config: {} } },
    },
    {
      name: 'localityLbSetting failover needs outlier detection to be locality weighted',
      spec: `  trafficPolicy:
    loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: us-west}]}}`,
      want: { common_lb_config: ABSENT },
    },
    {
      name: 'localityLbSetting failover with outlier detection',
      spec: `  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 1}
    loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: us-west}]}}`,
      want: { common_lb_config: { locality_weighted_lb_config: {}, healthy_panic_threshold: { value: 0 } } },
    },
    {
      name: 'portLevelSettings: port 80 LEAST_CONN (top-level outlier detection not inherited)',
      spec: `  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 7}
    portLevelSettings:
    - {port: {number: 80}, loadBalancer: {simple: LEAST_CONN}}
    - {port: {number: 8000}, loadBalancer: {simple: ROUND_ROBIN}}
    - {port: {number: 443}, connectionPool: {http: {http2MaxRequests: 100}}}`,
      want: { lb_policy: 'LEAST_REQUEST', outlier_detection: ABSENT },
    },
    {
      name: 'portLevelSettings: port 8000 ROUND_ROBIN',
      spec: `  trafficPolicy:
    portLevelSettings:
    - {port: {number: 80}, loadBalancer: {simple: LEAST_CONN}}
    - {port: {number: 8000}, loadBalancer: {simple: ROUND_ROBIN}}`,
      cluster: `outbound|8000||${HOST}`,
      want: { lb_policy: 'ROUND_ROBIN' },
    },
    {
      name: 'portLevelSettings: port 443 connection pool; other ports keep the top level',
      spec: `  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 7}
    portLevelSettings:
    - {port: {number: 443}, connectionPool: {http: {http2MaxRequests: 100}}}`,
      cluster: `outbound|443||${HOST}`,
      want: { circuit_breakers: { thresholds: [{ max_requests: 100, max_connections: MAX }] }, outlier_detection: ABSENT },
    },
    {
      name: 'subset overrides the load balancer (LEAST_CONN) and inherits outlier detection',
      spec: `  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    outlierDetection: {consecutive5xxErrors: 5}
  subsets:
  - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: LEAST_CONN}}}
  - {name: v2, labels: {version: v2}}`,
      cluster: `outbound|80|v1|${HOST}`,
      want: {
        type: 'EDS',
        eds_cluster_config: { service_name: `outbound|80|v1|${HOST}` },
        lb_policy: 'LEAST_REQUEST',
        outlier_detection: { consecutive_5xx: 5 },
        metadata: { filter_metadata: { istio: { subset: 'v1', config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews' } } },
      },
    },
    {
      name: 'subset without a policy inherits the DR policy',
      spec: `  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
  subsets:
  - {name: v2, labels: {version: v2}}`,
      cluster: `outbound|80|v2|${HOST}`,
      want: { lb_policy: 'ROUND_ROBIN' },
    },
    {
      name: 'subset connection pool replaces the DR one',
      spec: `  trafficPolicy: {connectionPool: {http: {http2MaxRequests: 500}}}
  subsets:
  - {name: v1, labels: {version: v1}, trafficPolicy: {connectionPool: {http: {http2MaxRequests: 50}}}}`,
      cluster: `outbound|80|v1|${HOST}`,
      want: { circuit_breakers: { thresholds: [{ max_requests: 50 }] } },
    },
    {
      name: 'subset PASSTHROUGH: that subset is ORIGINAL_DST',
      spec: `  subsets:
  - {name: direct, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}}`,
      cluster: `outbound|80|direct|${HOST}`,
      want: { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', eds_cluster_config: ABSENT },
    },
  ];
  for (const c of cases) {
    test(c.name, () => assertFields(byName(clustersFor(c.spec), c.cluster ?? C80), c.want));
  }
});
