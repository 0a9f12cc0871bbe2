/**
 * LOGICAL_DNS: one logical host for the single lb_endpoint, connected to the first address the
 * name resolves to. Envoy keeps one host object and points new connections at the new address;
 * here a changed first address replaces the host (the old one is reported removed, so its pool
 * drains while the new one serves). The cluster is warm after the first attempt.
 */
import type { ClusterConfig } from '../cluster-config.js';
import type { PrioritySet } from '../priority-set.js';
import type { HostSpec } from '../host.js';
import type { DnsResolver } from './dns-resolver.js';
import { DnsTarget } from './dns-target.js';
import { HostDiscovery } from './host-discovery.js';
import type { Timers } from './host-discovery.js';

export class LogicalDnsDiscovery extends HostDiscovery {
  readonly #endpoint: HostSpec;
  readonly #overprovisioningFactor: number;
  readonly #target: DnsTarget;
  #current: string | null = null;

  constructor(config: ClusterConfig, resolver: DnsResolver, timers: Timers, prioritySet?: PrioritySet) {
    super(prioritySet);
    const ep = config.loadAssignment.endpoints[0];
    if (ep === undefined) throw new Error(`LOGICAL_DNS cluster ${config.name} has no endpoint`);
    this.#endpoint = ep;
    this.#overprovisioningFactor = config.loadAssignment.overprovisioningFactor;
    this.#target = new DnsTarget(
      ep.address,
      config.dns,
      resolver,
      timers,
      (_t, outcome) => {
        this.onResolve?.(outcome);
        this.#onResolved();
      },
      () => this.onResolve?.('attempt'),
    );
  }

  start(): void {
    this.#target.start();
  }

  stop(): void {
    this.#target.stop();
  }

  #onResolved(): void {
    // An empty answer keeps the current host, as Envoy's logical host does.
    const first = this.#target.addresses?.[0];
    if (first !== undefined && first !== this.#current) {
      this.#current = first;
      const spec: HostSpec = { ...this.#endpoint, address: first, hostname: this.#endpoint.address };
      this.publish(this.prioritySet.update([spec], this.#overprovisioningFactor));
    }
    this.markInitialized();
  }
}
