/**
 * Which HTTP protocol a cluster speaks upstream, and its connection limits: from
 * typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"], or
 * from the deprecated top-level fields (http_protocol_options, http2_protocol_options,
 * common_http_protocol_options, protocol_selection, max_requests_per_connection). Envoy rejects a
 * cluster that uses both, and so do we.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { oneOf, optEnum, optMap, optUint, readMessage } from '../router/proto-json.js';
import type { Message } from '../router/proto-json.js';

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_PROTOCOL_OPTIONS_URL = `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`;

/**
 * http1/http2: as configured; downstream: the downstream request's protocol
 * (use_downstream_protocol_config); auto: ALPN over TLS, HTTP/1.1 otherwise (auto_config).
 */
export type UpstreamHttpProtocol = 'http1' | 'http2' | 'downstream' | 'auto';

export interface Http2Options {
  readonly maxConcurrentStreams: number;
  readonly initialStreamWindowSize: number;
  readonly initialConnectionWindowSize: number;
  /** The whole Http2ProtocolOptions, raw, for the rarer knobs. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface UpstreamHttpOptions {
  readonly protocol: UpstreamHttpProtocol;
  /** HTTP/1 options (Http1ProtocolOptions), raw; null when not given. */
  readonly http1: Readonly<Record<string, unknown>> | null;
  /** HTTP/2 options with Envoy's defaults; null when HTTP/2 is not configured. */
  readonly http2: Http2Options | null;
  /** common_http_protocol_options.idle_timeout: Envoy's default 1 h; 0 disables. */
  readonly idleTimeoutMs: number;
  /** null: unlimited. */
  readonly maxConnectionDurationMs: number | null;
  readonly maxHeadersCount: number;
  /** 0: unlimited. */
  readonly maxRequestsPerConnection: number;
  readonly maxStreamDurationMs: number | null;
}

const DEFAULT_IDLE_TIMEOUT_MS = 3600_000;
const DEFAULT_MAX_HEADERS_COUNT = 100;
const DEFAULT_H2_WINDOW = 268435456;
const DEFAULT_H2_MAX_STREAMS = 2147483647;

export function compileUpstreamProtocol(cluster: Message, notes: string[]): UpstreamHttpOptions {
  const typed = optMap(cluster, 'typed_extension_protocol_options', '') ?? {};
  let ext: unknown;
  let extPath = '';
  for (const [key, value] of Object.entries(typed)) {
    const type = (value as { '@type'?: unknown } | null)?.['@type'];
    if (key === HTTP_PROTOCOL_OPTIONS || type === HTTP_PROTOCOL_OPTIONS_URL) {
      ext = value;
      extPath = `typed_extension_protocol_options["${key}"]`;
    } else {
      notes.push(`typed_extension_protocol_options["${key}"]: not an upstream HTTP protocol option tsmesh knows; ignored`);
    }
  }
  const deprecated = ['http_protocol_options', 'http2_protocol_options', 'common_http_protocol_options', 'protocol_selection'].filter(
    (f) => cluster[f] !== undefined,
  );
  if (ext !== undefined) {
    if (deprecated.length > 0) {
      throw new ProxyConfigError(deprecated[0]!, `cannot be combined with ${extPath}; use only the typed extension protocol options`);
    }
    return compileHttpProtocolOptions(ext, extPath);
  }
  const selection = optEnum(cluster, 'protocol_selection', '', ['USE_CONFIGURED_PROTOCOL', 'USE_DOWNSTREAM_PROTOCOL'] as const);
  const h2 = cluster['http2_protocol_options'];
  const common = compileCommon(cluster['common_http_protocol_options'], 'common_http_protocol_options');
  const legacyMaxRequests = optUint(cluster, 'max_requests_per_connection', '');
  return Object.freeze({
    protocol: selection === 'USE_DOWNSTREAM_PROTOCOL' ? 'downstream' : h2 !== undefined ? 'http2' : 'http1',
    http1: http1Options(cluster['http_protocol_options'], 'http_protocol_options'),
    http2: h2 === undefined ? null : compileHttp2(h2, 'http2_protocol_options'),
    ...common,
    maxRequestsPerConnection: common.maxRequestsPerConnection || legacyMaxRequests || 0,
  });
}

function compileHttpProtocolOptions(json: unknown, path: string): UpstreamHttpOptions {
  const msg = readMessage(json, path, [
    '@type', 'common_http_protocol_options', 'upstream_http_protocol_options', 'explicit_http_config',
    'use_downstream_protocol_config', 'auto_config', 'http_filters', 'header_validation_config',
  ]);
  const common = compileCommon(msg['common_http_protocol_options'], `${path}.common_http_protocol_options`);
  const kind = oneOf(msg, path, ['explicit_http_config', 'use_downstream_protocol_config', 'auto_config']);
  if (kind === undefined) throw new ProxyConfigError(path, 'one of explicit_http_config, use_downstream_protocol_config, auto_config is required');
  const p = `${path}.${kind}`;
  const cfg = readMessage(msg[kind], p, ['http_protocol_options', 'http2_protocol_options', 'http3_protocol_options', 'alternate_protocols_cache_options']);
  if (cfg['http3_protocol_options'] !== undefined && kind === 'explicit_http_config') {
    throw new ProxyConfigError(`${p}.http3_protocol_options`, 'HTTP/3 upstreams are not supported by tsmesh');
  }
  let protocol: UpstreamHttpProtocol;
  if (kind === 'explicit_http_config') {
    const which = oneOf(cfg, p, ['http_protocol_options', 'http2_protocol_options', 'http3_protocol_options']);
    if (which === undefined) throw new ProxyConfigError(p, 'one of http_protocol_options, http2_protocol_options is required');
    protocol = which === 'http2_protocol_options' ? 'http2' : 'http1';
  } else {
    protocol = kind === 'auto_config' ? 'auto' : 'downstream';
  }
  const h2 = cfg['http2_protocol_options'];
  return Object.freeze({
    protocol,
    http1: http1Options(cfg['http_protocol_options'], `${p}.http_protocol_options`),
    // Downstream and auto configs may speak HTTP/2 even without explicit options: use defaults.
    http2: h2 !== undefined || protocol !== 'http1' ? compileHttp2(h2 ?? {}, `${p}.http2_protocol_options`) : null,
    ...common,
  });
}

type CommonOptions = Pick<UpstreamHttpOptions, 'idleTimeoutMs' | 'maxConnectionDurationMs' | 'maxHeadersCount' | 'maxRequestsPerConnection' | 'maxStreamDurationMs'>;

function compileCommon(json: unknown, path: string): CommonOptions {
  if (json === undefined) {
    return { idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS, maxConnectionDurationMs: null, maxHeadersCount: DEFAULT_MAX_HEADERS_COUNT, maxRequestsPerConnection: 0, maxStreamDurationMs: null };
  }
  const msg = readMessage(json, path, [
    'idle_timeout', 'max_connection_duration', 'max_headers_count', 'max_response_headers_kb', 'max_stream_duration',
    'headers_with_underscores_action', 'max_requests_per_connection',
  ]);
  const maxHeadersCount = optUint(msg, 'max_headers_count', path) ?? DEFAULT_MAX_HEADERS_COUNT;
  if (maxHeadersCount < 1) throw new ProxyConfigError(`${path}.max_headers_count`, 'must be at least 1');
  return {
    idleTimeoutMs: durationMs(msg['idle_timeout'], `${path}.idle_timeout`) ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxConnectionDurationMs: durationMs(msg['max_connection_duration'], `${path}.max_connection_duration`) ?? null,
    maxHeadersCount,
    maxRequestsPerConnection: optUint(msg, 'max_requests_per_connection', path) ?? 0,
    maxStreamDurationMs: durationMs(msg['max_stream_duration'], `${path}.max_stream_duration`) ?? null,
  };
}

function http1Options(json: unknown, path: string): Readonly<Record<string, unknown>> | null {
  if (json === undefined) return null;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ProxyConfigError(path, 'must be an object');
  return json as Record<string, unknown>;
}

function compileHttp2(json: unknown, path: string): Http2Options {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ProxyConfigError(path, 'must be an object');
  const msg = json as Message;
  const streams = optUint(msg, 'max_concurrent_streams', path) ?? DEFAULT_H2_MAX_STREAMS;
  if (streams < 1) throw new ProxyConfigError(`${path}.max_concurrent_streams`, 'must be at least 1');
  return Object.freeze({
    maxConcurrentStreams: streams,
    initialStreamWindowSize: optUint(msg, 'initial_stream_window_size', path) ?? DEFAULT_H2_WINDOW,
    initialConnectionWindowSize: optUint(msg, 'initial_connection_window_size', path) ?? DEFAULT_H2_WINDOW,
    raw: msg,
  });
}
