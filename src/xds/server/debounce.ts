/**
 * Istio's push debounce (pilot/pkg/xds/discovery.go `debounce`): changes are merged and the
 * push starts once config has been quiet for `debounceAfterMs` (PILOT_DEBOUNCE_AFTER, 100 ms)
 * or `debounceMaxMs` (PILOT_DEBOUNCE_MAX, 10 s) after the first change of the batch, whichever
 * comes first. A push never starts while the previous one is still running; changes arriving
 * meanwhile form the next batch.
 *
 *   change ─┬─ first of batch: start = now, arm timer(after)
 *           └─ lastChange = now, pending = merge(pending, change)
 *   timer  ─── now - start ≥ max or now - lastChange ≥ after ? fire (if free) : re-arm(after - quiet)
 *   fired push done ─── free again; re-check a batch that became due meanwhile
 */
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';

export interface DebounceOptions {
  readonly debounceAfterMs?: number;
  readonly debounceMaxMs?: number;
  readonly clock?: Clock;
}

export const PILOT_DEBOUNCE_AFTER_MS = 100;
export const PILOT_DEBOUNCE_MAX_MS = 10_000;

export class Debouncer<R> {
  readonly #after: number;
  readonly #max: number;
  readonly #clock: Clock;
  #pending: R | undefined;
  #events = 0;
  #start = 0;
  #lastChange = 0;
  #timer: unknown;
  #free = true;
  #stopped = false;
  /** Pushes started, and changes merged into them (Istio's pilot_debounce_* counters). */
  pushes = 0;
  debouncedEvents = 0;

  constructor(
    options: DebounceOptions,
    readonly merge: (a: R, b: R) => R,
    readonly fire: (merged: R) => void | Promise<void>,
  ) {
    this.#after = options.debounceAfterMs ?? PILOT_DEBOUNCE_AFTER_MS;
    this.#max = options.debounceMaxMs ?? PILOT_DEBOUNCE_MAX_MS;
    this.#clock = options.clock ?? systemClock;
  }

  /** Adds a change to the current batch. */
  push(change: R): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    this.#lastChange = now;
    if (this.#events === 0) {
      this.#start = now;
      this.#arm(this.#after);
    }
    this.#events++;
    this.debouncedEvents++;
    this.#pending = this.#pending === undefined ? change : this.merge(this.#pending, change);
  }

  /** The merged changes waiting for the next push. */
  get pending(): R | undefined {
    return this.#pending;
  }

  /** Changes waiting for the next push. */
  get pendingEvents(): number {
    return this.#events;
  }

  /** The changes waiting for the next push, taken out of the batch (a caller pushing them itself). */
  take(): R | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#events = 0;
    return pending;
  }

  /** Stops timers; pending changes are dropped. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
    this.#events = 0;
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#free) this.#check();
    }, ms);
  }

  #check(): void {
    if (this.#stopped || this.#pending === undefined) return;
    const now = this.#clock.now();
    const eventDelay = now - this.#start;
    const quiet = now - this.#lastChange;
    if (eventDelay >= this.#max || quiet >= this.#after) {
      const merged = this.#pending;
      this.#pending = undefined;
      this.#events = 0;
      this.pushes++;
      this.#free = false;
      const done = (): void => {
        this.#free = true;
        this.#check();
      };
      try {
        const r = this.fire(merged);
        if (r instanceof Promise) void r.then(done, done);
        else done();
      } catch (err) {
        done();
        throw err;
      }
    } else if (this.#timer === undefined) {
      this.#arm(Math.min(this.#after - quiet, this.#max - eventDelay));
    }
  }
}
