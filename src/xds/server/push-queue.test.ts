import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PushQueue } from './push-queue.js';

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('at most `concurrency` pushes run at once; the rest wait in order', async () => {
  const running = new Map<string, () => void>();
  const started: string[] = [];
  const q = new PushQueue<string, number>(2, (a, b) => a + b, (k) => {
    started.push(k);
    const d = deferred();
    running.set(k, d.resolve);
    return d.promise;
  });
  for (const k of ['a', 'b', 'c', 'd']) q.enqueue(k, 1);
  assert.deepEqual(started, ['a', 'b']);
  running.get('a')!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['a', 'b', 'c']);
  running.get('b')!();
  running.get('c')!();
  await new Promise((r) => setImmediate(r));
  running.get('d')!();
  await q.idle();
  assert.deepEqual(started, ['a', 'b', 'c', 'd']);
  assert.equal(q.size, 0);
});

test('a key waiting is merged; a key being pushed is pushed again after, with what arrived', async () => {
  const calls: [string, number][] = [];
  const gates: (() => void)[] = [];
  const q = new PushQueue<string, number>(1, (a, b) => a + b, (k, v) => {
    calls.push([k, v]);
    const d = deferred();
    gates.push(d.resolve);
    return d.promise;
  });
  q.enqueue('a', 1);
  q.enqueue('b', 1);
  q.enqueue('b', 10);
  q.enqueue('a', 100);
  q.enqueue('a', 1000);
  assert.deepEqual(calls, [['a', 1]]);
  while (gates.length > 0 || q.size > 0) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(calls, [['a', 1], ['b', 11], ['a', 1100]]);
});

test('a failing worker does not stop the queue', async () => {
  const done: string[] = [];
  const q = new PushQueue<string, number>(1, (a, b) => a + b, async (k) => {
    if (k === 'bad') throw new Error('boom');
    done.push(k);
  });
  q.enqueue('bad', 1);
  q.enqueue('good', 1);
  await q.idle();
  assert.deepEqual(done, ['good']);
});
