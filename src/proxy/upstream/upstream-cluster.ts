/**
 * One cluster at one config version, ready to serve: its host discovery and PrioritySet, load
 * balancer, upstream TLS, per-host connection pools, circuit-breaker counters and stats. The
 * cluster manager builds one per CDS/static Cluster and swaps it in once warm.
 */
import type { ConnectionOptions } from 'node:tls';
import type { ClusterConfig } from './cluster-config.js';
import type { ClusterStats } from './cluster-stats.js';
import type { HostDiscovery } from './discovery/host-discovery.js';
import { createDiscovery } from './discovery/create-discovery.js';
import { OriginalDstDiscovery, parseHostPort } from './discovery/original-dst.js';
import { EdsDiscovery } from './discovery/assignment-discovery.js';
import type { Host } from './host.js';
import { createLoadBalancer } from './lb/load-balancer.js';
import type { LoadBalancer, LbContext } from './lb/load-balancer.js';
import type { PrioritySet } from './priority-set.js';
import { clusterAdminView } from './admin-view.js';
import type { AdminClusterView } from '../admin/admin-source.js';
import { H1Pool } from './pool/h1-pool.js';
import { H2Pool } from './pool/h2-pool.js';
import type { ConnPool, PoolEvents } from './pool/upstream-request.js';
import type { UpstreamTlsContext } from '../tls/tls-context.js';
import { createClusterResources } from './resource-manager.js';
import type { ClusterResources } from './resource-manager.js';
import { OutlierDetector } from './outlier/outlier-detector.js';
import type { OutlierEvent } from './outlier/outlier-detector.js';
import { outlierStatsFor } from './outlier/outlier-stats.js';

export type PoolProtocol = 'http1' | 'http2';

/** A route's priority (RoutingPriority), as the cluster's resource managers are keyed. */
export type ResourcePriority = 'default' | 'high';

/** Why pool() has no pool to give: the TLS secrets have not arrived, or max_connection_pools. */
export type PoolUnavailable = 'tls_not_ready' | 'pool_overflow';

interface HostPools {
  /** Index poolSlot(protocol, priority): Envoy keeps a pool per routing priority and protocol. */
  readonly pools: (ConnPool | null)[];
  /** The TLS options the pools were built with; a rotated certificate means new pools. */
  tls: Readonly<ConnectionOptions> | null;
}

function poolSlot(protocol: PoolProtocol, priority: ResourcePriority): number {
  return (protocol === 'http2' ? 2 : 0) + (priority === 'high' ? 1 : 0);
}

function slotPriority(slot: number): ResourcePriority {
  return (slot & 1) === 1 ? 'high' : 'default';
}

export interface UpstreamClusterOptions {
  readonly config: ClusterConfig;
  readonly stats: ClusterStats;
  readonly tls: UpstreamTlsContext | null;
  readonly addedViaApi: boolean;
  readonly versionInfo: string;
  /** The raw Cluster JSON, for config_dump. */
  readonly json: Record<string, unknown>;
  /** The cluster this one replaces, whose hosts (and their counters) carry over. */
  readonly previous?: UpstreamCluster;
  /** Outlier detection decisions (ejections, returns), for the log. */
  readonly onOutlierEvent?: ((e: OutlierEvent) => void) | null;
}

export class UpstreamCluster {
  readonly config: ClusterConfig;
  readonly name: string;
  readonly stats: ClusterStats;
  readonly discovery: HostDiscovery;
  readonly prioritySet: PrioritySet;
  readonly lb: LoadBalancer;
  readonly tls: UpstreamTlsContext | null;
  readonly addedViaApi: boolean;
  readonly versionInfo: string;
  readonly json: Record<string, unknown>;
  readonly lastUpdated = new Date();
  /** The circuit breakers' live counts (Envoy's ResourceManager), per routing priority. */
  readonly resources: ClusterResources;
  /** Envoy's outlier detector; null without outlier_detection. */
  readonly outlier: OutlierDetector | null;
  readonly #pools = new Map<Host, HostPools>();
  readonly #originalDst: OriginalDstDiscovery | null;
  /** start() lifts the ejections a previous version's outlier detection made. */
  readonly #releaseOutliers: boolean;
  #closed = false;

  constructor(opts: UpstreamClusterOptions) {
    this.config = opts.config;
    this.name = opts.config.name;
    this.stats = opts.stats;
    this.tls = opts.tls;
    this.addedViaApi = opts.addedViaApi;
    this.versionInfo = opts.versionInfo;
    this.json = opts.json;
    this.resources = createClusterResources(opts.config.circuitBreakers, (priority) => opts.stats.circuitBreakerScope(priority));
    this.discovery = createDiscovery(opts.config, opts.previous ? { prioritySet: opts.previous.prioritySet } : {});
    this.prioritySet = this.discovery.prioritySet;
    this.lb = createLoadBalancer(opts.config, this.prioritySet);
    const od = opts.config.outlier;
    const onEvent = opts.onOutlierEvent ?? undefined;
    this.outlier = od === null ? null : new OutlierDetector(opts.config.name, od, this.prioritySet, outlierStatsFor(opts.stats), onEvent ? { onEvent } : {});
    this.#releaseOutliers = od === null && opts.previous?.outlier != null;
    this.#originalDst = this.discovery instanceof OriginalDstDiscovery ? this.discovery : null;
    const stats = this.stats;
    this.discovery.onResolve = (event) => {
      if (event === 'attempt') stats.updateAttempt.inc();
      else if (event === 'failed') stats.updateFailure.inc();
      else {
        stats.updateSuccess.inc();
        if (event === 'unchanged') stats.updateNoRebuild.inc();
      }
    };
    this.discovery.onUpdate = (change) => {
      this.#updateMembershipStats();
      this.stats.membershipChange.inc();
      for (const h of change.removed) this.#retirePools(h);
    };
  }

  /** Starts discovery (DNS resolution, EDS watch); `initialized` settles once warm. */
  start(): void {
    if (this.outlier !== null) this.outlier.start();
    // A previous version's ejections end with its outlier detection (Envoy builds new hosts).
    else if (this.#releaseOutliers) OutlierDetector.release(this.prioritySet, outlierStatsFor(this.stats));
    this.discovery.start();
    this.#updateMembershipStats();
  }

  get initialized(): Promise<void> {
    return this.discovery.initialized;
  }

  /** The EDS service name this cluster waits for, or null when it is not an EDS cluster. */
  get edsServiceName(): string | null {
    return this.discovery instanceof EdsDiscovery ? this.discovery.serviceName : null;
  }

  /** ORIGINAL_DST: the header consulted for the destination, or null. */
  get originalDstHeader(): string | null {
    return this.#originalDst?.headerName ?? null;
  }

  /**
   * Picks the host for one request; null means no healthy host (503 UH). ORIGINAL_DST clusters
   * route to the address in their header (use_http_header), else to the connection's original
   * destination — but only one a listener restored (Envoy's localAddressRestored(): the
   * original_dst listener filter read SO_ORIGINAL_DST). A connection's plain local address is
   * this proxy itself, so without a restored one there is no host, as in Envoy.
   */
  chooseHost(ctx: LbContext, originalDst?: { header: string | null; address: string; port: number; restored?: boolean }): Host | null {
    const od = this.#originalDst;
    if (od !== null) {
      if (!originalDst) return null;
      const header = originalDst.header;
      if (header !== null && od.headerName !== null && parseHostPort(header) === null) this.stats.originalDstHostInvalid.inc();
      return od.chooseHost(header, originalDst.restored === true ? originalDst.address : null, originalDst.port);
    }
    return this.lb.chooseHost(ctx);
  }

  /**
   * The keep-alive pool to `host` for the protocol and routing priority, created on first use.
   * 'tls_not_ready' while the cluster's TLS secrets have not arrived (the router answers as for a
   * connection failure); 'pool_overflow' when max_connection_pools of that priority is reached
   * and no idle pool can be freed (Envoy's ConnPoolMap::getPool: upstream_cx_pool_overflow, and
   * the router answers 503 "no healthy upstream").
   */
  pool(host: Host, protocol: PoolProtocol, priority: ResourcePriority = 'default'): ConnPool | PoolUnavailable {
    let entry = this.#pools.get(host);
    const tls = this.tls ? this.tls.connectOptions() : null;
    if (this.tls !== null && tls === null) return 'tls_not_ready';
    if (entry !== undefined && entry.tls !== tls) {
      // The certificate rotated (SDS): new connections use the new one, old ones finish.
      this.#retirePools(host);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { pools: [null, null, null, null], tls };
      this.#pools.set(host, entry);
    }
    const slot = poolSlot(protocol, priority);
    const existing = entry.pools[slot]!;
    if (existing !== null) return existing;
    const limit = this.resources[priority].connectionPools;
    if (!limit.canCreate() && !this.#freeIdlePool(priority)) {
      this.stats.cxPoolOverflow.inc();
      return 'pool_overflow';
    }
    limit.inc();
    const pool = this.#createPool(host, protocol, tls, priority);
    entry.pools[slot] = pool;
    return pool;
  }

  /**
   * Envoy erases a pool as soon as it has no connection and no request left (its idle
   * callback), which gives back its max_connection_pools unit; tsmesh keeps idle pools around
   * and frees one only when a new pool would overflow. Returns whether one was freed.
   */
  #freeIdlePool(priority: ResourcePriority): boolean {
    for (const entry of this.#pools.values()) {
      for (let slot = 0; slot < entry.pools.length; slot++) {
        const pool = entry.pools[slot]!;
        if (pool === null || slotPriority(slot) !== priority || !pool.isIdle()) continue;
        entry.pools[slot] = null;
        this.resources[priority].connectionPools.dec();
        void pool.destroy();
        return true;
      }
    }
    return false;
  }

  #createPool(host: Host, protocol: PoolProtocol, tls: Readonly<ConnectionOptions> | null, priority: ResourcePriority): ConnPool {
    const stats = this.stats;
    const events: PoolEvents = {
      onConnect() {
        stats.cxTotal.inc();
        (protocol === 'http2' ? stats.cxHttp2Total : stats.cxHttp1Total).inc();
        stats.cxActive.inc();
        host.cxTotal++;
        host.activeConnections++;
      },
      onDisconnect(idleTimeout) {
        stats.cxActive.dec();
        stats.cxDestroy.inc();
        if (idleTimeout) stats.cxIdleTimeout.inc();
        host.activeConnections--;
      },
      onConnectFail(timedOut) {
        stats.cxConnectFail.inc();
        if (timedOut) stats.cxConnectTimeout.inc();
        host.cxConnectFail++;
      },
      onPendingStart() {
        stats.rqPendingTotal.inc();
        stats.rqPendingActive.inc();
      },
      onPendingEnd(cancelled) {
        stats.rqPendingActive.dec();
        if (cancelled) stats.rqCancelled.inc();
      },
      onPendingOverflow() {
        stats.rqPendingOverflow.inc();
      },
      onConnectionOverflow() {
        stats.cxOverflow.inc();
      },
      onPendingFailureEject() {
        stats.rqPendingFailureEject.inc();
      },
      onMaxRequests() {
        stats.cxMaxRequests.inc();
      },
    };
    const cfg = this.config;
    const tlsOptions = tls ? (tls as ConnectionOptions) : null;
    // The route's priority picks the thresholds its pools count connections and pending requests against.
    const resources = this.resources[priority];
    const idleTimeoutMs = cfg.http.idleTimeoutMs || 3_600_000;
    if (protocol === 'http2') {
      return new H2Pool({
        host: host.address,
        port: host.port,
        connectTimeoutMs: cfg.connectTimeoutMs,
        idleTimeoutMs,
        tls: tlsOptions,
        events,
        resources,
        bind: cfg.upstreamBind,
        maxRequestsPerConnection: cfg.http.maxRequestsPerConnection,
        maxConcurrentStreams: cfg.http.http2?.maxConcurrentStreams ?? 2147483647,
      });
    }
    return new H1Pool({
      host: host.address,
      port: host.port,
      connectTimeoutMs: cfg.connectTimeoutMs,
      idleTimeoutMs,
      maxRequestsPerConnection: cfg.http.maxRequestsPerConnection,
      tls: tlsOptions,
      events,
      resources,
      bind: cfg.upstreamBind,
    });
  }

  /** Which pool protocol a request uses, from the cluster's protocol options and the downstream's. */
  poolProtocol(downstreamIsH2: boolean): PoolProtocol {
    const p = this.config.http.protocol;
    if (p === 'http2') return 'http2';
    if (p === 'downstream') return downstreamIsH2 ? 'http2' : 'http1';
    return 'http1';
  }

  #retirePools(host: Host): void {
    const entry = this.#pools.get(host);
    if (entry === undefined) return;
    this.#pools.delete(host);
    for (let slot = 0; slot < entry.pools.length; slot++) {
      const pool = entry.pools[slot]!;
      if (pool === null) continue;
      this.resources[slotPriority(slot)].connectionPools.dec();
      void pool.drain().catch(() => undefined);
    }
  }

  #updateMembershipStats(): void {
    let healthy = 0;
    let degraded = 0;
    const hosts = this.prioritySet.hosts;
    for (const h of hosts) {
      const health = h.health();
      if (health === 'healthy') healthy++;
      else if (health === 'degraded') degraded++;
    }
    this.stats.membershipTotal.set(hosts.length);
    this.stats.membershipHealthy.set(healthy);
    this.stats.membershipDegraded.set(degraded);
  }

  adminView(): AdminClusterView {
    return clusterAdminView(this.config, this.prioritySet, this.addedViaApi, this.outlier);
  }

  /**
   * Stops discovery and lets the pools finish what is in flight, then close. Called when a newer
   * version replaced this cluster or it was removed; requests already routed here still complete.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.outlier?.close();
    this.discovery.stop();
    this.tls?.close();
    for (const host of [...this.#pools.keys()]) this.#retirePools(host);
  }

  /** Closes every upstream connection now (process exit). */
  async destroy(): Promise<void> {
    this.#closed = true;
    this.outlier?.close();
    this.discovery.stop();
    const all: Promise<void>[] = [];
    for (const entry of this.#pools.values()) {
      for (let slot = 0; slot < entry.pools.length; slot++) {
        const pool = entry.pools[slot]!;
        if (pool === null) continue;
        this.resources[slotPriority(slot)].connectionPools.dec();
        all.push(pool.destroy());
      }
    }
    this.#pools.clear();
    await Promise.allSettled(all);
  }
}
