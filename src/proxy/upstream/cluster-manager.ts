/**
 * Envoy's cluster manager: every cluster the proxy knows, static and from CDS, by name.
 *
 * A cluster update compiles every changed Cluster first (one bad cluster rejects the whole update,
 * leaving the last good set serving), then warms the new versions — DNS resolved, first EDS
 * assignment received — and only then swaps each one in. Unchanged clusters (same JSON) are kept
 * as they are, with their pools and hosts. Requests already routed to a replaced cluster finish on
 * it; its pools drain and close.
 */
import { ProxyConfigError, at, inResource } from '../config/config-error.js';
import type { StatsStore, Gauge } from '../../telemetry/stats/stats-store.js';
import type { SecretStore } from '../tls/secret-store.js';
import { compileTransportSocket } from '../tls/transport-socket.js';
import { compileCluster } from './cluster-config.js';
import { ClusterStats } from './cluster-stats.js';
import { EdsDiscovery } from './discovery/assignment-discovery.js';
import { parseLoadAssignment } from './load-assignment.js';
import { UpstreamCluster } from './upstream-cluster.js';
import type { OutlierEvent } from './outlier/outlier-detector.js';

/** Envoy's initial_fetch_timeout default: an EDS cluster with no assignment warms up empty after it. */
const EDS_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface ClusterUpdate {
  readonly json: Record<string, unknown>;
  readonly versionInfo: string;
}

export class ClusterManager {
  readonly #active = new Map<string, UpstreamCluster>();
  readonly #warming = new Map<string, UpstreamCluster>();
  /** Stats live as long as a cluster of that name exists, across its versions. */
  readonly #stats = new Map<string, ClusterStats>();
  /** Last ClusterLoadAssignment per EDS service name (JSON), applied to clusters created later. */
  readonly #assignments = new Map<string, Record<string, unknown>>();
  readonly #staticNames = new Set<string>();
  readonly #activeGauge: Gauge;
  readonly #warmingGauge: Gauge;
  /** Called whenever the set of EDS service names to subscribe to changes. */
  onEdsNamesChange: ((names: string[]) => void) | null = null;
  /** Outlier detection decisions of every cluster (the proxy logs them). */
  onOutlierEvent: ((e: OutlierEvent) => void) | null = null;
  /** What a compiled cluster accepted but does not implement (ClusterConfig.notes), one line each. */
  onNote: ((line: string) => void) | null = null;

  constructor(
    readonly store: StatsStore,
    readonly secrets: SecretStore,
  ) {
    const cm = store.scope('cluster_manager');
    this.#activeGauge = cm.gauge('active_clusters');
    this.#warmingGauge = cm.gauge('warming_clusters');
  }

  get(name: string): UpstreamCluster | undefined {
    return this.#active.get(name);
  }

  has(name: string): boolean {
    return this.#active.has(name) || this.#warming.has(name);
  }

  active(): UpstreamCluster[] {
    return [...this.#active.values()];
  }

  warming(): UpstreamCluster[] {
    return [...this.#warming.values()];
  }

  /** Bootstrap static_resources.clusters: compiled and warmed; static clusters are never removed by CDS. */
  addStatic(list: readonly Record<string, unknown>[]): Promise<void> {
    const names = list.map((c) => String(c['name'] ?? ''));
    for (const n of names) this.#staticNames.add(n);
    return this.#apply(list.map((json) => ({ json, versionInfo: '' })), false, null);
  }

  /**
   * A CDS state-of-the-world update: the dynamic clusters become exactly `updates`. Throws
   * ProxyConfigError naming the cluster and field when any cluster is invalid, changing nothing.
   * Resolves once every new or changed cluster is warm and in service.
   */
  applyCds(updates: readonly ClusterUpdate[]): Promise<void> {
    const keep = new Set(updates.map((u) => String(u.json['name'] ?? '')));
    const removed: string[] = [];
    for (const name of [...this.#active.keys(), ...this.#warming.keys()]) {
      if (!keep.has(name) && !this.#staticNames.has(name)) removed.push(name);
    }
    return this.#apply(updates, true, removed);
  }

  #apply(updates: readonly ClusterUpdate[], addedViaApi: boolean, removed: string[] | null): Promise<void> {
    // Compile everything first: an error anywhere leaves the running set untouched.
    const built: UpstreamCluster[] = [];
    const seen = new Set<string>();
    try {
      updates.forEach((u, i) => {
        const name = String(u.json['name'] ?? '');
        // Static clusters are located by bootstrap path, CDS ones by resource name (for the NACK).
        const locate = addedViaApi ? (fn: () => void) => inResource('Cluster', name, fn) : (fn: () => void) => at(`static_resources.clusters[${i}]`, fn);
        locate(() => {
          if (!name) throw new ProxyConfigError('name', 'is required');
          if (seen.has(name)) throw new ProxyConfigError('name', `duplicate cluster name ${name}`);
          seen.add(name);
          if (!addedViaApi && this.#active.has(name)) throw new ProxyConfigError('name', `cluster ${name} is defined twice`);
          if (addedViaApi && this.#staticNames.has(name)) throw new ProxyConfigError('name', `cluster ${name} is a static cluster and cannot be updated by CDS`);
          const current = this.#warming.get(name) ?? this.#active.get(name);
          if (current && JSON.stringify(current.json) === JSON.stringify(u.json)) return;
          const config = compileCluster(u.json);
          for (const note of config.notes) this.onNote?.(`Cluster "${config.name}": ${note}`);
          const tls = at('transport_socket', () => compileTransportSocket(config.transportSocket ?? undefined, 'upstream', this.secrets));
          built.push(
            new UpstreamCluster({
              config,
              stats: this.#statsFor(config.name, config.observabilityName),
              tls,
              addedViaApi,
              versionInfo: u.versionInfo,
              json: u.json,
              ...(current ? { previous: current } : {}),
              onOutlierEvent: (e) => this.onOutlierEvent?.(e),
            }),
          );
        });
      });
    } catch (err) {
      for (const c of built) c.tls?.close();
      throw err;
    }

    for (const name of removed ?? []) this.#remove(name);
    const warmed: Promise<void>[] = [];
    for (const cluster of built) {
      const old = this.#warming.get(cluster.name);
      old?.close();
      this.#warming.set(cluster.name, cluster);
      // A superseded warming cluster never warms on its own; settle its wait (it is out of the map).
      old?.discovery.markInitialized();
      cluster.start();
      this.#startEds(cluster);
      warmed.push(
        cluster.initialized.then(() => {
          if (this.#warming.get(cluster.name) !== cluster) return; // superseded while warming
          this.#warming.delete(cluster.name);
          const previous = this.#active.get(cluster.name);
          this.#active.set(cluster.name, cluster);
          previous?.close();
          this.#updateGauges();
        }),
      );
    }
    this.#updateGauges();
    // Added, changed and removed EDS clusters all change the names (the subscriber ignores no-ops).
    if (built.some((c) => c.edsServiceName !== null) || (removed?.length ?? 0) > 0) this.onEdsNamesChange?.(this.edsServiceNames());
    return Promise.all(warmed).then(() => undefined);
  }

  #startEds(cluster: UpstreamCluster): void {
    const service = cluster.edsServiceName;
    if (service === null) return;
    const cached = this.#assignments.get(service);
    if (cached) {
      try {
        this.#applyAssignment(cluster, cached);
      } catch {
        /* was valid when cached; a config change cannot make it invalid */
      }
    }
    const timer = setTimeout(() => cluster.discovery.markInitialized(), EDS_INITIAL_FETCH_TIMEOUT_MS);
    timer.unref();
    void cluster.initialized.then(() => clearTimeout(timer));
  }

  /**
   * An EDS response (ClusterLoadAssignments by service name). Throws ResourceConfigError when one
   * is invalid (the xDS client NACKs); otherwise every cluster using a service name takes it.
   */
  applyAssignments(list: readonly { name: string; json: Record<string, unknown> }[]): void {
    // Validate all before applying any: a rejected response changes nothing.
    for (const a of list) inResource('ClusterLoadAssignment', a.name, () => parseLoadAssignment(a.json, '', { requireIp: true }));
    for (const a of list) {
      this.#assignments.set(a.name, a.json);
      for (const c of [...this.#warming.values(), ...this.#active.values()]) {
        if (c.edsServiceName === a.name) this.#applyAssignment(c, a.json);
      }
    }
  }

  /** Resolves when no cluster is warming (listeners wait on it, so clusters warm first). */
  async whenWarm(): Promise<void> {
    // A cluster replaced while warming never initializes, so re-check the set now and then.
    while (this.#warming.size > 0) {
      await Promise.race([...[...this.#warming.values()].map((c) => c.initialized), new Promise((r) => setTimeout(r, 100).unref())]);
    }
  }

  #applyAssignment(cluster: UpstreamCluster, json: Record<string, unknown>): void {
    const d = cluster.discovery;
    if (!(d instanceof EdsDiscovery)) return;
    const assignment = parseLoadAssignment(json, '', { requireIp: true });
    cluster.stats.updateAttempt.inc();
    d.update(assignment);
    cluster.stats.updateSuccess.inc();
    if (assignment.endpoints.length === 0) cluster.stats.updateEmpty.inc();
  }

  /** EDS service names of every known cluster, for the EDS subscription. */
  edsServiceNames(): string[] {
    const names = new Set<string>();
    for (const c of [...this.#warming.values(), ...this.#active.values()]) {
      const s = c.edsServiceName;
      if (s !== null) names.add(s);
    }
    return [...names].sort();
  }

  /** The last assignment per service name, for config_dump's endpoints section. */
  assignments(): Map<string, Record<string, unknown>> {
    return this.#assignments;
  }

  #remove(name: string): void {
    const w = this.#warming.get(name);
    w?.close();
    this.#warming.delete(name);
    w?.discovery.markInitialized(); // settles the update that was warming it
    const a = this.#active.get(name);
    a?.close();
    this.#active.delete(name);
    const stats = this.#stats.get(name);
    if (stats) {
      stats.release();
      this.#stats.delete(name);
    }
  }

  #statsFor(name: string, observabilityName: string): ClusterStats {
    let s = this.#stats.get(name);
    if (!s) {
      s = new ClusterStats(this.store.scope(`cluster.${observabilityName}`));
      this.#stats.set(name, s);
    }
    return s;
  }

  #updateGauges(): void {
    this.#activeGauge.set(this.#active.size);
    this.#warmingGauge.set(this.#warming.size);
  }

  async destroy(): Promise<void> {
    const all = [...this.#active.values(), ...this.#warming.values()].map((c) => c.destroy());
    this.#active.clear();
    this.#warming.clear();
    await Promise.allSettled(all);
  }
}
