/**
 * MAGLEV: Google's Maglev consistent hashing with Envoy's weighting (maglev_lb.cc). Each host
 * walks its own permutation of the table slots (offset = hash(key) mod M, skip = hash(key, seed
 * 1) mod (M-1) + 1) and claims the next free slot; a host of half the heaviest weight claims on
 * every second round. The table size M is prime, so every permutation visits every slot. Lookup
 * is one array read: table[hash mod M]. Removing one host of N remaps about 1/N of the keys.
 */
import { hashString } from './hash.js';
import type { Host } from '../host.js';
import { HashLoadBalancer } from './hash-lb.js';
import type { NormalizedHosts } from './hash-lb.js';

export interface MaglevTable {
  /** Slot → index into `hosts`. */
  readonly slots: Int32Array;
  readonly hosts: readonly Host[];
}

/** Builds the lookup table (Envoy's OriginalMaglevTable::constructImplementationInternals). */
export function buildMaglevTable(n: NormalizedHosts, size: number, keyOf: (h: Host) => string): MaglevTable {
  const count = n.hosts.length;
  const offset = new Float64Array(count);
  const skip = new Float64Array(count);
  const next = new Float64Array(count);
  const target = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const key = keyOf(n.hosts[i]!);
    offset[i] = hashString(key, 0) % size;
    skip[i] = (hashString(key, 1) % (size - 1)) + 1;
  }
  const slots = new Int32Array(size).fill(-1);
  let filled = 0;
  for (let iteration = 1; filled < size; iteration++) {
    for (let i = 0; i < count && filled < size; i++) {
      // A host with the heaviest weight claims a slot every round; one of a third of it, every third.
      if (iteration * n.weights[i]! < target[i]!) continue;
      target[i]! += n.max;
      let c = (offset[i]! + skip[i]! * next[i]!) % size;
      while (slots[c] !== -1) {
        next[i]!++;
        c = (offset[i]! + skip[i]! * next[i]!) % size;
      }
      slots[c] = i;
      next[i]!++;
      filled++;
    }
  }
  return { slots, hosts: n.hosts };
}

export class MaglevLoadBalancer extends HashLoadBalancer<MaglevTable> {
  readonly #keyOf = (h: Host): string => this.hashKey(h);

  protected build(n: NormalizedHosts): MaglevTable {
    return buildMaglevTable(n, this.config.maglev.tableSize, this.#keyOf);
  }

  protected lookup(table: MaglevTable, hash: number): Host | null {
    return table.hosts[table.slots[hash % table.slots.length]!] ?? null;
  }
}
