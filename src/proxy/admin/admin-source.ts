import type { StatsStore } from '../../telemetry/stats/stats-store.js';

/** Envoy's server states as /ready and /server_info report them. */
export type ServerState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' | 'DRAINING';

/** One upstream host as /clusters shows it. */
export interface AdminHostView {
  address: string;
  port: number;
  weight: number;
  priority: number;
  zone: string;
  region: string;
  subZone: string;
  healthy: boolean;
  /** Envoy's health_flags words ("healthy", "/failed_eds_health", "/failed_outlier_check" …). */
  healthFlags: string;
  cxActive: number;
  cxConnectFail: number;
  cxTotal: number;
  rqActive: number;
  rqError: number;
  rqSuccess: number;
  rqTimeout: number;
  rqTotal: number;
}

export interface AdminClusterView {
  name: string;
  addedViaApi: boolean;
  /** circuit breaker thresholds for the DEFAULT priority */
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  hosts: AdminHostView[];
}

export interface AdminListenerView {
  name: string;
  address: string;
  port: number;
}

/**
 * What the admin server asks the running proxy. The proxy implements it; the admin server
 * only renders, so its formats can be tested with a fake source.
 */
export interface AdminSource {
  readonly stats: StatsStore;
  state(): ServerState;
  /** The node from the bootstrap, in proto3 JSON form (id, cluster, metadata …). */
  node(): Record<string, unknown>;
  /** Seconds since the proxy started, and since its current hot-restart epoch (same here). */
  uptimeSeconds(): number;
  commandLineOptions(): Record<string, unknown>;
  /**
   * The configs in Envoy's ConfigDump order, each already in proto3 JSON form with its
   * "@type": BootstrapConfigDump, ClustersConfigDump, ListenersConfigDump, ScopedRoutesConfigDump,
   * RoutesConfigDump, SecretsConfigDump; and EndpointsConfigDump when includeEds is set.
   */
  configDump(includeEds: boolean): Record<string, unknown>[];
  clusters(): AdminClusterView[];
  listeners(): AdminListenerView[];
  /** Starts draining and exits the process with status 0 once drained. */
  quit(): void;
  /** /healthcheck/fail and /healthcheck/ok: makes /ready (and inbound health checks) fail. */
  setHealthCheckFailed(failed: boolean): void;
  /** /drain_listeners: stop accepting; in-flight requests finish. */
  drainListeners(): void;
}
