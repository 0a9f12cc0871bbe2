// ConfigStore in memory: the control plane's store for `--config-dir` and the fake every test uses.
import { randomUUID } from 'node:crypto';
import type { KindRegistry } from '../api/kinds/kind-registry.js';
import { MESH_KINDS } from '../api/kinds/mesh-kinds.js';
import type { Resource } from '../api/resource/resource.js';
import { deepFreeze, deletedState, normalizeIncoming, normalizeKey, planApply, planStatus, type StoreWorld } from './apply-rules.js';
import type { ApplyOptions, ApplyResult, ConfigKey, ConfigStore, ListFilter, StatusResult, WatchListener } from './config-store.js';
import { StoreError } from './config-store.js';
import { ResourceTable } from './resource-table.js';
import { WatchHub, type ListenerErrorHandler } from './watch-hub.js';

export interface MemoryStoreOptions {
  /** Kinds the store accepts, their scope and storage version. Defaults to MESH_KINDS. */
  readonly registry?: KindRegistry;
  /** Epoch milliseconds, for creationTimestamp. Defaults to Date.now. */
  readonly now?: () => number;
  /** Defaults to crypto.randomUUID, as Kubernetes uids are UUIDs. */
  readonly newUid?: () => string;
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * Every operation completes synchronously inside the returned promise's executor, so writes from one
 * process are atomic with respect to each other and to `get`/`list` without any locking.
 */
export class MemoryStore implements ConfigStore {
  readonly #registry: KindRegistry;
  readonly #world: StoreWorld;
  readonly #table = new ResourceTable();
  readonly #hub: WatchHub;
  #version = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#registry = options.registry ?? MESH_KINDS;
    this.#world = { now: options.now ?? Date.now, newUid: options.newUid ?? randomUUID };
    this.#hub = new WatchHub(options.onListenerError);
  }

  get(key: ConfigKey): Resource | undefined {
    return this.#table.get(normalizeKey(key, this.#registry));
  }

  list(filter?: ListFilter): Resource[] {
    return this.#table.list(filter);
  }

  async apply(resource: Resource, options: ApplyOptions = {}): Promise<ApplyResult> {
    const incoming = normalizeIncoming(resource, this.#registry);
    const existing = this.#table.get(incoming.key);
    checkPrecondition(existing, options.expectedResourceVersion);
    let next = this.#version;
    const plan = planApply(existing, incoming.resource, this.#world, () => String(++next));
    if (options.dryRun === true || plan.result === 'unchanged') return plan;
    this.#version = next;
    const stored = deepFreeze(plan.resource);
    this.#table.set(stored);
    this.#hub.emit(existing === undefined ? { type: 'added', resource: stored } : { type: 'modified', resource: stored, previous: existing });
    return { result: plan.result, resource: stored };
  }

  async delete(key: ConfigKey): Promise<boolean> {
    const existing = this.#table.delete(normalizeKey(key, this.#registry));
    if (existing === undefined) return false;
    this.#hub.emit({ type: 'deleted', resource: deepFreeze(deletedState(existing, String(++this.#version))) });
    return true;
  }

  async updateStatus(key: ConfigKey, status: unknown, expectedGeneration?: number): Promise<StatusResult> {
    const existing = this.#table.get(normalizeKey(key, this.#registry));
    const plan = planStatus(existing, status, expectedGeneration, () => String(++this.#version));
    if (plan.result !== 'updated' || plan.resource === undefined || existing === undefined) return plan;
    const stored = deepFreeze(plan.resource);
    this.#table.set(stored);
    this.#hub.emit({ type: 'modified', resource: stored, previous: existing });
    return { result: 'updated', resource: stored };
  }

  watch(listener: WatchListener): () => void {
    return this.#hub.watch(listener);
  }
}

/** The Kubernetes precondition check: a stale or missing object fails with Conflict / NotFound. */
export function checkPrecondition(existing: Resource | undefined, expected: string | undefined): void {
  if (expected === undefined) return;
  if (existing === undefined) throw new StoreError('NotFound', `the object to update at resourceVersion ${expected} does not exist`);
  if (existing.metadata.resourceVersion !== expected) {
    throw new StoreError(
      'Conflict',
      `Operation cannot be fulfilled on ${existing.kind} ${JSON.stringify(existing.metadata.name)}: the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
}
