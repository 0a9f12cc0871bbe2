/**
 * Envoy's PreviousPrioritiesRetryPriority (envoy.retry_priorities.previous_priorities,
 * source/extensions/retry/priority/previous_priorities): on retries, the priority load is
 * recomputed without the priorities already tried, so a retry moves to the next locality
 * priority (Istio's retryRemoteLocalities, update_frequency 2). One per request, made by its
 * RetryState; the load balancer asks it for the priority load of a retry pick.
 *
 * Envoy's algorithm, step for step:
 * - every attempted host is recorded (the first attempt's too);
 * - while fewer than update_frequency hosts were attempted, the original load is used;
 * - when the count is a multiple of update_frequency, the priorities of all attempted hosts
 *   are excluded (exclusions accumulate) and the load is redistributed over the others' health
 *   and degraded availability (min(100, overprovisioning × healthy / hosts)), rounding leftovers
 *   going to the first available priority;
 * - in between, the load last computed is reused;
 * - when every priority is excluded, the attempted hosts are forgotten and the original load is
 *   used. (Envoy also means to reset the exclusions then, but its loop assigns to copies, so they
 *   stay: from then on every recomputation falls back to the original load. We do the same.)
 */
import type { HostSet } from '../priority-set.js';
import { priorityAvailability } from './priority-load.js';
import type { PriorityLoad } from './priority-load.js';

/** What the load balancer asks on a retry pick (Envoy's RetryPriority::determinePriorityLoad). */
export interface RetryPriority {
  determinePriorityLoad(hostSets: readonly HostSet[], original: PriorityLoad): PriorityLoad;
}

export class PreviousPrioritiesRetryPriority implements RetryPriority {
  readonly #updateFrequency: number;
  /** The priority of each host attempted since the last reset (Envoy maps hosts at pick time; priorities of a host only change with EDS). */
  readonly #attempted: { readonly priority: number }[] = [];
  readonly #excluded: boolean[] = [];
  /** Envoy's per_priority_load_: the load last computed. */
  #load: PriorityLoad | null = null;

  constructor(updateFrequency: number) {
    this.#updateFrequency = updateFrequency;
  }

  onHostAttempted(host: { readonly priority: number }): void {
    this.#attempted.push(host);
  }

  determinePriorityLoad(hostSets: readonly HostSet[], original: PriorityLoad): PriorityLoad {
    const attempted = this.#attempted.length;
    if (attempted < this.#updateFrequency) return original;
    if (attempted % this.#updateFrequency === 0) {
      while (this.#excluded.length < hostSets.length) this.#excluded.push(false);
      for (const h of this.#attempted) this.#excluded[h.priority] = true;
      if (!this.#adjust(hostSets, original)) return original;
    }
    return this.#load ?? original;
  }

  #adjust(hostSets: readonly HostSet[], original: PriorityLoad): boolean {
    const { health, degraded } = priorityAvailability(hostSets);
    const n = health.length;
    const adjustedHealth = new Array<number>(n).fill(0);
    const adjustedDegraded = new Array<number>(n).fill(0);
    let total = 0;
    for (let p = 0; p < n; p++) {
      if (this.#excluded[p] === true) continue;
      adjustedHealth[p] = health[p]!;
      adjustedDegraded[p] = degraded[p]!;
      total += health[p]! + degraded[p]!;
    }
    total = Math.min(100, total);
    if (total === 0) {
      // Envoy: "reset the attempted priorities" — only the hosts are actually forgotten.
      this.#attempted.length = 0;
      // Envoy's per_priority_load_ was just recomputed as the plain load: the LB's own.
      this.#load = original;
      return false;
    }
    const healthy = new Array<number>(n).fill(0);
    const degradedLoad = new Array<number>(n).fill(0);
    let left = 100;
    // Repeated passes hand the rounding leftovers to the first available priority.
    while (left !== 0) {
      for (let p = 0; p < n; p++) {
        const delta = Math.min(left, Math.floor((adjustedHealth[p]! * 100) / total));
        healthy[p]! += delta;
        left -= delta;
      }
      for (let p = 0; p < n; p++) {
        const delta = Math.min(left, Math.floor((adjustedDegraded[p]! * 100) / total));
        degradedLoad[p]! += delta;
        left -= delta;
      }
    }
    this.#load = { healthy, degraded: degradedLoad, panic: original.panic, totalAvailability: original.totalAvailability };
    return true;
  }
}
