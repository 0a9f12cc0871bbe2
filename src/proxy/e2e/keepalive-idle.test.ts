import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { allTo, clusterYaml, eventually, get, statValue } from './cluster-fixtures.js';

const WITH_FLAGS = (cluster: string): string =>
  allTo(cluster).replace('  routes:', '  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]\n  routes:');

/**
 * A bare HTTP/1.1 upstream that never sends Keep-Alive: it answers `ok` on a kept-alive
 * connection and closes the connection after `idleMs` without a request — or, with
 * `dropSecond`, closes it instead of answering the second request on it (a close that crossed
 * the request on the wire, deterministically). Records connections and requests.
 */
async function rawUpstream(opts: { idleMs: number; dropSecond?: boolean }) {
  const seen = { connections: 0, requests: 0, dropped: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    seen.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    let onThis = 0;
    let idle = setTimeout(() => socket.destroy(), opts.idleMs).unref();
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        buf = buf.slice(end + 4); // GETs only: no bodies
        onThis++;
        clearTimeout(idle);
        if (opts.dropSecond && onThis === 2) {
          seen.dropped++;
          socket.destroy();
          return;
        }
        seen.requests++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok');
        idle = setTimeout(() => socket.destroy(), opts.idleMs).unref();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('an upstream that closes idle connections after 1 s without a Keep-Alive header: requests spaced 0.5 s and 1.5 s succeed', async (t) => {
  const up = await rawUpstream({ idleMs: 1000 });
  const p = await startProxy(httpBootstrap({ virtualHosts: WITH_FLAGS('raw'), clusters: clusterYaml('raw', [{ endpoints: [{ port: up.port }] }]) }));
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  assert.equal((await get(`${base}/0`)).status, 200);
  // 0.5 s: the connection is still open and is reused; 1.5 s: the upstream closed it and the
  // proxy, having seen the FIN, opens a new one instead of writing into the closed socket.
  // (Closer to the 1 s mark a request can cross the close on the wire: see the next test.)
  for (const gap of [500, 1500]) {
    await sleep(gap);
    const r = await get(`${base}/after-${gap}`);
    assert.equal(r.status, 200, `after ${gap} ms: ${r.status} ${r.body}`);
  }
  assert.equal(up.seen.connections, 2, 'reused at 0.5 s, reconnected at 1.5 s');
  assert.equal(await statValue(p.adminPort, 'cluster.raw.upstream_cx_total'), 2);
});

// When the upstream's close crosses the request on the wire, the request is lost: Envoy answers
// 503 UC ("reset reason: connection termination") once, and so does tsmesh — no automatic
// retry without a retry policy. The next request opens a new connection and succeeds.
test('a close that crosses a request on a reused connection: one 503 UC, then the proxy recovers on a new connection', async (t) => {
  const up = await rawUpstream({ idleMs: 10_000, dropSecond: true });
  const p = await startProxy(httpBootstrap({ virtualHosts: WITH_FLAGS('raw'), clusters: clusterYaml('raw', [{ endpoints: [{ port: up.port }] }]) }));
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  assert.equal((await get(`${base}/1`)).status, 200);
  const lost = await get(`${base}/2`);
  assert.equal(lost.status, 503);
  assert.equal(lost.body, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
  assert.equal(lost.headers['x-flags'], 'UC');
  const next = await get(`${base}/3`);
  assert.equal(next.status, 200);
  assert.equal(next.headers['x-flags'], undefined);
  assert.equal(up.seen.connections, 2);
  assert.equal(await statValue(p.adminPort, 'cluster.raw.upstream_rq_503'), 1);
});

test('common_http_protocol_options.idle_timeout retires idle upstream connections (upstream_cx_idle_timeout)', async (t) => {
  const up = await startUpstream('idle');
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('idle'),
      clusters: clusterYaml(
        'idle',
        [{ endpoints: [{ port: up.port }] }],
        `typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    common_http_protocol_options: { idle_timeout: 0.5s }
    explicit_http_config: { http_protocol_options: {} }`,
      ),
    }),
  );
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  assert.equal((await get(`${base}/1`)).status, 200);
  // Reused while younger than the idle timeout.
  assert.equal((await get(`${base}/2`)).status, 200);
  assert.equal(await statValue(admin, 'cluster.idle.upstream_cx_total'), 1);
  assert.equal(await statValue(admin, 'cluster.idle.upstream_cx_active'), 1);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.idle.upstream_cx_active')) === 0, 1500), 'closed after 0.5 s idle');
  assert.equal(await statValue(admin, 'cluster.idle.upstream_cx_idle_timeout'), 1);
  assert.equal(await statValue(admin, 'cluster.idle.upstream_cx_destroy'), 1);
  assert.equal((await get(`${base}/3`)).status, 200);
  assert.equal(await statValue(admin, 'cluster.idle.upstream_cx_total'), 2);
});

test('a Keep-Alive: timeout=2 upstream: the connection is reused while young and retired by the proxy at 1 s, before the upstream’s 2 s', async (t) => {
  const up = await startUpstream('ka2');
  up.server.keepAliveTimeout = 2000;
  let serverClosedIdle = 0;
  up.server.on('connection', (s) => {
    s.on('timeout', () => serverClosedIdle++);
  });
  const p = await startProxy(httpBootstrap({ virtualHosts: allTo('ka2'), clusters: clusterYaml('ka2', [{ endpoints: [{ port: up.port }] }]) }));
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  assert.equal((await get(`${base}/1`)).status, 200);
  await sleep(300);
  assert.equal((await get(`${base}/2`)).status, 200);
  assert.equal(await statValue(admin, 'cluster.ka2.upstream_cx_total'), 1, 'reused after 0.3 s');
  // 2 s advertised minus the 1 s margin: the proxy closes it at ~1 s idle.
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.ka2.upstream_cx_active')) === 0, 1600), 'retired by the proxy');
  assert.equal(serverClosedIdle, 0, 'the upstream never had to time the connection out');
  assert.equal(await statValue(admin, 'cluster.ka2.upstream_cx_idle_timeout'), 1);
});

test('max_requests_per_connection: a connection is retired after N requests (upstream_cx_max_requests)', async (t) => {
  const up = await startUpstream('mr');
  const sockets = new Set<unknown>();
  up.server.on('connection', (s) => sockets.add(s));
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('mr'),
      clusters: clusterYaml(
        'mr',
        [{ endpoints: [{ port: up.port }] }],
        `typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    common_http_protocol_options: { max_requests_per_connection: 2 }
    explicit_http_config: { http_protocol_options: {} }`,
      ),
    }),
  );
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (let i = 0; i < 5; i++) assert.equal((await get(`${base}/${i}`)).status, 200);
  assert.equal(sockets.size, 3, '2 + 2 + 1 requests');
  assert.equal(await statValue(p.adminPort, 'cluster.mr.upstream_cx_total'), 3);
  assert.ok(await eventually(async () => (await statValue(p.adminPort, 'cluster.mr.upstream_cx_max_requests')) === 2));
});
