import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prioritySetOf } from '../lb/lb-test-helpers.js';
import { HostMonitor } from './host-monitor.js';
import type { EjectionType, MonitorOwner } from './host-monitor.js';
import { grpcToHttpStatus, reportHeaders, reportTrailers } from './report-response.js';

function monitor() {
  const seen: EjectionType[] = [];
  const owner: MonitorOwner = { consecutive5xx: 2, consecutiveGatewayFailure: 2, consecutiveLocalOriginFailure: 5, splitExternalLocalOriginErrors: false, onConsecutiveError: (_m, t) => seen.push(t) };
  return { m: new HostMonitor(owner, prioritySetOf([{}]).hosts[0]!), seen };
}

test('plain HTTP: the status is reported on the headers', () => {
  const { m, seen } = monitor();
  assert.equal(reportHeaders(m, 503, {}, false), false);
  assert.equal(reportHeaders(m, 502, { 'content-type': 'text/plain' }, true), false);
  assert.deepEqual(seen, ['CONSECUTIVE_GATEWAY_FAILURE', 'CONSECUTIVE_5XX']);
});

test('gRPC: grpc-status UNAVAILABLE (14) counts as 503, from trailers-only headers or from trailers', () => {
  const { m, seen } = monitor();
  assert.equal(reportHeaders(m, 200, { 'content-type': 'application/grpc', 'grpc-status': '14' }, true), false);
  assert.equal(m.consecutive5xx, 1);
  assert.equal(reportHeaders(m, 200, { 'content-type': 'application/grpc+proto' }, false), true, 'waits for the trailers');
  assert.equal(m.consecutive5xx, 1);
  reportTrailers(m, { 'grpc-status': '14' });
  assert.deepEqual(seen, ['CONSECUTIVE_GATEWAY_FAILURE', 'CONSECUTIVE_5XX']);
  reportTrailers(m, { 'grpc-status': '0' });
  assert.equal(m.consecutive5xx, 0, 'OK resets');
});

test("Envoy's grpcToHttpStatus table", () => {
  assert.deepEqual([0, 1, 4, 8, 12, 13, 14, 16, 99].map(grpcToHttpStatus), [200, 499, 504, 429, 501, 500, 503, 401, 500]);
});
