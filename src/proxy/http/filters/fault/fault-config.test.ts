import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../../../config/config-error.js';
import { compileRouteConfiguration } from '../../../router/route-table.js';
import { seededRandom } from '../../../router/test-support.js';
import { abortPercentage, abortStatus, compileHttpFault, compilePercent, delayDurationMs, delayPercentage, headerUint, percentEnabled } from './fault-config.js';
import type { FractionalPercent } from './fault-config.js';
import './fault-filter.js'; // registers the per-route parser

test('compileHttpFault: Istio’s shapes compile', () => {
  const s = compileHttpFault({
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    delay: { fixed_delay: '2s', percentage: { numerator: 100 } },
    abort: { http_status: 500, percentage: { numerator: 500000, denominator: 'MILLION' } },
  });
  assert.deepEqual(s.delay, { kind: 'fixed', ms: 2000, percentage: { numerator: 100, denominator: 100 } });
  assert.deepEqual(s.abort, { kind: 'http', status: 500, percentage: { numerator: 500000, denominator: 1_000_000 } });
  assert.equal(s.maxActiveFaults, null);
  const empty = compileHttpFault({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' });
  assert.equal(empty.delay, null);
  assert.equal(empty.abort, null);
  assert.deepEqual(compileHttpFault({ abort: { grpc_status: 14 } }).abort, { kind: 'grpc', status: 14, percentage: { numerator: 0, denominator: 100 } });
  assert.deepEqual(compileHttpFault({ delay: { header_delay: {}, percentage: { numerator: 50 } }, max_active_faults: 3 }).delay, { kind: 'header', percentage: { numerator: 50, denominator: 100 } });
  assert.equal(compileHttpFault({ max_active_faults: { value: 3 } }).maxActiveFaults, 3);
  // Sub-millisecond parts are dropped, as Envoy keeps whole milliseconds.
  assert.deepEqual(compileHttpFault({ delay: { fixed_delay: '0.0015s' } }).delay, { kind: 'fixed', ms: 1, percentage: { numerator: 0, denominator: 100 } });
});

test('compileHttpFault: bad input names the field', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ abort: { http_status: 600 } }, 'abort.http_status', /\[200, 600\)/],
    [{ abort: { http_status: 199 } }, 'abort.http_status', /\[200, 600\)/],
    [{ abort: { percentage: { numerator: 1 } } }, 'abort', /one of http_status, grpc_status or header_abort/],
    [{ abort: { http_status: 500, grpc_status: 2 } }, 'abort.grpc_status', /only one of/],
    [{ delay: { fixed_delay: '0s' } }, 'delay.fixed_delay', /greater than 0s/],
    [{ delay: { fixed_delay: 'soon' } }, 'delay.fixed_delay', /invalid duration/],
    [{ delay: { percentage: { numerator: 1 } } }, 'delay', /fixed_delay or header_delay/],
    [{ delay: { fixed_delay: '1s', percentage: { numerator: 1, denominator: 'THOUSAND' } } }, 'delay.percentage.denominator', /unknown value/],
    [{ abort: { http_status: 500 }, bogus: 1 }, 'bogus', /unknown field/],
    [{ headers: [{ name: 'x', safe_regex_match: { regex: '(' } }] }, 'headers[0].safe_regex_match', /./],
  ];
  for (const [json, path, reason] of cases) {
    assert.throws(
      () => compileHttpFault(json),
      (e: unknown) => e instanceof ProxyConfigError && e.path.startsWith(path) && reason.test(e.reason),
      `${JSON.stringify(json)} → ${path}`,
    );
  }
});

test('a route’s invalid fault config rejects its route configuration, naming the field', () => {
  const rc = (abort: unknown): unknown => ({
    name: 'r',
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort } } }] }],
  });
  assert.doesNotThrow(() => compileRouteConfiguration(rc({ http_status: 503, percentage: { numerator: 10 } })));
  assert.throws(
    () => compileRouteConfiguration(rc({ http_status: 700 })),
    (e: unknown) => e instanceof ProxyConfigError && /virtual_hosts\[0\]\.routes\[0\]\.typed_per_filter_config\.envoy\.filters\.http\.fault\.abort\.http_status/.test(e.path),
  );
});

test('percentEnabled: Envoy’s random % denominator < numerator, for each denominator', () => {
  const at = (r: number, p: FractionalPercent): boolean => percentEnabled(p, () => r);
  const half = compilePercent({ numerator: 50 }, 'p');
  assert.equal(at(0, half), true);
  assert.equal(at(0.4999, half), true);
  assert.equal(at(0.5, half), false);
  const tenK = compilePercent({ numerator: 1, denominator: 'TEN_THOUSAND' }, 'p');
  assert.equal(at(0.00009, tenK), true);
  assert.equal(at(0.0001, tenK), false);
  const million = compilePercent({ numerator: 1, denominator: 'MILLION' }, 'p');
  assert.equal(at(0.0000009, million), true);
  assert.equal(at(0.000001, million), false);
  assert.equal(at(0.999999, compilePercent({ numerator: 100 }, 'p')), true);
  assert.equal(at(0.999999, compilePercent({ numerator: 250 }, 'p')), true, 'a numerator above the denominator always fires');
  assert.equal(at(0, compilePercent(undefined, 'p')), false, 'unset percentage: 0%');
});

test('percentEnabled: 100 000 seeded draws land within 1% of the percentage', () => {
  for (const [p, want] of [[{ numerator: 50 }, 0.5], [{ numerator: 2500, denominator: 'TEN_THOUSAND' }, 0.25], [{ numerator: 10000, denominator: 'MILLION' }, 0.01]] as const) {
    const fp = compilePercent(p, 'p');
    const random = seededRandom(42);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (percentEnabled(fp, random)) hits++;
    assert.ok(Math.abs(hits / 100_000 - want) < 0.01, `${JSON.stringify(p)}: ${hits / 1000}%`);
  }
});

test('header controls: parsing as absl::SimpleAtoi, percentages capped by the config', () => {
  const table: [string | string[] | undefined, number | null][] = [
    ['250', 250], [' 250 ', 250], ['+7', 7], ['-1', null], ['1.5', null], ['abc', null], ['', null], [undefined, null], [['12', '13'], 12],
  ];
  for (const [v, want] of table) assert.equal(headerUint({ x: v }, 'x'), want, JSON.stringify(v));

  const headerDelay = compileHttpFault({ delay: { header_delay: {}, percentage: { numerator: 50 } } }).delay!;
  assert.equal(delayDurationMs(headerDelay, {}), null, 'no header, no delay');
  assert.equal(delayDurationMs(headerDelay, { 'x-envoy-fault-delay-request': '200' }), 200);
  assert.deepEqual(delayPercentage(headerDelay, {}), { numerator: 50, denominator: 100 });
  assert.deepEqual(delayPercentage(headerDelay, { 'x-envoy-fault-delay-request-percentage': '20' }), { numerator: 20, denominator: 100 });
  assert.deepEqual(delayPercentage(headerDelay, { 'x-envoy-fault-delay-request-percentage': '90' }), { numerator: 50, denominator: 100 }, 'capped');
  const fixedDelay = compileHttpFault({ delay: { fixed_delay: '1s', percentage: { numerator: 50 } } }).delay!;
  assert.equal(delayDurationMs(fixedDelay, { 'x-envoy-fault-delay-request': '5' }), 1000, 'fixed delays ignore the headers');
  assert.deepEqual(delayPercentage(fixedDelay, { 'x-envoy-fault-delay-request-percentage': '1' }), { numerator: 50, denominator: 100 });

  const headerAbort = compileHttpFault({ abort: { header_abort: {}, percentage: { numerator: 100 } } }).abort!;
  assert.equal(abortStatus(headerAbort, {}), null);
  assert.deepEqual(abortStatus(headerAbort, { 'x-envoy-fault-abort-request': '429' }), { http: 429, grpc: null });
  assert.equal(abortStatus(headerAbort, { 'x-envoy-fault-abort-request': '600' }), null, 'out of [200, 600)');
  assert.deepEqual(abortStatus(headerAbort, { 'x-envoy-fault-abort-request': '100', 'x-envoy-fault-abort-grpc-request': '14' }), { http: 200, grpc: 14 });
  assert.deepEqual(abortPercentage(headerAbort, { 'x-envoy-fault-abort-request-percentage': '30' }), { numerator: 30, denominator: 100 });
  const fixedAbort = compileHttpFault({ abort: { http_status: 503, percentage: { numerator: 10 } } }).abort!;
  assert.deepEqual(abortStatus(fixedAbort, { 'x-envoy-fault-abort-request': '429' }), { http: 503, grpc: null }, 'fixed aborts ignore the headers');
  assert.deepEqual(abortStatus(compileHttpFault({ abort: { grpc_status: 14 } }).abort!, {}), { http: 200, grpc: 14 });
});
