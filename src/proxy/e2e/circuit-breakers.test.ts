import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { clusterYaml, eventually, get, statValue } from './cluster-fixtures.js';

const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

/** An upstream that parks every request until release() answers them (oldest first). */
async function holdingUpstream() {
  const held: http.ServerResponse[] = [];
  const up = await startUpstream('held', (_req, res) => {
    held.push(res);
  });
  return {
    up,
    held,
    release(n = held.length): void {
      for (const res of held.splice(0, n)) res.end('released');
    },
  };
}

/** A proxy whose only route goes to cluster `cb` with the given thresholds; %RESPONSE_FLAGS% echoed in x-flags. */
async function proxyWith(port: number, thresholds: string): Promise<StartedProxy> {
  return startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]
  routes:
  - match: { prefix: "/" }
    route: { cluster: cb }`,
      clusters: clusterYaml('cb', [{ endpoints: [{ port }] }], `circuit_breakers:\n  thresholds:\n  - ${thresholds}`),
    }),
  );
}

test('max_requests: with one request in flight the next is refused at once: 503 UO, x-envoy-overloaded, pending_overflow, rq_open', async (t) => {
  const h = await holdingUpstream();
  const p = await proxyWith(h.up.port, '{ max_requests: 1, track_remaining: true }');
  t.after(async () => {
    h.release();
    await p.close();
    await h.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_open'), 0);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_rq'), 1);
  const first = get(`${base}/first`);
  assert.ok(await eventually(() => h.held.length === 1), 'first request reached the upstream');
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_open'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_rq'), 0);

  const started = Date.now();
  const second = await get(`${base}/second`);
  assert.ok(Date.now() - started < 1000, 'refused immediately, not queued');
  assert.equal(second.status, 503);
  assert.equal(second.body, OVERFLOW_BODY);
  assert.equal(second.headers['x-envoy-overloaded'], 'true');
  assert.equal(second.headers['x-flags'], 'UO');
  assert.equal(h.held.length, 1, 'the refused request never reached the upstream');
  assert.equal(await statValue(admin, 'cluster.cb.upstream_rq_pending_overflow'), 1);

  h.release();
  const r1 = await first;
  assert.equal(r1.status, 200);
  assert.equal(r1.headers['x-envoy-overloaded'], undefined);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_open')) === 0));
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_rq'), 1);
  const third = get(`${base}/third`);
  assert.ok(await eventually(() => h.held.length === 1));
  h.release();
  assert.equal((await third).status, 200);
});

test('max_connections 1 + max_pending_requests 1: the second request waits for the connection, the third overflows', async (t) => {
  const h = await holdingUpstream();
  const p = await proxyWith(h.up.port, '{ max_connections: 1, max_pending_requests: 1, track_remaining: true }');
  t.after(async () => {
    h.release();
    await p.close();
    await h.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  const first = get(`${base}/1`);
  assert.ok(await eventually(() => h.held.length === 1));
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.cx_open'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_cx'), 0);

  // The only connection is busy: this one is queued (pending), and no second connection is opened.
  const second = get(`${base}/2`);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.cb.upstream_rq_pending_active')) === 1), 'second request pending');
  assert.equal(await statValue(admin, 'cluster.cb.upstream_cx_overflow'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_pending_open'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_pending'), 0);

  const third = await get(`${base}/3`);
  assert.equal(third.status, 503);
  assert.equal(third.body, OVERFLOW_BODY);
  assert.equal(third.headers['x-envoy-overloaded'], 'true');
  assert.equal(third.headers['x-flags'], 'UO');
  assert.equal(await statValue(admin, 'cluster.cb.upstream_rq_pending_overflow'), 1);

  // Releasing the first frees the connection; the pending request goes out on it.
  h.release();
  assert.equal((await first).status, 200);
  assert.ok(await eventually(() => h.held.length === 1), 'pending request dispatched');
  assert.equal(await statValue(admin, 'cluster.cb.upstream_rq_pending_active'), 0);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_pending_open'), 0);
  h.release();
  assert.equal((await second).status, 200);
  assert.equal(await statValue(admin, 'cluster.cb.upstream_cx_total'), 1, 'one connection served all');
  // As in Envoy, the first request was pending too, while its connection was being established.
  assert.equal(await statValue(admin, 'cluster.cb.upstream_rq_pending_total'), 2);
  assert.equal(h.up.requests.map((r) => r.url).join(','), '/1,/2');
});

test('max_connections is per cluster, but a host with no connection still gets one (no stall)', async (t) => {
  const a = await holdingUpstream();
  const b = await holdingUpstream();
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: two }`,
      clusters: clusterYaml('two', [{ endpoints: [{ port: a.up.port }, { port: b.up.port }] }], 'circuit_breakers: { thresholds: [{ max_connections: 1 }] }'),
    }),
  );
  t.after(async () => {
    a.release();
    b.release();
    await p.close();
    await a.up.close();
    await b.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const r1 = get(`${base}/1`);
  const r2 = get(`${base}/2`);
  assert.ok(await eventually(() => a.held.length === 1 && b.held.length === 1), 'both hosts reached');
  assert.equal(await statValue(p.adminPort, 'cluster.two.upstream_cx_overflow'), 1);
  a.release();
  b.release();
  assert.deepEqual([(await r1).status, (await r2).status], [200, 200]);
});

test('circuit breaker gauges exist for both priorities; remaining_* only with track_remaining; /clusters shows the thresholds', async (t) => {
  const up = await startUpstream('u');
  const p = await proxyWith(up.port, '{ max_connections: 7, max_pending_requests: 8, max_requests: 9, max_retries: 2 }');
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const stats = await (await fetch(`http://127.0.0.1:${p.adminPort}/stats?filter=circuit_breakers`)).text();
  for (const priority of ['default', 'high']) {
    for (const g of ['cx_open', 'cx_pool_open', 'rq_open', 'rq_pending_open', 'rq_retry_open']) {
      assert.match(stats, new RegExp(`^cluster\\.cb\\.circuit_breakers\\.${priority}\\.${g}: 0$`, 'm'));
    }
  }
  assert.doesNotMatch(stats, /remaining_/);
  const prom = await (await fetch(`http://127.0.0.1:${p.adminPort}/stats/prometheus`)).text();
  assert.match(prom, /^envoy_cluster_circuit_breakers_default_rq_open\{envoy_cluster_name="cb"\} 0$/m);
  const clusters = await (await fetch(`http://127.0.0.1:${p.adminPort}/clusters`)).text();
  assert.match(clusters, /^cb::default_priority::max_connections::7$/m);
  assert.match(clusters, /^cb::default_priority::max_pending_requests::8$/m);
  assert.match(clusters, /^cb::default_priority::max_requests::9$/m);
  assert.match(clusters, /^cb::default_priority::max_retries::2$/m);
  assert.match(clusters, /^cb::high_priority::max_connections::1024$/m);
});
