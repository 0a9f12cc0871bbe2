import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from './config-store.js';
import { MemoryStore } from './memory-store.js';
import { fakeWorld, runStoreConformance, virtualService, VS_KEY } from './testing/store-conformance.js';

runStoreConformance('MemoryStore', async (world) => ({ store: new MemoryStore(world), close: async () => undefined }));

test('MemoryStore delivers synchronously, during the call that made the change', async () => {
  const store = new MemoryStore(fakeWorld());
  const events: WatchEvent[] = [];
  store.watch((e) => events.push(e));
  const pending = store.apply(virtualService('r'));
  assert.equal(events.length, 1, 'the listener ran before apply() returned its promise');
  assert.equal(store.get(VS_KEY('r'))?.metadata.resourceVersion, '1', 'and the change is visible to get() at once');
  await pending;
});

test('a listener that throws does not stop the others or fail the write', async () => {
  const failures: string[] = [];
  const store = new MemoryStore({ ...fakeWorld(), onListenerError: (err, e) => failures.push(`${(err as Error).message} on ${e.type}`) });
  const seen: string[] = [];
  store.watch(() => {
    throw new Error('boom');
  });
  store.watch((e) => seen.push(e.type));
  const { result } = await store.apply(virtualService('r'));
  assert.equal(result, 'created');
  assert.deepEqual(seen, ['added']);
  assert.deepEqual(failures, ['boom on added']);
});

test('the same listener subscribed twice is two subscriptions, each with its own unsubscribe', async () => {
  const store = new MemoryStore(fakeWorld());
  let calls = 0;
  const listener = (): void => void calls++;
  const stopFirst = store.watch(listener);
  store.watch(listener);
  await store.apply(virtualService('a'));
  stopFirst();
  await store.apply(virtualService('b'));
  assert.equal(calls, 3);
});

test('a failed write changes nothing and emits nothing', async () => {
  const store = new MemoryStore(fakeWorld());
  const events: WatchEvent[] = [];
  store.watch((e) => events.push(e));
  await assert.rejects(store.apply({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' } }));
  await store.apply(virtualService('ok'));
  assert.equal(events.length, 1);
  assert.equal(events[0]?.resource.metadata.resourceVersion, '1', 'the refused write consumed no resourceVersion');
});
