// The behaviour every ConfigStore implementation must share, run by each implementation's own test file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource/resource.js';
import { StoreError, type ConfigKey, type ConfigStore, type WatchEvent } from '../config-store.js';

/** A clock and uid generator tests can read back: `now` advances one second per call. */
export interface FakeWorld {
  readonly now: () => number;
  readonly newUid: () => string;
}

export function fakeWorld(startMs = Date.UTC(2024, 4, 1, 12, 0, 0)): FakeWorld {
  let t = startMs - 1000;
  let uid = 0;
  return { now: () => (t += 1000), newUid: () => `uid-${++uid}` };
}

export interface StoreFixture {
  readonly store: ConfigStore;
  readonly close: () => Promise<void>;
}

export type MakeStore = (world: FakeWorld) => Promise<StoreFixture>;

export function virtualService(name: string, spec: Record<string, unknown> = { hosts: [name] }, extra: Partial<Resource['metadata']> = {}): Resource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default', ...extra }, spec };
}

export const VS_KEY = (name: string): ConfigKey => ({ group: 'networking.istio.io', kind: 'VirtualService', namespace: 'default', name });

async function withStore(make: MakeStore, fn: (store: ConfigStore, world: FakeWorld) => Promise<void>): Promise<void> {
  const world = fakeWorld();
  const { store, close } = await make(world);
  try {
    await fn(store, world);
  } finally {
    await close();
  }
}

export function runStoreConformance(name: string, make: MakeStore): void {
  describe(`${name}: ConfigStore conformance`, () => {
    test('apply: created, configured, unchanged (kubectl apply semantics)', () =>
      withStore(make, async (store) => {
        const created = await store.apply(virtualService('reviews'));
        assert.equal(created.result, 'created');
        assert.deepEqual(
          { ...created.resource.metadata },
          { name: 'reviews', namespace: 'default', uid: 'uid-1', resourceVersion: '1', generation: 1, creationTimestamp: '2024-05-01T12:00:00Z' },
        );
        const again = await store.apply(virtualService('reviews'));
        assert.equal(again.result, 'unchanged');
        assert.equal(again.resource.metadata.resourceVersion, '1');
        const changed = await store.apply(virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }));
        assert.equal(changed.result, 'configured');
        assert.equal(changed.resource.metadata.generation, 2);
        assert.equal(changed.resource.metadata.resourceVersion, '2');
        assert.equal(changed.resource.metadata.uid, 'uid-1', 'uid survives updates');
        assert.equal(changed.resource.metadata.creationTimestamp, '2024-05-01T12:00:00Z', 'creationTimestamp survives updates');
      }));

    test('generation: metadata-only changes keep it, spec and other top-level fields move it', () =>
      withStore(make, async (store) => {
        await store.apply(virtualService('r'));
        const labelled = await store.apply(virtualService('r', { hosts: ['r'] }, { labels: { app: 'r' } }));
        assert.deepEqual([labelled.result, labelled.resource.metadata.generation, labelled.resource.metadata.resourceVersion], ['configured', 1, '2']);
        const sameSpecOtherKeyOrder = await store.apply({ kind: 'VirtualService', metadata: { labels: { app: 'r' }, namespace: 'default', name: 'r' }, spec: { hosts: ['r'] }, apiVersion: 'networking.istio.io/v1' });
        assert.equal(sameSpecOtherKeyOrder.result, 'unchanged');
        const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mesh', namespace: 'istio-system' }, data: { mesh: 'a' } };
        await store.apply(cm);
        const data = await store.apply({ ...cm, data: { mesh: 'b' } });
        assert.deepEqual([data.result, data.resource.metadata.generation], ['configured', 2], 'ConfigMap data is a top-level non-metadata field');
      }));

    test('server-managed metadata and status in an applied resource are ignored; status survives apply', () =>
      withStore(make, async (store) => {
        await store.apply(virtualService('r'));
        await store.updateStatus(VS_KEY('r'), { validationMessages: [{ type: { code: 'IST0101' }, level: 'ERROR' }] });
        const incoming = virtualService('r', { hosts: ['r', 'x'] }, { uid: 'forged', resourceVersion: '99', generation: 42, creationTimestamp: '2000-01-01T00:00:00Z' });
        const { resource } = await store.apply({ ...incoming, status: { forged: true } });
        assert.equal(resource.metadata.uid, 'uid-1');
        assert.equal(resource.metadata.generation, 2);
        assert.equal(resource.metadata.resourceVersion, '3');
        assert.equal(resource.metadata.creationTimestamp, '2024-05-01T12:00:00Z');
        assert.deepEqual(resource.status, { validationMessages: [{ type: { code: 'IST0101' }, level: 'ERROR' }] });
      }));

    test('resources are stored at the storage version; aliases name the same object', () =>
      withStore(make, async (store) => {
        const { resource } = await store.apply({ ...virtualService('r'), apiVersion: 'networking.istio.io/v1beta1' });
        assert.equal(resource.apiVersion, 'networking.istio.io/v1');
        assert.equal((await store.apply({ ...virtualService('r'), apiVersion: 'networking.istio.io/v1alpha3' })).result, 'unchanged');
        assert.equal(store.list().length, 1);
      }));

    test('cluster-scoped kinds drop a namespace; namespaced kinds require one; bad input is refused', () =>
      withStore(make, async (store) => {
        const ns = await store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', namespace: 'default', labels: { 'istio-injection': 'enabled' } } });
        assert.equal(ns.resource.metadata.namespace, undefined);
        assert.equal(store.get({ group: '', kind: 'Namespace', name: 'bookinfo' })?.metadata.name, 'bookinfo');
        assert.equal(store.get({ group: '', kind: 'Namespace', namespace: 'x', name: 'bookinfo' })?.metadata.name, 'bookinfo', 'a namespace in the key of a cluster-scoped kind is ignored');
        const invalid = (e: unknown): boolean => e instanceof StoreError && e.code === 'Invalid';
        await assert.rejects(store.apply({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' } }), invalid);
        await assert.rejects(store.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'default' } }), invalid);
        await assert.rejects(store.apply({ ...virtualService('..') }), invalid);
        await assert.rejects(store.apply({ ...virtualService('a/b') }), invalid);
        await assert.rejects(store.apply({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { namespace: 'default' } }), invalid);
        assert.equal(store.list().length, 1);
      }));

    test('resourceVersion is a store-wide counter that only moves forward, across kinds and operations', () =>
      withStore(make, async (store) => {
        const seen: number[] = [];
        const note = (r: Resource | undefined): void => void seen.push(Number(r?.metadata.resourceVersion));
        note((await store.apply(virtualService('a'))).resource);
        note((await store.apply(virtualService('b'))).resource);
        note((await store.updateStatus(VS_KEY('a'), { ok: true })).resource);
        note((await store.apply(virtualService('a', { hosts: ['z'] }))).resource);
        const events: WatchEvent[] = [];
        store.watch((e) => events.push(e));
        await store.delete(VS_KEY('b'));
        note(events[0]?.resource);
        note((await store.apply(virtualService('c'))).resource);
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
        assert.equal(typeof store.get(VS_KEY('a'))?.metadata.resourceVersion, 'string');
      }));

    test('updateStatus: only resourceVersion moves; unchanged, stale and not-found are reported', () =>
      withStore(make, async (store) => {
        await store.apply(virtualService('r'));
        const updated = await store.updateStatus(VS_KEY('r'), { conditions: [] }, 1);
        assert.equal(updated.result, 'updated');
        assert.deepEqual([updated.resource?.metadata.generation, updated.resource?.metadata.resourceVersion], [1, '2']);
        assert.equal((await store.updateStatus(VS_KEY('r'), { conditions: [] })).result, 'unchanged');
        await store.apply(virtualService('r', { hosts: ['other'] }));
        const stale = await store.updateStatus(VS_KEY('r'), { conditions: [{ type: 'Old' }] }, 1);
        assert.equal(stale.result, 'stale');
        assert.deepEqual(store.get(VS_KEY('r'))?.status, { conditions: [] });
        assert.equal((await store.updateStatus(VS_KEY('nope'), {})).result, 'not-found');
        const cleared = await store.updateStatus(VS_KEY('r'), undefined);
        assert.equal(cleared.result, 'updated');
        assert.equal('status' in (store.get(VS_KEY('r')) ?? {}), false);
      }));

    test('delete: true once, then false; the object is gone', () =>
      withStore(make, async (store) => {
        await store.apply(virtualService('r'));
        assert.equal(await store.delete(VS_KEY('r')), true);
        assert.equal(await store.delete(VS_KEY('r')), false);
        assert.equal(store.get(VS_KEY('r')), undefined);
        assert.equal((await store.apply(virtualService('r'))).resource.metadata.uid, 'uid-2', 'a re-created object is a new object');
      }));

    test('list: deterministic order (group, kind, namespace, name) and filters', () =>
      withStore(make, async (store) => {
        await store.apply({ ...virtualService('b'), metadata: { name: 'b', namespace: 'z' } });
        await store.apply(virtualService('b'));
        await store.apply(virtualService('a'));
        await store.apply({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'a', namespace: 'default' }, spec: { host: 'a' } });
        await store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'z' } });
        const names = (rs: Resource[]): string[] => rs.map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`);
        assert.deepEqual(names(store.list()), ['Namespace//z', 'DestinationRule/default/a', 'VirtualService/default/a', 'VirtualService/default/b', 'VirtualService/z/b']);
        assert.deepEqual(names(store.list({ kind: 'VirtualService', namespace: 'default' })), ['VirtualService/default/a', 'VirtualService/default/b']);
        assert.deepEqual(names(store.list({ group: '' })), ['Namespace//z']);
        assert.deepEqual(names(store.list({ namespace: 'z' })), ['VirtualService/z/b']);
      }));

    test('optimistic concurrency: expectedResourceVersion must match; dryRun stores nothing', () =>
      withStore(make, async (store) => {
        const events: WatchEvent[] = [];
        store.watch((e) => events.push(e));
        const dry = await store.apply(virtualService('r'), { dryRun: true });
        assert.equal(dry.result, 'created');
        assert.equal(store.get(VS_KEY('r')), undefined);
        assert.equal(events.length, 0);
        await store.apply(virtualService('r'));
        await assert.rejects(store.apply(virtualService('r', { hosts: ['x'] }), { expectedResourceVersion: '7' }), (e: unknown) => e instanceof StoreError && e.code === 'Conflict');
        assert.equal((await store.apply(virtualService('r', { hosts: ['x'] }), { expectedResourceVersion: '1' })).result, 'configured');
      }));

    test('stored objects are frozen snapshots; the caller keeps ownership of what it applied', () =>
      withStore(make, async (store) => {
        const input = virtualService('r');
        const { resource } = await store.apply(input);
        assert.equal(Object.isFrozen(input), false);
        assert.equal(input.metadata.uid, undefined);
        assert.throws(() => {
          (resource.spec as { hosts: string[] }).hosts.push('x');
        }, TypeError);
        assert.deepEqual((store.get(VS_KEY('r'))?.spec as { hosts: string[] }).hosts, ['r']);
      }));

    test('watch: added, modified with previous, deleted with a fresh resourceVersion; delivered before the write settles', () =>
      withStore(make, async (store) => {
        const events: WatchEvent[] = [];
        const stop = store.watch((e) => events.push(e));
        await store.apply(virtualService('r'));
        assert.equal(events.length, 1, 'delivered by the time the write resolves');
        await store.apply(virtualService('r'));
        await store.apply(virtualService('r', { hosts: ['x'] }));
        await store.updateStatus(VS_KEY('r'), { ok: true });
        await store.delete(VS_KEY('r'));
        await store.delete(VS_KEY('r'));
        stop();
        await store.apply(virtualService('after'));
        assert.deepEqual(
          events.map((e) => [e.type, e.resource.metadata.resourceVersion, e.previous?.metadata.resourceVersion]),
          [['added', '1', undefined], ['modified', '2', '1'], ['modified', '3', '2'], ['deleted', '4', undefined]],
        );
        assert.deepEqual(events[1]?.previous?.spec, { hosts: ['r'] });
        assert.deepEqual(events[3]?.resource.status, { ok: true }, 'deleted carries the last state');
      }));

    test('watch: events raised from a listener are delivered after the current one, to every listener in order', () =>
      withStore(make, async (store) => {
        const seenByA: string[] = [];
        const seenByB: string[] = [];
        let followUp: Promise<unknown> | undefined;
        store.watch((e) => {
          seenByA.push(`${e.type}:${e.resource.metadata.name}`);
          if (e.resource.metadata.name === 'first') followUp = store.apply(virtualService('second'));
        });
        store.watch((e) => void seenByB.push(`${e.type}:${e.resource.metadata.name}`));
        await store.apply(virtualService('first'));
        await followUp;
        assert.deepEqual(seenByA, ['added:first', 'added:second']);
        assert.deepEqual(seenByB, ['added:first', 'added:second']);
      }));
  });
}
