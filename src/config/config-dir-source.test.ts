import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem, type Problem } from '../api/problems/problem.js';
import type { Resource } from '../api/resource/resource.js';
import { ConfigDirSource } from './config-dir-source.js';
import type { ConfigKey, WatchEvent } from './config-store.js';
import { MemoryStore } from './memory-store.js';
import { fakeWorld, virtualService } from './testing/store-conformance.js';

const vs = (name: string, host = name, namespace?: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}${namespace === undefined ? '' : `\n  namespace: ${namespace}`}
spec:
  hosts: [${host}]
  http:
  - route:
    - destination: {host: ${host}}
`;

const dr = (name: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}}
spec: {host: ${name}}
`;

const key = (name: string, kind = 'VirtualService'): ConfigKey => ({ group: 'networking.istio.io', kind, namespace: 'default', name });
const hostsOf = (r: Resource | undefined): unknown => (r?.spec as { hosts?: unknown } | undefined)?.hosts;

interface Fixture {
  readonly dir: string;
  readonly store: MemoryStore;
  readonly source: ConfigDirSource;
  readonly reported: (readonly Problem[])[];
  readonly write: (name: string, text: string) => Promise<void>;
}

async function withSource(fn: (f: Fixture) => Promise<void>, options: { debounceMs?: number; rescanIntervalMs?: number } = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsmesh-configdir-'));
  const store = new MemoryStore(fakeWorld());
  const reported: (readonly Problem[])[] = [];
  const source = new ConfigDirSource({ dir, store, onProblems: (p) => reported.push(p), ...options });
  try {
    await fn({ dir, store, source, reported, write: (name, text) => writeFile(join(dir, name), text) });
  } finally {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const codes = (problems: readonly Problem[]): string[] => problems.map((p) => `${p.code} ${p.resource?.name ?? ''}`.trim());

test('loads every *.yaml, *.yml and *.json directly in the directory, and nothing else', () =>
  withSource(async ({ dir, store, source, write }) => {
    await write('a.yaml', `${vs('reviews')}---\n${dr('reviews')}`);
    await write('b.yml', vs('ratings'));
    await write('c.json', JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } }));
    await write('notes.txt', vs('txt'));
    await write('.hidden.yaml', vs('hidden'));
    await mkdir(join(dir, 'sub'));
    await write(join('sub', 'd.yaml'), vs('nested'));
    assert.deepEqual(await source.sync(), []);
    assert.deepEqual(store.list().map((r) => `${r.kind}/${r.metadata.name}`), ['DestinationRule/reviews', 'Gateway/gw', 'VirtualService/ratings', 'VirtualService/reviews']);
  }));

test('edit, remove a resource from a file, remove a file: the store follows', () =>
  withSource(async ({ dir, store, source, write }) => {
    await write('a.yaml', `${vs('reviews')}---\n${dr('reviews')}`);
    await write('b.yaml', vs('ratings'));
    await source.sync();
    await write('a.yaml', `${vs('reviews', 'reviews.other')}---\n${dr('reviews')}`);
    await source.sync();
    const reviews = store.get(key('reviews'));
    assert.deepEqual([hostsOf(reviews), reviews?.metadata.generation], [['reviews.other'], 2]);
    await write('a.yaml', vs('reviews', 'reviews.other'));
    await source.sync();
    assert.equal(store.get(key('reviews', 'DestinationRule')), undefined);
    await unlink(join(dir, 'b.yaml'));
    await source.sync();
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['reviews']);
  }));

test('a bad edit never removes running config; the fix is applied; problems come and go', () =>
  withSource(async ({ store, source, reported, write }) => {
    await write('a.yaml', `${vs('r1')}---\n${vs('r2')}`);
    await source.sync();
    assert.deepEqual(reported, [], 'no problems, no callback');

    // Document 2 stops parsing while document 1 changes validly: r1 moves on, r2 stays as it was.
    await write('a.yaml', `${vs('r1', 'r1.v2')}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r2\n`);
    let problems = await source.sync();
    assert.deepEqual(hostsOf(store.get(key('r1'))), ['r1.v2']);
    assert.deepEqual(hostsOf(store.get(key('r2'))), ['r2']);
    assert.deepEqual(codes(problems), ['TSM0104 r2', 'TSM0001']);
    assert.match(formatProblem(problems[0] as Problem), /Warning \[TSM0104\] \(VirtualService default\/r2 .*a\.yaml:\d+\) VirtualService default\/r2 no longer loads from this file; its last valid version stays in effect/);

    // The whole file becomes garbage: both stay.
    await write('a.yaml', 'key: [unclosed\n');
    problems = await source.sync();
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['r1', 'r2']);
    assert.deepEqual(codes(problems).sort(), ['TSM0001', 'TSM0104 r1', 'TSM0104 r2']);

    // r1 breaks its schema (and is identifiable): it keeps its last good version; r2 is fine and present.
    await write('a.yaml', `${vs('r1').replace('hosts: [r1]', 'hosts: 5')}---\n${vs('r2', 'r2.v2')}`);
    problems = await source.sync();
    assert.deepEqual(hostsOf(store.get(key('r1'))), ['r1.v2']);
    assert.deepEqual(hostsOf(store.get(key('r2'))), ['r2.v2']);
    assert.deepEqual(codes(problems), ['TSM0104 r1', 'IST0106 r1']);
    assert.equal(problems[1]?.path, 'spec.hosts');

    // Fixed: applied, and the callback hears that all is well again.
    await write('a.yaml', `${vs('r1', 'r1.v3')}---\n${vs('r2', 'r2.v2')}`);
    assert.deepEqual(await source.sync(), []);
    assert.deepEqual(hostsOf(store.get(key('r1'))), ['r1.v3']);
    assert.deepEqual(reported.at(-1), []);

    // A resource removed from a file that loads cleanly is deleted.
    await write('a.yaml', vs('r1', 'r1.v3'));
    await source.sync();
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['r1']);
  }));

test('an invalid resource that never loaded is reported and not stored', () =>
  withSource(async ({ store, source, write }) => {
    await write('a.yaml', `${vs('bad').replace('hosts: [bad]', 'hosts: 5')}---\n${vs('good')}`);
    const problems = await source.sync();
    assert.deepEqual(codes(problems), ['IST0106 bad']);
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['good']);
  }));

test('two files define one resource: the first file by name wins, whatever order they were written in', () =>
  withSource(async ({ dir, store, source, write }) => {
    await write('b.yaml', vs('dup', 'from-b'));
    await write('a.yaml', `${dr('other')}---\n${vs('dup', 'from-a')}`);
    const problems = await source.sync();
    assert.deepEqual(hostsOf(store.get(key('dup'))), ['from-a']);
    assert.equal(problems.length, 1);
    assert.equal(
      formatProblem(problems[0] as Problem),
      `Warning [TSM0101] (VirtualService default/dup ${join(dir, 'b.yaml')}:1) VirtualService default/dup is also defined in ${join(dir, 'a.yaml')}:6; that definition is used and this one is ignored`,
    );
    // The winner's file drops it: the other definition takes over (no gap, no delete).
    const events: WatchEvent[] = [];
    store.watch((e) => events.push(e));
    await write('a.yaml', dr('other'));
    assert.deepEqual(await source.sync(), []);
    assert.deepEqual(hostsOf(store.get(key('dup'))), ['from-b']);
    assert.deepEqual(events.map((e) => e.type), ['modified']);
  }));

test('the same resource twice in one file: the first document wins', () =>
  withSource(async ({ store, source, write }) => {
    await write('a.yaml', `${vs('dup', 'first')}---\n${vs('dup', 'second')}`);
    const problems = await source.sync();
    assert.deepEqual(hostsOf(store.get(key('dup'))), ['first']);
    assert.deepEqual(codes(problems), ['TSM0101 dup']);
  }));

test('namespaces: defaulted like kubectl, explicit ones kept, and a namespace-less duplicate matches the default', () =>
  withSource(async ({ store, source, write }) => {
    await write('a.yaml', `${vs('r', 'a', 'default')}---\n${vs('r', 'b')}---\n${vs('r', 'c', 'prod')}`);
    const problems = await source.sync();
    assert.deepEqual(codes(problems), ['TSM0101 r']);
    assert.deepEqual(store.list().map((r) => `${r.metadata.namespace}/${hostsOf(r)}`), ['default/a', 'prod/c']);
  }));

test('only resources this source applied are deleted; a missing directory removes nothing', () =>
  withSource(async ({ dir, store, source, write }) => {
    await store.apply(virtualService('applied-elsewhere'));
    await write('a.yaml', vs('mine'));
    await source.sync();
    await unlink(join(dir, 'a.yaml'));
    await write('b.yaml', vs('other'));
    await source.sync();
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['applied-elsewhere', 'other']);
    await rm(dir, { recursive: true });
    const problems = await source.sync();
    assert.deepEqual(codes(problems), ['TSM0103']);
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['applied-elsewhere', 'other']);
  }));

test('the store is kept equal to the files: a resource changed or deleted behind the source\'s back is restored', () =>
  withSource(async ({ store, source, write }) => {
    await write('a.yaml', `${vs('r')}---\n${vs('s')}`);
    await source.sync();
    const events: WatchEvent[] = [];
    store.watch((e) => events.push(e));
    await source.sync();
    assert.deepEqual(events, [], 'a rescan with nothing changed writes nothing');
    await store.delete(key('r'));
    await store.apply(virtualService('s', { hosts: ['edited'] }));
    await source.sync();
    assert.deepEqual(hostsOf(store.get(key('r'))), ['r']);
    assert.deepEqual(hostsOf(store.get(key('s'))), ['s']);
  }));

/** Resolves with the first store event matching `pred`, or rejects after `ms`. */
function nextEvent(store: MemoryStore, pred: (e: WatchEvent) => boolean, ms = 5000): Promise<WatchEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no matching store event'));
    }, ms);
    const stop = store.watch((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      stop();
      resolve(e);
    });
  });
}

test('watching: an added, edited or removed file changes the store; a bad edit only reports', () =>
  withSource(
    async ({ dir, store, source, reported, write }) => {
      await source.start();
      let event = nextEvent(store, (e) => e.type === 'added');
      await write('a.yaml', vs('live'));
      assert.equal((await event).resource.metadata.name, 'live');

      event = nextEvent(store, (e) => e.type === 'modified');
      await write('a.yaml', vs('live', 'live.v2'));
      assert.deepEqual(hostsOf((await event).resource), ['live.v2']);

      const before = reported.length;
      await write('a.yaml', 'apiVersion: [broken\n');
      const deadline = Date.now() + 5000;
      while (reported.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(codes(reported.at(-1) ?? []).sort(), ['TSM0001', 'TSM0104 live']);
      assert.deepEqual(hostsOf(store.get(key('live'))), ['live.v2']);

      event = nextEvent(store, (e) => e.type === 'deleted');
      await unlink(join(dir, 'a.yaml'));
      assert.equal((await event).resource.metadata.name, 'live');
    },
    { debounceMs: 20, rescanIntervalMs: 250 },
  ));

test('close() stops watching: no scan runs and no timer is left behind', () =>
  withSource(
    async ({ store, source, write }) => {
      await source.start();
      await source.close();
      await write('a.yaml', vs('late'));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(store.list().length, 0);
      assert.deepEqual(process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'FSEventWrap'), []);
    },
    { debounceMs: 10, rescanIntervalMs: 20 },
  ));

test('a file rewritten with the same size and given back its old modification time is still read again (its change time moved)', () =>
  withSource(async ({ dir, store, source, write }) => {
    await write('a.yaml', vs('reviews', 'aaaaa'));
    await source.sync();
    const { mtime } = await stat(join(dir, 'a.yaml'));
    await write('a.yaml', vs('reviews', 'bbbbb'));
    await utimes(join(dir, 'a.yaml'), mtime, mtime);
    await source.sync();
    assert.deepEqual(hostsOf(store.get(key('reviews'))), ['bbbbb']);
  }));

test('a scan of the files an event named looks at those alone: edits, a removal, a duplicate taking over; the full rescan catches the rest', () =>
  withSource(async ({ dir, store, source, write }) => {
    await write('a.yaml', vs('dup', 'from-a'));
    await write('b.yaml', `${vs('dup', 'from-b')}---\n${vs('b')}`);
    await write('c.yaml', vs('c'));
    await source.sync();
    assert.deepEqual(hostsOf(store.get(key('dup'))), ['from-a']);

    await write('c.yaml', vs('c', 'c-edited'));
    await write('b.yaml', `${vs('dup', 'from-b')}---\n${vs('b', 'b-edited')}`);
    assert.deepEqual(codes(await source.sync(new Set(['b.yaml']))), ['TSM0101 dup'], 'the duplicate is still reported');
    assert.deepEqual(hostsOf(store.get(key('b'))), ['b-edited']);
    assert.deepEqual(hostsOf(store.get(key('c'))), ['c'], 'c.yaml was not named: not read');

    // The winner's file goes away: the other definition takes over; the duplicate warning goes.
    await unlink(join(dir, 'a.yaml'));
    assert.deepEqual(await source.sync(new Set(['a.yaml'])), []);
    assert.deepEqual(hostsOf(store.get(key('dup'))), ['from-b']);

    // Names that are no config file (a dotfile, a directory) change nothing.
    await write('.b.yaml.swp', 'junk');
    await mkdir(join(dir, 'sub.yaml'));
    assert.deepEqual(await source.sync(new Set(['.b.yaml.swp', 'sub.yaml'])), []);
    assert.deepEqual(store.list().map((r) => r.metadata.name).sort(), ['b', 'c', 'dup']);

    await source.sync();
    assert.deepEqual(hostsOf(store.get(key('c'))), ['c-edited'], 'the full rescan reads what no event named');
  }));
