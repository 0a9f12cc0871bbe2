/**
 * The hosts of one cluster grouped as Envoy groups them: by priority (HostSet), then by locality,
 * each with its healthy and degraded subsets precomputed so load balancers only index arrays.
 *
 * Updates keep Host objects whose address:port is unchanged (counters, outlier state and the
 * connection pools keyed by host survive EDS and DNS updates) and report what was added and
 * removed. Every change bumps `version`; load balancers compare it on each pick and rebuild
 * their tables lazily, so a dropped balancer needs no unsubscribe.
 */
import { Host, hostKey, localityKey } from './host.js';
import type { HostSpec, Locality } from './host.js';
import { DEFAULT_OVERPROVISIONING_FACTOR } from './load-assignment.js';
import type { LoadAssignment } from './load-assignment.js';

export interface LocalityHosts {
  readonly locality: Locality;
  /** LocalityLbEndpoints.load_balancing_weight; 0 when unset. */
  readonly weight: number;
  readonly hosts: readonly Host[];
  readonly healthyHosts: readonly Host[];
  readonly degradedHosts: readonly Host[];
}

export interface HostSet {
  readonly priority: number;
  /** In percent: 140 means a priority at ≥ 1/1.4 healthy still takes all its load. */
  readonly overprovisioningFactor: number;
  readonly hosts: readonly Host[];
  readonly healthyHosts: readonly Host[];
  readonly degradedHosts: readonly Host[];
  readonly localities: readonly LocalityHosts[];
}

export interface HostsChange {
  readonly added: readonly Host[];
  readonly removed: readonly Host[];
}

export type PrioritySetListener = (change: HostsChange) => void;

export class PrioritySet {
  #hosts: Host[] = [];
  #hostSets: readonly HostSet[] = buildHostSets([], DEFAULT_OVERPROVISIONING_FACTOR);
  #overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR;
  #version = 0;
  readonly #listeners = new Set<PrioritySetListener>();

  /** Bumped on every change of membership, weights, localities or health. */
  get version(): number {
    return this.#version;
  }

  /** Index = priority; there is always a priority 0, and gaps are empty host sets. */
  get hostSets(): readonly HostSet[] {
    return this.#hostSets;
  }

  /** Every host, in assignment order. */
  get hosts(): readonly Host[] {
    return this.#hosts;
  }

  /** Called after every change; returns the unsubscribe function. */
  onChange(listener: PrioritySetListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  updateAssignment(assignment: LoadAssignment): HostsChange {
    return this.update(assignment.endpoints, assignment.overprovisioningFactor);
  }

  /**
   * Replaces the membership with `specs`. A spec whose address:port matches a current host updates
   * that host in place (weight, priority, locality, metadata, EDS health) instead of creating one.
   */
  update(specs: readonly HostSpec[], overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR): HostsChange {
    const reusable = new Map<string, Host[]>();
    for (const h of this.#hosts) {
      const list = reusable.get(h.key);
      if (list) list.push(h);
      else reusable.set(h.key, [h]);
    }
    const hosts: Host[] = [];
    const added: Host[] = [];
    for (const spec of specs) {
      const old = reusable.get(hostKey(spec.address, spec.port))?.shift();
      if (old) {
        old.apply(spec);
        hosts.push(old);
      } else {
        const h = new Host(spec);
        hosts.push(h);
        added.push(h);
      }
    }
    const removed: Host[] = [];
    for (const list of reusable.values()) removed.push(...list);
    this.#overprovisioningFactor = overprovisioningFactor;
    return this.#replace(hosts, added, removed);
  }

  /** Adds hosts made elsewhere (ORIGINAL_DST creates them on demand). */
  addHosts(hosts: readonly Host[]): void {
    if (hosts.length > 0) this.#replace([...this.#hosts, ...hosts], hosts, []);
  }

  removeHosts(hosts: readonly Host[]): void {
    if (hosts.length === 0) return;
    const gone = new Set(hosts);
    this.#replace(this.#hosts.filter((h) => !gone.has(h)), [], hosts);
  }

  /**
   * Sets or clears a health flag (outlier detection, active health checks). Returns whether the
   * host's health changed; only then do the healthy/degraded subsets get rebuilt.
   */
  setHealthFlag(host: Host, flag: number, on: boolean): boolean {
    const before = host.health();
    host.healthFlags = on ? host.healthFlags | flag : host.healthFlags & ~flag;
    if (host.health() === before) return false;
    if (this.#hosts.includes(host)) this.#replace(this.#hosts, [], []);
    return true;
  }

  #replace(hosts: Host[], added: readonly Host[], removed: readonly Host[]): HostsChange {
    this.#hosts = hosts;
    this.#hostSets = buildHostSets(hosts, this.#overprovisioningFactor);
    this.#version++;
    const change: HostsChange = { added, removed };
    for (const l of this.#listeners) l(change);
    return change;
  }
}

interface MutableLocality {
  locality: Locality;
  weight: number;
  hosts: Host[];
  healthyHosts: Host[];
  degradedHosts: Host[];
}

function buildHostSets(hosts: readonly Host[], overprovisioningFactor: number): readonly HostSet[] {
  let maxPriority = 0;
  for (const h of hosts) if (h.priority > maxPriority) maxPriority = h.priority;
  const byPriority: Map<string, MutableLocality>[] = [];
  for (let p = 0; p <= maxPriority; p++) byPriority.push(new Map());
  for (const h of hosts) {
    const localities = byPriority[h.priority]!;
    const key = localityKey(h.locality);
    let loc = localities.get(key);
    if (!loc) {
      loc = { locality: h.locality, weight: h.localityWeight, hosts: [], healthyHosts: [], degradedHosts: [] };
      localities.set(key, loc);
    }
    loc.hosts.push(h);
    const health = h.health();
    if (health === 'healthy') loc.healthyHosts.push(h);
    else if (health === 'degraded') loc.degradedHosts.push(h);
  }
  return Object.freeze(
    byPriority.map((localities, priority): HostSet => {
      const locs = [...localities.values()];
      return Object.freeze({
        priority,
        overprovisioningFactor,
        hosts: locs.flatMap((l) => l.hosts),
        healthyHosts: locs.flatMap((l) => l.healthyHosts),
        degradedHosts: locs.flatMap((l) => l.degradedHosts),
        localities: Object.freeze(locs.map((l) => Object.freeze(l))),
      });
    }),
  );
}
