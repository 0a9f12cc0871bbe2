// ConfigStore persisted in the local platform's state directory, safe to share between processes.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KindRegistry } from '../api/kinds/kind-registry.js';
import { MESH_KINDS } from '../api/kinds/mesh-kinds.js';
import { problem, type Problem } from '../api/problems/problem.js';
import type { Resource } from '../api/resource/resource.js';
import { deepFreeze, deletedState, normalizeIncoming, normalizeKey, planApply, planStatus, type StoreWorld } from './apply-rules.js';
import { atomicWriteFile, syncDirectory } from './atomic-write.js';
import { ConfigMessages } from './config-messages.js';
import type { ApplyOptions, ApplyResult, ConfigKey, ConfigStore, ListFilter, StatusResult, WatchEvent, WatchListener } from './config-store.js';
import { keyOf } from './config-store.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { checkPrecondition, type MemoryStoreOptions } from './memory-store.js';
import { ResourceTable } from './resource-table.js';
import { COUNTER_FILE, CORRUPT_SUFFIX, fileStamp, listResourceFiles, LOCK_FILE, readCounter, readResourceFile, resourcePath, serialize } from './state-files.js';
import { WatchHub } from './watch-hub.js';

export interface FileStoreOptions extends MemoryStoreOptions {
  /** The directory resources live in: the local platform uses `<state-dir>/config` (`./.tsmesh/config`). */
  readonly dir: string;
  /** Told about each file that cannot be loaded (once per version of the file). */
  readonly onProblem?: (problem: Problem) => void;
  readonly lock?: FileLockOptions;
}

interface FileState {
  readonly stamp: string | undefined;
  /** The resource this path held when it last read cleanly. */
  readonly key?: ConfigKey;
}

/**
 * One JSON file per resource (layout in state-files.ts), chosen over one file per kind because:
 * a write rewrites one small file, so the atomic rename covers exactly the object changed; a
 * corrupt file costs one resource, not a kind; two processes writing different resources never
 * touch the same file; and `cat .tsmesh/config/virtualservices.networking.istio.io/default/reviews.json`
 * shows exactly what `get -o json` shows.
 *
 * Concurrency. In one process, writes run one at a time. Across processes, every write holds
 * `<dir>/.lock` and, under it, re-reads the target's file and the resourceVersion counter before
 * deciding anything; so a second process applying never loses the first one's write (it sees the
 * first's object, keeps its uid and moves its generation on) and resourceVersions stay unique and
 * increasing. Files are replaced by atomic rename, so readers need no lock: they see an object's
 * old or new file, never a part. The in-memory view picks up other processes' writes to the keys
 * it writes, and all of them on `refresh()`, emitting the corresponding watch events. A long-lived
 * process follows other writers with `new DirWatcher({dir, onChange: () => store.refresh()})`:
 * every write renames `<dir>/resource-version`, so a non-recursive watch on `dir` sees them all.
 *
 * A file that cannot be read back (not JSON, wrong envelope, in the wrong place) is reported and
 * skipped; every other resource loads. A later write to that key moves it to `<name>.json.corrupt`
 * first, so its content can still be recovered.
 */
export class FileStore implements ConfigStore {
  readonly #dir: string;
  readonly #registry: KindRegistry;
  readonly #world: StoreWorld;
  readonly #lockOptions: FileLockOptions;
  readonly #onProblem: ((problem: Problem) => void) | undefined;
  readonly #table = new ResourceTable();
  readonly #hub: WatchHub;
  readonly #files = new Map<string, FileState>();
  readonly #corrupt = new Map<string, Problem>();
  #version = 0;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(options: FileStoreOptions) {
    this.#dir = options.dir;
    this.#registry = options.registry ?? MESH_KINDS;
    this.#world = { now: options.now ?? Date.now, newUid: options.newUid ?? randomUUID };
    this.#lockOptions = options.lock ?? {};
    this.#onProblem = options.onProblem;
    this.#hub = new WatchHub(options.onListenerError);
  }

  /** Creates the directory if needed and loads every resource in it. */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(options);
    await mkdir(options.dir, { recursive: true });
    await store.refresh();
    return store;
  }

  get dir(): string {
    return this.#dir;
  }

  /** Files that are skipped because they cannot be loaded, one problem each. */
  problems(): Problem[] {
    return [...this.#corrupt.values()];
  }

  get(key: ConfigKey): Resource | undefined {
    return this.#table.get(normalizeKey(key, this.#registry));
  }

  list(filter?: ListFilter): Resource[] {
    return this.#table.list(filter);
  }

  watch(listener: WatchListener): () => void {
    return this.#hub.watch(listener);
  }

  /** Re-reads the directory and brings the in-memory view (and watchers) up to date with other processes' writes. */
  refresh(): Promise<void> {
    return this.#serial(async () => {
      const events: WatchEvent[] = [];
      const paths = await listResourceFiles(this.#dir);
      const seen = new Set(paths);
      for (const path of paths) await this.#syncPath(path, events);
      for (const path of [...this.#files.keys()]) if (!seen.has(path)) await this.#syncPath(path, events);
      this.#version = Math.max(this.#version, await readCounter(this.#dir));
      this.#emitAll(events);
    });
  }

  apply(resource: Resource, options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.#write(async (events) => {
      const incoming = normalizeIncoming(resource, this.#registry);
      const path = await this.#prepareWrite(incoming.key, events);
      const existing = this.#table.get(incoming.key);
      checkPrecondition(existing, options.expectedResourceVersion);
      let next = this.#version;
      const plan = planApply(existing, incoming.resource, this.#world, () => String(++next));
      if (options.dryRun === true || plan.result === 'unchanged') return plan;
      const stored = await this.#commit(path, plan.resource, next);
      events.push(existing === undefined ? { type: 'added', resource: stored } : { type: 'modified', resource: stored, previous: existing });
      return { result: plan.result, resource: stored };
    });
  }

  delete(key: ConfigKey): Promise<boolean> {
    return this.#write(async (events) => {
      const target = normalizeKey(key, this.#registry);
      const path = await this.#prepareWrite(target, events);
      const existing = this.#table.get(target);
      if (existing === undefined) return false;
      const version = this.#version + 1;
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await syncDirectory(dirname(path));
      await this.#writeCounter(version);
      this.#files.delete(path);
      this.#table.delete(target);
      events.push({ type: 'deleted', resource: deepFreeze(deletedState(existing, String(version))) });
      return true;
    });
  }

  updateStatus(key: ConfigKey, status: unknown, expectedGeneration?: number): Promise<StatusResult> {
    return this.#write(async (events): Promise<StatusResult> => {
      const target = normalizeKey(key, this.#registry);
      const path = await this.#prepareWrite(target, events);
      const existing = this.#table.get(target);
      let next = this.#version;
      const plan = planStatus(existing, status, expectedGeneration, () => String(++next));
      if (plan.result !== 'updated' || plan.resource === undefined || existing === undefined) return plan;
      const stored = await this.#commit(path, plan.resource, next);
      events.push({ type: 'modified', resource: stored, previous: existing });
      return { result: 'updated', resource: stored };
    });
  }

  // One operation at a time in this process; the lock file orders them against other processes.
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** A write: this process's turn, then the lock, then the watch events it produced, delivered before it settles. */
  #write<T>(fn: (events: WatchEvent[]) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const events: WatchEvent[] = [];
      try {
        return await withFileLock(join(this.#dir, LOCK_FILE), () => fn(events), this.#lockOptions);
      } finally {
        // Also when the write fails: other processes' changes found while preparing it are already in the table.
        this.#emitAll(events);
      }
    });
  }

  /**
   * Under the lock: catch up with the counter and with whatever another process did to this key's
   * file, and move a corrupt file aside so the write can replace it. Returns the key's path.
   */
  async #prepareWrite(key: ConfigKey, events: WatchEvent[]): Promise<string> {
    const path = resourcePath(this.#dir, key, this.#registry);
    this.#version = Math.max(this.#version, await readCounter(this.#dir));
    await this.#syncPath(path, events);
    if (this.#corrupt.has(path)) {
      await rename(path, `${path}${CORRUPT_SUFFIX}`).catch(() => undefined);
      this.#corrupt.delete(path);
      this.#files.delete(path);
      // Put back the last good object this process saw, so disk and memory agree before the write is planned.
      const lastGood = this.#table.get(key);
      if (lastGood !== undefined) await this.#commit(path, lastGood, this.#version);
    }
    return path;
  }

  async #commit(path: string, resource: Resource, version: number): Promise<Resource> {
    await mkdir(dirname(path), { recursive: true });
    await atomicWriteFile(path, serialize(resource));
    await this.#writeCounter(version);
    const stored = deepFreeze(resource);
    this.#table.set(stored);
    this.#files.set(path, { stamp: await fileStamp(path), key: normalizeKey(keyOf(stored), this.#registry) });
    return stored;
  }

  async #writeCounter(version: number): Promise<void> {
    await atomicWriteFile(join(this.#dir, COUNTER_FILE), `${version}\n`);
    this.#version = version;
  }

  /** Brings one path's resource in the table in line with the file, recording the watch event for any difference. */
  async #syncPath(path: string, events: WatchEvent[]): Promise<void> {
    const before = this.#files.get(path);
    const stamp = await fileStamp(path);
    if (before !== undefined && stamp !== undefined && before.stamp === stamp) return;
    const read = await readResourceFile(path, this.#dir, this.#registry);
    if (read.status === 'corrupt') {
      // Keep the last good object (if this process saw one): a damaged file must not delete running config.
      this.#files.set(path, before?.key === undefined ? { stamp } : { stamp, key: before.key });
      this.#report(path, read.reason);
      return;
    }
    this.#corrupt.delete(path);
    if (read.status === 'missing') {
      this.#files.delete(path);
      const existing = before?.key === undefined ? undefined : this.#table.delete(before.key);
      if (existing !== undefined) events.push({ type: 'deleted', resource: deepFreeze(deletedState(existing, String(Math.max(this.#version, numericVersion(existing))))) });
      return;
    }
    const stored = deepFreeze(read.resource);
    const existing = this.#table.get(read.key);
    this.#files.set(path, { stamp, key: read.key });
    this.#version = Math.max(this.#version, numericVersion(stored));
    if (existing?.metadata.resourceVersion === stored.metadata.resourceVersion && existing !== undefined) return;
    this.#table.set(stored);
    events.push(existing === undefined ? { type: 'added', resource: stored } : { type: 'modified', resource: stored, previous: existing });
  }

  #report(path: string, reason: string): void {
    const p = problem(ConfigMessages.CorruptStateFile, [reason], { file: path });
    this.#corrupt.set(path, p);
    this.#onProblem?.(p);
  }

  #emitAll(events: readonly WatchEvent[]): void {
    for (const e of events) this.#hub.emit(e);
  }
}

function numericVersion(resource: Resource): number {
  const n = Number(resource.metadata.resourceVersion);
  return Number.isSafeInteger(n) ? n : 0;
}

