import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthFlag } from '../host.js';
import { EdfScheduler } from './edf-scheduler.js';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import { createLoadBalancer } from './load-balancer.js';
import type { LoadBalancer } from './load-balancer.js';
import type { PrioritySet } from '../priority-set.js';

const NO_HASH = { hash: null };
const rr = (ps: PrioritySet, random: () => number = () => 0): LoadBalancer => createLoadBalancer({ lb: lbConfig() }, ps, random);
const sequence = (lb: LoadBalancer, n: number): string[] => Array.from({ length: n }, () => lb.chooseHost(NO_HASH)?.address ?? 'null');

describe('EdfScheduler', () => {
  test('picks in proportion to weight, earliest deadline first, ties in insertion order', () => {
    const weights = [1, 2, 4];
    const edf = new EdfScheduler(weights);
    const picks = Array.from({ length: 14 }, () => 'ABC'[edf.pickAndAdd(weights)]).join('');
    assert.equal(picks, 'CBCCABCCBCCABC');
  });

  test('an empty scheduler picks -1', () => {
    assert.equal(new EdfScheduler([]).pick(), -1);
  });
});

describe('RoundRobinLoadBalancer', () => {
  test('equal weights: plain rotation from the seeded offset', () => {
    const ps = prioritySetOf([{}, {}, {}]);
    assert.deepEqual(sequence(rr(ps), 4), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    // random() = 0.5 → seed 2^31, 2^31 mod 3 = 2: starts at the third host.
    assert.deepEqual(sequence(rr(ps, () => 0.5), 2), ['10.0.0.3', '10.0.0.1']);
  });

  test('different weights: the EDF sequence, exact', () => {
    const ps = prioritySetOf([{ weight: 1 }, { weight: 2 }, { weight: 4 }]);
    const names: Record<string, string> = { '10.0.0.1': 'A', '10.0.0.2': 'B', '10.0.0.3': 'C' };
    assert.equal(sequence(rr(ps), 14).map((a) => names[a]).join(''), 'CBCCABCCBCCABC');
  });

  test('weighted picks over 7000 requests are exactly 1:2:4', () => {
    const lb = rr(prioritySetOf([{ weight: 1 }, { weight: 2 }, { weight: 4 }]), seededRandom(7));
    const counts = countPicks(() => lb.chooseHost(NO_HASH), 7000);
    assert.deepEqual([...counts.values()].sort((a, b) => a - b), [1000, 2000, 4000]);
  });

  test('skips unhealthy hosts; null when there are no hosts', () => {
    const ps = prioritySetOf([{}, { health: 'UNHEALTHY' }, {}, {}]);
    assert.deepEqual(sequence(rr(ps), 3), ['10.0.0.1', '10.0.0.3', '10.0.0.4']);
    assert.deepEqual(sequence(rr(prioritySetOf([])), 1), ['null']);
  });

  test('notices PrioritySet changes on the next pick', () => {
    const ps = prioritySetOf([{}, {}]);
    const lb = rr(ps);
    assert.deepEqual(sequence(lb, 2), ['10.0.0.1', '10.0.0.2']);
    ps.setHealthFlag(ps.hosts[0]!, HealthFlag.FAILED_OUTLIER_CHECK, true);
    assert.deepEqual(sequence(lb, 2), ['10.0.0.2', '10.0.0.2']);
  });

  test('priority spillover: P0 at 50% healthy takes 70% of the traffic', () => {
    const ps = prioritySetOf([
      { address: 'p0-a' }, { address: 'p0-b', health: 'UNHEALTHY' },
      { address: 'p1-a', priority: 1 }, { address: 'p1-b', priority: 1 },
    ]);
    const lb = rr(ps, seededRandom(42));
    const picks = countPicks(() => lb.chooseHost(NO_HASH), 10000);
    const p0 = picks.get('p0-a') ?? 0;
    assert.ok(p0 > 6700 && p0 < 7300, `P0 got ${p0} of 10000`);
    assert.equal(picks.get('p0-b'), undefined);
  });

  test('panic: below 50% healthy, traffic goes to all hosts, unhealthy included', () => {
    const ps = prioritySetOf([{}, { health: 'UNHEALTHY' }, { health: 'UNHEALTHY' }]);
    assert.deepEqual(sequence(rr(ps), 3), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    const noPanic = createLoadBalancer({ lb: lbConfig({ healthyPanicThreshold: 0 }) }, ps, () => 0);
    assert.deepEqual(sequence(noPanic, 2), ['10.0.0.1', '10.0.0.1']);
  });

  test('degraded hosts take the load when nothing is healthy', () => {
    const ps = prioritySetOf([{ health: 'DEGRADED' }, { health: 'UNHEALTHY' }, { health: 'DEGRADED' }, { health: 'DEGRADED' }]);
    const picks = countPicks(() => rr(ps).chooseHost(NO_HASH), 30);
    assert.equal(picks.get('10.0.0.2'), undefined);
  });
});
