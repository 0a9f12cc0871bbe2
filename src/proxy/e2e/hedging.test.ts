/**
 * Request hedging on per-try timeouts (hedge_policy.hedge_on_per_try_timeout) end to end: a
 * per-try timeout does not cancel the attempt; a retry starts beside it and the first usable
 * response goes downstream, the other attempt being reset.
 * https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing#request-hedging
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { request } from 'undici';
import { startRig } from './hcm-fixtures.js';

/** Answers the Nth request (1-based) with `plan[N-1]`: [delay ms, status]; counts requests and resets seen. */
function scripted(plan: readonly [number, number][]): http.RequestListener & { count: number; resets: number } {
  const h = ((req: http.IncomingMessage, res: http.ServerResponse) => {
    const n = ++h.count;
    const [delay, status] = plan[n - 1] ?? [0, 200];
    const timer = setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`attempt ${n}`);
    }, delay);
    res.on('close', () => {
      if (!res.writableFinished) {
        clearTimeout(timer);
        h.resets++;
      }
    });
    void req;
  }) as http.RequestListener & { count: number; resets: number };
  h.count = 0;
  h.resets = 0;
  return h;
}

function vhost(route: string): string {
  return `- name: all
  domains: ["*"]
  include_request_attempt_count: true
  include_attempt_count_in_response: true
  response_headers_to_add:
  - header: { key: x-flags, value: "%RESPONSE_FLAGS%" }
  routes:
  - match: { prefix: "/" }
    route: ${route}`;
}

const POLICY = 'retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 0.15s, retry_back_off: { base_interval: 0.001s } }';

describe('hedging', { concurrency: true }, () => {
  test('the first attempt outlives its per-try timeout and answers first: its response wins, the hedge is reset', async (t) => {
    const up = scripted([[450, 200], [3000, 200]]);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, ${POLICY}, hedge_policy: { hedge_on_per_try_timeout: true } }`), handlers: { up } });
    const started = Date.now();
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'attempt 1');
    assert.ok(Date.now() - started < 2000, 'did not wait for the hedge');
    assert.equal(r.headers['x-envoy-attempt-count'], '2');
    assert.equal(up.count, 2, 'a hedge was sent after the per-try timeout');
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_retry'), 1);
    assert.equal(s.get('cluster.up.upstream_rq_per_try_timeout') ?? 0, 0, 'a hedged per-try timeout is not counted as one');
    for (let i = 0; i < 50 && up.resets < 1; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(up.resets, 1, 'the losing hedge was reset');
    assert.deepEqual(rig.upstreams['up']!.requests.map((q) => q.headers['x-envoy-attempt-count']), ['1', '2']);
  });

  test('without hedging the same per-try timeout cancels the first attempt and the retry answers', async (t) => {
    const up = scripted([[450, 200], [50, 200]]);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, ${POLICY} }`), handlers: { up } });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'attempt 2');
    const s = await rig.stats();
    assert.equal(s.get('cluster.up.upstream_rq_per_try_timeout'), 1);
  });

  test('a retriable answer that can no longer be retried waits for the hedge in flight, which answers 200', async (t) => {
    // Attempt 1 answers 503 at 200 ms (after its 150 ms per-try timeout started attempt 2), attempt 2 answers 200 at ~250 ms.
    const up = scripted([[200, 503], [100, 200]]);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, ${POLICY}, hedge_policy: { hedge_on_per_try_timeout: true } }`), handlers: { up } });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'attempt 2');
    assert.equal(r.headers['x-flags'], undefined);
  });

  test('retries exhausted: a per-try timeout hedges no more (URX) and the attempts already running still answer', async (t) => {
    const up = scripted([[400, 200], [600, 200]]);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, ${POLICY}, hedge_policy: { hedge_on_per_try_timeout: true } }`), handlers: { up } });
    const r = await request(`${rig.base}/`);
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'attempt 1');
    assert.equal(up.count, 2, 'the second per-try timeout sent nothing more');
    assert.equal(r.headers['x-flags'], 'URX');
  });

  test('x-envoy-hedge-on-per-try-timeout from an internal caller turns hedging on for the request', async (t) => {
    const up = scripted([[450, 200], [3000, 200]]);
    const rig = await startRig(t, { virtualHosts: vhost(`{ cluster: up, ${POLICY} }`), handlers: { up } });
    // A private x-forwarded-for makes the caller internal; external callers' x-envoy-* headers are stripped.
    const r = await request(`${rig.base}/`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-envoy-hedge-on-per-try-timeout': 'true' } });
    assert.equal(r.statusCode, 200);
    assert.equal(await r.body.text(), 'attempt 1');
    assert.equal(rig.upstreams['up']!.requests[0]!.headers['x-envoy-hedge-on-per-try-timeout'], undefined, 'consumed, not forwarded');
  });
});
