/**
 * Retries and timeouts end to end, with Envoy's numbers: real upstreams that fail on command
 * (N times, with 503/409/grpc-status, a reset, a refused port, a slow answer) behind the proxy,
 * real clients (undici, curl). Response flags and attempt counts are read back through
 * response_headers_to_add (%RESPONSE_FLAGS%, %UPSTREAM_REQUEST_ATTEMPT_COUNT%).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import http2 from 'node:http2';
import type http from 'node:http';
import { request } from 'undici';
import { startRig } from './hcm-fixtures.js';
import { staticCluster, startUpstream } from '../testing/proxy-harness.js';

/** A handler that answers `status` (with `headers`) the first `failures` times, then 200 "ok N". */
function failing(failures: number, status = 503, headers: Record<string, string> = {}): http.RequestListener & { count: number } {
  const h = ((_req: http.IncomingMessage, res: http.ServerResponse) => {
    h.count++;
    if (h.count <= failures) {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(`fail ${h.count}`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${h.count}`);
    }
  }) as http.RequestListener & { count: number };
  h.count = 0;
  return h;
}

/** A virtual host counting attempts both ways and echoing the response flags. */
function vhost(route: string, extra = ''): string {
  return `- name: all
  domains: ["*"]
  include_request_attempt_count: true
  include_attempt_count_in_response: true
${extra}
  response_headers_to_add:
  - header: { key: x-flags, value: "%RESPONSE_FLAGS%" }
  - header: { key: x-details, value: "%RESPONSE_CODE_DETAILS%" }
  routes:
  - match: { prefix: "/" }
    route: ${route}`;
}

/** Fast back-off so the tests wait on the proxy, not on jitter. */
const FAST = 'retry_back_off: { base_interval: 0.001s }';

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
  });
}

/** A port on 127.0.0.1 that refuses connections (bound, then closed). */
async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('retries', { concurrency: true }, () => {
  test('num_retries 2 and an upstream failing 5 times: exactly 3 attempts, the last 503 returned, URX; attempt counts 1,2,3', async (t) => {
    const handler = failing(5);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, retry_policy: { retry_on: 5xx, num_retries: 2, ${FAST} } }`), handlers: { up: handler } });
    const r = await request(`${rig.base}/x`);
    assert.equal(r.statusCode, 503);
    assert.equal(await r.body.text(), 'fail 3');
    assert.equal(r.headers['x-flags'], 'URX');
    assert.equal(r.headers['x-details'], 'via_upstream');
    assert.equal(r.headers['x-envoy-attempt-count'], '3');
    assert.equal(handler.count, 3);
    assert.deepEqual(rig.upstreams['up']!.requests.map((q) => q.headers['x-envoy-attempt-count']), ['1', '2', '3']);
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_total'), 3);
    assert.equal(s.get('cluster.up.upstream_rq_retry'), 2);
    assert.equal(s.get('cluster.up.upstream_rq_retry_backoff_exponential'), 2);
    assert.equal(s.get('cluster.up.upstream_rq_retry_limit_exceeded'), 1);
    assert.equal(s.get('cluster.up.upstream_rq_retry_success'), 0);
    assert.equal(s.get('cluster.up.upstream_rq_retry_overflow'), 0);
  });

  test('failing twice, then 200 (curl): the third attempt answers, upstream_rq_retry_success 1, no flag', async (t) => {
    const handler = failing(2);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, retry_policy: { retry_on: 5xx, num_retries: 2, ${FAST} } }`), handlers: { up: handler } });
    const out = await curl(['-i', `${rig.base}/y`]);
    assert.match(out, /^HTTP\/1\.1 200 /);
    assert.match(out, /\r\nx-envoy-attempt-count: 3\r\n/);
    assert.ok(out.endsWith('ok 3'), out);
    assert.ok(!/x-flags/.test(out), 'no response flag');
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_retry'), 2);
    assert.equal(s.get('cluster.up.upstream_rq_retry_success'), 1);
    assert.equal(s.get('cluster.up.upstream_rq_retry_limit_exceeded'), 0);
  });

  test('retriable-4xx retries 409 only; retriable-status-codes the listed codes; a 500 under the default Istio policy is not retried', async (t) => {
    const conflict = failing(1, 409);
    const teapot = failing(1, 418);
    const plain500 = failing(1, 500);
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/409" }
    route: { cluster: a, retry_policy: { retry_on: retriable-4xx, num_retries: 1, ${FAST} } }
  - match: { prefix: "/418" }
    route: { cluster: b, retry_policy: { retry_on: retriable-status-codes, retriable_status_codes: [418], num_retries: 1, ${FAST} } }
  - match: { prefix: "/500" }
    route: { cluster: c, retry_policy: { retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", num_retries: 2, retriable_status_codes: [503], host_selection_retry_max_attempts: "5" } }`,
      clusters: ['a', 'b', 'c'],
      handlers: { a: conflict, b: teapot, c: plain500 },
    });
    const r1 = await request(`${rig.base}/409`);
    assert.equal(r1.statusCode, 200);
    await r1.body.dump();
    const r2 = await request(`${rig.base}/418`);
    assert.equal(r2.statusCode, 200);
    await r2.body.dump();
    const r3 = await request(`${rig.base}/500`, { method: 'POST', body: 'pay once' });
    assert.equal(r3.statusCode, 500);
    await r3.body.dump();
    assert.deepEqual([conflict.count, teapot.count, plain500.count], [2, 2, 1]);
  });

  test('connection refused: connect-failure retried twice, then 503 UF,URX with "retried and the latest reset reason"', async (t) => {
    const port = await refusedPort();
    const rig = await startRig(t, {
      virtualHosts: vhost(`{ cluster: dead, retry_policy: { retry_on: connect-failure, num_retries: 2, ${FAST} } }`),
      clusters: [],
      extraClusters: staticCluster('dead', [port]),
    });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 503);
    assert.equal(await r.body.text(), 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure');
    assert.equal(r.headers['x-flags'], 'UF,URX');
    assert.equal(r.headers['x-envoy-attempt-count'], '3');
    const s = await rig.stats();
    assert.equal(s.get('cluster.dead.upstream_cx_connect_fail'), 3);
    assert.equal(s.get('cluster.dead.upstream_rq_retry'), 2);
    assert.equal(s.get('cluster.dead.upstream_rq_retry_limit_exceeded'), 1);
  });

  test('an upstream that resets before answering: retried under reset; not under connect-failure (503 UC)', async (t) => {
    let resets = 0;
    const resetOnce: http.RequestListener = (req, res) => {
      if (resets++ === 0) req.socket.destroy();
      else res.end('recovered');
    };
    let always = 0;
    const alwaysReset: http.RequestListener = (req) => {
      always++;
      req.socket.destroy();
    };
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add:
  - header: { key: x-flags, value: "%RESPONSE_FLAGS%" }
  routes:
  - match: { prefix: "/reset" }
    route: { cluster: a, retry_policy: { retry_on: reset, num_retries: 1, ${FAST} } }
  - match: { prefix: "/cf" }
    route: { cluster: b, retry_policy: { retry_on: connect-failure, num_retries: 3, ${FAST} } }`,
      clusters: ['a', 'b'],
      handlers: { a: resetOnce, b: alwaysReset },
    });
    const r1 = await request(`${rig.base}/reset`);
    assert.equal(r1.statusCode, 200);
    assert.equal(await r1.body.text(), 'recovered');
    assert.equal(resets, 2);
    const r2 = await request(`${rig.base}/cf`);
    assert.equal(r2.statusCode, 503);
    assert.equal(await r2.body.text(), 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    assert.equal(r2.headers['x-flags'], 'UC');
    assert.equal(always, 1);
  });

  test('a POST body is replayed byte for byte on each attempt', async (t) => {
    const handler = failing(2);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, retry_policy: { retry_on: 5xx, num_retries: 3, ${FAST} } }`), handlers: { up: handler } });
    const body = 'x'.repeat(100_000) + 'end';
    const r = await request(`${rig.base}/post`, { method: 'POST', body });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    const seen = rig.upstreams['up']!.requests;
    assert.equal(seen.length, 3);
    for (const q of seen) {
      assert.equal(q.method, 'POST');
      assert.equal(q.body, body);
    }
  });

  test('a body over per_request_buffer_limit_bytes is not retried (retry_or_shadow_abandoned)', async (t) => {
    const handler = failing(5);
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    per_request_buffer_limit_bytes: 1024
    route: { cluster: up, retry_policy: { retry_on: 5xx, num_retries: 3, ${FAST} } }`,
      handlers: { up: handler },
    });
    const small = await request(`${rig.base}/s`, { method: 'POST', body: 'y'.repeat(1000) });
    assert.equal(small.statusCode, 503);
    await small.body.dump();
    assert.equal(handler.count, 4, 'a body within the limit: 1 + 3 retries');
    const big = await request(`${rig.base}/b`, { method: 'POST', body: 'z'.repeat(5000) });
    assert.equal(big.statusCode, 503);
    await big.body.dump();
    assert.equal(handler.count, 5, 'a body over the limit: one attempt');
    assert.equal(rig.upstreams['up']!.requests[4]!.body.length, 5000, 'streamed whole all the same');
    assert.equal((await rig.stats()).get('cluster.up.retry_or_shadow_abandoned'), 1);
  });

  test('gRPC conditions read grpc-status from the response headers (x-envoy-retry-grpc-on from an internal caller)', async (t) => {
    const unavailable = failing(1, 200, { 'grpc-status': '14', 'content-type': 'application/grpc' });
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, retry_policy: { ${FAST} } }`), handlers: { up: unavailable } });
    const internal = { 'x-forwarded-for': '10.0.0.1' };
    const r = await request(`${rig.base}/g`, { headers: { ...internal, 'x-envoy-retry-grpc-on': 'unavailable' } });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'ok 2');
    assert.equal(rig.last().headers['x-envoy-retry-grpc-on'], undefined, 'consumed by the router');
    // The same header from an external caller is stripped by the connection manager: no retry.
    const again = failing(1, 200, { 'grpc-status': '14' });
    const rig2 = await startRig(t, { virtualHosts: vhost('{ cluster: up }'), handlers: { up: again } });
    const r2 = await request(`${rig2.base}/g`, { headers: { 'x-envoy-retry-grpc-on': 'unavailable', 'x-envoy-max-retries': '5' } });
    assert.equal(r2.headers['grpc-status'], '14');
    await r2.body.dump();
    assert.equal(again.count, 1);
  });

  test('x-envoy-retry-on and x-envoy-max-retries: honoured from internal callers, ignored from external ones', async (t) => {
    const handler = failing(100, 502);
    const rig = await startRig(t, { virtualHosts: vhost('{ cluster: up }'), handlers: { up: handler } });
    const r1 = await request(`${rig.base}/i`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-envoy-retry-on': 'gateway-error', 'x-envoy-max-retries': '4' } });
    assert.equal(r1.statusCode, 502);
    assert.equal(r1.headers['x-envoy-attempt-count'], '5');
    await r1.body.dump();
    assert.equal(handler.count, 5);
    const r2 = await request(`${rig.base}/e`, { headers: { 'x-envoy-retry-on': 'gateway-error', 'x-envoy-max-retries': '100', 'x-envoy-upstream-rq-timeout-ms': '1' } });
    assert.equal(r2.statusCode, 502);
    assert.equal(r2.headers['x-envoy-attempt-count'], '1');
    await r2.body.dump();
    assert.equal(handler.count, 6);
  });

  test('previous_hosts: a retry avoids the host that failed (RANDOM over a failing and a healthy host)', async (t) => {
    const bad = await startUpstream('bad', (_q, res) => {
      res.statusCode = 503;
      res.end('bad');
    });
    const good = await startUpstream('good');
    t.after(async () => {
      await bad.close();
      await good.close();
    });
    const rig = await startRig(t, {
      virtualHosts: vhost(`{ cluster: pair, retry_policy: { retry_on: 5xx, num_retries: 1, ${FAST}, retry_host_predicate: [{ name: envoy.retry_host_predicates.previous_hosts }], host_selection_retry_max_attempts: "100" } }`),
      clusters: [],
      extraClusters: staticCluster('pair', [bad.port, good.port], 'lb_policy: RANDOM'),
    });
    for (let i = 0; i < 20; i++) {
      const r = await request(`${rig.base}/${i}`);
      assert.equal(r.statusCode, 200, `request ${i}`);
      await r.body.dump();
    }
    assert.equal(good.requests.length, 20);
    assert.equal((await rig.stats()).get('cluster.pair.upstream_rq_retry'), bad.requests.length);
  });

  test("HTTP/2 upstream REFUSED_STREAM: retried under Istio's default policy (refused-stream); not under connect-failure alone (503 UR)", async (t) => {
    let streams = 0;
    const server = http2.createServer();
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (session) => sessions.add(session));
    server.on('stream', (stream) => {
      // Every odd stream is refused before any processing, as an overloaded HTTP/2 server does.
      if (streams++ % 2 === 0) {
        // Node reports a stream it resets with an error code as an error on it, too.
        stream.on('error', () => undefined);
        return void stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(`h2 answered stream ${streams}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    t.after(
      () =>
        new Promise<void>((r) => {
          // The proxy's pool keeps its session open: end it, or close() waits for it.
          for (const session of sessions) session.destroy();
          server.close(() => r());
        }),
    );
    const h2 = `typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config: { http2_protocol_options: {} }`;
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  response_headers_to_add:
  - header: { key: x-flags, value: "%RESPONSE_FLAGS%" }
  routes:
  - match: { prefix: "/istio" }
    route: { cluster: h2, retry_policy: { retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", num_retries: 2, retriable_status_codes: [503], ${FAST} } }
  - match: { prefix: "/cf" }
    route: { cluster: h2, retry_policy: { retry_on: connect-failure, num_retries: 2, ${FAST} } }`,
      clusters: [],
      extraClusters: staticCluster('h2', [port], h2),
    });
    const r1 = await request(`${rig.base}/istio`);
    assert.equal(r1.statusCode, 200);
    assert.equal(await r1.body.text(), 'h2 answered stream 2');
    const r2 = await request(`${rig.base}/cf`);
    assert.equal(r2.statusCode, 503);
    assert.equal(await r2.body.text(), 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset');
    assert.equal(r2.headers['x-flags'], 'UR');
    assert.equal(streams, 3);
    assert.equal((await rig.stats()).get('cluster.h2.upstream_rq_retry'), 1);
  });

  test('max_retries circuit breaker 0: the retry overflows, the 503 passes with UO, upstream_rq_retry_overflow', async (t) => {
    const handler = failing(5);
    const upstream = await startUpstream('up', handler);
    t.after(() => upstream.close());
    const rig = await startRig(t, {
      virtualHosts: vhost(`{ cluster: cb, retry_policy: { retry_on: 5xx, num_retries: 3, ${FAST} } }`),
      clusters: [],
      extraClusters: staticCluster('cb', [upstream.port], 'circuit_breakers: { thresholds: [{ max_retries: 0 }] }'),
    });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 503);
    assert.equal(r.headers['x-flags'], 'UO');
    await r.body.dump();
    assert.equal(handler.count, 1);
    assert.equal((await rig.stats()).get('cluster.cb.upstream_rq_retry_overflow'), 1);
  });
});

describe('timeouts', { concurrency: true }, () => {
  test('per_try_timeout: the first attempt hangs, the second answers', async (t) => {
    let n = 0;
    const hangOnce: http.RequestListener = (_req, res) => {
      if (n++ === 0) return; // never answers
      res.end('second');
    };
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, timeout: 5s, retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s, ${FAST} } }`), handlers: { up: hangOnce } });
    const started = Date.now();
    const r = await request(`${rig.base}/`);
    const took = Date.now() - started;
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'second');
    assert.equal(r.headers['x-envoy-attempt-count'], '2');
    assert.ok(took >= 190 && took < 2000, `took ${took} ms`);
    // The expected timeout upstream is the per-try one.
    assert.deepEqual(rig.upstreams['up']!.requests.map((q) => q.headers['x-envoy-expected-rq-timeout-ms']), ['200', '200']);
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_per_try_timeout'), 1);
    assert.equal(s.get('cluster.up.upstream_rq_retry_success'), 1);
  });

  test('per_try_timeout with retries exhausted: 504 UT, "upstream request timeout", details upstream_per_try_timeout', async (t) => {
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, timeout: 5s, retry_policy: { retry_on: reset, num_retries: 1, per_try_timeout: 0.1s, ${FAST} } }`), handlers: { up: () => undefined } });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 504);
    assert.equal(await r.body.text(), 'upstream request timeout');
    assert.equal(r.headers['x-flags'], 'UT,URX');
    assert.equal(r.headers['x-details'], 'upstream_per_try_timeout');
    assert.equal(r.headers['x-envoy-attempt-count'], '2');
    assert.equal((await rig.stats()).get('cluster.up.upstream_rq_per_try_timeout'), 2);
  });

  // Attempts start at 0, 0.4 and 0.8 s; a fourth would start at 1.2 s, after the route timeout:
  // 0.2 s of slack either way for a loaded machine's timers.
  test('the route timeout covers every attempt: per-try 0.4 s, route 1 s, a hanging upstream → exactly 3 attempts, 504 UT at 1 s', async (t) => {
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, timeout: 1s, retry_policy: { retry_on: 5xx, num_retries: 10, per_try_timeout: 0.4s, ${FAST} } }`), handlers: { up: () => undefined } });
    const started = Date.now();
    const r = await request(`${rig.base}/`);
    const took = Date.now() - started;
    assert.equal(r.statusCode, 504);
    assert.equal(await r.body.text(), 'upstream request timeout');
    assert.equal(r.headers['x-flags'], 'UT');
    assert.equal(r.headers['x-details'], 'upstream_response_timeout');
    assert.ok(took >= 980 && took < 2500, `took ${took} ms`);
    assert.equal(rig.upstreams['up']!.requests.length, 3);
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_timeout'), 1);
    assert.equal(s.get('cluster.up.upstream_rq_per_try_timeout'), 2);
  });

  test('a route timeout without retries: 504 UT; timeout 0s waits for a slow upstream', async (t) => {
    const slow: http.RequestListener = (_req, res) => {
      const timer = setTimeout(() => res.end('slow'), 400);
      res.on('close', () => clearTimeout(timer));
    };
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/short" }
    route: { cluster: up, timeout: 0.1s }
  - match: { prefix: "/" }
    route: { cluster: up, timeout: 0s }`,
      handlers: { up: slow },
    });
    const r1 = await request(`${rig.base}/short`);
    assert.equal(r1.statusCode, 504);
    assert.equal(await r1.body.text(), 'upstream request timeout');
    const r2 = await request(`${rig.base}/long`);
    assert.equal(r2.statusCode, 200);
    assert.equal(await r2.body.text(), 'slow');
  });

  test('x-envoy-upstream-rq-per-try-timeout-ms from an internal caller sets the per-try timeout', async (t) => {
    let n = 0;
    const hangOnce: http.RequestListener = (_req, res) => {
      if (n++ === 0) return;
      res.end('second');
    };
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, retry_policy: { retry_on: reset, num_retries: 1, ${FAST} } }`), handlers: { up: hangOnce } });
    const r = await request(`${rig.base}/`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-envoy-upstream-rq-per-try-timeout-ms': '150' } });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'second');
    assert.equal(rig.last().headers['x-envoy-upstream-rq-per-try-timeout-ms'], undefined);
    assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], '150');
  });

  test('gRPC: max_grpc_timeout 0s makes the grpc-timeout header the route timeout', async (t) => {
    const rig = await startRig(t, { virtualHosts: vhost('{ cluster: up, timeout: 0s, max_grpc_timeout: 0s }'), handlers: { up: () => undefined } });
    const started = Date.now();
    const r = await request(`${rig.base}/pkg.Svc/Method`, { method: 'POST', headers: { 'content-type': 'application/grpc', 'grpc-timeout': '150m' }, body: '' });
    const took = Date.now() - started;
    assert.equal(r.statusCode, 504);
    assert.equal(r.headers['x-flags'], 'UT');
    await r.body.dump();
    assert.ok(took >= 140 && took < 1500, `took ${took} ms`);
    assert.equal(rig.last().headers['grpc-timeout'], '150m');
    assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], '150');
  });

  test('HTTP/2 downstream: the route timeout starts once the request is complete (504 UT); a POST is retried with its body', async (t) => {
    const handler = failing(1);
    const rig = await startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/slow" }
    route: { cluster: slow, timeout: 0.15s }
  - match: { prefix: "/" }
    route: { cluster: up, retry_policy: { retry_on: 5xx, num_retries: 1, ${FAST} } }`,
      clusters: ['up', 'slow'],
      handlers: { up: handler, slow: () => undefined },
    });
    const session = http2.connect(rig.base);
    t.after(() => session.close());
    const exchange = (headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const s = session.request(headers);
        let status = 0;
        let text = '';
        s.on('response', (h) => (status = Number(h[':status'])));
        s.setEncoding('utf8');
        s.on('data', (c: string) => (text += c));
        s.on('end', () => resolve({ status, body: text }));
        s.on('error', reject);
        s.end(body);
      });
    const started = Date.now();
    const slow = await exchange({ ':path': '/slow' });
    assert.equal(slow.status, 504);
    assert.equal(slow.body, 'upstream request timeout');
    assert.ok(Date.now() - started < 1500);
    const post = await exchange({ ':path': '/p', ':method': 'POST' }, 'h2-body');
    assert.equal(post.status, 200);
    assert.equal(post.body, 'ok 2');
    assert.deepEqual(rig.upstreams['up']!.requests.map((q) => q.body), ['h2-body', 'h2-body']);
  });
});
