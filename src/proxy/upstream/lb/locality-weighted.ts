/**
 * Locality weighted load balancing (common_lb_config.locality_weighted_lb_config): a pick first
 * chooses a locality by its effective weight, then a host inside it with the cluster's policy.
 *
 * Effective weight (Envoy's HostSetImpl::effectiveLocalityWeight):
 *   locality_weight × min(1, overprovisioning_factor/100 × available(L) / hosts(L))
 * so a locality losing hosts sheds load only once it drops below 1/1.4 of its hosts. Localities
 * without a weight get none. When no locality has any effective weight the caller balances over
 * the whole priority, as Envoy does.
 */
import type { HostSet } from '../priority-set.js';
import { EdfScheduler } from './edf-scheduler.js';

export function effectiveLocalityWeights(hostSet: HostSet, degraded: boolean): Float64Array {
  const locs = hostSet.localities;
  const out = new Float64Array(locs.length);
  for (let i = 0; i < locs.length; i++) {
    const l = locs[i]!;
    if (l.hosts.length === 0 || l.weight === 0) continue;
    const available = (degraded ? l.degradedHosts : l.healthyHosts).length;
    out[i] = l.weight * Math.min(1, ((hostSet.overprovisioningFactor / 100) * available) / l.hosts.length);
  }
  return out;
}

/** Picks locality indices (into HostSet.localities) in proportion to their effective weights. */
export class LocalityPicker {
  readonly #edf: EdfScheduler;
  /** Scheduler entry → locality index (only localities with weight > 0 are scheduled). */
  readonly #index: Int32Array;
  readonly #weights: Float64Array;

  private constructor(weights: Float64Array, index: Int32Array) {
    this.#weights = weights;
    this.#index = index;
    this.#edf = new EdfScheduler(weights);
  }

  /** Null when no locality has weight: locality weighting does not apply then. */
  static create(hostSet: HostSet, degraded: boolean): LocalityPicker | null {
    const all = effectiveLocalityWeights(hostSet, degraded);
    const index: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < all.length; i++) {
      if (all[i]! > 0) {
        index.push(i);
        weights.push(all[i]!);
      }
    }
    if (index.length === 0) return null;
    return new LocalityPicker(Float64Array.from(weights), Int32Array.from(index));
  }

  pick(): number {
    return this.#index[this.#edf.pickAndAdd(this.#weights)]!;
  }
}
