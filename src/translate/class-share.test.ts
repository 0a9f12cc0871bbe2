import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushContext } from '../model/push-context.js';
import type { Proxy } from '../model/proxy.js';
import { byName, pushFrom, routerProxy, sidecarProxy } from './cluster/test-fixtures.js';
import { generateProxyEndpoints, generateProxyResources } from './generate.js';
import type { EnvoyJson, ProxyResources } from './generated.js';

const REGISTRY = `
service: reviews.bookinfo.svc.cluster.local
namespace: bookinfo
ports: [{name: http, port: 9080}]
---
endpoints: reviews.bookinfo.svc.cluster.local
port: 9080
items:
- {address: 10.0.0.1, labels: {app: reviews, version: v1}}
- {address: 10.0.0.2, labels: {app: reviews, version: v2}}
---
service: ratings.bookinfo.svc.cluster.local
namespace: bookinfo
ports: [{name: http, port: 9080}]
---
endpoints: ratings.bookinfo.svc.cluster.local
port: 9080
items:
- {address: 10.0.1.1, labels: {app: ratings, version: v1}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;

function sidecar(namespace: string, pod: string, labels: Record<string, string> = { app: pod }, ip = '10.9.0.1'): Proxy {
  return sidecarProxy({ id: `sidecar~${ip}~${pod}-abc.${namespace}~${namespace}.svc.cluster.local`, namespace, labels, ipAddresses: [ip], dnsDomain: `${namespace}.svc.cluster.local` });
}

/** The same generation with nothing shared: every resource compared by content. */
function plain(r: ProxyResources | EnvoyJson): unknown {
  return JSON.parse(JSON.stringify(r));
}

test('proxies of one namespace share their outbound clusters, routes and endpoints; their own listeners stay theirs', () => {
  const push = pushFrom(REGISTRY);
  const a = generateProxyResources(sidecar('default', 'sleep', { app: 'sleep' }, '10.9.0.1'), push);
  const b = generateProxyResources(sidecar('default', 'curl', { app: 'curl' }, '10.9.0.2'), push);
  assert.equal(byName(a.clusters, 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local'), byName(b.clusters, 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local'));
  assert.equal(a.routes[0], b.routes[0], 'route configuration 9080');
  assert.equal(a.endpoints, b.endpoints, 'one list of assignments for the class');
  // A third proxy of the namespace built without any sharing gets exactly the same content.
  assert.deepEqual(plain(generateProxyResources(sidecar('default', 'sleep', { app: 'sleep' }, '10.9.0.1'), pushFrom(REGISTRY))), plain(a));
});

test('clusters and assignments are shared across namespaces that resolve the same DestinationRule; routes are not (their short-name domains differ)', () => {
  const push = pushFrom(REGISTRY);
  const a = generateProxyResources(sidecar('default', 'sleep'), push);
  const b = generateProxyResources(sidecar('other', 'sleep'), push);
  const name = 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local';
  assert.equal(byName(a.clusters, name), byName(b.clusters, name));
  assert.equal(a.endpoints.find((e) => e.cluster_name === name), b.endpoints.find((e) => e.cluster_name === name));
  assert.equal(a.endpoints, b.endpoints, 'the same assignments: one list (the ADS server works per list)');
  assert.notEqual(a.routes[0], b.routes[0]);
});

test('a DestinationRule visible to one namespace only gives that namespace clusters of its own', () => {
  const push = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-local, namespace: default}
spec:
  host: ratings.bookinfo.svc.cluster.local
  exportTo: ['.']
  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}
`);
  const inDefault = byName(generateProxyResources(sidecar('default', 'sleep'), push).clusters, 'outbound|9080||ratings.bookinfo.svc.cluster.local');
  const inOther = byName(generateProxyResources(sidecar('other', 'sleep'), push).clusters, 'outbound|9080||ratings.bookinfo.svc.cluster.local');
  const maxConnections = (c: EnvoyJson): unknown => ((c.circuit_breakers as { thresholds: { max_connections?: number }[] } | undefined)?.thresholds[0]?.max_connections);
  assert.equal(maxConnections(inDefault), 7);
  assert.notEqual(maxConnections(inOther), 7);
});

test('with a VirtualService matching sourceLabels, workloads of one namespace with other labels get other routes', () => {
  const push = pushFrom(`${REGISTRY}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - match: [{sourceLabels: {app: productpage}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
`);
  const routesOf = (p: Proxy): string => JSON.stringify(generateProxyResources(p, push).routes);
  const productpage = routesOf(sidecar('default', 'productpage', { app: 'productpage' }));
  const sleep = routesOf(sidecar('default', 'sleep', { app: 'sleep' }));
  assert.ok(productpage.includes('outbound|9080|v2|reviews.bookinfo.svc.cluster.local'));
  assert.ok(!sleep.includes('outbound|9080|v2|reviews.bookinfo.svc.cluster.local'), 'the sourceLabels route is not for sleep');
});

test('routers of different deployments share nothing that depends on which Gateways select them', () => {
  const push = pushFrom(REGISTRY);
  const a = generateProxyResources(routerProxy({ labels: { istio: 'ingressgateway' } }), push);
  const b = generateProxyResources(routerProxy({ labels: { istio: 'egressgateway' }, ipAddresses: ['10.0.0.51'] }), push);
  const name = 'outbound|9080||ratings.bookinfo.svc.cluster.local';
  assert.notEqual(byName(a.clusters, name), byName(b.clusters, name));
  assert.deepEqual(plain(byName(a.clusters, name)), plain(byName(b.clusters, name)));
  assert.deepEqual(plain(a), plain(generateProxyResources(routerProxy({ labels: { istio: 'ingressgateway' } }), pushFrom(REGISTRY))));
});

test('an endpoints-only regeneration carries unchanged assignments over as they are and equals a full generation', () => {
  const before = pushFrom(REGISTRY);
  const proxy = sidecar('default', 'sleep');
  const previous = generateProxyResources(proxy, before);
  const moved = REGISTRY.replace('{address: 10.0.1.1, labels: {app: ratings, version: v1}}', '{address: 10.0.1.7, labels: {app: ratings, version: v1}}');
  const after: PushContext = pushFrom(moved);
  const carried = generateProxyEndpoints(proxy, after, previous, ['ratings.bookinfo.svc.cluster.local'])!;
  const reviews = 'outbound|9080||reviews.bookinfo.svc.cluster.local';
  const ratings = 'outbound|9080||ratings.bookinfo.svc.cluster.local';
  assert.equal(carried.find((e) => e.cluster_name === reviews), previous.endpoints.find((e) => e.cluster_name === reviews), 'reviews did not move: the same object');
  assert.ok(JSON.stringify(carried.find((e) => e.cluster_name === ratings)).includes('10.0.1.7'));
  assert.deepEqual(JSON.parse(JSON.stringify(carried)), JSON.parse(JSON.stringify(generateProxyResources(proxy, pushFrom(moved)).endpoints)));
  // Another proxy of the class, regenerated from the same list, gets the same list.
  assert.equal(generateProxyEndpoints(sidecar('default', 'curl', { app: 'curl' }, '10.9.0.2'), after, { ...previous }, ['ratings.bookinfo.svc.cluster.local']), carried);
  // Without the changed hosts, everything is rebuilt from the new snapshot.
  assert.notEqual(generateProxyEndpoints(proxy, after, previous)!.find((e) => e.cluster_name === reviews), previous.endpoints.find((e) => e.cluster_name === reviews));
});

test('an unchanged cluster, assignment and default route are the very same frozen objects in the next snapshot; changed ones are new', () => {
  const proxy = sidecar('default', 'sleep');
  const first = generateProxyResources(proxy, pushFrom(REGISTRY));
  const moved = REGISTRY.replace('{address: 10.0.1.1, labels: {app: ratings, version: v1}}', '{address: 10.0.1.7, labels: {app: ratings, version: v1}}');
  const next = generateProxyResources(proxy, pushFrom(moved));
  const reviews = 'outbound|9080||reviews.bookinfo.svc.cluster.local';
  const ratings = 'outbound|9080||ratings.bookinfo.svc.cluster.local';
  const assignment = (r: ProxyResources, name: string): EnvoyJson | undefined => r.endpoints.find((e) => e.cluster_name === name);
  assert.equal(byName(next.clusters, reviews), byName(first.clusters, reviews));
  assert.equal(byName(next.clusters, ratings), byName(first.clusters, ratings));
  assert.equal(assignment(next, reviews), assignment(first, reviews));
  assert.ok(Object.isFrozen(byName(first.clusters, reviews)) && Object.isFrozen(assignment(first, reviews)));
  // Ratings' endpoint moved: a new assignment with it, and the one sent before is as it was.
  assert.notEqual(assignment(next, ratings), assignment(first, ratings));
  assert.ok(JSON.stringify(assignment(next, ratings)).includes('10.0.1.7'));
  assert.ok(JSON.stringify(assignment(first, ratings)).includes('10.0.1.1'));
  const defaultRoute = (r: ProxyResources): unknown => ((r.routes.find((rc) => rc.name === '9080')!.virtual_hosts as EnvoyJson[])[0]!.routes as unknown[])[0];
  assert.equal(defaultRoute(next), defaultRoute(first));
  assert.deepEqual(plain(next), plain(generateProxyResources(sidecar('default', 'sleep'), pushFrom(moved))));
});

test('a snapshot derived for an endpoint update takes each class’s services in scope over from its base; other services are worked out anew', async () => {
  const { PushContext } = await import('../model/push-context.js');
  const { classShare, inheritClassScopes } = await import('./class-share.js');
  const registry = pushFrom(REGISTRY);
  const services = [...registry.services];
  const base = new PushContext({ configs: [], services, endpoints: registry.endpoints, mesh: registry.mesh, version: 'b' });
  const proxy = sidecar('default', 'sleep');
  const scope = classShare(proxy, base).services;
  const derived = new PushContext({ configs: [], services, endpoints: [], mesh: base.mesh, version: 'd', reuseConfigOf: base });
  inheritClassScopes(derived, base);
  assert.equal(classShare(proxy, derived).services, scope, 'the very same list');
  const other = new PushContext({ configs: [], services: services.slice(1), endpoints: [], mesh: base.mesh, version: 'o', reuseConfigOf: base });
  inheritClassScopes(other, base);
  assert.notEqual(classShare(proxy, other).services, scope);
  assert.equal(classShare(proxy, other).services.length, scope.length - 1);
});
