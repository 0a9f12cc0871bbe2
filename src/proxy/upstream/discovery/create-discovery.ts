/** Picks the discovery for a cluster's type; the cluster manager owns the result. */
import type { ClusterConfig } from '../cluster-config.js';
import type { PrioritySet } from '../priority-set.js';
import { EdsDiscovery, StaticDiscovery } from './assignment-discovery.js';
import { systemResolver } from './dns-resolver.js';
import type { DnsResolver } from './dns-resolver.js';
import { systemTimers } from './host-discovery.js';
import type { HostDiscovery, Timers } from './host-discovery.js';
import { LogicalDnsDiscovery } from './logical-dns.js';
import { OriginalDstDiscovery } from './original-dst.js';
import { StrictDnsDiscovery } from './strict-dns.js';

export interface DiscoveryDeps {
  readonly resolver?: DnsResolver;
  readonly timers?: Timers;
  /** The PrioritySet of the cluster's previous config, to keep its hosts across a CDS update. */
  readonly prioritySet?: PrioritySet;
}

export function createDiscovery(config: ClusterConfig, deps: DiscoveryDeps = {}): HostDiscovery {
  const resolver = deps.resolver ?? systemResolver;
  const timers = deps.timers ?? systemTimers;
  const ps = deps.prioritySet;
  switch (config.type) {
    case 'STATIC':
      return new StaticDiscovery(config, ps);
    case 'EDS':
      return new EdsDiscovery(config, ps);
    case 'STRICT_DNS':
      return new StrictDnsDiscovery(config, resolver, timers, ps);
    case 'LOGICAL_DNS':
      return new LogicalDnsDiscovery(config, resolver, timers, ps);
    case 'ORIGINAL_DST':
      return new OriginalDstDiscovery(config, timers, ps);
  }
}
