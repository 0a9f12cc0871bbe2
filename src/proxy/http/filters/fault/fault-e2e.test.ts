/**
 * The fault filter in a real proxy over loopback: a real upstream that counts what reaches it,
 * real HTTP/1.1 and gRPC clients, and the HCM chain Istio generates (fault, cors, router) with
 * each route's fault in typed_per_filter_config. The percentage draws use a seeded random (the
 * proxy's fault factory is re-registered with it before the listener is built), so the counts
 * are exact for the seed and checked against statistical bounds all the same.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { startProxy, startUpstream, staticCluster } from '../../../testing/proxy-harness.js';
import type { StartedProxy, Upstream } from '../../../testing/proxy-harness.js';
import { seededRandom } from '../../../router/test-support.js';
import { faultFilterFactory } from './fault-filter.js';
import { HTTP_FAULT_TYPE_URL } from './fault-config.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const FAULT = 'envoy.filters.http.fault';
/** Every route reports the request's response flags, so the client sees DI / FI. */
const FLAGS_HEADER = [{ header: { key: 'x-flags', value: '%RESPONSE_FLAGS%' } }];

function faultRoute(prefix: string, fault: Record<string, unknown> | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    match: { prefix },
    route: { cluster: 'backend', timeout: '0s' },
    response_headers_to_add: FLAGS_HEADER,
    ...(fault ? { typed_per_filter_config: { [FAULT]: { '@type': HTTP_FAULT_TYPE_URL, ...fault } } } : {}),
    ...extra,
  };
}

const pct = (value: number): Record<string, unknown> => ({ numerator: value * 10_000, denominator: 'MILLION' });

async function startMesh(t: TestContext, seed: number): Promise<{ p: StartedProxy; up: Upstream; base: string; stat: (n: string) => number }> {
  const up = await startUpstream('backend');
  const p = await startProxy(`
node: { id: fault-e2e, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  clusters:
${staticCluster('backend', [up.port]).split('\n').map((l) => `  ${l}`).join('\n')}
`);
  t.after(async () => {
    await p.close();
    await up.close();
  });
  p.proxy.httpFilters.register(faultFilterFactory({ random: seededRandom(seed) }));
  await p.proxy.listenerManager.addStatic([
    {
      name: 'in',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{
        filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: 'in',
            route_config: {
              name: 'r',
              virtual_hosts: [{
                name: 'all',
                domains: ['*'],
                routes: [
                  faultRoute('/delay', { delay: { fixed_delay: '2s', percentage: pct(100) } }),
                  faultRoute('/lab4-abort', { abort: { http_status: 500, percentage: pct(50) } }),
                  faultRoute('/ratings', { abort: { http_status: 500, percentage: pct(100) } }, { match: { prefix: '/ratings', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] } }),
                  faultRoute('/ratings', null),
                  faultRoute('/combined', { abort: { http_status: 500, percentage: pct(10) }, delay: { fixed_delay: '0.2s', percentage: pct(20) } }),
                  faultRoute('/retried', { abort: { http_status: 503, percentage: pct(100) } }, { route: { cluster: 'backend', retry_policy: { retry_on: '5xx', num_retries: 3 } } }),
                  faultRoute('/slow', { delay: { fixed_delay: '1s', percentage: pct(100) } }),
                  faultRoute('/grpc', { abort: { grpc_status: 14, percentage: pct(100) } }),
                  faultRoute('/', null),
                ],
              }],
            },
            http_filters: [
              { name: FAULT, typed_config: { '@type': HTTP_FAULT_TYPE_URL } },
              { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
              { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
            ],
          },
        }],
      }],
    },
  ]);
  assert.deepEqual(p.logs.filter((l) => l.startsWith('warning')), [], 'the chain loads with no warning');
  const stat = (n: string): number => (p.proxy.stats.find(`http.in.fault.${n}`) as { value: number } | undefined)?.value ?? 0;
  return { p, up, base: `http://127.0.0.1:${p.proxy.listenerPort('in')}`, stat };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; flags: string; ms: number }> {
  const start = performance.now();
  const r = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = await r.body.text();
  return { status: r.statusCode, body, flags: String(r.headers['x-flags'] ?? ''), ms: performance.now() - start };
}

test('fault e2e: fixedDelay 2s at 100% holds the request ≥ 2 s (DI), then it reaches the backend with its body', async (t) => {
  const { up, base, stat } = await startMesh(t, 1);
  const r = await get(`${base}/delay`);
  assert.equal(r.status, 200);
  assert.ok(r.ms >= 2000 && r.ms < 3500, `took ${r.ms.toFixed(0)} ms`);
  assert.equal(r.flags, 'DI');
  assert.equal(up.requests.length, 1);
  // A POST body waits in the socket during the delay and arrives whole.
  const post = await request(`${base}/delay`, { method: 'POST', body: 'x'.repeat(100_000), headersTimeout: 10_000 });
  await post.body.text();
  assert.equal(post.statusCode, 200);
  assert.equal(up.requests[1]!.body.length, 100_000);
  assert.equal(stat('delays_injected'), 2);
  assert.equal(stat('active_faults'), 0);
});

test('fault e2e: abort 500 at 50% over 400 requests: 50% ± 7.5% aborted with FI and "fault filter abort"; the backend never sees them', async (t) => {
  const { up, base, stat } = await startMesh(t, 2);
  let aborted = 0;
  for (let i = 0; i < 400; i++) {
    const r = await get(`${base}/lab4-abort`);
    if (r.status === 500) {
      aborted++;
      assert.equal(r.body, 'fault filter abort');
      assert.equal(r.flags, 'FI');
    } else {
      assert.equal(r.status, 200);
      assert.equal(r.flags, '', 'no flags: the %RESPONSE_FLAGS% header is left out');
    }
  }
  assert.ok(aborted >= 170 && aborted <= 230, `${aborted} of 400 aborted`);
  assert.equal(up.requests.length, 400 - aborted, 'aborted requests never reach the backend');
  assert.equal(stat('aborts_injected'), aborted);
  assert.equal(stat('active_faults'), 0);
});

test('fault e2e: match-specific fault (Istio’s task): end-user jason gets 500, everyone else the backend', async (t) => {
  const { up, base } = await startMesh(t, 3);
  for (let i = 0; i < 20; i++) {
    const jason = await get(`${base}/ratings/0`, { 'end-user': 'jason' });
    assert.equal(jason.status, 500);
    assert.equal(jason.body, 'fault filter abort');
    const other = await get(`${base}/ratings/0`, { 'end-user': 'bob' });
    assert.equal(other.status, 200);
    assert.equal((await get(`${base}/ratings/0`)).status, 200);
  }
  assert.equal(up.requests.length, 40);
});

test('fault e2e: the seed’s combined example (abort 10%, delay 20%) draws independently', async (t) => {
  const { up, base, stat } = await startMesh(t, 4);
  const n = 300;
  const counts = { delayed: 0, aborted: 0, both: 0 };
  await Promise.all(
    Array.from({ length: 3 }, async (_, worker) => {
      for (let i = worker; i < n; i += 3) {
        const r = await get(`${base}/combined`);
        const delayed = r.flags.includes('DI');
        const aborted = r.flags.includes('FI');
        assert.equal(r.status, aborted ? 500 : 200);
        if (delayed) assert.ok(r.ms >= 200, `a delayed request took ${r.ms.toFixed(0)} ms`);
        if (delayed) counts.delayed++;
        if (aborted) counts.aborted++;
        if (delayed && aborted) counts.both++;
      }
    }),
  );
  // 20% ± 7% delayed, 10% ± 5.2% aborted (3σ over 300), and some requests got both (independence).
  assert.ok(counts.delayed >= 39 && counts.delayed <= 81, `delayed ${counts.delayed}`);
  assert.ok(counts.aborted >= 14 && counts.aborted <= 46, `aborted ${counts.aborted}`);
  assert.ok(counts.both >= 1, `both ${counts.both}`);
  assert.equal(stat('delays_injected'), counts.delayed);
  assert.equal(stat('aborts_injected'), counts.aborted);
  assert.equal(up.requests.length, n - counts.aborted);
});

test('fault e2e: an injected abort is never retried (the router never runs)', async (t) => {
  const { up, base } = await startMesh(t, 5);
  const r = await get(`${base}/retried`);
  assert.equal(r.status, 503);
  assert.equal(r.flags, 'FI');
  assert.equal(up.requests.length, 0);
});

test('fault e2e: a client that leaves during the delay: no upstream request later, active_faults back to 0', async (t) => {
  const { up, base, stat } = await startMesh(t, 6);
  const ac = new AbortController();
  const pending = request(`${base}/slow`, { signal: ac.signal }).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(stat('active_faults'), 1);
  ac.abort();
  await pending;
  const deadline = Date.now() + 2000;
  while (stat('active_faults') !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(stat('active_faults'), 0);
  await new Promise((r) => setTimeout(r, 1200)); // past the 1 s delay
  assert.equal(up.requests.length, 0, 'the cancelled delay never continued the request');
});

test('fault e2e: grpc_status abort reaches a grpc-js client as UNAVAILABLE', async (t) => {
  const { base } = await startMesh(t, 7);
  const client = new grpc.Client(base.replace('http://', ''), grpc.credentials.createInsecure());
  t.after(() => client.close());
  const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
    client.makeUnaryRequest('/grpc.Svc/Call', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), { deadline: Date.now() + 5000 } as grpc.CallOptions, (e) => (e ? resolve(e) : reject(new Error('call succeeded'))));
  });
  assert.equal(err.code, grpc.status.UNAVAILABLE, `${err.code} ${err.details}`);
  assert.equal(err.details, 'fault filter abort');
});

test('fault e2e: an HTTP/2 stream reset during the delay cancels it; the connection keeps serving', async (t) => {
  const { up, base, stat } = await startMesh(t, 8);
  const session = http2.connect(base);
  t.after(() => session.close());
  const s = session.request({ ':path': '/slow' }, { endStream: true });
  s.on('error', () => {});
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(stat('active_faults'), 1);
  s.close(http2.constants.NGHTTP2_CANCEL);
  const deadline = Date.now() + 2000;
  while (stat('active_faults') !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(stat('active_faults'), 0);
  // The same connection serves the next request.
  const status = await new Promise<number>((resolve, reject) => {
    const next = session.request({ ':path': '/other' }, { endStream: true });
    next.on('response', (h) => resolve(Number(h[':status'])));
    next.on('error', reject);
    next.resume();
  });
  assert.equal(status, 200);
  await new Promise((r) => setTimeout(r, 1000)); // past the 1 s delay
  assert.deepEqual(up.requests.map((r) => r.url), ['/other'], 'the cancelled request never continued');
});
