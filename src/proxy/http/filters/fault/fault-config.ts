/**
 * envoy.extensions.filters.http.fault.v3.HTTPFault, compiled once per config (the filter's own
 * typed_config, or a route's typed_per_filter_config): the delay and abort providers with their
 * percentages, the request matchers, and max_active_faults. Header-controlled faults
 * (header_delay, header_abort) read Envoy's x-envoy-fault-* request headers, and only then.
 */
import { ProxyConfigError } from '../../../config/config-error.js';
import { durationMs } from '../../../config/duration.js';
import { compileHeaderMatchers } from '../../../router/header-matcher.js';
import type { HeaderMatcher } from '../../../router/header-matcher.js';
import { join, oneOf, optBool, optEnum, optList, optStringList, optString, optUint, readMessage } from '../../../router/proto-json.js';
import type { HeaderMap } from '../../header-map.js';

export const HTTP_FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** Envoy's fault-control request headers (Filters::Common::Fault::HeaderNames). */
export const FaultHeaders = {
  abortRequest: 'x-envoy-fault-abort-request',
  abortGrpcRequest: 'x-envoy-fault-abort-grpc-request',
  abortRequestPercentage: 'x-envoy-fault-abort-request-percentage',
  delayRequest: 'x-envoy-fault-delay-request',
  delayRequestPercentage: 'x-envoy-fault-delay-request-percentage',
  downstreamServiceCluster: 'x-envoy-downstream-service-cluster',
  downstreamServiceNode: 'x-envoy-downstream-service-node',
} as const;

/** envoy.type.v3.FractionalPercent with its denominator as a number. */
export interface FractionalPercent {
  readonly numerator: number;
  readonly denominator: number;
}

export type FaultDelay =
  | { readonly kind: 'fixed'; readonly ms: number; readonly percentage: FractionalPercent }
  | { readonly kind: 'header'; readonly percentage: FractionalPercent };

export type FaultAbort =
  | { readonly kind: 'http'; readonly status: number; readonly percentage: FractionalPercent }
  | { readonly kind: 'grpc'; readonly status: number; readonly percentage: FractionalPercent }
  | { readonly kind: 'header'; readonly percentage: FractionalPercent };

export interface FaultSettings {
  readonly delay: FaultDelay | null;
  readonly abort: FaultAbort | null;
  /** Faults apply only to requests routed to this cluster ('' = any). */
  readonly upstreamCluster: string;
  /** Faults apply only to requests matching all of these. */
  readonly headers: readonly HeaderMatcher[];
  /** Faults apply only to requests whose x-envoy-downstream-service-node is one of these (empty = any). */
  readonly downstreamNodes: ReadonlySet<string>;
  /** null: unlimited. */
  readonly maxActiveFaults: number | null;
  readonly disableDownstreamClusterStats: boolean;
}

const DENOMINATORS = ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] as const;
const DENOMINATOR_VALUE = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;
/** An unset FractionalPercent message: proto3 defaults, numerator 0 — the fault never fires. */
const ZERO_PERCENT: FractionalPercent = { numerator: 0, denominator: 100 };

/**
 * Fields tsmesh accepts without acting on them, because with no runtime layer the defaults they
 * name are exactly what Envoy uses (the runtime keys), or because they only feed dynamic
 * metadata or throttle response bodies (response_rate_limit, filter_metadata — reported by the
 * supported-fields table, not here, so a config written for Envoy still loads).
 */
const ACCEPTED = [
  'delay_percent_runtime', 'abort_percent_runtime', 'delay_duration_runtime', 'abort_http_status_runtime',
  'max_active_faults_runtime', 'response_rate_limit_percent_runtime', 'abort_grpc_status_runtime',
  'response_rate_limit', 'filter_metadata',
];

export function compileHttpFault(json: unknown, path = ''): FaultSettings {
  const msg = readMessage(json, path, ['@type', 'delay', 'abort', 'upstream_cluster', 'headers', 'downstream_nodes', 'max_active_faults', 'disable_downstream_cluster_stats', ...ACCEPTED]);
  return {
    delay: msg['delay'] === undefined ? null : compileDelay(msg['delay'], join(path, 'delay')),
    abort: msg['abort'] === undefined ? null : compileAbort(msg['abort'], join(path, 'abort')),
    upstreamCluster: optString(msg, 'upstream_cluster', path) ?? '',
    headers: compileHeaderMatchers(optList(msg, 'headers', path), join(path, 'headers')),
    downstreamNodes: new Set(optStringList(msg, 'downstream_nodes', path)),
    maxActiveFaults: optUint(msg, 'max_active_faults', path) ?? null,
    disableDownstreamClusterStats: optBool(msg, 'disable_downstream_cluster_stats', path) ?? false,
  };
}

function compileDelay(json: unknown, path: string): FaultDelay {
  const msg = readMessage(json, path, ['fixed_delay', 'header_delay', 'percentage']);
  const percentage = compilePercent(msg['percentage'], join(path, 'percentage'));
  const kind = oneOf(msg, path, ['fixed_delay', 'header_delay'] as const);
  if (kind === undefined) throw new ProxyConfigError(path, 'one of fixed_delay or header_delay is required');
  if (kind === 'header_delay') {
    readMessage(msg['header_delay'], join(path, 'header_delay'), []);
    return { kind: 'header', percentage };
  }
  const ms = durationMs(msg['fixed_delay'], join(path, 'fixed_delay'))!;
  if (!(ms > 0)) throw new ProxyConfigError(join(path, 'fixed_delay'), 'must be greater than 0s');
  // Envoy keeps whole milliseconds (and skips a delay that rounds to 0 ms).
  return { kind: 'fixed', ms: Math.floor(ms), percentage };
}

function compileAbort(json: unknown, path: string): FaultAbort {
  const msg = readMessage(json, path, ['http_status', 'grpc_status', 'header_abort', 'percentage']);
  const percentage = compilePercent(msg['percentage'], join(path, 'percentage'));
  const kind = oneOf(msg, path, ['http_status', 'grpc_status', 'header_abort'] as const);
  switch (kind) {
    case undefined:
      throw new ProxyConfigError(path, 'one of http_status, grpc_status or header_abort is required');
    case 'http_status': {
      const status = optUint(msg, kind, path)!;
      if (status < 200 || status >= 600) throw new ProxyConfigError(join(path, kind), `must be in [200, 600), got ${status}`);
      return { kind: 'http', status, percentage };
    }
    case 'grpc_status':
      return { kind: 'grpc', status: optUint(msg, kind, path)!, percentage };
    case 'header_abort':
      readMessage(msg['header_abort'], join(path, 'header_abort'), []);
      return { kind: 'header', percentage };
  }
}

/** An envoy.type.v3.FractionalPercent (absent: 0%, the proto default). */
export function compilePercent(json: unknown, path: string): FractionalPercent {
  if (json === undefined || json === null) return ZERO_PERCENT;
  const msg = readMessage(json, path, ['numerator', 'denominator']);
  return {
    numerator: optUint(msg, 'numerator', path) ?? 0,
    denominator: DENOMINATOR_VALUE[optEnum(msg, 'denominator', path, DENOMINATORS) ?? 'HUNDRED'],
  };
}

/**
 * Envoy's featureEnabled(key, FractionalPercent) with no runtime override: one uniform draw,
 * `random % denominator < numerator` (a numerator above the denominator always fires).
 */
export function percentEnabled(p: FractionalPercent, random: () => number): boolean {
  return Math.floor(random() * p.denominator) < p.numerator;
}

/** absl::SimpleAtoi for an unsigned value: optional surrounding space and '+'. */
const UINT = /^\s*\+?(\d+)\s*$/;

/** The first value of a request header parsed as an unsigned integer, or null. */
export function headerUint(headers: HeaderMap, name: string): number | null {
  const v = headers[name];
  if (v === undefined) return null;
  const first = typeof v === 'string' ? v : v[0];
  const m = first === undefined ? null : UINT.exec(first);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * A header-controlled fault's percentage: the x-envoy-fault-*-percentage header's numerator,
 * capped by the configured numerator, over the configured denominator (HeaderPercentageProvider).
 */
export function headerPercentage(headers: HeaderMap, header: string, configured: FractionalPercent): FractionalPercent {
  const n = headerUint(headers, header);
  if (n === null || n > 0xffffffff) return configured;
  return { numerator: Math.min(n, configured.numerator), denominator: configured.denominator };
}

/** The delay's percentage for this request. */
export function delayPercentage(delay: FaultDelay, headers: HeaderMap): FractionalPercent {
  return delay.kind === 'header' ? headerPercentage(headers, FaultHeaders.delayRequestPercentage, delay.percentage) : delay.percentage;
}

/** The delay in ms for this request, or null (header delay without a valid header). */
export function delayDurationMs(delay: FaultDelay, headers: HeaderMap): number | null {
  return delay.kind === 'fixed' ? delay.ms : headerUint(headers, FaultHeaders.delayRequest);
}

export function abortPercentage(abort: FaultAbort, headers: HeaderMap): FractionalPercent {
  return abort.kind === 'header' ? headerPercentage(headers, FaultHeaders.abortRequestPercentage, abort.percentage) : abort.percentage;
}

/**
 * The abort to inject, or null: an HTTP status wins over a gRPC one (which answers 200 with a
 * grpc-status). A header abort takes x-envoy-fault-abort-request when it is a status in
 * [200, 600), else x-envoy-fault-abort-grpc-request.
 */
export function abortStatus(abort: FaultAbort, headers: HeaderMap): { http: number; grpc: number | null } | null {
  switch (abort.kind) {
    case 'http':
      return { http: abort.status, grpc: null };
    case 'grpc':
      return { http: 200, grpc: abort.status };
    case 'header': {
      const http = headerUint(headers, FaultHeaders.abortRequest);
      if (http !== null && http >= 200 && http < 600) return { http, grpc: null };
      const grpc = headerUint(headers, FaultHeaders.abortGrpcRequest);
      return grpc === null ? null : { http: 200, grpc };
    }
  }
}
