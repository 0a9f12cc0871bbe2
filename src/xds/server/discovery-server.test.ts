import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { FakeClock } from './clock.js';
import { DiscoveryServer, mergeChanges } from './discovery-server.js';
import type { SyncStatus } from './proxy-status.js';
import { AdsTestClient, testNode } from './testing/ads-test-client.js';
import { assignment, edsCluster, FakeGenerator, pushContext, rdsListener, routeTo } from './testing/fake-generator.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL } from '../ads-protocol.js';
import { PushContext } from '../../model/push-context.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    }).on('error', reject);
  });
}

async function setup(options: { clock?: FakeClock; throttle?: number; edsDebounce?: boolean } = {}): Promise<{ ds: DiscoveryServer; gen: FakeGenerator; client(): AdsTestClient }> {
  const gen = new FakeGenerator();
  gen.set({ clusters: [edsCluster('outbound|80||a.default.svc.cluster.local')], listeners: [rdsListener('http', '80')], routes: [routeTo('80', 'outbound|80||a.default.svc.cluster.local')] });
  const ds = new DiscoveryServer({ generator: gen.generate, istiodId: 'istiod-test', ...(options.clock ? { clock: options.clock } : {}), ...(options.throttle ? { pushThrottle: options.throttle } : {}), ...(options.edsDebounce !== undefined ? { edsDebounce: options.edsDebounce } : {}) });
  await ds.start({ grpcPort: 0, httpPort: 0 });
  cleanup.push(() => ds.stop());
  return {
    ds,
    gen,
    client: () => {
      const c = new AdsTestClient(ds.grpcPort);
      cleanup.push(() => c.close());
      return c;
    },
  };
}

test('update() is debounced: changes within 100 ms make one push of the latest PushContext', async () => {
  const clock = new FakeClock();
  const { ds, gen, client } = await setup({ clock });
  ds.update(pushContext('v1'));
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  gen.set({ clusters: [edsCluster('outbound|80||b.default.svc.cluster.local')] });
  ds.update(pushContext('v2'));
  clock.advance(60);
  gen.set({ clusters: [edsCluster('outbound|80||c.default.svc.cluster.local')] });
  ds.update(pushContext('v3'));
  clock.advance(99);
  assert.deepEqual(await c.quiet(50), [], 'still debouncing');
  clock.advance(1);
  const r = await c.next();
  assert.equal(r.versionInfo, 'v3');
  assert.deepEqual(r.names, ['outbound|80||c.default.svc.cluster.local']);
  assert.deepEqual(await c.quiet(50), [], 'one push for the three updates');
});

test('every connected proxy gets the push, throttled, and /debug/syncz lists them all', async () => {
  const { ds, gen, client } = await setup({ throttle: 3 });
  ds.update(pushContext('v1'));
  const clients = Array.from({ length: 25 }, (_, i) => {
    const c = client();
    c.send({ node: testNode(`app-${i}`, i % 2 === 0 ? 'even' : 'odd'), type_url: CLUSTER_TYPE_URL });
    return c;
  });
  for (const c of clients) c.ack(await c.next());
  gen.set({ clusters: [edsCluster('outbound|80||z.default.svc.cluster.local')] });
  ds.update(pushContext('v2'));
  for (const c of clients) {
    const r = await c.next();
    assert.equal(r.versionInfo, 'v2');
    c.ack(r);
  }
  await ds.idle();
  const deadline = Date.now() + 2000;
  let statuses: SyncStatus[] = [];
  while (Date.now() < deadline) {
    statuses = JSON.parse((await get(ds.httpPort, '/debug/syncz')).body) as SyncStatus[];
    if (statuses.length === 25 && statuses.every((s) => s.cluster_acked === s.cluster_sent)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(statuses.length, 25);
  assert.ok(statuses.every((s) => s.cluster_sent !== undefined && s.cluster_acked === s.cluster_sent));
  const odd = JSON.parse((await get(ds.httpPort, '/debug/syncz?namespace=odd')).body) as SyncStatus[];
  assert.equal(odd.length, 12);
  assert.ok(odd.every((s) => s.proxy.endsWith('.odd')));
});

test('debug endpoints: /ready, /debug/syncz, /debug/config_dump, /debug/adsz, /debug/configz, /debug/list', async () => {
  const { ds, client } = await setup();
  assert.equal((await get(ds.httpPort, '/ready')).status, 503);
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'default' }, spec: { hosts: ['reviews'] } };
  ds.update(new PushContext({ configs: [vs], services: [], endpoints: [], version: 'v1' }));
  assert.equal((await get(ds.httpPort, '/ready')).status, 200);

  const c = client();
  c.send({ node: testNode('reviews-v1-abc'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: LISTENER_TYPE_URL });
  const lds = await c.next();
  c.nack(lds, 'Listener "http": bad');
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  await c.next();

  let sync: SyncStatus[] = [];
  for (let i = 0; i < 100; i++) {
    sync = JSON.parse((await get(ds.httpPort, '/debug/syncz')).body) as SyncStatus[];
    if (sync[0]?.resources?.[LISTENER_TYPE_URL]?.lastError) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const s = sync[0]!;
  assert.equal(s.proxy, 'reviews-v1-abc.default');
  assert.equal(s.cluster_id, 'Kubernetes');
  assert.equal(s.istio_version, '1.24.0');
  assert.equal(s.istiod, 'istiod-test');
  assert.equal(s.proxy_type, 'sidecar');
  assert.equal(s.listener_acked, undefined);
  assert.equal(s.resources?.[LISTENER_TYPE_URL]?.lastError, 'Listener "http": bad');
  assert.ok(s.resources?.[CLUSTER_TYPE_URL]?.sentTime);

  const dump = await get(ds.httpPort, '/debug/config_dump?proxyID=reviews-v1');
  assert.equal(dump.status, 200);
  assert.match(dump.type, /application\/json/);
  const configs = (JSON.parse(dump.body) as { configs: Record<string, unknown>[] }).configs;
  assert.deepEqual(configs.map((x) => x['@type']), ['ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump', 'SecretsConfigDump'].map((t) => `type.googleapis.com/envoy.admin.v3.${t}`));
  const clusters = configs[0]!['dynamic_active_clusters'] as { version_info: string; cluster: Record<string, unknown> }[];
  assert.equal(clusters[0]?.version_info, 'v1');
  assert.equal(clusters[0]?.cluster['@type'], CLUSTER_TYPE_URL);
  const withEds = JSON.parse((await get(ds.httpPort, '/debug/config_dump?proxyID=reviews-v1-abc.default&include_eds=true')).body) as { configs: Record<string, unknown>[] };
  assert.deepEqual((withEds.configs[4]!['dynamic_endpoint_configs'] as { endpoint_config: Record<string, unknown> }[])[0]?.endpoint_config, { '@type': ENDPOINT_TYPE_URL, cluster_name: 'outbound|80||a.default.svc.cluster.local' });
  assert.equal((await get(ds.httpPort, '/debug/config_dump?proxyID=nobody')).status, 404);
  assert.equal((await get(ds.httpPort, '/debug/config_dump')).status, 400);

  const adsz = JSON.parse((await get(ds.httpPort, '/debug/adsz')).body) as { totalClients: number; clients: { connectionId: string; watches: Record<string, string[]>; labels: Record<string, string> }[] };
  assert.equal(adsz.totalClients, 1);
  assert.match(adsz.clients[0]!.connectionId, /^reviews-v1-abc\.default-\d+$/);
  assert.deepEqual(adsz.clients[0]!.watches[ENDPOINT_TYPE_URL], ['outbound|80||a.default.svc.cluster.local']);
  assert.deepEqual(adsz.clients[0]!.labels, { app: 'reviews' });

  const configz = JSON.parse((await get(ds.httpPort, '/debug/configz')).body) as { kind: string }[];
  assert.deepEqual(configz.map((x) => x.kind), ['VirtualService']);
  assert.ok((JSON.parse((await get(ds.httpPort, '/debug/list')).body) as string[]).includes('/debug/syncz'));
  assert.equal((await get(ds.httpPort, '/debug/nope')).status, 404);

  // ?push=true re-sends every watched type, even unchanged.
  assert.equal((await get(ds.httpPort, '/debug/adsz?push=true')).status, 200);
  const types = new Set([(await c.next()).typeUrl, (await c.next()).typeUrl, (await c.next()).typeUrl]);
  assert.deepEqual(types, new Set([CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL]));
});

test('mergeChanges: full wins, endpoint hostnames unite, "all endpoints" absorbs lists', () => {
  assert.deepEqual(mergeChanges({ full: false, endpointsOnlyFor: ['a'] }, { full: true }), { full: true });
  assert.deepEqual(mergeChanges({ full: false, endpointsOnlyFor: ['a'] }, { full: false, endpointsOnlyFor: ['b', 'a'] }), { full: false, endpointsOnlyFor: ['a', 'b'] });
  assert.deepEqual(mergeChanges({ full: false }, { full: false, endpointsOnlyFor: ['b'] }), { full: false });
  assert.deepEqual(mergeChanges({ full: false, forced: true }, { full: true }), { full: true, forced: true });
});

test('an endpoint-only update reaches proxies as EDS alone', async () => {
  const { ds, gen, client } = await setup();
  gen.set({ endpoints: [assignment('outbound|80||a.default.svc.cluster.local', [8001])] });
  ds.update(pushContext('v1'));
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['outbound|80||a.default.svc.cluster.local'] });
  c.ack(await c.next(), ['outbound|80||a.default.svc.cluster.local']);
  gen.set({ clusters: [], endpoints: [assignment('outbound|80||a.default.svc.cluster.local', [8001, 8002])] });
  ds.update(pushContext('v2'), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  const r = await c.next();
  assert.equal(r.typeUrl, ENDPOINT_TYPE_URL);
  assert.equal(r.versionInfo, 'v2');
  await ds.idle();
  assert.deepEqual(await c.quiet(150), []);
});

test('PILOT_ENABLE_EDS_DEBOUNCE off: an endpoint-only update is pushed at once; while a config change waits it waits too, and goes with it', async () => {
  const clock = new FakeClock();
  const { ds, gen, client } = await setup({ clock, edsDebounce: false });
  const a = 'outbound|80||a.default.svc.cluster.local';
  gen.set({ endpoints: [assignment(a, [8001])] });
  ds.update(pushContext('v1'));
  const c = client();
  c.send({ node: testNode('app-1'), type_url: CLUSTER_TYPE_URL });
  c.ack(await c.next());
  c.send({ type_url: ENDPOINT_TYPE_URL, resource_names: [a] });
  c.ack(await c.next(), [a]);

  gen.set({ endpoints: [assignment(a, [8001, 8002])] });
  ds.update(pushContext('v2'), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  const eds = await c.next();
  assert.deepEqual([eds.typeUrl, eds.versionInfo], [ENDPOINT_TYPE_URL, 'v2'], 'no clock advance: not debounced');
  c.ack(eds, [a]);

  gen.set({ clusters: [edsCluster(a), edsCluster('outbound|80||b.default.svc.cluster.local')] });
  ds.update(pushContext('v3'));
  gen.set({ endpoints: [assignment(a, [8003])] });
  ds.update(pushContext('v4'), { full: false, endpointsOnlyFor: ['a.default.svc.cluster.local'] });
  assert.deepEqual(await c.quiet(50), [], 'behind the waiting config change');
  clock.advance(100);
  const cds = await c.next();
  assert.deepEqual([cds.typeUrl, cds.versionInfo, cds.names.length], [CLUSTER_TYPE_URL, 'v4', 2]);
  const eds2 = await c.next();
  assert.deepEqual([eds2.typeUrl, eds2.versionInfo], [ENDPOINT_TYPE_URL, 'v4']);
  assert.ok(JSON.stringify(eds2.resources).includes('8003'));
});

test('leaves no sockets, servers or timers behind', async () => {
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Timeout/.test(r));
  for (let i = 0; i < 100 && open().length > 0; i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 50 && open().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(open(), []);
});
