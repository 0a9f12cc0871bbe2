// The in-memory index both stores read from: resources by key, listed in a stable order.
import type { Resource } from '../api/resource/resource.js';
import { compareKeys, keyOf, keyString, matchesFilter, type ConfigKey, type ListFilter } from './config-store.js';

interface Entry {
  readonly key: ConfigKey;
  readonly resource: Resource;
}

/**
 * Resources keyed by `keyString`. Stored objects are frozen by the caller; the table hands them out
 * as they are. `list` sorts on demand and caches the sorted array until the next change, because
 * the control plane lists far more often than it writes.
 */
export class ResourceTable {
  readonly #entries = new Map<string, Entry>();
  #sorted: Entry[] | undefined;

  get size(): number {
    return this.#entries.size;
  }

  get(key: ConfigKey): Resource | undefined {
    return this.#entries.get(keyString(key))?.resource;
  }

  /** Stores the resource under the key its envelope names (callers normalise scope first). */
  set(resource: Resource): void {
    const key = keyOf(resource);
    this.#entries.set(keyString(key), { key, resource });
    this.#sorted = undefined;
  }

  delete(key: ConfigKey): Resource | undefined {
    const id = keyString(key);
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    this.#sorted = undefined;
    return entry.resource;
  }

  list(filter?: ListFilter): Resource[] {
    this.#sorted ??= [...this.#entries.values()].sort((a, b) => compareKeys(a.key, b.key));
    const out: Resource[] = [];
    for (const e of this.#sorted) if (matchesFilter(e.key, filter)) out.push(e.resource);
    return out;
  }
}
