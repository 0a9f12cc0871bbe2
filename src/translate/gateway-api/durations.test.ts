import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toProtoDuration } from './durations.js';
import { labelSelectorMatches } from './label-selector.js';

test('Gateway API durations as proto3 JSON durations', async (t) => {
  const cases: [string | undefined, string | undefined][] = [
    ['1s', '1s'],
    ['500ms', '0.500s'],
    ['1ms', '0.001s'],
    ['1m30s', '90s'],
    ['1h', '3600s'],
    ['1.5s', '1.500s'],
    ['0s', undefined],
    ['0', undefined],
    ['fast', undefined],
    ['10', undefined],
    [undefined, undefined],
  ];
  for (const [input, want] of cases) await t.test(String(input), () => assert.equal(toProtoDuration(input), want));
});

test('label selectors', async (t) => {
  const labels = { env: 'backend', tier: 'web' };
  const cases: { name: string; selector: Parameters<typeof labelSelectorMatches>[0]; want: boolean }[] = [
    { name: 'empty selects all', selector: {}, want: true },
    { name: 'matchLabels', selector: { matchLabels: { env: 'backend' } }, want: true },
    { name: 'matchLabels mismatch', selector: { matchLabels: { env: 'infra' } }, want: false },
    { name: 'In', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, want: true },
    { name: 'NotIn on a missing key', selector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, want: true },
    { name: 'NotIn', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, want: false },
    { name: 'Exists', selector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, want: true },
    { name: 'DoesNotExist', selector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, want: false },
    { name: 'unknown operator', selector: { matchExpressions: [{ key: 'env', operator: 'Like' }] }, want: false },
  ];
  for (const c of cases) await t.test(c.name, () => assert.equal(labelSelectorMatches(c.selector, labels), c.want));
});
