/**
 * Transparent capture end to end, as in a Kubernetes pod with Istio's init container: two pods
 * in their own network namespaces on a bridge, istio-iptables' rules in each, a sidecar
 * (`tsmesh proxy --bootstrap`, uid 1337) in each with Istio-shaped REDIRECT-mode listeners.
 *
 *   A: curl B-IP:8080 → OUTPUT → ISTIO_REDIRECT → A sidecar 15001 (virtualOutbound,
 *      original_dst + use_original_dst) → handed to 0.0.0.0_8080 (bind_to_port false) →
 *      outbound|8080||b → B-IP:8080 (uid 1337: not captured)
 *   B: PREROUTING → ISTIO_IN_REDIRECT → B sidecar 15006 (virtualInbound, chain for port 8080) →
 *      inbound|8080|| (ORIGINAL_DST, from 127.0.0.6: not captured) → the app on 8080
 *
 * Root only (network namespaces, iptables); skipped with the reason otherwise. CI runs as root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { until } from '../../../proxy/e2e/wait-fixtures.js';
import { originalDstUnavailable } from '../../../proxy/listener/original-dst.js';
import { captureUnavailable, saveNat } from './apply-capture.js';
import { PROXY_USER, deleteBridge, ensureBridge, netnsExec } from './netns.js';
import { appArgv, setUpCapturedPod, sidecarArgv, tearDownCapturedPod } from './pod-capture.js';
import { run } from './run-command.js';
const skip = (await captureUnavailable()) ?? (originalDstUnavailable() !== null ? `original-dst addon: ${originalDstUnavailable()}` : null) ?? (await run(['curl', '--version']).then(() => null, () => 'curl is not installed')) ?? false;

// Unique per run: tests run concurrently with other tests (and other runs of this one).
const tag = randomBytes(3).toString('hex');
const subnet = `10.250.${randomBytes(1)[0]! % 250}`;
const BRIDGE = { name: `tsb${tag}`, address: `${subnet}.1`, prefixLength: 24 };
const A = { netns: `tsm-${tag}-a`, podIp: `${subnet}.2` };
const B = { netns: `tsm-${tag}-b`, podIp: `${subnet}.3` };

const children: ChildProcess[] = [];
const logs = new Map<ChildProcess, string>();
let dir = '';
let hostServer: http.Server | null = null;
let hostPeers: string[] = [];

function start(full: string[]): ChildProcess {
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  logs.set(child, '');
  const append = (d: Buffer): void => void logs.set(child, (logs.get(child) ?? '') + d.toString());
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return child;
}

/** curl inside a namespace (as root: the app's traffic, captured). */
function curl(netns: string, url: string): Promise<string> {
  return run(netnsExec(netns, ['curl', '-sS', '--max-time', '5', url]));
}

async function stat(netns: string, name: string): Promise<number> {
  const text = await curl(netns, `http://127.0.0.1:15000/stats?filter=${encodeURIComponent(`^${name.replace(/[.|]/g, '\\$&')}$`)}`);
  const m = /: (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

const ORIGINAL_DST = { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst' } };
const ROUTER = [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }];
const hcm = (statPrefix: string, cluster: string): Record<string, unknown> => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: statPrefix,
    route_config: { name: statPrefix, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
    http_filters: ROUTER,
  },
});
const tcpProxy = (cluster: string): Record<string, unknown> => ({
  name: 'envoy.filters.network.tcp_proxy',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: cluster, cluster },
});
const originalDstCluster = (name: string, bind: boolean): Record<string, unknown> => ({
  name,
  type: 'ORIGINAL_DST',
  lb_policy: 'CLUSTER_PROVIDED',
  connect_timeout: '2s',
  ...(bind ? { upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } } : {}),
});
const admin = { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } };

/** Pod A's sidecar: Istio's outbound side (virtualOutbound + a per-service listener). */
const bootstrapA = {
  admin,
  static_resources: {
    listeners: [
      {
        name: 'virtualOutbound',
        address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
        use_original_dst: true,
        traffic_direction: 'OUTBOUND',
        listener_filters: [ORIGINAL_DST],
        filter_chains: [{ name: 'PassthroughFilterChain', filters: [tcpProxy('PassthroughCluster')] }],
      },
      {
        name: '0.0.0.0_8080',
        address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
        bind_to_port: false,
        traffic_direction: 'OUTBOUND',
        filter_chains: [{ filters: [hcm('outbound_0.0.0.0_8080', 'outbound|8080||b')] }],
      },
    ],
    clusters: [
      {
        name: 'outbound|8080||b',
        type: 'STATIC',
        connect_timeout: '2s',
        load_assignment: { cluster_name: 'outbound|8080||b', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: B.podIp, port_value: 8080 } } } }] }] },
      },
      originalDstCluster('PassthroughCluster', false),
    ],
  },
};

/** Pod B's sidecar: Istio's inbound side (virtualInbound with a chain per port, passthrough otherwise). */
const bootstrapB = {
  admin,
  static_resources: {
    listeners: [
      {
        name: 'virtualInbound',
        address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
        traffic_direction: 'INBOUND',
        listener_filters: [
          ORIGINAL_DST,
          {
            name: 'envoy.filters.listener.http_inspector',
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' },
            filter_disabled: { destination_port_range: { start: 9090, end: 9091 } },
          },
        ],
        filter_chains: [
          { name: '0.0.0.0_8080', filter_chain_match: { destination_port: 8080 }, filters: [hcm('inbound_0.0.0.0_8080', 'inbound|8080||')] },
          { name: 'virtualInbound', filter_chain_match: { prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }] }, filters: [tcpProxy('InboundPassthroughClusterIpv4')] },
        ],
      },
    ],
    clusters: [originalDstCluster('inbound|8080||', true), originalDstCluster('InboundPassthroughClusterIpv4', true)],
  },
};

/** B's app: answers with the port and the peer address it saw (127.0.0.6 when the sidecar delivered it). */
const APP = `
const http = require('node:http');
for (const port of [8080, 9090]) {
  http.createServer((req, res) => res.end(JSON.stringify({ app: 'b', port, peer: req.socket.remoteAddress, host: req.headers.host }))).listen(port, '0.0.0.0');
}
`;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsmesh-capture-'));
  chmodSync(dir, 0o755); // the sidecars run as uid 1337
  writeFileSync(join(dir, 'a.json'), JSON.stringify(bootstrapA));
  writeFileSync(join(dir, 'b.json'), JSON.stringify(bootstrapB));
  await ensureBridge(BRIDGE);
  const hosts = [[B.podIp, ['b', 'b.default.svc.cluster.local']]] as const;
  // What the local platform does per pod: network + istio-init rules, then app and sidecar.
  for (const pod of [A, B]) await setUpCapturedPod({ ...pod, bridge: BRIDGE, hosts });
  start(appArgv(B.netns, [process.execPath, '-e', APP]));
  for (const [pod, file] of [[A, 'a.json'], [B, 'b.json']] as const) start(sidecarArgv(pod.netns, ['--bootstrap', join(dir, file)]));
  // A server outside the mesh (the host, on the bridge address) for passthrough traffic.
  hostServer = http.createServer((req, res) => {
    hostPeers.push(req.socket.remoteAddress ?? '');
    res.end('host');
  });
  await new Promise<void>((r) => hostServer!.listen(8999, BRIDGE.address, r));
  for (const pod of [A, B]) await until(`${pod.netns} sidecar ready`, async () => ((await curl(pod.netns, 'http://127.0.0.1:15000/ready')).includes('LIVE') ? true : undefined), 20_000);
  await until('B app', async () => ((await run(netnsExec(B.netns, ['curl', '-sS', 'http://127.0.0.1:8080/']))).includes('"app"') ? true : undefined), 10_000);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('close', r)) : null)));
  if (hostServer) await new Promise<void>((r) => hostServer!.close(() => r()));
  if (skip) return;
  for (const pod of [A, B]) await tearDownCapturedPod(pod.netns).catch(() => undefined);
  await deleteBridge(BRIDGE.name).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function diagnostics(): string {
  return children.map((c) => `--- ${c.spawnargs.slice(4).join(' ').slice(0, 120)}\n${logs.get(c) ?? ''}`).join('\n');
}

test("the pods' nat tables are istio-iptables' rules", { skip }, async () => {
  for (const pod of [A, B]) {
    const nat = await saveNat(pod.netns);
    assert.match(nat, /-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006/);
    assert.match(nat, /-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
    assert.match(nat, /-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN/);
  }
});

test('A app → A sidecar (15001, handed to 0.0.0.0_8080) → B sidecar (15006) → B app, by IP and by name', { skip }, async () => {
  for (const url of [`http://${B.podIp}:8080/ip`, 'http://b:8080/name', 'http://b.default.svc.cluster.local:8080/fqdn']) {
    const body = await curl(A.netns, url).catch((err: Error) => assert.fail(`${url}: ${err.message}\n${diagnostics()}`));
    const answer = JSON.parse(body) as { app: string; port: number; peer: string };
    assert.equal(answer.app, 'b', url);
    assert.equal(answer.port, 8080, url);
    // Delivered by B's sidecar from Istio's inbound source address, not by A directly.
    assert.equal(answer.peer, '127.0.0.6', url);
  }
  // A: the per-service listener took the handed-off connections; virtualOutbound kept none.
  assert.equal(await stat(A.netns, 'cluster.outbound|8080||b.upstream_rq_total'), 3);
  assert.equal(await stat(A.netns, 'http.outbound_0.0.0.0_8080.downstream_rq_total'), 3);
  assert.ok((await stat(A.netns, 'listener.0.0.0.0_8080.downstream_cx_total')) >= 3);
  assert.equal(await stat(A.netns, 'listener.0.0.0.0_15001.downstream_cx_total'), 0);
  // B: inbound through virtualInbound's port-8080 chain to the ORIGINAL_DST inbound cluster.
  assert.equal(await stat(B.netns, 'http.inbound_0.0.0.0_8080.downstream_rq_total'), 3);
  assert.equal(await stat(B.netns, 'cluster.inbound|8080||.upstream_rq_total'), 3);
  // A's sidecar keeps its upstream connection to B alive: one or more connections carried the three.
  assert.ok((await stat(B.netns, 'listener.0.0.0.0_15006.downstream_cx_total')) >= 1);
});

test('no listener for the destination: PassthroughCluster (out of the mesh, and into a pod port with no service)', { skip }, async () => {
  // To the host, outside the mesh: A's virtualOutbound keeps it and tcp_proxies to the original destination.
  assert.equal(await curl(A.netns, `http://${BRIDGE.address}:8999/`), 'host');
  assert.deepEqual(hostPeers, [A.podIp]);
  assert.equal(await stat(A.netns, 'cluster.PassthroughCluster.upstream_cx_total'), 1);
  assert.ok((await stat(A.netns, 'listener.0.0.0.0_15001.downstream_cx_total')) >= 1);
  // To B's port 9090, which no service declares: passthrough out of A, InboundPassthrough into B.
  const answer = JSON.parse(await curl(A.netns, `http://${B.podIp}:9090/`)) as { port: number; peer: string };
  assert.equal(answer.port, 9090);
  assert.equal(answer.peer, '127.0.0.6');
  assert.equal(await stat(A.netns, 'cluster.PassthroughCluster.upstream_cx_total'), 2);
  assert.equal(await stat(B.netns, 'cluster.InboundPassthroughClusterIpv4.upstream_cx_total'), 1);
});

test("the sidecar's own traffic and the app's traffic to localhost are not captured", { skip }, async () => {
  // Root in B talking to the app on 127.0.0.1 stays on loopback (-d 127.0.0.1/32 -j RETURN).
  const local = JSON.parse(await run(netnsExec(B.netns, ['curl', '-sS', 'http://127.0.0.1:8080/']))) as { peer: string };
  assert.equal(local.peer, '127.0.0.1');
  // uid 1337 in A reaching the host directly: not redirected to A's sidecar (--uid-owner 1337 -j RETURN).
  const before = await stat(A.netns, 'listener.0.0.0.0_15001.downstream_cx_total');
  assert.equal(await run(netnsExec(A.netns, ['curl', '-sS', '--max-time', '5', `http://${BRIDGE.address}:8999/`], PROXY_USER)), 'host');
  assert.equal(await stat(A.netns, 'listener.0.0.0.0_15001.downstream_cx_total'), before);
});
