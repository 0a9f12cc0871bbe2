import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32ToJson, formatDuration, formatTimestamp, parseBase64, parseDuration, parseTimestamp } from './well-known-json.js';

test('durations parse and print (table)', () => {
  const cases: [unknown, { seconds: number; nanos: number } | RegExp, string?][] = [
    ['1.5s', { seconds: 1, nanos: 500_000_000 }, '1.5s'],
    ['0.000000001s', { seconds: 0, nanos: 1 }, '0.000000001s'],
    ['-2.25s', { seconds: -2, nanos: -250_000_000 }, '-2.25s'],
    ['15s', { seconds: 15, nanos: 0 }, '15s'],
    ['1.5', /invalid duration "1.5"/],
    ['1.5ms', /invalid duration/],
    ['1.0000000001s', /invalid duration/],
    [5, /invalid duration 5/],
  ];
  for (const [input, want, printed] of cases) {
    const got = parseDuration(input);
    if (want instanceof RegExp) {
      assert.equal(typeof got, 'string', String(input));
      assert.match(got as string, want);
    } else {
      assert.deepEqual(got, want);
      assert.equal(formatDuration(want.seconds, want.nanos), printed);
    }
  }
});

test('timestamps are RFC 3339 in UTC', () => {
  assert.deepEqual(parseTimestamp('2024-05-01T12:00:00Z'), { seconds: 1714564800, nanos: 0 });
  assert.deepEqual(parseTimestamp('2024-05-01T14:00:00.25+02:00'), { seconds: 1714564800, nanos: 250_000_000 });
  assert.equal(formatTimestamp(1714564800, 250_000_000), '2024-05-01T12:00:00.25Z');
  assert.match(parseTimestamp('yesterday') as string, /invalid timestamp/);
});

test('bytes accept standard and URL-safe base64', () => {
  assert.deepEqual(Buffer.from(parseBase64('-_8=') as Uint8Array), Buffer.from([0xfb, 0xff]));
  assert.deepEqual(Buffer.from(parseBase64('+/8') as Uint8Array), Buffer.from([0xfb, 0xff]));
  assert.match(parseBase64('not base64!') as string, /expected base64/);
});

test('float32 values print without float64 noise', () => {
  assert.equal(float32ToJson(Math.fround(0.1)), 0.1);
  assert.equal(float32ToJson(Math.fround(33.3)), 33.3);
  assert.equal(float32ToJson(1), 1);
});
