import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRequest, classifyRequest, newWatchedResource } from './watched-resource.js';
import type { RequestKind, WatchedResource } from './watched-resource.js';
import type { DiscoveryRequestJson } from '../ads-protocol.js';

const T = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

function sent(names: string[], nonce = 'n2'): WatchedResource {
  return { ...newWatchedResource(T, names), nonceSent: nonce, versionSent: 'v2' };
}

const cases: { name: string; watched: WatchedResource | undefined; req: DiscoveryRequestJson; want: RequestKind; respond: boolean }[] = [
  { name: 'first request of the type', watched: undefined, req: { type_url: T, resource_names: ['80'] }, want: 'initial', respond: true },
  { name: 'no nonce after responses (Envoy restarted the subscription)', watched: sent(['80']), req: { type_url: T, resource_names: ['80'] }, want: 'initial', respond: true },
  { name: 'nonce from a previous server, nothing sent here', watched: undefined, req: { type_url: T, response_nonce: 'old', version_info: 'v9', resource_names: ['80'] }, want: 'initial', respond: true },
  { name: 'nonce for a type subscribed but never answered', watched: newWatchedResource(T, ['80']), req: { type_url: T, response_nonce: 'old', resource_names: ['80'] }, want: 'initial', respond: true },
  { name: 'ACK of the last response', watched: sent(['80']), req: { type_url: T, response_nonce: 'n2', version_info: 'v2', resource_names: ['80'] }, want: 'ack', respond: false },
  { name: 'ACK with names in another order', watched: sent(['80', '8080']), req: { type_url: T, response_nonce: 'n2', resource_names: ['8080', '80'] }, want: 'ack', respond: false },
  { name: 'ACK with other names', watched: sent(['80']), req: { type_url: T, response_nonce: 'n2', resource_names: ['80', '9080'] }, want: 'ack-resubscribe', respond: true },
  { name: 'ACK dropping every name', watched: sent(['80']), req: { type_url: T, response_nonce: 'n2', resource_names: [] }, want: 'ack-resubscribe', respond: true },
  { name: 'stale nonce', watched: sent(['80']), req: { type_url: T, response_nonce: 'n1', resource_names: ['80', '9080'] }, want: 'stale', respond: false },
  { name: 'NACK of the last response', watched: sent(['80']), req: { type_url: T, response_nonce: 'n2', version_info: 'v1', error_detail: { code: 3, message: 'bad' } }, want: 'nack', respond: false },
  { name: 'NACK of an older response', watched: sent(['80']), req: { type_url: T, response_nonce: 'n1', error_detail: { code: 3, message: 'bad' } }, want: 'nack', respond: false },
];

for (const c of cases) {
  test(`classifyRequest: ${c.name} → ${c.want}`, () => {
    assert.deepEqual(classifyRequest(c.watched, c.req), { kind: c.want, respond: c.respond });
  });
}

test('applyRequest: an ACK records nonce, version and time and clears a NACK; a NACK keeps the ACKed nonce', () => {
  let wr = sent(['80']);
  const nack: DiscoveryRequestJson = { type_url: T, response_nonce: 'n2', version_info: 'v1', error_detail: { code: 3, message: 'route 80: bad' } };
  wr = applyRequest(wr, nack, classifyRequest(wr, nack), 10);
  assert.equal(wr.lastError, 'route 80: bad');
  assert.equal(wr.nonceNacked, 'n2');
  assert.equal(wr.nonceAcked, '');
  wr.nonceSent = 'n3';
  const ack: DiscoveryRequestJson = { type_url: T, response_nonce: 'n3', version_info: 'v3', resource_names: ['80'] };
  wr = applyRequest(wr, ack, classifyRequest(wr, ack), 20);
  assert.equal(wr.nonceAcked, 'n3');
  assert.equal(wr.versionAcked, 'v3');
  assert.equal(wr.lastAckTime, 20);
  assert.equal(wr.lastError, '');
  const stale: DiscoveryRequestJson = { type_url: T, response_nonce: 'n1', resource_names: ['x'] };
  wr = applyRequest(wr, stale, classifyRequest(wr, stale), 30);
  assert.deepEqual(wr.names, ['80'], 'a stale request changes nothing');
});
