/**
 * Envoy's JitteredExponentialBackOffStrategy: each delay is uniform in [0, interval), and the
 * interval doubles from `baseMs` up to `maxMs`. Full jitter keeps a fleet of proxies from
 * reconnecting to a restarted control plane in lockstep. Envoy uses 500 ms / 30 s for xDS.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

export class JitteredBackoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private interval: number;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.baseMs = Math.max(1, options.baseMs ?? 500);
    this.maxMs = Math.max(this.baseMs, options.maxMs ?? 30_000);
    this.interval = this.baseMs;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const current = this.interval;
    this.interval = Math.min(current * 2, this.maxMs);
    return Math.min(Math.floor(this.random() * current), this.maxMs);
  }

  /** Back to the base interval, after a stream proved healthy. */
  reset(): void {
    this.interval = this.baseMs;
  }
}
