import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import { createLoadBalancer } from './load-balancer.js';
import type { LbConfig } from './lb-config.js';
import type { PrioritySet } from '../priority-set.js';

const NO_HASH = { hash: null };
function lr(ps: PrioritySet, random: () => number, leastRequest: Partial<LbConfig['leastRequest']> = {}) {
  return createLoadBalancer({ lb: lbConfig({ policy: 'LEAST_REQUEST', leastRequest: { choiceCount: 2, activeRequestBias: 1, ...leastRequest } }) }, ps, random);
}

describe('LeastRequestLoadBalancer', () => {
  test('P2C: of two sampled hosts the one with fewer active requests wins', () => {
    const ps = prioritySetOf([{}, {}, {}]);
    ps.hosts[0]!.activeRequests = 5;
    const draws = [0.1, 0.5]; // samples host 0, then host 1
    let i = 0;
    assert.equal(lr(ps, () => draws[i++ % 2]!).chooseHost(NO_HASH)?.address, '10.0.0.2');
  });

  test('P2C prefers idle hosts: a busy host is picked only when sampled every time', () => {
    const ps = prioritySetOf([{}, {}, {}]);
    ps.hosts[0]!.activeRequests = 10;
    const lb2 = lr(ps, seededRandom(3));
    const busy2 = countPicks(() => lb2.chooseHost(NO_HASH), 9000).get('10.0.0.1') ?? 0;
    assert.ok(busy2 > 800 && busy2 < 1200, `busy host picked ${busy2}/9000 (expected ~1/9)`);
    const lb3 = lr(ps, seededRandom(3), { choiceCount: 3 });
    const busy3 = countPicks(() => lb3.chooseHost(NO_HASH), 9000).get('10.0.0.1') ?? 0;
    assert.ok(busy3 > 200 && busy3 < 470, `busy host picked ${busy3}/9000 with 3 choices (expected ~1/27)`);
  });

  test('weighted: EDF by weight / (active + 1), so an idle heavy host gets its share', () => {
    const ps = prioritySetOf([{ weight: 1 }, { weight: 3 }]);
    const lb = lr(ps, seededRandom(5));
    const counts = countPicks(() => lb.chooseHost(NO_HASH), 400);
    assert.deepEqual([counts.get('10.0.0.1'), counts.get('10.0.0.2')], [100, 300]);
  });

  test('weighted: active requests lower a host\'s effective weight (bias 1)', () => {
    const ps = prioritySetOf([{ weight: 1 }, { weight: 3 }]);
    ps.hosts[1]!.activeRequests = 5; // 3 / 6 = 0.5 against 1
    const lb = lr(ps, seededRandom(5));
    const counts = countPicks(() => lb.chooseHost(NO_HASH), 300);
    assert.deepEqual([counts.get('10.0.0.1'), counts.get('10.0.0.2')], [200, 100]);
  });

  test('weighted with active_request_bias 0 ignores load', () => {
    const ps = prioritySetOf([{ weight: 1 }, { weight: 3 }]);
    ps.hosts[1]!.activeRequests = 5;
    const lb = lr(ps, seededRandom(5), { activeRequestBias: 0 });
    const counts = countPicks(() => lb.chooseHost(NO_HASH), 400);
    assert.deepEqual([counts.get('10.0.0.1'), counts.get('10.0.0.2')], [100, 300]);
  });

  test('no hosts → null', () => {
    assert.equal(lr(prioritySetOf([]), Math.random).chooseHost(NO_HASH), null);
  });
});
