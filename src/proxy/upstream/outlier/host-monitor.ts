/**
 * Envoy's DetectorHostMonitorImpl: what one host has reported to outlier detection — its
 * consecutive 5xx / gateway / local-origin failure counts, its success-rate buckets and its
 * ejection history. It lives on the Host (Host.outlier), so it survives EDS updates and cluster
 * config updates; `owner` is the detector of the cluster version now in charge of the host.
 *
 * Results come from the router (router-attempt.ts): every upstream response status, connect
 * success, connect failures and resets, and timeouts. Without split_external_local_origin_errors
 * the local-origin results are folded into HTTP codes (connect failure/reset → 503, timeout →
 * 504; a connect success is not counted), as Envoy's putResultNoLocalExternalSplit does.
 */
import type { Host } from '../host.js';

/** Envoy's Outlier::Result. */
export type OutlierResult =
  | 'local_origin_connect_success'
  | 'local_origin_connect_success_final'
  | 'local_origin_timeout'
  | 'local_origin_connect_failed'
  | 'ext_origin_request_failed'
  | 'ext_origin_request_success';

/** envoy.data.cluster.v3.OutlierEjectionType. */
export type EjectionType =
  | 'CONSECUTIVE_5XX'
  | 'CONSECUTIVE_GATEWAY_FAILURE'
  | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE'
  | 'SUCCESS_RATE'
  | 'SUCCESS_RATE_LOCAL_ORIGIN'
  | 'FAILURE_PERCENTAGE'
  | 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';

/** What a monitor needs from its detector. */
export interface MonitorOwner {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  onConsecutiveError(monitor: HostMonitor, type: EjectionType): void;
}

/**
 * Two buckets, as Envoy's SuccessRateAccumulator: requests are counted into the current one;
 * each interval sweep makes it the one read (the "backup") and starts a fresh current one.
 */
export class SuccessRateAccumulator {
  total = 0;
  success = 0;
  #lastTotal = 0;
  #lastSuccess = 0;

  /** The sweep: the bucket just filled becomes the one read. */
  rotate(): void {
    this.#lastTotal = this.total;
    this.#lastSuccess = this.success;
    this.total = 0;
    this.success = 0;
  }

  /** [success rate in percent, volume] of the last full interval, or null without requests. */
  rateAndVolume(): [number, number] | null {
    if (this.#lastTotal === 0) return null;
    return [(this.#lastSuccess * 100) / this.#lastTotal, this.#lastTotal];
  }
}

export class HostMonitor {
  owner: MonitorOwner;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  numEjections = 0;
  /** Monotonic ms; null: never ejected / unejected. */
  lastEjectionTime: number | null = null;
  lastUnejectionTime: number | null = null;
  /** Envoy's eject_time_backoff_: the multiplier of base_ejection_time, up and down with history. */
  ejectTimeBackoff = 0;
  jitterMs = 0;
  /** The ejection type of the current ejection, for /clusters and logs. */
  lastEjectionType: EjectionType | null = null;
  readonly externalSr = new SuccessRateAccumulator();
  readonly localSr = new SuccessRateAccumulator();
  /** Last computed success rates for /clusters; -1 when there was not enough volume. */
  successRate = -1;
  localOriginSuccessRate = -1;

  constructor(
    owner: MonitorOwner,
    readonly host: Host,
  ) {
    this.owner = owner;
  }

  /** An upstream response (or a local-origin failure mapped to a status). */
  putHttpResponseCode(code: number): void {
    this.externalSr.total++;
    if (code >= 500 && code < 600) {
      const owner = this.owner;
      if (code === 502 || code === 503 || code === 504) {
        if (++this.consecutiveGatewayFailure === owner.consecutiveGatewayFailure) owner.onConsecutiveError(this, 'CONSECUTIVE_GATEWAY_FAILURE');
      } else {
        this.consecutiveGatewayFailure = 0;
      }
      if (++this.consecutive5xx === owner.consecutive5xx) owner.onConsecutiveError(this, 'CONSECUTIVE_5XX');
    } else {
      this.externalSr.success++;
      this.consecutive5xx = 0;
      this.consecutiveGatewayFailure = 0;
    }
  }

  /** A result of the connection or transaction; `code` overrides the mapping (timeouts give 504). */
  putResult(result: OutlierResult, code?: number): void {
    if (this.owner.splitExternalLocalOriginErrors) this.#putSplit(result, code);
    else this.#putNoSplit(result, code);
  }

  #putNoSplit(result: OutlierResult, code: number | undefined): void {
    if (code !== undefined) return this.putHttpResponseCode(code);
    switch (result) {
      case 'local_origin_connect_success':
        return; // the response code that follows decides
      case 'ext_origin_request_success':
      case 'local_origin_connect_success_final':
        return this.putHttpResponseCode(200);
      case 'local_origin_timeout':
        return this.putHttpResponseCode(504);
      case 'local_origin_connect_failed':
        return this.putHttpResponseCode(503);
      case 'ext_origin_request_failed':
        return this.putHttpResponseCode(500);
    }
  }

  #putSplit(result: OutlierResult, code: number | undefined): void {
    switch (result) {
      case 'local_origin_connect_success':
      case 'local_origin_connect_success_final':
        this.localSr.total++;
        this.localSr.success++;
        this.consecutiveLocalOriginFailure = 0;
        return;
      case 'local_origin_timeout':
      case 'local_origin_connect_failed':
        this.localSr.total++;
        if (++this.consecutiveLocalOriginFailure === this.owner.consecutiveLocalOriginFailure) {
          this.owner.onConsecutiveError(this, 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE');
        }
        return;
      case 'ext_origin_request_failed':
        return this.putHttpResponseCode(code ?? 503);
      case 'ext_origin_request_success':
        return this.putHttpResponseCode(code ?? 200);
    }
  }

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
