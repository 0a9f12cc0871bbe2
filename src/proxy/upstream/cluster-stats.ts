import type { Counter, Gauge, StatsScope } from '../../telemetry/stats/stats-store.js';

/**
 * A cluster's stats under `cluster.<observability name>.`, with Envoy's names. Created once per
 * cluster (kept across config updates of the same cluster, as Envoy keeps them), so the request
 * path only increments fields. Per-status counters (upstream_rq_200 …) are made on first use.
 */
export class ClusterStats {
  readonly rqTotal: Counter;
  readonly rqCompleted: Counter;
  readonly rqActive: Gauge;
  readonly rqTimeout: Counter;
  readonly rqPendingOverflow: Counter;
  readonly rqRxReset: Counter;
  readonly rqTxReset: Counter;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxConnectFail: Counter;
  readonly cxConnectTimeout: Counter;
  readonly cxDestroy: Counter;
  readonly cxNoneHealthy: Counter;
  readonly membershipHealthy: Gauge;
  readonly membershipDegraded: Gauge;
  readonly membershipTotal: Gauge;
  readonly membershipChange: Counter;
  readonly updateSuccess: Counter;
  readonly updateEmpty: Counter;
  readonly #scope: StatsScope;
  /** upstream_rq_1xx … _5xx, indexed by status / 100. */
  readonly #rqClass: Counter[];
  readonly #rqCode = new Map<number, Counter>();

  constructor(scope: StatsScope) {
    this.#scope = scope;
    this.rqTotal = scope.counter('upstream_rq_total');
    this.rqCompleted = scope.counter('upstream_rq_completed');
    this.rqActive = scope.gauge('upstream_rq_active');
    this.rqTimeout = scope.counter('upstream_rq_timeout');
    this.rqPendingOverflow = scope.counter('upstream_rq_pending_overflow');
    this.rqRxReset = scope.counter('upstream_rq_rx_reset');
    this.rqTxReset = scope.counter('upstream_rq_tx_reset');
    this.cxTotal = scope.counter('upstream_cx_total');
    this.cxActive = scope.gauge('upstream_cx_active');
    this.cxConnectFail = scope.counter('upstream_cx_connect_fail');
    this.cxConnectTimeout = scope.counter('upstream_cx_connect_timeout');
    this.cxDestroy = scope.counter('upstream_cx_destroy');
    this.cxNoneHealthy = scope.counter('upstream_cx_none_healthy');
    this.membershipHealthy = scope.gauge('membership_healthy', 'NeverImport');
    this.membershipDegraded = scope.gauge('membership_degraded', 'NeverImport');
    this.membershipTotal = scope.gauge('membership_total', 'NeverImport');
    this.membershipChange = scope.counter('membership_change');
    this.updateSuccess = scope.counter('update_success');
    this.updateEmpty = scope.counter('update_empty');
    this.#rqClass = [1, 1, 2, 3, 4, 5].map((c) => scope.counter(`upstream_rq_${c}xx`));
  }

  /** An upstream response (or a local reply standing in for one) with this status completed. */
  recordResponse(status: number): void {
    this.rqCompleted.inc();
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) this.#rqClass[cls]!.inc();
    let c = this.#rqCode.get(status);
    if (c === undefined) {
      c = this.#scope.counter(`upstream_rq_${status}`);
      this.#rqCode.set(status, c);
    }
    c.inc();
  }

  release(): void {
    this.#scope.release();
  }
}
