/**
 * AccessLog `filter` (envoy.config.accesslog.v3.AccessLogFilter), compiled once into a predicate
 * over a finished stream's StreamInfo. Envoy's semantics, per filter:
 * - status_code_filter: the response code (0 when none was sent) compared with `comparison`;
 * - duration_filter: the stream's total duration in ms, compared likewise;
 * - not_health_check_filter: passes unless the request was a health check. tsmesh has no
 *   health_check HTTP filter, so no request is one and it always passes (as in an Envoy without
 *   that filter);
 * - response_flag_filter: passes when any of `flags` is set, or any flag at all when `flags` is empty;
 * - header_filter: a route HeaderMatcher against the request headers;
 * - and_filter / or_filter: every / any of at least two sub-filters, evaluated in order and
 *   short-circuited.
 * The comparison value is a RuntimeUInt32: tsmesh has no runtime layer, so its default_value is
 * used (what Envoy does when the runtime key is unset). Any other filter is a config error naming
 * it, so the listener is rejected and the proxy keeps its last good config.
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import type { StreamInfo } from '../http/stream-info.js';
import { ResponseFlag } from '../errors/response-flags.js';
import type { ResponseFlagName } from '../errors/response-flags.js';
import { compileHeaderMatcher } from '../router/header-matcher.js';
import { requestHeaderValue } from '../formatter/format-commands.js';

export type AccessLogPredicate = (info: StreamInfo) => boolean;

const SUPPORTED = ['status_code_filter', 'duration_filter', 'not_health_check_filter', 'response_flag_filter', 'header_filter', 'and_filter', 'or_filter'];
const KNOWN_UNSUPPORTED = ['traceable_filter', 'runtime_filter', 'grpc_status_filter', 'metadata_filter', 'log_type_filter', 'extension_filter'];

function object(json: unknown, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ProxyConfigError('', `${what} must be an object`);
  return json as Record<string, unknown>;
}

/** Compiles one AccessLogFilter (exactly one of its filter fields set). */
export function compileAccessLogFilter(json: unknown): AccessLogPredicate {
  const msg = object(json, 'filter');
  const keys = Object.keys(msg);
  if (keys.length !== 1) throw new ProxyConfigError('', `exactly one filter must be set, got ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  const kind = keys[0]!;
  if (!SUPPORTED.includes(kind)) {
    const why = KNOWN_UNSUPPORTED.includes(kind) ? 'is not supported by tsmesh' : 'is not an access log filter';
    throw new ProxyConfigError(kind, `${why} (supported: ${SUPPORTED.join(', ')})`);
  }
  return at(kind, () => compileKind(kind, msg[kind]));
}

function compileKind(kind: string, json: unknown): AccessLogPredicate {
  switch (kind) {
    case 'status_code_filter': {
      const test = compileComparison(object(json, kind)['comparison']);
      return (info) => test(info.responseCode);
    }
    case 'duration_filter': {
      const test = compileComparison(object(json, kind)['comparison']);
      return (info) => test(Math.floor(info.durationMs >= 0 ? info.durationMs : performance.now() - info.startMono));
    }
    case 'not_health_check_filter':
      object(json ?? {}, kind);
      return () => true;
    case 'response_flag_filter':
      return compileResponseFlagFilter(object(json ?? {}, kind));
    case 'header_filter': {
      const header = object(json, kind)['header'];
      if (header === undefined) throw new ProxyConfigError('header', 'is required');
      const matcher = compileHeaderMatcher(header, 'header');
      return (info) => matcher.matchesValue(requestHeaderValue(info, matcher.name));
    }
    case 'and_filter':
    case 'or_filter': {
      const list = object(json, kind)['filters'];
      if (!Array.isArray(list) || list.length < 2) throw new ProxyConfigError('filters', 'needs at least two filters');
      const subs = list.map((f, i) => at(`filters[${i}]`, () => compileAccessLogFilter(f)));
      if (kind === 'and_filter') {
        return (info) => {
          for (let i = 0; i < subs.length; i++) if (!subs[i]!(info)) return false;
          return true;
        };
      }
      return (info) => {
        for (let i = 0; i < subs.length; i++) if (subs[i]!(info)) return true;
        return false;
      };
    }
  }
  throw new ProxyConfigError('', `unknown filter ${kind}`);
}

/** ComparisonFilter: op EQ (default), GE, LE or NE against a RuntimeUInt32's default_value. */
function compileComparison(json: unknown): (n: number) => boolean {
  return at('comparison', () => {
    const msg = object(json, 'comparison');
    const op = msg['op'] ?? 'EQ';
    const value = at('value', () => {
      const v = object(msg['value'], 'value');
      const n = Number(v['default_value'] ?? 0);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ProxyConfigError('default_value', 'must be an unsigned 32-bit integer');
      return n;
    });
    switch (op) {
      case 'EQ':
      case 0:
        return (n) => n === value;
      case 'GE':
      case 1:
        return (n) => n >= value;
      case 'LE':
      case 2:
        return (n) => n <= value;
      case 'NE':
      case 3:
        return (n) => n !== value;
      default:
        throw new ProxyConfigError('op', `unknown comparison ${JSON.stringify(op)} (EQ, GE, LE or NE)`);
    }
  });
}

function compileResponseFlagFilter(msg: Record<string, unknown>): AccessLogPredicate {
  const list = msg['flags'] ?? [];
  if (!Array.isArray(list)) throw new ProxyConfigError('flags', 'must be a list of response flags');
  let mask = 0;
  list.forEach((f, i) => {
    if (typeof f !== 'string' || !Object.hasOwn(ResponseFlag, f)) {
      throw new ProxyConfigError(`flags[${i}]`, `unknown response flag ${JSON.stringify(f)} (one of ${Object.keys(ResponseFlag).join(', ')})`);
    }
    mask |= ResponseFlag[f as ResponseFlagName];
  });
  // No flags listed: any flag at all (Envoy's ResponseFlagFilter with an empty set).
  if (mask === 0) return (info) => info.responseFlags !== 0;
  return (info) => (info.responseFlags & mask) !== 0;
}
