import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAny, encodeAny } from '../proto/proto-json.js';
import { Fingerprints } from './fingerprints.js';
import { ResourceEncoder } from './resource-encoder.js';

const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

function vhost(name: string, cluster: string): Record<string, unknown> {
  return { name, domains: [name, `${name}:80`], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s' } }] };
}

function routeConfig(hosts: Record<string, unknown>[]): Record<string, unknown> {
  return { name: '80', virtual_hosts: hosts, validate_clusters: false, max_direct_response_body_size_bytes: 1048576 };
}

test('a route configuration packed from its virtual hosts decodes to exactly what encodeAny gives', () => {
  const fp = new Fingerprints();
  const enc = new ResourceEncoder((j) => fp.of(j));
  const rc = routeConfig([vhost('a.default.svc.cluster.local', 'outbound|80||a'), vhost('b.default.svc.cluster.local', 'outbound|80||b')]);
  const any = enc.encode(RDS, fp.of(rc), rc);
  assert.deepEqual(decodeAny(any), decodeAny(encodeAny({ '@type': RDS, ...rc } as never)));
  assert.equal(any.type_url, RDS);
});

test('virtual hosts are converted once by content, across route configurations and the next snapshot', () => {
  const fp = new Fingerprints();
  const enc = new ResourceEncoder((j) => fp.of(j));
  const a = vhost('a.default.svc.cluster.local', 'outbound|80||a');
  const one = routeConfig([a, vhost('b.default.svc.cluster.local', 'outbound|80||b')]);
  const anyOne = enc.encode(RDS, fp.of(one), one);
  // Another namespace's configuration shares virtual host a (a different object, same content).
  const two = routeConfig([{ ...a }, vhost('c.default.svc.cluster.local', 'outbound|80||c')]);
  const anyTwo = enc.encode(RDS, fp.of(two), two);
  assert.deepEqual((decodeAny(anyTwo).virtual_hosts as unknown[])[0], (decodeAny(anyOne).virtual_hosts as unknown[])[0]);
  // Unchanged content in the next snapshot: the very same Any comes back.
  enc.rotate();
  fp.rotate();
  const again = JSON.parse(JSON.stringify(one)) as Record<string, unknown>;
  assert.equal(enc.encode(RDS, fp.of(again), again), anyOne);
  // Two snapshots later it is converted anew (and still equal).
  enc.rotate();
  fp.rotate();
  enc.rotate();
  fp.rotate();
  const later = JSON.parse(JSON.stringify(one)) as Record<string, unknown>;
  const anyLater = enc.encode(RDS, fp.of(later), later);
  assert.notEqual(anyLater, anyOne);
  assert.deepEqual(decodeAny(anyLater), decodeAny(anyOne));
});

test('other types are packed whole, and a resource that does not convert throws naming the field', () => {
  const fp = new Fingerprints();
  const enc = new ResourceEncoder((j) => fp.of(j));
  const cluster = { name: 'c', type: 'EDS', connect_timeout: '10s' };
  assert.deepEqual(decodeAny(enc.encode(CDS, fp.of(cluster), cluster)), { '@type': CDS, ...cluster });
  const bad = routeConfig([{ name: 'x', domains: ['x'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timeout: 'soon' } }] }]);
  assert.throws(() => enc.encode(RDS, fp.of(bad), bad), /timeout/);
});

test('a virtual host whose route changed is converted anew, one that did not is reused, across snapshots', () => {
  const fp = new Fingerprints();
  const enc = new ResourceEncoder((j) => fp.of(j));
  // The generator hands out one frozen route object per content (snapshot-interner.ts).
  const shared = Object.freeze({ name: 'default', match: Object.freeze({ prefix: '/' }), route: Object.freeze({ cluster: 'outbound|80||b', timeout: '0s' }) });
  const b = (): Record<string, unknown> => ({ name: 'b', domains: ['b'], routes: [shared] });
  const one = routeConfig([vhost('a', 'outbound|80||a'), b()]);
  const anyOne = enc.encode(RDS, fp.of(one), one);
  enc.rotate();
  fp.rotate();
  const changed = routeConfig([vhost('a', 'outbound|80||a'), { ...b(), routes: [{ ...shared, route: { cluster: 'outbound|80||b', timeout: '5s' } }] }]);
  const key = fp.of(changed);
  assert.notEqual(key, fp.of(one));
  const anyChanged = enc.encode(RDS, key, changed);
  assert.deepEqual(decodeAny(anyChanged), decodeAny(encodeAny({ '@type': RDS, ...changed } as never)));
  assert.notDeepEqual(decodeAny(anyChanged), decodeAny(anyOne));
  // Back to the first content with new objects: the same bytes as the first time.
  const back = routeConfig([vhost('a', 'outbound|80||a'), b()]);
  assert.deepEqual(enc.encode(RDS, fp.of(back), back).value, anyOne.value);
});
