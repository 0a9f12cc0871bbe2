/**
 * DestinationRule `outlierDetection` → Cluster.outlier_detection, as istiod's applyOutlierDetection
 * (cluster_traffic_policy.go). Success-rate ejection is always off; each consecutive-error kind
 * the DR names is enforced 100% (0 when its threshold is 0). Setting outlier detection also sets
 * the healthy panic threshold to minHealthPercent (0 when unset: panic mode off, "not typically
 * applicable in k8s environments with few pods per service").
 */
import type { EnvoyJson } from '../generated.js';
import type { ClusterDraft } from './cluster-draft.js';
import { toProtoDuration } from './istio-duration.js';
import type { OutlierDetectionView } from './traffic-policy.js';

export function outlierDetectionJson(o: OutlierDetectionView): EnvoyJson {
  const out: EnvoyJson = { enforcing_success_rate: 0 };
  // Deprecated consecutiveErrors (Istio 1.1–1.5, istio/api#617): counted gateway errors (502/503/504)
  // only. The seed's examples still use it; consecutive5xxErrors, when also set, overrides below.
  if (typeof o.consecutiveErrors === 'number' && o.consecutiveErrors > 0) {
    out.consecutive_gateway_failure = o.consecutiveErrors;
    out.enforcing_consecutive_gateway_failure = 100;
    out.enforcing_consecutive_5xx = 0;
  }
  if (typeof o.consecutive5xxErrors === 'number') {
    out.consecutive_5xx = o.consecutive5xxErrors;
    out.enforcing_consecutive_5xx = o.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (typeof o.consecutiveGatewayErrors === 'number') {
    out.consecutive_gateway_failure = o.consecutiveGatewayErrors;
    out.enforcing_consecutive_gateway_failure = o.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  const interval = toProtoDuration(o.interval);
  if (interval !== undefined) out.interval = interval;
  const base = toProtoDuration(o.baseEjectionTime);
  if (base !== undefined) out.base_ejection_time = base;
  if (typeof o.maxEjectionPercent === 'number' && o.maxEjectionPercent > 0) out.max_ejection_percent = o.maxEjectionPercent;
  if (o.splitExternalLocalOriginErrors === true) {
    out.split_external_local_origin_errors = true;
    if (typeof o.consecutiveLocalOriginFailures === 'number' && o.consecutiveLocalOriginFailures > 0) {
      out.consecutive_local_origin_failure = o.consecutiveLocalOriginFailures;
      out.enforcing_consecutive_local_origin_failure = 100;
    }
    out.enforcing_local_origin_success_rate = 0;
  }
  return out;
}

export function applyOutlierDetection(d: ClusterDraft, o: OutlierDetectionView | undefined): void {
  if (o === undefined) return;
  d.cluster.outlier_detection = outlierDetectionJson(o);
  const minHealth = typeof o.minHealthPercent === 'number' && o.minHealthPercent > 0 ? o.minHealthPercent : 0;
  commonLbConfig(d).healthy_panic_threshold = { value: minHealth };
}

/** Cluster.common_lb_config, created on first use (Istio always sends one; we omit it when empty). */
export function commonLbConfig(d: ClusterDraft): EnvoyJson {
  return ((d.cluster.common_lb_config as EnvoyJson | undefined) ??= {});
}
