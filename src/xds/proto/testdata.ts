/**
 * Realistic Envoy v3 resources in canonical proto3 JSON (what messageToJson prints), shared by
 * the proto, validation, ADS and bootstrap tests.
 */

export const HCM_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
export const HTTP_PROTOCOL_OPTIONS_URL = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function listenerJson(name = 'listener_0', port = 10000): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM_URL,
          stat_prefix: 'ingress_http',
          codec_type: 'HTTP2',
          route_config: {
            name: 'local_route',
            virtual_hosts: [{
              name: 'backend',
              domains: ['*'],
              routes: [
                {
                  match: { prefix: '/api', headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] },
                  route: {
                    weighted_clusters: { clusters: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] },
                    timeout: '1.5s',
                    hash_policy: [{ header: { header_name: 'x-user' } }],
                  },
                },
                { match: { safe_regex: { regex: '^/static/.*' } }, route: { cluster: 'static', prefix_rewrite: '/' } },
                { match: { prefix: '/' }, direct_response: { status: 404, body: { inline_string: 'nope' } } },
              ],
            }],
          },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_URL } }],
          stream_idle_timeout: '300s',
          use_remote_address: true,
        },
      }],
    }],
  };
}

export function clusterJson(name = 'backend'): Record<string, unknown> {
  return {
    name,
    type: 'STRICT_DNS',
    connect_timeout: '0.25s',
    lb_policy: 'RING_HASH',
    ring_hash_lb_config: { minimum_ring_size: 1024, hash_function: 'MURMUR_HASH_2' },
    load_assignment: {
      cluster_name: name,
      endpoints: [{
        locality: { region: 'us-east', zone: 'a' },
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } }, load_balancing_weight: 3 },
          { endpoint: { address: { socket_address: { address: 'localhost', port_value: 8081 } } } },
        ],
        priority: 1,
      }],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_PROTOCOL_OPTIONS_URL,
        common_http_protocol_options: { idle_timeout: '60s' },
        explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
      },
    },
    metadata: { filter_metadata: { istio: { services: [{ name: 'reviews', port: 9080 }], default: null } } },
  };
}
