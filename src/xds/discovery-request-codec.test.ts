import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJson, encodeJson } from './proto/proto-json.js';
import { decodeDiscoveryRequest, encodeDiscoveryRequest } from './discovery-request-codec.js';
import type { DiscoveryRequestJson } from './ads-protocol.js';

const REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';

const CASES: [string, DiscoveryRequestJson][] = [
  ['initial with node', { node: { id: 'sidecar~10.0.0.1~a-1.default~default.svc.cluster.local', cluster: 'a.default', metadata: { NAMESPACE: 'default', LABELS: { app: 'a' } } }, type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster' }],
  ['ACK with names', { version_info: '7', resource_names: ['outbound|80||a.default.svc.cluster.local', 'outbound|80|v1|b.default.svc.cluster.local', 'ünïcode'], type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', response_nonce: 'abc-12' }],
  ['NACK', { version_info: '6', type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', response_nonce: 'abc-13', error_detail: { code: 3, message: 'Listener "x": bad' } }],
  ['a name that is empty', { resource_names: [''], type_url: 'x' }],
  ['many names', { resource_names: Array.from({ length: 3000 }, (_, i) => `outbound|8080||svc-${i}.ns-${i % 10}.svc.cluster.local`), type_url: 'y', response_nonce: 'n' }],
];

test('the hand codec and the generic proto3 JSON codec read each other\'s bytes the same way', () => {
  for (const [what, req] of CASES) {
    assert.deepEqual(decodeDiscoveryRequest(encodeDiscoveryRequest(req)), decodeJson(REQUEST, encodeJson(REQUEST, req)), `${what}: ours → ours vs generic → generic`);
    assert.deepEqual(decodeDiscoveryRequest(encodeJson(REQUEST, req)), decodeJson(REQUEST, encodeDiscoveryRequest(req)), `${what}: across codecs`);
  }
});

test('a name list re-sent with every ACK is encoded once', () => {
  const names = ['a', 'b'];
  const one = encodeDiscoveryRequest({ resource_names: names, response_nonce: '1' });
  const two = encodeDiscoveryRequest({ resource_names: names, response_nonce: '2' });
  assert.deepEqual(decodeDiscoveryRequest(two).resource_names, ['a', 'b']);
  assert.notDeepEqual(one, two);
});

test('truncated or malformed bytes are refused with a reason, never read past the end', () => {
  const good = encodeDiscoveryRequest({ resource_names: ['outbound|80||a'], type_url: 'x' });
  assert.throws(() => decodeDiscoveryRequest(good.subarray(0, good.length - 5)), /runs past the end/);
  assert.throws(() => decodeDiscoveryRequest(Buffer.from([0x1a, 0xff])), /truncated varint/);
  assert.throws(() => decodeDiscoveryRequest(Buffer.from([0x1b])), /unsupported wire type/);
});
