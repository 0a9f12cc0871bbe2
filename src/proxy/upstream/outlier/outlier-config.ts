/**
 * Cluster.outlier_detection (envoy.config.cluster.v3.OutlierDetection, proto3 JSON) → an immutable
 * OutlierConfig with Envoy's defaults (DetectorConfig in outlier_detection_impl.cc). Istio's
 * DestinationRule `outlierDetection` arrives here translated by src/translate/cluster/.
 *
 * Percentages above 100 are refused with the field path (Envoy's proto validation: lte 100), as
 * is a max_ejection_time below base_ejection_time. detect_degraded_hosts is not implemented and
 * reported in the cluster's notes.
 */
import { ProxyConfigError } from '../../config/config-error.js';
import { durationMs } from '../../config/duration.js';
import { optBool, optUint, readMessage } from '../../router/proto-json.js';

export interface OutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  /** Default max(300 s, base_ejection_time). */
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  /** always_eject_one_host: the first ejection ignores max_ejection_percent. */
  readonly alwaysEjectOneHost: boolean;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** In thousandths: 1900 means mean − 1.9 × stdev. */
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
}

const FIELDS = [
  'consecutive_5xx', 'interval', 'base_ejection_time', 'max_ejection_percent', 'enforcing_consecutive_5xx',
  'enforcing_success_rate', 'success_rate_minimum_hosts', 'success_rate_request_volume', 'success_rate_stdev_factor',
  'consecutive_gateway_failure', 'enforcing_consecutive_gateway_failure', 'split_external_local_origin_errors',
  'consecutive_local_origin_failure', 'enforcing_consecutive_local_origin_failure', 'enforcing_local_origin_success_rate',
  'failure_percentage_threshold', 'enforcing_failure_percentage', 'enforcing_failure_percentage_local_origin',
  'failure_percentage_minimum_hosts', 'failure_percentage_request_volume', 'max_ejection_time', 'max_ejection_time_jitter',
  'successful_active_health_check_uneject_host', 'always_eject_one_host', 'monitors', 'detect_degraded_hosts',
];

/** The supported-fields list uses this too: what tsmesh implements of OutlierDetection. */
export const IMPLEMENTED_OUTLIER_FIELDS: readonly string[] = FIELDS.filter((f) => f !== 'monitors' && f !== 'detect_degraded_hosts');

export function compileOutlierDetection(json: unknown, path: string, notes: string[]): OutlierConfig | null {
  if (json === undefined || json === null) return null;
  const m = readMessage(json, path, FIELDS);
  const ms = (key: string, def: number, positive: boolean): number => {
    const v = durationMs(m[key], `${path}.${key}`);
    if (v === undefined) return def;
    if (v < 0 || (positive && v === 0)) throw new ProxyConfigError(`${path}.${key}`, positive ? 'must be greater than 0' : 'must not be negative');
    return v;
  };
  const pct = (key: string, def: number): number => {
    const v = optUint(m, key, path) ?? def;
    if (v > 100) throw new ProxyConfigError(`${path}.${key}`, `must be a percentage between 0 and 100 (got ${v})`);
    return v;
  };
  const uint = (key: string, def: number): number => optUint(m, key, path) ?? def;
  const base = ms('base_ejection_time', 30_000, true);
  const maxEjection = ms('max_ejection_time', Math.max(300_000, base), true);
  if (maxEjection < base) {
    throw new ProxyConfigError(`${path}.max_ejection_time`, "outlier detector's max_ejection_time cannot be smaller than base_ejection_time");
  }
  for (const f of ['monitors', 'detect_degraded_hosts']) if (m[f] !== undefined) notes.push(`${path}.${f}: not implemented by tsmesh; ignored`);
  if (m['successful_active_health_check_uneject_host'] !== undefined) {
    notes.push(`${path}.successful_active_health_check_uneject_host: tsmesh has no active health checking; it has no effect`);
  }
  return Object.freeze({
    intervalMs: ms('interval', 10_000, true),
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: maxEjection,
    maxEjectionTimeJitterMs: ms('max_ejection_time_jitter', 0, false),
    maxEjectionPercent: pct('max_ejection_percent', 10),
    alwaysEjectOneHost: optBool(m, 'always_eject_one_host', path) ?? false,
    consecutive5xx: uint('consecutive_5xx', 5),
    consecutiveGatewayFailure: uint('consecutive_gateway_failure', 5),
    consecutiveLocalOriginFailure: uint('consecutive_local_origin_failure', 5),
    splitExternalLocalOriginErrors: optBool(m, 'split_external_local_origin_errors', path) ?? false,
    enforcingConsecutive5xx: pct('enforcing_consecutive_5xx', 100),
    enforcingConsecutiveGatewayFailure: pct('enforcing_consecutive_gateway_failure', 0),
    enforcingConsecutiveLocalOriginFailure: pct('enforcing_consecutive_local_origin_failure', 100),
    enforcingSuccessRate: pct('enforcing_success_rate', 100),
    enforcingLocalOriginSuccessRate: pct('enforcing_local_origin_success_rate', 100),
    enforcingFailurePercentage: pct('enforcing_failure_percentage', 0),
    enforcingFailurePercentageLocalOrigin: pct('enforcing_failure_percentage_local_origin', 0),
    successRateMinimumHosts: uint('success_rate_minimum_hosts', 5),
    successRateRequestVolume: uint('success_rate_request_volume', 100),
    successRateStdevFactor: uint('success_rate_stdev_factor', 1900),
    failurePercentageThreshold: pct('failure_percentage_threshold', 85),
    failurePercentageMinimumHosts: uint('failure_percentage_minimum_hosts', 5),
    failurePercentageRequestVolume: uint('failure_percentage_request_volume', 50),
  });
}

