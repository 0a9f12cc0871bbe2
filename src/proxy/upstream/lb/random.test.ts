import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countPicks, lbConfig, prioritySetOf, seededRandom } from './lb-test-helpers.js';
import { createLoadBalancer } from './load-balancer.js';

describe('RandomLoadBalancer', () => {
  test('uniform over healthy hosts, weights ignored (as Envoy)', () => {
    const ps = prioritySetOf([{ weight: 1 }, { weight: 5 }, { health: 'UNHEALTHY' }, {}, {}]);
    const lb = createLoadBalancer({ lb: lbConfig({ policy: 'RANDOM' }) }, ps, seededRandom(11));
    const counts = countPicks(() => lb.chooseHost({ hash: null }), 8000);
    assert.equal(counts.get('10.0.0.3'), undefined);
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.4', '10.0.0.5']) {
      const c = counts.get(a) ?? 0;
      assert.ok(c > 1800 && c < 2200, `${a} picked ${c}/8000`);
    }
  });

  test('no hosts → null', () => {
    const lb = createLoadBalancer({ lb: lbConfig({ policy: 'RANDOM' }) }, prioritySetOf([]), Math.random);
    assert.equal(lb.chooseHost({ hash: null }), null);
  });
});
