/**
 * Envoy's priority load (LoadBalancerBase::recalculatePerPriorityState and
 * recalculatePerPriorityPanic): how much of the traffic, in whole percent, each priority takes for
 * its healthy and for its degraded hosts, and which priorities are in panic.
 *
 *   health(P)   = min(100, overprovisioning_factor × healthy(P) / hosts(P))   (integer math)
 *   degraded(P) = min(100, overprovisioning_factor × degraded(P) / hosts(P))
 *   total       = min(100, Σ health + Σ degraded)          ("normalized total availability")
 *   load(P)     = min(remaining, health(P) × 100 / total), spilling to lower priorities; the
 *                 degraded loads share what healthy ones left; rounding goes to the first
 *                 available priority.
 *
 * Panic is only considered when total < 100: a priority is in panic when its healthy+degraded
 * share is below the threshold, and then balances across all its hosts. When every priority is
 * in panic the load follows host counts instead of health. Envoy's docs print two rows of their
 * tables rounded differently from its code (5%/65% → 7/93, code 8/92); we follow the code.
 */
import type { HostSet } from '../priority-set.js';

export interface PriorityLoad {
  /** Percent of traffic per priority for its healthy hosts (index = priority). */
  readonly healthy: readonly number[];
  /** Percent of traffic per priority for its degraded hosts. */
  readonly degraded: readonly number[];
  /** Whether each priority balances across all its hosts, regardless of health. */
  readonly panic: readonly boolean[];
  /** The normalized total availability, 0–100. */
  readonly totalAvailability: number;
}

/**
 * Each priority's health and degraded availability in percent (Envoy's per_priority_health_ and
 * per_priority_degraded_): min(100, overprovisioning_factor × healthy (degraded) / hosts).
 */
export function priorityAvailability(hostSets: readonly HostSet[]): { health: number[]; degraded: number[] } {
  const n = hostSets.length;
  const health = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  for (let p = 0; p < n; p++) {
    const hs = hostSets[p]!;
    const count = hs.hosts.length;
    if (count === 0) continue;
    health[p] = Math.min(100, Math.floor((hs.overprovisioningFactor * hs.healthyHosts.length) / count));
    degraded[p] = Math.min(100, Math.floor((hs.overprovisioningFactor * hs.degradedHosts.length) / count));
  }
  return { health, degraded };
}

/** `panicThreshold` in percent, 0 disables panic (Envoy's healthy_panic_threshold, default 50). */
export function computePriorityLoad(hostSets: readonly HostSet[], panicThreshold: number): PriorityLoad {
  const n = hostSets.length;
  const { health, degraded: degradedAvail } = priorityAvailability(hostSets);
  const healthy = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  let sum = 0;
  for (let p = 0; p < n; p++) sum += health[p]! + degradedAvail[p]!;
  const total = Math.min(100, sum);

  if (total > 0) {
    const [firstHealthy, left] = distribute(healthy, health, 100, total);
    const [firstDegraded, rest] = distribute(degraded, degradedAvail, left, total);
    if (rest > 0) {
      if (firstHealthy >= 0) healthy[firstHealthy]! += rest;
      else degraded[firstDegraded]! += rest;
    }
  }

  const threshold = Math.min(100, panicThreshold);
  if (threshold === 0 && total === 0) {
    // Panic disabled and nothing available: the loads must still add up, nothing will be picked.
    healthy[0] = 100;
    return { healthy, degraded, panic, totalAvailability: total };
  }
  let totalPanic = n > 0;
  for (let p = 0; p < n; p++) {
    panic[p] = total === 100 ? false : inPanic(hostSets[p]!, threshold);
    totalPanic &&= panic[p]!;
  }
  if (totalPanic) loadInTotalPanic(hostSets, healthy, degraded);
  return { healthy, degraded, panic, totalAvailability: total };
}

function distribute(load: number[], availability: readonly number[], totalLoad: number, total: number): [number, number] {
  let first = -1;
  for (let p = 0; p < availability.length; p++) {
    if (first < 0 && availability[p]! > 0) first = p;
    load[p] = Math.min(totalLoad, Math.floor((availability[p]! * 100) / total));
    totalLoad -= load[p]!;
  }
  return [first, totalLoad];
}

function inPanic(hs: HostSet, threshold: number): boolean {
  const count = hs.hosts.length;
  const available = count === 0 ? 0 : (100 * (hs.healthyHosts.length + hs.degradedHosts.length)) / count;
  return available < threshold;
}

/** Every priority in panic: load follows host counts (recalculateLoadInTotalPanic). */
function loadInTotalPanic(hostSets: readonly HostSet[], healthy: number[], degraded: number[]): void {
  let totalHosts = 0;
  for (const hs of hostSets) totalHosts += hs.hosts.length;
  healthy.fill(0);
  degraded.fill(0);
  if (totalHosts === 0) {
    healthy[0] = 100;
    return;
  }
  let left = 100;
  let firstNonEmpty = -1;
  for (let p = 0; p < hostSets.length; p++) {
    const count = hostSets[p]!.hosts.length;
    if (firstNonEmpty < 0 && count > 0) firstNonEmpty = p;
    healthy[p] = Math.floor((100 * count) / totalHosts);
    left -= healthy[p]!;
  }
  healthy[firstNonEmpty]! += left;
}

/**
 * Picks a priority for a value in [0, 100) (Envoy: hash % 100), first among healthy loads, then
 * degraded ones. Returns `priority * 2`, plus 1 when the degraded hosts were chosen: one number,
 * so the pick allocates nothing.
 */
export function choosePriority(load: PriorityLoad, percentile: number): number {
  const h = percentile + 1;
  let aggregate = 0;
  const healthy = load.healthy;
  for (let p = 0; p < healthy.length; p++) {
    aggregate += healthy[p]!;
    if (h <= aggregate) return p * 2;
  }
  const degraded = load.degraded;
  for (let p = 0; p < degraded.length; p++) {
    aggregate += degraded[p]!;
    if (h <= aggregate) return p * 2 + 1;
  }
  return 0;
}
