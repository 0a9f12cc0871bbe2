/**
 * ORIGINAL_DST: hosts are made on demand from where the downstream connection was originally
 * going (the address iptables redirected from) or, with original_dst_lb_config.use_http_header,
 * from the `x-envoy-original-dst-host: IP:PORT` request header, which takes precedence; an
 * invalid header falls back to the connection's destination, as in Envoy. Every cleanup_interval
 * a sweep removes hosts that were not picked since the previous sweep and carry no traffic.
 * The cluster is warm at once.
 */
import { isIP } from 'node:net';
import type { ClusterConfig, OriginalDstConfig } from '../cluster-config.js';
import type { PrioritySet } from '../priority-set.js';
import { Host, NO_LOCALITY } from '../host.js';
import { HostDiscovery } from './host-discovery.js';
import type { Timers } from './host-discovery.js';

export class OriginalDstDiscovery extends HostDiscovery {
  readonly #config: OriginalDstConfig;
  readonly #timers: Timers;
  /** address → port → host, so a pick builds no key string. */
  readonly #byAddress = new Map<string, Map<number, Host>>();
  #timer: unknown = null;

  constructor(config: ClusterConfig, timers: Timers, prioritySet?: PrioritySet) {
    super(prioritySet);
    this.#config = config.originalDst;
    this.#timers = timers;
    for (const h of this.prioritySet.hosts) this.#index(h);
  }

  /** The header the router should pass to chooseHost, or null when headers are not consulted. */
  get headerName(): string | null {
    return this.#config.useHttpHeader ? this.#config.httpHeaderName : null;
  }

  start(): void {
    this.#schedule();
    this.markInitialized();
  }

  stop(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * The host for a request: from `headerValue` (the value of `headerName`, or null) when valid,
   * else from the connection's original destination; null when neither is known.
   */
  chooseHost(headerValue: string | null, address: string | null, port: number): Host | null {
    if (headerValue !== null && this.#config.useHttpHeader) {
      const parsed = parseHostPort(headerValue);
      if (parsed !== null) return this.hostFor(parsed.address, parsed.port);
    }
    return address === null ? null : this.hostFor(address, port);
  }

  hostFor(address: string, port: number): Host {
    const p = this.#config.upstreamPortOverride ?? port;
    let host = this.#byAddress.get(address)?.get(p);
    if (host === undefined) {
      host = new Host({
        address,
        port: p,
        hostname: '',
        weight: 1,
        priority: 0,
        locality: NO_LOCALITY,
        localityWeight: 0,
        edsHealth: 'UNKNOWN',
        metadata: null,
      });
      this.#index(host);
      this.prioritySet.addHosts([host]);
      this.publish({ added: [host], removed: [] });
    }
    host.used = true;
    return host;
  }

  /** One cleanup pass (Envoy's OriginalDstCluster::cleanup); exposed for tests. */
  cleanup(): void {
    const removed: Host[] = [];
    for (const [address, ports] of this.#byAddress) {
      for (const [port, host] of ports) {
        if (host.used || host.activeRequests > 0 || host.activeConnections > 0) {
          host.used = false;
        } else {
          ports.delete(port);
          removed.push(host);
        }
      }
      if (ports.size === 0) this.#byAddress.delete(address);
    }
    if (removed.length > 0) {
      this.prioritySet.removeHosts(removed);
      this.publish({ added: [], removed });
    }
  }

  #index(host: Host): void {
    let ports = this.#byAddress.get(host.address);
    if (ports === undefined) {
      ports = new Map();
      this.#byAddress.set(host.address, ports);
    }
    ports.set(host.port, host);
  }

  #schedule(): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.cleanup();
      this.#schedule();
    }, this.#config.cleanupIntervalMs);
  }
}

/** "10.1.2.3:8080" or "[::1]:8080" → address and port; null when not an IP and port. */
export function parseHostPort(value: string): { address: string; port: number } | null {
  const v = value.trim();
  const colon = v.lastIndexOf(':');
  if (colon <= 0) return null;
  let address = v.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  else if (address.includes(':')) return null;
  const portText = v.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port > 65535 || isIP(address) === 0) return null;
  return { address, port };
}
