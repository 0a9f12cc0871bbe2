import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasSubSecond, isZeroDuration, parseGoDuration, validateDuration } from './durations.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  const cases: [string, bigint | string][] = [
    ['0', 0n],
    ['5s', 5_000_000_000n],
    ['1.5s', 1_500_000_000n],
    ['100ms', 100_000_000n],
    ['10m', 600_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['250us', 250_000n],
    ['250µs', 250_000n],
    ['.5s', 500_000_000n],
    ['-1s', -1_000_000_000n],
    ['1.0000000019s', 1_000_000_001n], // fractions truncate to whole nanoseconds
    ['', 'time: invalid duration ""'],
    ['10', 'time: missing unit in duration "10"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['s', 'time: invalid duration "s"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.equal(parseGoDuration(text), want));
  }
});

describe('validateDuration (agent.ValidateDuration)', () => {
  const cases: [unknown, string | undefined][] = [
    ['1ms', undefined],
    ['30s', undefined],
    ['0s', 'duration must be greater than 1ms'],
    ['999us', 'duration must be greater than 1ms'],
    ['1500us', 'only durations to ms precision are supported'],
    ['-5s', 'duration must be greater than 1ms'],
    [5, 'time: invalid duration "5"'],
  ];
  for (const [value, want] of cases) {
    test(JSON.stringify(value), () => assert.equal(validateDuration(value), want));
  }

  test('zero and sub-second helpers', () => {
    assert.equal(isZeroDuration('0s'), true);
    assert.equal(isZeroDuration('1ms'), false);
    assert.equal(hasSubSecond('1500ms'), true);
    assert.equal(hasSubSecond('2m'), false);
  });
});
