import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'undici';
import { httpBootstrap, staticCluster, startProxy, startUpstream } from '../testing/proxy-harness.js';

// Regression: the stream idle timer was armed with socket.setTimeout, adding one 'timeout'
// listener (holding the whole stream) per request to a keep-alive connection — a leak of ~3 KB
// per request that Node reported as MaxListenersExceededWarning after 10 requests.
test('many requests on one keep-alive connection leave nothing behind on the socket', async (t) => {
  const up = await startUpstream('u');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: u }`,
      clusters: staticCluster('u', [up.port]),
    }),
  );
  const client = new Client(`http://127.0.0.1:${p.port('http')}`, { pipelining: 1 });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on('warning', onWarning);
  t.after(async () => {
    process.off('warning', onWarning);
    await client.close();
    await p.close();
    await up.close();
  });
  for (let i = 0; i < 40; i++) {
    const r = await client.request({ path: `/${i}`, method: 'GET' });
    assert.equal(r.statusCode, 200);
    await r.body.text();
  }
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(warnings.filter((w) => w.includes('MaxListenersExceeded')), []);
  const stats = await (await fetch(`http://127.0.0.1:${p.adminPort}/stats`)).text();
  assert.match(stats, /^http\.ingress_http\.downstream_cx_total: 1$/m);
});
