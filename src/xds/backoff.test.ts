import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitteredBackoff } from './backoff.js';

test('the interval doubles from base to max and delays are jittered below it', () => {
  const almostOne = new JitteredBackoff({ baseMs: 500, maxMs: 30_000 }, () => 0.999999);
  const delays = Array.from({ length: 9 }, () => almostOne.next());
  assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  const half = new JitteredBackoff({}, () => 0.5);
  assert.deepEqual([half.next(), half.next()], [250, 500]);
  half.reset();
  assert.equal(half.next(), 250);
  assert.equal(new JitteredBackoff({}, () => 0).next(), 0);
});
