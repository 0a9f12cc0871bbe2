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
  /** Optional extras (added by the admin helper); the admin server prints Envoy's defaults when absent. */
  hostname?: string;
  canary?: boolean;
  /** Outlier detection success rates in percent; -1 or absent when not computed. */
  successRate?: number;
  localOriginSuccessRate?: number;
}

/** Circuit breaker thresholds of one routing priority. */
export interface AdminThresholds {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
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
  /** Optional extras (added by the admin helper). observabilityName defaults to name. */
  observabilityName?: string;
  edsServiceName?: string;
  /** HIGH priority thresholds; Envoy's defaults (1024, 1024, 1024, 3) when absent. */
  highPriority?: AdminThresholds;
  /** Outlier detector figures, printed as `NAME::outlier::…` when present. */
  outlier?: {
    successRateAverage: number;
    successRateEjectionThreshold: number;
    localOriginSuccessRateAverage: number;
    localOriginSuccessRateEjectionThreshold: number;
  };
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
  /**
   * The server state; DRAINING while /healthcheck/fail is in effect (Envoy's
   * Utility::serverState), so /ready answers 503 then.
   */
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
  /**
   * /drain_listeners: stop accepting; in-flight requests finish. `inboundOnly` (?inboundonly)
   * limits it to inbound listeners; `graceful` (?graceful) runs the drain sequence first.
   */
  drainListeners(options?: { inboundOnly: boolean; graceful: boolean }): void;
  /** Updates computed gauges (server.live, server.uptime …) before /stats renders: Envoy's stats flush. */
  refreshStats?(): void;
  /** /certs: Envoy's Certificates JSON ({"certificates": [...]}); `{"certificates": []}` when absent. */
  certs?(): Record<string, unknown>;
}
