import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { Debouncer } from './debounce.js';

function setup(after = 100, max = 10_000): { clock: FakeClock; fired: { at: number; value: string[] }[]; d: Debouncer<string[]> } {
  const clock = new FakeClock(0);
  const fired: { at: number; value: string[] }[] = [];
  const d = new Debouncer<string[]>({ clock, debounceAfterMs: after, debounceMaxMs: max }, (a, b) => [...a, ...b], (v) => void fired.push({ at: clock.now(), value: v }));
  return { clock, fired, d };
}

test('one change fires after the 100 ms quiet period', () => {
  const { clock, fired, d } = setup();
  d.push(['a']);
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [{ at: 100, value: ['a'] }]);
  assert.equal(clock.pending(), 0, 'no timer left armed');
});

test('changes within the quiet period merge into one push, fired 100 ms after the last', () => {
  const { clock, fired, d } = setup();
  d.push(['a']);
  clock.advance(60);
  d.push(['b']);
  clock.advance(60);
  d.push(['c']);
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [{ at: 220, value: ['a', 'b', 'c'] }]);
  assert.equal(d.pushes, 1);
  assert.equal(d.debouncedEvents, 3);
});

test('a steady stream of changes is pushed at the 10 s maximum delay', () => {
  const { clock, fired, d } = setup();
  for (let t = 0; t < 12_000; t += 50) {
    d.push([String(t)]);
    clock.advance(50);
  }
  assert.equal(fired[0]?.at, 10_000);
  assert.equal(fired[0]?.value.length, 200);
});

test('a push still running holds the next batch until it is done', async () => {
  const clock = new FakeClock(0);
  const fired: string[][] = [];
  let finish!: () => void;
  const d = new Debouncer<string[]>({ clock }, (a, b) => [...a, ...b], (v) => {
    fired.push(v);
    return new Promise<void>((r) => (finish = r));
  });
  d.push(['a']);
  clock.advance(100);
  assert.deepEqual(fired, [['a']]);
  d.push(['b']);
  clock.advance(500);
  assert.deepEqual(fired, [['a']], 'busy: the second batch waits');
  finish();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(fired, [['a'], ['b']]);
});

test('stop drops pending changes and timers', () => {
  const { clock, fired, d } = setup();
  d.push(['a']);
  d.stop();
  clock.advance(1000);
  assert.deepEqual(fired, []);
  assert.equal(clock.pending(), 0);
  d.push(['b']);
  clock.advance(1000);
  assert.deepEqual(fired, []);
});
