import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { compileCluster } from './cluster-config.js';
import type { ClusterConfig } from './cluster-config.js';

const staticAssignment = {
  cluster_name: 'c',
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] }],
};
const dnsAssignment = {
  cluster_name: 'c',
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'example.com', port_value: 443 } } } }] }],
};
const base = { name: 'c', load_assignment: staticAssignment };
const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const hpo = (options: Record<string, unknown>) => ({
  typed_extension_protocol_options: { [HPO]: { '@type': `type.googleapis.com/${HPO}`, ...options } },
});

describe('compileCluster defaults', () => {
  test('a minimal STATIC cluster gets Envoy\'s defaults', () => {
    const c = compileCluster(base);
    assert.equal(c.name, 'c');
    assert.equal(c.observabilityName, 'c');
    assert.equal(c.type, 'STATIC');
    assert.equal(c.connectTimeoutMs, 5000);
    assert.equal(c.perConnectionBufferLimitBytes, 1048576);
    assert.deepEqual(c.lb, {
      policy: 'ROUND_ROBIN',
      healthyPanicThreshold: 50,
      localityWeighted: false,
      useHostnameForHashing: false,
      ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
      maglev: { tableSize: 65537 },
      leastRequest: { choiceCount: 2, activeRequestBias: 1 },
    });
    assert.deepEqual(c.dns, { lookupFamily: 'AUTO', refreshRateMs: 5000, failureRefreshRateMs: 5000, respectDnsTtl: false });
    assert.deepEqual(
      [c.http.protocol, c.http.idleTimeoutMs, c.http.maxHeadersCount, c.http.maxRequestsPerConnection, c.http.maxConnectionDurationMs, c.http.http2],
      ['http1', 3600000, 100, 0, null, null],
    );
    assert.deepEqual(
      [c.circuitBreakers.default.maxConnections, c.circuitBreakers.default.maxPendingRequests, c.circuitBreakers.default.maxRequests, c.circuitBreakers.default.maxRetries],
      [1024, 1024, 1024, 3],
    );
    assert.deepEqual(c.originalDst, { useHttpHeader: false, httpHeaderName: 'x-envoy-original-dst-host', upstreamPortOverride: null, cleanupIntervalMs: 5000 });
    assert.deepEqual([c.outlierDetection, c.healthChecks, c.transportSocket, c.tcpKeepalive, c.closeConnectionsOnHostHealthFailure], [null, [], null, null, false]);
    assert.equal(c.loadAssignment.endpoints.length, 1);
    assert.deepEqual(c.notes, []);
    assert.ok(Object.isFrozen(c));
  });

  const cases: { name: string; json: Record<string, unknown>; want: (c: ClusterConfig) => unknown; expect: unknown }[] = [
    { name: 'connect_timeout and buffer limit', json: { ...base, connect_timeout: '0.25s', per_connection_buffer_limit_bytes: 32768 }, want: (c) => [c.connectTimeoutMs, c.perConnectionBufferLimitBytes], expect: [250, 32768] },
    { name: 'lb_policy by name and by number', json: { ...base, lb_policy: 1 }, want: (c) => c.lb.policy, expect: 'LEAST_REQUEST' },
    { name: 'ring_hash_lb_config', json: { ...base, lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: '64', maximum_ring_size: 4096 } }, want: (c) => c.lb.ringHash, expect: { minimumRingSize: 64, maximumRingSize: 4096 } },
    { name: 'maglev_lb_config', json: { ...base, lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 5003 } }, want: (c) => c.lb.maglev.tableSize, expect: 5003 },
    { name: 'least_request_lb_config', json: { ...base, lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 3, active_request_bias: { default_value: 0.5, runtime_key: 'k' } } }, want: (c) => c.lb.leastRequest, expect: { choiceCount: 3, activeRequestBias: 0.5 } },
    { name: 'common_lb_config', json: { ...base, common_lb_config: { healthy_panic_threshold: { value: 25.6 }, locality_weighted_lb_config: {}, consistent_hashing_lb_config: { use_hostname_for_hashing: true } } }, want: (c) => [c.lb.healthyPanicThreshold, c.lb.localityWeighted, c.lb.useHostnameForHashing], expect: [26, true, true] },
    { name: 'per_host_thresholds are noted; HIGH thresholds and max_connection_pools are enforced, not noted', json: { ...base, circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 1 }, { max_connection_pools: 2 }], per_host_thresholds: [{ max_connections: 1 }] } }, want: (c) => c.notes, expect: ['circuit_breakers.per_host_thresholds: not enforced by tsmesh; ignored'] },
    { name: 'HIGH and DEFAULT thresholds are kept apart', json: { ...base, circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 1, max_connection_pools: 3 }, { max_connection_pools: 2 }] } }, want: (c) => [c.circuitBreakers.high.maxConnections, c.circuitBreakers.high.maxConnectionPools, c.circuitBreakers.default.maxConnections, c.circuitBreakers.default.maxConnectionPools], expect: [1, 3, 1024, 2] },
    { name: 'outlier_detection is compiled with Envoy defaults', json: { ...base, outlier_detection: { consecutive_5xx: 3 } }, want: (c) => [c.outlier?.consecutive5xx, c.outlier?.intervalMs, c.outlier?.maxEjectionPercent], expect: [3, 10_000, 10] },
    { name: 'zone_aware_lb_config is noted, not applied', json: { ...base, common_lb_config: { zone_aware_lb_config: { min_cluster_size: 3 } } }, want: (c) => c.notes.length, expect: 1 },
    { name: 'STRICT_DNS with DNS settings', json: { name: 'c', type: 'STRICT_DNS', load_assignment: dnsAssignment, dns_lookup_family: 'V4_ONLY', dns_refresh_rate: '30s', respect_dns_ttl: true, dns_failure_refresh_rate: { base_interval: '2s', max_interval: '10s' } }, want: (c) => [c.type, c.dns, c.loadAssignment.endpoints[0]!.address], expect: ['STRICT_DNS', { lookupFamily: 'V4_ONLY', refreshRateMs: 30000, failureRefreshRateMs: 2000, respectDnsTtl: true }, 'example.com'] },
    { name: 'LOGICAL_DNS', json: { name: 'c', type: 'LOGICAL_DNS', load_assignment: dnsAssignment }, want: (c) => c.type, expect: 'LOGICAL_DNS' },
    { name: 'EDS with service_name', json: { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: 'svc' } }, want: (c) => [c.edsServiceName, c.edsConfig, c.loadAssignment.endpoints.length], expect: ['svc', { ads: {} }, 0] },
    { name: 'EDS without service_name asks for the cluster name', json: { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }, want: (c) => c.edsServiceName, expect: 'c' },
    { name: 'ORIGINAL_DST', json: { name: 'c', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: '1s', original_dst_lb_config: { use_http_header: true, http_header_name: 'X-Dst', upstream_port_override: 9000 } }, want: (c) => c.originalDst, expect: { useHttpHeader: true, httpHeaderName: 'x-dst', upstreamPortOverride: 9000, cleanupIntervalMs: 1000 } },
    { name: 'explicit HTTP/2 with common options', json: { ...base, ...hpo({ explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } }, common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 50, max_connection_duration: '60s', max_headers_count: 64 } }) }, want: (c) => [c.http.protocol, c.http.http2?.maxConcurrentStreams, c.http.http2?.initialStreamWindowSize, c.http.idleTimeoutMs, c.http.maxRequestsPerConnection, c.http.maxConnectionDurationMs, c.http.maxHeadersCount], expect: ['http2', 100, 268435456, 30000, 50, 60000, 64] },
    { name: 'explicit HTTP/1', json: { ...base, ...hpo({ explicit_http_config: { http_protocol_options: { accept_http_10: true } } }) }, want: (c) => [c.http.protocol, c.http.http1], expect: ['http1', { accept_http_10: true }] },
    { name: 'use_downstream_protocol_config', json: { ...base, ...hpo({ use_downstream_protocol_config: {} }) }, want: (c) => [c.http.protocol, c.http.http2 !== null], expect: ['downstream', true] },
    { name: 'auto_config', json: { ...base, ...hpo({ auto_config: { http2_protocol_options: {} } }) }, want: (c) => c.http.protocol, expect: 'auto' },
    { name: 'deprecated http2_protocol_options and common options', json: { ...base, http2_protocol_options: {}, common_http_protocol_options: { idle_timeout: '0s' }, max_requests_per_connection: 7 }, want: (c) => [c.http.protocol, c.http.idleTimeoutMs, c.http.maxRequestsPerConnection], expect: ['http2', 0, 7] },
    { name: 'deprecated protocol_selection', json: { ...base, protocol_selection: 'USE_DOWNSTREAM_PROTOCOL' }, want: (c) => c.http.protocol, expect: 'downstream' },
    { name: 'circuit breakers per priority, defaults filled in', json: { ...base, circuit_breakers: { thresholds: [{ max_connections: 10, max_retries: 0, retry_budget: { budget_percent: { value: 20 } } }, { priority: 'HIGH', max_requests: 5 }] } }, want: (c) => [c.circuitBreakers.default.maxConnections, c.circuitBreakers.default.maxPendingRequests, c.circuitBreakers.default.maxRetries, c.circuitBreakers.default.retryBudget, c.circuitBreakers.high.maxRequests, c.circuitBreakers.high.maxConnections], expect: [10, 1024, 0, { budget_percent: { value: 20 } }, 5, 1024] },
    { name: 'raw pass-through fields', json: { ...base, outlier_detection: { consecutive_5xx: 3 }, health_checks: [{ timeout: '1s' }], transport_socket: { name: 'tls' }, metadata: { filter_metadata: { istio: {} } }, alt_stat_name: 'obs' }, want: (c) => [c.outlierDetection, c.healthChecks, c.transportSocket, c.metadata, c.observabilityName], expect: [{ consecutive_5xx: 3 }, [{ timeout: '1s' }], { name: 'tls' }, { filter_metadata: { istio: {} } }, 'obs'] },
    { name: 'tcp keepalive and close on health failure', json: { ...base, upstream_connection_options: { tcp_keepalive: { keepalive_time: 300, keepalive_interval: 10 } }, close_connections_on_host_health_failure: true }, want: (c) => [c.tcpKeepalive, c.closeConnectionsOnHostHealthFailure], expect: [{ probes: null, timeSeconds: 300, intervalSeconds: 10 }, true] },
    { name: 'camelCase field names', json: { name: 'c', connectTimeout: '1s', lbPolicy: 'RANDOM', loadAssignment: staticAssignment }, want: (c) => [c.connectTimeoutMs, c.lb.policy], expect: [1000, 'RANDOM'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(c.want(compileCluster(c.json)), c.expect));
  }
});

describe('compileCluster errors', () => {
  const errors: { name: string; json: unknown; path: string; reason: RegExp }[] = [
    { name: 'no name', json: { load_assignment: staticAssignment }, path: 'name', reason: /required/ },
    { name: 'custom cluster_type', json: { ...base, cluster_type: { name: 'envoy.clusters.aggregate' } }, path: 'cluster_type', reason: /unsupported/ },
    { name: 'unknown discovery type', json: { ...base, type: 'MAGIC' }, path: 'type', reason: /unknown value/ },
    { name: 'zero connect_timeout', json: { ...base, connect_timeout: '0s' }, path: 'connect_timeout', reason: /greater than 0/ },
    { name: 'hostname in a STATIC cluster', json: { name: 'c', load_assignment: dnsAssignment }, path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', reason: /malformed IP/ },
    { name: 'ring sizes inverted', json: { ...base, lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 2048, maximum_ring_size: 1024 } }, path: 'ring_hash_lb_config', reason: /minimum_ring_size \(2048\) > maximum_ring_size \(1024\)/ },
    { name: 'ring too large', json: { ...base, ring_hash_lb_config: { maximum_ring_size: 8388609 } }, path: 'ring_hash_lb_config.maximum_ring_size', reason: /at most 8388608/ },
    { name: 'maglev table not prime', json: { ...base, lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 65536 } }, path: 'maglev_lb_config.table_size', reason: /prime/ },
    { name: 'choice_count below 2', json: { ...base, least_request_lb_config: { choice_count: 1 } }, path: 'least_request_lb_config.choice_count', reason: /at least 2/ },
    { name: 'panic threshold over 100', json: { ...base, common_lb_config: { healthy_panic_threshold: { value: 101 } } }, path: 'common_lb_config.healthy_panic_threshold.value', reason: /percentage/ },
    { name: 'ORIGINAL_DST with ROUND_ROBIN', json: { name: 'c', type: 'ORIGINAL_DST' }, path: 'lb_policy', reason: /only CLUSTER_PROVIDED/ },
    { name: 'CLUSTER_PROVIDED on STATIC', json: { ...base, lb_policy: 'CLUSTER_PROVIDED' }, path: 'lb_policy', reason: /not valid for cluster type STATIC/ },
    { name: 'ORIGINAL_DST with a load assignment', json: { name: 'c', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', load_assignment: staticAssignment }, path: 'load_assignment', reason: /no load assignment/ },
    { name: 'EDS without eds_cluster_config', json: { name: 'c', type: 'EDS' }, path: 'eds_cluster_config', reason: /required/ },
    { name: 'LOGICAL_DNS with two endpoints', json: { name: 'c', type: 'LOGICAL_DNS', load_assignment: { endpoints: [dnsAssignment.endpoints[0], dnsAssignment.endpoints[0]] } }, path: 'load_assignment', reason: /single locality_lb_endpoint/ },
    { name: 'load_balancing_policy', json: { ...base, load_balancing_policy: { policies: [] } }, path: 'load_balancing_policy', reason: /not supported/ },
    { name: 'typed options without a protocol choice', json: { ...base, ...hpo({ common_http_protocol_options: {} }) }, path: `typed_extension_protocol_options["${HPO}"]`, reason: /one of explicit_http_config/ },
    { name: 'typed options plus deprecated ones', json: { ...base, http2_protocol_options: {}, ...hpo({ explicit_http_config: { http_protocol_options: {} } }) }, path: 'http2_protocol_options', reason: /cannot be combined/ },
    { name: 'HTTP/3 upstream', json: { ...base, ...hpo({ explicit_http_config: { http3_protocol_options: {} } }) }, path: `typed_extension_protocol_options["${HPO}"].explicit_http_config.http3_protocol_options`, reason: /HTTP\/3/ },
    { name: 'bad idle_timeout', json: { ...base, ...hpo({ explicit_http_config: { http_protocol_options: {} }, common_http_protocol_options: { idle_timeout: 'soon' } }) }, path: `typed_extension_protocol_options["${HPO}"].common_http_protocol_options.idle_timeout`, reason: /invalid duration/ },
    { name: 'outlier_detection percentage over 100', json: { ...base, outlier_detection: { max_ejection_percent: 101 } }, path: 'outlier_detection.max_ejection_percent', reason: /must be a percentage between 0 and 100/ },
    { name: 'bad circuit breaker priority', json: { ...base, circuit_breakers: { thresholds: [{ priority: 'LOW' }] } }, path: 'circuit_breakers.thresholds[0].priority', reason: /unknown value/ },
    { name: 'zero dns_refresh_rate', json: { name: 'c', type: 'STRICT_DNS', load_assignment: dnsAssignment, dns_refresh_rate: '0s' }, path: 'dns_refresh_rate', reason: /at least 1ms/ },
  ];
  for (const c of errors) {
    test(c.name, () => {
      assert.throws(() => compileCluster(c.json), (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError, String(err));
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
    });
  }
});
