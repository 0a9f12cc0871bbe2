/**
 * STRICT_DNS: every lb_endpoint names a DNS target; every address it resolves to becomes a host
 * with the endpoint's port, weight, locality and priority. Hosts whose address survives a
 * refresh keep their Host object. The cluster is warm once every target has had its first
 * attempt (success or failure).
 */
import type { ClusterConfig } from '../cluster-config.js';
import type { PrioritySet } from '../priority-set.js';
import type { HostSpec } from '../host.js';
import type { LoadAssignment } from '../load-assignment.js';
import type { DnsResolver } from './dns-resolver.js';
import { DnsTarget } from './dns-target.js';
import type { DnsOutcome } from './dns-target.js';
import { HostDiscovery } from './host-discovery.js';
import type { Timers } from './host-discovery.js';

export class StrictDnsDiscovery extends HostDiscovery {
  readonly #assignment: LoadAssignment;
  /** One target per lb_endpoint, in assignment order (parallel to the assignment's endpoints). */
  readonly #targets: DnsTarget[];
  #pending: number;

  constructor(config: ClusterConfig, resolver: DnsResolver, timers: Timers, prioritySet?: PrioritySet) {
    super(prioritySet);
    this.#assignment = config.loadAssignment;
    this.#targets = this.#assignment.endpoints.map(
      (ep) =>
        new DnsTarget(
          ep.address,
          config.dns,
          resolver,
          timers,
          (_t, outcome) => this.#onResolved(outcome),
          () => this.onResolve?.('attempt'),
        ),
    );
    this.#pending = this.#targets.length;
  }

  start(): void {
    if (this.#targets.length === 0) this.markInitialized();
    for (const t of this.#targets) t.start();
  }

  stop(): void {
    for (const t of this.#targets) t.stop();
  }

  #onResolved(outcome: DnsOutcome): void {
    this.onResolve?.(outcome);
    if (outcome === 'changed') {
      const specs: HostSpec[] = [];
      this.#targets.forEach((t, i) => {
        const ep = this.#assignment.endpoints[i]!;
        for (const address of t.addresses ?? []) specs.push({ ...ep, address, hostname: ep.address });
      });
      this.publish(this.prioritySet.update(specs, this.#assignment.overprovisioningFactor));
    }
    if (this.#pending > 0 && --this.#pending === 0) this.markInitialized();
  }
}
