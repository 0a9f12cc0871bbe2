/**
 * One upstream endpoint (Envoy's Upstream::Host): where to connect, how much load it takes, its
 * health, and the counters /clusters and the load balancers read.
 *
 * A Host is a long-lived mutable runtime object, not config: EDS and DNS updates keep the same
 * object for an unchanged address:port (see PrioritySet.update) so its counters, its outlier
 * state and the connection pool the cluster manager keys by it survive the update.
 */
import type { AdminHostView } from '../admin/admin-source.js';
import type { HostMonitor } from './outlier/host-monitor.js';

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

export const NO_LOCALITY: Locality = Object.freeze({ region: '', zone: '', subZone: '' });

export function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subZone}`;
}

/** What a load balancer sees: Envoy's Host::Health. */
export type HostHealth = 'healthy' | 'degraded' | 'unhealthy';

/**
 * Envoy's Host::HealthFlag bits. Several sources set them independently (EDS, outlier detection,
 * active health checking); a host is unhealthy while any FAILED_* bit is set.
 */
export const HealthFlag = {
  FAILED_ACTIVE_HC: 0x01,
  FAILED_OUTLIER_CHECK: 0x02,
  FAILED_EDS_HEALTH: 0x04,
  DEGRADED_ACTIVE_HC: 0x08,
  DEGRADED_EDS_HEALTH: 0x10,
  PENDING_DYNAMIC_REMOVAL: 0x20,
  PENDING_ACTIVE_HC: 0x40,
  EXCLUDED_VIA_IMMEDIATE_HC_FAIL: 0x80,
  ACTIVE_HC_TIMEOUT: 0x100,
  EDS_STATUS_DRAINING: 0x200,
} as const;

const FAILED_MASK = HealthFlag.FAILED_ACTIVE_HC | HealthFlag.FAILED_OUTLIER_CHECK | HealthFlag.FAILED_EDS_HEALTH;
const DEGRADED_MASK = HealthFlag.DEGRADED_ACTIVE_HC | HealthFlag.DEGRADED_EDS_HEALTH;
/** The flags EDS owns, replaced as a group on every assignment. */
export const EDS_FLAGS = HealthFlag.FAILED_EDS_HEALTH | HealthFlag.DEGRADED_EDS_HEALTH | HealthFlag.EDS_STATUS_DRAINING;

/** Envoy's order and words for health_flags in /clusters (HostUtility::healthFlagsToString). */
const FLAG_WORDS: readonly (readonly [number, string])[] = [
  [HealthFlag.FAILED_ACTIVE_HC, '/failed_active_hc'],
  [HealthFlag.FAILED_OUTLIER_CHECK, '/failed_outlier_check'],
  [HealthFlag.FAILED_EDS_HEALTH, '/failed_eds_health'],
  [HealthFlag.DEGRADED_ACTIVE_HC, '/degraded_active_hc'],
  [HealthFlag.DEGRADED_EDS_HEALTH, '/degraded_eds_health'],
  [HealthFlag.PENDING_DYNAMIC_REMOVAL, '/pending_dynamic_removal'],
  [HealthFlag.PENDING_ACTIVE_HC, '/pending_active_hc'],
  [HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, '/excluded_via_immediate_hc_fail'],
  [HealthFlag.ACTIVE_HC_TIMEOUT, '/active_hc_timeout'],
  [HealthFlag.EDS_STATUS_DRAINING, '/eds_status_draining'],
];

/** EDS HealthStatus, by enum number (envoy.config.core.v3.HealthStatus). */
export const EDS_HEALTH_STATUSES = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'] as const;
export type EdsHealthStatus = (typeof EDS_HEALTH_STATUSES)[number];

/** The EDS-owned health flags for a status: UNKNOWN/HEALTHY route, DEGRADED is a last resort. */
export function edsHealthFlags(status: EdsHealthStatus): number {
  switch (status) {
    case 'UNKNOWN':
    case 'HEALTHY':
      return 0;
    case 'DEGRADED':
      return HealthFlag.DEGRADED_EDS_HEALTH;
    case 'DRAINING':
      return HealthFlag.FAILED_EDS_HEALTH | HealthFlag.EDS_STATUS_DRAINING;
    case 'UNHEALTHY':
    case 'TIMEOUT':
      return HealthFlag.FAILED_EDS_HEALTH;
  }
}

/** The endpoint fields an assignment (or DNS) gives a host; everything but address:port may change. */
export interface HostSpec {
  readonly address: string;
  readonly port: number;
  /** Endpoint.hostname, or the DNS name the address was resolved from. */
  readonly hostname: string;
  /** LbEndpoint.load_balancing_weight, ≥ 1. */
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  /** Locality load_balancing_weight; 0 when unset (such a locality gets no traffic when locality weighting is on). */
  readonly localityWeight: number;
  readonly edsHealth: EdsHealthStatus;
  /** LbEndpoint.metadata (filter_metadata …), raw; null when absent. */
  readonly metadata: Readonly<Record<string, unknown>> | null;
}

export class Host {
  readonly address: string;
  readonly port: number;
  /** `address:port` (`[v6]:port`), the identity a host keeps across updates. */
  readonly key: string;
  hostname: string;
  weight: number;
  priority: number;
  locality: Locality;
  localityWeight: number;
  metadata: Readonly<Record<string, unknown>> | null;
  /** HealthFlag bits. Change them through PrioritySet.setHealthFlag so load balancers notice. */
  healthFlags: number;

  // Gauges and counters, bumped by the pools and the router.
  activeRequests = 0;
  activeConnections = 0;
  cxTotal = 0;
  cxConnectFail = 0;
  rqTotal = 0;
  rqSuccess = 0;
  rqError = 0;
  rqTimeout = 0;
  /** ORIGINAL_DST: set on every pick, cleared by the cleanup sweep (Envoy's Host::used()). */
  used = true;
  /**
   * Outlier detection's view of this host (Envoy's Host::outlierDetector()); null when the
   * cluster has no outlier_detection. The router reports results to it.
   */
  outlier: HostMonitor | null = null;

  constructor(spec: HostSpec) {
    this.address = spec.address;
    this.port = spec.port;
    this.key = hostKey(spec.address, spec.port);
    this.hostname = spec.hostname;
    this.weight = spec.weight;
    this.priority = spec.priority;
    this.locality = spec.locality;
    this.localityWeight = spec.localityWeight;
    this.metadata = spec.metadata;
    this.healthFlags = edsHealthFlags(spec.edsHealth);
  }

  /** Takes an update's endpoint fields, keeping counters and non-EDS health flags. */
  apply(spec: HostSpec): void {
    this.hostname = spec.hostname;
    this.weight = spec.weight;
    this.priority = spec.priority;
    this.locality = spec.locality;
    this.localityWeight = spec.localityWeight;
    this.metadata = spec.metadata;
    this.healthFlags = (this.healthFlags & ~EDS_FLAGS) | edsHealthFlags(spec.edsHealth);
  }

  health(): HostHealth {
    const f = this.healthFlags;
    if ((f & FAILED_MASK) !== 0) return 'unhealthy';
    if ((f & DEGRADED_MASK) !== 0) return 'degraded';
    return 'healthy';
  }

  /** Envoy's health_flags text: "healthy" or "/failed_eds_health/…". */
  healthFlagsText(): string {
    if (this.healthFlags === 0) return 'healthy';
    let out = '';
    for (const [bit, word] of FLAG_WORDS) if ((this.healthFlags & bit) !== 0) out += word;
    return out;
  }

  adminView(): AdminHostView {
    return {
      address: this.address,
      port: this.port,
      weight: this.weight,
      priority: this.priority,
      region: this.locality.region,
      zone: this.locality.zone,
      subZone: this.locality.subZone,
      healthy: this.health() !== 'unhealthy',
      healthFlags: this.healthFlagsText(),
      cxActive: this.activeConnections,
      cxConnectFail: this.cxConnectFail,
      cxTotal: this.cxTotal,
      rqActive: this.activeRequests,
      rqError: this.rqError,
      rqSuccess: this.rqSuccess,
      rqTimeout: this.rqTimeout,
      rqTotal: this.rqTotal,
      hostname: this.hostname,
      ...(this.outlier !== null ? { successRate: this.outlier.successRate, localOriginSuccessRate: this.outlier.localOriginSuccessRate } : {}),
    };
  }
}

export function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
