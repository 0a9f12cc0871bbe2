/** Shared by the load balancer tests: seeded randomness and quick host sets. */
import type { HostSpec, EdsHealthStatus } from '../host.js';
import { NO_LOCALITY } from '../host.js';
import type { Host } from '../host.js';
import { PrioritySet } from '../priority-set.js';
import type { LbConfig } from './lb-config.js';

/** mulberry32: a tiny deterministic PRNG in [0, 1). */
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

export interface TestEndpoint {
  address?: string;
  port?: number;
  weight?: number;
  priority?: number;
  zone?: string;
  localityWeight?: number;
  health?: EdsHealthStatus;
}

export function spec(e: TestEndpoint, i = 0): HostSpec {
  return {
    address: e.address ?? `10.0.0.${i + 1}`,
    port: e.port ?? 80,
    hostname: '',
    weight: e.weight ?? 1,
    priority: e.priority ?? 0,
    locality: e.zone === undefined ? NO_LOCALITY : { region: 'r', zone: e.zone, subZone: '' },
    localityWeight: e.localityWeight ?? 0,
    edsHealth: e.health ?? 'HEALTHY',
    metadata: null,
  };
}

export function prioritySetOf(endpoints: readonly TestEndpoint[], overprovisioningFactor = 140): PrioritySet {
  const ps = new PrioritySet();
  ps.update(endpoints.map(spec), overprovisioningFactor);
  return ps;
}

export function lbConfig(over: Partial<LbConfig> = {}): LbConfig {
  return {
    policy: 'ROUND_ROBIN',
    healthyPanicThreshold: 50,
    localityWeighted: false,
    useHostnameForHashing: false,
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8 * 1024 * 1024 },
    maglev: { tableSize: 65537 },
    leastRequest: { choiceCount: 2, activeRequestBias: 1 },
    ...over,
  };
}

/** Picks `n` times and counts picks per host address. */
export function countPicks(pick: () => Host | null, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = pick();
    const k = h === null ? 'null' : h.address;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
