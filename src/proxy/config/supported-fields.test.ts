import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findType } from '../../xds/proto/envoy-protos.js';
import { describeUnsupported, summarizeUnsupported, SUPPORTED_FIELDS, unsupportedFields } from './supported-fields.js';
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
      json: { name: 'c', health_checks: [{ timeout: '1s' }] },
      want: [{ path: 'health_checks', field: 'health_checks', type: 'envoy.config.cluster.v3.Cluster' }],
    },
    {
      name: 'camelCase keys are reported under their proto name, at the path as written',
      type: 'envoy.config.cluster.v3.Cluster',
      json: { name: 'c', healthChecks: [] },
      want: [{ path: 'healthChecks', field: 'health_checks', type: 'envoy.config.cluster.v3.Cluster' }],
    },
    {
      name: 'inside repeated messages, Anys and maps',
      type: 'envoy.config.bootstrap.v3.Bootstrap',
      json: {
        stats_config: {},
        static_resources: {
          listeners: [{
            name: 'l',
            filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM_URL, stat_prefix: 's', tracing: {}, route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', grpc: {} }, route: { cluster: 'c', internal_redirect_policy: {} } }] }] } } }] }],
          }],
          clusters: [{ name: 'c', typed_extension_protocol_options: { h: { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', upstream_http_protocol_options: {} } } }],
        },
      },
      want: [
        { path: 'stats_config', field: 'stats_config', type: 'envoy.config.bootstrap.v3.Bootstrap' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing', field: 'tracing', type: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.grpc', field: 'grpc', type: 'envoy.config.route.v3.RouteMatch' },
        { path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.internal_redirect_policy', field: 'internal_redirect_policy', type: 'envoy.config.route.v3.RouteAction' },
        { path: 'static_resources.clusters[0].typed_extension_protocol_options.h.upstream_http_protocol_options', field: 'upstream_http_protocol_options', type: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions' },
      ],
    },
    {
      name: 'fields the proxy implements (as Istio sets them) are not reported',
      type: 'envoy.config.cluster.v3.Cluster',
      json: {
        name: 'c', respect_dns_ttl: true, cleanup_interval: '60s',
        circuit_breakers: { thresholds: [{ max_connections: 100, max_retries: 4 }] },
        common_lb_config: { locality_weighted_lb_config: {} },
        typed_extension_protocol_options: { h: { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 10 }, use_downstream_protocol_config: {} } },
        transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', common_tls_context: { combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://x' }], system_root_certs: {} }, validation_context_sds_secret_config: { name: 'ROOTCA' } } } } },
      },
      want: [],
    },
    {
      name: 'route fields the proxy implements are not reported (retries with retry_priority, hedging on per-try timeout, mirrors, gRPC timeout cap, attempt count); HedgePolicy fields Envoy does not implement are',
      type: 'envoy.config.route.v3.RouteConfiguration',
      json: {
        name: 'r', max_direct_response_body_size_bytes: 1024, ignore_port_in_host_matching: true,
        virtual_hosts: [{
          name: 'v', domains: ['*'], require_tls: 'NONE', include_request_attempt_count: true,
          routes: [{
            match: { prefix: '/', headers: [{ name: 'x', string_match: { exact: '' }, treat_missing_header_as_empty: true }] },
            decorator: { operation: 'op' }, stat_prefix: 's',
            route: {
              weighted_clusters: { clusters: [{ name: 'a', weight: 1, host_rewrite_literal: 'h' }] },
              cluster_not_found_response_code: 'NOT_FOUND', max_grpc_timeout: '0s',
              retry_policy: { num_retries: 2, retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 2 } }, retry_back_off: { base_interval: '0.01s' } },
              request_mirror_policies: [{ cluster: 'm', runtime_fraction: { default_value: { numerator: 50 } }, trace_sampled: false }],
              hedge_policy: { hedge_on_per_try_timeout: true, initial_requests: 2 },
            },
          }],
        }],
      },
      want: [
        { path: 'virtual_hosts[0].routes[0].route.hedge_policy.initial_requests', field: 'initial_requests', type: 'envoy.config.route.v3.HedgePolicy' },
      ],
    },
    {
      name: 'listener: prefix_ranges, tcp_proxy idle_timeout and access_log implemented, max_connect_attempts not',
      type: 'envoy.config.listener.v3.Listener',
      json: {
        name: 'l',
        filter_chains: [{
          filter_chain_match: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
          filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 's', cluster: 'c', idle_timeout: '1h', max_connect_attempts: 2, access_log: [{ name: 'envoy.access_loggers.stdout' }] } }],
        }],
      },
      want: [{ path: 'filter_chains[0].filters[0].typed_config.max_connect_attempts', field: 'max_connect_attempts', type: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy' }],
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
      json: { name: 'c', health_checks: null },
      want: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(unsupportedFields(c.type, c.json), c.want));
  }

  test('one summary line per resource, counting repeated fields', () => {
    const route = (n: number) => ({ match: { prefix: `/${n}` }, route: { cluster: 'c', internal_redirect_policy: { max_internal_redirects: 2 } } });
    const json = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], virtual_clusters: [], routes: [route(1), route(2), route(3)] }] };
    assert.equal(
      summarizeUnsupported(unsupportedFields('envoy.config.route.v3.RouteConfiguration', json)),
      'fields not supported by tsmesh and ignored: VirtualHost.virtual_clusters, RouteAction.internal_redirect_policy (×3) (first at virtual_hosts[0].virtual_clusters)',
    );
    assert.equal(summarizeUnsupported([]), null);
  });

  test('warning text names the field and the type', () => {
    assert.equal(
      describeUnsupported({ path: 'a', field: 'health_checks', type: 'envoy.config.cluster.v3.Cluster' }),
      'field "health_checks" of envoy.config.cluster.v3.Cluster is not supported by tsmesh and is ignored',
    );
  });
});
