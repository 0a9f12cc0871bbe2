import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from './stats-store.js';
import { DEFAULT_BUCKETS, Histogram } from './histogram.js';
import { TAG_NAMES as T } from './tag-extraction.js';

describe('StatsStore', () => {
  test('scopes prefix names and get-or-create returns the same object', () => {
    const store = new StatsStore();
    const a = store.scope('http.ingress').counter('downstream_rq_total');
    const b = store.scope('http').scope('ingress').counter('downstream_rq_total');
    const c = store.counter('http.ingress.downstream_rq_total');
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(a.name, 'http.ingress.downstream_rq_total');
    a.inc();
    b.inc(4);
    assert.equal(c.value, 5);
  });

  test('scope tags are computed once at creation, dots in the value included', () => {
    const store = new StatsStore();
    const s = store.scope('cluster.outbound|443||httpbin.org').counter('upstream_rq_503');
    assert.equal(s.tagExtractedName, 'cluster.upstream_rq');
    assert.deepEqual(s.tags, [
      { name: T.responseCode, value: '503' },
      { name: T.clusterName, value: 'outbound|443||httpbin.org' },
    ]);
    const cb = store.scope('cluster.x').scope('circuit_breakers.default').gauge('cx_open');
    assert.equal(cb.name, 'cluster.x.circuit_breakers.default.cx_open');
    assert.equal(cb.tagExtractedName, 'cluster.circuit_breakers.default.cx_open');
    assert.deepEqual(cb.tags, [{ name: T.clusterName, value: 'x' }]);
    const hcm = store.scope('listener.0.0.0.0_15006').scope('http.inbound_0.0.0.0_8080').counter('downstream_rq_2xx');
    assert.equal(hcm.tagExtractedName, 'listener.http.downstream_rq_xx');
    assert.deepEqual(hcm.tags.map((t) => t.name), [T.responseCodeClass, T.httpConnManagerPrefix, T.listenerAddress]);
  });

  test('a name reused with another kind is a programming error', () => {
    const store = new StatsStore();
    store.counter('a.b');
    assert.throws(() => store.gauge('a.b'), /is a counter, not a gauge/);
    const s = store.scope('x');
    s.gauge('g');
    assert.throws(() => s.counter('g'), /is a gauge, not a counter/);
  });

  test('released scopes drop their stats once no other holder remains (Envoy removal)', () => {
    const store = new StatsStore();
    const v1 = store.scope('cluster.a');
    const rq = v1.counter('upstream_rq_total');
    rq.inc(3);
    const v2 = store.scope('cluster.a'); // the next config version keeps the cluster
    assert.equal(v2.counter('upstream_rq_total'), rq);
    v1.release();
    assert.equal(store.find('cluster.a.upstream_rq_total'), rq, 'still held by v2');
    assert.equal(rq.value, 3);
    v2.release();
    assert.equal(store.find('cluster.a.upstream_rq_total'), undefined);
    assert.throws(() => v2.counter('x'), /released/);
  });

  test('release covers child scopes; stats the store created itself stay', () => {
    const store = new StatsStore();
    const parent = store.scope('cluster.b');
    parent.scope('outlier_detection').counter('ejections_total');
    parent.counter('pinned');
    store.counter('cluster.b.pinned');
    parent.release();
    assert.equal(store.find('cluster.b.outlier_detection.ejections_total'), undefined);
    assert.ok(store.find('cluster.b.pinned'));
  });

  test('counters, gauges, used flags and reset', () => {
    const store = new StatsStore();
    const c = store.counter('c');
    const g = store.gauge('g', 'NeverImport');
    assert.equal(c.used, false);
    assert.equal(g.used, false);
    assert.equal(g.importMode, 'NeverImport');
    c.inc();
    c.inc(2);
    g.inc();
    g.inc();
    g.dec();
    g.add(10);
    g.sub(4);
    assert.equal(c.value, 3);
    assert.equal(g.value, 7);
    g.set(0);
    assert.equal(g.used, true, 'set to 0 still counts as used');
    store.resetCounters();
    assert.equal(c.value, 0);
    assert.deepEqual(store.all().map((s) => s.name).sort(), ['c', 'g']);
  });
});

describe('Histogram', () => {
  test('Envoy default buckets, cumulative counts, sum and count', () => {
    const h = new Histogram('h', 'h', [], 'milliseconds');
    assert.deepEqual(h.bounds, DEFAULT_BUCKETS);
    assert.equal(h.bounds.length, 19);
    for (const v of [0.5, 0.7, 3, 10, 10.5, 7200000]) h.record(v);
    const cum = h.cumulativeBuckets();
    assert.equal(cum[0], 1, 'le=0.5 includes 0.5');
    assert.equal(cum[1], 2, 'le=1');
    assert.equal(cum[2], 3, 'le=5');
    assert.equal(cum[3], 4, 'le=10');
    assert.equal(cum[4], 5, 'le=25');
    assert.equal(cum[18], 5, 'le=3600000 excludes the overflow');
    assert.equal(h.count, 6);
    assert.equal(h.sum, 0.5 + 0.7 + 3 + 10 + 10.5 + 7200000);
  });

  test('quantiles interpolate within buckets and clamp to min/max', () => {
    const h = new Histogram('h', 'h', [], 'milliseconds');
    assert.ok(Number.isNaN(h.quantile(0.5)));
    for (let i = 0; i < 100; i++) h.record(20);
    assert.equal(h.quantile(0), 20);
    assert.equal(h.quantile(1), 20);
    assert.equal(h.quantile(0.5), 20);
    const g = new Histogram('g', 'g', [], 'milliseconds');
    for (let i = 1; i <= 4; i++) g.record(i * 100); // 100, 200, 300, 400
    const p50 = g.quantile(0.5);
    assert.ok(p50 >= 100 && p50 <= 250, `p50 ${p50}`);
    assert.equal(g.quantile(1), 400);
  });
});
