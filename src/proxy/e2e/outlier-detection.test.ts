/**
 * Outlier detection and circuit breaking end to end: real backends on loopback that fail on
 * command, real HTTP clients, and clusters built by the control plane's DestinationRule
 * translation (src/translate/cluster/), as istiod would send them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import { finishCluster, newDraft } from '../../translate/cluster/cluster-draft.js';
import { applyConnectionPool } from '../../translate/cluster/connection-pool.js';
import { applyOutlierDetection } from '../../translate/cluster/outlier-detection.js';
import type { PolicyView } from '../../translate/cluster/traffic-policy.js';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { eventually, get, statValue } from './cluster-fixtures.js';
import { bootstrap, cluster, freePort, listener, tcpProxy } from './protocol-fixtures.js';

const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

/** A STATIC cluster over loopback ports with a DestinationRule traffic policy applied, as YAML. */
function drCluster(name: string, ports: readonly number[], policy: PolicyView): string {
  const d = newDraft({
    name,
    type: 'STATIC',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } })) }],
    },
  });
  applyConnectionPool(d, policy.connectionPool, { ...DEFAULT_MESH_CONFIG, connectTimeoutMs: 1000 });
  applyOutlierDetection(d, policy.outlierDetection);
  return `- ${JSON.stringify(finishCluster(d))}`;
}

function proxyFor(cluster: string, name: string): Promise<StartedProxy> {
  return startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]
  routes:
  - match: { prefix: "/" }
    route: { cluster: ${name} }`,
      clusters: cluster,
    }),
  );
}

/** A backend answering with its name, or 503 while `failing`. */
async function switchable(name: string, failing: boolean) {
  const state = { failing };
  const up = await startUpstream(name, (_req, res) => {
    if (state.failing) {
      res.statusCode = 503;
      res.end(`${name} failing`);
    } else {
      res.end(name);
    }
  });
  return { up, state };
}

async function clustersText(adminPort: number): Promise<string> {
  return (await request(`http://127.0.0.1:${adminPort}/clusters`)).body.text();
}

test('consecutive5xxErrors 1: the failing host is ejected, traffic goes to the healthy one, and it is back after baseEjectionTime (3 s)', async (t) => {
  const good = await switchable('good', false);
  const bad = await switchable('bad', true);
  const cluster = drCluster('reviews', [good.up.port, bad.up.port], {
    outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3s', maxEjectionPercent: 100 },
  });
  const p = await proxyFor(cluster, 'reviews');
  t.after(async () => {
    await p.close();
    await good.up.close();
    await bad.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const statuses: number[] = [];
  const bodies: string[] = [];
  let ejectedAt = 0;
  for (let i = 0; i < 20; i++) {
    const r = await get(`${base}/r${i}`);
    statuses.push(r.status);
    bodies.push(r.body);
    if (r.status === 503 && ejectedAt === 0) ejectedAt = Date.now();
  }
  // Round robin reaches the bad host within the first two requests; its one 503 ejects it.
  assert.equal(statuses.filter((s) => s === 503).length, 1, `statuses ${statuses.join(',')}`);
  assert.equal(bodies.filter((b) => b === 'good').length, 19);
  assert.equal(bad.up.requests.length, 1, 'the ejected host got no more traffic');
  const admin = p.adminPort;
  assert.equal(await statValue(admin, 'cluster.reviews.outlier_detection.ejections_active'), 1);
  assert.equal(await statValue(admin, 'cluster.reviews.outlier_detection.ejections_enforced_consecutive_5xx'), 1);
  assert.equal(await statValue(admin, 'cluster.reviews.outlier_detection.ejections_enforced_total'), 1);
  const text = await clustersText(admin);
  assert.match(text, new RegExp(`^reviews::127\\.0\\.0\\.1:${bad.up.port}::health_flags::/failed_outlier_check$`, 'm'));
  assert.match(text, new RegExp(`^reviews::127\\.0\\.0\\.1:${good.up.port}::health_flags::healthy$`, 'm'));
  assert.match(text, /^reviews::outlier::success_rate_average::-1$/m);
  const json = (await (await request(`http://127.0.0.1:${admin}/clusters?format=json`)).body.json()) as { cluster_statuses: { name: string; host_statuses: { address: { socket_address: { port_value: number } }; health_status: Record<string, unknown> }[] }[] };
  const badJson = json.cluster_statuses.find((c) => c.name === 'reviews')!.host_statuses.find((h) => h.address.socket_address.port_value === bad.up.port)!;
  assert.equal(badJson.health_status['failed_outlier_check'], true);
  assert.ok(p.logs.some((l) => l.includes(`outlier_detection: cluster reviews host 127.0.0.1:${bad.up.port} eject CONSECUTIVE_5XX`)), p.logs.join('\n'));

  // The backend recovers; it is sent traffic again once 3 s have passed, at the next 1 s sweep.
  bad.state.failing = false;
  const back = await eventually(async () => (await get(`${base}/probe`)).body === 'bad', 6000);
  const out = Date.now() - ejectedAt;
  assert.ok(back, 'the host came back');
  assert.ok(out >= 2900 && out <= 4500, `back after ${out} ms (ejection 3 s, sweep every 1 s)`);
  assert.equal(await statValue(admin, 'cluster.reviews.outlier_detection.ejections_active'), 0);
  assert.match(await clustersText(admin), new RegExp(`^reviews::127\\.0\\.0\\.1:${bad.up.port}::health_flags::healthy$`, 'm'));
  assert.ok(p.logs.some((l) => l.includes(`host 127.0.0.1:${bad.up.port} uneject`)));
});

test('maxEjectionPercent unset (Envoy default 10%): with 2 hosts nothing is ejected (50% > 10%), ejections_overflow counts it', async (t) => {
  const good = await switchable('good', false);
  const bad = await switchable('bad', true);
  const p = await proxyFor(drCluster('two', [good.up.port, bad.up.port], { outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3s' } }), 'two');
  t.after(async () => {
    await p.close();
    await good.up.close();
    await bad.up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await get(`${base}/x`)).status);
  assert.equal(statuses.filter((s) => s === 503).length, 5, 'round robin keeps sending half to the bad host');
  assert.equal(await statValue(p.adminPort, 'cluster.two.outlier_detection.ejections_active'), 0);
  assert.equal(await statValue(p.adminPort, 'cluster.two.outlier_detection.ejections_detected_consecutive_5xx'), 5);
  // The 5th consecutive 503 also reaches consecutive_gateway_failure's default of 5: detected,
  // and refused by max_ejection_percent before its enforcement (0%) is even asked, as in Envoy.
  assert.equal(await statValue(p.adminPort, 'cluster.two.outlier_detection.ejections_detected_consecutive_gateway_failure'), 1);
  assert.equal(await statValue(p.adminPort, 'cluster.two.outlier_detection.ejections_overflow'), 6);
});

test("Istio's circuit-breaking task: maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1, 2 clients × 20 requests → a share of 503 UO", async (t) => {
  // httpbin answering after a short delay, like the task's /get through fortio.
  const up = await startUpstream('httpbin', (_req, res) => {
    setTimeout(() => res.end('ok'), 15);
  });
  const cluster = drCluster('httpbin', [up.port], {
    connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
    outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
  });
  const p = await proxyFor(cluster, 'httpbin');
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const results: { status: number; body: string; overloaded: unknown; flags: unknown }[] = [];
  const client = async (c: number) => {
    for (let i = 0; i < 20; i++) {
      const r = await get(`${base}/get?c=${c}&i=${i}`);
      results.push({ status: r.status, body: r.body, overloaded: r.headers['x-envoy-overloaded'], flags: r.headers['x-flags'] });
    }
  };
  await Promise.all([client(0), client(1)]);
  assert.equal(results.length, 40);
  const ok = results.filter((r) => r.status === 200);
  const overflowed = results.filter((r) => r.status === 503);
  assert.equal(ok.length + overflowed.length, 40, `statuses: ${results.map((r) => r.status).join(',')}`);
  t.diagnostic(`${overflowed.length} of 40 overflowed (503 UO), ${ok.length} succeeded`);
  assert.ok(overflowed.length >= 1, 'some requests overflowed');
  assert.ok(ok.length >= 20, `most succeeded (${ok.length}/40)`);
  for (const r of overflowed) {
    assert.equal(r.body, OVERFLOW_BODY);
    assert.equal(r.overloaded, 'true');
    assert.equal(r.flags, 'UO');
  }
  for (const r of ok) {
    assert.equal(r.overloaded, undefined);
    assert.ok(r.flags === undefined || r.flags === '-', `no response flags on a 200, got ${String(r.flags)}`);
  }
  const admin = p.adminPort;
  assert.equal(await statValue(admin, 'cluster.httpbin.upstream_rq_pending_overflow'), overflowed.length);
  assert.equal(up.requests.length, ok.length, 'overflowed requests never reached the backend');
  // maxRequestsPerConnection 1: every request had its own connection.
  assert.equal(await statValue(admin, 'cluster.httpbin.upstream_cx_total'), ok.length);
  // Overflows are the cluster's condition, not the host's: no outlier ejection (Envoy #25487).
  assert.equal(await statValue(admin, 'cluster.httpbin.outlier_detection.ejections_detected_consecutive_5xx'), 0);
  assert.equal(await statValue(admin, 'cluster.httpbin.outlier_detection.ejections_active'), 0);
  // Istio's thresholds are exported with track_remaining.
  assert.equal(await statValue(admin, 'cluster.httpbin.circuit_breakers.default.remaining_pending'), 1);
  assert.equal(await statValue(admin, 'cluster.httpbin.circuit_breakers.default.rq_pending_open'), 0);
});

test('tcp_proxy: refused connections count as local-origin failures (503s without split); the dead host is ejected', async (t) => {
  const live = net.createServer((s) => {
    s.on('error', () => undefined);
    s.end('live');
  });
  await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
  const livePort = (live.address() as AddressInfo).port;
  const deadPort = await freePort(); // nothing listens: ECONNREFUSED
  const p = await startProxy(
    bootstrap({
      listeners: [listener('tcp', [{ filters: [tcpProxy('tcp_od', 'pair')] }])],
      clusters: [cluster('pair', [livePort, deadPort], { outlier_detection: { consecutive_5xx: 2, interval: '1s', base_ejection_time: '30s', max_ejection_percent: 50 } })],
    }),
  );
  t.after(async () => {
    await p.close();
    await new Promise<void>((r) => live.close(() => r()));
  });
  const once = (): Promise<string> =>
    new Promise((resolve) => {
      const c = net.connect(p.port('tcp'), '127.0.0.1');
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('error', () => resolve('error'));
      c.on('close', () => resolve(Buffer.concat(chunks).toString() || 'closed'));
    });
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) answers.push(await once());
  // Round robin: the dead host is tried twice (2 consecutive failures), then ejected.
  assert.equal(answers.filter((a) => a === 'live').length, 10, answers.join(','));
  assert.equal(await statValue(p.adminPort, 'cluster.pair.outlier_detection.ejections_enforced_consecutive_5xx'), 1);
  assert.match(await clustersText(p.adminPort), new RegExp(`^pair::127\\.0\\.0\\.1:${deadPort}::health_flags::/failed_outlier_check$`, 'm'));
});
