/**
 * Bounds the response bytes the ADS server has handed to gRPC and not yet seen written: when
 * hundreds of proxies connect at once, each is owed megabytes of configuration, and encoding all
 * of it up front would hold every proxy's copy in memory until the slowest reader took it.
 * Writes wait in one FIFO (so each stream's responses keep their order) and are encoded only
 * when their turn comes; one write always proceeds, however large.
 */
export interface PendingWrite {
  /** Bytes the write will take, estimated before encoding. */
  readonly size: number;
  /** Encodes and writes; calls `done` once the transport has taken the bytes. */
  readonly start: (done: () => void) => void;
}

export class SendBudget {
  readonly #limit: number;
  readonly #queue: PendingWrite[] = [];
  #inFlight = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  get inFlightBytes(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  submit(write: PendingWrite): void {
    this.#queue.push(write);
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (this.#inFlight > 0 && this.#inFlight + next.size > this.#limit) return;
      this.#queue.shift();
      this.#inFlight += next.size;
      let finished = false;
      next.start(() => {
        if (finished) return;
        finished = true;
        this.#inFlight -= next.size;
        this.#pump();
      });
    }
  }
}
