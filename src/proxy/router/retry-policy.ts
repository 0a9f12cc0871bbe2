/**
 * RetryPolicy (envoy.config.route.v3.RetryPolicy), compiled once per route: the retry_on
 * conditions as a bit set, the retry count, per-try timeout, back-off, retriable status codes and
 * headers, and the host predicate. The per-request side is retry-state.ts.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
import { ProxyConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { compileHeaderMatchers } from './header-matcher.js';
import type { HeaderMatcher } from './header-matcher.js';
import { optList, optString, optUint, readMessage } from './proto-json.js';

/** Envoy's RetryPolicy::RETRY_ON_* bits (router.h), by the names x-envoy-retry-on uses. */
export const RetryOn = {
  '5xx': 1 << 0,
  'gateway-error': 1 << 1,
  'connect-failure': 1 << 2,
  'retriable-4xx': 1 << 3,
  'refused-stream': 1 << 4,
  'retriable-status-codes': 1 << 5,
  'retriable-headers': 1 << 6,
  reset: 1 << 7,
  'reset-before-request': 1 << 8,
  'envoy-ratelimited': 1 << 9,
  // Only matters for HTTP/3 upstreams, which tsmesh has not: accepted and never true.
  'http3-post-connect-failure': 1 << 10,
} as const;

/** x-envoy-retry-grpc-on conditions (also allowed in retry_on), on grpc-status in response headers. */
export const RetryGrpcOn = {
  cancelled: 1 << 16,
  'deadline-exceeded': 1 << 17,
  'resource-exhausted': 1 << 18,
  unavailable: 1 << 19,
  internal: 1 << 20,
} as const;

/** gRPC status code → its retry_on bit. */
export const GRPC_STATUS_BITS: ReadonlyMap<number, number> = new Map([
  [1, RetryGrpcOn.cancelled],
  [4, RetryGrpcOn['deadline-exceeded']],
  [8, RetryGrpcOn['resource-exhausted']],
  [14, RetryGrpcOn.unavailable],
  [13, RetryGrpcOn.internal],
]);

export const GRPC_BITS = RetryGrpcOn.cancelled | RetryGrpcOn['deadline-exceeded'] | RetryGrpcOn['resource-exhausted'] | RetryGrpcOn.unavailable | RetryGrpcOn.internal;

const ALL_NAMES: Readonly<Record<string, number>> = { ...RetryOn, ...RetryGrpcOn };

/** Envoy's upstream.base_retry_backoff_ms default; the cap defaults to 10× the base. */
export const DEFAULT_BASE_INTERVAL_MS = 25;

export const PREVIOUS_PRIORITIES = 'envoy.retry_priorities.previous_priorities';
const PREVIOUS_PRIORITIES_TYPE = 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig';

export const PREVIOUS_HOSTS_PREDICATE = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

export interface RetryPolicy {
  /** RetryOn | RetryGrpcOn bits. */
  readonly retryOn: number;
  /** num_retries; Envoy's default is 1. */
  readonly numRetries: number;
  /** 0: none (the route timeout covers every attempt). */
  readonly perTryTimeoutMs: number;
  readonly retriableStatusCodes: readonly number[];
  readonly retriableHeaders: readonly HeaderMatcher[];
  /** When non-empty, only requests matching one of these are retried. */
  readonly retriableRequestHeaders: readonly HeaderMatcher[];
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** retry_host_predicate has previous_hosts: a retry avoids hosts already tried. */
  readonly previousHosts: boolean;
  /** host_selection_retry_max_attempts (Envoy's default 1): extra picks while the predicate rejects. */
  readonly hostSelectionMaxAttempts: number;
  /** retry_priority previous_priorities' update_frequency; 0 when there is no retry priority. */
  readonly previousPrioritiesUpdateFrequency: number;
}

/** No policy configured: the request headers (x-envoy-retry-on) may still ask for retries. */
export const NO_RETRY_POLICY: RetryPolicy = Object.freeze({
  retryOn: 0,
  numRetries: 1,
  perTryTimeoutMs: 0,
  retriableStatusCodes: Object.freeze([]) as readonly number[],
  retriableHeaders: Object.freeze([]) as readonly HeaderMatcher[],
  retriableRequestHeaders: Object.freeze([]) as readonly HeaderMatcher[],
  baseIntervalMs: DEFAULT_BASE_INTERVAL_MS,
  maxIntervalMs: DEFAULT_BASE_INTERVAL_MS * 10,
  previousHosts: false,
  hostSelectionMaxAttempts: 1,
  previousPrioritiesUpdateFrequency: 0,
});

/**
 * Parses a retry_on list (comma separated). From a request header unknown names are ignored, as
 * Envoy ignores them; from config they are an error naming the value, so a typo ("5xxx") is not
 * a silently dead retry policy. `grpcOnly`: x-envoy-retry-grpc-on, which has only gRPC names.
 */
export function parseRetryOn(text: string, path: string | null, grpcOnly = false): number {
  let bits = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    const bit = grpcOnly ? (RetryGrpcOn as Readonly<Record<string, number>>)[name] : ALL_NAMES[name];
    if (bit !== undefined) bits |= bit;
    else if (path !== null) {
      throw new ProxyConfigError(path, `unknown retry condition ${JSON.stringify(name)}; expected one of ${Object.keys(ALL_NAMES).join(', ')}`);
    }
  }
  return bits;
}

const FIELDS = [
  'retry_on',
  'num_retries',
  'per_try_timeout',
  'retry_priority',
  'retry_host_predicate',
  'host_selection_retry_max_attempts',
  'retriable_status_codes',
  'retry_back_off',
  'retriable_headers',
  'retriable_request_headers',
];
// per_try_idle_timeout, rate-limited back-off (Retry-After) and retry options predicates change
// what is retried and when: refused rather than silently ignored.
const UNSUPPORTED = ['per_try_idle_timeout', 'rate_limited_retry_back_off', 'retry_options_predicates'];

function positiveDuration(json: unknown, path: string): number {
  const ms = durationMs(json, path);
  if (ms === undefined) throw new ProxyConfigError(path, 'is required');
  if (!(ms > 0)) throw new ProxyConfigError(path, 'must be greater than 0');
  return ms;
}

function compileBackOff(json: unknown, path: string): { base: number; max: number } {
  const msg = readMessage(json, path, ['base_interval', 'max_interval']);
  const base = positiveDuration(msg['base_interval'], `${path}.base_interval`);
  const max = msg['max_interval'] === undefined ? base * 10 : positiveDuration(msg['max_interval'], `${path}.max_interval`);
  if (max < base) throw new ProxyConfigError(`${path}.max_interval`, 'must be greater than or equal to the base_interval');
  return { base, max };
}

function compileHostPredicates(list: readonly unknown[], path: string): boolean {
  let previousHosts = false;
  list.forEach((p, i) => {
    const at = `${path}[${i}]`;
    const msg = readMessage(p, at, ['name', 'typed_config']);
    const name = optString(msg, 'name', at) ?? '';
    const type = (msg['typed_config'] as { '@type'?: unknown } | undefined)?.['@type'];
    if (name === PREVIOUS_HOSTS_PREDICATE || type === PREVIOUS_HOSTS_TYPE) previousHosts = true;
    else throw new ProxyConfigError(`${at}.name`, `retry host predicate ${JSON.stringify(name || type)} is not supported by tsmesh (only ${PREVIOUS_HOSTS_PREDICATE})`);
  });
  return previousHosts;
}

/**
 * retry_priority: only envoy.retry_priorities.previous_priorities exists in Envoy; its
 * PreviousPrioritiesConfig.update_frequency must be > 0 (Envoy's validation). Returns it.
 */
function compileRetryPriority(json: unknown, path: string): number {
  const msg = readMessage(json, path, ['name', 'typed_config']);
  const name = optString(msg, 'name', path) ?? '';
  const typed = msg['typed_config'];
  const type = (typed as { '@type'?: unknown } | undefined)?.['@type'];
  if (name !== PREVIOUS_PRIORITIES && type !== PREVIOUS_PRIORITIES_TYPE) {
    throw new ProxyConfigError(`${path}.name`, `retry priority ${JSON.stringify(name || type)} is not supported by tsmesh (only ${PREVIOUS_PRIORITIES})`);
  }
  if (typed === undefined) throw new ProxyConfigError(`${path}.typed_config`, `is required: ${PREVIOUS_PRIORITIES} needs a PreviousPrioritiesConfig with update_frequency`);
  const at = `${path}.typed_config`;
  const cfg = readMessage(typed, at, ['@type', 'update_frequency']);
  if (type !== undefined && type !== PREVIOUS_PRIORITIES_TYPE) throw new ProxyConfigError(`${at}.@type`, `must be ${PREVIOUS_PRIORITIES_TYPE}`);
  const freq = optUint(cfg, 'update_frequency', at);
  if (freq === undefined || freq < 1) throw new ProxyConfigError(`${at}.update_frequency`, 'must be greater than 0');
  return freq;
}

/** Compiles a RetryPolicy (proto3 JSON); `path` locates errors. */
export function compileRetryPolicy(json: unknown, path: string): RetryPolicy {
  const msg = readMessage(json, path, FIELDS, UNSUPPORTED);
  const retryOn = parseRetryOn(optString(msg, 'retry_on', path) ?? '', `${path}.retry_on`);
  const perTry = durationMs(msg['per_try_timeout'], `${path}.per_try_timeout`) ?? 0;
  if (perTry < 0) throw new ProxyConfigError(`${path}.per_try_timeout`, 'must not be negative');
  const codes = optList(msg, 'retriable_status_codes', path).map((c, i) => {
    const n = typeof c === 'string' && /^\d+$/.test(c) ? Number(c) : c;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 599) {
      throw new ProxyConfigError(`${path}.retriable_status_codes[${i}]`, `${JSON.stringify(c)} is not an HTTP status code (100-599)`);
    }
    return n;
  });
  const backOff = msg['retry_back_off'] === undefined ? null : compileBackOff(msg['retry_back_off'], `${path}.retry_back_off`);
  const hostAttempts = optUint(msg, 'host_selection_retry_max_attempts', path);
  return Object.freeze({
    retryOn,
    numRetries: optUint(msg, 'num_retries', path) ?? 1,
    perTryTimeoutMs: perTry,
    retriableStatusCodes: Object.freeze(codes),
    retriableHeaders: compileHeaderMatchers(optList(msg, 'retriable_headers', path), `${path}.retriable_headers`),
    retriableRequestHeaders: compileHeaderMatchers(optList(msg, 'retriable_request_headers', path), `${path}.retriable_request_headers`),
    baseIntervalMs: backOff?.base ?? DEFAULT_BASE_INTERVAL_MS,
    maxIntervalMs: backOff?.max ?? DEFAULT_BASE_INTERVAL_MS * 10,
    previousHosts: compileHostPredicates(optList(msg, 'retry_host_predicate', path), `${path}.retry_host_predicate`),
    hostSelectionMaxAttempts: hostAttempts ?? 1,
    previousPrioritiesUpdateFrequency: msg['retry_priority'] === undefined ? 0 : compileRetryPriority(msg['retry_priority'], `${path}.retry_priority`),
  });
}

/** The names of the conditions set in `bits`, for reasons and admin output. */
export function retryOnNames(bits: number): string[] {
  return Object.entries(ALL_NAMES)
    .filter(([, b]) => (bits & b) !== 0)
    .map(([n]) => n);
}
