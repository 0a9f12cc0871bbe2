/**
 * The route's timeouts for one request, as Envoy's FilterUtility::finalTimeout and
 * setTimeoutHeaders (source/common/router/router.cc) compute them: the route `timeout` (or, for
 * gRPC with max_grpc_timeout, the grpc-timeout header capped by it), the retry policy's
 * per_try_timeout, and the x-envoy-upstream-rq-timeout-ms / -per-try-timeout-ms request headers
 * (internal requests only: the connection manager strips them from external ones).
 */
import type { HeaderMap } from '../http/header-map.js';

export interface UpstreamTimeouts {
  /** Covers every attempt, from the end of the downstream request; 0: none. */
  readonly globalMs: number;
  /** Each attempt's own limit; 0: none (also when not below the global one). */
  readonly perTryMs: number;
}

export interface TimeoutSource {
  readonly timeoutMs: number;
  readonly maxGrpcTimeoutMs: number | null;
  readonly grpcTimeoutOffsetMs: number | null;
}

const DECIMAL = /^\s*\d+\s*$/;
const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;
/** gRPC's limit on the digits of a grpc-timeout value. */
const MAX_GRPC_TIMEOUT_VALUE = 99_999_999;

/** Envoy's Grpc::Common::getGrpcTimeout: ms (truncated), or null when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = GRPC_TIMEOUT.exec(value);
  if (m === null) return null;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'H':
      return n * 3_600_000;
    case 'M':
      return n * 60_000;
    case 'S':
      return n * 1000;
    case 'm':
      return n;
    case 'u':
      return Math.floor(n / 1000);
    default:
      return Math.floor(n / 1_000_000);
  }
}

/** Envoy's Grpc::Common::toGrpcTimeout: the smallest unit (m, S, M, H) that fits in 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  let time = Math.floor(ms);
  const units = 'mSMH';
  let unit = 0;
  if (time > MAX_GRPC_TIMEOUT_VALUE) {
    unit++;
    time = Math.floor(time / 1000);
  }
  if (time > MAX_GRPC_TIMEOUT_VALUE) {
    unit++;
    time = Math.floor(time / 60);
  }
  if (time > MAX_GRPC_TIMEOUT_VALUE) {
    unit++;
    time = Math.floor(time / 60);
  }
  return `${time}${units[unit]!}`;
}

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
}

/**
 * The timeouts for a request, consuming the x-envoy timeout headers. `grpc`: the request has a
 * gRPC content type.
 */
export function finalTimeouts(route: TimeoutSource, perTryTimeoutMs: number, headers: HeaderMap, grpc: boolean): UpstreamTimeouts {
  let globalMs = route.timeoutMs;
  const max = route.maxGrpcTimeoutMs;
  if (grpc && max !== null) {
    // The client's deadline (minus the offset), capped by max_grpc_timeout; 0 means infinity on both.
    let grpcMs = parseGrpcTimeout(header(headers, 'grpc-timeout')) ?? 0;
    const offset = route.grpcTimeoutOffsetMs;
    if (offset !== null && offset < grpcMs) grpcMs -= offset;
    if (max !== 0 && (grpcMs === 0 || grpcMs > max)) grpcMs = max;
    globalMs = grpcMs;
  }
  const rq = header(headers, 'x-envoy-upstream-rq-timeout-ms');
  if (rq !== undefined) {
    if (DECIMAL.test(rq)) globalMs = Number(rq);
    delete headers['x-envoy-upstream-rq-timeout-ms'];
  }
  let perTryMs = perTryTimeoutMs;
  const pt = header(headers, 'x-envoy-upstream-rq-per-try-timeout-ms');
  if (pt !== undefined) {
    if (DECIMAL.test(pt)) perTryMs = Number(pt);
    delete headers['x-envoy-upstream-rq-per-try-timeout-ms'];
  }
  // A per-try timeout not below the global one is ignored.
  if (globalMs !== 0 && perTryMs >= globalMs) perTryMs = 0;
  return { globalMs, perTryMs };
}

/**
 * x-envoy-expected-rq-timeout-ms (and grpc-timeout when max_grpc_timeout is set) for an attempt
 * `elapsedMs` after the downstream request completed: the per-try timeout, else what is left of
 * the global one (at least 1 ms).
 */
export function setTimeoutHeaders(elapsedMs: number, t: UpstreamTimeouts, route: TimeoutSource, headers: Record<string, string | string[] | undefined>, insertExpected: boolean, grpc: boolean): void {
  let expected = t.perTryMs;
  if (expected === 0) expected = t.globalMs;
  if (expected === 0) return;
  if (t.globalMs > 0) expected = elapsedMs >= t.globalMs ? 1 : Math.min(expected, t.globalMs - elapsedMs);
  expected = Math.max(1, Math.round(expected));
  if (insertExpected) headers['x-envoy-expected-rq-timeout-ms'] = String(expected);
  if (grpc && route.maxGrpcTimeoutMs !== null) headers['grpc-timeout'] = formatGrpcTimeout(expected);
}
