/** @module Envoy-style histograms with Envoy's default bucket boundaries. */
import type { StatIdentity } from './counter.js';
import type { Tag } from './tag-extraction.js';

/** Envoy's default `histogram_bucket_settings` boundaries (stats.proto). */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
]);

/** Quantiles Envoy's /stats prints for every histogram (P0 … P100). */
export const SUPPORTED_QUANTILES: readonly number[] = Object.freeze([
  0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1,
]);

export type HistogramUnit = 'milliseconds' | 'bytes' | 'unspecified';

/**
 * A distribution. record() finds the bucket with a short linear scan (latencies land in the first
 * few buckets) and bumps one slot; cumulative counts are computed at scrape time.
 */
export class Histogram implements StatIdentity {
  readonly kind = 'histogram' as const;
  /** Per-bucket (non-cumulative) counts; the last slot is the +Inf overflow. */
  readonly #counts: Float64Array;
  /** `bounds` as a typed array: the scan in record() is about 3× faster than over a frozen array. */
  readonly #bounds: Float64Array;
  #sum = 0;
  #count = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
    readonly unit: HistogramUnit,
    readonly bounds: readonly number[] = DEFAULT_BUCKETS,
  ) {
    this.#counts = new Float64Array(bounds.length + 1);
    this.#bounds = Float64Array.from(bounds);
  }

  record(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get sum(): number {
    return this.#sum;
  }

  get count(): number {
    return this.#count;
  }

  get used(): boolean {
    return this.#count !== 0;
  }

  /** Samples ≤ each bound (Prometheus `le`), one entry per bound; +Inf is `count`. */
  cumulativeBuckets(): number[] {
    const out = new Array<number>(this.bounds.length);
    let acc = 0;
    for (let i = 0; i < out.length; i++) {
      acc += this.#counts[i]!;
      out[i] = acc;
    }
    return out;
  }

  /**
   * Quantile q∈[0,1] estimated by linear interpolation inside the bucket holding the rank,
   * clamped to the observed min/max (Envoy computes exact-ish ones with circllhist). NaN when empty.
   */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    if (q <= 0) return this.#min;
    if (q >= 1) return this.#max;
    const rank = q * this.#count;
    let acc = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const c = this.#counts[i]!;
      if (c > 0 && acc + c >= rank) {
        const lo = Math.max(i === 0 ? 0 : this.bounds[i - 1]!, this.#min);
        const hi = Math.min(i < this.bounds.length ? this.bounds[i]! : this.#max, this.#max);
        return lo + ((hi - lo) * (rank - acc)) / c;
      }
      acc += c;
    }
    return this.#max;
  }
}
