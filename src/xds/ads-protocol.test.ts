import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLUSTER_TYPE_URL, decodeResource, decodeResponse, encodeResponse, packForResponses } from './ads-protocol.js';
import { lookupType } from './proto/envoy-protos.js';
import { encodeAny } from './proto/proto-json.js';

const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

test('encodeResponse writes what protobufjs reads back, resource by resource, including resources over 16 KiB', () => {
  const small = encodeAny({ '@type': CLUSTER_TYPE_URL, name: 'outbound|80||a.default.svc.cluster.local', type: 'EDS' } as never);
  const big = encodeAny({ '@type': CLUSTER_TYPE_URL, name: 'big', type: 'STATIC', load_assignment: { cluster_name: 'big', endpoints: [{ lb_endpoints: Array.from({ length: 2000 }, (_, i) => ({ endpoint: { address: { socket_address: { address: `10.0.${i >> 8}.${i & 255}`, port_value: 8080 } } } })) }] } } as never);
  assert.ok(big.value.length > 16384);
  const resp = { version_info: '2026-12-07T01:00:00Z/42', resources: [small, big, small], type_url: CLUSTER_TYPE_URL, nonce: 'abc-1' };
  const bytes = encodeResponse(resp);
  const viaProtobufjs = lookupType(RESPONSE).decode(bytes) as unknown as { version_info: string; type_url: string; nonce: string; resources: { type_url: string; value: Uint8Array }[] };
  assert.equal(viaProtobufjs.version_info, resp.version_info);
  assert.equal(viaProtobufjs.type_url, CLUSTER_TYPE_URL);
  assert.equal(viaProtobufjs.nonce, 'abc-1');
  assert.deepEqual(viaProtobufjs.resources.map((r) => Buffer.from(r.value).equals(Buffer.from(resp.resources[viaProtobufjs.resources.indexOf(r)]!.value))), [true, true, true]);
  const decoded = decodeResponse(bytes);
  assert.deepEqual(decodeResource(decoded.resources[1]!, CLUSTER_TYPE_URL).name, 'big');
  assert.equal(bytes.length, Buffer.from(lookupType(RESPONSE).encode(resp).finish()).length, 'the same size as protobufjs encodes it');
});

test('an empty response carries no string fields of default value', () => {
  const bytes = encodeResponse({ version_info: '', resources: [], type_url: CLUSTER_TYPE_URL, nonce: '' });
  assert.deepEqual(decodeResponse(bytes), { version_info: '', resources: [], type_url: CLUSTER_TYPE_URL, nonce: '' });
});

test('an Any packed for responses keeps its bytes once: its value is a view into the response field', () => {
  const any = encodeAny({ '@type': CLUSTER_TYPE_URL, name: 'c', type: 'EDS' } as never);
  const packed = packForResponses(any);
  assert.ok(Buffer.from(packed.value).equals(Buffer.from(any.value)));
  const bytes = encodeResponse({ version_info: '1', resources: [packed], type_url: CLUSTER_TYPE_URL, nonce: 'n' });
  assert.equal(decodeResource(decodeResponse(bytes).resources[0]!, CLUSTER_TYPE_URL).name, 'c');
});
