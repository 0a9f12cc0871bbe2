/**
 * Cluster.circuit_breakers: the per-priority limits Envoy enforces on a cluster (connections,
 * pending requests, requests, retries). Missing values take Envoy's defaults (1024, 1024, 1024, 3)
 * and a priority without thresholds gets all of them. The cluster manager enforces them: routes
 * with `priority: HIGH` count against the HIGH thresholds, every other request against DEFAULT.
 */
import { optBool, optEnum, optList, optUint, readMessage } from '../router/proto-json.js';

export interface Thresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** RetryBudget, raw (budget_percent, min_retry_concurrency); null when unset. */
  readonly retryBudget: Readonly<Record<string, unknown>> | null;
  readonly trackRemaining: boolean;
  /** Unlimited when null. */
  readonly maxConnectionPools: number | null;
}

export interface CircuitBreakers {
  readonly default: Thresholds;
  readonly high: Thresholds;
  /** per_host_thresholds, raw. */
  readonly perHostThresholds: readonly unknown[];
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  retryBudget: null,
  trackRemaining: false,
  maxConnectionPools: null,
});

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakers = Object.freeze({
  default: DEFAULT_THRESHOLDS,
  high: DEFAULT_THRESHOLDS,
  perHostThresholds: Object.freeze([]) as readonly unknown[],
});

const THRESHOLD_FIELDS = [
  'priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries', 'retry_budget', 'track_remaining', 'max_connection_pools',
];

export function compileCircuitBreakers(json: unknown, path: string, notes: string[] = []): CircuitBreakers {
  if (json === undefined) return DEFAULT_CIRCUIT_BREAKERS;
  const msg = readMessage(json, path, ['thresholds', 'per_host_thresholds']);
  if (optList(msg, 'per_host_thresholds', path).length > 0) notes.push(`${path}.per_host_thresholds: not enforced by tsmesh; ignored`);
  let def: Thresholds | undefined;
  let high: Thresholds | undefined;
  optList(msg, 'thresholds', path).forEach((t, i) => {
    const p = `${path}.thresholds[${i}]`;
    const m = readMessage(t, p, THRESHOLD_FIELDS);
    const priority = optEnum(m, 'priority', p, ['DEFAULT', 'HIGH'] as const) ?? 'DEFAULT';
    let retryBudget: Readonly<Record<string, unknown>> | null = null;
    if (m['retry_budget'] !== undefined) {
      const rp = `${p}.retry_budget`;
      retryBudget = readMessage(m['retry_budget'], rp, ['budget_percent', 'min_retry_concurrency']);
    }
    const thresholds: Thresholds = Object.freeze({
      maxConnections: optUint(m, 'max_connections', p) ?? DEFAULT_THRESHOLDS.maxConnections,
      maxPendingRequests: optUint(m, 'max_pending_requests', p) ?? DEFAULT_THRESHOLDS.maxPendingRequests,
      maxRequests: optUint(m, 'max_requests', p) ?? DEFAULT_THRESHOLDS.maxRequests,
      maxRetries: optUint(m, 'max_retries', p) ?? DEFAULT_THRESHOLDS.maxRetries,
      retryBudget,
      trackRemaining: optBool(m, 'track_remaining', p) ?? false,
      maxConnectionPools: optUint(m, 'max_connection_pools', p) ?? null,
    });
    // Envoy uses the first thresholds entry of each priority.
    if (priority === 'DEFAULT') def ??= thresholds;
    else high ??= thresholds;
  });
  return Object.freeze({
    default: def ?? DEFAULT_THRESHOLDS,
    high: high ?? DEFAULT_THRESHOLDS,
    perHostThresholds: optList(msg, 'per_host_thresholds', path),
  });
}
