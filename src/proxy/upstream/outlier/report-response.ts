/**
 * How an upstream response reaches outlier detection, as Envoy's router reports it: the HTTP
 * status on the response headers; for gRPC (application/grpc*) the grpc-status mapped to an HTTP
 * status (Grpc::Utility::grpcToHttpStatus) — from the headers of a trailers-only response, else
 * from the trailers — so an UNAVAILABLE answer counts as a 503 although HTTP said 200.
 */
import type { HostMonitor } from './host-monitor.js';

/** grpc-status code → HTTP status (Envoy's grpcToHttpStatus). */
const GRPC_TO_HTTP: readonly number[] = [
  200, // 0 OK
  499, // 1 CANCELLED
  500, // 2 UNKNOWN
  400, // 3 INVALID_ARGUMENT
  504, // 4 DEADLINE_EXCEEDED
  404, // 5 NOT_FOUND
  409, // 6 ALREADY_EXISTS
  403, // 7 PERMISSION_DENIED
  429, // 8 RESOURCE_EXHAUSTED
  400, // 9 FAILED_PRECONDITION
  409, // 10 ABORTED
  400, // 11 OUT_OF_RANGE
  501, // 12 UNIMPLEMENTED
  500, // 13 INTERNAL
  503, // 14 UNAVAILABLE
  500, // 15 DATA_LOSS
  401, // 16 UNAUTHENTICATED
];

export function grpcToHttpStatus(grpcStatus: number): number {
  return GRPC_TO_HTTP[grpcStatus] ?? 500;
}

function grpcStatusOf(headers: Record<string, string | string[]> | null): number | null {
  const v = headers?.['grpc-status'];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || !/^\d+$/.test(s)) return null;
  return Number(s);
}

/**
 * Reports the response headers; returns true when the result waits for the trailers (a gRPC
 * response that did not carry grpc-status in its headers): call reportTrailers at the end.
 */
export function reportHeaders(m: HostMonitor, status: number, headers: Record<string, string | string[]>, endStream: boolean): boolean {
  const ct = headers['content-type'];
  const grpc = typeof ct === 'string' && ct.startsWith('application/grpc');
  if (!grpc || status !== 200) {
    m.putHttpResponseCode(status);
    return false;
  }
  const gs = grpcStatusOf(headers);
  if (gs !== null) {
    m.putHttpResponseCode(grpcToHttpStatus(gs));
    return false;
  }
  if (endStream) {
    m.putHttpResponseCode(status);
    return false;
  }
  return true;
}

/** The deferred gRPC result: grpc-status from the trailers (a missing one counts as the 200 sent). */
export function reportTrailers(m: HostMonitor, trailers: Record<string, string | string[]> | null): void {
  const gs = grpcStatusOf(trailers);
  m.putHttpResponseCode(gs === null ? 200 : grpcToHttpStatus(gs));
}
