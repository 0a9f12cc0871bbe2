/**
 * Istio's PushQueue (pilot/pkg/xds/pushqueue.go) with its throttle (PILOT_PUSH_THROTTLE, 100):
 * connections waiting for a push, each at most once. Enqueuing a connection already waiting
 * merges the two changes; enqueuing one being pushed right now queues it again with the change,
 * once the current push to it is done. At most `concurrency` pushes run at a time.
 */
export const PILOT_PUSH_THROTTLE = 100;

export class PushQueue<K, R> {
  /** Waiting, in enqueue order (Map keeps insertion order). */
  readonly #pending = new Map<K, R>();
  /** Being pushed; the value is a change that arrived meanwhile, to push once this one is done. */
  readonly #inProgress = new Map<K, R | undefined>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(
    readonly concurrency: number,
    readonly merge: (a: R, b: R) => R,
    readonly worker: (key: K, change: R) => Promise<void>,
  ) {}

  enqueue(key: K, change: R): void {
    if (this.#closed) return;
    if (this.#inProgress.has(key)) {
      const again = this.#inProgress.get(key);
      this.#inProgress.set(key, again === undefined ? change : this.merge(again, change));
      return;
    }
    const waiting = this.#pending.get(key);
    this.#pending.set(key, waiting === undefined ? change : this.merge(waiting, change));
    this.#pump();
  }

  /** Connections waiting or being pushed. */
  get size(): number {
    return this.#pending.size + this.#inProgress.size;
  }

  /** Resolves when nothing is waiting or in progress. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is waiting (e.g. a disconnected proxy's entry). */
  remove(key: K): void {
    this.#pending.delete(key);
    if (this.#inProgress.has(key)) this.#inProgress.set(key, undefined);
    this.#settle();
  }

  close(): void {
    this.#closed = true;
    this.#pending.clear();
    this.#settle();
  }

  #pump(): void {
    while (this.#inProgress.size < this.concurrency && this.#pending.size > 0) {
      const [key, change] = this.#pending.entries().next().value as [K, R];
      this.#pending.delete(key);
      this.#inProgress.set(key, undefined);
      void this.#run(key, change);
    }
  }

  async #run(key: K, change: R): Promise<void> {
    try {
      await this.worker(key, change);
    } catch {
      // The worker logs its own failures; one proxy's failure must not stop the queue.
    }
    const again = this.#inProgress.get(key);
    this.#inProgress.delete(key);
    if (again !== undefined && !this.#closed) this.enqueue(key, again);
    this.#pump();
    this.#settle();
  }

  #settle(): void {
    if (this.size !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
