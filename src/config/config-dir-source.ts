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
   * Quiet time after a file event before the rescan; default 10 ms. A save is a few events
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

const FILE_EVENT_DEBOUNCE_MS = 10;

/** A full rescan lets other work run (pushes, ACKs) after every this many files it stats. */
const FILES_PER_TURN = 200;

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
 * Changes are picked up by DirWatcher (fs.watch, debounced, plus a periodic rescan). A file is
 * read again only when its stat changed and re-ingested only when its text did, and only the
 * resources of changed files are reconciled with the store: an edit to one file among thousands
 * costs that file. The periodic rescan stats every file and restores resources changed in the
 * store behind this source's back.
 */
export class ConfigDirSource {
  readonly #options: ConfigDirSourceOptions;
  readonly #registry: KindRegistry;
  readonly #watcher: DirWatcher;
  readonly #files = new Map<string, FileEntry>();
  /** Which files define each resource (by keyString of its key). */
  readonly #contributors = new Map<string, Set<string>>();
  /** Per resource: its definitions that lost to the first file's (TSM0101), and a failed store. */
  readonly #duplicates = new Map<string, readonly Problem[]>();
  readonly #storeProblems = new Map<string, Problem>();
  #directoryProblem: Problem | undefined;
  /** What this source applied, with the object it applied and the resourceVersion the store gave it. */
  #managed = new Map<string, { readonly key: ConfigKey; readonly applied: Resource; readonly version: string | undefined }>();
  #problems: readonly Problem[] = [];
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigDirSourceOptions) {
    this.#options = options;
    this.#registry = options.registry ?? MESH_KINDS;
    const onError = options.onError ?? ((err: unknown) => process.emitWarning(`config dir ${options.dir}: ${String(err)}`));
    const watcherOptions = { dir: options.dir, onChange: async (names?: ReadonlySet<string>) => void (await this.sync(names)), onError };
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

  /**
   * Brings the store in line with the directory; scans never overlap. `names`: only these files
   * changed (what fs.watch reported); without it every file is looked at, and resources changed
   * or deleted in the store behind this source's back are restored.
   */
  sync(names?: ReadonlySet<string>): Promise<readonly Problem[]> {
    const run = this.#tail.then(() => this.#scan(names));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #scan(names: ReadonlySet<string> | undefined): Promise<readonly Problem[]> {
    const { dir } = this.#options;
    let candidates: string[];
    let listed: ReadonlySet<string> | undefined;
    if (names === undefined) {
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        listed = new Set(entries.filter((e) => e.isFile() && isConfigFileName(e.name)).map((e) => e.name));
      } catch (err) {
        // The directory is gone or unreadable (an unmounted volume): keep everything, say why.
        this.#directoryProblem = problem(ConfigMessages.UnreadableConfigFile, [(err as Error).message], { file: dir });
        this.#publish();
        return this.#problems;
      }
      this.#directoryProblem = undefined;
      candidates = [...new Set([...listed, ...this.#files.keys()])];
    } else {
      candidates = [...names].filter(isConfigFileName);
    }

    // Resources whose winning definition may have changed: those of every file that changed.
    const affected = new Set<string>();
    let looked = 0;
    for (const name of candidates) {
      // Thousands of stats in a row would hold a push up for tens of milliseconds.
      if (++looked % FILES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      const previous = this.#files.get(name);
      const present = listed !== undefined ? listed.has(name) : isFile(join(dir, name));
      const entry = present ? await this.#loadFile(name, previous) : undefined;
      if (entry === previous) continue;
      for (const id of previous?.contributions.keys() ?? []) {
        affected.add(id);
        this.#contributors.get(id)?.delete(name);
      }
      for (const id of entry?.contributions.keys() ?? []) {
        affected.add(id);
        let files = this.#contributors.get(id);
        if (files === undefined) this.#contributors.set(id, (files = new Set()));
        files.add(name);
      }
      if (entry === undefined) this.#files.delete(name);
      else this.#files.set(name, entry);
    }
    if (names === undefined) {
      // A full scan also restores what changed in the store behind this source's back.
      for (const [id, last] of this.#managed) if (this.#options.store.get(last.key)?.metadata.resourceVersion !== last.version) affected.add(id);
    }
    for (const id of affected) await this.#reconcile(id);
    this.#publish();
    return this.#problems;
  }

  /**
   * Stores the winning definition of resource `id` (the first file by name; a file keeps one
   * definition per resource), or deletes it when no file defines it any more. Every other
   * definition is reported as a duplicate.
   */
  async #reconcile(id: string): Promise<void> {
    const files = [...(this.#contributors.get(id) ?? [])].sort();
    if (files.length === 0) this.#contributors.delete(id);
    this.#duplicates.delete(id);
    this.#storeProblems.delete(id);
    const winnerFile = files[0];
    if (winnerFile === undefined) {
      const managed = this.#managed.get(id);
      if (managed !== undefined) {
        await this.#options.store.delete(managed.key);
        this.#managed.delete(id);
      }
      return;
    }
    const c = this.#files.get(winnerFile)!.contributions.get(id)!;
    if (files.length > 1) {
      const winnerSite = `${join(this.#options.dir, winnerFile)}:${c.line}`;
      this.#duplicates.set(
        id,
        files.slice(1).map((f) => {
          const other = this.#files.get(f)!.contributions.get(id)!;
          return problem(ConfigMessages.DuplicateResource, [describeKey(other.key), winnerSite], this.#site(other, f));
        }),
      );
    }
    // Skip what was applied from this very object and is still untouched in the store.
    const last = this.#managed.get(id);
    if (last?.applied === c.resource && last.version !== undefined && this.#options.store.get(c.key)?.metadata.resourceVersion === last.version) return;
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
      this.#storeProblems.set(id, problem(ConfigMessages.ConfigNotStored, [describeKey(c.key), (err as Error).message], this.#site(c, winnerFile)));
    }
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

  /** The current problems, sorted: the directory's, each file's, duplicates and failed stores. */
  #publish(): void {
    const problems: Problem[] = [];
    if (this.#directoryProblem !== undefined) problems.push(this.#directoryProblem);
    for (const entry of this.#files.values()) problems.push(...entry.problems);
    for (const list of this.#duplicates.values()) problems.push(...list);
    problems.push(...this.#storeProblems.values());
    problems.sort(compareProblems);
    const changed = JSON.stringify(problems) !== JSON.stringify(this.#problems);
    this.#problems = problems;
    if (changed) this.#options.onProblems?.(problems);
  }
}

function isConfigFileName(name: string): boolean {
  return !name.startsWith('.') && CONFIG_FILE.test(name);
}

/** A regular file (not a directory, and still there). */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
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
