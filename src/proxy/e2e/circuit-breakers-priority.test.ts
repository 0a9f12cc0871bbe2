/**
 * Route priority (RouteAction.priority: HIGH uses the cluster's HIGH thresholds) and
 * max_connection_pools (upstream_cx_pool_overflow), end to end over loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { clusterYaml, eventually, get, statValue } from './cluster-fixtures.js';

const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

/** An upstream that parks every request until release() answers them; `close` answers with Connection: close. */
async function holdingUpstream(name: string) {
  const held: http.ServerResponse[] = [];
  const up = await startUpstream(name, (_req, res) => {
    held.push(res);
  });
  return {
    up,
    held,
    release(close = false): void {
      for (const res of held.splice(0)) {
        if (close) res.setHeader('connection', 'close');
        res.end(name);
      }
    },
  };
}

test('route priority HIGH counts against the HIGH thresholds, DEFAULT routes against DEFAULT ones', async (t) => {
  const h = await holdingUpstream('held');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]
  routes:
  - match: { prefix: "/hi" }
    route: { cluster: cb, priority: HIGH }
  - match: { prefix: "/" }
    route: { cluster: cb }`,
      clusters: clusterYaml('cb', [{ endpoints: [{ port: h.up.port }] }], `circuit_breakers:
  thresholds:
  - { max_requests: 1, track_remaining: true }
  - { priority: HIGH, max_requests: 2, track_remaining: true }`),
    }),
  );
  t.after(async () => {
    h.release();
    await p.close();
    await h.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  const lo1 = get(`${base}/lo/1`);
  assert.ok(await eventually(() => h.held.length === 1));
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.rq_open'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.high.rq_open'), 0);
  // DEFAULT is full: a second DEFAULT request overflows.
  const lo2 = await get(`${base}/lo/2`);
  assert.equal(lo2.status, 503);
  assert.equal(lo2.body, OVERFLOW_BODY);
  assert.equal(lo2.headers['x-flags'], 'UO');
  // HIGH has its own budget of 2.
  const hi1 = get(`${base}/hi/1`);
  const hi2 = get(`${base}/hi/2`);
  assert.ok(await eventually(() => h.held.length === 3), 'both HIGH requests reached the upstream');
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.high.rq_open'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.high.remaining_rq'), 0);
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_rq'), 0);
  const hi3 = await get(`${base}/hi/3`);
  assert.equal(hi3.status, 503);
  assert.equal(hi3.headers['x-flags'], 'UO');
  assert.equal(await statValue(admin, 'cluster.cb.upstream_rq_pending_overflow'), 2);
  // HIGH requests use a pool (and connections) of their own, as Envoy keys pools by priority.
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.cx_pool_open'), 0);
  h.release();
  assert.deepEqual([(await lo1).status, (await hi1).status, (await hi2).status], [200, 200, 200]);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.cb.circuit_breakers.high.remaining_rq')) === 2));
  assert.equal(await statValue(admin, 'cluster.cb.circuit_breakers.default.remaining_rq'), 1);
  assert.equal(await statValue(admin, 'cluster.cb.upstream_cx_total'), 3, 'one connection for DEFAULT, two for the concurrent HIGH requests');
});

test('max_connection_pools: a host needing a new pool at the limit gets 503 UH and upstream_cx_pool_overflow; an idle pool is freed for it', async (t) => {
  const a = await holdingUpstream('a');
  const b = await holdingUpstream('b');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]
  routes:
  - match: { prefix: "/" }
    route: { cluster: pools }`,
      clusters: clusterYaml('pools', [{ endpoints: [{ port: a.up.port }, { port: b.up.port }] }], `circuit_breakers:
  thresholds:
  - { max_connection_pools: 1, track_remaining: true }`),
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
  const admin = p.adminPort;
  assert.equal(await statValue(admin, 'cluster.pools.circuit_breakers.default.remaining_cx_pools'), 1);
  const first = get(`${base}/1`);
  assert.ok(await eventually(() => a.held.length + b.held.length === 1), 'first request reached a host');
  assert.equal(await statValue(admin, 'cluster.pools.circuit_breakers.default.cx_pool_open'), 1);
  assert.equal(await statValue(admin, 'cluster.pools.circuit_breakers.default.remaining_cx_pools'), 0);
  // Round robin sends the next request to the other host, whose pool would be a second one.
  const second = await get(`${base}/2`);
  assert.equal(second.status, 503);
  assert.equal(second.body, 'no healthy upstream');
  assert.equal(second.headers['x-flags'], 'UH');
  assert.equal(await statValue(admin, 'cluster.pools.upstream_cx_pool_overflow'), 1);
  assert.equal(a.held.length + b.held.length, 1, 'the refused request reached no host');
  // The first pool's connection closes after its response: the pool is idle and gives way.
  a.release(true);
  b.release(true);
  assert.equal((await first).status, 200);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.pools.upstream_cx_active')) === 0));
  // The next two requests go to both hosts in turn: the second host's pool replaces the idle one.
  const served: string[] = [];
  for (const path of ['/3', '/4']) {
    const r = get(`${base}${path}`);
    assert.ok(await eventually(() => a.held.length + b.held.length === 1), `${path} reached a host`);
    a.release(true);
    b.release(true);
    const res = await r;
    assert.equal(res.status, 200, path);
    served.push(res.body);
    assert.ok(await eventually(async () => (await statValue(admin, 'cluster.pools.upstream_cx_active')) === 0));
  }
  assert.deepEqual(served.sort(), ['a', 'b']);
  assert.equal(await statValue(admin, 'cluster.pools.upstream_cx_pool_overflow'), 1);
  assert.equal(await statValue(admin, 'cluster.pools.circuit_breakers.default.cx_pool_open'), 1);
});
