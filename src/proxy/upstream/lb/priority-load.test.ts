import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Host } from '../host.js';
import type { HostSet } from '../priority-set.js';
import { choosePriority, computePriorityLoad } from './priority-load.js';

/** A host set of 100 hosts, `healthy`% healthy and `degraded`% degraded; only the counts matter. */
function hostSet(priority: number, healthy: number, degraded = 0, total = 100): HostSet {
  const hosts = new Array<Host>(total).fill({} as Host);
  return {
    priority,
    overprovisioningFactor: 140,
    hosts,
    healthyHosts: hosts.slice(0, healthy),
    degradedHosts: hosts.slice(healthy, healthy + degraded),
    localities: [],
  };
}

function loads(healthyPercents: number[], threshold = 50): { healthy: readonly number[]; panic: readonly boolean[]; total: number } {
  const l = computePriorityLoad(healthyPercents.map((h, p) => hostSet(p, h)), threshold);
  return { healthy: l.healthy, panic: l.panic, total: l.totalAvailability };
}

describe('computePriorityLoad', () => {
  // Envoy docs, "Priority levels": two priorities, P=1 100% healthy.
  const twoLevels: [number, number[]][] = [
    [100, [100, 0]],
    [72, [100, 0]],
    [71, [99, 1]],
    [50, [70, 30]],
    [25, [35, 65]],
    [0, [0, 100]],
  ];
  for (const [p0, want] of twoLevels) {
    test(`P0 ${p0}% healthy, P1 100% → ${want.join('/')}`, () => {
      assert.deepEqual(loads([p0, 100]).healthy, want);
    });
  }

  // Envoy docs, three priorities. That page ignores panic, so panic is off here (threshold 0).
  const threeLevels: [number[], number[]][] = [
    [[100, 100, 100], [100, 0, 0]],
    [[72, 72, 100], [100, 0, 0]],
    [[71, 71, 100], [99, 1, 0]],
    [[50, 50, 100], [70, 30, 0]],
    [[25, 100, 100], [35, 65, 0]],
    [[25, 25, 100], [35, 35, 30]],
    // Docs print 36/36/28; Envoy's code gives the rounding remainder to the first priority.
    [[25, 25, 20], [37, 35, 28]],
  ];
  for (const [health, want] of threeLevels) {
    test(`${health.join('/')}% healthy → ${want.join('/')}`, () => {
      assert.deepEqual(loads(health, 0).healthy, want);
    });
  }

  // Envoy docs, "Panic threshold" (default 50%).
  test('panic is ignored while normalized total health is 100%', () => {
    assert.deepEqual(loads([25, 100]), { healthy: [35, 65], panic: [false, false], total: 100 });
    assert.deepEqual(loads([72, 72]), { healthy: [100, 0], panic: [false, false], total: 100 });
    assert.deepEqual(loads([71, 71]), { healthy: [99, 1], panic: [false, false], total: 100 });
  });

  test('25%/25%: both in panic, load follows host counts (50/50), total health 70%', () => {
    assert.deepEqual(loads([25, 25]), { healthy: [50, 50], panic: [true, true], total: 70 });
  });

  test('5%/65%: P0 in panic, P1 not, total health 98% (docs 7/93; Envoy code 8/92)', () => {
    assert.deepEqual(loads([5, 65]), { healthy: [8, 92], panic: [true, false], total: 98 });
  });

  test('25/25/20 with the default threshold: every priority in panic, load by host count', () => {
    assert.deepEqual(loads([25, 25, 20]), { healthy: [34, 33, 33], panic: [true, true, true], total: 98 });
  });

  test('all hosts down with panic: load by host count, every priority in panic', () => {
    assert.deepEqual(loads([0, 0]), { healthy: [50, 50], panic: [true, true], total: 0 });
    assert.deepEqual(loads([0]), { healthy: [100], panic: [true], total: 0 });
  });

  test('all hosts down with panic disabled: P0 gets the load but is not in panic', () => {
    assert.deepEqual(loads([0, 0], 0), { healthy: [100, 0], panic: [false, false], total: 0 });
  });

  test('degraded hosts take what healthy ones leave', () => {
    // P0: 20% healthy (28), 50% degraded (70); total 98. Healthy 28*100/98=28, degraded 70*100/98=71, +1 rounding.
    const l = computePriorityLoad([hostSet(0, 20, 50)], 50);
    assert.deepEqual([l.healthy, l.degraded, l.panic], [[29], [71], [false]]);
  });

  test('an empty cluster sends everything to P0', () => {
    const l = computePriorityLoad([hostSet(0, 0, 0, 0)], 50);
    assert.deepEqual([l.healthy, l.panic], [[100], [true]]);
  });
});

describe('choosePriority', () => {
  test('maps percentiles to priorities by cumulative load, healthy before degraded', () => {
    const load = { healthy: [30, 20], degraded: [50, 0], panic: [false, false], totalAvailability: 100 };
    assert.equal(choosePriority(load, 0), 0);
    assert.equal(choosePriority(load, 29), 0);
    assert.equal(choosePriority(load, 30), 2);
    assert.equal(choosePriority(load, 49), 2);
    assert.equal(choosePriority(load, 50), 1);
    assert.equal(choosePriority(load, 99), 1);
  });
});
