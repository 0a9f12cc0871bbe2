import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { finalTimeouts, formatGrpcTimeout, parseGrpcTimeout, setTimeoutHeaders } from './upstream-timeouts.js';
import type { HeaderMap } from '../http/header-map.js';

const route = (timeoutMs: number, maxGrpcTimeoutMs: number | null = null, grpcTimeoutOffsetMs: number | null = null) => ({ timeoutMs, maxGrpcTimeoutMs, grpcTimeoutOffsetMs });

describe('upstream timeouts', () => {
  test('route timeout and per_try_timeout; a per-try timeout not below the global one is ignored', () => {
    assert.deepEqual(finalTimeouts(route(3000), 1000, {}, false), { globalMs: 3000, perTryMs: 1000 });
    assert.deepEqual(finalTimeouts(route(1000), 1000, {}, false), { globalMs: 1000, perTryMs: 0 });
    assert.deepEqual(finalTimeouts(route(0), 1000, {}, false), { globalMs: 0, perTryMs: 1000 });
  });

  test('x-envoy-upstream-rq-timeout-ms and -per-try-timeout-ms override and are consumed', () => {
    const h: HeaderMap = { 'x-envoy-upstream-rq-timeout-ms': '500', 'x-envoy-upstream-rq-per-try-timeout-ms': '100', other: 'x' };
    assert.deepEqual(finalTimeouts(route(15000), 0, h, false), { globalMs: 500, perTryMs: 100 });
    assert.deepEqual(h, { other: 'x' });
    const bad: HeaderMap = { 'x-envoy-upstream-rq-timeout-ms': 'soon' };
    assert.deepEqual(finalTimeouts(route(15000), 0, bad, false), { globalMs: 15000, perTryMs: 0 });
    assert.deepEqual(bad, {});
  });

  test('gRPC: grpc-timeout capped by max_grpc_timeout (0 = infinity on both), minus grpc_timeout_offset', () => {
    assert.equal(finalTimeouts(route(0, 0), 0, { 'grpc-timeout': '2S' }, true).globalMs, 2000);
    assert.equal(finalTimeouts(route(0, 0), 0, {}, true).globalMs, 0);
    assert.equal(finalTimeouts(route(0, 1000), 0, { 'grpc-timeout': '2S' }, true).globalMs, 1000);
    assert.equal(finalTimeouts(route(0, 1000), 0, {}, true).globalMs, 1000);
    assert.equal(finalTimeouts(route(0, 0, 100), 0, { 'grpc-timeout': '500m' }, true).globalMs, 400);
    // Without max_grpc_timeout the route timeout applies, gRPC or not.
    assert.equal(finalTimeouts(route(700), 0, { 'grpc-timeout': '2S' }, true).globalMs, 700);
    assert.equal(finalTimeouts(route(700, 0), 0, { 'grpc-timeout': '2S' }, false).globalMs, 700);
  });

  test('grpc-timeout units', () => {
    assert.deepEqual(['1H', '2M', '3S', '40m', '5000u', '7000000n', '123456789m', 'x'].map(parseGrpcTimeout), [3_600_000, 120_000, 3000, 40, 5, 7, null, null]);
    assert.deepEqual([40, 99_999_999, 100_000_000, 6_000_000_000_000].map(formatGrpcTimeout), ['40m', '99999999m', '100000S', '1666666H']);
  });

  test('x-envoy-expected-rq-timeout-ms: the per-try timeout, else what is left of the global one', () => {
    const h1: Record<string, string | undefined> = {};
    setTimeoutHeaders(0, { globalMs: 3000, perTryMs: 1000 }, route(3000), h1, true, false);
    assert.equal(h1['x-envoy-expected-rq-timeout-ms'], '1000');
    const h2: Record<string, string | undefined> = {};
    setTimeoutHeaders(2500, { globalMs: 3000, perTryMs: 1000 }, route(3000), h2, true, false);
    assert.equal(h2['x-envoy-expected-rq-timeout-ms'], '500');
    const h3: Record<string, string | undefined> = {};
    setTimeoutHeaders(0, { globalMs: 0, perTryMs: 0 }, route(0), h3, true, false);
    assert.deepEqual(h3, {});
    const h4: Record<string, string | undefined> = {};
    setTimeoutHeaders(0, { globalMs: 250, perTryMs: 0 }, route(0, 0), h4, false, true);
    assert.deepEqual(h4, { 'grpc-timeout': '250m' });
  });
});
