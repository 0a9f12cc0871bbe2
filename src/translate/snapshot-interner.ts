/**
 * Generated objects that stay the very same objects from one snapshot to the next while their
 * inputs do not change. Within a snapshot, class-share.ts makes the proxies of a class share what
 * was built for them; this goes further for small pieces every class builds alike (a service's
 * default route): one object per distinct content, across classes and snapshots. The ADS
 * server's fingerprints (src/xds/server/fingerprints.ts) are remembered by object, so an
 * unchanged piece is not serialized again in the next snapshot.
 *
 * Bounded: entries are kept for two generations, a generation being the snapshot the interner
 * was last used with; what the previous snapshot used is carried on, the rest dropped. The key
 * must determine the content entirely; correctness never depends on which generation an entry
 * is found in.
 *
 * Interned objects are shared, so they are frozen (deeply): a generator that would change one
 * after the fact throws instead of changing every proxy's copy.
 */
import type { PushContext } from '../model/push-context.js';

/** A number for each object an interner handed out, never reused: for keys made of interned parts. */
const SERIALS = new WeakMap<object, number>();
let lastSerial = 0;

/** The serial number of `value` when an interner handed it out, else undefined. */
export function internedSerial(value: object): number | undefined {
  return SERIALS.get(value);
}

export class SnapshotInterner<T extends object> {
  #current = new Map<string, T>();
  #previous = new Map<string, T>();
  /** The snapshot of the current generation, held weakly: the interner does not keep it alive. */
  #push: WeakRef<PushContext> | undefined;

  /** The object for `key` in `push`: the one built for it before, while kept, else `build()`, frozen. */
  intern(push: PushContext, key: string, build: () => T): T {
    if (this.#push?.deref() !== push) this.#rotate(push);
    let value = this.#current.get(key);
    if (value !== undefined) return value;
    value = this.#previous.get(key);
    if (value === undefined) {
      value = deepFreeze(build());
      if (!SERIALS.has(value)) SERIALS.set(value, ++lastSerial);
    }
    this.#current.set(key, value);
    return value;
  }

  /** Entries kept (both generations), for tests. */
  get size(): number {
    return new Set([...this.#current.keys(), ...this.#previous.keys()]).size;
  }

  #rotate(push: PushContext): void {
    this.#previous = this.#current;
    this.#current = new Map();
    this.#push = new WeakRef(push);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
