// `tsmesh discovery --config-dir DIR`: keeps a store equal to the YAML files in a directory, as they change.
import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestYaml } from '../api/ingest.js';
import type { KindRegistry } from '../api/kinds/kind-registry.js';
import { MESH_KINDS } from '../api/kinds/mesh-kinds.js';
import { compareProblems, problem, type Problem } from '../api/problems/problem.js';
import type { Resource, ResourceRef } from '../api/resource/resource.js';
import type { LoadedResource } from '../api/yaml/load-yaml.js';
import { normalizeKey } from './apply-rules.js';
import { ConfigMessages } from './config-messages.js';
import { describeKey, keyOf, keyString, type ConfigKey, type ConfigStore } from './config-store.js';
import { DirWatcher } from './dir-watcher.js';

export interface ConfigDirSourceOptions {
  readonly dir: string;
  readonly store: ConfigStore;
  /** Called with every current problem (sorted) whenever that set changes; [] once all is well again. */
  readonly onProblems?: (problems: readonly Problem[]) => void;
  /** A watcher or scan failure that is not about any file (the directory vanished, fs.watch failed). */
  readonly onError?: (error: unknown) => void;
  readonly registry?: KindRegistry;
  /** Namespace for namespaced resources that name none. Default `default`, as kubectl. */
  readonly defaultNamespace?: string;
  /**
   * Quiet time after a file event before the rescan; default 20 ms. A save is a few events
   * within a millisecond or two, and the discovery server debounces pushes (100 ms) anyway.
   */
  readonly debounceMs?: number;
  readonly rescanIntervalMs?: number;
}

/** One resource as a file currently contributes it. */
interface Contribution {
  readonly key: ConfigKey;
  readonly resource: Resource;
  readonly line: number;
}

interface FileEntry {
  /** undefined when the file could not be read. */
  readonly text: string | undefined;
  /** The file's identity and times when it was read: an unchanged file is not read again. */
  readonly stamp?: string;
  /** What this file contributes, in document order: what loads now, plus last good versions of what does not. */
  readonly contributions: ReadonlyMap<string, Contribution>;
  readonly problems: readonly Problem[];
}

const FILE_EVENT_DEBOUNCE_MS = 20;

const CONFIG_FILE = /\.(ya?ml|json)$/;

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file directly in `dir` (not subdirectories; dotfiles,
 * which editors use for swap and temp files, are skipped) through ingest, and makes the store hold
 * exactly the resources they define: applies what is new or changed, deletes what no file defines
 * any more. Only resources this source applied are ever deleted; others in the same store are not
 * its business.
 *
 * A bad edit never removes running config. A resource that stops validating keeps its last good
 * version. A file that stops parsing (or cannot be read) keeps the last good version of every
 * resource it defined that can no longer be found in it: with a syntax error in one document
 * there is no telling whether a missing resource was deleted or is inside the broken document. A
 * resource removed from a file that loads cleanly is deleted. Each retained version is reported
 * (TSM0104) along with the ingest problems that caused it.
 *
 * Two definitions of one resource: the first file by name (then the first document in it) wins,
 * deterministically, and every other definition is reported (TSM0101) and ignored.
 *
 * Changes are picked up by DirWatcher (fs.watch, debounced, plus a periodic rescan). Each scan
 * re-reads every file but re-ingests only those whose text changed.
 */
export class ConfigDirSource {
  readonly #options: ConfigDirSourceOptions;
  readonly #registry: KindRegistry;
  readonly #watcher: DirWatcher;
  #files = new Map<string, FileEntry>();
  /** What this source applied, with the object it applied and the resourceVersion the store gave it. */
  #managed = new Map<string, { readonly key: ConfigKey; readonly applied: Resource; readonly version: string | undefined }>();
  #problems: readonly Problem[] = [];
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigDirSourceOptions) {
    this.#options = options;
    this.#registry = options.registry ?? MESH_KINDS;
    const onError = options.onError ?? ((err: unknown) => process.emitWarning(`config dir ${options.dir}: ${String(err)}`));
    const watcherOptions = { dir: options.dir, onChange: async () => void (await this.sync()), onError };
    this.#watcher = new DirWatcher({
      ...watcherOptions,
      debounceMs: options.debounceMs ?? FILE_EVENT_DEBOUNCE_MS,
      ...(options.rescanIntervalMs === undefined ? {} : { rescanIntervalMs: options.rescanIntervalMs }),
    });
  }

  /** Loads the directory into the store, then follows its changes until `close`. */
  async start(): Promise<readonly Problem[]> {
    const problems = await this.sync();
    this.#watcher.start();
    return problems;
  }

  async close(): Promise<void> {
    await this.#watcher.close();
    await this.#tail;
  }

  /** The problems of the last scan, sorted. */
  problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Scans the directory once and brings the store in line; scans never overlap. */
  sync(): Promise<readonly Problem[]> {
    const run = this.#tail.then(() => this.#scan());
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #scan(): Promise<readonly Problem[]> {
    const { dir } = this.#options;
    let names: string[];
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      names = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && CONFIG_FILE.test(e.name)).map((e) => e.name).sort();
    } catch (err) {
      // The directory is gone or unreadable (an unmounted volume): keep everything, say why.
      this.#publish([problem(ConfigMessages.UnreadableConfigFile, [(err as Error).message], { file: dir })]);
      return this.#problems;
    }
    const next = new Map<string, FileEntry>();
    for (const name of names) next.set(name, await this.#loadFile(name, this.#files.get(name)));
    this.#files = next;

    const problems: Problem[] = [];
    const desired = new Map<string, Contribution & { readonly file: string }>();
    for (const [name, entry] of next) {
      problems.push(...entry.problems);
      for (const [id, c] of entry.contributions) {
        const winner = desired.get(id);
        if (winner === undefined) desired.set(id, { ...c, file: name });
        else problems.push(problem(ConfigMessages.DuplicateResource, [describeKey(c.key), `${join(dir, winner.file)}:${winner.line}`], this.#site(c, name)));
      }
    }

    for (const [id, c] of desired) {
      // The periodic rescan must stay cheap: skip what was applied from this very object and is still untouched in the store.
      const last = this.#managed.get(id);
      if (last?.applied === c.resource && last.version !== undefined && this.#options.store.get(c.key)?.metadata.resourceVersion === last.version) continue;
      try {
        let { resource } = await this.#options.store.apply(c.resource);
        // Files describe backends that do not run here (a Pod's podIP, an EndpointSlice's
        // conditions): the status they carry is data the registry needs, so it is stored too.
        if (c.resource.status !== undefined && JSON.stringify(resource.status) !== JSON.stringify(c.resource.status)) {
          const result = await this.#options.store.updateStatus(c.key, c.resource.status);
          if (result.resource !== undefined) resource = result.resource;
        }
        this.#managed.set(id, { key: c.key, applied: c.resource, version: resource.metadata.resourceVersion });
      } catch (err) {
        problems.push(problem(ConfigMessages.ConfigNotStored, [describeKey(c.key), (err as Error).message], this.#site(c, c.file)));
      }
    }
    for (const [id, { key }] of [...this.#managed]) {
      if (desired.has(id)) continue;
      await this.#options.store.delete(key);
      this.#managed.delete(id);
    }
    this.#publish(problems.sort(compareProblems));
    return this.#problems;
  }

  async #loadFile(name: string, previous: FileEntry | undefined): Promise<FileEntry> {
    const path = join(this.#options.dir, name);
    // A rescan reads only what changed (inode, size, modification and change times): with
    // thousands of files, reading them all at every event would cost more than the change.
    const stamp = fileStamp(path);
    if (previous?.stamp !== undefined && previous.stamp === stamp) return previous;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const kept = previous?.contributions ?? new Map<string, Contribution>();
      return { text: undefined, contributions: kept, problems: [problem(ConfigMessages.UnreadableConfigFile, [(err as Error).message], { file: path })] };
    }
    if (previous !== undefined && previous.text === text) return stamp === undefined ? previous : { ...previous, stamp };
    const ingested = await ingestYaml(text, {
      file: path,
      registry: this.#registry,
      ...(this.#options.defaultNamespace === undefined ? {} : { defaultNamespace: this.#options.defaultNamespace }),
    });
    const problems: Problem[] = [...ingested.problems];
    const contributions = new Map<string, Contribution>();
    for (const item of ingested.accepted) {
      const c = this.#contribution(item);
      const id = keyString(c.key);
      const first = contributions.get(id);
      if (first === undefined) contributions.set(id, c);
      else problems.push(problem(ConfigMessages.DuplicateResource, [describeKey(c.key), `${path}:${first.line}`], this.#site(c, name)));
    }
    // Resources that are still here but no longer valid: keep their last good version.
    const rejected = new Set<string>();
    const keep = (id: string, line: number | undefined): void => {
      const last = previous?.contributions.get(id);
      if (last === undefined || contributions.has(id)) return;
      const kept = line === undefined ? last : { ...last, line };
      contributions.set(id, kept);
      problems.push(problem(ConfigMessages.LastGoodConfigKept, [describeKey(last.key)], this.#site(kept, name)));
    };
    for (const item of ingested.rejected) {
      const c = this.#contribution(item);
      const id = keyString(c.key);
      rejected.add(id);
      keep(id, c.line);
    }
    // Errors not about any resource found (a document that does not parse): whatever is missing may be in it.
    const found = new Set([...contributions.values()].map((c) => refId(c.key)));
    for (const item of ingested.rejected) found.add(refId(this.#contribution(item).key));
    const unattributed = ingested.problems.some((p) => p.severity === 'Error' && (p.resource === undefined || !found.has(refId(p.resource))));
    if (unattributed) for (const id of previous?.contributions.keys() ?? []) if (!rejected.has(id)) keep(id, undefined);
    return { text, contributions, problems, ...(stamp === undefined ? {} : { stamp }) };
  }

  /** A loaded document as a store key and resource, its namespace defaulted and scope normalised as the store will. */
  #contribution(item: LoadedResource): Contribution {
    const { resource } = item;
    const key = keyOf(resource);
    const info = this.#registry.lookupGroupKind(key.group, key.kind);
    const scoped =
      info?.namespaced === true && key.namespace === undefined
        ? { ...key, namespace: this.#options.defaultNamespace ?? 'default' }
        : normalizeKey(key, this.#registry);
    return { key: scoped, resource, line: item.source.line };
  }

  /** Where a problem about contribution `c` of file `name` points. */
  #site(c: Contribution, fileName: string): { resource: ResourceRef; file: string; line: number } {
    const { kind, namespace, name } = c.key;
    const resource: ResourceRef = namespace === undefined ? { kind, name } : { kind, namespace, name };
    return { resource, file: join(this.#options.dir, fileName), line: c.line };
  }

  #publish(problems: readonly Problem[]): void {
    const changed = JSON.stringify(problems) !== JSON.stringify(this.#problems);
    this.#problems = problems;
    if (changed) this.#options.onProblems?.(problems);
  }
}

/** Problems name resources by kind, namespace and name (no group): compare on that. */
function refId(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/**
 * What identifies one version of a file without reading it; undefined when it cannot be stat'ed.
 * Synchronous: a stat is microseconds, and thousands of them awaited one by one would take longer.
 */
function fileStamp(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}
