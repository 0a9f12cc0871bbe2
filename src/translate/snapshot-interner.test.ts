import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushContext } from '../model/push-context.js';
import { SnapshotInterner, internedSerial } from './snapshot-interner.js';

/** The interner only tells snapshots apart by identity. */
const snapshot = (): PushContext => ({}) as PushContext;

test('one object per key within a snapshot and into the next; the build runs once', () => {
  const interner = new SnapshotInterner<{ v: number[] }>();
  let builds = 0;
  const build = (): { v: number[] } => ({ v: [++builds] });
  const one = snapshot();
  const a = interner.intern(one, 'k', build);
  assert.equal(interner.intern(one, 'k', build), a);
  assert.notEqual(interner.intern(one, 'other', build), a);
  const two = snapshot();
  assert.equal(interner.intern(two, 'k', build), a);
  assert.equal(builds, 2);
});

test('interned objects are frozen all the way down: changing one throws instead of changing every user', () => {
  const interner = new SnapshotInterner<{ route: { cluster: string; hash_policy?: unknown[] } }>();
  const r = interner.intern(snapshot(), 'k', () => ({ route: { cluster: 'c' } }));
  assert.throws(() => {
    r.route.hash_policy = [{}];
  }, TypeError);
  assert.throws(() => {
    (r as { route: unknown }).route = {};
  }, TypeError);
  assert.deepEqual(r, { route: { cluster: 'c' } });
});

test('bounded: an entry a snapshot did not use is gone after the next', () => {
  const interner = new SnapshotInterner<{ n: number }>();
  let builds = 0;
  const build = (): { n: number } => ({ n: ++builds });
  const s1 = snapshot();
  const kept = interner.intern(s1, 'kept', build);
  const dropped = interner.intern(s1, 'dropped', build);
  const s2 = snapshot();
  assert.equal(interner.intern(s2, 'kept', build), kept);
  assert.equal(interner.size, 2);
  const s3 = snapshot();
  assert.equal(interner.intern(s3, 'kept', build), kept);
  assert.equal(interner.size, 1);
  const rebuilt = interner.intern(s3, 'dropped', build);
  assert.notEqual(rebuilt, dropped);
  assert.deepEqual(rebuilt, { n: 3 });
});

test('serial numbers: one per interned object, never reused; none for objects not interned', () => {
  const interner = new SnapshotInterner<{ k: string }>();
  const s1 = snapshot();
  const a = interner.intern(s1, 'a', () => ({ k: 'a' }));
  const b = interner.intern(s1, 'b', () => ({ k: 'b' }));
  assert.equal(typeof internedSerial(a), 'number');
  assert.notEqual(internedSerial(a), internedSerial(b));
  assert.equal(internedSerial({ k: 'a' }), undefined);
  // Dropped and rebuilt: a new object with a new number.
  interner.intern(snapshot(), 'b', () => ({ k: 'b' }));
  const again = interner.intern(snapshot(), 'a', () => ({ k: 'a' }));
  assert.notEqual(again, a);
  assert.ok(internedSerial(again)! > internedSerial(b)!);
});
