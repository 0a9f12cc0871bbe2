/**
 * One upstream attempt of one request (Envoy's UpstreamRequest): the pool's callbacks, its
 * per-try timer, and the per-attempt bookkeeping — the cluster's request gauges and circuit
 * breaker count, the host's counters — from start to end. Outcomes go to the RouterRequest,
 * which decides whether to retry. A retired attempt (retried, timed out, aborted) ignores late
 * callbacks from its pool.
 */
import type { Readable } from 'node:stream';
import type { UpstreamFailure, UpstreamHandler, UpstreamRequest } from '../../../upstream/pool/upstream-request.js';
import type { UpstreamCluster } from '../../../upstream/upstream-cluster.js';
import type { ResourceManager } from '../../../upstream/resource-manager.js';
import type { Host } from '../../../upstream/host.js';
import { reportHeaders, reportTrailers } from '../../../upstream/outlier/report-response.js';

/** What an attempt reports to (RouterRequest). */
export interface AttemptOwner {
  onAttemptConnected(attempt: RouterAttempt, localAddress: string): void;
  onAttemptHeaders(attempt: RouterAttempt, status: number, headers: Record<string, string | string[]>, resume: () => void, endStream: boolean): boolean;
  onAttemptData(attempt: RouterAttempt, chunk: Buffer): boolean;
  onAttemptEnd(attempt: RouterAttempt, trailers: Record<string, string | string[]> | null): void;
  onAttemptError(attempt: RouterAttempt, reason: UpstreamFailure, detail: string): void;
  onPerTryTimeout(attempt: RouterAttempt): void;
}

export class RouterAttempt implements UpstreamHandler {
  upstream: UpstreamRequest | null = null;
  /**
   * The attempt's own replay of the buffered body (never the downstream request itself): destroyed
   * when the attempt ends early, so an abandoned reader cannot hold the downstream paused.
   */
  bodyReader: Readable | null = null;
  readonly start = performance.now();
  /** The request went out on a connection (Envoy's upstream_request_started, for reset-before-request). */
  started = false;
  /** Response headers arrived. */
  gotHeaders = false;
  /** A per-try timeout hedged it (a retry runs beside it): it is never retried itself. */
  hedged = false;
  #perTry: NodeJS.Timeout | null = null;
  #ended = false;
  #timeoutReported = false;
  /** A gRPC response whose grpc-status (for outlier detection) comes in the trailers. */
  #outlierAwaitsTrailers = false;

  constructor(
    readonly owner: AttemptOwner,
    readonly cluster: UpstreamCluster,
    /** The circuit breakers of the route's priority. */
    readonly resources: ResourceManager,
    readonly host: Host,
  ) {
    resources.requests.inc();
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.activeRequests++;
    host.rqTotal++;
  }

  get ended(): boolean {
    return this.#ended;
  }

  armPerTry(ms: number): void {
    if (this.#ended || this.#perTry !== null || ms <= 0) return;
    this.#perTry = setTimeout(() => {
      this.#perTry = null;
      if (!this.#ended) this.owner.onPerTryTimeout(this);
    }, ms);
  }

  onConnected(localAddress: string): void {
    if (this.#ended) return;
    // Outlier detection (upstream/outlier/): a connection was had; counts only with split errors.
    this.host.outlier?.putResult('local_origin_connect_success');
    this.started = true;
    this.owner.onAttemptConnected(this, localAddress);
  }

  onHeaders(status: number, headers: Record<string, string | string[]>, resume: () => void, endStream = false): boolean {
    if (this.#ended) return false;
    this.gotHeaders = true;
    // Every attempt's status reaches outlier detection, retried ones too (Envoy's onUpstreamHeaders).
    const outlier = this.host.outlier;
    if (outlier !== null) this.#outlierAwaitsTrailers = reportHeaders(outlier, status, headers, endStream);
    return this.owner.onAttemptHeaders(this, status, headers, resume, endStream);
  }

  onData(chunk: Buffer): boolean {
    if (this.#ended) return true;
    return this.owner.onAttemptData(this, chunk);
  }

  onEnd(trailers: Record<string, string | string[]> | null): void {
    if (this.#ended) return;
    if (this.#outlierAwaitsTrailers) {
      this.#outlierAwaitsTrailers = false;
      const outlier = this.host.outlier;
      if (outlier !== null) reportTrailers(outlier, trailers);
    }
    this.owner.onAttemptEnd(this, trailers);
  }

  onError(reason: UpstreamFailure, detail: string): void {
    if (this.#ended) return;
    // Envoy's onUpstreamReset: any reset but a circuit-breaker overflow (a cluster-wide
    // condition, not the host's fault) is a local-origin connect failure (503 without split).
    if (reason !== 'overflow') this.host.outlier?.putResult('local_origin_connect_failed');
    this.owner.onAttemptError(this, reason, detail);
  }

  /**
   * A per-try or route timeout hit this attempt: outlier detection hears a local-origin timeout
   * (504 without split), once, and only while headers were awaited (as Envoy records it).
   */
  reportTimeout(): void {
    if (this.gotHeaders || this.#timeoutReported) return;
    this.#timeoutReported = true;
    this.host.outlier?.putResult('local_origin_timeout', 504);
  }

  /** Ends the attempt's bookkeeping (once); `abortUpstream` also resets the upstream request. */
  finish(abortUpstream: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#perTry !== null) {
      clearTimeout(this.#perTry);
      this.#perTry = null;
    }
    this.resources.requests.dec();
    this.cluster.stats.rqActive.dec();
    this.host.activeRequests--;
    const body = this.bodyReader;
    if (body !== null && !body.readableEnded) body.destroy();
    if (abortUpstream) {
      const up = this.upstream;
      // Not from inside the pool's own callback (the HTTP/1 parser may be on the stack).
      if (up !== null) queueMicrotask(() => up.abort());
    }
  }
}
