import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { haproxyConfig, tsmeshBootstrap } from './configs.js';

const ports = { listener: 10001, upstream: 10002, admin: 10003 };

describe('tsmeshBootstrap', () => {
  test('substitutes the listener, admin and upstream endpoint ports of samples/envoy/bench-proxy.yaml', () => {
    const doc = parse(tsmeshBootstrap(ports));
    assert.equal(doc.admin.address.socket_address.port_value, 10003);
    assert.equal(doc.static_resources.listeners[0].address.socket_address.port_value, 10001);
    const [cluster] = doc.static_resources.clusters;
    assert.equal(cluster.type, 'STATIC');
    assert.equal(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 10002);
    const hcm = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    assert.deepEqual(hcm.route_config.virtual_hosts[0].routes, [{ match: { prefix: '/' }, route: { cluster: 'upstream' } }]);
    assert.equal(hcm.http_filters.at(-1).name, 'envoy.filters.http.router');
  });

  test('n clusters means exactly n clusters and n routes, the catch-all last', () => {
    const doc = parse(tsmeshBootstrap(ports, 100));
    const clusters = doc.static_resources.clusters;
    const routes = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
    assert.equal(clusters.length, 100);
    assert.equal(new Set(clusters.map((c: { name: string }) => c.name)).size, 100);
    assert.equal(routes.length, 100);
    assert.deepEqual(routes[0], { match: { prefix: '/svc-1/' }, route: { cluster: 'upstream-1' } });
    assert.deepEqual(routes.at(-1), { match: { prefix: '/' }, route: { cluster: 'upstream' } });
    for (const c of clusters) {
      assert.equal(c.load_assignment.cluster_name, c.name);
      assert.equal(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 10002);
    }
  });
});

test('haproxyConfig: HTTP mode, one thread, keep-alive, the given ports', () => {
  const cfg = haproxyConfig(ports);
  for (const line of ['nbthread 1', 'mode http', 'option http-keep-alive', 'bind 127.0.0.1:10001', 'server upstream 127.0.0.1:10002']) {
    assert.ok(cfg.includes(line), line);
  }
});

test('tsmeshBootstrap retry-od: Istio default retry policy on every route, outlier detection and circuit breakers on every cluster', () => {
  const doc = parse(tsmeshBootstrap(ports, 3, 'retry-od'));
  const routes = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
  assert.equal(routes.length, 3);
  for (const r of routes) {
    assert.deepEqual(r.route.retry_policy, {
      retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      num_retries: 2,
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      host_selection_retry_max_attempts: 5,
      retriable_status_codes: [503],
    });
  }
  for (const c of doc.static_resources.clusters) {
    assert.deepEqual(c.outlier_detection, { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 });
    assert.deepEqual(c.circuit_breakers.thresholds, [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }]);
  }
  // The plain bootstrap has none of it.
  const plain = parse(tsmeshBootstrap(ports, 3));
  assert.equal(plain.static_resources.clusters[0].outlier_detection, undefined);
  assert.equal(plain.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.retry_policy, undefined);
});
