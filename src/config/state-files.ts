// Where the file store keeps each resource, and how a file on disk becomes a resource or a reason it cannot.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { KindRegistry } from '../api/kinds/kind-registry.js';
import { isPlainObject, type Resource } from '../api/resource/resource.js';
import { isTempFile } from './atomic-write.js';
import { normalizeKey } from './apply-rules.js';
import { keyOf, type ConfigKey } from './config-store.js';

/**
 * Layout of a state directory (`./.tsmesh/config`), one JSON file per resource:
 *
 *   <dir>/.lock                                    writers' lock (file-lock.ts)
 *   <dir>/resource-version                         the store-wide resourceVersion counter
 *   <dir>/<plural>[.<group>]/<namespace>/<name>.json   e.g. virtualservices.networking.istio.io/default/reviews.json
 *   <dir>/<plural>[.<group>]/_cluster/<name>.json      cluster-scoped kinds (namespaces/_cluster/foo.json)
 *
 * Kind directories use kubectl's resource names, so the tree reads like the API's URL space.
 * `_cluster` cannot clash with a namespace (namespaces are DNS labels, which have no '_'). Names
 * are percent-encoded; store names never contain '%', so the encoding is reversible and a name
 * can never escape its directory.
 */
export const LOCK_FILE = '.lock';
export const COUNTER_FILE = 'resource-version';
const CLUSTER_DIR = '_cluster';
/** Where a corrupt file is moved when a write replaces it, so its content can still be recovered by hand. */
export const CORRUPT_SUFFIX = '.corrupt';

export function resourcePath(dir: string, key: ConfigKey, registry: KindRegistry): string {
  const info = registry.lookupGroupKind(key.group, key.kind);
  const plural = info?.plural ?? `${key.kind.toLowerCase()}s`;
  const kindDir = key.group === '' ? plural : `${plural}.${key.group}`;
  return join(dir, kindDir, key.namespace ?? CLUSTER_DIR, `${encodeURIComponent(key.name)}.json`);
}

/** Every `<kind>/<namespace>/<name>.json` under `dir`; removes temp files left by writers that died mid-write. */
export async function listResourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const kindDir of await subdirectories(dir)) {
    for (const nsDir of await subdirectories(join(dir, kindDir))) {
      const nsPath = join(dir, kindDir, nsDir);
      for (const entry of await readdir(nsPath, { withFileTypes: true }).catch(() => [])) {
        if (!entry.isFile()) continue;
        if (isTempFile(entry.name)) await removeOrphanTemp(join(nsPath, entry.name));
        else if (entry.name.endsWith('.json')) out.push(join(nsPath, entry.name));
      }
    }
  }
  return out.sort();
}

async function subdirectories(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

// `.<name>.json.<pid>.<random>.tmp`: the writer's pid tells whether it can still be renamed into place.
async function removeOrphanTemp(path: string): Promise<void> {
  const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(path)?.[1]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') return;
    }
  }
  await unlink(path).catch(() => undefined);
}

/** A change stamp: a write replaces the file (new inode), so inode + size + mtime tells an unchanged file cheaply. */
export async function fileStamp(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export type ReadOutcome =
  | { readonly status: 'ok'; readonly key: ConfigKey; readonly resource: Resource }
  | { readonly status: 'missing' }
  | { readonly status: 'corrupt'; readonly reason: string };

/**
 * Reads one resource file and checks it is what the store wrote: a JSON object of a known kind,
 * with the server-managed metadata the store relies on, sitting at the path its key maps to (a
 * file copied under another name would otherwise shadow or duplicate a resource).
 */
export async function readResourceFile(path: string, dir: string, registry: KindRegistry): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', reason: (err as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { status: 'corrupt', reason: `not JSON: ${(err as Error).message}` };
  }
  const reason = checkEnvelope(data, registry);
  if (reason !== undefined) return { status: 'corrupt', reason };
  const resource = data as Resource;
  const key = normalizeKey(keyOf(resource), registry);
  const expected = resourcePath(dir, key, registry);
  if (expected !== path) return { status: 'corrupt', reason: `holds ${key.kind} ${key.namespace ?? ''}${key.namespace === undefined ? '' : '/'}${key.name}, which belongs in ${expected}` };
  return { status: 'ok', key, resource };
}

function checkEnvelope(data: unknown, registry: KindRegistry): string | undefined {
  if (!isPlainObject(data)) return 'not a JSON object';
  if (typeof data.apiVersion !== 'string' || typeof data.kind !== 'string') return 'apiVersion or kind missing';
  if (registry.lookup(data.apiVersion, data.kind) === undefined) return `unknown kind ${data.kind} in version ${data.apiVersion}`;
  const meta = data.metadata;
  if (!isPlainObject(meta) || typeof meta.name !== 'string' || meta.name === '') return 'metadata.name missing';
  if (typeof meta.resourceVersion !== 'string' || !/^[1-9]\d*$/.test(meta.resourceVersion)) return 'metadata.resourceVersion missing or not a positive integer';
  if (typeof meta.generation !== 'number' || !Number.isInteger(meta.generation) || meta.generation < 1) return 'metadata.generation missing or not a positive integer';
  if (typeof meta.uid !== 'string' || meta.uid === '') return 'metadata.uid missing';
  return undefined;
}

/** The counter file's value, or 0 when it is missing or unreadable (the resources' own versions then bound it). */
export async function readCounter(dir: string): Promise<number> {
  try {
    const n = Number((await readFile(join(dir, COUNTER_FILE), 'utf8')).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

export function serialize(resource: Resource): string {
  return `${JSON.stringify(resource, null, 2)}\n`;
}
