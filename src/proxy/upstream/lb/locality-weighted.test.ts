import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import type { TestEndpoint } from './lb-test-helpers.js';
import { createLoadBalancer } from './load-balancer.js';
import { effectiveLocalityWeights } from './locality-weighted.js';

const zone = (z: string, localityWeight: number, n: number, extra: TestEndpoint = {}): TestEndpoint[] =>
  Array.from({ length: n }, (_, i) => ({ address: `${z}-${i}`, zone: z, localityWeight, ...extra }));

function zoneShares(endpoints: TestEndpoint[], picks: number, localityWeighted = true): Record<string, number> {
  const lb = createLoadBalancer({ lb: lbConfig({ localityWeighted }) }, prioritySetOf(endpoints), seededRandom(2));
  const out: Record<string, number> = {};
  for (const [addr, c] of countPicks(() => lb.chooseHost({ hash: null }), picks)) {
    const z = addr.split('-')[0]!;
    out[z] = (out[z] ?? 0) + c;
  }
  return out;
}

describe('locality weighted load balancing', () => {
  test('localities share traffic by weight, whatever their host counts', () => {
    assert.deepEqual(zoneShares([...zone('a', 1, 3), ...zone('b', 3, 1)], 400), { a: 100, b: 300 });
  });

  test('without locality_weighted_lb_config, hosts share equally', () => {
    assert.deepEqual(zoneShares([...zone('a', 1, 3), ...zone('b', 3, 1)], 400, false), { a: 300, b: 100 });
  });

  test('effective weight = weight × min(1, 1.4 × healthy share)', () => {
    const ps = prioritySetOf([...zone('a', 1, 4), ...zone('b', 3, 2), ...zone('b', 3, 2, { health: 'UNHEALTHY' }).map((e, i) => ({ ...e, address: `b-x${i}` }))]);
    const w = effectiveLocalityWeights(ps.hostSets[0]!, false);
    assert.deepEqual([...w].map((x) => Math.round(x * 100) / 100), [1, 2.1]);
  });

  test('a locality without weight gets nothing; when none has weight, all hosts are used', () => {
    assert.deepEqual(zoneShares([...zone('a', 0, 2), ...zone('b', 1, 2)], 100), { b: 100 });
    assert.deepEqual(zoneShares([...zone('a', 0, 2), ...zone('b', 0, 2)], 100), { a: 50, b: 50 });
  });
});
