import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedResponses } from './shared-responses.js';

const any = (n: number): { type_url: string; value: Uint8Array } => ({ type_url: 't', value: new Uint8Array([n]) });

test('the same resources, version and type are one response: one nonce, encoded once', () => {
  const shared = new SharedResponses(1024);
  const [a, b] = [any(1), any(2)];
  let nonces = 0;
  let encodes = 0;
  const make = (): string => `n${++nonces}`;
  const encode = (nonce: string): Buffer => (encodes++, Buffer.from(nonce));
  const one = shared.response('v1', 'cds', [a, b], make, encode);
  const two = shared.response('v1', 'cds', [a, b], make, encode);
  assert.equal(one.nonce, two.nonce);
  assert.equal(one.bytes(), two.bytes());
  assert.equal(encodes, 1);
  // Another list, version or type is another response.
  assert.notEqual(shared.response('v1', 'cds', [b, a], make, encode).nonce, one.nonce);
  assert.notEqual(shared.response('v2', 'cds', [a, b], make, encode).nonce, one.nonce);
  assert.notEqual(shared.response('v1', 'eds', [a, b], make, encode).nonce, one.nonce);
  // A new snapshot starts afresh.
  shared.reset();
  assert.notEqual(shared.response('v1', 'cds', [a, b], make, encode).nonce, one.nonce);
});

test('bytes are kept up to the bound, oldest dropped first; the nonce stays', () => {
  const shared = new SharedResponses(10);
  let encodes = 0;
  const encode = (): Buffer => (encodes++, Buffer.alloc(6));
  const [a, b, c] = [any(1), any(2), any(3)];
  shared.response('v', 't', [a], () => 'first', encode).bytes();
  shared.response('v', 't', [b], () => 'second', encode).bytes();
  shared.response('v', 't', [c], () => 'third', encode).bytes();
  assert.equal(encodes, 3);
  // The first response's bytes were dropped to stay within 10 bytes: encoded again, same nonce.
  const firstAgain = shared.response('v', 't', [a], () => 'other', encode);
  assert.equal(firstAgain.nonce, 'first');
  firstAgain.bytes();
  assert.equal(encodes, 4);
});
