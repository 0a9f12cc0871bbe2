import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JitteredBackOff } from './backoff.js';
import { compileRetryPolicy } from './retry-policy.js';
import { RetryState } from './retry-state.js';
import type { ResetReason, RetryResources, RetryStats } from './retry-state.js';
import type { HeaderMap } from '../http/header-map.js';
import { makeRequest } from './test-support.js';

function counter(): { n: number; inc(): void } {
  return {
    n: 0,
    inc() {
      this.n++;
    },
  };
}

function rig(policy: Record<string, unknown> | null, headers: HeaderMap = {}, opts: { max?: number; random?: () => number; method?: string } = {}) {
  let count = 0;
  const max = opts.max ?? 3;
  const resources: RetryResources = { canCreate: () => count < max, inc: () => void count++, dec: () => void count-- };
  const stats = { retry: counter(), success: counter(), limitExceeded: counter(), overflow: counter(), backoffExponential: counter() };
  const state = RetryState.create(policy === null ? null : compileRetryPolicy(policy, 'retry_policy'), makeRequest({ headers, method: opts.method ?? 'GET' }), resources, stats as RetryStats, opts.random ?? (() => 0.5));
  return { state, stats, active: () => count };
}

type Outcome = { status: number; headers?: HeaderMap } | { reset: ResetReason; started?: boolean };

/** condition × upstream outcome → the condition that matched (null: not retried). */
const CASES: [string, Outcome, string | null][] = [
  ['5xx', { status: 500 }, '5xx'],
  ['5xx', { status: 503 }, '5xx'],
  ['5xx', { status: 404 }, null],
  ['5xx', { reset: 'connection_failure' }, '5xx'],
  ['5xx', { reset: 'remote_reset' }, '5xx'],
  ['5xx', { reset: 'per_try_timeout' }, '5xx'],
  ['5xx', { reset: 'overflow' }, null],
  ['gateway-error', { status: 502 }, 'gateway-error'],
  ['gateway-error', { status: 503 }, 'gateway-error'],
  ['gateway-error', { status: 504 }, 'gateway-error'],
  ['gateway-error', { status: 500 }, null],
  ['gateway-error', { reset: 'connection_termination' }, 'gateway-error'],
  ['reset', { reset: 'connection_termination' }, 'reset'],
  ['reset', { reset: 'per_try_timeout' }, 'reset'],
  ['reset', { status: 503 }, null],
  ['reset-before-request', { reset: 'connection_failure', started: false }, 'reset-before-request'],
  ['reset-before-request', { reset: 'connection_termination', started: true }, null],
  ['connect-failure', { reset: 'connection_failure' }, 'connect-failure'],
  ['connect-failure', { reset: 'connection_timeout' }, 'connect-failure'],
  ['connect-failure', { reset: 'connection_termination' }, null],
  ['connect-failure', { reset: 'per_try_timeout' }, null],
  ['connect-failure', { status: 503 }, null],
  ['refused-stream', { reset: 'remote_refused_stream_reset' }, 'refused-stream'],
  ['refused-stream', { reset: 'remote_reset' }, null],
  ['retriable-4xx', { status: 409 }, 'retriable-4xx'],
  ['retriable-4xx', { status: 429 }, null],
  ['retriable-status-codes', { status: 418 }, 'retriable-status-codes'],
  ['retriable-status-codes', { status: 503 }, null],
  ['retriable-headers', { status: 200, headers: { 'x-upstream-retry': 'yes' } }, 'retriable-headers'],
  ['retriable-headers', { status: 200, headers: { 'x-upstream-retry': 'no' } }, null],
  ['envoy-ratelimited', { status: 429, headers: { 'x-envoy-ratelimited': 'true' } }, 'envoy-ratelimited'],
  ['5xx', { status: 503, headers: { 'x-envoy-ratelimited': 'true' } }, null],
  ['cancelled', { status: 200, headers: { 'grpc-status': '1' } }, 'cancelled'],
  ['deadline-exceeded', { status: 200, headers: { 'grpc-status': '4' } }, 'deadline-exceeded'],
  ['resource-exhausted', { status: 200, headers: { 'grpc-status': '8' } }, 'resource-exhausted'],
  ['unavailable', { status: 200, headers: { 'grpc-status': '14' } }, 'unavailable'],
  ['internal', { status: 200, headers: { 'grpc-status': '13' } }, 'internal'],
  ['unavailable', { status: 200, headers: { 'grpc-status': '13' } }, null],
  ['unavailable', { status: 200, headers: {} }, null],
  // Istio's default policy.
  ['connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', { status: 503 }, 'retriable-status-codes'],
  ['connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', { status: 500 }, null],
  ['connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', { reset: 'connection_termination' }, null],
];

describe('retry state: condition × outcome', () => {
  for (const [retryOn, outcome, want] of CASES) {
    const what = 'status' in outcome ? `status ${outcome.status} ${JSON.stringify(outcome.headers ?? {})}` : `reset ${outcome.reset}${outcome.started === false ? ' (not started)' : ''}`;
    test(`${retryOn} + ${what} → ${want ?? 'no retry'}`, () => {
      const policy = {
        retry_on: retryOn,
        num_retries: 2,
        retriable_status_codes: [418, ...(retryOn.startsWith('connect-failure,') ? [503] : [])],
        retriable_headers: [{ name: 'x-upstream-retry', string_match: { exact: 'yes' } }],
      };
      const { state } = rig(policy);
      assert.ok(state !== null);
      const d = 'status' in outcome ? state.shouldRetryHeaders(outcome.status, outcome.headers ?? {}) : state.shouldRetryReset(outcome.reset, outcome.started ?? true);
      assert.equal(d.status, want === null ? 'no' : 'yes', d.reason);
      if (want !== null) assert.match(d.reason, new RegExp(`^retry 1 on ${want} `));
      else assert.match(d.reason, /^no retry: .* matches no retry_on condition$/);
    });
  }
});

describe('retry state: limits, circuit breaker, stats', () => {
  test('num_retries 2 and a backend failing 5 times: retry, retry, then limit exceeded', () => {
    const { state, stats, active } = rig({ retry_on: '5xx', num_retries: 2 });
    const a = state!.shouldRetryHeaders(503, {});
    assert.equal(a.status, 'yes');
    assert.equal(active(), 1, 'a granted retry holds a max_retries slot');
    const b = state!.shouldRetryHeaders(503, {});
    assert.equal(b.status, 'yes');
    assert.equal(active(), 1, 'the previous slot is given back when its attempt is judged');
    const c = state!.shouldRetryHeaders(503, {});
    assert.equal(c.status, 'limit_exceeded');
    assert.equal(c.reason, 'no retry: status 503 matches 5xx but the retry limit is reached (2 retries made)');
    assert.equal(active(), 0);
    assert.deepEqual([stats.retry.n, stats.success.n, stats.limitExceeded.n, stats.overflow.n, stats.backoffExponential.n], [2, 0, 1, 0, 2]);
  });

  test('a retried attempt that succeeds counts upstream_rq_retry_success', () => {
    const { state, stats, active } = rig({ retry_on: '5xx', num_retries: 3 });
    assert.equal(state!.shouldRetryReset('connection_termination', true).status, 'yes');
    assert.equal(state!.shouldRetryHeaders(200, {}).status, 'no');
    assert.equal(stats.success.n, 1);
    assert.equal(active(), 0);
  });

  test('the cluster circuit breaker (max_retries) refuses: overflow, and the retry counts against num_retries', () => {
    const { state, stats } = rig({ retry_on: '5xx', num_retries: 2 }, {}, { max: 0 });
    const d = state!.shouldRetryHeaders(500, {});
    assert.equal(d.status, 'overflow');
    assert.equal(stats.overflow.n, 1);
    assert.equal(state!.retriesRemaining, 1);
  });

  test('release() gives back a held slot (request ended during back-off)', () => {
    const { state, active } = rig({ retry_on: '5xx' });
    state!.shouldRetryHeaders(500, {});
    assert.equal(active(), 1);
    state!.release();
    state!.release();
    assert.equal(active(), 0);
  });

  test('num_retries defaults to 1 (Envoy)', () => {
    const { state } = rig({ retry_on: '5xx' });
    assert.equal(state!.retriesRemaining, 1);
  });
});

describe('retry state: request headers', () => {
  test('x-envoy-retry-on and x-envoy-max-retries without a policy; all retry headers consumed', () => {
    const headers: HeaderMap = { 'x-envoy-retry-on': '5xx,bogus', 'x-envoy-max-retries': '4', 'x-envoy-retriable-status-codes': '418', 'x-envoy-retry-grpc-on': 'unavailable', 'x-other': '1' };
    const { state } = rig(null, headers);
    assert.ok(state !== null);
    assert.equal(state.retriesRemaining, 4);
    assert.deepEqual(headers, { 'x-other': '1' });
    assert.equal(state.shouldRetryHeaders(200, { 'grpc-status': '14' }).status, 'yes');
  });

  test('x-envoy-retriable-status-codes and -header-names add to the policy', () => {
    const { state } = rig({ retry_on: 'retriable-status-codes,retriable-headers', num_retries: 5 }, { 'x-envoy-retriable-status-codes': '409, 418', 'x-envoy-retriable-header-names': 'X-Retry-Me' });
    assert.equal(state!.wouldRetryFromHeaders(418, {}), 'retriable-status-codes');
    assert.equal(state!.wouldRetryFromHeaders(200, { 'x-retry-me': 'x' }), 'retriable-headers');
    assert.equal(state!.wouldRetryFromHeaders(200, {}), null);
  });

  test('no policy and no header: no retry state (and nothing is buffered)', () => {
    assert.equal(rig(null, {}).state, null);
  });

  test('retriable_request_headers: only matching requests are retried', () => {
    const policy = { retry_on: '5xx', retriable_request_headers: [{ name: ':method', string_match: { exact: 'GET' } }] };
    assert.ok(rig(policy, {}, { method: 'GET' }).state !== null);
    assert.equal(rig(policy, {}, { method: 'POST' }).state, null);
    const p2 = { retry_on: '5xx', retriable_request_headers: [{ name: 'x-idempotent', present_match: true }] };
    assert.equal(rig(p2, {}).state, null);
    assert.ok(rig(p2, { 'x-idempotent': '1' }).state !== null);
  });

  test('retriable_headers can match :status ranges', () => {
    const { state } = rig({ retry_on: 'retriable-headers', retriable_headers: [{ name: ':status', range_match: { start: 520, end: 530 } }] });
    assert.equal(state!.wouldRetryFromHeaders(524, {}), 'retriable-headers');
    assert.equal(state!.wouldRetryFromHeaders(503, {}), null);
  });
});

describe('retry host predicate', () => {
  test('previous_hosts: tried hosts are picked again up to host_selection_retry_max_attempts', () => {
    const { state } = rig({ retry_on: '5xx', retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5' });
    const a = { priority: 0 };
    state!.onHostAttempted(a);
    assert.equal(state!.shouldSelectAnotherHost(a), true);
    assert.equal(state!.shouldSelectAnotherHost({ priority: 0 }), false);
    assert.equal(state!.hostSelectionAttempts, 6);
  });

  test('without the predicate any host may be picked again', () => {
    const { state } = rig({ retry_on: '5xx' });
    const a = { priority: 0 };
    state!.onHostAttempted(a);
    assert.equal(state!.shouldSelectAnotherHost(a), false);
    assert.equal(state!.hostSelectionAttempts, 1);
  });
});

describe('back-off', () => {
  test("Envoy's defaults: ceilings 25, 50, 100, 200, 250, 250 ms; value floor(u × ceiling)", () => {
    const b = new JitteredBackOff(25, 250, () => 0.999);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.nextBackOffMs()), [24, 49, 99, 199, 249, 249]);
    const half = new JitteredBackOff(25, 250, () => 0.5);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => half.nextBackOffMs()), [12, 25, 50, 100, 125]);
    const zero = new JitteredBackOff(25, 250, () => 0);
    assert.deepEqual([1, 2, 3].map(() => zero.nextBackOffMs()), [0, 0, 0]);
  });

  test('a configured retry_back_off: base 100 ms, max 300 ms → ceilings 100, 200, 300, 300', () => {
    const b = new JitteredBackOff(100, 300, () => 0.999);
    assert.deepEqual([1, 2, 3, 4].map(() => b.nextBackOffMs()), [99, 199, 299, 299]);
  });

  test('the retry state draws its back-off from the injected random and says so', () => {
    const { state } = rig({ retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '0.1s' } }, {}, { random: () => 0.25 });
    const d1 = state!.shouldRetryHeaders(503, {});
    assert.equal(d1.backoffMs, 25);
    assert.equal(d1.reason, 'retry 1 on 5xx (status 503), back-off 25 ms of [0, 100)');
    const d2 = state!.shouldRetryHeaders(503, {});
    assert.equal(d2.backoffMs, 50);
    assert.equal(d2.reason, 'retry 2 on 5xx (status 503), back-off 50 ms of [0, 200)');
  });
});

describe('hedging (shouldHedgeRetryPerTryTimeout)', () => {
  test('a per-try timeout asks for a retry whatever retry_on holds, within the retry limit and circuit breaker', () => {
    const { state, stats, active } = rig({ retry_on: 'retriable-4xx', num_retries: 1 });
    const d = state!.shouldHedgeRetryPerTryTimeout();
    assert.equal(d.status, 'yes');
    assert.match(d.reason, /^retry 1 on hedge_on_per_try_timeout \(per_try_timeout\)/);
    assert.equal(stats.retry.n, 1);
    assert.equal(active(), 1, 'the retry holds a slot of the retry circuit breaker');
    assert.equal(state!.shouldHedgeRetryPerTryTimeout().status, 'limit_exceeded');
    assert.equal(stats.limitExceeded.n, 1);
    const full = rig({ retry_on: '5xx', num_retries: 3 }, {}, { max: 0 });
    assert.equal(full.state!.shouldHedgeRetryPerTryTimeout().status, 'overflow');
  });
});
