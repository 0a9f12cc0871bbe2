import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileWeightedClusters, entryClusterName, pickWeightedCluster } from './weighted-clusters.js';
import { makeRequest, seededRandom } from './test-support.js';

const parent = { requestMutations: [], responseMutations: [], perFilterConfigs: new Map() };

describe('weighted clusters', () => {
  const wc = compileWeightedClusters({ clusters: [{ name: 'a', weight: 70 }, { name: 'b', weight: 20 }, { name: 'zero', weight: 0 }, { name: 'c', weight: 10 }] }, 'wc', parent);
  const req = makeRequest();

  const edges: { random: number; want: string }[] = [
    { random: 0, want: 'a' },
    { random: 0.6999, want: 'a' },
    { random: 0.7, want: 'b' },
    { random: 0.8999, want: 'b' },
    { random: 0.9, want: 'c' },
    { random: 0.99999, want: 'c' },
  ];
  for (const e of edges) {
    test(`random ${e.random} → ${e.want}`, () => assert.equal(pickWeightedCluster(wc, e.random, req).name, e.want));
  }

  test('distribution over 20000 seeded picks is within 1.5 points of the weights', () => {
    const random = seededRandom(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, zero: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[pickWeightedCluster(wc, random(), req).name]!++;
    assert.equal(counts['zero'], 0);
    for (const [name, weight] of [['a', 70], ['b', 20], ['c', 10]] as const) {
      assert.ok(Math.abs((counts[name]! / n) * 100 - weight) < 1.5, `${name}: ${counts[name]}`);
    }
  });

  test('total_weight equal to the sum is accepted; the sum is used', () => {
    const t = compileWeightedClusters({ total_weight: 3, clusters: [{ name: 'x', weight: 1 }, { name: 'y', weight: 2 }] }, 'wc', parent);
    assert.equal(t.totalWeight, 3);
    assert.equal(pickWeightedCluster(t, 0.4, req).name, 'y');
  });

  test('header_name supplies the random value (modulo the total)', () => {
    const t = compileWeightedClusters({ header_name: 'X-Rand', clusters: [{ name: 'x', weight: 1 }, { name: 'y', weight: 2 }] }, 'wc', parent);
    assert.equal(pickWeightedCluster(t, 0.99, makeRequest({ headers: { 'x-rand': '3' } })).name, 'x');
    assert.equal(pickWeightedCluster(t, 0, makeRequest({ headers: { 'x-rand': '18446744073709551614' } })).name, 'y');
    assert.equal(pickWeightedCluster(t, 0.99, makeRequest({ headers: { 'x-rand': 'junk' } })).name, 'y');
  });

  test('weight wrapper form and cluster_header entries', () => {
    const t = compileWeightedClusters({ clusters: [{ cluster_header: 'X-Target', weight: { value: 5 } }] }, 'wc', parent);
    const entry = pickWeightedCluster(t, 0.1, req);
    assert.equal(entry.weight, 5);
    assert.equal(entryClusterName(entry, makeRequest({ headers: { 'x-target': 'dyn' } })), 'dyn');
    assert.equal(entryClusterName(entry, req), null);
  });

  test('host_rewrite_literal per cluster', () => {
    const t = compileWeightedClusters({ clusters: [{ name: 'x', weight: 1, host_rewrite_literal: 'x.internal' }] }, 'wc', parent);
    assert.equal(t.clusters[0]!.hostRewriteLiteral, 'x.internal');
  });

  test('errors', () => {
    assert.throws(() => compileWeightedClusters({ clusters: [] }, 'wc', parent), /at least one/);
    assert.throws(() => compileWeightedClusters({ clusters: [{ weight: 1 }] }, 'wc', parent), /name or cluster_header/);
    assert.throws(() => compileWeightedClusters({ clusters: [{ name: 'a', weight: 1, metadata_match: {} }] }, 'wc', parent), /not supported/);
  });
});
