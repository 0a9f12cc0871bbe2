/**
 * One DNS name a DNS cluster keeps resolved (Envoy's ResolveTarget): resolve, report the
 * addresses when they changed, and re-resolve after dns_refresh_rate — or after the shortest
 * record TTL with respect_dns_ttl — or after dns_failure_refresh_rate when resolution failed
 * (keeping the last good addresses, as Envoy does).
 */
import type { DnsConfig } from '../cluster-config.js';
import type { DnsResolver } from './dns-resolver.js';
import type { Timers } from './host-discovery.js';

/** How one resolution went: new addresses, the same ones, or an error (last good ones kept). */
export type DnsOutcome = 'changed' | 'unchanged' | 'failed';

export class DnsTarget {
  readonly hostname: string;
  /** The last good answer, in resolver order; null before the first success. */
  addresses: readonly string[] | null = null;
  readonly #dns: DnsConfig;
  readonly #resolver: DnsResolver;
  readonly #timers: Timers;
  readonly #onResolved: (target: DnsTarget, outcome: DnsOutcome) => void;
  readonly #onAttempt: () => void;
  #timer: unknown = null;
  /** Bumped by stop(): answers to queries sent before it are dropped. */
  #generation = 0;

  /** `onAttempt` runs as each query starts, `onResolved` after it, success or failure. */
  constructor(
    hostname: string,
    dns: DnsConfig,
    resolver: DnsResolver,
    timers: Timers,
    onResolved: (target: DnsTarget, outcome: DnsOutcome) => void,
    onAttempt: () => void = () => undefined,
  ) {
    this.hostname = hostname;
    this.#dns = dns;
    this.#resolver = resolver;
    this.#timers = timers;
    this.#onResolved = onResolved;
    this.#onAttempt = onAttempt;
  }

  start(): void {
    this.#resolve();
  }

  stop(): void {
    this.#generation++;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #resolve(): void {
    this.#timer = null;
    const generation = this.#generation;
    this.#onAttempt();
    this.#resolver.resolve(this.hostname, this.#dns.lookupFamily).then(
      (records) => {
        if (generation !== this.#generation) return;
        const addresses = records.map((r) => r.address);
        const changed = !sameList(this.addresses, addresses);
        this.addresses = addresses;
        let ttl = Infinity;
        for (const r of records) if (r.ttl !== undefined && r.ttl > 0 && r.ttl < ttl) ttl = r.ttl;
        this.#schedule(this.#dns.respectDnsTtl && ttl !== Infinity ? ttl * 1000 : this.#dns.refreshRateMs);
        this.#onResolved(this, changed ? 'changed' : 'unchanged');
      },
      () => {
        if (generation !== this.#generation) return;
        this.#schedule(this.#dns.failureRefreshRateMs);
        this.#onResolved(this, 'failed');
      },
    );
  }

  #schedule(ms: number): void {
    this.#timer = this.#timers.setTimeout(() => this.#resolve(), ms);
  }
}

function sameList(a: readonly string[] | null, b: readonly string[]): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
