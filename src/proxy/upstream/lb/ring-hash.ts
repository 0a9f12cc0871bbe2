/**
 * RING_HASH: Envoy's ketama-style consistent hash ring (ring_hash_lb.cc). Each host gets a number
 * of points in proportion to its normalized weight, scaled so the lightest host gets a whole
 * number of points and the ring has at least minimum_ring_size (at most maximum_ring_size)
 * entries. Point i of a host hashes `KEY_i`. A request maps to the first point at or after its
 * hash, wrapping around. Removing one host of N moves its keys, plus a few more because the
 * remaining hosts get more points each (10 → 9 hosts at 1024: 103 → 114 points), as in Envoy.
 */
import { hashString } from './hash.js';
import type { Host } from '../host.js';
import { HashLoadBalancer } from './hash-lb.js';
import type { NormalizedHosts } from './hash-lb.js';

export interface Ring {
  /** Point hashes, ascending. */
  readonly hashes: Uint32Array;
  /** The host of each point. */
  readonly hosts: readonly Host[];
}

/**
 * Builds a ring (Envoy's RingHashLoadBalancer::Ring): the lightest host gets
 * ceil(min_weight × minimum_ring_size) points, the others in proportion, capped at maximumSize.
 */
export function buildRing(n: NormalizedHosts, minimumSize: number, maximumSize: number, keyOf: (h: Host) => string): Ring {
  const scale = Math.min(Math.ceil(n.min * minimumSize) / n.min, maximumSize);
  const size = Math.ceil(scale);
  const pointHash = new Uint32Array(size);
  const pointHost = new Int32Array(size);
  let count = 0;
  let target = 0;
  for (let i = 0; i < n.hosts.length; i++) {
    const key = keyOf(n.hosts[i]!);
    target += scale * n.weights[i]!;
    for (let k = 0; count < target && count < size; k++) {
      pointHash[count] = hashString(`${key}_${k}`);
      pointHost[count] = i;
      count++;
    }
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => pointHash[a]! - pointHash[b]! || a - b);
  const hashes = new Uint32Array(count);
  const hosts = new Array<Host>(count);
  for (let i = 0; i < count; i++) {
    hashes[i] = pointHash[order[i]!]!;
    hosts[i] = n.hosts[pointHost[order[i]!]!]!;
  }
  return { hashes, hosts };
}

/** The first point at or after `hash`, wrapping to the first point (ketama_get_server). */
export function ringLookup(ring: Ring, hash: number): Host | null {
  const hashes = ring.hashes;
  const n = hashes.length;
  if (n === 0) return null;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[mid]! < hash) lo = mid + 1;
    else hi = mid;
  }
  return ring.hosts[lo === n ? 0 : lo]!;
}

export class RingHashLoadBalancer extends HashLoadBalancer<Ring> {
  readonly #keyOf = (h: Host): string => this.hashKey(h);

  protected build(n: NormalizedHosts): Ring {
    return buildRing(n, this.config.ringHash.minimumRingSize, this.config.ringHash.maximumRingSize, this.#keyOf);
  }

  protected lookup(ring: Ring, hash: number): Host | null {
    return ringLookup(ring, hash);
  }
}
