/**
 * HTTP/2 upstream stream limits, as Envoy's HTTP/2 pool: a session never carries more streams
 * at once than http2_protocol_options.max_concurrent_streams (DestinationRule
 * connectionPool.http.maxConcurrentStreams) or the server's SETTINGS_MAX_CONCURRENT_STREAMS;
 * more requests open new sessions, up to max_connections, and then wait as pending requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { HTTP_PROTOCOL_OPTIONS_TYPE, bootstrap, cluster, listener, routeHcm } from './protocol-fixtures.js';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { eventually, get, statValue } from './cluster-fixtures.js';

/** An h2c server that holds every stream until release(); counts sessions and the most streams any session had open at once. */
async function holdingH2Server(settings: http2.Settings = {}) {
  const held: http2.ServerHttp2Stream[] = [];
  const open = new Map<http2.Http2Session, number>();
  let maxOpen = 0;
  const server = http2.createServer({ settings });
  server.on('session', (s) => open.set(s, 0));
  server.on('stream', (stream) => {
    const s = stream.session!;
    open.set(s, open.get(s)! + 1);
    maxOpen = Math.max(maxOpen, open.get(s)!);
    stream.once('close', () => open.set(s, open.get(s)! - 1));
    held.push(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    sessions: () => open.size,
    maxOpen: () => maxOpen,
    release(): void {
      for (const s of held.splice(0)) {
        s.respond({ ':status': 200 });
        s.end('h2');
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function proxyFor(t: import('node:test').TestContext, port: number, h2Options: Record<string, unknown>, thresholds: Record<string, unknown> = {}): Promise<StartedProxy> {
  const p = await startProxy(
    bootstrap({
      listeners: [listener('http', [{ filters: [routeHcm('in', 'h2up')] }])],
      clusters: [
        cluster('h2up', [port], {
          circuit_breakers: { thresholds: [thresholds] },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: h2Options } },
          },
        }),
      ],
    }),
  );
  // The proxy closes first (its sessions with it), then the server.
  t.after(() => p.close());
  return p;
}

test('max_concurrent_streams 2: five concurrent requests use three sessions (2, 2, 1)', async (t) => {
  const up = await holdingH2Server();
  const p = await proxyFor(t, up.port, { max_concurrent_streams: 2 });
  t.after(() => {
    up.release();
    return up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const all = Array.from({ length: 5 }, (_, i) => get(`${base}/${i}`));
  assert.ok(await eventually(() => up.held.length === 5), `5 streams reached the server (${up.held.length})`);
  assert.equal(up.sessions(), 3);
  assert.equal(up.maxOpen(), 2);
  up.release();
  for (const r of await Promise.all(all)) assert.equal(r.status, 200);
  assert.equal(await statValue(p.adminPort, 'cluster.h2up.upstream_cx_http2_total'), 3);
  assert.equal(await statValue(p.adminPort, 'cluster.h2up.upstream_rq_pending_overflow'), 0);
});

test("the server's SETTINGS_MAX_CONCURRENT_STREAMS 1 limits a session too; at max_connections 2 the third request waits as pending", async (t) => {
  const up = await holdingH2Server({ maxConcurrentStreams: 1 });
  const p = await proxyFor(t, up.port, {}, { max_connections: 2, max_pending_requests: 1 });
  t.after(() => {
    up.release();
    return up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const admin = p.adminPort;
  // One at a time, so each session has the server's SETTINGS before the next request.
  const first = get(`${base}/1`);
  assert.ok(await eventually(() => up.held.length === 1));
  const second = get(`${base}/2`);
  assert.ok(await eventually(() => up.held.length === 2));
  assert.equal(up.sessions(), 2, 'the first session was full: a second one was opened');
  const third = get(`${base}/3`);
  assert.ok(await eventually(async () => (await statValue(admin, 'cluster.h2up.upstream_rq_pending_active')) === 1), 'third request pending');
  assert.equal(await statValue(admin, 'cluster.h2up.upstream_cx_overflow'), 1);
  assert.equal(up.held.length, 2, 'no session had room for the third');
  // max_pending_requests 1: a fourth overflows at once.
  const fourth = await get(`${base}/4`);
  assert.equal(fourth.status, 503);
  assert.equal(await statValue(admin, 'cluster.h2up.upstream_rq_pending_overflow'), 1);
  // A stream ends: the pending request takes its room on that session.
  up.release();
  assert.deepEqual([(await first).status, (await second).status], [200, 200]);
  assert.ok(await eventually(() => up.held.length === 1), 'the pending request went out');
  assert.equal(await statValue(admin, 'cluster.h2up.upstream_rq_pending_active'), 0);
  up.release();
  assert.equal((await third).status, 200);
  assert.equal(up.sessions(), 2);
  assert.equal(up.maxOpen(), 1);
  assert.equal(await statValue(admin, 'cluster.h2up.upstream_cx_http2_total'), 2);
});

test('a session the server sent GOAWAY on takes no new stream: the next request opens a new session and succeeds', async (t) => {
  const serverSessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (s) => serverSessions.add(s));
  server.on('stream', (stream) => {
    const session = stream.session!;
    stream.respond({ ':status': 200 });
    stream.end('h2');
    // Going away after the first answer, with the connection kept open (graceful shutdown).
    stream.once('close', () => {
      if (!session.destroyed) session.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const p = await proxyFor(t, port, {});
  t.after(() => {
    // A session that went away may wait for its peer: end them all so close() can finish.
    for (const s of serverSessions) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (let i = 0; i < 3; i++) {
    const r = await get(`${base}/${i}`);
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body}`);
    // Let the GOAWAY arrive before the next request.
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(serverSessions.size, 3);
});
