/**
 * LEAST_REQUEST as Envoy does it.
 *
 * Equal weights: power of N choices — sample choice_count hosts at random (with replacement) and
 * take the one with the fewest active requests; the first sampled wins ties.
 *
 * Different weights: an EDF schedule whose weights move with load — a host is re-added after each
 * pick with weight / (active_requests + 1)^active_request_bias, so busy hosts are scheduled later.
 * A bias of 0 makes it plain weighted round robin; 1 (the default) divides by the load.
 */
import type { Host } from '../host.js';
import { EdfScheduler } from './edf-scheduler.js';
import { HostSourceLoadBalancer } from './host-source-lb.js';
import { weightsEqual } from './round-robin.js';

interface LeastRequestSource {
  readonly hosts: readonly Host[];
  readonly edf: EdfScheduler | null;
}

export class LeastRequestLoadBalancer extends HostSourceLoadBalancer<LeastRequestSource> {
  /** Envoy's hostWeight for the weighted (EDF) mode. */
  hostWeight(host: Host): number {
    const bias = this.config.leastRequest.activeRequestBias;
    if (bias === 0) return host.weight;
    if (bias === 1) return host.weight / (host.activeRequests + 1);
    return host.weight / Math.pow(host.activeRequests + 1, bias);
  }

  protected createSource(hosts: readonly Host[]): LeastRequestSource {
    if (weightsEqual(hosts)) return { hosts, edf: null };
    return { hosts, edf: new EdfScheduler(Float64Array.from(hosts, (h) => this.hostWeight(h))) };
  }

  protected pick(source: LeastRequestSource): Host | null {
    const hosts = source.hosts;
    const n = hosts.length;
    if (n === 0) return null;
    if (source.edf !== null) {
      const i = source.edf.pick();
      const host = hosts[i]!;
      source.edf.add(i, this.hostWeight(host));
      return host;
    }
    let candidate = hosts[Math.floor(this.random() * n)]!;
    const choices = this.config.leastRequest.choiceCount;
    for (let c = 1; c < choices; c++) {
      const sampled = hosts[Math.floor(this.random() * n)]!;
      if (sampled.activeRequests < candidate.activeRequests) candidate = sampled;
    }
    return candidate;
  }
}
