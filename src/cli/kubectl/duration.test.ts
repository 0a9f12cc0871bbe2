import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, translateTimestampSince } from './duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-1500, '0s'], // within a second of skew is "now"
    [0, '0s'],
    [999, '0s'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 3 * S, '2m3s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [10 * D + 5 * H, '10d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [735 * D, '2y5d'],
    [365 * 8 * D, '8y'],
    [365 * 30 * D, '30y'],
  ];
  for (const [ms, want] of cases) test(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe('translateTimestampSince', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  test('from creationTimestamp', () => assert.equal(translateTimestampSince('2024-05-01T11:55:00Z', now), '5m'));
  test('missing → <unknown>', () => assert.equal(translateTimestampSince(undefined, now), '<unknown>'));
  test('garbage → <invalid>', () => assert.equal(translateTimestampSince('yesterday', now), '<invalid>'));
});
