/**
 * Envoy's outlier DetectorImpl for one cluster version: ejects hosts whose reported results cross
 * the configured thresholds, and brings them back at the interval sweep once their ejection time
 * has passed.
 *
 * - Consecutive 5xx / gateway failure / local-origin failure ejections run inline, when the
 *   host's counter reaches the threshold exactly (Envoy posts them to the main thread; tsmesh has
 *   one thread, so the host is out before the next pick).
 * - Every ejection first passes max_ejection_percent: 100 × (active + 1) / hosts must be ≤ it
 *   (always_eject_one_host lets the first one through regardless), else ejections_overflow; then
 *   the enforcing_* percentage for its type (random() × 100 < percent), else only detected.
 * - An ejected host stays out min(base_ejection_time × backoff, max_ejection_time) + jitter;
 *   backoff grows by one per ejection (while backoff × base < max + base) and shrinks by one per
 *   sweep the host spends healthy at least an interval after its last return.
 * - The sweep (every `interval`) returns hosts whose time is up, then runs success-rate and
 *   failure-percentage detection over the interval's buckets.
 *
 * Clock, randomness and timer are injected; the monitors live on the Host, so a new config
 * version takes over the hosts' state (`adopt`) instead of starting over.
 */
import { HealthFlag } from '../host.js';
import type { Host } from '../host.js';
import type { PrioritySet } from '../priority-set.js';
import type { OutlierConfig } from './outlier-config.js';
import { HostMonitor } from './host-monitor.js';
import type { EjectionType, MonitorOwner } from './host-monitor.js';
import type { OutlierStats } from './outlier-stats.js';

/** One decision, for logs and tests (Envoy's outlier event log: EJECT / UNEJECT). */
export interface OutlierEvent {
  /** eject; detected but not enforced (enforcing_* percentage); refused by max_ejection_percent; uneject. */
  readonly action: 'eject' | 'not_enforced' | 'overflow' | 'uneject';
  readonly cluster: string;
  readonly host: string;
  readonly type: EjectionType | null;
  readonly numEjections: number;
  /** eject: the ejection time (the host returns at the first sweep after it); else 0. */
  readonly ejectionTimeMs: number;
  /** One line saying why. */
  readonly text: string;
}

export interface OutlierDeps {
  /** Monotonic milliseconds; performance.now by default. */
  readonly now?: () => number;
  /** Uniform in [0, 1); Math.random by default. */
  readonly random?: () => number;
  /** Arms the next sweep; an unref'd setTimeout by default. Returns the cancel function. */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
  readonly onEvent?: (e: OutlierEvent) => void;
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

interface SrNums {
  average: number;
  threshold: number;
}

export class OutlierDetector implements MonitorOwner {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly #monitors = new Map<Host, HostMonitor>();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => () => void;
  readonly #onEvent: ((e: OutlierEvent) => void) | undefined;
  #unsubscribe: () => void = () => undefined;
  #started = false;
  #cancelTimer: (() => void) | null = null;
  #active = 0;
  #closed = false;
  readonly external: SrNums = { average: -1, threshold: -1 };
  readonly local: SrNums = { average: -1, threshold: -1 };

  constructor(
    readonly cluster: string,
    readonly config: OutlierConfig,
    private readonly prioritySet: PrioritySet,
    private readonly stats: OutlierStats,
    deps: OutlierDeps = {},
  ) {
    this.consecutive5xx = config.consecutive5xx;
    this.consecutiveGatewayFailure = config.consecutiveGatewayFailure;
    this.consecutiveLocalOriginFailure = config.consecutiveLocalOriginFailure;
    this.splitExternalLocalOriginErrors = config.splitExternalLocalOriginErrors;
    this.#now = deps.now ?? (() => performance.now());
    this.#random = deps.random ?? Math.random;
    this.#setTimer = deps.setTimer ?? defaultTimer;
    this.#onEvent = deps.onEvent;
  }

  /**
   * Takes charge of the cluster's hosts (from a previous version's detector too) and starts the
   * sweep. Separate from the constructor: a cluster built for an update that is then rejected
   * must not take the hosts from the version still serving.
   */
  start(): this {
    if (this.#started || this.#closed) return this;
    this.#started = true;
    this.stats.current = this;
    const ps = this.prioritySet;
    for (const h of ps.hosts) this.#adopt(h);
    this.#unsubscribe = ps.onChange((change) => {
      for (const h of change.added) this.#adopt(h);
      for (const h of change.removed) {
        if (!this.#monitors.delete(h)) continue;
        if ((h.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) this.#active--;
      }
      this.#publishActive();
    });
    this.#publishActive();
    this.#arm();
    return this;
  }

  /**
   * Ends outlier detection for hosts no detector took over (the cluster was removed, or its new
   * version has no outlier_detection): their ejections are lifted, as a new Envoy cluster
   * starts with healthy hosts.
   */
  static release(prioritySet: PrioritySet, stats: OutlierStats | null): void {
    for (const h of prioritySet.hosts) {
      if (h.outlier === null) continue;
      h.outlier.owner = DETACHED;
      h.outlier = null;
      if ((h.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) prioritySet.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK, false);
    }
    if (stats !== null) {
      stats.current = null;
      stats.ejectionsActive.set(0);
    }
  }

  get ejectionsActive(): number {
    return this.#active;
  }

  monitor(host: Host): HostMonitor | undefined {
    return this.#monitors.get(host);
  }

  /** Stops the sweep. Hosts another detector took over are left alone. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  #adopt(h: Host): void {
    if (this.#monitors.has(h)) return;
    let m = h.outlier;
    if (m === null) {
      m = new HostMonitor(this, h);
      h.outlier = m;
    } else {
      m.owner = this;
    }
    this.#monitors.set(h, m);
    if ((h.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) this.#active++;
  }

  #owns(m: HostMonitor): boolean {
    return !this.#closed && m.owner === this && this.#monitors.get(m.host) === m;
  }

  #publishActive(): void {
    if (this.stats.current === this) this.stats.ejectionsActive.set(this.#active);
  }

  #arm(): void {
    if (this.#closed) return;
    this.#cancelTimer = this.#setTimer(() => this.sweep(), this.config.intervalMs);
  }

  /** MonitorOwner: a consecutive-error counter reached its threshold. */
  onConsecutiveError(m: HostMonitor, type: EjectionType): void {
    if (!this.#owns(m) || (m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) return;
    this.stats.byType[type].detected.inc();
    this.#eject(m, type);
    // Reset so a new bout is detected even without an interleaved success.
    if (type === 'CONSECUTIVE_5XX') {
      this.stats.ejectionsConsecutive5xx.inc();
      m.consecutive5xx = 0;
    } else if (type === 'CONSECUTIVE_GATEWAY_FAILURE') {
      m.consecutiveGatewayFailure = 0;
    } else {
      m.consecutiveLocalOriginFailure = 0;
    }
  }

  #ejectionTime(m: HostMonitor): number {
    return Math.min(this.config.baseEjectionTimeMs * m.ejectTimeBackoff, this.config.maxEjectionTimeMs) + m.jitterMs;
  }

  #enforced(type: EjectionType): boolean {
    const c = this.config;
    const pct =
      type === 'CONSECUTIVE_5XX' ? c.enforcingConsecutive5xx
      : type === 'CONSECUTIVE_GATEWAY_FAILURE' ? c.enforcingConsecutiveGatewayFailure
      : type === 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE' ? c.enforcingConsecutiveLocalOriginFailure
      : type === 'SUCCESS_RATE' ? c.enforcingSuccessRate
      : type === 'SUCCESS_RATE_LOCAL_ORIGIN' ? c.enforcingLocalOriginSuccessRate
      : type === 'FAILURE_PERCENTAGE' ? c.enforcingFailurePercentage
      : c.enforcingFailurePercentageLocalOrigin;
    if (pct >= 100) return true;
    if (pct <= 0) return false;
    return Math.floor(this.#random() * 100) < pct;
  }

  #eject(m: HostMonitor, type: EjectionType): void {
    const c = this.config;
    const host = m.host;
    const maxPct = Math.min(100, c.maxEjectionPercent);
    const ejectedPct = (100 * (this.#active + 1)) / this.#monitors.size;
    let allowed = ejectedPct <= maxPct;
    if (c.alwaysEjectOneHost) allowed ||= this.#active === 0;
    if (!allowed) {
      this.stats.ejectionsOverflow.inc();
      this.#emit(m, 'overflow', type, 0, `${describe(type)}; not ejected: ${this.#active + 1} of ${this.#monitors.size} hosts ejected would exceed max_ejection_percent ${maxPct}%`);
      return;
    }
    if (type === 'CONSECUTIVE_5XX' || type === 'SUCCESS_RATE') this.stats.ejectionsTotal.inc();
    if (!this.#enforced(type)) {
      this.#emit(m, 'not_enforced', type, 0, `${describe(type)}; not ejected: the enforcing percentage for ${type} declined`);
      return;
    }
    this.#active++;
    this.#publishActive();
    this.stats.ejectionsEnforcedTotal.inc();
    this.stats.byType[type].enforced.inc();
    m.numEjections++;
    m.lastEjectionTime = this.#now();
    m.lastEjectionType = type;
    m.jitterMs = c.maxEjectionTimeJitterMs > 0 ? Math.floor(this.#random() * (c.maxEjectionTimeJitterMs + 1)) : 0;
    if (m.ejectTimeBackoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) m.ejectTimeBackoff++;
    this.prioritySet.setHealthFlag(host, HealthFlag.FAILED_OUTLIER_CHECK, true);
    const time = this.#ejectionTime(m);
    this.#emit(m, 'eject', type, time, `${describe(type)}; ejected for ${time} ms (ejection ${m.numEjections})`);
  }

  #emit(m: HostMonitor, action: OutlierEvent['action'], type: EjectionType | null, ejectionTimeMs: number, text: string): void {
    this.#onEvent?.({ action, cluster: this.cluster, host: m.host.key, type, numEjections: m.numEjections, ejectionTimeMs, text });
  }

  /** Envoy's onIntervalTimer: un-eject, rotate the success-rate buckets, detect, decay backoffs. */
  sweep(): void {
    if (this.#closed) return;
    this.#cancelTimer = null;
    const now = this.#now();
    for (const m of this.#monitors.values()) {
      if (m.owner !== this) continue; // taken over by a newer config version
      if ((m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0 && m.lastEjectionTime !== null) {
        if (this.#ejectionTime(m) <= now - m.lastEjectionTime) this.#uneject(m, now);
      }
      m.externalSr.rotate();
      m.localSr.rotate();
      m.successRate = -1;
      m.localOriginSuccessRate = -1;
    }
    this.#successRateEjections(false);
    this.#successRateEjections(true);
    for (const m of this.#monitors.values()) {
      if (m.owner !== this || (m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) continue;
      if (m.lastUnejectionTime !== null && now - m.lastUnejectionTime >= this.config.intervalMs && m.ejectTimeBackoff > 0) m.ejectTimeBackoff--;
    }
    this.#arm();
  }

  #uneject(m: HostMonitor, now: number): void {
    this.#active--;
    this.#publishActive();
    m.resetConsecutive();
    m.lastUnejectionTime = now;
    this.prioritySet.setHealthFlag(m.host, HealthFlag.FAILED_OUTLIER_CHECK, false);
    const out = m.lastEjectionTime === null ? 0 : Math.round(now - m.lastEjectionTime);
    this.#emit(m, 'uneject', m.lastEjectionType, 0, `returned to service after ${out} ms ejected`);
  }

  /** Envoy's processSuccessRateEjections, for external (false) or local-origin (true) results. */
  #successRateEjections(localOrigin: boolean): void {
    const c = this.config;
    const nums = localOrigin ? this.local : this.external;
    nums.average = -1;
    nums.threshold = -1;
    const n = this.#monitors.size;
    if (n < c.successRateMinimumHosts && n < c.failurePercentageMinimumHosts) return;
    const sr: [HostMonitor, number][] = [];
    const fp: [HostMonitor, number][] = [];
    let sum = 0;
    const minVolume = Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume);
    for (const m of this.#monitors.values()) {
      if (m.owner !== this || (m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) continue;
      const rv = (localOrigin ? m.localSr : m.externalSr).rateAndVolume();
      if (rv === null) continue;
      const [rate, volume] = rv;
      if (volume >= minVolume) {
        if (localOrigin) m.localOriginSuccessRate = rate;
        else m.successRate = rate;
      }
      if (volume >= c.successRateRequestVolume) {
        sr.push([m, rate]);
        sum += rate;
      }
      if (volume >= c.failurePercentageRequestVolume) fp.push([m, rate]);
    }
    if (sr.length > 0 && sr.length >= c.successRateMinimumHosts) {
      const mean = sum / sr.length;
      let variance = 0;
      for (const [, rate] of sr) variance += (rate - mean) ** 2;
      variance /= sr.length;
      nums.average = mean;
      nums.threshold = mean - (c.successRateStdevFactor / 1000) * Math.sqrt(variance);
      const type: EjectionType = localOrigin ? 'SUCCESS_RATE_LOCAL_ORIGIN' : 'SUCCESS_RATE';
      for (const [m, rate] of sr) {
        if (rate >= nums.threshold || (m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) continue;
        this.stats.ejectionsSuccessRate.inc();
        this.stats.byType[type].detected.inc();
        this.#eject(m, type);
      }
    }
    if (fp.length > 0 && fp.length >= c.failurePercentageMinimumHosts) {
      const type: EjectionType = localOrigin ? 'FAILURE_PERCENTAGE_LOCAL_ORIGIN' : 'FAILURE_PERCENTAGE';
      for (const [m, rate] of fp) {
        if (100 - rate < c.failurePercentageThreshold || (m.host.healthFlags & HealthFlag.FAILED_OUTLIER_CHECK) !== 0) continue;
        this.stats.byType[type].detected.inc();
        this.#eject(m, type);
      }
    }
  }
}

/** The owner of monitors whose cluster no longer does outlier detection: results are dropped. */
const DETACHED: MonitorOwner = Object.freeze({
  consecutive5xx: 0,
  consecutiveGatewayFailure: 0,
  consecutiveLocalOriginFailure: 0,
  splitExternalLocalOriginErrors: false,
  onConsecutiveError: () => undefined,
});

/** The event as one log line. */
export function formatOutlierEvent(e: OutlierEvent): string {
  return `outlier_detection: cluster ${e.cluster} host ${e.host} ${e.action}${e.type === null ? '' : ` ${e.type}`}: ${e.text}`;
}

function describe(type: EjectionType): string {
  switch (type) {
    case 'CONSECUTIVE_5XX':
      return 'consecutive 5xx threshold reached';
    case 'CONSECUTIVE_GATEWAY_FAILURE':
      return 'consecutive gateway failure (502/503/504) threshold reached';
    case 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE':
      return 'consecutive local origin failure threshold reached';
    case 'SUCCESS_RATE':
      return 'success rate below the cluster ejection threshold';
    case 'SUCCESS_RATE_LOCAL_ORIGIN':
      return 'local origin success rate below the cluster ejection threshold';
    case 'FAILURE_PERCENTAGE':
      return 'failure percentage at or above failure_percentage_threshold';
    case 'FAILURE_PERCENTAGE_LOCAL_ORIGIN':
      return 'local origin failure percentage at or above failure_percentage_threshold';
  }
}
