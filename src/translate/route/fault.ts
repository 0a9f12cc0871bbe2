/**
 * VirtualService `fault` → the per-route config of Envoy's fault filter
 * (envoy.extensions.filters.http.fault.v3.HTTPFault), as Istio's TranslateFault. It rides on the
 * route as typed_per_filter_config["envoy.filters.http.fault"]; the listener's HCM carries the
 * filter itself.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRoute } from '../../model/config-types.js';
import { fractionalPercent, integerPercent, protoDuration } from './proto-values.js';

export type HTTPFaultInjection = NonNullable<HTTPRoute['fault']>;

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const HTTP_FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** gRPC status names Istio accepts for abort.grpcStatus (grpc.SupportedGRPCStatus). */
const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

interface DelaySpec {
  readonly fixedDelay?: string;
  readonly exponentialDelay?: string;
  readonly percent?: number;
  readonly percentage?: { readonly value?: number };
}

interface AbortSpec {
  readonly httpStatus?: number;
  readonly grpcStatus?: string;
  readonly http2Error?: string;
  readonly percentage?: { readonly value?: number };
}

/**
 * Istio's TranslateFault. A delay without `percentage` uses the deprecated integer `percent`
 * (0 when absent: no request is delayed, as the API documents); an abort without `percentage`
 * carries none. Exponential delays and HTTP/2 error aborts are not supported by Istio and are
 * dropped. Returns the Any (with "@type"), empty when nothing remains, as Istio sends it.
 */
export function translateFault(fault: HTTPFaultInjection): EnvoyJson {
  const out: EnvoyJson = { '@type': HTTP_FAULT_TYPE };
  const delay = fault.delay as DelaySpec | undefined;
  if (delay !== undefined) {
    const fixed = protoDuration(delay.fixedDelay);
    if (fixed !== undefined) {
      out.delay = {
        fixed_delay: fixed,
        percentage: delay.percentage !== undefined ? fractionalPercent(delay.percentage.value) : integerPercent(delay.percent ?? 0),
      };
    }
  }
  const abort = fault.abort as AbortSpec | undefined;
  if (abort !== undefined) {
    const a: EnvoyJson = {};
    if (abort.percentage !== undefined) a.percentage = fractionalPercent(abort.percentage.value);
    if (abort.httpStatus !== undefined) out.abort = { ...a, http_status: abort.httpStatus };
    else if (abort.grpcStatus !== undefined && GRPC_STATUS[abort.grpcStatus] !== undefined) out.abort = { ...a, grpc_status: GRPC_STATUS[abort.grpcStatus] };
  }
  return out;
}
