import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../../telemetry/stats/stats-store.js';
import { ResponseFlag, formatResponseFlags } from '../../../errors/response-flags.js';
import { ManualTimers, TestChain, scriptedRandom } from '../filter-test-support.js';
import { atLeastTimers, faultFilterFactory } from './fault-filter.js';
import { HTTP_FAULT_TYPE_URL } from './fault-config.js';

const NAME = 'envoy.filters.http.fault';

function fault(cfg: Record<string, unknown>): Record<string, unknown> {
  return { '@type': HTTP_FAULT_TYPE_URL, ...cfg };
}

/** A chain [fault] → (router stand-in), with routes carrying per-route faults as Istio sends them. */
function setup(routes: Record<string, unknown>[], random: number[] = [], filterConfig: Record<string, unknown> = fault({})) {
  const timers = new ManualTimers();
  const store = new StatsStore();
  const filter = faultFilterFactory({ random: scriptedRandom(random), timers }).create(NAME, filterConfig, { statPrefix: 'in', stats: store.scope('http.in') });
  const chain = new TestChain([filter], { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes }] });
  const stat = (n: string): number => (store.find(`http.in.fault.${n}`) as { value: number } | undefined)?.value ?? 0;
  return { chain, timers, stat };
}

function route(prefix: string, perRoute?: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { match: { prefix }, route: { cluster: 'c' }, ...(perRoute ? { typed_per_filter_config: { [NAME]: perRoute } } : {}), ...extra };
}

test('fixed delay: request held for exactly the delay, flag DI, then continues; active_faults back to 0', () => {
  const { chain, timers, stat } = setup([route('/', fault({ delay: { fixed_delay: '2s', percentage: { numerator: 100 } } }))], [0]);
  const { stream, outcome } = chain.start({});
  assert.equal(outcome.kind, 'pending');
  assert.deepEqual(timers.delays, [2000]);
  assert.equal(formatResponseFlags(stream.info.responseFlags), 'DI');
  assert.equal(stat('delays_injected'), 1);
  assert.equal(stat('active_faults'), 1);
  timers.advance(1999);
  assert.equal(outcome.kind, 'pending');
  timers.advance(1);
  assert.equal(outcome.kind, 'upstream');
  assert.equal(outcome.status, 200);
  assert.equal(stat('active_faults'), 0);
  assert.equal(stat('aborts_injected'), 0);
});

test('abort: local reply with the status, body "fault filter abort", flag FI, details fault_filter_abort; never reaches the router', () => {
  const { chain, timers, stat } = setup([route('/', fault({ abort: { http_status: 503, percentage: { numerator: 100 } } }))], [0]);
  const { stream, outcome } = chain.start({});
  assert.equal(outcome.kind, 'local');
  assert.equal(outcome.status, 503);
  assert.equal(outcome.body, 'fault filter abort');
  assert.equal(outcome.details, 'fault_filter_abort');
  assert.equal(outcome.headers['content-type'], 'text/plain');
  assert.equal(stream.info.responseFlags, ResponseFlag.FI);
  assert.equal(stat('aborts_injected'), 1);
  assert.equal(stat('active_faults'), 0);
  assert.equal(timers.pending, 0);
});

test('percentages decide per request with the injected random: 50% abort', () => {
  // Draws: 0.3 (< 0.5: abort), 0.7 (no), 0.49 (abort), 0.5 (no).
  const { chain, stat } = setup([route('/', fault({ abort: { http_status: 500, percentage: { numerator: 50 } } }))], [0.3, 0.7, 0.49, 0.5]);
  const kinds = [0, 1, 2, 3].map(() => chain.start({}).outcome.kind);
  assert.deepEqual(kinds, ['local', 'upstream', 'local', 'upstream']);
  assert.equal(stat('aborts_injected'), 2);
});

test('delay and abort are independent draws; the abort is drawn when the delay ends', () => {
  const cfg = fault({ delay: { fixed_delay: '5s', percentage: { numerator: 50 } }, abort: { http_status: 400, percentage: { numerator: 50 } } });
  // Request 1: delay (0.1) then abort (0.2). Request 2: no delay (0.9), abort (0.1).
  // Request 3: delay (0.1), no abort (0.9). Request 4: neither (0.9, 0.9).
  const { chain, timers, stat } = setup([route('/', cfg)], [0.1, 0.2, 0.9, 0.1, 0.1, 0.9, 0.9, 0.9]);
  const r1 = chain.start({});
  assert.equal(r1.outcome.kind, 'pending');
  timers.advance(5000);
  assert.equal(r1.outcome.status, 400);
  assert.equal(formatResponseFlags(r1.stream.info.responseFlags), 'DI,FI');
  const r2 = chain.start({});
  assert.equal(r2.outcome.status, 400);
  assert.equal(formatResponseFlags(r2.stream.info.responseFlags), 'FI');
  const r3 = chain.start({});
  timers.advance(5000);
  assert.equal(r3.outcome.kind, 'upstream');
  assert.equal(formatResponseFlags(r3.stream.info.responseFlags), 'DI');
  const r4 = chain.start({});
  assert.equal(r4.outcome.kind, 'upstream');
  assert.equal(r4.stream.info.responseFlags, 0);
  assert.equal(stat('delays_injected'), 2);
  assert.equal(stat('aborts_injected'), 2);
  assert.equal(stat('active_faults'), 0);
});

test('a client that goes away during the delay leaves no timer and no active fault', () => {
  const { chain, timers, stat } = setup([route('/', fault({ delay: { fixed_delay: '60s', percentage: { numerator: 100 } }, abort: { http_status: 500, percentage: { numerator: 100 } } }))], [0, 0]);
  const { stream, outcome } = chain.start({});
  assert.equal(timers.pending, 1);
  chain.disconnect(stream);
  assert.equal(timers.pending, 0);
  assert.equal(stat('active_faults'), 0);
  assert.equal(outcome.kind, 'aborted');
  timers.advance(60_000);
  assert.equal(outcome.kind, 'aborted', 'nothing happens after the stream ended');
});

test('max_active_faults: faults beyond the limit are not injected and count faults_overflow', () => {
  const { chain, timers, stat } = setup([route('/', fault({ delay: { fixed_delay: '1s', percentage: { numerator: 100 } }, max_active_faults: 1 }))], [0, 0, 0]);
  const a = chain.start({});
  const b = chain.start({});
  assert.equal(a.outcome.kind, 'pending');
  assert.equal(b.outcome.kind, 'upstream', 'second request not delayed');
  assert.equal(b.stream.info.responseFlags, 0);
  assert.equal(stat('faults_overflow'), 1);
  timers.advance(1000);
  assert.equal(a.outcome.kind, 'upstream');
  assert.equal(chain.start({}).outcome.kind, 'pending', 'room again once the first fault ended');
});

test('per-route config replaces the filter’s; routes without one use the filter’s own', () => {
  const { chain } = setup(
    [route('/routed', fault({ abort: { http_status: 418, percentage: { numerator: 100 } } })), route('/')],
    [0, 0],
    fault({ abort: { http_status: 502, percentage: { numerator: 100 } } }),
  );
  assert.equal(chain.start({ path: '/routed' }).outcome.status, 418);
  assert.equal(chain.start({ path: '/other' }).outcome.status, 502);
});

test('match-specific faults: only the route matching end-user: jason gets the delay (Istio’s task)', () => {
  const { chain, timers } = setup(
    [
      route('/', fault({ delay: { fixed_delay: '7s', percentage: { numerator: 100 } } }), { match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] } }),
      route('/'),
    ],
    [0, 0],
  );
  assert.equal(chain.start({ headers: { 'end-user': 'jason' } }).outcome.kind, 'pending');
  assert.deepEqual(timers.delays, [7000]);
  assert.equal(chain.start({ headers: { 'end-user': 'bob' } }).outcome.kind, 'upstream');
});

test('HTTPFault.headers, upstream_cluster and downstream_nodes narrow which requests get faults', () => {
  const abort = { http_status: 500, percentage: { numerator: 100 } };
  const { chain } = setup(
    [
      route('/h', fault({ abort, headers: [{ name: 'x-chaos', exact_match: 'on' }] })),
      route('/c', fault({ abort, upstream_cluster: 'other' })),
      route('/n', fault({ abort, downstream_nodes: ['node-a'] })),
    ],
    [0, 0, 0, 0],
  );
  assert.equal(chain.start({ path: '/h' }).outcome.kind, 'upstream');
  assert.equal(chain.start({ path: '/h', headers: { 'x-chaos': 'on' } }).outcome.status, 500);
  assert.equal(chain.start({ path: '/c' }).outcome.kind, 'upstream', 'routed to c, not other');
  assert.equal(chain.start({ path: '/n', headers: { 'x-envoy-downstream-service-node': 'node-b' } }).outcome.kind, 'upstream');
  assert.equal(chain.start({ path: '/n', headers: { 'x-envoy-downstream-service-node': 'node-a' } }).outcome.status, 500);
});

test('header-controlled faults: only with header_abort / header_delay configured', () => {
  const { chain, timers } = setup(
    [route('/ctl', fault({ abort: { header_abort: {}, percentage: { numerator: 100 } }, delay: { header_delay: {}, percentage: { numerator: 100 } } })), route('/fixed', fault({ abort: { http_status: 503 } }))],
    [0, 0, 0, 0, 0, 0],
  );
  const d = chain.start({ path: '/ctl', headers: { 'x-envoy-fault-delay-request': '250' } });
  assert.deepEqual(timers.delays, [250]);
  timers.advance(250);
  assert.equal(d.outcome.kind, 'upstream');
  assert.equal(chain.start({ path: '/ctl', headers: { 'x-envoy-fault-abort-request': '429' } }).outcome.status, 429);
  assert.equal(chain.start({ path: '/ctl' }).outcome.kind, 'upstream', 'no header, no fault');
  // A fixed abort with no percentage is 0%: the headers cannot turn it on.
  assert.equal(chain.start({ path: '/fixed', headers: { 'x-envoy-fault-abort-request': '500' } }).outcome.kind, 'upstream');
});

test('gRPC: grpc_status aborts answer 200 with grpc-status; an HTTP status maps as Envoy maps it', () => {
  const { chain } = setup(
    [route('/grpc', fault({ abort: { grpc_status: 14, percentage: { numerator: 100 } } })), route('/http', fault({ abort: { http_status: 503, percentage: { numerator: 100 } } }))],
    [0, 0, 0],
  );
  const g = chain.start({ path: '/grpc', method: 'POST', headers: { 'content-type': 'application/grpc' } });
  assert.equal(g.outcome.status, 200);
  assert.equal(g.outcome.headers['grpc-status'], '14');
  assert.equal(g.outcome.headers['content-type'], 'application/grpc');
  assert.equal(formatResponseFlags(g.stream.info.responseFlags), 'FI');
  const h = chain.start({ path: '/http', method: 'POST', headers: { 'content-type': 'application/grpc+proto' } });
  assert.equal(h.outcome.status, 200);
  assert.equal(h.outcome.headers['grpc-status'], '14', '503 → UNAVAILABLE');
  // A gRPC status for a plain HTTP request: 200 with the body, as Envoy's local reply.
  const plain = chain.start({ path: '/grpc' });
  assert.equal(plain.outcome.status, 200);
  assert.equal(plain.outcome.body, 'fault filter abort');
});

test('x-envoy-downstream-service-cluster adds per-cluster counters, unless disabled', () => {
  const { chain, stat } = setup([route('/', fault({ abort: { http_status: 500, percentage: { numerator: 100 } } }))], [0]);
  chain.start({ headers: { 'x-envoy-downstream-service-cluster': 'frontend' } });
  assert.equal(stat('frontend.aborts_injected'), 1);
  assert.equal(stat('aborts_injected'), 1);
});

test('the default timers never end a delay early: a timer that fires 0.8 ms short sleeps the rest', async () => {
  let clock = 1000.9;
  const waits: number[] = [];
  // A loop clock in whole milliseconds: the first timer fires at 1200 while real time is 1200.1 - 0.8.
  const schedule = (fn: () => void, ms: number): NodeJS.Timeout => {
    waits.push(ms);
    clock += waits.length === 1 ? ms - 0.8 : ms;
    return setTimeout(fn, 0);
  };
  const timers = atLeastTimers(schedule, () => clock);
  const fired = await new Promise<number>((resolve) => timers.set(() => resolve(clock), 200));
  assert.deepEqual(waits, [200, 1]);
  assert.ok(fired - 1000.9 >= 200, `held ${fired - 1000.9} ms`);
});

test('the default timers: clear cancels a timer that is sleeping the rest of its delay', async () => {
  let clock = 0;
  let timers: ReturnType<typeof atLeastTimers> | undefined;
  let handle: unknown;
  const schedule = (fn: () => void, ms: number): NodeJS.Timeout => {
    clock += ms - 0.5;
    const t = setTimeout(() => {
      fn();
      timers!.clear(handle); // cancels the re-armed remainder
    }, 0);
    return t;
  };
  timers = atLeastTimers(schedule, () => clock);
  let fired = false;
  handle = timers.set(() => (fired = true), 100);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, false);
});
