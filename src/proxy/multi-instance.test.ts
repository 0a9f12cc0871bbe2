/**
 * Several ProxyServers in one process (the local platform's pod host runs every sidecar and
 * gateway of a mesh in one Node process): each has its own stats, clusters, routes, listeners and
 * admin, and none installs process-wide handlers. Both proxies here use the same cluster, listener
 * and stat_prefix names, so any registry shared by name would show up as mixed counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { httpBootstrap, startProxy, startUpstream, staticCluster } from './testing/proxy-harness.js';
import { get, statValue } from './e2e/cluster-fixtures.js';

const ROUTES = `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: svc }`;

const PROCESS_EVENTS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection', 'warning'] as const;

test('two proxies in one process keep separate stats, config and lifetimes', async (t) => {
  const listenersBefore = PROCESS_EVENTS.map((e) => process.listenerCount(e));
  const upA = await startUpstream('A');
  const upB = await startUpstream('B');
  const a = await startProxy(httpBootstrap({ virtualHosts: ROUTES, clusters: staticCluster('svc', [upA.port]) }));
  const b = await startProxy(httpBootstrap({ virtualHosts: ROUTES, clusters: staticCluster('svc', [upB.port]) }));
  t.after(async () => {
    await a.close();
    await b.close();
    await upA.close();
    await upB.close();
  });
  assert.deepEqual(
    PROCESS_EVENTS.map((e) => process.listenerCount(e)),
    listenersBefore,
    'a ProxyServer must not add process-wide listeners (its host owns signals and exit)',
  );

  for (let i = 0; i < 3; i++) assert.equal((await get(`http://127.0.0.1:${a.port('http')}/a${i}`)).body, `A GET /a${i}`);
  for (let i = 0; i < 2; i++) assert.equal((await get(`http://127.0.0.1:${b.port('http')}/b${i}`)).body, `B GET /b${i}`);
  assert.equal(upA.requests.length, 3);
  assert.equal(upB.requests.length, 2);

  // Same names, separate counts: each admin's /stats shows only its own traffic.
  assert.equal(await statValue(a.adminPort, 'cluster.svc.upstream_rq_total'), 3);
  assert.equal(await statValue(b.adminPort, 'cluster.svc.upstream_rq_total'), 2);
  assert.equal(await statValue(a.adminPort, 'http.ingress_http.downstream_rq_total'), 3);
  assert.equal(await statValue(b.adminPort, 'http.ingress_http.downstream_rq_total'), 2);
  assert.equal(await statValue(a.adminPort, 'http.ingress_http.downstream_rq_2xx'), 3);
  assert.equal(await statValue(b.adminPort, 'http.ingress_http.downstream_rq_2xx'), 2);

  // Each admin describes its own proxy.
  const clusters = async (port: number): Promise<string> => (await request(`http://127.0.0.1:${port}/clusters`)).body.text();
  assert.match(await clusters(a.adminPort), new RegExp(`svc::127\\.0\\.0\\.1:${upA.port}::`));
  assert.doesNotMatch(await clusters(a.adminPort), new RegExp(`:${upB.port}::`));
  assert.match(await clusters(b.adminPort), new RegExp(`svc::127\\.0\\.0\\.1:${upB.port}::`));

  // Quitting one proxy (POST /quitquitquit) leaves the other serving.
  const portA = a.port('http');
  const quit = await request(`http://127.0.0.1:${a.adminPort}/quitquitquit`, { method: 'POST' });
  await quit.body.text();
  const quitA = await waitFor(() => connectRefused(portA));
  assert.ok(quitA, 'proxy A closed its listener after /quitquitquit');
  assert.equal((await get(`http://127.0.0.1:${b.port('http')}/after`)).body, 'B GET /after');
  assert.equal(await statValue(b.adminPort, 'cluster.svc.upstream_rq_total'), 3);
});

async function connectRefused(port: number): Promise<boolean> {
  try {
    await (await request(`http://127.0.0.1:${port}/`)).body.text();
    return false;
  } catch {
    return true;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
