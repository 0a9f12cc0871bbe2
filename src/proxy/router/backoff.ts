/**
 * Envoy's JitteredExponentialBackOffStrategy (source/common/common/backoff_strategy.cc): the
 * n-th back-off is uniform in [0, interval_n) with interval_0 = base and interval doubling per
 * call until it reaches max (then max), and the result also capped at max. With Envoy's defaults
 * (25 ms base, 250 ms max) the ceilings are 25, 50, 100, 200, 250, 250, … ms.
 */
export class JitteredBackOff {
  #next: number;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    /** Uniform in [0, 1); injected so tests get exact values. */
    readonly random: () => number,
  ) {
    this.#next = baseMs;
  }

  /** The ceiling the next call draws below, for reasons and tests. */
  get nextIntervalMs(): number {
    return this.#next;
  }

  nextBackOffMs(): number {
    const interval = this.#next;
    // Envoy doubles only while that stays under max / 2, else jumps to max (no overflow past it).
    this.#next = this.#next < this.maxMs / 2 ? this.#next * 2 : this.maxMs;
    // Envoy: random() % interval (integer ms); here floor(u · interval), the same distribution.
    return Math.min(Math.floor(this.random() * interval), this.maxMs);
  }

  reset(): void {
    this.#next = this.baseMs;
  }
}
