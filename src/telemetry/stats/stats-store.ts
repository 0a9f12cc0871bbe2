/**
 * @module The stats registry: get-or-create stats by name, held by their owners.
 *
 * Stats are created when config is compiled and held as object fields, so the request path is
 * `stats.rqTotal.inc()`: no map lookup, no string building. The same name always yields the
 * same object, so two owners (two config versions, two listeners sharing a cluster) share it.
 *
 * Lifetime (as Envoy's ref-counted scopes): stats created on the store itself live forever;
 * stats obtained through a scope are counted per scope, and `release()` on the last scope
 * holding a stat removes it, so a removed cluster's stats disappear from /stats once every
 * config version that used the cluster has been released. A config update that keeps the
 * cluster creates its new scope before releasing the old one, and the counts carry over.
 */
import { Counter, Gauge, type GaugeImportMode } from './counter.js';
import { Histogram, type HistogramUnit } from './histogram.js';
import { createTagExtractor, type Tag, type TagExtractor } from './tag-extraction.js';

export { Counter, Gauge, Histogram };
export type { GaugeImportMode, HistogramUnit, Tag };
export type Stat = Counter | Gauge | Histogram;

/** What owners see: a namespace that prefixes `prefix.` to the names it creates. */
export interface StatsScope {
  /** The full dotted prefix of this scope, without the trailing dot ('' for the store). */
  readonly prefix: string;
  counter(name: string): Counter;
  gauge(name: string, importMode?: GaugeImportMode): Gauge;
  histogram(name: string, unit: HistogramUnit): Histogram;
  /**
   * A child scope. `cluster.<name>`, `http.<stat_prefix>`, `listener.<address>` (and
   * `http.<prefix>` inside a listener scope) take everything after the first token as the tag
   * value, dots included: create sub-scopes with a second scope() call.
   */
  scope(prefix: string): StatsScope;
  /** Drops this scope's (and its children's) hold on its stats; using it afterwards throws. */
  release(): void;
}

interface Entry {
  readonly stat: Stat;
  /** Scopes holding the stat; `pinned` when the store itself created it. */
  refs: number;
  pinned: boolean;
}

export interface StatsStoreOptions {
  /** From the bootstrap's stats_config; Envoy's default tag extraction when absent. */
  tagExtractor?: TagExtractor;
}

export class StatsStore implements StatsScope {
  readonly prefix = '';
  readonly tagExtractor: TagExtractor;
  readonly #entries = new Map<string, Entry>();

  constructor(options: StatsStoreOptions = {}) {
    this.tagExtractor = options.tagExtractor ?? createTagExtractor();
  }

  counter(name: string): Counter {
    return this.#get(name, name, [], 'counter', undefined).stat as Counter;
  }

  gauge(name: string, importMode?: GaugeImportMode): Gauge {
    return this.#get(name, name, [], 'gauge', importMode).stat as Gauge;
  }

  histogram(name: string, unit: HistogramUnit): Histogram {
    return this.#get(name, name, [], 'histogram', unit).stat as Histogram;
  }

  scope(prefix: string): StatsScope {
    return new ScopeImpl(this, '', '', [], prefix);
  }

  /** The store is never released. */
  release(): void {}

  /** Looks a stat up by its full name (admin and tests; not for the request path). */
  find(name: string): Stat | undefined {
    return this.#entries.get(name)?.stat;
  }

  /** Every live stat, in no particular order. */
  all(): Stat[] {
    const out: Stat[] = [];
    for (const e of this.#entries.values()) out.push(e.stat);
    return out;
  }

  /** POST /reset_counters. */
  resetCounters(): void {
    for (const e of this.#entries.values()) if (e.stat.kind === 'counter') e.stat.reset();
  }

  /** Get-or-create; `pin` marks stats the store itself handed out, which live forever. */
  #get(name: string, reduced: string, scopeTags: readonly Tag[], kind: Stat['kind'], extra: string | undefined, pin = true): Entry {
    let e = this.#entries.get(name);
    if (e === undefined) {
      const { tagExtractedName, tags } = this.tagExtractor.extract(reduced, scopeTags);
      const stat =
        kind === 'counter'
          ? new Counter(name, tagExtractedName, tags)
          : kind === 'gauge'
            ? new Gauge(name, tagExtractedName, tags, extra as GaugeImportMode | undefined)
            : new Histogram(name, tagExtractedName, tags, (extra ?? 'unspecified') as HistogramUnit);
      e = { stat, refs: 0, pinned: false };
      this.#entries.set(name, e);
    } else if (e.stat.kind !== kind) {
      throw new Error(`stat "${name}" is a ${e.stat.kind}, not a ${kind}`);
    }
    if (pin) e.pinned = true;
    return e;
  }

  /** @internal for scopes: get-or-create and take one reference, returned by drop(). */
  acquire(name: string, reduced: string, scopeTags: readonly Tag[], kind: Stat['kind'], extra: string | undefined): Entry {
    const e = this.#get(name, reduced, scopeTags, kind, extra, false);
    e.refs++;
    return e;
  }

  /** @internal for scopes: gives a reference back; the last one removes an unpinned stat. */
  drop(e: Entry): void {
    e.refs--;
    if (e.refs <= 0 && !e.pinned && this.#entries.get(e.stat.name) === e) this.#entries.delete(e.stat.name);
  }
}

class ScopeImpl implements StatsScope {
  readonly prefix: string;
  readonly #store: StatsStore;
  /** The prefix with scope-tag values cut out, fed to the regex extractors. */
  readonly #reduced: string;
  readonly #tags: readonly Tag[];
  readonly #held = new Map<string, Entry>();
  readonly #children: ScopeImpl[] = [];
  #released = false;

  constructor(store: StatsStore, parentPrefix: string, parentReduced: string, parentTags: readonly Tag[], prefix: string) {
    this.#store = store;
    this.prefix = parentPrefix ? `${parentPrefix}.${prefix}` : prefix;
    const scoped = store.tagExtractor.scopeTag(parentReduced, prefix, parentTags);
    if (scoped) {
      this.#reduced = scoped.reducedPrefix;
      this.#tags = [...parentTags, scoped.tag];
    } else {
      this.#reduced = parentReduced ? `${parentReduced}.${prefix}` : prefix;
      this.#tags = parentTags;
    }
  }

  counter(name: string): Counter {
    return this.#acquire(name, 'counter', undefined) as Counter;
  }

  gauge(name: string, importMode?: GaugeImportMode): Gauge {
    return this.#acquire(name, 'gauge', importMode) as Gauge;
  }

  histogram(name: string, unit: HistogramUnit): Histogram {
    return this.#acquire(name, 'histogram', unit) as Histogram;
  }

  scope(prefix: string): StatsScope {
    this.#check();
    const child = new ScopeImpl(this.#store, this.prefix, this.#reduced, this.#tags, prefix);
    this.#children.push(child);
    return child;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const c of this.#children) c.release();
    for (const e of this.#held.values()) this.#store.drop(e);
    this.#held.clear();
  }

  #acquire(name: string, kind: Stat['kind'], extra: string | undefined): Stat {
    this.#check();
    const full = `${this.prefix}.${name}`;
    const held = this.#held.get(full);
    if (held) {
      if (held.stat.kind !== kind) throw new Error(`stat "${full}" is a ${held.stat.kind}, not a ${kind}`);
      return held.stat;
    }
    const e = this.#store.acquire(full, `${this.#reduced}.${name}`, this.#tags, kind, extra);
    this.#held.set(full, e);
    return e.stat;
  }

  #check(): void {
    if (this.#released) throw new Error(`stats scope "${this.prefix}" was released`);
  }
}
