/**
 * Load balancing under failure: outlier ejections (FAILED_OUTLIER_CHECK) feed the balancers
 * through the PrioritySet's healthy subsets, with Envoy's panic threshold and priority spillover.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../telemetry/stats/stats-store.js';
import { hashString } from '../lb/hash.js';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from '../lb/lb-test-helpers.js';
import type { TestEndpoint } from '../lb/lb-test-helpers.js';
import type { LbConfig } from '../lb/lb-config.js';
import { createLoadBalancer } from '../lb/load-balancer.js';
import type { LoadBalancer } from '../lb/load-balancer.js';
import type { PrioritySet } from '../priority-set.js';
import { compileOutlierDetection } from './outlier-config.js';
import { OutlierDetector } from './outlier-detector.js';
import { OutlierStats } from './outlier-stats.js';

const NO_HASH = { hash: null };

function detectorFor(ps: PrioritySet, json: Record<string, unknown>) {
  let now = 0;
  const d = new OutlierDetector('c', compileOutlierDetection(json, 'o', [])!, ps, new OutlierStats(new StatsStore().scope('o')), {
    now: () => now,
    setTimer: () => () => undefined,
  }).start();
  return {
    /** One 5xx per host index (consecutive_5xx 1 ejects). */
    fail: (...idx: number[]) => idx.forEach((i) => ps.hosts[i]!.outlier!.putHttpResponseCode(503)),
    passTime: (ms: number) => {
      now += ms;
      d.sweep();
    },
  };
}

const OD = { consecutive_5xx: 1, interval: '1s', base_ejection_time: '3s', max_ejection_percent: 100 };

for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const) {
  test(`${policy} skips an ejected host and uses it again once it returns`, () => {
    const ps = prioritySetOf([{}, {}, {}]);
    const lb = createLoadBalancer({ lb: lbConfig({ policy }) }, ps, seededRandom(7));
    const od = detectorFor(ps, { ...OD, max_ejection_percent: 34 });
    od.fail(0);
    const during = countPicks(() => lb.chooseHost(NO_HASH), 600);
    assert.equal(during.get('10.0.0.1'), undefined, `ejected host picked ${during.get('10.0.0.1')} times`);
    assert.equal((during.get('10.0.0.2') ?? 0) + (during.get('10.0.0.3') ?? 0), 600);
    if (policy === 'ROUND_ROBIN') assert.deepEqual([during.get('10.0.0.2'), during.get('10.0.0.3')], [300, 300]);
    od.passTime(3000);
    const after = countPicks(() => lb.chooseHost(NO_HASH), 600);
    assert.ok((after.get('10.0.0.1') ?? 0) > 100, `returned host picked ${after.get('10.0.0.1')}/600`);
  });
}

describe('consistent hash under ejection', () => {
  const KEYS = Array.from({ length: 4000 }, (_, i) => hashString(`session-${i}`));
  const hosts: TestEndpoint[] = Array.from({ length: 4 }, (_, i) => ({ address: `10.0.2.${i + 1}` }));
  for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
    test(`${policy}: most keys of healthy hosts stay put, the ejected host's keys move, and all come back after`, () => {
      const ps = prioritySetOf(hosts);
      const lb: LoadBalancer = createLoadBalancer({ lb: lbConfig({ policy, maglev: { tableSize: 5003 } }) }, ps, seededRandom(1));
      const mapping = () => KEYS.map((hash) => lb.chooseHost({ hash })!.address);
      const before = mapping();
      const od = detectorFor(ps, { ...OD, max_ejection_percent: 25 });
      od.fail(1);
      const during = mapping();
      let stayed = 0;
      let onOthers = 0;
      for (let i = 0; i < KEYS.length; i++) {
        assert.notEqual(during[i], '10.0.2.2', 'no key on the ejected host');
        if (before[i] !== '10.0.2.2') {
          onOthers++;
          if (during[i] === before[i]) stayed++;
        }
      }
      // Not all: as in Envoy, the rebuilt ring (minimum_ring_size points over 3 hosts instead of
      // 4) gives each healthy host more points, and a few keys land on a neighbour's new point.
      // Measured here: ring hash 2758/3187, maglev alike — most sessions stay where they were.
      assert.ok(stayed / onOthers > 0.8, `${policy}: ${stayed}/${onOthers} keys of healthy hosts stayed`);
      od.passTime(3000);
      assert.deepEqual(mapping(), before, 'the original mapping is back');
    });
  }
});

describe('panic threshold (healthy_panic_threshold; Istio minHealthPercent)', () => {
  const lbOf = (ps: PrioritySet, over: Partial<LbConfig> = {}) => createLoadBalancer({ lb: lbConfig({ policy: 'ROUND_ROBIN', ...over }) }, ps, seededRandom(3));

  test('1 of 2 ejected: 50% healthy is not below 50%, all traffic to the healthy host', () => {
    const ps = prioritySetOf([{}, {}]);
    const lb = lbOf(ps);
    detectorFor(ps, OD).fail(0);
    assert.deepEqual([...countPicks(() => lb.chooseHost(NO_HASH), 100)], [['10.0.0.2', 100]]);
  });

  test('2 of 3 ejected: 33% < 50% is panic, all hosts share the traffic again', () => {
    const ps = prioritySetOf([{}, {}, {}]);
    const lb = lbOf(ps);
    detectorFor(ps, OD).fail(0, 1);
    const c = countPicks(() => lb.chooseHost(NO_HASH), 300);
    assert.deepEqual([c.get('10.0.0.1'), c.get('10.0.0.2'), c.get('10.0.0.3')], [100, 100, 100]);
  });

  test("threshold 0 (Istio's default when minHealthPercent is unset) disables panic", () => {
    const ps = prioritySetOf([{}, {}, {}]);
    const lb = lbOf(ps, { healthyPanicThreshold: 0 });
    detectorFor(ps, OD).fail(0, 1);
    assert.deepEqual([...countPicks(() => lb.chooseHost(NO_HASH), 300)], [['10.0.0.3', 300]]);
  });

  test('minHealthPercent 80: 2 of 3 healthy (66%) is already panic', () => {
    const ps = prioritySetOf([{}, {}, {}]);
    const lb = lbOf(ps, { healthyPanicThreshold: 80 });
    detectorFor(ps, OD).fail(0);
    const c = countPicks(() => lb.chooseHost(NO_HASH), 300);
    assert.equal(c.get('10.0.0.1'), 100);
  });
});

describe('priority failover with overprovisioning factor 1.4', () => {
  const endpoints: TestEndpoint[] = [{ priority: 0 }, { priority: 0 }, { priority: 1 }, { priority: 1 }];

  test('P0 at 1/2 healthy keeps 70% (1.4 × 50%), P1 takes 30%; P0 all ejected → 100% P1', () => {
    const ps = prioritySetOf(endpoints);
    const lb = createLoadBalancer({ lb: lbConfig({ policy: 'ROUND_ROBIN' }) }, ps, seededRandom(11));
    const od = detectorFor(ps, { ...OD, max_ejection_percent: 50 });
    od.fail(0);
    const c = countPicks(() => lb.chooseHost(NO_HASH), 10_000);
    const p0 = c.get('10.0.0.2') ?? 0;
    const p1 = (c.get('10.0.0.3') ?? 0) + (c.get('10.0.0.4') ?? 0);
    assert.equal(c.get('10.0.0.1'), undefined);
    assert.ok(Math.abs(p0 - 7000) < 250, `P0 got ${p0}/10000, expected ~7000`);
    assert.ok(Math.abs(p1 - 3000) < 250, `P1 got ${p1}/10000, expected ~3000`);
    od.fail(1);
    const all = countPicks(() => lb.chooseHost(NO_HASH), 1000);
    assert.deepEqual([all.get('10.0.0.3'), all.get('10.0.0.4')], [500, 500]);
    od.passTime(3000);
    const back = countPicks(() => lb.chooseHost(NO_HASH), 1000);
    assert.deepEqual([back.get('10.0.0.1'), back.get('10.0.0.2')], [500, 500], 'P0 healthy again takes everything');
  });
});
