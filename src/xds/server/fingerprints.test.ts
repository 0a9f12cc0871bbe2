import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fingerprints } from './fingerprints.js';

type Json = Record<string, unknown>;

function route(cluster: string, extra: Json = {}): Json {
  return { name: 'default', match: { prefix: '/' }, decorator: { operation: `${cluster}/*` }, route: { cluster, timeout: '0s', ...extra } };
}

function vhost(name: string, routes: Json[], domains: string[] = [name]): Json {
  return { name, domains, routes, include_request_attempt_count: true };
}

function routeConfig(hosts: Json[]): Json {
  return { name: '80', virtual_hosts: hosts, validate_clusters: false };
}

const clone = (j: Json): Json => JSON.parse(JSON.stringify(j)) as Json;

const RC = routeConfig([vhost('a', [route('outbound|80||a'), route('outbound|80||a2')]), vhost('b', [route('outbound|80||b')], ['b', 'b.ns'])]);

test('equal content gets the very same fingerprint, however the objects are shared or copied', () => {
  const fp = new Fingerprints();
  const one = fp.of(RC);
  const copy = clone(RC);
  assert.equal(fp.of(copy), one);
  // The same route object in two virtual hosts, or a copy of it: no difference.
  const shared = route('outbound|80||x');
  assert.equal(fp.of(vhost('x', [shared, shared])), fp.of(vhost('x', [shared, clone(shared)])));
  // A virtual host gets the same fingerprint alone (as the encoder asks) and inside its route configuration.
  const fresh = new Fingerprints();
  const hostAlone = fresh.of(clone((RC.virtual_hosts as Json[])[1]!));
  const inConfig = clone(RC);
  fresh.of(inConfig);
  assert.equal(fresh.of((inConfig.virtual_hosts as Json[])[1]!), hostAlone);
});

test('any change inside a route changes its virtual host and route configuration fingerprints', () => {
  const fp = new Fingerprints();
  const base = fp.of(RC);
  const baseHost = fp.of((RC.virtual_hosts as Json[])[0]!);
  const variants: [string, (rc: Json) => void][] = [
    ['a route action field', (rc) => (first(rc).route = { ...(first(rc).route as Json), timeout: '1s' })],
    ['a hash policy', (rc) => (first(rc).route = { ...(first(rc).route as Json), hash_policy: [{ header: { header_name: 'x' } }] })],
    ['a nested match', (rc) => (first(rc).match = { prefix: '/api' })],
    ['the order of routes', (rc) => (routesOf(rc) as Json[]).reverse()],
    ['a route less', (rc) => (routesOf(rc) as Json[]).pop()],
    ['a domain', (rc) => ((rc.virtual_hosts as Json[])[0]!.domains = ['a', 'a.ns'])],
    ['a virtual host field', (rc) => ((rc.virtual_hosts as Json[])[0]!.include_request_attempt_count = false)],
  ];
  const seen = new Set([base]);
  for (const [what, change] of variants) {
    const rc = clone(RC);
    change(rc);
    const key = fp.of(rc);
    assert.notEqual(key, base, what);
    assert.equal(seen.has(key), false, `${what}: a fingerprint of its own`);
    seen.add(key);
    assert.notEqual(fp.of((rc.virtual_hosts as Json[])[0]!), baseHost, what);
    // The untouched virtual host keeps its fingerprint.
    assert.equal(fp.of((rc.virtual_hosts as Json[])[1]!), fp.of((RC.virtual_hosts as Json[])[1]!), what);
  }
});

test('unchanged content keeps its fingerprint in the next snapshot; a number never stands for two texts', () => {
  const fp = new Fingerprints();
  const first = fp.of(RC);
  fp.rotate();
  assert.equal(fp.of(clone(RC)), first);
  // Two snapshots without it: its parts may get new numbers, and other content never gets its old ones.
  fp.rotate();
  fp.rotate();
  const other = clone(RC);
  (routesOf(other) as Json[])[0] = route('outbound|80||other');
  const otherKey = fp.of(other);
  const again = fp.of(clone(RC));
  assert.notEqual(otherKey, first);
  assert.notEqual(otherKey, again);
  assert.equal(fp.of(clone(RC)), again);
});

test('a list with something other than objects is fingerprinted as its JSON, without throwing', () => {
  const fp = new Fingerprints();
  const a = fp.of({ name: 'x', domains: ['x'], routes: ['r1'] });
  assert.equal(a, fp.of({ name: 'x', domains: ['x'], routes: ['r1'] }));
  assert.notEqual(a, fp.of({ name: 'x', domains: ['x'], routes: ['r2'] }));
  assert.notEqual(fp.of(routeConfig([null as never])), fp.of(routeConfig([])));
});

test('other resources are their JSON', () => {
  const fp = new Fingerprints();
  const cluster = { name: 'c', type: 'EDS', routes: [{ not: 'a virtual host without domains' }] };
  assert.equal(fp.of(cluster), JSON.stringify(cluster));
});

function routesOf(rc: Json): unknown {
  return (rc.virtual_hosts as Json[])[0]!.routes;
}

function first(rc: Json): Json {
  return (routesOf(rc) as Json[])[0]!;
}
