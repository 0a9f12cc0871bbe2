/**
 * RDS: the route configurations connection managers refer to by name, compiled once per version
 * and shared by every connection manager that names them. A connection manager holds a source
 * (`source(name)`) and reads the current table per request, so an RDS update takes effect for the
 * next request without touching listeners.
 */
import { inResource } from '../config/config-error.js';
import { compileRouteConfiguration } from '../router/route-table.js';
import type { RouteTable } from '../router/route-table.js';
import type { RouteTableSource } from './connection-manager.js';

interface RouteEntry {
  table: RouteTable;
  json: Record<string, unknown>;
  versionInfo: string;
  lastUpdated: Date;
}

export class RouteConfigRegistry {
  readonly #entries = new Map<string, RouteEntry>();
  readonly #waiters = new Map<string, (() => void)[]>();
  /** Last tables of route configurations dropped by `retain`, for connections still draining on them. */
  readonly #retired = new Map<string, RouteTable>();

  /** A live view of one route configuration, for a connection manager. */
  source(name: string): RouteTableSource {
    return { current: () => this.#entries.get(name)?.table ?? this.#retired.get(name) ?? null };
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * An RDS response. Compiles every resource first; an invalid one throws ResourceConfigError and
   * nothing changes. Resources not in the response stay (RDS is not state-of-the-world for removal).
   */
  apply(updates: readonly { name: string; json: Record<string, unknown> }[], versionInfo: string): void {
    const compiled = updates.map((u) => ({
      ...u,
      table: inResource('RouteConfiguration', u.name, () => compileRouteConfiguration(u.json, { validateClustersDefault: false })),
    }));
    const now = new Date();
    for (const c of compiled) {
      this.#entries.set(c.name, { table: c.table, json: c.json, versionInfo, lastUpdated: now });
      this.#retired.delete(c.name);
      const waiters = this.#waiters.get(c.name);
      if (waiters) {
        this.#waiters.delete(c.name);
        for (const w of waiters) w();
      }
    }
  }

  /** Resolves once every named route configuration is present, or after `timeoutMs` (Envoy's initial_fetch_timeout). */
  whenReady(names: readonly string[], timeoutMs: number): Promise<void> {
    const missing = names.filter((n) => !this.#entries.has(n));
    if (missing.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = missing.length;
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      const done = (): void => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const n of missing) {
        const list = this.#waiters.get(n) ?? [];
        list.push(done);
        this.#waiters.set(n, list);
      }
    });
  }

  /**
   * Drops route configurations no listener refers to any more (as Envoy ends their RDS
   * subscription): gone from config_dump and waited for again if a listener names them later.
   * Connection managers of draining listeners keep routing with the last table.
   */
  retain(names: ReadonlySet<string>): void {
    for (const [n, e] of [...this.#entries]) {
      if (names.has(n)) continue;
      this.#retired.set(n, e.table);
      this.#entries.delete(n);
    }
  }

  entries(): IterableIterator<[string, RouteEntry]> {
    return this.#entries.entries();
  }
}
