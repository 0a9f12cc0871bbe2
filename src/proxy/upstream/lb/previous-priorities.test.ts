import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PreviousPrioritiesRetryPriority } from './previous-priorities.js';
import { computePriorityLoad } from './priority-load.js';
import type { PriorityLoad } from './priority-load.js';
import { RoundRobinLoadBalancer } from './round-robin.js';
import { RingHashLoadBalancer } from './ring-hash.js';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import type { TestEndpoint } from './lb-test-helpers.js';

/** `n` endpoints at `priority`, `healthy` of them healthy and `degraded` degraded, the rest unhealthy. */
function level(priority: number, n: number, healthy: number, degraded = 0): TestEndpoint[] {
  return Array.from({ length: n }, (_, i) => ({
    address: `10.${priority}.0.${i + 1}`,
    priority,
    health: i < healthy ? 'HEALTHY' : i < healthy + degraded ? 'DEGRADED' : 'UNHEALTHY',
  }));
}

function rig(endpoints: TestEndpoint[]) {
  const ps = prioritySetOf(endpoints);
  const original = computePriorityLoad(ps.hostSets, 50);
  return { hostSets: ps.hostSets, original };
}

const loads = (l: PriorityLoad): [readonly number[], readonly number[]] => [l.healthy, l.degraded];

describe('PreviousPrioritiesRetryPriority (Envoy previous_priorities)', () => {
  test('update_frequency 1: each attempt excludes its priority; all excluded falls back to the original load for good', () => {
    const { hostSets, original } = rig([...level(0, 2, 2), ...level(1, 2, 2), ...level(2, 2, 2)]);
    assert.deepEqual(original.healthy, [100, 0, 0]);
    const rp = new PreviousPrioritiesRetryPriority(1);
    assert.equal(rp.determinePriorityLoad(hostSets, original), original, 'no attempt yet');
    rp.onHostAttempted({ priority: 0 });
    assert.deepEqual(loads(rp.determinePriorityLoad(hostSets, original)), [[0, 100, 0], [0, 0, 0]]);
    rp.onHostAttempted({ priority: 1 });
    assert.deepEqual(loads(rp.determinePriorityLoad(hostSets, original)), [[0, 0, 100], [0, 0, 0]]);
    rp.onHostAttempted({ priority: 2 });
    // Every priority tried: the attempted hosts are forgotten and the original load returns.
    assert.equal(rp.determinePriorityLoad(hostSets, original), original);
    // Envoy's reset of the exclusions is a no-op (it assigns to copies): they stay, so the next
    // recomputation finds nothing available again and keeps the original load.
    rp.onHostAttempted({ priority: 0 });
    assert.equal(rp.determinePriorityLoad(hostSets, original), original);
  });

  test("update_frequency 2 (Istio's retryRemoteLocalities): the load moves every second attempt, reused in between", () => {
    const { hostSets, original } = rig([...level(0, 2, 2), ...level(1, 2, 2), ...level(2, 2, 2)]);
    const rp = new PreviousPrioritiesRetryPriority(2);
    rp.onHostAttempted({ priority: 0 });
    assert.equal(rp.determinePriorityLoad(hostSets, original), original, 'one attempt < update_frequency');
    rp.onHostAttempted({ priority: 0 });
    assert.deepEqual(rp.determinePriorityLoad(hostSets, original).healthy, [0, 100, 0]);
    rp.onHostAttempted({ priority: 1 });
    assert.deepEqual(rp.determinePriorityLoad(hostSets, original).healthy, [0, 100, 0], '3 attempts: the last load is reused');
    rp.onHostAttempted({ priority: 1 });
    assert.deepEqual(rp.determinePriorityLoad(hostSets, original).healthy, [0, 0, 100]);
  });

  test('the rest is shared by health and degraded availability (overprovisioning 1.4), capped at 100', () => {
    // P1: 3 of 10 healthy → 42. P2: 2 healthy (28) and 3 degraded (42) of 10. Sum 112 → 100.
    const { hostSets, original } = rig([...level(0, 2, 2), ...level(1, 10, 3), ...level(2, 10, 2, 3)]);
    const rp = new PreviousPrioritiesRetryPriority(1);
    rp.onHostAttempted({ priority: 0 });
    const l = rp.determinePriorityLoad(hostSets, original);
    assert.deepEqual(loads(l), [[0, 42, 28], [0, 0, 30]]);
    assert.equal(l.panic, original.panic, "panic stays the balancer's");
  });

  test('rounding leftovers go to the first available priority', () => {
    // P1: 2 of 10 healthy → 28; P2: 1 of 10 → 14; total 42: 2800/42 = 66, 1400/42 = 33, 1 left → P1.
    const { hostSets, original } = rig([...level(0, 2, 2), ...level(1, 10, 2), ...level(2, 10, 1)]);
    const rp = new PreviousPrioritiesRetryPriority(1);
    rp.onHostAttempted({ priority: 0 });
    assert.deepEqual(rp.determinePriorityLoad(hostSets, original).healthy, [0, 67, 33]);
  });

  test('the round robin balancer picks with the retry load; hash balancers ignore it, as Envoy', () => {
    const ps = prioritySetOf([...level(0, 2, 2), ...level(1, 2, 2)]);
    const rr = new RoundRobinLoadBalancer(lbConfig(), ps, seededRandom(1));
    const rp = new PreviousPrioritiesRetryPriority(1);
    rp.onHostAttempted({ priority: 0 });
    assert.deepEqual([...countPicks(() => rr.chooseHost({ hash: null }), 100)].sort(), [['10.0.0.1', 50], ['10.0.0.2', 50]]);
    assert.deepEqual([...countPicks(() => rr.chooseHost({ hash: null, retryPriority: rp }), 100)].sort(), [['10.1.0.1', 50], ['10.1.0.2', 50]]);
    const ring = new RingHashLoadBalancer(lbConfig({ policy: 'RING_HASH' }), ps, seededRandom(1));
    const picks = countPicks(() => ring.chooseHost({ hash: 12345, retryPriority: rp }), 10);
    assert.equal(picks.size, 1);
    assert.match([...picks.keys()][0]!, /^10\.0\.0\./);
  });
});
