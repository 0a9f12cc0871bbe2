/**
 * The Envoy v3 .proto files tsmesh loads, relative to the include roots under
 * `@grpc/grpc-js-xds/deps`. Imports are followed, so listing an entry file pulls in everything
 * it references (Bootstrap alone brings Listener, Cluster, RouteConfiguration, core types …).
 *
 * Only types reachable from here can appear in an Any (`typed_config`, xDS resources). Add an
 * extension's file here when a filter or policy starts being supported; the build-time
 * descriptor (gen-descriptor.ts) is keyed by this list, so a stale one is never used.
 */
export const ENVOY_PROTO_FILES: readonly string[] = [
  // Bootstrap and the xDS resources it holds (Listener, Cluster, RouteConfiguration, …).
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  // ADS transport: DiscoveryRequest/Response, Resource, AggregatedDiscoveryService.
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  // Admin API shapes (/config_dump, /clusters, /listeners, /server_info, /certs).
  'envoy/admin/v3/config_dump.proto',
  'envoy/admin/v3/config_dump_shared.proto',
  'envoy/admin/v3/clusters.proto',
  'envoy/admin/v3/listeners.proto',
  'envoy/admin/v3/server_info.proto',
  'envoy/admin/v3/certs.proto',
  // Transport sockets.
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  // Listener filters.
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  // Network filters.
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  // HTTP filters (router now; the others for the resilience, security and telemetry issues).
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/header_to_metadata/v3/header_to_metadata.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  // Lua scripts (Lua, LuaPerRoute): what EnvoyFilter examples patch in most often.
  'envoy/extensions/filters/http/lua/v3/lua.proto',
  // Retry extensions Istio's route retry policies name (previous_hosts, previous_priorities).
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  // Upstream protocol options, request ids, access logs, tracing.
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/request_id/uuid/v3/uuid.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/config/trace/v3/zipkin.proto',
  // TypedStruct: how Istio and others ship configs of types the receiver may not know.
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
];

/** Include roots under `@grpc/grpc-js-xds/deps`, searched in order. */
export const ENVOY_PROTO_INCLUDE_DIRS: readonly string[] = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'];
