/** Test helpers for the router: request builders and a seeded random source. */
import type { HeaderMap } from '../http/header-map.js';
import type { RouteRequest } from './route-request.js';

export function makeRequest(over: Partial<RouteRequest> & { headers?: HeaderMap } = {}): RouteRequest {
  return {
    method: 'GET',
    authority: 'example.com',
    path: '/',
    scheme: 'http',
    sourceIp: '10.0.0.1',
    ...over,
    headers: over.headers ?? {},
  };
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
