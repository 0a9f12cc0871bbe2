import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvoyJson } from '../generated.js';
import { carryOverEndpoints } from './carry-over.js';

const cla = (name: string, ip = '10.0.0.1'): EnvoyJson => ({ cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: 80 } } } }] }] });
const A = 'a.ns.svc.cluster.local';
const B = 'b.ns.svc.cluster.local';

test('only the changed service’s assignments (every subset and port) are rebuilt; the others are the same objects', () => {
  const previous = [cla(`outbound|80||${A}`), cla(`outbound|80|v1|${A}`), cla(`outbound|80||${B}`), cla(`outbound|90||${B}`), cla('static-name')];
  const asked: string[][] = [];
  const next = carryOverEndpoints(previous, new Set([B]), (names) => {
    asked.push(names);
    return names.map((n) => cla(n, '10.0.0.9'));
  });
  assert.deepEqual(asked, [[`outbound|80||${B}`, `outbound|90||${B}`]]);
  assert.deepEqual(next.map((e) => e.cluster_name), previous.map((e) => e.cluster_name));
  assert.equal(next[0], previous[0]);
  assert.equal(next[1], previous[1]);
  assert.equal(next[4], previous[4]);
  assert.ok(JSON.stringify(next[2]).includes('10.0.0.9') && JSON.stringify(next[3]).includes('10.0.0.9'));
});

test('a list carried over is carried over again (the index goes with it); no changed service: the very list', () => {
  const previous = [cla(`outbound|80||${A}`), cla(`outbound|80||${B}`)];
  const once = carryOverEndpoints(previous, new Set([A]), (names) => names.map((n) => cla(n, '10.0.0.2')));
  const twice = carryOverEndpoints(once, new Set([B]), (names) => names.map((n) => cla(n, '10.0.0.3')));
  assert.ok(JSON.stringify(twice[0]).includes('10.0.0.2'));
  assert.ok(JSON.stringify(twice[1]).includes('10.0.0.3'));
  assert.equal(carryOverEndpoints(twice, new Set(['other.ns.svc.cluster.local']), () => assert.fail('nothing to rebuild')), twice);
  // A name given to no service (not an outbound cluster) is its own key.
  const named = carryOverEndpoints([cla('static-name')], new Set(['static-name']), (names) => names.map((n) => cla(n, '10.0.0.4')));
  assert.ok(JSON.stringify(named[0]).includes('10.0.0.4'));
});
