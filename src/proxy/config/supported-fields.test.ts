import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findType } from '../../xds/proto/envoy-protos.js';
import { describeUnsupported, SUPPORTED_FIELDS, unsupportedFields } from './supported-fields.js';
import { clusterJson, HCM_URL, listenerJson } from '../../xds/proto/testdata.js';

describe('supported fields', () => {
  test('every type and field in the table exists in the Envoy protos', () => {
    for (const [typeName, fields] of Object.entries(SUPPORTED_FIELDS)) {
      const type = findType(typeName);
      assert.ok(type, `no type ${typeName}`);
      for (const f of fields) assert.ok(type.fields[f], `no field ${typeName}.${f}`);
    }
  });

  test('the realistic listener and cluster use only supported fields', () => {
    assert.deepEqual(unsupportedFields('envoy.config.listener.v3.Listener', listenerJson()), []);
    assert.deepEqual(unsupportedFields('envoy.config.cluster.v3.Cluster', clusterJson()), []);
  });

  const cases: { name: string; type: string; json: unknown; want: { path: string; field: string; type: string }[] }[] = [
    {
      name: 'top-level field',
      type: 'envoy.config.cluster.v3.Cluster',
      json: { name: 'c', outlier_detection: { consecutive_5xx: 5 } },
      want: [{ path: 'outlier_detection', field: 'outlier_detection', type: 'envoy.config.cluster.v3.Cluster' }],
    },
    {
      name: 'camelCase keys are reported under their proto name, at the path as written',
      type: 'envoy.config.cluster.v3.Cluster',
      json: { name: 'c', circuitBreakers: {} },
      want: [{ path: 'circuitBreakers', field: 'circuit_breakers', type: 'envoy.config.cluster.v3.Cluster' }],
    },
    {
      name: 'inside repeated messages, Anys and maps',
      type: 'envoy.config.bootstrap.v3.Bootstrap',
      json: {
        stats_config: {},
        static_resources: {
          listeners: [{
            name: 'l',
            filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM_URL, stat_prefix: 's', tracing: {}, route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', grpc: {} }, route: { cluster: 'c', retry_policy: {} } }] }] } } }] }],
          }],
          clusters: [{ name: 'c', typed_extension_protocol_options: { h: { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', upstream_http_protocol_options: {} } } }],
        },
      },
      want: [
        { path: 'stats_config', field: 'stats_config', type: 'envoy.config.bootstrap.v3.Bootstrap' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing', field: 'tracing', type: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.grpc', field: 'grpc', type: 'envoy.config.route.v3.RouteMatch' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.retry_policy', field: 'retry_policy', type: 'envoy.config.route.v3.RouteAction' },
        { path: 'static_resources.clusters[0].typed_extension_protocol_options.h.upstream_http_protocol_options', field: 'upstream_http_protocol_options', type: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions' },
      ],
    },
    {
      name: 'types not in the table are not checked (carried as data)',
      type: 'envoy.config.core.v3.Node',
      json: { id: 'x', user_agent_name: 'y', locality: { zone: 'z' } },
      want: [],
    },
    {
      name: 'null values count as unset',
      type: 'envoy.config.cluster.v3.Cluster',
      json: { name: 'c', outlier_detection: null },
      want: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(unsupportedFields(c.type, c.json), c.want));
  }

  test('warning text names the field and the type', () => {
    assert.equal(
      describeUnsupported({ path: 'a', field: 'outlier_detection', type: 'envoy.config.cluster.v3.Cluster' }),
      'field "outlier_detection" of envoy.config.cluster.v3.Cluster is not supported by tsmesh and is ignored',
    );
  });
});
