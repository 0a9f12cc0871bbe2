/**
 * request_mirror_policies end to end: the mirror cluster gets a copy of the request (method,
 * path, headers, body) with its Host suffixed "-shadow", fire and forget — the client gets the
 * main response at once even when the mirror hangs or is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { request } from 'undici';
import { startRig } from './hcm-fixtures.js';
import { until } from './wait-fixtures.js';

const hang: http.RequestListener = () => undefined;

test('a mirror gets the copy with a -shadow host; the client gets the main response even when the mirror hangs', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route:
      cluster: main
      request_mirror_policies:
      - cluster: shadow
        runtime_fraction: { default_value: { numerator: 100, denominator: HUNDRED } }
        trace_sampled: false`,
    clusters: ['main', 'shadow'],
    handlers: { shadow: hang },
  });
  const started = Date.now();
  const r = await request(`${rig.base}/orders?id=7`, { method: 'POST', headers: { host: 'shop.example:8080', 'x-trace': 'abc' }, body: 'order-body' });
  assert.equal(r.statusCode, 200);
  assert.equal(await r.body.text(), 'main POST /orders?id=7');
  assert.ok(Date.now() - started < 1000, 'not delayed by the hanging mirror');
  const shadow = await until('the mirror copy', () => rig.upstreams['shadow']!.requests[0]);
  assert.equal(shadow.method, 'POST');
  assert.equal(shadow.url, '/orders?id=7');
  assert.equal(shadow.headers['host'], 'shop.example-shadow:8080');
  assert.equal(shadow.headers['x-trace'], 'abc');
  assert.equal(shadow.body, 'order-body');
  assert.equal(rig.last('main').headers['host'], 'shop.example:8080', 'the main request keeps its host');
  assert.equal((await rig.stats()).get('cluster.shadow.upstream_rq_total'), 1);
});

test('several mirror policies each get a copy; a 0% fraction none; a missing or down mirror never fails the request', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route:
      cluster: main
      request_mirror_policies:
      - { cluster: m1 }
      - { cluster: m2, disable_shadow_host_suffix_append: true }
      - { cluster: m3, runtime_fraction: { default_value: { numerator: 0 } } }
      - { cluster: missing }`,
    clusters: ['main', 'm1', 'm2', 'm3'],
    handlers: { m1: (_q, res) => res.writeHead(500).end('mirror error') },
    routeConfigExtra: 'validate_clusters: false',
  });
  for (let i = 0; i < 5; i++) {
    const r = await request(`${rig.base}/n/${i}`, { headers: { host: 'api' } });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), `main GET /n/${i}`);
  }
  await until('five copies on each mirror', () => (rig.upstreams['m1']!.requests.length === 5 && rig.upstreams['m2']!.requests.length === 5 ? true : undefined));
  assert.deepEqual(rig.upstreams['m1']!.requests.map((q) => q.headers['host']), Array(5).fill('api-shadow'));
  assert.deepEqual(rig.upstreams['m2']!.requests.map((q) => q.headers['host']), Array(5).fill('api'));
  assert.equal(rig.upstreams['m3']!.requests.length, 0);
  assert.equal(rig.upstreams['main']!.requests.length, 5);
  const s = await rig.stats();
  assert.equal(s.get('cluster.m1.upstream_rq_500'), 5, 'the mirror failures are counted on the mirror cluster only');
  assert.equal(s.get('cluster.main.upstream_rq_200'), 5);
});

test('a mirror whose upstream is gone: the main request is served, the mirror cluster counts the failure', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: main, request_mirror_policies: [{ cluster: gone }] }`,
    clusters: ['main', 'gone'],
  });
  await rig.upstreams['gone']!.close();
  const r = await request(`${rig.base}/x`, { method: 'PUT', body: 'data' });
  assert.equal(r.statusCode, 200);
  assert.equal(await r.body.text(), 'main PUT /x');
  await until('the mirror connect failure', async () => ((await rig.stats()).get('cluster.gone.upstream_cx_connect_fail') === 1 ? true : undefined));
});
