/**
 * One request's retry state, Envoy's RetryStateImpl (source/common/router/retry_state_impl.cc):
 * the route's policy merged with the request's x-envoy-retry-* headers, the retries left, the
 * back-off, the hosts already tried, and the cluster's retry circuit breaker. Every decision
 * returns a reason, which the router records on the stream (StreamInfo.retryDecisions).
 */
import type { HeaderMap } from '../http/header-map.js';
import type { RouteRequest } from './route-request.js';
import { JitteredBackOff } from './backoff.js';
import { HeaderMatcher } from './header-matcher.js';
import { GRPC_BITS, GRPC_STATUS_BITS, NO_RETRY_POLICY, RetryOn, parseRetryOn } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';
import { PreviousPrioritiesRetryPriority } from '../upstream/lb/previous-priorities.js';

/** The cluster side: its retry circuit breaker (max_retries or retry budget) and Envoy's counters. */
export interface RetryResources {
  canCreate(): boolean;
  inc(): void;
  dec(): void;
}

export interface RetryStats {
  /** upstream_rq_retry */
  readonly retry: { inc(): void };
  /** upstream_rq_retry_success */
  readonly success: { inc(): void };
  /** upstream_rq_retry_limit_exceeded */
  readonly limitExceeded: { inc(): void };
  /** upstream_rq_retry_overflow */
  readonly overflow: { inc(): void };
  /** upstream_rq_retry_backoff_exponential */
  readonly backoffExponential: { inc(): void };
}

/** Envoy's RetryStatus: Yes, No, NoOverflow (flag UO), NoRetryLimitExceeded (flag URX). */
export type RetryStatus = 'yes' | 'no' | 'overflow' | 'limit_exceeded';

export interface RetryDecision {
  readonly status: RetryStatus;
  /** Why, in words for access logs: "retry 1 of 2 on 5xx (status 503), back-off 12 ms". */
  readonly reason: string;
  /** Back-off before the retry, when status is 'yes'. */
  readonly backoffMs: number;
}

/** Why an attempt ended without response headers, in Envoy's stream-reset words. */
export type ResetReason =
  | 'connection_failure'
  | 'connection_timeout'
  | 'connection_termination'
  | 'remote_reset'
  | 'remote_refused_stream_reset'
  | 'local_reset'
  | 'protocol_error'
  | 'overflow'
  /** per_try_timeout fired (Envoy resets the attempt with LocalReset). */
  | 'per_try_timeout';

const CONSUMED = ['x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries', 'x-envoy-retriable-status-codes', 'x-envoy-retriable-header-names', 'x-envoy-hedge-on-per-try-timeout'];

const NAMELESS = Object.freeze([]) as readonly HeaderMatcher[];

export class RetryState {
  readonly #policy: RetryPolicy;
  readonly #retryOn: number;
  readonly #codes: readonly number[];
  readonly #headers: readonly HeaderMatcher[];
  readonly #backOff: JitteredBackOff;
  #remaining: number;
  /** A retry was granted and holds a slot of the retry circuit breaker until its outcome. */
  #armed = false;
  /** Retries granted so far. */
  #retries = 0;
  readonly #attempted: unknown[] = [];
  /** retry_priority (previous_priorities), or null. */
  readonly retryPriority: PreviousPrioritiesRetryPriority | null;

  private constructor(
    policy: RetryPolicy,
    retryOn: number,
    remaining: number,
    codes: readonly number[],
    headers: readonly HeaderMatcher[],
    readonly resources: RetryResources,
    readonly stats: RetryStats,
    random: () => number,
  ) {
    this.#policy = policy;
    this.#retryOn = retryOn;
    this.#remaining = remaining;
    this.#codes = codes;
    this.#headers = headers;
    this.#backOff = new JitteredBackOff(policy.baseIntervalMs, policy.maxIntervalMs, random);
    const freq = policy.previousPrioritiesUpdateFrequency;
    this.retryPriority = freq > 0 ? new PreviousPrioritiesRetryPriority(freq) : null;
  }

  /**
   * RetryStateImpl::create: merges the request's retry headers into the route's policy and
   * consumes them (they never go upstream). Returns null when nothing can be retried. The
   * connection manager already stripped these headers from external requests.
   */
  static create(policy: RetryPolicy | null, request: RouteRequest, resources: RetryResources, stats: RetryStats, random: () => number): RetryState | null {
    const p = policy ?? NO_RETRY_POLICY;
    const headers = request.headers;
    const h = (name: string): string | undefined => {
      const v = headers[name];
      return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
    };
    const retryOnHeader = h('x-envoy-retry-on');
    const grpcOnHeader = h('x-envoy-retry-grpc-on');
    const maxRetries = h('x-envoy-max-retries');
    const codesHeader = h('x-envoy-retriable-status-codes');
    const namesHeader = h('x-envoy-retriable-header-names');
    // Deleting only present keys: a delete of an absent key still costs the header object its fast shape.
    for (const n of CONSUMED) if (headers[n] !== undefined) delete headers[n];
    if (p.retryOn === 0 && retryOnHeader === undefined && grpcOnHeader === undefined) return null;
    let retryOn = p.retryOn;
    if (retryOnHeader !== undefined) retryOn |= parseRetryOn(retryOnHeader, null);
    if (grpcOnHeader !== undefined) retryOn |= parseRetryOn(grpcOnHeader, null, true);
    // retriable_request_headers: only matching requests are retried at all.
    if (p.retriableRequestHeaders.length > 0 && !p.retriableRequestHeaders.some((m) => m.matchesRequest(request))) retryOn = 0;
    if (retryOn === 0) return null;
    let remaining = p.numRetries;
    if (maxRetries !== undefined && /^\d+$/.test(maxRetries.trim())) remaining = Number(maxRetries.trim());
    let codes = p.retriableStatusCodes;
    if (codesHeader !== undefined) {
      const extra = codesHeader.split(',').map((c) => c.trim()).filter((c) => /^\d+$/.test(c)).map(Number);
      codes = [...codes, ...extra];
    }
    let matchers = p.retriableHeaders;
    if (namesHeader !== undefined) {
      // Name-only matchers from the header (Envoy: anything richer needs config).
      const byName = namesHeader.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
      matchers = [...(matchers.length > 0 ? matchers : NAMELESS), ...byName.map((n) => new HeaderMatcher(n, { kind: 'present', present: true }, false, false))];
    }
    return new RetryState(p, retryOn, remaining, codes, matchers, resources, stats, random);
  }

  get retryOn(): number {
    return this.#retryOn;
  }

  get retriesRemaining(): number {
    return this.#remaining;
  }

  /** The condition a response matches, or null (Envoy's wouldRetryFromHeaders). */
  wouldRetryFromHeaders(status: number, headers: HeaderMap): string | null {
    const on = this.#retryOn;
    // A rate-limited answer from an upstream Envoy: retried only under envoy-ratelimited.
    if (headers['x-envoy-ratelimited'] !== undefined) return (on & RetryOn['envoy-ratelimited']) !== 0 ? 'envoy-ratelimited' : null;
    if ((on & RetryOn['5xx']) !== 0 && status >= 500 && status < 600) return '5xx';
    if ((on & RetryOn['gateway-error']) !== 0 && status >= 502 && status <= 504) return 'gateway-error';
    if ((on & RetryOn['retriable-4xx']) !== 0 && status === 409) return 'retriable-4xx';
    if ((on & RetryOn['retriable-status-codes']) !== 0 && this.#codes.includes(status)) return 'retriable-status-codes';
    if ((on & RetryOn['retriable-headers']) !== 0) {
      for (const m of this.#headers) {
        if (m.name === ':status' ? m.matchesValue(String(status)) : m.matchesHeaders(headers)) return 'retriable-headers';
      }
    }
    if ((on & GRPC_BITS) !== 0) {
      // grpc-status in the response headers: a trailers-only reply (never the trailers of a body).
      const gs = headers['grpc-status'];
      if (typeof gs === 'string' && /^\d+$/.test(gs)) {
        const bit = GRPC_STATUS_BITS.get(Number(gs));
        if (bit !== undefined && (on & bit) !== 0) return GRPC_NAMES.get(bit)!;
      }
    }
    return null;
  }

  /** The condition a reset matches, or null (Envoy's wouldRetryFromReset). */
  wouldRetryFromReset(reason: ResetReason, requestStarted: boolean): string | null {
    const on = this.#retryOn;
    // Envoy never retries a circuit-breaker overflow.
    if (reason === 'overflow') return null;
    if ((on & RetryOn.reset) !== 0) return 'reset';
    if ((on & RetryOn['reset-before-request']) !== 0 && !requestStarted) return 'reset-before-request';
    if ((on & RetryOn['5xx']) !== 0) return '5xx';
    if ((on & RetryOn['gateway-error']) !== 0) return 'gateway-error';
    if ((on & RetryOn['refused-stream']) !== 0 && reason === 'remote_refused_stream_reset') return 'refused-stream';
    if ((on & RetryOn['connect-failure']) !== 0 && (reason === 'connection_failure' || reason === 'connection_timeout')) return 'connect-failure';
    return null;
  }

  shouldRetryHeaders(status: number, headers: HeaderMap): RetryDecision {
    return this.#shouldRetry(this.wouldRetryFromHeaders(status, headers), `status ${status}`);
  }

  shouldRetryReset(reason: ResetReason, requestStarted: boolean): RetryDecision {
    return this.#shouldRetry(this.wouldRetryFromReset(reason, requestStarted), reason);
  }

  /**
   * hedge_on_per_try_timeout: a per-try timeout always asks for a retry beside the running attempt
   * (Envoy's shouldHedgeRetryPerTryTimeout: no reset happened, so no retry_on condition applies),
   * within the retry limit and the retry circuit breaker.
   */
  shouldHedgeRetryPerTryTimeout(): RetryDecision {
    return this.#shouldRetry('hedge_on_per_try_timeout', 'per_try_timeout');
  }

  /** Envoy's RetryStateImpl::shouldRetry: the retry limit, then the circuit breaker, then back-off. */
  #shouldRetry(condition: string | null, outcome: string): RetryDecision {
    // An armed retry whose attempt is now not retriable succeeded.
    if (this.#armed && condition === null) this.stats.success.inc();
    this.#release();
    if (condition === null) return { status: 'no', reason: `no retry: ${outcome} matches no retry_on condition`, backoffMs: 0 };
    if (this.#remaining === 0) {
      this.stats.limitExceeded.inc();
      return { status: 'limit_exceeded', reason: `no retry: ${outcome} matches ${condition} but the retry limit is reached (${this.#retries} retries made)`, backoffMs: 0 };
    }
    this.#remaining--;
    if (!this.resources.canCreate()) {
      this.stats.overflow.inc();
      return { status: 'overflow', reason: `no retry: ${outcome} matches ${condition} but the cluster's retry circuit breaker is open`, backoffMs: 0 };
    }
    this.#armed = true;
    this.resources.inc();
    this.stats.retry.inc();
    this.stats.backoffExponential.inc();
    this.#retries++;
    const ceiling = this.#backOff.nextIntervalMs;
    const backoffMs = this.#backOff.nextBackOffMs();
    return {
      status: 'yes',
      reason: `retry ${this.#retries} on ${condition} (${outcome}), back-off ${backoffMs} ms of [0, ${Math.min(ceiling, this.#policy.maxIntervalMs)})`,
      backoffMs,
    };
  }

  /** Hosts tried so far (retry_host_predicate previous_hosts, retry_priority previous_priorities). */
  onHostAttempted(host: { readonly priority: number }): void {
    this.#attempted.push(host);
    this.retryPriority?.onHostAttempted(host);
  }

  /** The previous_hosts predicate: pick again when this host was tried already. */
  shouldSelectAnotherHost(host: unknown): boolean {
    return this.#policy.previousHosts && this.#attempted.includes(host);
  }

  /** How many times the load balancer may pick (host_selection_retry_max_attempts + 1, as Envoy). */
  get hostSelectionAttempts(): number {
    return this.#policy.previousHosts ? this.#policy.hostSelectionMaxAttempts + 1 : 1;
  }

  /** The request is over: give back a held retry slot (Envoy's ~RetryStateImpl). */
  release(): void {
    this.#release();
  }

  #release(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.resources.dec();
  }
}

const GRPC_NAMES: ReadonlyMap<number, string> = new Map([
  [1 << 16, 'cancelled'],
  [1 << 17, 'deadline-exceeded'],
  [1 << 18, 'resource-exhausted'],
  [1 << 19, 'unavailable'],
  [1 << 20, 'internal'],
]);
