import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashString } from './hash.js';
import { normalizeWeights } from './hash-lb.js';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import type { TestEndpoint } from './lb-test-helpers.js';
import { createLoadBalancer } from './load-balancer.js';
import type { LoadBalancer } from './load-balancer.js';
import { buildMaglevTable } from './maglev.js';
import { buildRing } from './ring-hash.js';
import type { PrioritySet } from '../priority-set.js';

const KEYS = Array.from({ length: 5000 }, (_, i) => hashString(`user-${i}`));
const hosts = (n: number, extra: TestEndpoint = {}): TestEndpoint[] => Array.from({ length: n }, (_, i) => ({ address: `10.0.1.${i + 1}`, ...extra }));

for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
  // A small Maglev table keeps the tests fast; 65537 is the production default.
  const make = (ps: PrioritySet, random: () => number = seededRandom(1)): LoadBalancer =>
    createLoadBalancer({ lb: lbConfig({ policy, maglev: { tableSize: 5003 } }) }, ps, random);
  const mapping = (lb: LoadBalancer): string[] => KEYS.map((hash) => lb.chooseHost({ hash })?.address ?? 'null');

  describe(policy, () => {
    test('the same hash always maps to the same host', () => {
      const lb = make(prioritySetOf(hosts(5)));
      for (const hash of KEYS.slice(0, 50)) {
        const first = lb.chooseHost({ hash });
        for (let i = 0; i < 3; i++) assert.equal(lb.chooseHost({ hash }), first);
      }
      // A second balancer over the same hosts agrees (the table depends only on the hosts).
      assert.deepEqual(mapping(make(prioritySetOf(hosts(5)))), mapping(lb));
    });

    test('equal weights spread keys evenly', () => {
      const counts = countPicks((() => { let i = 0; const lb = make(prioritySetOf(hosts(4))); return () => lb.chooseHost({ hash: KEYS[i++]! }); })(), KEYS.length);
      for (const [addr, c] of counts) assert.ok(c > 900 && c < 1600, `${addr}: ${c}/5000`);
    });

    test('weights shift the share of keys (1:3)', () => {
      const ps = prioritySetOf([{ address: '10.0.1.1', weight: 1 }, { address: '10.0.1.2', weight: 3 }]);
      const m = mapping(make(ps));
      const light = m.filter((a) => a === '10.0.1.1').length / m.length;
      assert.ok(light > 0.18 && light < 0.32, `light host got ${light}`);
    });

    // Its keys must move; a few others move too: the ring re-scales so the 9 remaining hosts get
    // 114 points instead of 103 (Envoy's ring does the same), and Maglev's table is near-minimal.
    test('removing one host of 10 moves its keys and few others (< 2/10)', () => {
      const ps = prioritySetOf(hosts(10));
      const lb = make(ps);
      const before = mapping(lb);
      ps.update(prioritySetOf(hosts(10)).hosts.filter((h) => h.address !== '10.0.1.4').map((h) => ({ ...h, edsHealth: 'HEALTHY' as const })));
      const after = mapping(lb);
      let moved = 0;
      for (let i = 0; i < KEYS.length; i++) {
        if (before[i] !== after[i]) moved++;
        else assert.notEqual(before[i], '10.0.1.4', 'every key of the removed host moves');
      }
      const onRemoved = before.filter((a) => a === '10.0.1.4').length / KEYS.length;
      const fraction = moved / KEYS.length;
      assert.ok(onRemoved > 0.05 && onRemoved < 0.15, `removed host had ${onRemoved}`);
      assert.ok(fraction < 0.2, `moved ${fraction}`);
    });

    test('without a hash it picks at random', () => {
      const lb = make(prioritySetOf(hosts(4)), seededRandom(9));
      assert.equal(countPicks(() => lb.chooseHost({ hash: null }), 200).size, 4);
    });

    test('unhealthy hosts are left out; panic uses all; no hosts → null', () => {
      const m = mapping(make(prioritySetOf([...hosts(3), { address: '10.0.1.9', health: 'UNHEALTHY' }])));
      assert.ok(!m.includes('10.0.1.9'));
      const panic = mapping(make(prioritySetOf([...hosts(1), { address: '10.0.1.9', health: 'UNHEALTHY' }, { address: '10.0.1.8', health: 'UNHEALTHY' }])));
      assert.ok(panic.includes('10.0.1.9'));
      assert.equal(make(prioritySetOf([])).chooseHost({ hash: 1 }), null);
    });
  });
}

describe('ring construction', () => {
  const key = (h: { key: string }): string => h.key;
  test('equal weights: minimum_ring_size points, evenly shared', () => {
    const n = normalizeWeights(prioritySetOf(hosts(4)).hostSets[0]!, 'healthy', false)!;
    const ring = buildRing(n, 1024, 8 * 1024 * 1024, key);
    assert.equal(ring.hashes.length, 1024);
    for (let i = 1; i < ring.hashes.length; i++) assert.ok(ring.hashes[i - 1]! <= ring.hashes[i]!);
    const per = countPicks((() => { let i = 0; return () => ring.hosts[i++]!; })(), 1024);
    assert.deepEqual([...per.values()], [256, 256, 256, 256]);
  });

  test('the lightest host gets ceil(min_weight × minimum_ring_size) points; maximum_ring_size caps the ring', () => {
    const n = normalizeWeights(prioritySetOf([{ weight: 1 }, { weight: 2 }]).hostSets[0]!, 'healthy', false)!;
    const ring = buildRing(n, 10, 1000, key);
    // min weight 1/3: ceil(10/3)=4 points, scale 12 → 4 + 8.
    assert.equal(ring.hashes.length, 12);
    assert.equal(buildRing(n, 1000, 100, key).hashes.length, 100);
  });

  test('locality weighting splits each locality\'s share among its hosts', () => {
    const ps = prioritySetOf([
      { zone: 'a', localityWeight: 1 }, { zone: 'a', localityWeight: 1 }, { zone: 'b', localityWeight: 2, address: '10.9.9.9' },
    ]);
    const n = normalizeWeights(ps.hostSets[0]!, 'healthy', true)!;
    assert.deepEqual([...n.weights].map((w) => Math.round(w * 1000) / 1000), [0.167, 0.167, 0.667]);
  });
});

describe('maglev table', () => {
  test('fills every slot; weights 1:2 give about a third and two thirds', () => {
    const n = normalizeWeights(prioritySetOf([{ weight: 1 }, { weight: 2 }]).hostSets[0]!, 'healthy', false)!;
    const table = buildMaglevTable(n, 65537, (h) => h.key);
    let first = 0;
    for (const s of table.slots) {
      assert.ok(s === 0 || s === 1);
      if (s === 0) first++;
    }
    assert.ok(Math.abs(first - 65537 / 3) < 2, `first host has ${first} slots`);
  });
});
