/**
 * ROUND_ROBIN as Envoy does it: plain rotation over the source's hosts when their weights are
 * equal, an EDF schedule (each host picked in proportion to its weight, interleaved smoothly)
 * when they differ. Each source starts at an offset drawn once per balancer, so proxies that
 * start together do not all hit the same first host.
 */
import type { Host } from '../host.js';
import type { PrioritySet } from '../priority-set.js';
import { EdfScheduler } from './edf-scheduler.js';
import { HostSourceLoadBalancer } from './host-source-lb.js';
import type { LbConfig } from './lb-config.js';
import type { Random } from './load-balancer.js';

interface RoundRobinSource {
  readonly hosts: readonly Host[];
  /** Null when all weights are equal. */
  readonly edf: EdfScheduler | null;
  readonly weights: Float64Array;
  next: number;
}

export function weightsEqual(hosts: readonly Host[]): boolean {
  for (let i = 1; i < hosts.length; i++) if (hosts[i]!.weight !== hosts[0]!.weight) return false;
  return true;
}

export class RoundRobinLoadBalancer extends HostSourceLoadBalancer<RoundRobinSource> {
  readonly #seed: number;

  constructor(config: LbConfig, prioritySet: PrioritySet, random: Random) {
    super(config, prioritySet, random);
    this.#seed = Math.floor(random() * 0x100000000);
  }

  protected createSource(hosts: readonly Host[]): RoundRobinSource {
    const n = hosts.length;
    const offset = n === 0 ? 0 : this.#seed % n;
    const weights = Float64Array.from(hosts, (h) => h.weight);
    if (weightsEqual(hosts)) return { hosts, edf: null, weights, next: offset };
    const edf = new EdfScheduler(weights);
    for (let i = 0; i < offset; i++) edf.pickAndAdd(weights);
    return { hosts, edf, weights, next: 0 };
  }

  protected pick(source: RoundRobinSource): Host | null {
    const n = source.hosts.length;
    if (n === 0) return null;
    if (source.edf !== null) return source.hosts[source.edf.pickAndAdd(source.weights)]!;
    const i = source.next;
    source.next = i + 1 === n ? 0 : i + 1;
    return source.hosts[i]!;
  }
}
