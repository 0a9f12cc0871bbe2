import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationSeconds, parseIstioDuration, toProtoDuration } from './istio-duration.js';

const cases: { input: unknown; want: string | undefined }[] = [
  { input: '10s', want: '10s' },
  { input: '5m', want: '300s' },
  { input: '1h30m', want: '5400s' },
  { input: '0.5s', want: '0.500s' },
  { input: '100ms', want: '0.100s' },
  { input: '1.5s', want: '1.500s' },
  { input: '250us', want: '0.000250s' },
  { input: '3ns', want: '0.000000003s' },
  { input: '0', want: '0s' },
  { input: '0s', want: '0s' },
  { input: '-2s', want: '-2s' },
  { input: '10', want: undefined },
  { input: 's', want: undefined },
  { input: '1x', want: undefined },
  { input: '', want: undefined },
  { input: undefined, want: undefined },
];
for (const c of cases) {
  test(`toProtoDuration(${JSON.stringify(c.input)}) = ${c.want}`, () => assert.equal(toProtoDuration(c.input), c.want));
}

test('parseIstioDuration in nanoseconds; durationSeconds floors', () => {
  assert.equal(parseIstioDuration('1m1s'), 61e9);
  assert.equal(durationSeconds('1.9s'), 1);
  assert.equal(durationSeconds('2h'), 7200);
});
