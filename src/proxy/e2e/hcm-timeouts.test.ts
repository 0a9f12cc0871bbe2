/**
 * The connection manager's and route's timeouts, end to end: request_timeout,
 * request_headers_timeout, stream_idle_timeout (and a route's idle_timeout), the connection
 * idle_timeout, max_request_headers_kb, route timeout 0 and x-envoy-upstream-rq-timeout-ms.
 * https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type http from 'node:http';
import { request } from 'undici';
import { delay, rawExchange, startRig } from './hcm-fixtures.js';

/** Answers after `?ms=N` milliseconds (never, with ms=-1), reading the whole body first. */
const slowHandler: http.RequestListener = (req, res) => {
  const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
  if (ms < 0) return;
  const timer = setTimeout(() => res.end(`done ${req.url}`), ms);
  res.on('close', () => clearTimeout(timer));
};

/** Sends the head and the first body chunk of a POST, then whatever `later` writes. */
function partialPost(path: string, contentLength: number, first: string): string {
  return `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: ${contentLength}\r\n\r\n${first}`;
}

const ROUTES = (routeExtra = '') => `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: up${routeExtra} }`;

// The tests mostly wait on timers, each with its own proxy: run them side by side.
describe('connection manager and route timeouts', { concurrency: true }, () => {
  test('request_timeout: 408 when the body does not arrive in time; disarmed once the request is complete', async (t) => {
    const rig = await startRig(t, { virtualHosts: ROUTES(', timeout: 0s'), handlers: { up: slowHandler }, hcmExtra: 'request_timeout: 0.2s' });
    const started = Date.now();
    const r = await rawExchange(rig.port, partialPost('/?ms=0', 10, 'abc'));
    const took = Date.now() - started;
    assert.equal(r.status, 408);
    assert.equal(r.body, 'request timeout');
    assert.ok(took >= 150 && took < 1500, `answered after ${took} ms`);

    // The whole request arrived at once; the upstream takes longer than request_timeout: not a timeout.
    const ok = await request(`${rig.base}/?ms=400`, { method: 'POST', body: 'complete body' });
    assert.equal(ok.statusCode, 200);
    assert.equal(await ok.body.text(), 'done /?ms=400');
    const stats = await rig.stats();
    assert.equal(stats.get('http.ingress_http.downstream_rq_timeout'), 1);
  });

  test('request_headers_timeout: 408 when the headers stall', async (t) => {
    const rig = await startRig(t, { virtualHosts: ROUTES(), hcmExtra: 'request_headers_timeout: 0.2s' });
    const started = Date.now();
    const r = await rawExchange(rig.port, 'GET / HTTP/1.1\r\nhost: x\r\nx-slow: ', { timeoutMs: 3000 });
    const took = Date.now() - started;
    assert.equal(r.status, 408);
    assert.equal(r.body, 'request header timeout');
    assert.equal(r.closed, true);
    assert.ok(took >= 150 && took < 1500, `answered after ${took} ms`);
    // A request whose headers arrive in time is served.
    const ok = await request(`${rig.base}/fine`);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    assert.equal((await rig.stats()).get('http.ingress_http.downstream_rq_header_timeout'), 1);
  });

  test('stream_idle_timeout: 408 while the request is incomplete, 504 once it is, reset after the response started', async (t) => {
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/stall-body" }
    route: { cluster: stall, timeout: 0s }
  - match: { prefix: "/" }
    route: { cluster: up, timeout: 0s }`,
      clusters: ['up', 'stall'],
      handlers: {
        up: slowHandler,
        // Sends headers and part of the body, then goes quiet.
        stall: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
        },
      },
      hcmExtra: 'stream_idle_timeout: 0.5s',
    });
    // The client stops sending its body: neither side sends anything.
    const incomplete = await rawExchange(rig.port, partialPost('/?ms=0', 10, 'abc'));
    assert.equal(incomplete.status, 408);
    assert.equal(incomplete.body, 'stream timeout');

    // The request is complete and the upstream is quiet: Envoy answers 504.
    const quiet = await request(`${rig.base}/?ms=-1`);
    assert.equal(quiet.statusCode, 504);
    assert.equal(await quiet.body.text(), 'stream timeout');

    // The response started, then stalled: the stream is reset (no complete response).
    const stalled = await rawExchange(rig.port, 'GET /stall-body HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.equal(stalled.status, 200);
    assert.equal(stalled.closed, true);
    assert.ok(!stalled.raw.endsWith('0\r\n\r\n'), 'the chunked body never ends');

    // Activity keeps the stream alive: a body trickling in every 100 ms for 700 ms.
    const trickle = await rawExchange(rig.port, partialPost('/?ms=0', 8, 'a'), {
      after: (socket) => {
        let sent = 1;
        const iv = setInterval(() => {
          if (socket.destroyed || sent >= 8) return clearInterval(iv);
          socket.write('b');
          sent++;
        }, 100);
      },
    });
    assert.equal(trickle.status, 200);
    assert.equal(rig.last('up').body, 'abbbbbbb');
    assert.equal((await rig.stats()).get('http.ingress_http.downstream_rq_idle_timeout'), 3);
  });

  test("a route's idle_timeout overrides stream_idle_timeout; 0 disables it", async (t) => {
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/short" }
    route: { cluster: up, timeout: 0s, idle_timeout: 0.1s }
  - match: { prefix: "/off" }
    route: { cluster: up, timeout: 0s, idle_timeout: 0s }`,
      handlers: { up: slowHandler },
      hcmExtra: 'stream_idle_timeout: 1s',
    });
    const started = Date.now();
    const short = await request(`${rig.base}/short?ms=-1`);
    assert.equal(short.statusCode, 504);
    assert.equal(await short.body.text(), 'stream timeout');
    assert.ok(Date.now() - started < 900, 'the route timeout (100 ms) fired, not the connection manager one (1 s)');
    const off = await request(`${rig.base}/off?ms=1200`);
    assert.equal(off.statusCode, 200);
    assert.equal(await off.body.text(), 'done /off?ms=1200');
  });

  test('common_http_protocol_options.idle_timeout closes idle connections, not busy ones', async (t) => {
    const rig = await startRig(t, {
      virtualHosts: ROUTES(),
      handlers: { up: slowHandler },
      hcmExtra: 'common_http_protocol_options: { idle_timeout: 0.2s }',
    });
    // A connection that never sends a request.
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const s = net.connect(rig.port, '127.0.0.1');
      const guard = setTimeout(() => {
        s.destroy();
        reject(new Error('idle connection not closed within 2 s'));
      }, 2000);
      s.on('close', () => {
        clearTimeout(guard);
        resolve(Date.now() - started);
      });
      s.on('error', () => {});
    });
    assert.ok(closedAfter >= 150, `closed after ${closedAfter} ms`);

    // A request slower than idle_timeout on a keep-alive connection completes (the connection is
    // not idle while it is active); idle_timeout after it, the connection is closed.
    const timeline = await new Promise<{ response: string; gapMs: number }>((resolve, reject) => {
      const s = net.connect(rig.port, '127.0.0.1');
      let response = '';
      let answeredAt = 0;
      const guard = setTimeout(() => {
        s.destroy();
        reject(new Error(`keep-alive connection not closed within 3 s: ${JSON.stringify(response)}`));
      }, 3000);
      s.setEncoding('latin1');
      s.on('connect', () => s.write('GET /?ms=400 HTTP/1.1\r\nhost: x\r\n\r\n'));
      s.on('data', (d: string) => {
        response += d;
        if (response.endsWith('done /?ms=400')) answeredAt = Date.now();
      });
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(guard);
        resolve({ response, gapMs: Date.now() - answeredAt });
      });
    });
    assert.match(timeline.response, /^HTTP\/1\.1 200 /);
    assert.ok(timeline.response.endsWith('done /?ms=400'));
    assert.ok(timeline.gapMs >= 150 && timeline.gapMs < 1500, `closed ${timeline.gapMs} ms after the response`);

    // HTTP/2: GOAWAY, then the session closes.
    const session = http2.connect(rig.base);
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const req = session.request({ ':path': '/?ms=0' });
    req.resume();
    await new Promise((resolve) => req.on('close', resolve));
    await Promise.race([goaway, delay(2000).then(() => assert.fail('no GOAWAY within 2 s'))]);
    session.destroy();
    assert.ok(((await rig.stats()).get('http.ingress_http.downstream_cx_idle_timeout') ?? 0) >= 2);
  });

  test('max_request_headers_kb: 431 for larger request headers', async (t) => {
    const rig = await startRig(t, { virtualHosts: ROUTES(), hcmExtra: 'max_request_headers_kb: 2' });
    const small = await request(`${rig.base}/`, { headers: { 'x-big': 'a'.repeat(1000) } });
    assert.equal(small.statusCode, 200);
    await small.body.dump();
    const big = await rawExchange(rig.port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(3000)}\r\n\r\n`);
    assert.equal(big.status, 431);
    assert.equal(big.closed, true);
  });

  test('route timeout: 0 disables it; x-envoy-upstream-rq-timeout-ms is honoured for internal requests only', async (t) => {
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/none" }
    route: { cluster: up, timeout: 0s }
  - match: { prefix: "/" }
    route: { cluster: up }`,
      handlers: { up: slowHandler },
    });
    const none = await request(`${rig.base}/none?ms=300`);
    assert.equal(none.statusCode, 200);
    await none.body.dump();
    assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], undefined, 'no timeout: no expected timeout header');

    // Internal (a single private XFF address): the header overrides the route's 15 s.
    const internal = await request(`${rig.base}/?ms=400`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-envoy-upstream-rq-timeout-ms': '100' } });
    assert.equal(internal.statusCode, 504);
    assert.equal(await internal.body.text(), 'upstream request timeout');
    const seen = rig.last().headers;
    assert.equal(seen['x-envoy-expected-rq-timeout-ms'], '100');
    assert.equal(seen['x-envoy-upstream-rq-timeout-ms'], undefined, 'consumed by the router');

    // External: the header is stripped, the route timeout applies.
    const external = await request(`${rig.base}/?ms=200`, { headers: { 'x-envoy-upstream-rq-timeout-ms': '50' } });
    assert.equal(external.statusCode, 200);
    await external.body.dump();
    assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], '15000');

    // Internal with 0: no timeout at all.
    const unlimited = await request(`${rig.base}/?ms=100`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-envoy-upstream-rq-timeout-ms': '0' } });
    assert.equal(unlimited.statusCode, 200);
    await unlimited.body.dump();
    assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], undefined);
  });
});
