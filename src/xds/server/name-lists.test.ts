import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDiscoveryRequest, encodeDiscoveryRequest } from '../discovery-request-codec.js';
import { NameLists, resolveNameList, type NameList } from './name-lists.js';

const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const names = Array.from({ length: 500 }, (_, i) => `outbound|8080||svc-${i}.ns-${i % 10}.svc.cluster.local`);

/** Decodes `bytes` as the server does for one stream, counting the lists it had to read. */
function stream(lists: NameLists): { decode(bytes: Buffer): readonly string[]; reads: number } {
  const last = new Map<string, NameList>();
  const s = {
    reads: 0,
    decode: (bytes: Buffer) =>
      decodeDiscoveryRequest(bytes, (typeUrl, raw, decode) =>
        resolveNameList(lists, last, typeUrl, raw, () => {
          s.reads++;
          return decode();
        }),
      ).resource_names ?? [],
  };
  return s;
}

test('an ACK with the names of the stream’s last request is not decoded again: the same list comes back', () => {
  const lists = new NameLists();
  const a = stream(lists);
  const first = a.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: names, response_nonce: '1' }));
  const ack = a.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: [...names], response_nonce: '2', version_info: '7' }));
  assert.deepEqual(first, names);
  assert.equal(ack, first, 'the very same list');
  assert.equal(a.reads, 1);
  assert.ok(Object.isFrozen(first), 'shared lists are frozen');
});

test('two streams asking for the same names share one list; other names get their own', () => {
  const lists = new NameLists();
  const a = stream(lists);
  const b = stream(lists);
  const fromA = a.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: names }));
  const fromB = b.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: [...names], response_nonce: 'x' }));
  assert.equal(fromB, fromA);
  assert.equal(a.reads + b.reads, 1);
  const other = b.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: names.slice(1) }));
  assert.deepEqual(other, names.slice(1));
  assert.notEqual(other, fromA);
  assert.equal(lists.size, 2);
});

test('names interrupted by another field (legal protobuf) are read one by one, resolver or not', () => {
  // resource_names "a", type_url "t", resource_names "b"
  const field = (n: number, s: string): Buffer => Buffer.concat([Buffer.from([(n << 3) | 2, s.length]), Buffer.from(s)]);
  const bytes = Buffer.concat([field(3, 'a'), field(4, 't'), field(3, 'b'), field(3, 'c')]);
  const lists = new NameLists();
  assert.deepEqual(stream(lists).decode(bytes), ['a', 'b', 'c']);
  assert.deepEqual(decodeDiscoveryRequest(bytes).resource_names, ['a', 'b', 'c']);
  assert.equal(lists.size, 0, 'nothing interned');
});

test('the same names under another type are that type’s own list on the stream', () => {
  const lists = new NameLists();
  const a = stream(lists);
  const eds = a.decode(encodeDiscoveryRequest({ type_url: EDS, resource_names: ['x', 'y'] }));
  const rds = a.decode(encodeDiscoveryRequest({ type_url: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', resource_names: ['x', 'y'] }));
  assert.deepEqual(rds, ['x', 'y']);
  assert.equal(rds, eds, 'equal bytes: one shared list, still read once');
  assert.equal(a.reads, 1);
});
