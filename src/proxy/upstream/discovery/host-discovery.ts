/**
 * What every discovery type gives the cluster manager: a PrioritySet it keeps current, an
 * `onUpdate` callback after each membership change, and `initialized`, which settles once the
 * first assignment or resolution is done ("the cluster is warm"; Envoy's onPreInitComplete).
 * `start()` begins resolving or watching; `stop()` clears every timer.
 */
import { PrioritySet } from '../priority-set.js';
import type { HostsChange } from '../priority-set.js';

/** The timer seam; tests pass a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: discovery alone must not keep the process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export abstract class HostDiscovery {
  readonly prioritySet: PrioritySet;
  /** Called after every change of the PrioritySet made by this discovery. */
  onUpdate: ((change: HostsChange) => void) | null = null;
  /**
   * Resolution bookkeeping for DNS discoveries, for Envoy's update_attempt / update_success /
   * update_failure / update_no_rebuild: 'attempt' as a query starts, then its outcome.
   */
  onResolve: ((event: 'attempt' | 'changed' | 'unchanged' | 'failed') => void) | null = null;
  readonly initialized: Promise<void>;
  #markInitialized!: () => void;
  #isInitialized = false;

  /**
   * Pass the previous discovery's PrioritySet when a cluster's config changes, so its hosts
   * (counters, pools) carry over to the new discovery.
   */
  constructor(prioritySet: PrioritySet = new PrioritySet()) {
    this.prioritySet = prioritySet;
    this.initialized = new Promise((resolve) => {
      this.#markInitialized = resolve;
    });
  }

  get isInitialized(): boolean {
    return this.#isInitialized;
  }

  abstract start(): void;
  abstract stop(): void;

  /**
   * Declares the cluster warm. Discoveries call it after their first result; the cluster manager
   * may call it on an EDS initial_fetch_timeout so the cluster warms up empty, as Envoy does.
   */
  markInitialized(): void {
    if (this.#isInitialized) return;
    this.#isInitialized = true;
    this.#markInitialized();
  }

  protected publish(change: HostsChange): void {
    this.onUpdate?.(change);
  }
}
