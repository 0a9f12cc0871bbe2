import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { findField, findTypeByUrl, lookupType, typeName } from '../../xds/proto/envoy-protos.js';
import { indexPath, keyPath } from '../../xds/proto/field-path.js';

/**
 * Which fields of each Envoy message tsmesh's proxy implements. A field set in config but not
 * listed here is reported by name ("… is not supported by tsmesh and is ignored"): Envoy config
 * written for real Envoy must never lose behaviour silently.
 *
 * Only message types listed here are checked; a supported field whose type is not listed is
 * taken as supported whole (Metadata, Locality, Node: carried as data). When you implement a
 * field, add it here in the same change. Keys are full type names, values proto field names.
 */
export const SUPPORTED_FIELDS: Record<string, readonly string[]> = {
  // Bootstrap
  'envoy.config.bootstrap.v3.Bootstrap': ['node', 'static_resources', 'dynamic_resources', 'admin'],
  'envoy.config.bootstrap.v3.Bootstrap.StaticResources': ['listeners', 'clusters', 'secrets'],
  'envoy.config.bootstrap.v3.Bootstrap.DynamicResources': ['lds_config', 'cds_config', 'ads_config'],
  'envoy.config.bootstrap.v3.Admin': ['address', 'access_log_path'],
  'envoy.config.core.v3.ConfigSource': ['ads', 'resource_api_version', 'initial_fetch_timeout'],
  'envoy.config.core.v3.ApiConfigSource': ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only'],
  'envoy.config.core.v3.GrpcService': ['envoy_grpc', 'timeout'],
  'envoy.config.core.v3.GrpcService.EnvoyGrpc': ['cluster_name'],
  // Addresses
  'envoy.config.core.v3.Address': ['socket_address'],
  'envoy.config.core.v3.SocketAddress': ['address', 'port_value', 'protocol'],
  // Listeners
  'envoy.config.listener.v3.Listener': [
    'name', 'address', 'filter_chains', 'default_filter_chain', 'listener_filters', 'listener_filters_timeout',
    'continue_on_listener_filters_timeout', 'traffic_direction', 'metadata', 'stat_prefix',
    // Transparent capture (iptables REDIRECT): see listener-handoff.ts and original-dst.ts.
    'use_original_dst', 'bind_to_port',
  ],
  'envoy.config.listener.v3.FilterChain': ['name', 'filter_chain_match', 'filters', 'transport_socket'],
  'envoy.config.listener.v3.FilterChainMatch': ['destination_port', 'prefix_ranges', 'server_names', 'transport_protocol', 'application_protocols'],
  'envoy.config.listener.v3.Filter': ['name', 'typed_config'],
  'envoy.config.listener.v3.ListenerFilter': ['name', 'typed_config', 'filter_disabled'],
  'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector': [],
  'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector': [],
  'envoy.extensions.filters.listener.original_dst.v3.OriginalDst': [],
  // Network filters
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager': [
    'stat_prefix', 'codec_type', 'route_config', 'rds', 'http_filters', 'generate_request_id', 'preserve_external_request_id',
    'use_remote_address', 'xff_num_trusted_hops', 'skip_xff_append', 'server_name', 'server_header_transformation',
    'stream_idle_timeout', 'request_timeout', 'max_request_headers_kb', 'common_http_protocol_options',
    'http_protocol_options', 'normalize_path', 'merge_slashes', 'path_with_escaped_slashes_action',
    // Access logs (proxy/access-log/): file, stdout and stderr loggers, filters, formats.
    'access_log',
  ],
  'envoy.extensions.filters.network.http_connection_manager.v3.Rds': ['config_source', 'route_config_name'],
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter': ['name', 'typed_config', 'is_optional', 'disabled'],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': ['stat_prefix', 'cluster', 'weighted_clusters', 'idle_timeout', 'access_log'],
  // Access logs: what access-logger.ts and access-log-filter.ts compile; anything else they
  // reject by name (the listener is refused), so nothing here is silently ignored.
  'envoy.config.accesslog.v3.AccessLog': ['name', 'filter', 'typed_config'],
  'envoy.extensions.access_loggers.file.v3.FileAccessLog': ['path', 'format', 'json_format', 'typed_json_format', 'log_format'],
  'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog': ['log_format'],
  'envoy.extensions.access_loggers.stream.v3.StderrAccessLog': ['log_format'],
  // content_type only matters to loggers that send the text somewhere typed (not files): harmless.
  'envoy.config.core.v3.SubstitutionFormatString': ['text_format', 'text_format_source', 'json_format', 'omit_empty_values', 'content_type', 'json_format_options'],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster': ['clusters'],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight': ['name', 'weight'],
  'envoy.extensions.filters.http.router.v3.Router': [],
  // HTTP filters (filters/fault, filters/cors). The *_runtime fields name runtime keys; tsmesh has
  // no runtime layer, so the configured values apply, as in Envoy when the keys are unset. Not
  // listed, so reported: response_rate_limit (response bodies are not throttled) and
  // filter_metadata (no dynamic metadata).
  'envoy.extensions.filters.http.fault.v3.HTTPFault': [
    'delay', 'abort', 'upstream_cluster', 'headers', 'downstream_nodes', 'max_active_faults', 'delay_percent_runtime',
    'abort_percent_runtime', 'delay_duration_runtime', 'abort_http_status_runtime', 'max_active_faults_runtime',
    'response_rate_limit_percent_runtime', 'abort_grpc_status_runtime', 'disable_downstream_cluster_stats',
  ],
  'envoy.extensions.filters.http.fault.v3.FaultAbort': ['http_status', 'grpc_status', 'header_abort', 'percentage'],
  'envoy.extensions.filters.common.fault.v3.FaultDelay': ['fixed_delay', 'header_delay', 'percentage'],
  'envoy.extensions.filters.http.cors.v3.Cors': [],
  // filters/lua: scripts inline, by name, or from files (DataSource below).
  'envoy.extensions.filters.http.lua.v3.Lua': ['inline_code', 'source_codes', 'default_source_code', 'stat_prefix'],
  'envoy.extensions.filters.http.lua.v3.LuaPerRoute': ['disabled', 'name', 'source_code'],
  'envoy.extensions.filters.http.cors.v3.CorsPolicy': [
    'allow_origin_string_match', 'allow_methods', 'allow_headers', 'expose_headers', 'max_age', 'allow_credentials',
    'filter_enabled', 'shadow_enabled', 'allow_private_network_access', 'forward_not_matching_preflights',
  ],
  'envoy.config.core.v3.HttpProtocolOptions': ['idle_timeout', 'max_requests_per_connection'],
  // Routes
  'envoy.config.route.v3.RouteConfiguration': [
    'name', 'virtual_hosts', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add',
    'response_headers_to_remove', 'validate_clusters', 'max_direct_response_body_size_bytes', 'ignore_port_in_host_matching',
  ],
  'envoy.config.route.v3.VirtualHost': [
    'name', 'domains', 'routes', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add',
    'response_headers_to_remove', 'typed_per_filter_config', 'require_tls',
    // Retries and mirrors (router-request.ts, retry-state.ts, request-mirror.ts).
    'retry_policy', 'hedge_policy', 'request_mirror_policies', 'include_request_attempt_count', 'include_attempt_count_in_response',
    'include_is_timeout_retry_header', 'per_request_buffer_limit_bytes',
  ],
  'envoy.config.route.v3.Route': [
    'name', 'match', 'route', 'redirect', 'direct_response', 'metadata', 'request_headers_to_add', 'request_headers_to_remove',
    'response_headers_to_add', 'response_headers_to_remove', 'typed_per_filter_config',
    // The retry/mirror body buffer limit (request-body-buffer.ts).
    'per_request_buffer_limit_bytes',
    // Parsed; only names the span/operation for tracing, which tsmesh does not do: dropping it
    // changes no traffic, so it is accepted silently.
    'decorator',
    // Parsed; only adds route-level stats, which tsmesh does not emit: harmless, accepted silently.
    'stat_prefix',
  ],
  'envoy.config.route.v3.RouteMatch': [
    'prefix', 'path', 'safe_regex', 'path_separated_prefix', 'case_sensitive', 'headers', 'query_parameters', 'runtime_fraction',
  ],
  'envoy.config.route.v3.HeaderMatcher': [
    'name', 'exact_match', 'safe_regex_match', 'prefix_match', 'suffix_match', 'contains_match', 'present_match',
    'string_match', 'invert_match', 'treat_missing_header_as_empty',
  ],
  'envoy.config.route.v3.QueryParameterMatcher': ['name', 'string_match', 'present_match'],
  'envoy.type.matcher.v3.StringMatcher': ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case'],
  'envoy.type.matcher.v3.RegexMatcher': ['regex', 'google_re2'],
  'envoy.config.route.v3.RouteAction': [
    'cluster', 'weighted_clusters', 'cluster_header', 'prefix_rewrite', 'regex_rewrite', 'host_rewrite_literal',
    'auto_host_rewrite', 'timeout', 'hash_policy', 'cluster_not_found_response_code',
    // Retries, mirrors and gRPC deadlines (router-request.ts, upstream-timeouts.ts).
    'retry_policy', 'hedge_policy', 'request_mirror_policies', 'max_grpc_timeout', 'grpc_timeout_offset',
  ],
  // initial_requests and additional_request_chance are not implemented by Envoy either.
  'envoy.config.route.v3.HedgePolicy': ['hedge_on_per_try_timeout'],
  'envoy.config.route.v3.RetryPolicy': [
    'retry_on', 'num_retries', 'per_try_timeout', 'retry_priority', 'retry_host_predicate', 'host_selection_retry_max_attempts',
    'retriable_status_codes', 'retry_back_off', 'retriable_headers', 'retriable_request_headers',
  ],
  'envoy.config.route.v3.RetryPolicy.RetryHostPredicate': ['name', 'typed_config'],
  'envoy.config.route.v3.RetryPolicy.RetryPriority': ['name', 'typed_config'],
  'envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig': ['update_frequency'],
  'envoy.config.route.v3.RetryPolicy.RetryBackOff': ['base_interval', 'max_interval'],
  'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate': [],
  // trace_sampled only affects tracing, which tsmesh does not do: accepted silently.
  'envoy.config.route.v3.RouteAction.RequestMirrorPolicy': ['cluster', 'cluster_header', 'runtime_fraction', 'trace_sampled', 'disable_shadow_host_suffix_append'],
  'envoy.config.core.v3.RuntimeFractionalPercent': ['default_value', 'runtime_key'],
  'envoy.config.route.v3.WeightedCluster': ['clusters', 'total_weight'],
  'envoy.config.route.v3.WeightedCluster.ClusterWeight': [
    'name', 'weight', 'request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add',
    'response_headers_to_remove', 'typed_per_filter_config', 'host_rewrite_literal',
  ],
  'envoy.config.route.v3.RouteAction.HashPolicy': ['header', 'cookie', 'connection_properties', 'query_parameter', 'terminal'],
  'envoy.config.route.v3.RouteAction.HashPolicy.Cookie': ['name', 'ttl', 'path'],
  'envoy.config.route.v3.RedirectAction': [
    'scheme_redirect', 'https_redirect', 'host_redirect', 'port_redirect', 'path_redirect', 'prefix_rewrite',
    'response_code', 'strip_query',
  ],
  'envoy.config.route.v3.DirectResponseAction': ['status', 'body'],
  'envoy.config.core.v3.HeaderValueOption': ['header', 'append', 'append_action', 'keep_empty_value'],
  'envoy.config.core.v3.HeaderValue': ['key', 'value'],
  'envoy.config.core.v3.DataSource': ['filename', 'inline_string', 'inline_bytes', 'environment_variable'],
  // Clusters and endpoints
  'envoy.config.cluster.v3.Cluster': [
    'name', 'alt_stat_name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment', 'eds_cluster_config',
    'ring_hash_lb_config', 'maglev_lb_config', 'least_request_lb_config', 'typed_extension_protocol_options',
    'transport_socket', 'dns_lookup_family', 'dns_refresh_rate', 'metadata', 'respect_dns_ttl', 'cleanup_interval',
    // Checked field by field by their compilers (circuit-breakers.ts, lb-config.ts), which note
    // the sub-fields they do not implement: taken whole here.
    'circuit_breakers', 'common_lb_config',
    // Istio's inbound clusters connect from 127.0.0.6 (bind-config.ts).
    'upstream_bind_config',
    // Passive health checking (upstream/outlier/).
    'outlier_detection',
  ],
  // Every field but detect_degraded_hosts and monitors (not implemented, so reported).
  // successful_active_health_check_uneject_host is accepted: without active health checks it has
  // nothing to act on, in Envoy too.
  'envoy.config.cluster.v3.OutlierDetection': [
    'consecutive_5xx', 'interval', 'base_ejection_time', 'max_ejection_percent', 'enforcing_consecutive_5xx',
    'enforcing_success_rate', 'success_rate_minimum_hosts', 'success_rate_request_volume', 'success_rate_stdev_factor',
    'consecutive_gateway_failure', 'enforcing_consecutive_gateway_failure', 'split_external_local_origin_errors',
    'consecutive_local_origin_failure', 'enforcing_consecutive_local_origin_failure', 'enforcing_local_origin_success_rate',
    'failure_percentage_threshold', 'enforcing_failure_percentage', 'enforcing_failure_percentage_local_origin',
    'failure_percentage_minimum_hosts', 'failure_percentage_request_volume', 'max_ejection_time', 'max_ejection_time_jitter',
    'successful_active_health_check_uneject_host', 'always_eject_one_host',
  ],
  'envoy.config.core.v3.BindConfig': ['source_address'],
  'envoy.config.cluster.v3.Cluster.EdsClusterConfig': ['eds_config', 'service_name'],
  'envoy.config.cluster.v3.Cluster.RingHashLbConfig': ['minimum_ring_size', 'maximum_ring_size', 'hash_function'],
  'envoy.config.cluster.v3.Cluster.MaglevLbConfig': ['table_size'],
  'envoy.config.cluster.v3.Cluster.LeastRequestLbConfig': ['choice_count'],
  'envoy.config.endpoint.v3.ClusterLoadAssignment': ['cluster_name', 'endpoints'],
  'envoy.config.endpoint.v3.LocalityLbEndpoints': ['locality', 'lb_endpoints', 'load_balancing_weight', 'priority'],
  'envoy.config.endpoint.v3.LbEndpoint': ['endpoint', 'health_status', 'load_balancing_weight', 'metadata'],
  'envoy.config.endpoint.v3.Endpoint': ['address', 'hostname'],
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': [
    'common_http_protocol_options', 'explicit_http_config', 'use_downstream_protocol_config',
  ],
  // TLS
  'envoy.config.core.v3.TransportSocket': ['name', 'typed_config'],
  'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext': ['common_tls_context', 'require_client_certificate'],
  'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext': ['common_tls_context', 'sni'],
  'envoy.extensions.transport_sockets.tls.v3.CommonTlsContext': [
    'tls_params', 'tls_certificates', 'tls_certificate_sds_secret_configs', 'validation_context',
    'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols',
  ],
  'envoy.extensions.transport_sockets.tls.v3.TlsParameters': ['tls_minimum_protocol_version', 'tls_maximum_protocol_version'],
  'envoy.extensions.transport_sockets.tls.v3.TlsCertificate': ['certificate_chain', 'private_key'],
  'envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext': ['trusted_ca', 'system_root_certs', 'match_subject_alt_names'],
  'envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig': ['name', 'sds_config'],
  'envoy.extensions.transport_sockets.tls.v3.Secret': ['name', 'tls_certificate', 'validation_context'],
};

const supportedSets = new Map<string, ReadonlySet<string>>(
  Object.entries(SUPPORTED_FIELDS).map(([type, fields]) => [type, new Set(fields)]),
);

export interface UnsupportedField {
  /** Path of the field in the document: `static_resources.clusters[0].outlier_detection`. */
  path: string;
  /** Proto field name: `outlier_detection`. */
  field: string;
  /** Full name of the message type that declares it. */
  type: string;
}

/** The warning text the bootstrap loader and xDS client print for one unsupported field. */
export function describeUnsupported(u: UnsupportedField): string {
  return `field "${u.field}" of ${u.type} is not supported by tsmesh and is ignored`;
}

/**
 * One line for all the unsupported fields of one xDS resource, or null when there are none:
 * `fields not supported by tsmesh and ignored: RouteAction.retry_policy (×12), VirtualHost.include_request_attempt_count (×3)`.
 * A generated route configuration repeats the same field on every route; one warning per
 * occurrence would bury the log, while the first path still says where to look.
 */
export function summarizeUnsupported(list: readonly UnsupportedField[]): string | null {
  if (list.length === 0) return null;
  const counts = new Map<string, number>();
  for (const u of list) {
    const key = `${u.type.split('.').pop()!}.${u.field}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => (n > 1 ? `${k} (×${n})` : k));
  return `fields not supported by tsmesh and ignored: ${parts.join(', ')} (first at ${list[0]!.path})`;
}

/**
 * Fields set in `json` (proto3 JSON of `typeFullName`, already valid) that tsmesh does not
 * implement, walking nested messages and Anys (by their "@type").
 */
export function unsupportedFields(typeFullName: string, json: unknown, basePath = ''): UnsupportedField[] {
  const out: UnsupportedField[] = [];
  walkMessage(lookupType(typeFullName), json, basePath, out);
  return out;
}

function walkMessage(type: Type, json: unknown, path: string, out: UnsupportedField[]): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return;
  if (type.fullName === '.google.protobuf.Any') {
    const inner = findTypeByUrl(String((json as Record<string, unknown>)['@type'] ?? ''));
    if (inner) walkMessage(inner, json, path, out);
    return;
  }
  if (type.fullName.startsWith('.google.protobuf.')) return; // Struct, wrappers: plain data
  const name = typeName(type);
  const supported = supportedSets.get(name);
  for (const [key, value] of Object.entries(json)) {
    const field = findField(type, key);
    if (!field || value === null) continue; // '@type', or unknown fields that validateJson reports
    const p = keyPath(path, key);
    if (supported && !supported.has(field.name)) {
      out.push({ path: p, field: field.name, type: name });
      continue;
    }
    if (!(field.resolvedType instanceof protobuf.Type)) continue;
    const elemType = field.resolvedType;
    if (field.map) {
      for (const [k, v] of Object.entries(value as object)) walkMessage(elemType, v, keyPath(p, k), out);
    } else if (field.repeated && Array.isArray(value)) {
      value.forEach((v, i) => walkMessage(elemType, v, indexPath(p, i), out));
    } else {
      walkMessage(elemType, value, p, out);
    }
  }
}
