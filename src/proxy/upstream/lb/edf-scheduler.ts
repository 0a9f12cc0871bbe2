/**
 * Envoy's Earliest Deadline First scheduler (source/common/upstream/edf_scheduler.h), used for
 * weighted round robin, weighted least request and locality picking. Each entry's deadline is
 * `now + 1 / weight`; a pick takes the earliest deadline (ties: first inserted), moves `now` to
 * it, and the caller re-adds the entry with its weight at that moment.
 *
 * Entries are the indices 0..n-1 of the caller's array, kept in typed arrays as a binary heap, so
 * picking allocates nothing.
 */
export class EdfScheduler {
  readonly #deadline: Float64Array;
  readonly #order: Float64Array;
  readonly #heap: Int32Array;
  #size = 0;
  #now = 0;
  #nextOrder = 0;

  /** Adds entries 0..weights.length-1 in index order; weights must be > 0. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.#deadline = new Float64Array(n);
    this.#order = new Float64Array(n);
    this.#heap = new Int32Array(n);
    for (let i = 0; i < n; i++) this.add(i, weights[i]!);
  }

  get size(): number {
    return this.#size;
  }

  /** Removes and returns the entry with the earliest deadline, or -1 when empty. Re-add it with add(). */
  pick(): number {
    if (this.#size === 0) return -1;
    const heap = this.#heap;
    const top = heap[0]!;
    this.#now = this.#deadline[top]!;
    this.#size--;
    if (this.#size > 0) {
      heap[0] = heap[this.#size]!;
      this.#siftDown(0);
    }
    return top;
  }

  add(entry: number, weight: number): void {
    this.#deadline[entry] = this.#now + 1 / weight;
    this.#order[entry] = this.#nextOrder++;
    const i = this.#size++;
    this.#heap[i] = entry;
    this.#siftUp(i);
  }

  /** pick() then add() with the same (static) weight: the weighted round robin step. */
  pickAndAdd(weights: ArrayLike<number>): number {
    const e = this.pick();
    if (e >= 0) this.add(e, weights[e]!);
    return e;
  }

  #before(a: number, b: number): boolean {
    const da = this.#deadline[a]!;
    const db = this.#deadline[b]!;
    return da < db || (da === db && this.#order[a]! < this.#order[b]!);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const e = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.#before(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = this.#size;
    const e = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.#before(heap[child]!, e)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = e;
  }
}
