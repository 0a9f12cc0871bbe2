/**
 * The downstream request body, kept for retries and mirrors (Envoy's router buffers it up to
 * retry_shadow_buffer_limit: the route's per_request_buffer_limit_bytes, else the connection's
 * buffer limit, 1 MiB by default). Each upstream attempt or mirror gets its own reader that
 * replays what was buffered, then follows the live body. Past the limit nothing more is kept:
 * `onOverflow` runs once (the router then gives up retries and mirrors, as Envoy does, counting
 * retry_or_shadow_abandoned) and the live reader(s) go on streaming with backpressure.
 */
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';

/** Envoy's default per_connection_buffer_limit_bytes (1 MiB), the router's limit without a route one. */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

export class RequestBodyBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #ended = false;
  #failed = false;
  #overflowed = false;
  readonly #readers = new Set<PassThrough>();
  #paused = false;

  constructor(
    readonly source: Readable,
    readonly limitBytes: number,
    /** Called once when the body outgrows the limit. */
    readonly onOverflow: () => void,
  ) {
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.on('end', () => {
      this.#ended = true;
      for (const r of this.#readers) r.end();
    });
    // The downstream went away mid-body: the readers fail, so their attempts end.
    source.on('error', () => this.#abortReaders());
    source.on('aborted', () => this.#abortReaders());
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Bytes held for replay. */
  get bufferedBytes(): number {
    return this.#size;
  }

  get complete(): boolean {
    return this.#ended;
  }

  /**
   * A new body for one upstream request: everything buffered so far, then the rest as it comes.
   * Null after an overflow (what was sent cannot be replayed).
   */
  reader(): Readable | null {
    if (this.#overflowed || this.#failed) return null;
    const r = new PassThrough();
    for (const c of this.#chunks) r.write(c);
    if (this.#ended) r.end();
    else {
      this.#readers.add(r);
      r.on('drain', () => this.#maybeResume());
      r.on('close', () => {
        this.#readers.delete(r);
        this.#maybeResume();
      });
    }
    return r;
  }

  #onData(chunk: Buffer): void {
    if (!this.#overflowed) {
      if (this.#size + chunk.length > this.limitBytes) {
        this.#overflowed = true;
        this.#chunks.length = 0;
        this.#size = 0;
        this.onOverflow();
      } else {
        this.#chunks.push(chunk);
        this.#size += chunk.length;
      }
    }
    let full = false;
    for (const r of this.#readers) if (!r.write(chunk)) full = true;
    // Within the limit the body is read at once (it is buffered anyway); past it, the live
    // attempt's pace sets the downstream's.
    if (full && this.#overflowed && !this.#paused) {
      this.#paused = true;
      this.source.pause();
    }
  }

  #maybeResume(): void {
    if (!this.#paused) return;
    for (const r of this.#readers) if (r.writableNeedDrain) return;
    this.#paused = false;
    this.source.resume();
  }

  #abortReaders(): void {
    if (this.#ended) return;
    this.#failed = true;
    for (const r of this.#readers) r.destroy(new Error('downstream request body aborted'));
    this.#readers.clear();
  }
}
