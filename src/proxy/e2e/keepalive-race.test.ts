import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { allTo, clusterYaml, get } from './cluster-fixtures.js';

// The keep-alive race: an upstream (here Node's http server, keepAliveTimeout 1 s, which
// advertises `Keep-Alive: timeout=1`) closes idle connections after 1 s; a proxy that reuses a
// connection at about that moment sends into a closing socket and answers 503 UC. Requests
// spaced around the idle timeout must all succeed: the proxy retires idle upstream connections
// before the upstream's advertised timeout.
test('an upstream advertising Keep-Alive: timeout=1 and closing idle connections at 1 s: requests spaced 0.9–1.1 s never fail', async (t) => {
  const up = await startUpstream('ka');
  up.server.keepAliveTimeout = 1000;
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('ka').replace('  routes:', '  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]\n  routes:'),
      clusters: clusterYaml('ka', [{ endpoints: [{ port: up.port }] }]),
    }),
  );
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const first = await get(`${base}/0`);
  assert.equal(first.status, 200);
  const gaps = [900, 1000, 1100, 1000];
  for (let i = 0; i < gaps.length; i++) {
    await sleep(gaps[i]!);
    const r = await get(`${base}/${i + 1}`);
    assert.equal(r.status, 200, `request ${i + 1} after ${gaps[i]} ms idle: ${r.status} ${r.body} flags=${String(r.headers['x-flags'])}`);
    assert.equal(r.headers['x-flags'], undefined);
  }
  const stats = await (await fetch(`http://127.0.0.1:${p.adminPort}/stats?filter=^cluster\\.ka\\.`)).text();
  assert.match(stats, /^cluster\.ka\.upstream_rq_200: 5$/m);
  assert.match(stats, /^cluster\.ka\.upstream_rq_rx_reset: 0$/m);
  assert.equal(up.requests.length, 5);
});
