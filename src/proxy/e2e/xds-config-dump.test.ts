import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream } from '../testing/proxy-harness.js';
import {
  CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, assignment, edsCluster, rdsListener, routeTo, startXdsProxy,
} from './xds-fixtures.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STATIC_LISTENER = `  - name: static_http
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: static_http
          route_config:
            name: static_route
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                direct_response: { status: 200, body: { inline_string: static } }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;

test('/config_dump shows the xDS state: dynamic clusters, listeners, routes with versions; ?include_eds the endpoints', async (t) => {
  const up = await startUpstream('backend');
  const x = await startXdsProxy(
    (fake) => {
      fake.push(CLUSTER_TYPE_URL, [edsCluster('backend')], 'c1');
      fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port])], 'e1');
      fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r')], 'l1');
      fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend')], 'r1');
    },
    {},
    STATIC_LISTENER,
  );
  t.after(async () => {
    await x.close();
    await up.close();
  });
  await x.ack(ROUTE_TYPE_URL, 'r1');
  assert.equal((await x.get('/x')).body, 'backend GET /x');
  assert.equal((await x.get('/x', 'static_http')).body, 'static');
  // A CDS update that leaves `backend` as it is and adds `extra`.
  const since = x.fake.requests.length;
  x.fake.push(CLUSTER_TYPE_URL, [edsCluster('backend'), edsCluster('extra', { eds_cluster_config: { service_name: 'extra-svc', eds_config: { ads: {}, resource_api_version: 'V3' } } })], 'c2');
  x.fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port]), assignment('extra-svc', [up.port, 1])], 'e2');
  await x.ack(CLUSTER_TYPE_URL, 'c2', since);

  const configs = (await x.configDump()) as Json[];
  assert.deepEqual(
    configs.map((c) => String(c['@type']).split('.').pop()),
    ['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'ScopedRoutesConfigDump', 'RoutesConfigDump', 'SecretsConfigDump'],
  );
  const [, clusters, listeners, , routes] = configs as [Json, Json, Json, Json, Json];

  assert.equal(clusters['version_info'], 'c2', 'the last accepted CDS version');
  assert.deepEqual(clusters['static_clusters'].map((c: Json) => c['cluster']['name']), ['xds_cluster']);
  const active = Object.fromEntries(clusters['dynamic_active_clusters'].map((c: Json) => [c['cluster']['name'], c]));
  assert.deepEqual(Object.keys(active).sort(), ['backend', 'extra']);
  assert.equal(active['backend']['version_info'], 'c1', 'an unchanged cluster keeps the version it was added with');
  assert.equal(active['extra']['version_info'], 'c2');
  assert.equal(active['backend']['cluster']['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  assert.equal(active['backend']['cluster']['type'], 'EDS');
  assert.match(active['backend']['last_updated'], /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(clusters['dynamic_warming_clusters'] ?? [], []);

  assert.equal(listeners['version_info'], 'l1');
  assert.deepEqual(listeners['static_listeners'].map((l: Json) => l['listener']['name']), ['static_http']);
  assert.equal(listeners['static_listeners'][0]['listener']['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
  assert.equal(listeners['dynamic_listeners'].length, 1);
  const dl = listeners['dynamic_listeners'][0];
  assert.equal(dl['name'], 'http');
  assert.equal(dl['active_state']['version_info'], 'l1');
  assert.equal(dl['active_state']['listener']['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
  assert.equal(dl['active_state']['listener']['name'], 'http');
  assert.equal(dl['warming_state'], undefined);

  assert.equal(routes['dynamic_route_configs'].length, 1);
  const rc = routes['dynamic_route_configs'][0];
  assert.equal(rc['version_info'], 'r1');
  assert.equal(rc['route_config']['@type'], 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration');
  assert.equal(rc['route_config']['name'], 'r');
  assert.equal(rc['route_config']['virtual_hosts'][0]['routes'][0]['route']['cluster'], 'backend');
  assert.match(rc['last_updated'], /^\d{4}-\d\d-\d\dT/);

  const withEds = (await x.configDump('?include_eds')) as Json[];
  assert.equal(withEds.length, 7);
  const eds = withEds.find((c) => String(c['@type']).endsWith('EndpointsConfigDump'))!;
  assert.ok(eds);
  assert.equal(configs.some((c) => String(c['@type']).endsWith('EndpointsConfigDump')), false);
  const byCluster = (list: Json[] | undefined) => Object.fromEntries((list ?? []).map((e) => [e['endpoint_config']['cluster_name'], e['endpoint_config']]));
  const dyn = byCluster(eds['dynamic_endpoint_configs']);
  assert.deepEqual(Object.keys(dyn).sort(), ['backend', 'extra']);
  const ports = (cla: Json) => cla['endpoints'].flatMap((e: Json) => e['lb_endpoints'].map((l: Json) => l['endpoint']['address']['socket_address']['port_value']));
  assert.equal(dyn['backend']['@type'], 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment');
  assert.deepEqual(ports(dyn['backend']), [up.port]);
  assert.deepEqual(ports(dyn['extra']).sort(), [1, up.port].sort());
  assert.equal(dyn['backend']['endpoints'][0]['lb_endpoints'][0]['health_status'], 'HEALTHY');
  const stat = byCluster(eds['static_endpoint_configs']);
  assert.deepEqual(ports(stat['xds_cluster']), [x.fake.port]);
});
