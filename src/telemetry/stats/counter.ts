/** @module Envoy-style counters and gauges: plain objects whose hot path is one field write. */
import type { Tag } from './tag-extraction.js';

/** What every stat carries for rendering; computed once when the stat is created. */
export interface StatIdentity {
  /** Full dotted name as /stats shows it (`cluster.x.upstream_rq_200`). */
  readonly name: string;
  /** Name with tag values removed (`cluster.upstream_rq`), the Prometheus metric family. */
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
}

/** A monotonically increasing count. Hold the object; call inc() on the hot path. */
export class Counter implements StatIdentity {
  readonly kind = 'counter' as const;
  #value = 0;

  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
  ) {}

  inc(n = 1): void {
    this.#value += n;
  }

  get value(): number {
    return this.#value;
  }

  /** Envoy's "used" (for ?usedonly): a counter counts as used once it moved. */
  get used(): boolean {
    return this.#value !== 0;
  }

  /** POST /reset_counters. */
  reset(): void {
    this.#value = 0;
  }
}

/** Envoy's gauge import modes matter only to hot restart; kept so config can name them. */
export type GaugeImportMode = 'Accumulate' | 'NeverImport';

/** A value that goes up and down (active connections, healthy hosts). */
export class Gauge implements StatIdentity {
  readonly kind = 'gauge' as const;
  #value = 0;
  #used = false;

  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: readonly Tag[],
    readonly importMode: GaugeImportMode = 'Accumulate',
  ) {}

  inc(): void {
    this.#value++;
    this.#used = true;
  }

  dec(): void {
    this.#value--;
    this.#used = true;
  }

  add(n: number): void {
    this.#value += n;
    this.#used = true;
  }

  sub(n: number): void {
    this.#value -= n;
    this.#used = true;
  }

  set(v: number): void {
    this.#value = v;
    this.#used = true;
  }

  get value(): number {
    return this.#value;
  }

  /** A gauge is used once anything set it, even to 0 (Envoy's Flags::Used). */
  get used(): boolean {
    return this.#used;
  }
}
