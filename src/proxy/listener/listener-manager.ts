/**
 * Envoy's listener manager: the listeners the proxy serves, static and from LDS.
 *
 * An LDS update compiles every new or changed listener first (one invalid listener rejects the
 * update; the running set is untouched). A new listener warms — waits for its RDS route
 * configurations — before it binds; a changed listener on the same address keeps its socket and
 * takes the new config for new connections, while its replaced filter chains drain; a removed
 * listener stops accepting and drains. Unchanged listeners are not touched at all.
 */
import { ProxyConfigError, at, inResource } from '../config/config-error.js';
import type { StatsStore } from '../../telemetry/stats/stats-store.js';
import { ActiveListener } from './active-listener.js';
import { compileListener } from './compiled-listener.js';
import { findHandoffListener } from './listener-handoff.js';
import type { CompiledFilterChain, CompiledListener, ListenerContext } from './compiled-listener.js';

/** Envoy's initial_fetch_timeout for the RDS a warming listener waits for. */
const RDS_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface ListenerUpdate {
  readonly json: Record<string, unknown>;
  readonly versionInfo: string;
}

export class ListenerManager {
  readonly #active = new Map<string, ActiveListener>();
  readonly #warming = new Map<string, CompiledListener>();
  readonly #staticNames = new Set<string>();
  readonly #draining = new Set<Promise<void>>();
  /** Called when the RDS names in use change, for the RDS subscription. */
  onRdsNamesChange: ((names: string[]) => void) | null = null;
  /** Called when a warmed listener fails to bind after its update was accepted. */
  onBindError: ((name: string, err: Error) => void) | null = null;

  constructor(
    readonly ctx: ListenerContext,
    readonly store: StatsStore,
    /** How long replaced filter chains and removed listeners drain before connections are closed. */
    readonly drainTimeMs: number,
  ) {}

  active(): ActiveListener[] {
    return [...this.#active.values()];
  }

  warming(): CompiledListener[] {
    return [...this.#warming.values()];
  }

  get(name: string): ActiveListener | undefined {
    return this.#active.get(name);
  }

  /** True for a bootstrap static listener (never changed or removed by LDS). */
  isStatic(name: string): boolean {
    return this.#staticNames.has(name);
  }

  /** Bootstrap static listeners: bound before the proxy reports ready; a bind error is fatal. */
  async addStatic(list: readonly Record<string, unknown>[]): Promise<void> {
    const compiled = this.#compileAll(list.map((json) => ({ json, versionInfo: '' })), false);
    for (const c of compiled) this.#staticNames.add(c.name);
    this.#notifyRds();
    await Promise.all(compiled.map((c) => this.ctx.routes.whenReady(c.rdsNames, RDS_INITIAL_FETCH_TIMEOUT_MS)));
    for (const [i, c] of compiled.entries()) {
      const listener = new ActiveListener(c, this.store, this.#resolveHandoff);
      try {
        await listener.listen();
      } catch (err) {
        throw new ProxyConfigError(`static_resources.listeners[${i}].address`, `cannot bind ${c.address}:${c.port}: ${(err as Error).message}`);
      }
      this.#active.set(c.name, listener);
    }
  }

  /**
   * An LDS state-of-the-world update. Throws ResourceConfigError for an invalid listener,
   * changing nothing. Returns once accepted; new listeners bind when warm (see `settled`).
   */
  applyLds(updates: readonly ListenerUpdate[]): Promise<void> {
    const compiled = this.#compileAll(updates, true);
    const keep = new Set(updates.map((u) => String(u.json['name'] ?? '')));
    for (const name of [...this.#active.keys()]) {
      if (!keep.has(name) && !this.#staticNames.has(name)) this.#removeListener(name);
    }
    for (const name of [...this.#warming.keys()]) if (!keep.has(name)) this.#warming.delete(name);
    // #warmAndInstall puts each listener in the warming set (or swaps it in) synchronously, so
    // the RDS names are complete only after it was called for every listener.
    const warmed = compiled.map((c) => this.#warmAndInstall(c));
    this.#notifyRds();
    return Promise.all(warmed).then(() => undefined);
  }

  #compileAll(updates: readonly ListenerUpdate[], viaApi: boolean): CompiledListener[] {
    const out: CompiledListener[] = [];
    const seen = new Set<string>();
    try {
      updates.forEach((u, i) => {
        const name = String(u.json['name'] ?? '');
        const locate = viaApi ? <T>(fn: () => T): T => inResource('Listener', name, fn) : <T>(fn: () => T): T => at(`static_resources.listeners[${i}]`, fn);
        locate(() => {
          if (!name) throw new ProxyConfigError('name', 'is required');
          if (seen.has(name)) throw new ProxyConfigError('name', `duplicate listener name ${name}`);
          seen.add(name);
          if (viaApi && this.#staticNames.has(name)) throw new ProxyConfigError('name', `listener ${name} is a static listener and cannot be updated by LDS`);
          const current = this.#active.get(name)?.config ?? null;
          const warming = this.#warming.get(name) ?? null;
          const base = warming ?? current;
          if (base && JSON.stringify(base.json) === JSON.stringify(u.json)) return;
          out.push(compileListener(u.json, u.versionInfo, this.ctx, current));
        });
      });
      this.#checkAddresses(out);
    } catch (err) {
      for (const c of out) this.#closeChains(c, null);
      throw err;
    }
    return out;
  }

  /** Two listeners may not bind the same address and port (Envoy rejects the update). */
  #checkAddresses(incoming: CompiledListener[]): void {
    const byAddress = new Map<string, string>();
    const names = new Set(incoming.map((c) => c.name));
    for (const l of this.#active.values()) if (!names.has(l.config.name) && l.config.port !== 0) byAddress.set(`${l.config.address}:${l.config.port}`, l.config.name);
    for (const c of incoming) {
      if (c.port === 0) continue;
      const key = `${c.address}:${c.port}`;
      const other = byAddress.get(key);
      if (other !== undefined && other !== c.name) {
        throw new ProxyConfigError('address', `listener ${c.name} has the same address ${key} as listener ${other}`);
      }
      byAddress.set(key, c.name);
    }
  }

  async #warmAndInstall(config: CompiledListener): Promise<void> {
    // Every new version warms (clusters, then its RDS) while the active version keeps serving,
    // as Envoy warms an updated listener before it replaces the old one.
    this.#warming.set(config.name, config);
    await this.ctx.clusters.whenWarm();
    await this.ctx.routes.whenReady(config.rdsNames, RDS_INITIAL_FETCH_TIMEOUT_MS);
    if (this.#warming.get(config.name) !== config) return; // superseded or removed while warming
    this.#warming.delete(config.name);
    const live = this.#active.get(config.name);
    if (live && live.config.address === config.address && live.config.port === config.port && live.config.bindToPort === config.bindToPort) {
      // Same socket: swap the config; chains not carried over drain.
      const old = live.config;
      live.update(config);
      this.#closeChains(old, config);
      this.#notifyRds();
      return;
    }
    const listener = new ActiveListener(config, this.store, this.#resolveHandoff);
    try {
      await listener.listen();
    } catch (err) {
      this.#closeChains(config, live?.config ?? null); // not the chains it shares with the version still serving
      this.onBindError?.(config.name, err as Error);
      return;
    }
    if (live) this.#removeListener(config.name);
    this.#active.set(config.name, listener);
    if (live) this.#notifyRds();
  }

  /**
   * use_original_dst: the active listener for a restored destination (exact address, else the
   * wildcard on its port), bound or bind_to_port false; warming listeners take nothing yet.
   */
  readonly #resolveHandoff = (dst: { address: string; port: number }): ActiveListener | null => {
    return findHandoffListener(this.#active.values(), dst, (l) => l.config);
  };

  #removeListener(name: string): void {
    const l = this.#active.get(name);
    if (!l) return;
    this.#active.delete(name);
    const drained = (async () => {
      await l.stopListening();
      this.#closeChains(l.config, null, () => l.closeConnections());
    })();
    this.#track(drained);
  }

  /**
   * Drains the chains of `old` that `next` does not carry over: new requests on their connections
   * get `connection: close` / GOAWAY, and after the drain time what is left is closed.
   */
  #closeChains(old: CompiledListener, next: CompiledListener | null, after?: () => void): void {
    const kept = new Set<CompiledFilterChain>(next ? [...next.chains, ...(next.defaultChain ? [next.defaultChain] : [])] : []);
    const retired = [...old.chains, ...(old.defaultChain ? [old.defaultChain] : [])].filter((c) => !kept.has(c));
    for (const c of retired) c.filter.drain();
    if (retired.length === 0 && !after) return;
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        for (const c of retired) {
          c.filter.close();
          c.tls?.close();
        }
        after?.();
        resolve();
      }, this.drainTimeMs);
      t.unref();
    });
    this.#track(done);
  }

  #track(p: Promise<void>): void {
    this.#draining.add(p);
    void p.finally(() => this.#draining.delete(p));
  }

  #notifyRds(): void {
    this.onRdsNamesChange?.(this.rdsNames());
  }

  /** RDS names used by active and warming listeners. */
  rdsNames(): string[] {
    const names = new Set<string>();
    for (const l of this.#active.values()) for (const n of l.config.rdsNames) names.add(n);
    for (const c of this.#warming.values()) for (const n of c.rdsNames) names.add(n);
    return [...names].sort();
  }

  /** Stops accepting on every listener and drains every chain (POST /quitquitquit, /drain_listeners). */
  async drainAll(drainTimeMs: number): Promise<void> {
    const listeners = [...this.#active.values()];
    await Promise.all(listeners.map((l) => l.stopListening()));
    for (const l of listeners) for (const c of [...l.config.chains, ...(l.config.defaultChain ? [l.config.defaultChain] : [])]) c.filter.drain();
    if (drainTimeMs > 0) await new Promise((r) => setTimeout(r, drainTimeMs));
  }

  /** Closes everything now. */
  close(): void {
    for (const l of this.#active.values()) {
      void l.stopListening();
      for (const c of [...l.config.chains, ...(l.config.defaultChain ? [l.config.defaultChain] : [])]) {
        c.filter.close();
        c.tls?.close();
      }
      l.closeConnections();
    }
    this.#active.clear();
  }
}
