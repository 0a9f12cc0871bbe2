/**
 * The ADS server driving tsmesh's own proxy end to end: a DiscoveryServer whose generator
 * returns hand-written Envoy resources, a proxy started from the pilot-agent bootstrap, real
 * upstreams, real requests. Routing follows update(); proxy-status reads SYNCED; a listener
 * the proxy rejects shows NACK with its reason while traffic keeps flowing.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { DiscoveryServer } from '../discovery-server.js';
import type { SyncStatus } from '../proxy-status.js';
import { configStatus } from '../proxy-status.js';
import { assignment, edsCluster, FakeGenerator, pushContext, rdsListener, routeTo } from '../testing/fake-generator.js';
import { buildBootstrap } from '../../agent/build-bootstrap.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../ads-protocol.js';
import { ProxyServer } from '../../../proxy/proxy-server.js';
import { startUpstream } from '../../../proxy/testing/proxy-harness.js';
import type { Upstream } from '../../../proxy/testing/proxy-harness.js';
import { formatProxyStatus } from '../../../cli/commands/proxy-status.js';
import { getDebugJson } from '../../../cli/debug-client.js';
import { until } from '../../../proxy/e2e/wait-fixtures.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const A = 'outbound|80||a.default.svc.cluster.local';
const B = 'outbound|80||b.default.svc.cluster.local';

async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const r = await request(`http://127.0.0.1:${port}${path}`);
  return { status: r.statusCode, body: await r.body.text() };
}

async function world(): Promise<{ ds: DiscoveryServer; gen: FakeGenerator; a: Upstream; b: Upstream; proxy: ProxyServer; port: number; logs: string[] }> {
  const a = await startUpstream('A');
  cleanup.push(() => a.close());
  const b = await startUpstream('B');
  cleanup.push(() => b.close());
  const gen = new FakeGenerator();
  gen.set({
    clusters: [edsCluster(A), edsCluster(B)],
    endpoints: [assignment(A, [a.port]), assignment(B, [b.port])],
    listeners: [rdsListener('http', '80')],
    routes: [routeTo('80', A)],
  });
  const ds = new DiscoveryServer({ generator: gen.generate, istiodId: 'istiod-e2e' });
  await ds.start({ grpcPort: 0, httpPort: 0 });
  cleanup.push(() => ds.stop());
  ds.update(pushContext('v1'));

  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-ads-e2e-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'envoy-rev.json');
  const bootstrap = buildBootstrap({
    type: 'sidecar', discoveryAddress: `127.0.0.1:${ds.grpcPort}`, namespace: 'default', podName: 'sleep-1', labels: { app: 'sleep' }, ips: ['127.0.0.1'], adminPort: 0, istioVersion: '0.1.0',
  });
  writeFileSync(file, JSON.stringify(bootstrap));
  const logs: string[] = [];
  const proxy = await ProxyServer.start({ bootstrapFile: file, adminPort: 0, drainTimeMs: 100, log: (l) => logs.push(l) });
  cleanup.push(() => proxy.close());
  const port = await until('listener http', () => proxy.listenerPort('http') || undefined);
  return { ds, gen, a, b, proxy, port, logs };
}

async function syncz(ds: DiscoveryServer): Promise<SyncStatus[]> {
  return (await getDebugJson('test', `127.0.0.1:${ds.httpPort}`, '/debug/syncz')) as SyncStatus[];
}

test('the proxy follows the ADS server: traffic, routing changes on update(), SYNCED in proxy-status', async () => {
  const { ds, gen, port } = await world();
  assert.equal((await get(port, '/hello')).body, 'A GET /hello');

  gen.set({ routes: [routeTo('80', B)] });
  ds.update(pushContext('v2'));
  await until('traffic to move to B', async () => ((await get(port)).body.startsWith('B ') ? true : undefined));

  const all = await until('every type SYNCED at v2', async () => {
    const s = await syncz(ds);
    const r = s[0]?.resources ?? {};
    return s.length === 1 && r[ROUTE_TYPE_URL]?.versionAcked === 'v2' && [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL].every((t) => configStatus(r[t]) === 'SYNCED') ? s : undefined;
  });
  assert.equal(all[0]!.proxy, 'sleep-1.default');
  const table = formatProxyStatus(all, Date.now(), 'x');
  assert.match(table, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION\n/);
  assert.match(table, /\nsleep-1\.default\s+Kubernetes\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+NOT SENT\s+istiod-e2e\s+0\.1\.0\n/);

  // Endpoint-only change: B's endpoint moves to A's server; EDS alone is pushed.
  const before = all[0]!.resources![CLUSTER_TYPE_URL]!.sent;
  gen.set({ endpoints: [assignment(A, []), assignment(B, [ds.httpPort])] });
  ds.update(pushContext('v3'), { full: false, endpointsOnlyFor: ['b.default.svc.cluster.local'] });
  await until('EDS v3 ACKed', async () => ((await syncz(ds))[0]?.resources?.[ENDPOINT_TYPE_URL]?.versionAcked === 'v3' ? true : undefined));
  const after = (await syncz(ds))[0]!.resources!;
  assert.equal(after[CLUSTER_TYPE_URL]!.sent, before, 'CDS was not pushed for an endpoint-only change');
  // B's only endpoint is now the control plane's debug server: its 404 proves the new endpoint is in use.
  assert.deepEqual(await get(port, '/nothing-here'), { status: 404, body: '404 page not found\n' });
});

test('a listener the proxy rejects shows NACK with the reason, and the proxy keeps serving', async () => {
  const { ds, gen, port, logs } = await world();
  assert.equal((await get(port)).body, 'A GET /');
  // Two filter chains with the same match: Envoy (and tsmesh's proxy) reject the listener.
  const bad = rdsListener('bad', '80');
  const chains = bad['filter_chains'] as unknown[];
  bad['filter_chains'] = [chains[0], chains[0]];
  gen.set({ listeners: [rdsListener('http', '80'), bad] });
  ds.update(pushContext('v2'));
  const s = await until('LDS NACK', async () => {
    const st = await syncz(ds);
    return configStatus(st[0]?.resources?.[LISTENER_TYPE_URL]) === 'NACK' ? st : undefined;
  });
  const rs = s[0]!.resources![LISTENER_TYPE_URL]!;
  assert.match(rs.lastError ?? '', /bad/);
  assert.match(rs.lastError ?? '', /filter chain/);
  assert.match(formatProxyStatus(s, Date.now(), 'x'), /sleep-1\.default\s+Kubernetes\s+SYNCED \(\d+s\)\s+NACK \(\d+s\)[\s\S]*\n {2}sleep-1\.default LDS: .*filter chain/);
  assert.equal((await get(port)).body, 'A GET /', 'still serving the last good config');
  assert.ok(logs.some((l) => /rejected/.test(l)), logs.join('\n'));

  // Fixing the config clears the NACK.
  gen.set({ listeners: [rdsListener('http', '80')] });
  ds.update(pushContext('v3'));
  await until('LDS SYNCED at v3', async () => {
    const r = (await syncz(ds))[0]?.resources?.[LISTENER_TYPE_URL];
    return configStatus(r) === 'SYNCED' && r?.versionAcked === 'v3' ? true : undefined;
  });
  assert.equal((await get(port)).body, 'A GET /');
});

test('leaves no sockets, servers or timers behind', async () => {
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Timeout/.test(r));
  for (let i = 0; i < 100 && open().length > 0; i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 50 && open().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(open(), []);
});
