/**
 * Event-loop turns handed out one at a time: each waiter resumes in its own loop iteration, so
 * the I/O of the previous one (its HTTP/2 writes, which Node flushes from an immediate, and the
 * ACKs coming back) happens in between. Istio pushes to proxies from concurrent goroutines and
 * the first proxies get their config while the last are still being generated; without turns,
 * a push to a hundred proxies would be generated in one macrotask and leave the process only
 * at its end.
 */
export class LoopTurns {
  readonly #waiting: (() => void)[] = [];
  #scheduled = false;

  /** `perTurn`: how many waiters resume in one iteration (a few amortize the iteration's cost). */
  constructor(readonly perTurn = 1) {}

  /** Resolves in a loop iteration of its own (shared with at most perTurn - 1 others), after those asked for before it. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      for (let i = 0; i < this.perTurn && this.#waiting.length > 0; i++) this.#waiting.shift()!();
      // Queued from inside the check phase: runs in the next iteration, after its I/O.
      this.#schedule();
    });
  }
}
