/**
 * Envoy's ResourceManager: the live side of a cluster's circuit breakers. One per cluster
 * version and routing priority, counting connections, pending requests, requests, retries and
 * connection pools against the thresholds, and publishing Envoy's gauges under
 * `cluster.<name>.circuit_breakers.<priority>.`: `*_open` (1 while at the limit) always, and
 * `remaining_*` only with track_remaining, as Envoy creates them.
 */
import type { Gauge, StatsScope } from '../../telemetry/stats/stats-store.js';
import type { CircuitBreakers, Thresholds } from './circuit-breakers.js';

/** One limited resource: a count, its maximum and the gauges that mirror them. */
export class ResourceLimit {
  #count = 0;

  constructor(
    readonly max: number,
    private readonly open: Gauge,
    private readonly remaining: Gauge | null,
  ) {
    this.#publish();
  }

  get count(): number {
    return this.#count;
  }

  canCreate(): boolean {
    return this.#count < this.max;
  }

  inc(): void {
    this.#count++;
    this.#publish();
  }

  dec(): void {
    if (this.#count > 0) this.#count--;
    this.#publish();
  }

  /** canCreate() and inc() in one: true when a unit was taken (give it back with dec()). */
  tryAcquire(): boolean {
    if (this.#count >= this.max) return false;
    this.inc();
    return true;
  }

  #publish(): void {
    this.open.set(this.#count >= this.max ? 1 : 0);
    this.remaining?.set(Math.max(0, this.max - this.#count));
  }
}

export class ResourceManager {
  readonly connections: ResourceLimit;
  readonly pendingRequests: ResourceLimit;
  readonly requests: ResourceLimit;
  readonly retries: ResourceLimit;
  readonly connectionPools: ResourceLimit;

  /** `scope` is the cluster's `circuit_breakers.<priority>` scope. */
  constructor(t: Thresholds, scope: StatsScope) {
    const limit = (open: string, remaining: string, max: number): ResourceLimit =>
      new ResourceLimit(max, scope.gauge(open), t.trackRemaining ? scope.gauge(remaining) : null);
    this.connections = limit('cx_open', 'remaining_cx', t.maxConnections);
    this.pendingRequests = limit('rq_pending_open', 'remaining_pending', t.maxPendingRequests);
    this.requests = limit('rq_open', 'remaining_rq', t.maxRequests);
    this.retries = limit('rq_retry_open', 'remaining_retries', t.maxRetries);
    this.connectionPools = limit('cx_pool_open', 'remaining_cx_pools', t.maxConnectionPools ?? Number.MAX_SAFE_INTEGER);
  }

  /**
   * For the router's retries: takes one of max_retries' slots, or returns false when the retry
   * circuit breaker is open (the caller counts upstream_rq_retry_overflow and sets flag UO).
   * A retry budget, when configured, replaces this check (retry-resources.ts).
   */
  tryTakeRetry(): boolean {
    return this.retries.tryAcquire();
  }

  /** The retry finished (its attempt ended): frees the slot tryTakeRetry took. */
  releaseRetry(): void {
    this.retries.dec();
  }
}

/** The DEFAULT and HIGH priority managers of one cluster version. */
export interface ClusterResources {
  readonly default: ResourceManager;
  readonly high: ResourceManager;
}

/** `scopes` gives the cluster's `circuit_breakers.<priority>` scope. */
export function createClusterResources(cb: CircuitBreakers, scopes: (priority: 'default' | 'high') => StatsScope): ClusterResources {
  return { default: new ResourceManager(cb.default, scopes('default')), high: new ResourceManager(cb.high, scopes('high')) };
}
