/**
 * The cluster side of a request's retries: the retry circuit breaker (max_retries, or the retry
 * budget) and the retry counters, made once per cluster version so a request without retries
 * allocates nothing for them.
 */
import type { RetryResources, RetryStats } from '../../../router/retry-state.js';
import type { ResourcePriority, UpstreamCluster } from '../../../upstream/upstream-cluster.js';

/**
 * The cluster's retry circuit breaker: max_retries, or the retry budget when one is configured
 * (Envoy: max(budget_percent of active plus pending requests, min_retry_concurrency); 20%, 3).
 */
export function retryResources(cluster: UpstreamCluster, priority: ResourcePriority = 'default'): RetryResources {
  const cache = priority === 'high' ? highRetryResourceCache : retryResourceCache;
  let r = cache.get(cluster);
  if (r === undefined) {
    r = makeRetryResources(cluster, priority);
    cache.set(cluster, r);
  }
  return r;
}

/** Per cluster version and priority, so a request without retries allocates nothing for them. */
const retryResourceCache = new WeakMap<UpstreamCluster, RetryResources>();
const highRetryResourceCache = new WeakMap<UpstreamCluster, RetryResources>();
const retryStatsCache = new WeakMap<UpstreamCluster, RetryStats>();

function makeRetryResources(cluster: UpstreamCluster, priority: ResourcePriority): RetryResources {
  const rm = cluster.resources[priority];
  const budget = cluster.config.circuitBreakers[priority].retryBudget;
  if (budget === null) return rm.retries;
  const pct = numberOf(budget['budget_percent'], 20);
  const min = numberOf(budget['min_retry_concurrency'], 3);
  return {
    canCreate: () => rm.retries.count < Math.max(Math.floor((pct / 100) * (rm.requests.count + rm.pendingRequests.count)), min),
    inc: () => rm.retries.inc(),
    dec: () => rm.retries.dec(),
  };
}

/** A Percent ({value}) or UInt32Value (bare or {value}) from proto3 JSON. */
function numberOf(v: unknown, fallback: number): number {
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

export function retryStats(cluster: UpstreamCluster): RetryStats {
  let r = retryStatsCache.get(cluster);
  if (r === undefined) {
    const s = cluster.stats;
    r = { retry: s.rqRetry, success: s.rqRetrySuccess, limitExceeded: s.rqRetryLimitExceeded, overflow: s.rqRetryOverflow, backoffExponential: s.rqRetryBackoffExponential };
    retryStatsCache.set(cluster, r);
  }
  return r;
}
