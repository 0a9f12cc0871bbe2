/**
 * What RING_HASH and MAGLEV share (Envoy's ThreadAwareLoadBalancerBase): per priority, a lookup
 * table built from normalized host weights — over all hosts when the priority is in panic, else
 * over its healthy hosts (and a second table over its degraded ones) — and a pick that uses the
 * request hash twice: `hash % 100` chooses the priority, the table maps the hash to a host. The
 * same hash therefore lands on the same host while membership is unchanged. Without a hash
 * (no hash_policy matched) a random one is drawn, as Envoy does.
 */
import type { Host } from '../host.js';
import type { HostSet, PrioritySet } from '../priority-set.js';
import type { LbConfig } from './lb-config.js';
import type { LbContext, LoadBalancer, Random } from './load-balancer.js';
import { choosePriority, computePriorityLoad } from './priority-load.js';
import type { PriorityLoad } from './priority-load.js';

/** Hosts with weights normalized to sum to (at most) 1. */
export interface NormalizedHosts {
  readonly hosts: readonly Host[];
  readonly weights: Float64Array;
  readonly min: number;
  readonly max: number;
}

export abstract class HashLoadBalancer<T> implements LoadBalancer {
  protected readonly config: LbConfig;
  readonly #prioritySet: PrioritySet;
  readonly #random: Random;
  #version = -1;
  #load!: PriorityLoad;
  #onlyP0 = true;
  #healthy: (T | null)[] = [];
  #degraded: (T | null)[] = [];

  constructor(config: LbConfig, prioritySet: PrioritySet, random: Random) {
    this.config = config;
    this.#prioritySet = prioritySet;
    this.#random = random;
  }

  chooseHost(ctx: LbContext): Host | null {
    if (this.#version !== this.#prioritySet.version) this.#rebuild();
    const hash = ctx.hash ?? Math.floor(this.#random() * 0x100000000);
    if (this.#onlyP0) {
      const t = this.#healthy[0]!;
      return t === null ? null : this.lookup(t, hash);
    }
    const choice = choosePriority(this.#load, hash % 100);
    const t = (choice & 1) === 1 ? this.#degraded[choice >> 1]! : this.#healthy[choice >> 1]!;
    return t === null ? null : this.lookup(t, hash);
  }

  /** The key a host is hashed by: `ip:port`, or its hostname with use_hostname_for_hashing. */
  protected hashKey(host: Host): string {
    return this.config.useHostnameForHashing && host.hostname !== '' ? host.hostname : host.key;
  }

  protected abstract build(hosts: NormalizedHosts): T;

  protected abstract lookup(table: T, hash: number): Host | null;

  #rebuild(): void {
    const hostSets = this.#prioritySet.hostSets;
    this.#version = this.#prioritySet.version;
    this.#load = computePriorityLoad(hostSets, this.config.healthyPanicThreshold);
    this.#onlyP0 = this.#load.healthy[0] === 100;
    this.#healthy = [];
    this.#degraded = [];
    for (let p = 0; p < hostSets.length; p++) {
      const hs = hostSets[p]!;
      if (this.#load.panic[p]) {
        const all = this.#table(hs, 'all');
        this.#healthy.push(all);
        this.#degraded.push(all);
      } else {
        this.#healthy.push(this.#table(hs, 'healthy'));
        this.#degraded.push(this.#table(hs, 'degraded'));
      }
    }
  }

  #table(hs: HostSet, which: HostList): T | null {
    const normalized = normalizeWeights(hs, which, this.config.localityWeighted);
    return normalized === null ? null : this.build(normalized);
  }
}

type HostList = 'all' | 'healthy' | 'degraded';

function listOf(l: { hosts: readonly Host[]; healthyHosts: readonly Host[]; degradedHosts: readonly Host[] }, which: HostList): readonly Host[] {
  return which === 'all' ? l.hosts : which === 'healthy' ? l.healthyHosts : l.degradedHosts;
}

/**
 * Envoy's normalizeWeights: host weight / Σ weights; with locality weighting, each locality's
 * share (its weight / Σ locality weights) split among its hosts by their weights.
 */
export function normalizeWeights(hs: HostSet, which: HostList, localityWeighted: boolean): NormalizedHosts | null {
  const hosts: Host[] = [];
  const weights: number[] = [];
  const add = (list: readonly Host[], share: number): void => {
    let sum = 0;
    for (const h of list) sum += h.weight;
    for (const h of list) {
      hosts.push(h);
      weights.push((h.weight / sum) * share);
    }
  };
  let localitySum = 0;
  if (localityWeighted) for (const l of hs.localities) localitySum += l.weight;
  if (localitySum > 0) {
    for (const l of hs.localities) if (l.weight > 0) add(listOf(l, which), l.weight / localitySum);
  } else {
    add(listOf(hs, which), 1);
  }
  if (hosts.length === 0) return null;
  return { hosts, weights: Float64Array.from(weights), min: Math.min(...weights), max: Math.max(...weights) };
}
