/**
 * The load balancer contract the cluster manager uses, and the factory that builds one per
 * cluster from its LbConfig. A balancer reads its cluster's PrioritySet and rebuilds its tables
 * by itself (lazily, on the first pick after a change), so the cluster manager builds it once
 * per cluster config, not per membership update.
 */
import type { Host } from '../host.js';
import type { PrioritySet } from '../priority-set.js';
import type { LbConfig } from './lb-config.js';
import type { RetryPriority } from './previous-priorities.js';
import { LeastRequestLoadBalancer } from './least-request.js';
import { MaglevLoadBalancer } from './maglev.js';
import { RandomLoadBalancer } from './random.js';
import { RingHashLoadBalancer } from './ring-hash.js';
import { RoundRobinLoadBalancer } from './round-robin.js';

/** Uniform random in [0, 1), Math.random by default; tests pass a seeded one. */
export type Random = () => number;

/** What a pick may use from the request. A fixed-shape object the router can reuse. */
export interface LbContext {
  /** The route's hash_policy result (uint32), or null: hash-based balancers then pick at random. */
  readonly hash: number | null;
  /**
   * A retry's retry_priority (previous_priorities): it may change the priority load of this pick.
   * Only round robin, least request and random consult it; hash-based balancers ignore it, as
   * Envoy's thread-aware balancers do.
   */
  readonly retryPriority?: RetryPriority | null;
}

export interface LoadBalancer {
  /** A host, or null when there is none to pick (the router answers 503 with flag UH). */
  chooseHost(ctx: LbContext): Host | null;
}

/** CLUSTER_PROVIDED (ORIGINAL_DST): the cluster picks hosts itself (OriginalDstCluster.chooseHost). */
const CLUSTER_PROVIDED: LoadBalancer = Object.freeze({ chooseHost: () => null });

export function createLoadBalancer(config: { readonly lb: LbConfig }, prioritySet: PrioritySet, random: Random = Math.random): LoadBalancer {
  const lb = config.lb;
  switch (lb.policy) {
    case 'ROUND_ROBIN':
      return new RoundRobinLoadBalancer(lb, prioritySet, random);
    case 'LEAST_REQUEST':
      return new LeastRequestLoadBalancer(lb, prioritySet, random);
    case 'RANDOM':
      return new RandomLoadBalancer(lb, prioritySet, random);
    case 'RING_HASH':
      return new RingHashLoadBalancer(lb, prioritySet, random);
    case 'MAGLEV':
      return new MaglevLoadBalancer(lb, prioritySet, random);
    case 'CLUSTER_PROVIDED':
      return CLUSTER_PROVIDED;
  }
}
