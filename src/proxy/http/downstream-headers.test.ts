import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInternalAddress, lastAddressFromXff, mutateRequestHeaders } from './downstream-headers.js';
import type { DownstreamHeaderOptions } from './downstream-headers.js';
import type { HeaderMap } from './header-map.js';

const OPTS: DownstreamHeaderOptions = { useRemoteAddress: false, xffNumTrustedHops: 0, skipXffAppend: false, generateRequestId: true, preserveExternalRequestId: false, via: '' };

test('isInternalAddress: RFC 1918, loopback and fd00::/8, as Envoy', () => {
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '::1', 'fd00::2', '::ffff:10.0.0.1']) assert.equal(isInternalAddress(ip), true, ip);
  for (const ip of ['172.32.0.1', '172.15.0.1', '8.8.8.8', '203.0.113.9', 'fc00::1', 'fe80::1', '2001:db8::1']) assert.equal(isInternalAddress(ip), false, ip);
});

test('lastAddressFromXff: skips trusted hops from the right, rejects non-IPs', () => {
  assert.deepEqual(lastAddressFromXff('1.1.1.1', 0), { address: '1.1.1.1', single: true });
  assert.deepEqual(lastAddressFromXff('1.1.1.1, 2.2.2.2', 0), { address: '2.2.2.2', single: false });
  assert.deepEqual(lastAddressFromXff('1.1.1.1, 2.2.2.2', 1), { address: '1.1.1.1', single: false });
  assert.deepEqual(lastAddressFromXff('1.1.1.1', 1), { address: null, single: true });
  assert.deepEqual(lastAddressFromXff('unknown', 0), { address: null, single: true });
  assert.deepEqual(lastAddressFromXff(undefined, 0), { address: null, single: false });
  assert.deepEqual(lastAddressFromXff('2001:db8::1', 0), { address: '2001:db8::1', single: true });
});

test('mutateRequestHeaders: a non-loopback peer is appended as is; the edge strips and records', () => {
  const headers: HeaderMap = { 'x-envoy-retry-on': '5xx', 'x-envoy-decorator-operation': 'op', 'x-request-id': 'mine' };
  const r = mutateRequestHeaders(headers, { address: '203.0.113.5', port: 4000, tls: true }, { ...OPTS, useRemoteAddress: true }, ['x-secret']);
  assert.deepEqual(r, { internal: false, remoteAddress: '203.0.113.5', remotePort: 4000 });
  assert.equal(headers['x-forwarded-for'], '203.0.113.5');
  assert.equal(headers['x-forwarded-proto'], 'https');
  assert.equal(headers['x-envoy-external-address'], '203.0.113.5');
  assert.equal(headers['x-envoy-retry-on'], undefined);
  assert.equal(headers['x-envoy-decorator-operation'], undefined);
  assert.notEqual(headers['x-request-id'], 'mine');
});

test('mutateRequestHeaders: an internal peer keeps its headers and gets x-envoy-internal', () => {
  const headers: HeaderMap = { 'x-envoy-retry-on': '5xx', 'x-secret': 's' };
  const r = mutateRequestHeaders(headers, { address: '10.0.0.7', port: 1, tls: false }, { ...OPTS, useRemoteAddress: true, via: 'me' }, ['x-secret']);
  assert.equal(r.internal, true);
  assert.equal(headers['x-envoy-internal'], 'true');
  assert.equal(headers['x-forwarded-for'], '10.0.0.7');
  assert.equal(headers['x-secret'], 's');
  assert.equal(headers['via'], 'me');
  assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
});
