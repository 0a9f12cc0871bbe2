/**
 * The one hash the data plane uses for consistent hashing (route hash_policy → ring hash /
 * Maglev), so the router and the load balancers agree. 32-bit MurmurHash3 (x86_32): fast on
 * strings without BigInt, well distributed. Envoy uses xxHash64; only consistency within one
 * proxy matters for stickiness, so the choice is not visible to users.
 */
export function hashString(s: string, seed = 0): number {
  let h = seed >>> 0;
  const len = s.length;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    let k = (s.charCodeAt(i) & 0xff) | ((s.charCodeAt(i + 1) & 0xff) << 8) | ((s.charCodeAt(i + 2) & 0xff) << 16) | ((s.charCodeAt(i + 3) & 0xff) << 24);
    // Fold in the high bytes of non-Latin-1 characters so they still change the hash.
    k ^= ((s.charCodeAt(i) | s.charCodeAt(i + 1) | s.charCodeAt(i + 2) | s.charCodeAt(i + 3)) >>> 8) * 0x9e3779b1;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rem = len - i;
  if (rem > 0) {
    let k = 0;
    if (rem >= 3) k ^= (s.charCodeAt(i + 2) & 0xffff) << 16;
    if (rem >= 2) k ^= (s.charCodeAt(i + 1) & 0xffff) << 8;
    k ^= s.charCodeAt(i) & 0xffff;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines hashes of several hash policies in order (Envoy: hash = hash_combine(hash, next)). */
export function combineHash(a: number, b: number): number {
  return (Math.imul(a ^ (b + 0x9e3779b9 + (a << 6) + (a >>> 2)), 0x01000193) >>> 0);
}
