import type { Counter, Gauge, Histogram, StatsScope } from '../../telemetry/stats/stats-store.js';

/**
 * A cluster's stats under `cluster.<observability name>.`, with Envoy's names. Created once per
 * cluster (kept across config updates of the same cluster, as Envoy keeps them), so the request
 * path only increments fields. Per-status counters (upstream_rq_200 …) are made on first use.
 */
export class ClusterStats {
  readonly rqTotal: Counter;
  readonly rqCompleted: Counter;
  /** upstream_rq_time: request start to the end of the response, in ms. */
  readonly rqTime: Histogram;
  readonly rqActive: Gauge;
  readonly rqTimeout: Counter;
  readonly rqPendingOverflow: Counter;
  readonly rqPendingTotal: Counter;
  readonly rqPendingActive: Gauge;
  readonly rqPendingFailureEject: Counter;
  readonly rqCancelled: Counter;
  readonly rqRxReset: Counter;
  readonly rqTxReset: Counter;
  /** Retries (router retry-state.ts): upstream_rq_retry, _success, _limit_exceeded, _overflow, _backoff_exponential. */
  readonly rqRetry: Counter;
  readonly rqRetrySuccess: Counter;
  readonly rqRetryLimitExceeded: Counter;
  readonly rqRetryOverflow: Counter;
  readonly rqRetryBackoffExponential: Counter;
  readonly rqPerTryTimeout: Counter;
  /** The request body outgrew the buffer limit: retries and mirrors given up. */
  readonly retryOrShadowAbandoned: Counter;
  readonly cxTotal: Counter;
  readonly cxHttp1Total: Counter;
  readonly cxHttp2Total: Counter;
  readonly cxOverflow: Counter;
  /** max_connection_pools refused a new connection pool (upstream_cx_pool_overflow). */
  readonly cxPoolOverflow: Counter;
  readonly cxIdleTimeout: Counter;
  readonly cxMaxRequests: Counter;
  readonly cxActive: Gauge;
  readonly cxConnectFail: Counter;
  readonly cxConnectTimeout: Counter;
  readonly cxDestroy: Counter;
  readonly cxNoneHealthy: Counter;
  readonly originalDstHostInvalid: Counter;
  readonly membershipHealthy: Gauge;
  readonly membershipDegraded: Gauge;
  readonly membershipTotal: Gauge;
  readonly membershipChange: Counter;
  readonly updateAttempt: Counter;
  readonly updateSuccess: Counter;
  readonly updateFailure: Counter;
  readonly updateNoRebuild: Counter;
  readonly updateEmpty: Counter;
  readonly #scope: StatsScope;
  /** upstream_rq_1xx … _5xx, indexed by status / 100; made on first use, as Envoy's CodeStats does. */
  readonly #rqClass: (Counter | undefined)[] = [];
  readonly #rqCode = new Map<number, Counter>();
  readonly #circuitBreakers = new Map<string, StatsScope>();
  #circuitBreakersScope: StatsScope | null = null;
  #outlierScope: StatsScope | null = null;

  constructor(scope: StatsScope) {
    this.#scope = scope;
    this.rqTotal = scope.counter('upstream_rq_total');
    this.rqCompleted = scope.counter('upstream_rq_completed');
    this.rqTime = scope.histogram('upstream_rq_time', 'milliseconds');
    this.rqActive = scope.gauge('upstream_rq_active');
    this.rqTimeout = scope.counter('upstream_rq_timeout');
    this.rqPendingOverflow = scope.counter('upstream_rq_pending_overflow');
    this.rqPendingTotal = scope.counter('upstream_rq_pending_total');
    this.rqPendingActive = scope.gauge('upstream_rq_pending_active');
    this.rqPendingFailureEject = scope.counter('upstream_rq_pending_failure_eject');
    this.rqCancelled = scope.counter('upstream_rq_cancelled');
    this.rqRxReset = scope.counter('upstream_rq_rx_reset');
    this.rqTxReset = scope.counter('upstream_rq_tx_reset');
    this.rqRetry = scope.counter('upstream_rq_retry');
    this.rqRetrySuccess = scope.counter('upstream_rq_retry_success');
    this.rqRetryLimitExceeded = scope.counter('upstream_rq_retry_limit_exceeded');
    this.rqRetryOverflow = scope.counter('upstream_rq_retry_overflow');
    this.rqRetryBackoffExponential = scope.counter('upstream_rq_retry_backoff_exponential');
    this.rqPerTryTimeout = scope.counter('upstream_rq_per_try_timeout');
    this.retryOrShadowAbandoned = scope.counter('retry_or_shadow_abandoned');
    this.cxTotal = scope.counter('upstream_cx_total');
    this.cxHttp1Total = scope.counter('upstream_cx_http1_total');
    this.cxHttp2Total = scope.counter('upstream_cx_http2_total');
    this.cxOverflow = scope.counter('upstream_cx_overflow');
    this.cxPoolOverflow = scope.counter('upstream_cx_pool_overflow');
    this.cxIdleTimeout = scope.counter('upstream_cx_idle_timeout');
    this.cxMaxRequests = scope.counter('upstream_cx_max_requests');
    this.cxActive = scope.gauge('upstream_cx_active');
    this.cxConnectFail = scope.counter('upstream_cx_connect_fail');
    this.cxConnectTimeout = scope.counter('upstream_cx_connect_timeout');
    this.cxDestroy = scope.counter('upstream_cx_destroy');
    this.cxNoneHealthy = scope.counter('upstream_cx_none_healthy');
    this.originalDstHostInvalid = scope.counter('original_dst_host_invalid');
    this.membershipHealthy = scope.gauge('membership_healthy', 'NeverImport');
    this.membershipDegraded = scope.gauge('membership_degraded', 'NeverImport');
    this.membershipTotal = scope.gauge('membership_total', 'NeverImport');
    this.membershipChange = scope.counter('membership_change');
    this.updateAttempt = scope.counter('update_attempt');
    this.updateSuccess = scope.counter('update_success');
    this.updateFailure = scope.counter('update_failure');
    this.updateNoRebuild = scope.counter('update_no_rebuild');
    this.updateEmpty = scope.counter('update_empty');
  }

  /** An upstream response (or a local reply standing in for one) with this status completed. */
  recordResponse(status: number): void {
    this.rqCompleted.inc();
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) (this.#rqClass[cls] ??= this.#scope.counter(`upstream_rq_${cls}xx`)).inc();
    let c = this.#rqCode.get(status);
    if (c === undefined) {
      c = this.#scope.counter(`upstream_rq_${status}`);
      this.#rqCode.set(status, c);
    }
    c.inc();
  }

  /**
   * The `circuit_breakers.<priority>` scope, made once per cluster name: every config version's
   * ResourceManager publishes to the same gauges, as in Envoy.
   */
  circuitBreakerScope(priority: 'default' | 'high'): StatsScope {
    let s = this.#circuitBreakers.get(priority);
    if (s === undefined) {
      this.#circuitBreakersScope ??= this.#scope.scope('circuit_breakers');
      s = this.#circuitBreakersScope.scope(priority);
      this.#circuitBreakers.set(priority, s);
    }
    return s;
  }

  /** The `outlier_detection` scope (outlier/outlier-stats.ts makes its stats once per cluster). */
  outlierDetectionScope(): StatsScope {
    return (this.#outlierScope ??= this.#scope.scope('outlier_detection'));
  }

  release(): void {
    this.#scope.release();
  }
}
