import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import type { EndpointGenerator } from '../../translate/generated.js';
import { AdsServer } from './ads-server.js';
import type { Connection } from './connection.js';
import { configStatus, syncStatusOf } from './proxy-status.js';
import { AdsTestClient, testNode } from './testing/ads-test-client.js';
import { assignment, edsCluster, FakeGenerator, pushContext, rdsListener, routeTo } from './testing/fake-generator.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../ads-protocol.js';
import { encodeJson } from '../proto/proto-json.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(version = 'v1', endpointGenerator?: EndpointGenerator): Promise<{ server: AdsServer; gen: FakeGenerator; logs: string[]; client(pod?: string): AdsTestClient }> {
  const gen = new FakeGenerator();
  gen.set({
    clusters: [edsCluster('outbound|80||a.default.svc.cluster.local'), edsCluster('outbound|80||b.default.svc.cluster.local')],
    endpoints: [assignment('outbound|80||a.default.svc.cluster.local', [8001]), assignment('outbound|80||b.default.svc.cluster.local', [8002])],
    listeners: [rdsListener('http', '80')],
    routes: [routeTo('80', 'outbound|80||a.default.svc.cluster.local'), routeTo('8080', 'outbound|80||b.default.svc.cluster.local')],
  });
  const logs: string[] = [];
  const server = new AdsServer({ generator: gen.generate, ...(endpointGenerator !== undefined && { endpointGenerator }), log: (l) => logs.push(l) });
  server.setPushContext(pushContext(version));
  await server.start('127.0.0.1', 0);
  cleanup.push(() => server.stop());
  return {
    server,
    gen,
    logs,
    client: (pod = 'app-1') => {
      const c = new AdsTestClient(server.port);
      cleanup.push(() => c.close());
      return c;
    },
  };
}

function only(server: AdsServer): Connection {
  assert.equal(server.connections.size, 1);
  return [...server.connections][0]!;
}

async function eventually(f: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('answers CDS with every cluster, version = push version; the ACK is recorded and not answered', async () => {
  const { server, client } = await setup('v1');
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  const r = await c.next();
  assert.equal(r.typeUrl, CLUSTER_TYPE_URL);
  assert.equal(r.versionInfo, 'v1');
  assert.deepEqual(r.names, ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local']);
  assert.notEqual(r.nonce, '');
  const con = only(server);
  assert.equal(con.displayId, 'app-1.default');
  assert.equal(configStatus(syncStatusOf(con, 'i').resources?.[CLUSTER_TYPE_URL]), 'STALE');
  c.ack(r);
  await eventually(() => con.watched.get(CLUSTER_TYPE_URL)?.nonceAcked === r.nonce, 'the ACK');
  assert.deepEqual(await c.quiet(), [], 'an ACK gets no response');
  const st = syncStatusOf(con, 'istiod-1');
  assert.equal(st.cluster_sent, r.nonce);
  assert.equal(st.cluster_acked, r.nonce);
  assert.equal(configStatus(st.resources?.[CLUSTER_TYPE_URL]), 'SYNCED');
  assert.equal(configStatus(st.resources?.[LISTENER_TYPE_URL]), 'NOT SENT');
});

test('every response gets a new nonce, and the resources convert to Envoy protos', async () => {
  const { server, client } = await setup();
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  const r1 = await c.next();
  c.send({ type_url: LISTENER_TYPE_URL });
  const r2 = await c.next();
  c.send({ type_url: ROUTE_TYPE_URL, resource_names: ['80'] });
  const r3 = await c.next();
  assert.equal(new Set([r1.nonce, r2.nonce, r3.nonce]).size, 3);
  for (const l of r2.resources) encodeJson('envoy.config.listener.v3.Listener', l);
  for (const x of r3.resources) encodeJson('envoy.config.route.v3.RouteConfiguration', x);
  assert.equal(only(server).proxy?.namespace, 'default');
});

test('a NACK records error_detail, gets no response, and the type shows NACK until a later ACK', async () => {
  const { server, gen, client, logs } = await setup('v1');
  const c = client();
  c.send({ node: testNode('app-1'), type_url: LISTENER_TYPE_URL });
  const r1 = await c.next();
  c.nack(r1, 'Listener "http": bad field');
  const con = only(server);
  await eventually(() => con.watched.get(LISTENER_TYPE_URL)?.lastError !== '', 'the NACK');
  assert.deepEqual(await c.quiet(), [], 'a NACK gets no response (the server keeps serving what it has)');
  const rs = syncStatusOf(con, 'i').resources?.[LISTENER_TYPE_URL];
  assert.equal(configStatus(rs), 'NACK');
  assert.equal(rs?.lastError, 'Listener "http": bad field');
  assert.ok(logs.some((l) => l.includes('NACK') && l.includes('bad field')));

  gen.set({ listeners: [rdsListener('http', '8080')] });
  server.setPushContext(pushContext('v2'));
  await server.pushConnection(con, { full: true });
  const r2 = await c.next();
  assert.equal(r2.versionInfo, 'v2');
  c.ack(r2);
  await eventually(() => con.watched.get(LISTENER_TYPE_URL)?.nonceAcked === r2.nonce, 'the ACK');
  const after = syncStatusOf(con, 'i').resources?.[LISTENER_TYPE_URL];
  assert.equal(configStatus(after), 'SYNCED');
  assert.equal(after?.lastError, undefined);
});

test('a request with a stale nonce is ignored: no response and no subscription change', async () => {
  const { server, client } = await setup('v1');
  const c = client();
  c.send({ node: testNode('app-1'), type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  const r1 = await c.next();
  // A push goes out before the proxy answered r1.
  const con = only(server);
  server.setPushContext(pushContext('v2'));
  await server.pushConnection(con, { full: true, forced: true });
  const r2 = await c.next();
  assert.notEqual(r1.nonce, r2.nonce);
  // The proxy now asks for b too, but with r1's nonce: stale, so ignored.
  c.send({ type_url: ENDPOINT_TYPE_URL, response_nonce: r1.nonce, version_info: 'v1', resource_names: ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local'] });
  assert.deepEqual(await c.quiet(), []);
  assert.deepEqual(con.watched.get(ENDPOINT_TYPE_URL)?.names, ['outbound|80||a.default.svc.cluster.local']);
  assert.equal(con.watched.get(ENDPOINT_TYPE_URL)?.nonceAcked, '');
  // Its ACK of r2 carries the new names: a subscription change, answered with both.
  c.send({ type_url: ENDPOINT_TYPE_URL, response_nonce: r2.nonce, version_info: 'v2', resource_names: ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local'] });
  const r3 = await c.next();
  assert.deepEqual(r3.names, ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local']);
});

test('RDS and EDS answer exactly the names asked for, with empty placeholders for unknown names', async () => {
  const { client } = await setup();
  const c = client();
  c.send({ node: testNode('app-1'), type_url: ROUTE_TYPE_URL, resource_names: ['8080'] });
  const rds = await c.next();
  assert.deepEqual(rds.names, ['8080']);
  c.send({ type_url: ROUTE_TYPE_URL, response_nonce: rds.nonce, version_info: rds.versionInfo, resource_names: ['8080', '80', '9999'] });
  const rds2 = await c.next();
  assert.deepEqual(rds2.names, ['8080', '80', '9999']);
  assert.deepEqual(rds2.resources[2], { name: '9999' }, 'an unknown route name gets an empty RouteConfiguration');
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||b.default.svc.cluster.local', 'outbound|80||gone.default.svc.cluster.local'] });
  const eds = await c.next();
  assert.deepEqual(eds.names, ['outbound|80||b.default.svc.cluster.local', 'outbound|80||gone.default.svc.cluster.local']);
  assert.deepEqual(eds.resources[1], { cluster_name: 'outbound|80||gone.default.svc.cluster.local' }, 'an unknown cluster gets an empty ClusterLoadAssignment');
  // Same names again with the current nonce: a plain ACK, no response.
  c.ack(eds, eds.names);
  assert.deepEqual(await c.quiet(), []);
});

test('a push sends only the types whose resources changed, in CDS, EDS, LDS, RDS order', async () => {
  const { server, gen, client } = await setup('v1');
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  const cds = await c.next();
  c.ack(cds);
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: cds.names });
  c.ack(await c.next(ENDPOINT_TYPE_URL), cds.names);
  c.send({ type_url: LISTENER_TYPE_URL });
  c.ack(await c.next(LISTENER_TYPE_URL));
  c.send({ type_url: ROUTE_TYPE_URL, resource_names: ['80'] });
  c.ack(await c.next(ROUTE_TYPE_URL), ['80']);
  const con = only(server);

  // Nothing changed: a full push sends nothing.
  server.setPushContext(pushContext('v2'));
  await server.pushConnection(con, { full: true });
  assert.deepEqual(await c.quiet(50), []);

  // Only route 80 changed.
  gen.set({ routes: [routeTo('80', 'outbound|80||b.default.svc.cluster.local'), routeTo('8080', 'outbound|80||b.default.svc.cluster.local')] });
  server.setPushContext(pushContext('v3'));
  await server.pushConnection(con, { full: true });
  const pushed = await c.next();
  assert.equal(pushed.typeUrl, ROUTE_TYPE_URL);
  assert.equal(pushed.versionInfo, 'v3');
  assert.deepEqual(await c.quiet(50), []);

  // Everything changed: all four, in Istio's push order.
  gen.set({
    clusters: [edsCluster('outbound|80||c.default.svc.cluster.local')],
    endpoints: [assignment('outbound|80||a.default.svc.cluster.local', [9001]), assignment('outbound|80||b.default.svc.cluster.local', [9002])],
    listeners: [rdsListener('http', '80', 1)],
    routes: [routeTo('80', 'outbound|80||a.default.svc.cluster.local')],
  });
  server.setPushContext(pushContext('v4'));
  await server.pushConnection(con, { full: true });
  const order = [(await c.next()).typeUrl, (await c.next()).typeUrl, (await c.next()).typeUrl, (await c.next()).typeUrl];
  assert.deepEqual(order, [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL]);
});

test('an endpoint-only push sends EDS alone, and skips proxies not watching the changed services', async () => {
  const { server, gen, client } = await setup('v1');
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  c.ack(await c.next(), ['outbound|80||a.default.svc.cluster.local']);
  const con = only(server);
  // Clusters and endpoints both differ in the new push; an endpoint-only change sends EDS only.
  gen.set({
    clusters: [edsCluster('outbound|80||z.default.svc.cluster.local')],
    endpoints: [assignment('outbound|80||a.default.svc.cluster.local', [8001, 8003]), assignment('outbound|80||b.default.svc.cluster.local', [8004])],
  });
  server.setPushContext(pushContext('v2'));
  await server.pushConnection(con, { full: false, endpointsOnlyFor: ['b.default.svc.cluster.local'] });
  assert.deepEqual(await c.quiet(50), [], 'the proxy watches no endpoints of b');
  await server.pushConnection(con, { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  const eds = await c.next();
  assert.equal(eds.typeUrl, ENDPOINT_TYPE_URL);
  assert.deepEqual(eds.resources[0], assignment('outbound|80||a.default.svc.cluster.local', [8001, 8003]));
  assert.deepEqual(await c.quiet(50), [], 'CDS is not pushed for an endpoint-only change');
});

test('an endpoint-only push regenerates endpoints alone, for the clusters the proxy was last given', async () => {
  const asked: string[][] = [];
  const endpointGenerator: EndpointGenerator = (_proxy, push, previous) => {
    asked.push(previous.clusters.map((c) => String(c.name)));
    return [assignment('outbound|80||a.default.svc.cluster.local', [Number(push.version.slice(1)) + 9000])];
  };
  const { server, gen, client } = await setup('v1', endpointGenerator);
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  c.ack(await c.next(), ['outbound|80||a.default.svc.cluster.local']);
  assert.equal(gen.calls, 1);
  server.setPushContext(pushContext('v7'));
  await server.pushConnection(only(server), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  const eds = await c.next();
  assert.deepEqual(eds.resources[0], assignment('outbound|80||a.default.svc.cluster.local', [9007]));
  assert.equal(gen.calls, 1, 'no full generation for an endpoint-only push');
  assert.deepEqual(asked, [['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local']]);
  // A later full push generates everything again.
  server.setPushContext(pushContext('v8'));
  await server.pushConnection(only(server), { full: true });
  assert.equal(gen.calls, 2);
});

test('a push of EDS or RDS carries only the resources that changed; CDS and LDS always come complete', async () => {
  const { server, gen, client } = await setup('v1');
  const names = ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local'];
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: names });
  assert.deepEqual((await c.next(ENDPOINT_TYPE_URL)).names, names, 'a (re)subscription is answered with every name');
  c.send({ type_url: ROUTE_TYPE_URL, resource_names: ['80', '8080'] });
  c.ack(await c.next(ROUTE_TYPE_URL), ['80', '8080']);
  const con = only(server);

  gen.set({
    clusters: [edsCluster(names[0]!), edsCluster(names[1]!), edsCluster('outbound|80||c.default.svc.cluster.local')],
    endpoints: [assignment(names[0]!, [8001]), assignment(names[1]!, [8009])],
    routes: [routeTo('80', names[0]!), routeTo('8080', names[0]!)],
  });
  server.setPushContext(pushContext('v2'));
  await server.pushConnection(con, { full: true });
  const cds = await c.next();
  assert.equal(cds.typeUrl, CLUSTER_TYPE_URL);
  assert.equal(cds.names.length, 3, 'CDS: the whole set');
  const eds = await c.next();
  assert.equal(eds.typeUrl, ENDPOINT_TYPE_URL);
  assert.deepEqual(eds.names, [names[1]], 'EDS: only the assignment that changed');
  const rds = await c.next();
  assert.equal(rds.typeUrl, ROUTE_TYPE_URL);
  assert.deepEqual(rds.names, ['8080'], 'RDS: only the route configuration that changed');
  assert.deepEqual(await c.quiet(50), []);
  // What the proxy has is still every name (proxy-status and config dumps read it).
  assert.deepEqual(con.sent.get(ENDPOINT_TYPE_URL)?.resources.map((r) => r.name), names);
});

test('proxies that watch the same names and were sent the same share one name list, one record of what was sent and one nonce', async () => {
  const { server, gen } = await setup('v1');
  const names = ['outbound|80||a.default.svc.cluster.local', 'outbound|80||b.default.svc.cluster.local'];
  const clients = [1, 2].map(() => {
    const c = new AdsTestClient(server.port);
    cleanup.push(() => c.close());
    return c;
  });
  for (const [i, c] of clients.entries()) {
    c.send({ node: testNode(`app-${i}`), type_url: ENDPOINT_TYPE_URL, resource_names: [...names] });
    c.ack(await c.next(ENDPOINT_TYPE_URL), [...names]);
  }
  await eventually(() => [...server.connections].every((con) => con.watched.get(ENDPOINT_TYPE_URL)?.nonceAcked !== ''), 'both ACKs');
  const [one, two] = [...server.connections];
  assert.equal(one!.watched.get(ENDPOINT_TYPE_URL)!.names, two!.watched.get(ENDPOINT_TYPE_URL)!.names, 'one name list');

  gen.set({ endpoints: [assignment(names[0]!, [8001]), assignment(names[1]!, [8009])] });
  server.setPushContext(pushContext('v2'));
  for (const con of [one!, two!]) await server.pushConnection(con, { full: false });
  const pushed = await Promise.all(clients.map((c) => c.next(ENDPOINT_TYPE_URL)));
  assert.deepEqual(pushed.map((r) => r.names), [[names[1]], [names[1]]], 'each gets only the changed assignment');
  assert.equal(pushed[0]!.nonce, pushed[1]!.nonce, 'one response, encoded once');
  assert.equal(one!.sent.get(ENDPOINT_TYPE_URL)!.resources, two!.sent.get(ENDPOINT_TYPE_URL)!.resources, 'one record of what was sent');
  assert.deepEqual(one!.sent.get(ENDPOINT_TYPE_URL)!.resources.map((r) => r.name), names);
});

test('an endpoint-only push tells the endpoint generator every host that moved since the proxy was last generated', async () => {
  const told: (readonly string[] | undefined)[] = [];
  const endpointGenerator: EndpointGenerator = (_proxy, _push, previous, changedHosts) => {
    told.push(changedHosts);
    return previous.endpoints;
  };
  const { server, client } = await setup('v1', endpointGenerator);
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  c.ack(await c.next(), ['outbound|80||a.default.svc.cluster.local']);
  const con = only(server);
  // The proxy watches nothing of b: skipped, so its resources stay those of v1.
  server.setPushContext(pushContext('v2'), { full: false, endpointsOnlyFor: ['b.default.svc.cluster.local'] });
  await server.pushConnection(con, { full: false, endpointsOnlyFor: ['b.default.svc.cluster.local'] });
  server.setPushContext(pushContext('v3'), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  await server.pushConnection(con, { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  assert.deepEqual(told, [['b.default.svc.cluster.local', 'a.default.svc.cluster.local']], 'b moved too since v1: its assignments cannot be carried over');
  // After a full change in between, nothing is known to be unchanged.
  server.setPushContext(pushContext('v4'), { full: true });
  server.setPushContext(pushContext('v5'), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  await server.pushConnection(con, { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  assert.deepEqual(told.at(-1), undefined);
});

test('the generator runs once per connection per PushContext', async () => {
  const { server, gen, client } = await setup();
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  await c.next();
  c.send({ type_url: LISTENER_TYPE_URL });
  await c.next();
  c.send({ type_url: ROUTE_TYPE_URL, resource_names: ['80'] });
  await c.next();
  assert.equal(gen.calls, 1);
  assert.equal(gen.proxies[0]?.id, 'sidecar~10.0.0.1~app-1.default~default.svc.cluster.local');
  server.setPushContext(pushContext());
  await server.pushConnection(only(server), { full: true });
  assert.equal(gen.calls, 2);
});

test('a node without identity is refused with INVALID_ARGUMENT saying why', async () => {
  const { server, client } = await setup();
  const c1 = client();
  c1.send({ type_url: CLUSTER_TYPE_URL });
  const s1 = await c1.ended();
  assert.equal(s1.code, grpc.status.INVALID_ARGUMENT);
  assert.match(s1.details, /must carry the node/);
  const c2 = client();
  c2.send({ node: { id: 'just-a-name' }, type_url: CLUSTER_TYPE_URL });
  const s2 = await c2.ended();
  assert.equal(s2.code, grpc.status.INVALID_ARGUMENT);
  assert.match(s2.details, /TYPE~IP~POD\.NAMESPACE~NAMESPACE\.svc\.cluster\.local.*no NAMESPACE/);
  // An unparseable id with a NAMESPACE in the metadata is accepted.
  const c3 = client();
  c3.send({ node: { id: 'my-proxy', metadata: { NAMESPACE: 'ns1', NAME: 'my-proxy' } }, type_url: CLUSTER_TYPE_URL });
  await c3.next();
  assert.equal(only(server).displayId, 'my-proxy.ns1');
});

test('before the first PushContext, streams are refused with UNAVAILABLE', async () => {
  const gen = new FakeGenerator();
  const server = new AdsServer({ generator: gen.generate });
  await server.start('127.0.0.1', 0);
  cleanup.push(() => server.stop());
  const c = new AdsTestClient(server.port);
  cleanup.push(() => c.close());
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  const s = await c.ended();
  assert.equal(s.code, grpc.status.UNAVAILABLE);
  assert.match(s.details, /not ready/);
});

test('a generator failure ends that stream with INTERNAL; a closed stream leaves the connection set', async () => {
  const { server, gen, client } = await setup();
  gen.throwFor = 'broken';
  const bad = client();
  bad.send({ node: testNode('broken-1'), type_url: CLUSTER_TYPE_URL });
  assert.equal((await bad.ended()).code, grpc.status.INTERNAL);
  const good = client();
  good.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  await good.next();
  await eventually(() => server.connections.size === 1, 'only the good connection');
  good.close();
  await eventually(() => server.connections.size === 0, 'the closed connection to go');
});

test('unsupported types are ignored without closing the stream', async () => {
  const { server, client } = await setup();
  const c = client();
  c.send({ node: testNode('app-1'), type_url: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig', resource_names: ['x'] });
  assert.deepEqual(await c.quiet(50), []);
  c.send({ type_url: CLUSTER_TYPE_URL });
  await c.next();
  assert.equal(c.status, undefined);
  assert.equal(server.connections.size, 1);
});

test('leaves no sockets, servers or timers behind', async () => {
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Timeout/.test(r));
  for (let i = 0; i < 100 && open().length > 0; i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 50 && open().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(open(), []);
});
