import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { httpBootstrap, staticCluster, startProxy, startUpstream } from '../testing/proxy-harness.js';

test('routes by prefix to a real upstream, with Envoy headers and stats', async (t) => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/b/" }
    route: { cluster: b, prefix_rewrite: "/" }
  - match: { prefix: "/" }
    route: { cluster: a }`,
      clusters: `${staticCluster('a', [a.port])}\n${staticCluster('b', [b.port])}`,
    }),
  );
  t.after(async () => {
    await p.close();
    await a.close();
    await b.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const r1 = await request(`${base}/hello`);
  assert.equal(r1.statusCode, 200);
  assert.equal(await r1.body.text(), 'a GET /hello');
  assert.equal(r1.headers['server'], 'istio-envoy');
  assert.match(String(r1.headers['x-envoy-upstream-service-time']), /^\d+$/);
  const r2 = await request(`${base}/b/x?q=1`);
  assert.equal(await r2.body.text(), 'b GET /x?q=1');
  const up = b.requests[0]!;
  assert.match(String(up.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(up.headers['x-forwarded-proto'], 'http');
  assert.equal(up.headers['x-envoy-expected-rq-timeout-ms'], '15000');

  const stats = await (await request(`http://127.0.0.1:${p.adminPort}/stats`)).body.text();
  assert.match(stats, /^cluster\.a\.upstream_rq_200: 1$/m);
  assert.match(stats, /^cluster\.b\.upstream_rq_total: 1$/m);
  assert.match(stats, /^http\.ingress_http\.downstream_rq_2xx: 2$/m);
});

test('Envoy error replies: NR 404, UF 503 with Envoy body, UT 504', async (t) => {
  const slow = await startUpstream('slow', (_req, res) => {
    setTimeout(() => res.end('late'), 2000).unref();
  });
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/dead" }
    route: { cluster: dead }
  - match: { prefix: "/slow" }
    route: { cluster: slow, timeout: 0.2s }`,
      clusters: `${staticCluster('dead', [1])}\n${staticCluster('slow', [slow.port])}`,
    }),
  );
  t.after(async () => {
    await p.close();
    await slow.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const nr = await request(`${base}/nothing`);
  assert.equal(nr.statusCode, 404);
  await nr.body.dump();
  const uf = await request(`${base}/dead`);
  assert.equal(uf.statusCode, 503);
  assert.equal(await uf.body.text(), 'upstream connect error or disconnect/reset before headers. reset reason: connection failure');
  const ut = await request(`${base}/slow`);
  assert.equal(ut.statusCode, 504);
  assert.equal(await ut.body.text(), 'upstream request timeout');
});
