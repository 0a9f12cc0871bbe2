import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendBudget } from './send-budget.js';

function recorder(): { started: string[]; done: Map<string, () => void>; write(name: string, size: number): { size: number; start: (done: () => void) => void } } {
  const started: string[] = [];
  const done = new Map<string, () => void>();
  return {
    started,
    done,
    write: (name, size) => ({
      size,
      start: (d) => {
        started.push(name);
        done.set(name, d);
      },
    }),
  };
}

test('writes start in order while their bytes fit the budget; the rest wait for earlier ones to finish', () => {
  const budget = new SendBudget(100);
  const r = recorder();
  budget.submit(r.write('a', 60));
  budget.submit(r.write('b', 30));
  budget.submit(r.write('c', 30));
  budget.submit(r.write('d', 5));
  assert.deepEqual(r.started, ['a', 'b'], 'c would exceed 100 bytes; d waits behind it (order is kept)');
  assert.equal(budget.inFlightBytes, 90);
  r.done.get('a')!();
  assert.deepEqual(r.started, ['a', 'b', 'c', 'd']);
  assert.equal(budget.inFlightBytes, 65);
  r.done.get('a')!(); // a second call changes nothing
  assert.equal(budget.inFlightBytes, 65);
});

test('one write always proceeds, however large', () => {
  const budget = new SendBudget(10);
  const r = recorder();
  budget.submit(r.write('huge', 1_000_000));
  budget.submit(r.write('small', 1));
  assert.deepEqual(r.started, ['huge']);
  r.done.get('huge')!();
  assert.deepEqual(r.started, ['huge', 'small']);
  assert.equal(budget.waiting, 0);
});
