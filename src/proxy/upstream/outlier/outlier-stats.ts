/**
 * A cluster's `outlier_detection.` stats, with Envoy's names (ALL_OUTLIER_DETECTION_STATS). Made
 * once per cluster name and shared by every config version's detector, as Envoy keeps them.
 */
import type { Counter, Gauge, StatsScope } from '../../../telemetry/stats/stats-store.js';
import type { ClusterStats } from '../cluster-stats.js';
import type { EjectionType } from './host-monitor.js';

export interface DetectionCounters {
  readonly detected: Counter;
  readonly enforced: Counter;
}

export class OutlierStats {
  readonly ejectionsActive: Gauge;
  readonly ejectionsOverflow: Counter;
  readonly ejectionsEnforcedTotal: Counter;
  /** Deprecated by Envoy, still kept: consecutive 5xx and success-rate ejections let through max_ejection_percent. */
  readonly ejectionsTotal: Counter;
  readonly ejectionsConsecutive5xx: Counter;
  readonly ejectionsSuccessRate: Counter;
  readonly byType: Readonly<Record<EjectionType, DetectionCounters>>;
  /**
   * The detector of the cluster version in charge (the last started): only it sets
   * ejections_active, so a superseded version still draining cannot overwrite the gauge.
   */
  current: object | null = null;

  constructor(scope: StatsScope) {
    const pair = (suffix: string): DetectionCounters => ({
      detected: scope.counter(`ejections_detected_${suffix}`),
      enforced: scope.counter(`ejections_enforced_${suffix}`),
    });
    this.ejectionsActive = scope.gauge('ejections_active');
    this.ejectionsOverflow = scope.counter('ejections_overflow');
    this.ejectionsEnforcedTotal = scope.counter('ejections_enforced_total');
    this.ejectionsTotal = scope.counter('ejections_total');
    this.ejectionsConsecutive5xx = scope.counter('ejections_consecutive_5xx');
    this.ejectionsSuccessRate = scope.counter('ejections_success_rate');
    this.byType = {
      CONSECUTIVE_5XX: pair('consecutive_5xx'),
      CONSECUTIVE_GATEWAY_FAILURE: pair('consecutive_gateway_failure'),
      CONSECUTIVE_LOCAL_ORIGIN_FAILURE: pair('consecutive_local_origin_failure'),
      SUCCESS_RATE: pair('success_rate'),
      SUCCESS_RATE_LOCAL_ORIGIN: pair('local_origin_success_rate'),
      FAILURE_PERCENTAGE: pair('failure_percentage'),
      FAILURE_PERCENTAGE_LOCAL_ORIGIN: pair('local_origin_failure_percentage'),
    };
  }
}

const byCluster = new WeakMap<ClusterStats, OutlierStats>();

/** The cluster's outlier stats, made on first use and kept with its ClusterStats. */
export function outlierStatsFor(stats: ClusterStats): OutlierStats {
  let s = byCluster.get(stats);
  if (s === undefined) {
    s = new OutlierStats(stats.outlierDetectionScope());
    byCluster.set(stats, s);
  }
  return s;
}
