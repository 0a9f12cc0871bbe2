import type { Counter, Gauge, StatsStore } from '../../telemetry/stats/stats-store.js';

/**
 * The connection manager's stats under `http.<stat_prefix>.`, with Envoy's names, created once
 * per config so the request path only increments fields.
 */
export class HcmStats {
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rqCompleted: Counter;
  readonly rqHttp1Total: Counter;
  readonly rqHttp2Total: Counter;
  readonly rqTimeout: Counter;
  readonly rqIdleTimeout: Counter;
  readonly rqHeaderTimeout: Counter;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxHttp1Total: Counter;
  readonly cxHttp2Total: Counter;
  readonly cxProtocolError: Counter;
  readonly cxIdleTimeout: Counter;
  readonly rqFailedPathNormalization: Counter;
  readonly rqRedirectedWithNormalizedPath: Counter;
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  readonly rqDirectResponse: Counter;
  readonly rqRedirect: Counter;
  /** downstream_rq_1xx … downstream_rq_5xx, indexed by status / 100. */
  readonly #rqClass: Counter[];

  constructor(store: StatsStore, statPrefix: string) {
    const s = store.scope(`http.${statPrefix}`);
    this.rqTotal = s.counter('downstream_rq_total');
    this.rqActive = s.gauge('downstream_rq_active');
    this.rqCompleted = s.counter('downstream_rq_completed');
    this.rqHttp1Total = s.counter('downstream_rq_http1_total');
    this.rqHttp2Total = s.counter('downstream_rq_http2_total');
    this.rqTimeout = s.counter('downstream_rq_timeout');
    this.rqIdleTimeout = s.counter('downstream_rq_idle_timeout');
    this.rqHeaderTimeout = s.counter('downstream_rq_header_timeout');
    this.cxTotal = s.counter('downstream_cx_total');
    this.cxActive = s.gauge('downstream_cx_active');
    this.cxHttp1Total = s.counter('downstream_cx_http1_total');
    this.cxHttp2Total = s.counter('downstream_cx_http2_total');
    this.cxProtocolError = s.counter('downstream_cx_protocol_error');
    this.cxIdleTimeout = s.counter('downstream_cx_idle_timeout');
    this.rqFailedPathNormalization = s.counter('downstream_rq_failed_path_normalization');
    this.rqRedirectedWithNormalizedPath = s.counter('downstream_rq_redirected_with_normalized_path');
    this.noRoute = s.counter('no_route');
    this.noCluster = s.counter('no_cluster');
    this.rqDirectResponse = s.counter('rq_direct_response');
    this.rqRedirect = s.counter('rq_redirect');
    this.#rqClass = [1, 1, 2, 3, 4, 5].map((c) => s.counter(`downstream_rq_${c}xx`));
  }

  recordResponse(status: number): void {
    this.rqCompleted.inc();
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) this.#rqClass[cls]!.inc();
  }
}
