import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { RetryGrpcOn, RetryOn, compileRetryPolicy, parseRetryOn, retryOnNames } from './retry-policy.js';

const PP_TYPE = 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig';

describe('retry policy', () => {
  test("Istio's default policy compiles to Envoy's semantics", () => {
    const p = compileRetryPolicy(
      {
        retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
        num_retries: 2,
        host_selection_retry_max_attempts: '5',
        retriable_status_codes: [503],
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      },
      'rp',
    );
    assert.deepEqual(retryOnNames(p.retryOn), ['connect-failure', 'refused-stream', 'retriable-status-codes', 'cancelled', 'unavailable']);
    assert.equal(p.numRetries, 2);
    assert.deepEqual(p.retriableStatusCodes, [503]);
    assert.equal(p.previousHosts, true);
    assert.equal(p.hostSelectionMaxAttempts, 5);
    assert.equal(p.baseIntervalMs, 25);
    assert.equal(p.maxIntervalMs, 250);
    assert.equal(p.perTryTimeoutMs, 0);
  });

  test('defaults: one retry, 25 ms base, max 10× base; per_try_timeout and back-off as configured', () => {
    const p = compileRetryPolicy({ retry_on: '5xx', per_try_timeout: '0.25s', retry_back_off: { base_interval: '0.1s' } }, 'rp');
    assert.equal(p.numRetries, 1);
    assert.equal(p.perTryTimeoutMs, 250);
    assert.equal(p.baseIntervalMs, 100);
    assert.equal(p.maxIntervalMs, 1000);
    assert.equal(p.previousHosts, false);
    assert.equal(p.hostSelectionMaxAttempts, 1);
  });

  test('retry_on: every Envoy condition parses; headers ignore unknown names, config refuses them', () => {
    const all = '5xx,gateway-error,reset,reset-before-request,connect-failure,envoy-ratelimited,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,http3-post-connect-failure,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable';
    const bits = parseRetryOn(all, 'x');
    assert.equal(retryOnNames(bits).length, 16);
    assert.equal(parseRetryOn(' 5xx , nonsense', null), RetryOn['5xx']);
    assert.equal(parseRetryOn('unavailable,5xx', null, true), RetryGrpcOn.unavailable);
    assert.throws(() => compileRetryPolicy({ retry_on: '5xx,5xxx' }, 'routes[0].route.retry_policy'), (e: unknown) => {
      assert.ok(e instanceof ProxyConfigError);
      assert.match(e.message, /routes\[0\]\.route\.retry_policy\.retry_on.*unknown retry condition "5xxx"/);
      return true;
    });
  });

  test("retry_priority previous_priorities: Istio's retryRemoteLocalities (update_frequency 2)", () => {
    const p = compileRetryPolicy({ retry_on: '5xx', retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': PP_TYPE, update_frequency: 2 } } }, 'rp');
    assert.equal(p.previousPrioritiesUpdateFrequency, 2);
    assert.equal(compileRetryPolicy({ retry_on: '5xx' }, 'rp').previousPrioritiesUpdateFrequency, 0);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['negative per_try_timeout', { per_try_timeout: '-1s' }, /rp\.per_try_timeout.*must not be negative/],
    ['zero base interval', { retry_back_off: { base_interval: '0s' } }, /rp\.retry_back_off\.base_interval.*greater than 0/],
    ['missing base interval', { retry_back_off: { max_interval: '1s' } }, /rp\.retry_back_off\.base_interval.*is required/],
    ['max below base', { retry_back_off: { base_interval: '1s', max_interval: '0.5s' } }, /rp\.retry_back_off\.max_interval.*greater than or equal to the base_interval/],
    ['status code out of range', { retriable_status_codes: [700] }, /rp\.retriable_status_codes\[0\].*700 is not an HTTP status code/],
    ['unknown host predicate', { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] }, /rp\.retry_host_predicate\[0\]\.name.*not supported/],
    ['per_try_idle_timeout', { per_try_idle_timeout: '1s' }, /rp\.per_try_idle_timeout/],
    ['negative num_retries', { num_retries: -1 }, /rp\.num_retries.*non-negative integer/],
    ['unknown retry priority', { retry_priority: { name: 'envoy.retry_priorities.other' } }, /rp\.retry_priority\.name.*not supported/],
    ['previous_priorities without config', { retry_priority: { name: 'envoy.retry_priorities.previous_priorities' } }, /rp\.retry_priority\.typed_config.*is required/],
    ['previous_priorities update_frequency 0', { retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': PP_TYPE, update_frequency: 0 } } }, /rp\.retry_priority\.typed_config\.update_frequency.*greater than 0/],
  ];
  for (const [name, json, re] of bad) {
    test(`bad input: ${name}`, () => {
      assert.throws(() => compileRetryPolicy({ retry_on: '5xx', ...json }, 'rp'), (e: unknown) => e instanceof ProxyConfigError && re.test(e.message));
    });
  }
});
