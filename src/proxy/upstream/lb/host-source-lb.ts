/**
 * What round robin, least request and random share (Envoy's ZoneAwareLoadBalancerBase and
 * EdfLoadBalancerBase): choose a priority by priority load, take all its hosts when it is in
 * panic, otherwise its healthy (or degraded) hosts, narrowed to one locality when locality
 * weighting is on; then let the policy pick inside that "host source".
 *
 * Every source and its policy state is precomputed when the PrioritySet's version changes, so a
 * pick is a few array reads.
 */
import type { Host } from '../host.js';
import type { HostSet, PrioritySet } from '../priority-set.js';
import type { LbConfig } from './lb-config.js';
import type { LbContext, LoadBalancer, Random } from './load-balancer.js';
import { LocalityPicker } from './locality-weighted.js';
import { choosePriority, computePriorityLoad } from './priority-load.js';
import type { PriorityLoad } from './priority-load.js';

interface PriorityState<S> {
  readonly all: S;
  readonly healthy: S;
  readonly degraded: S;
  readonly healthyLocalities: LocalityPicker | null;
  readonly degradedLocalities: LocalityPicker | null;
  /** Per locality index, its healthy / degraded source (empty unless locality weighting is on). */
  readonly healthyByLocality: readonly S[];
  readonly degradedByLocality: readonly S[];
}

export abstract class HostSourceLoadBalancer<S> implements LoadBalancer {
  protected readonly random: Random;
  protected readonly config: LbConfig;
  readonly #prioritySet: PrioritySet;
  #version = -1;
  #load!: PriorityLoad;
  #priorities: PriorityState<S>[] = [];
  /** All traffic goes to priority 0 (healthy, or all hosts in panic): skip the priority draw. */
  #onlyP0 = true;

  constructor(config: LbConfig, prioritySet: PrioritySet, random: Random) {
    this.config = config;
    this.#prioritySet = prioritySet;
    this.random = random;
  }

  chooseHost(ctx: LbContext): Host | null {
    if (this.#version !== this.#prioritySet.version) this.#rebuild();
    let priority = 0;
    let degraded = false;
    let load = this.#load;
    const retryPriority = ctx.retryPriority;
    if (retryPriority != null) load = retryPriority.determinePriorityLoad(this.#prioritySet.hostSets, load);
    if (!this.#onlyP0 || load !== this.#load) {
      const choice = choosePriority(load, Math.floor(this.random() * 100));
      priority = choice >> 1;
      degraded = (choice & 1) === 1;
    }
    const state = this.#priorities[priority]!;
    if (this.#load.panic[priority]) return this.pick(state.all, ctx);
    const localities = degraded ? state.degradedLocalities : state.healthyLocalities;
    if (localities !== null) {
      const l = localities.pick();
      return this.pick(degraded ? state.degradedByLocality[l]! : state.healthyByLocality[l]!, ctx);
    }
    return this.pick(degraded ? state.degraded : state.healthy, ctx);
  }

  /** Builds the policy's state for one list of hosts (called on every PrioritySet change). */
  protected abstract createSource(hosts: readonly Host[]): S;

  /** Picks a host from a source; null when it is empty. Must not allocate. */
  protected abstract pick(source: S, ctx: LbContext): Host | null;

  #rebuild(): void {
    const hostSets = this.#prioritySet.hostSets;
    this.#version = this.#prioritySet.version;
    this.#load = computePriorityLoad(hostSets, this.config.healthyPanicThreshold);
    this.#onlyP0 = this.#load.healthy[0] === 100;
    this.#priorities = hostSets.map((hs) => this.#buildPriority(hs));
  }

  #buildPriority(hs: HostSet): PriorityState<S> {
    const weighted = this.config.localityWeighted;
    return {
      all: this.createSource(hs.hosts),
      healthy: this.createSource(hs.healthyHosts),
      degraded: this.createSource(hs.degradedHosts),
      healthyLocalities: weighted ? LocalityPicker.create(hs, false) : null,
      degradedLocalities: weighted ? LocalityPicker.create(hs, true) : null,
      healthyByLocality: weighted ? hs.localities.map((l) => this.createSource(l.healthyHosts)) : [],
      degradedByLocality: weighted ? hs.localities.map((l) => this.createSource(l.degradedHosts)) : [],
    };
  }
}
