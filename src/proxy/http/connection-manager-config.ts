import { ProxyConfigError, at } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';

export type CodecType = 'AUTO' | 'HTTP1' | 'HTTP2';
export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';
export type EscapedSlashesAction = 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

/** Where the connection manager's routes come from. */
export type RouteSpecifier =
  | { kind: 'inline'; routeConfig: Record<string, unknown> }
  | { kind: 'rds'; routeConfigName: string };

/**
 * The HttpConnectionManager's settings (envoy.extensions.filters.network.http_connection_manager.v3),
 * with Envoy's defaults applied. Compiled once per listener config version.
 */
export interface HcmConfig {
  statPrefix: string;
  codecType: CodecType;
  routeSpecifier: RouteSpecifier;
  /** `disabled`: off unless a route's typed_per_filter_config enables it. */
  httpFilters: { name: string; typedConfig: Record<string, unknown>; isOptional: boolean; disabled: boolean }[];
  serverName: string;
  serverHeaderTransformation: ServerHeaderTransformation;
  useRemoteAddress: boolean;
  xffNumTrustedHops: number;
  skipXffAppend: boolean;
  generateRequestId: boolean;
  preserveExternalRequestId: boolean;
  alwaysSetRequestIdInResponse: boolean;
  /** 0 disables. Envoy's default: 5 minutes. */
  streamIdleTimeoutMs: number;
  /** 0 disables (Envoy's default). */
  requestTimeoutMs: number;
  /** 0 disables (Envoy's default). */
  requestHeadersTimeoutMs: number;
  /** Downstream connection idle timeout; Envoy's default 1 hour. */
  idleTimeoutMs: number;
  maxRequestHeadersKb: number;
  /** http_protocol_options.accept_http_10: off (Envoy's default) answers HTTP/1.0 with 426. */
  acceptHttp10: boolean;
  /** http_protocol_options.default_host_for_http_10: Host for HTTP/1.0 requests without one. */
  defaultHostForHttp10: string;
  normalizePath: boolean;
  mergeSlashes: boolean;
  pathWithEscapedSlashesAction: EscapedSlashesAction;
  ignorePortInHostMatching: boolean;
  via: string;
  /** Envoy's drain_timeout for HTTP/2 GOAWAY sequencing; also our grace for draining chains. */
  drainTimeoutMs: number;
  /** The access_log list as configured (compiled with the proxy's sinks by the listener). */
  accessLog: unknown;
}

const KNOWN_CODECS: readonly CodecType[] = ['AUTO', 'HTTP1', 'HTTP2'];

export function compileHcmConfig(json: Record<string, unknown>): HcmConfig {
  const statPrefix = json['stat_prefix'];
  if (typeof statPrefix !== 'string' || statPrefix === '') throw new ProxyConfigError('stat_prefix', 'is required');
  const codecType = (json['codec_type'] ?? 'AUTO') as CodecType;
  if (!KNOWN_CODECS.includes(codecType)) throw new ProxyConfigError('codec_type', `unsupported codec ${String(codecType)} (AUTO, HTTP1 or HTTP2)`);

  let routeSpecifier: RouteSpecifier;
  if (json['route_config'] !== undefined && json['rds'] !== undefined) throw new ProxyConfigError('route_config', 'route_config and rds are mutually exclusive');
  if (json['route_config'] !== undefined) {
    routeSpecifier = { kind: 'inline', routeConfig: json['route_config'] as Record<string, unknown> };
  } else if (json['rds'] !== undefined) {
    const name = (json['rds'] as Record<string, unknown>)['route_config_name'];
    if (typeof name !== 'string' || !name) throw new ProxyConfigError('rds.route_config_name', 'is required');
    routeSpecifier = { kind: 'rds', routeConfigName: name };
  } else if (json['scoped_routes'] !== undefined) {
    throw new ProxyConfigError('scoped_routes', 'scoped routes are not supported by tsmesh');
  } else {
    throw new ProxyConfigError('route_config', 'one of route_config or rds is required');
  }

  const filtersJson = (json['http_filters'] ?? []) as unknown[];
  if (!Array.isArray(filtersJson)) throw new ProxyConfigError('http_filters', 'must be a list');
  const httpFilters = filtersJson.map((f, i) =>
    at(`http_filters[${i}]`, () => {
      const o = f as Record<string, unknown>;
      const name = o['name'];
      if (typeof name !== 'string' || !name) throw new ProxyConfigError('name', 'is required');
      const typedConfig = (o['typed_config'] ?? {}) as Record<string, unknown>;
      if (o['config_discovery'] !== undefined) throw new ProxyConfigError('config_discovery', 'filter config discovery (ECDS) is not supported by tsmesh proxy');
      return { name, typedConfig, isOptional: o['is_optional'] === true, disabled: o['disabled'] === true };
    }),
  );
  if (httpFilters.length === 0 || !isRouter(httpFilters[httpFilters.length - 1]!)) {
    throw new ProxyConfigError('http_filters', 'the last HTTP filter must be the router (envoy.filters.http.router)');
  }
  for (let i = 0; i < httpFilters.length - 1; i++) {
    if (isRouter(httpFilters[i]!)) throw new ProxyConfigError(`http_filters[${i}]`, 'the router must be the last HTTP filter');
  }
  if (httpFilters[httpFilters.length - 1]!.disabled) throw new ProxyConfigError(`http_filters[${httpFilters.length - 1}].disabled`, 'the terminal filter (router) cannot be disabled');

  const common = (json['common_http_protocol_options'] ?? {}) as Record<string, unknown>;
  const http1 = (json['http_protocol_options'] ?? {}) as Record<string, unknown>;
  const maxKb = json['max_request_headers_kb'] === undefined ? 60 : Number(json['max_request_headers_kb']);
  if (!Number.isInteger(maxKb) || maxKb < 1 || maxKb > 8192) throw new ProxyConfigError('max_request_headers_kb', 'must be an integer from 1 to 8192');
  const action = (json['path_with_escaped_slashes_action'] ?? 'KEEP_UNCHANGED') as string;
  const escapedAction = (action === 'IMPLEMENTATION_SPECIFIC_DEFAULT' ? 'KEEP_UNCHANGED' : action) as EscapedSlashesAction;
  if (!['KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD'].includes(escapedAction)) {
    throw new ProxyConfigError('path_with_escaped_slashes_action', `unknown action ${action}`);
  }
  const sht = (json['server_header_transformation'] ?? 'OVERWRITE') as ServerHeaderTransformation;
  if (!['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'].includes(sht)) throw new ProxyConfigError('server_header_transformation', `unknown value ${String(sht)}`);

  return {
    statPrefix,
    codecType,
    routeSpecifier,
    httpFilters,
    // Istio sets server_name "istio-envoy"; a tsmesh proxy answers the same by default.
    serverName: typeof json['server_name'] === 'string' && json['server_name'] ? (json['server_name'] as string) : 'istio-envoy',
    serverHeaderTransformation: sht,
    useRemoteAddress: bool(json['use_remote_address'], false),
    xffNumTrustedHops: Number(json['xff_num_trusted_hops'] ?? 0),
    skipXffAppend: bool(json['skip_xff_append'], false),
    generateRequestId: bool(json['generate_request_id'], true),
    preserveExternalRequestId: bool(json['preserve_external_request_id'], false),
    alwaysSetRequestIdInResponse: bool(json['always_set_request_id_in_response'], false),
    streamIdleTimeoutMs: durationMs(json['stream_idle_timeout'], 'stream_idle_timeout') ?? 300_000,
    requestTimeoutMs: durationMs(json['request_timeout'], 'request_timeout') ?? 0,
    requestHeadersTimeoutMs: durationMs(json['request_headers_timeout'], 'request_headers_timeout') ?? 0,
    idleTimeoutMs: durationMs(common['idle_timeout'], 'common_http_protocol_options.idle_timeout') ?? 3_600_000,
    maxRequestHeadersKb: maxKb,
    acceptHttp10: bool(http1['accept_http_10'], false),
    // Envoy: default_host_for_http_10 is a no-op unless accept_http_10 is set.
    defaultHostForHttp10: typeof http1['default_host_for_http_10'] === 'string' ? (http1['default_host_for_http_10'] as string) : '',
    normalizePath: bool(json['normalize_path'], false),
    mergeSlashes: bool(json['merge_slashes'], false),
    pathWithEscapedSlashesAction: escapedAction,
    ignorePortInHostMatching: bool(json['strip_any_host_port'], false) || bool(json['ignore_port_in_host_matching'], false),
    via: typeof json['via'] === 'string' ? (json['via'] as string) : '',
    drainTimeoutMs: durationMs(json['drain_timeout'], 'drain_timeout') ?? 5000,
    accessLog: json['access_log'],
  };
}

function isRouter(f: { name: string; typedConfig: Record<string, unknown> }): boolean {
  const t = f.typedConfig['@type'];
  return t === 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' || (t === undefined && f.name === 'envoy.filters.http.router');
}

/** proto3 JSON bools, including google.protobuf.BoolValue written as a plain value. */
function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'object' && v !== null && 'value' in v) return Boolean((v as { value: unknown }).value);
  return v === true || v === 'true';
}
