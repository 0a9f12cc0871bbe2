// Delivers store change events to listeners: synchronously, in order, one listener's failure isolated.
import type { WatchEvent, WatchListener } from './config-store.js';

export type ListenerErrorHandler = (error: unknown, event: WatchEvent) => void;

/**
 * The listener list behind `ConfigStore.watch`. `emit` delivers before it returns, except when called
 * from inside a listener: then the event is queued and delivered once the current event has reached
 * every listener, so all listeners see every change in the order it happened.
 *
 * A listener that throws must not stop the others from hearing about a change that has already been
 * stored, nor fail the write that caused it; its error goes to `onError`, which by default prints a
 * process warning (a listener bug shows up in the logs without taking the control plane down).
 */
export class WatchHub {
  readonly #listeners = new Set<WatchListener>();
  readonly #queue: WatchEvent[] = [];
  readonly #onError: ListenerErrorHandler;
  #delivering = false;

  constructor(onError?: ListenerErrorHandler) {
    this.#onError = onError ?? defaultOnError;
  }

  watch(listener: WatchListener): () => void {
    // Wrap, so the same function subscribed twice gets two independent subscriptions.
    const entry: WatchListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  get size(): number {
    return this.#listeners.size;
  }

  emit(event: WatchEvent): void {
    this.#queue.push(event);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        // Snapshot: a listener that unsubscribes (or subscribes another) mid-delivery changes the next event's audience, not this one's.
        for (const listener of [...this.#listeners]) {
          try {
            listener(next);
          } catch (err) {
            this.#onError(err, next);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }
}

function defaultOnError(error: unknown, event: WatchEvent): void {
  const { kind, metadata } = event.resource;
  const what = `${kind} ${metadata.namespace === undefined ? '' : `${metadata.namespace}/`}${metadata.name ?? ''}`;
  process.emitWarning(`config store watch listener failed on ${event.type} ${what}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
}
