import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Problem } from '../api/problems/problem.js';
import type { WatchEvent } from './config-store.js';
import { DirWatcher } from './dir-watcher.js';
import { FileStore } from './file-store.js';
import { fakeWorld, runStoreConformance, virtualService, VS_KEY } from './testing/store-conformance.js';

const run = promisify(execFile);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-filestore-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const VS_DIR = 'virtualservices.networking.istio.io';

runStoreConformance('FileStore', async (world) => {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-filestore-'));
  const store = await FileStore.open({ dir, ...world });
  return { store, close: () => rm(dir, { recursive: true, force: true }) };
});

test('one JSON file per resource, under kubectl resource names; cluster-scoped kinds under _cluster', () =>
  withDir(async (dir) => {
    const store = await FileStore.open({ dir, ...fakeWorld() });
    await store.apply(virtualService('reviews'));
    await store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } });
    const onDisk = JSON.parse(await readFile(join(dir, VS_DIR, 'default', 'reviews.json'), 'utf8'));
    assert.deepEqual(onDisk, store.get(VS_KEY('reviews')));
    assert.equal(JSON.parse(await readFile(join(dir, 'namespaces', '_cluster', 'bookinfo.json'), 'utf8')).metadata.name, 'bookinfo');
    assert.equal((await readFile(join(dir, 'resource-version'), 'utf8')).trim(), '2');
  }));

test('survives a restart: objects, status, uids, generations, and the resourceVersion counter', () =>
  withDir(async (dir) => {
    const first = await FileStore.open({ dir, ...fakeWorld() });
    await first.apply(virtualService('a'));
    await first.apply(virtualService('b'));
    await first.apply(virtualService('a', { hosts: ['a', 'a2'] }));
    await first.updateStatus(VS_KEY('a'), { validationMessages: [] });
    await first.delete(VS_KEY('b'));
    const second = await FileStore.open({ dir, ...fakeWorld() });
    assert.deepEqual(second.list(), first.list());
    assert.deepEqual(second.problems(), []);
    const a = second.get(VS_KEY('a'));
    assert.deepEqual([a?.metadata.uid, a?.metadata.generation, a?.metadata.resourceVersion, a?.status], ['uid-1', 2, '4', { validationMessages: [] }]);
    // The deletion took resourceVersion 5; a restarted store must not hand it out again.
    assert.equal((await second.apply(virtualService('c'))).resource.metadata.resourceVersion, '6');
  }));

test('corrupt files are reported with file and reason and skipped; everything else loads', () =>
  withDir(async (dir) => {
    const setup = await FileStore.open({ dir, ...fakeWorld() });
    await setup.apply(virtualService('good'));
    await setup.apply(virtualService('broken'));
    await setup.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } });
    const good = await readFile(join(dir, VS_DIR, 'default', 'good.json'), 'utf8');
    await writeFile(join(dir, VS_DIR, 'default', 'broken.json'), '{"apiVersion": "networking.istio.io/v1", "kind": "Virt');
    await writeFile(join(dir, VS_DIR, 'default', 'copied.json'), good);
    await writeFile(join(dir, VS_DIR, 'default', 'empty.json'), '');
    await mkdir(join(dir, 'widgets.example.com', 'default'), { recursive: true });
    await writeFile(join(dir, 'widgets.example.com', 'default', 'w.json'), JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }));

    const reported: Problem[] = [];
    const store = await FileStore.open({ dir, ...fakeWorld(), onProblem: (p) => reported.push(p) });
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['bookinfo', 'good']);
    const byFile = new Map(store.problems().map((p) => [p.file, p]));
    assert.deepEqual([...byFile.keys()].sort(), [
      join(dir, VS_DIR, 'default', 'broken.json'),
      join(dir, VS_DIR, 'default', 'copied.json'),
      join(dir, VS_DIR, 'default', 'empty.json'),
      join(dir, 'widgets.example.com', 'default', 'w.json'),
    ]);
    assert.match(byFile.get(join(dir, VS_DIR, 'default', 'broken.json'))?.message ?? '', /^state file skipped: not JSON: /);
    assert.match(byFile.get(join(dir, VS_DIR, 'default', 'copied.json'))?.message ?? '', /holds VirtualService default\/good, which belongs in .*good\.json$/);
    assert.match(byFile.get(join(dir, 'widgets.example.com', 'default', 'w.json'))?.message ?? '', /unknown kind Widget/);
    assert.ok(store.problems().every((p) => p.code === 'TSM0102' && p.severity === 'Error'));
    assert.equal(reported.length, 4);

    // Writing the key moves the damaged file aside (recoverable) and stores the new object.
    const { result } = await store.apply(virtualService('broken'));
    assert.equal(result, 'created');
    assert.match(await readFile(join(dir, VS_DIR, 'default', 'broken.json.corrupt'), 'utf8'), /"kind": "Virt$/);
    assert.equal(store.problems().length, 3);
  }));

test('a file damaged after loading keeps the last good object, and the next write continues from it', () =>
  withDir(async (dir) => {
    const store = await FileStore.open({ dir, ...fakeWorld() });
    await store.apply(virtualService('r'));
    await writeFile(join(dir, VS_DIR, 'default', 'r.json'), 'garbage');
    const events: WatchEvent[] = [];
    store.watch((e) => events.push(e));
    await store.refresh();
    assert.equal(store.get(VS_KEY('r'))?.metadata.uid, 'uid-1');
    assert.equal(events.length, 0, 'damage is not a deletion');
    assert.equal(store.problems().length, 1);
    const { result, resource } = await store.apply(virtualService('r', { hosts: ['new'] }));
    assert.deepEqual([result, resource.metadata.uid, resource.metadata.generation], ['configured', 'uid-1', 2]);
    assert.equal(JSON.parse(await readFile(join(dir, VS_DIR, 'default', 'r.json'), 'utf8')).metadata.generation, 2);
    assert.deepEqual(store.problems(), []);
  }));

test('two stores on one directory: writes re-read the target first, refresh() reports the other side as events', () =>
  withDir(async (dir) => {
    const a = await FileStore.open({ dir, ...fakeWorld() });
    const b = await FileStore.open({ dir, ...fakeWorld(Date.UTC(2025, 0, 1)) });
    await a.apply(virtualService('shared'));
    // b never saw `shared`, but its write re-reads the file under the lock: no second create, no lost uid.
    const fromB = await b.apply(virtualService('shared', { hosts: ['b'] }));
    assert.deepEqual([fromB.result, fromB.resource.metadata.uid, fromB.resource.metadata.generation, fromB.resource.metadata.resourceVersion], ['configured', 'uid-1', 2, '2']);
    const events: WatchEvent[] = [];
    a.watch((e) => events.push(e));
    await b.apply(virtualService('only-b'));
    await b.delete(VS_KEY('shared'));
    await a.refresh();
    assert.deepEqual(events.map((e) => `${e.type} ${e.resource.metadata.name}`).sort(), ['added only-b', 'deleted shared']);
    assert.deepEqual(a.list(), b.list());
    assert.equal((await a.apply(virtualService('next'))).resource.metadata.resourceVersion, '5');
  }));

test('a DirWatcher on the state directory brings another process\'s writes in (every write renames the counter file there)', () =>
  withDir(async (dir) => {
    const reader = await FileStore.open({ dir });
    const writer = await FileStore.open({ dir });
    const watcher = new DirWatcher({ dir, debounceMs: 10, rescanIntervalMs: 1000, onChange: () => reader.refresh() });
    watcher.start();
    try {
      const added = new Promise<WatchEvent>((resolve) => reader.watch(resolve));
      await writer.apply(virtualService('from-writer'));
      assert.equal((await added).resource.metadata.name, 'from-writer');
    } finally {
      await watcher.close();
    }
  }));

test('temp files of writers that died mid-write are removed on open; a live writer\'s are left alone', () =>
  withDir(async (dir) => {
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const nsDir = join(dir, VS_DIR, 'default');
    await mkdir(nsDir, { recursive: true });
    await writeFile(join(nsDir, `.r.json.${dead}.abc123.tmp`), '{"partial');
    await writeFile(join(nsDir, `.s.json.${process.pid}.abc124.tmp`), '{"in progress');
    const store = await FileStore.open({ dir });
    assert.deepEqual(store.problems(), []);
    assert.deepEqual(await readdir(nsDir), [`.s.json.${process.pid}.abc124.tmp`]);
  }));

test('two processes applying at once lose no write', () =>
  withDir(async (dir) => {
    const storeUrl = pathToFileURL(join(import.meta.dirname, 'file-store.js')).href;
    const script = join(dir, 'writer.mjs');
    await writeFile(
      script,
      `import { FileStore } from ${JSON.stringify(storeUrl)};
const [dir, id, n] = process.argv.slice(2);
const store = await FileStore.open({ dir });
const vs = (name, hosts) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts } });
for (let i = 0; i < Number(n); i++) {
  await store.apply(vs('own-' + id + '-' + i, ['x']));
  await store.apply(vs('shared', [id + '-' + i]));
}
`,
    );
    const stateDir = join(dir, 'state');
    const n = 12;
    await Promise.all(['p1', 'p2'].map((id) => run(process.execPath, [script, stateDir, id, String(n)])));
    const store = await FileStore.open({ dir: stateDir });
    assert.deepEqual(store.problems(), []);
    const names = store.list().map((r) => r.metadata.name);
    assert.equal(names.length, 2 * n + 1);
    // Every one of the 2n applies to `shared` changed its spec, so none was lost iff generation is 2n.
    assert.equal(store.get(VS_KEY('shared'))?.metadata.generation, 2 * n);
    const versions = store.list().map((r) => Number(r.metadata.resourceVersion));
    assert.equal(new Set(versions).size, versions.length, 'resourceVersions are unique');
    assert.equal(Number((await readFile(join(stateDir, 'resource-version'), 'utf8')).trim()), 4 * n, 'one resourceVersion per change, none reused');
  }));
