/**
 * Runs reconcile work one at a time and coalesces requests that arrive while one runs: ten store
 * events during a reconcile cause one more reconcile, not ten. Errors go to `onError`, never up.
 */
export class SerialQueue {
  readonly #onError: (err: unknown) => void;
  #running: Promise<void> | undefined;
  #pending: (() => Promise<void>) | undefined;

  constructor(onError?: (err: unknown) => void) {
    this.#onError = onError ?? (() => {});
  }

  request(work: () => Promise<void>): void {
    this.#pending = work;
    if (this.#running === undefined) this.#running = this.#drain();
  }

  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const work = this.#pending;
      this.#pending = undefined;
      try {
        await work();
      } catch (err) {
        this.#onError(err);
      }
    }
    this.#running = undefined;
  }
}
