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
