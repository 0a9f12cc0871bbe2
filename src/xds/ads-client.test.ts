import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdsClient } from './ads-client.js';
import type { AdsClientOptions, AdsTimers, AdsUpdateResult } from './ads-client.js';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from './ads-protocol.js';
import type { DecodedResource } from './ads-protocol.js';
import { FakeAdsServer } from './testing/fake-ads-server.js';
import type { RecordedRequest } from './testing/fake-ads-server.js';
import { clusterJson, listenerJson } from './proto/testdata.js';

const NODE = { id: 'sidecar~127.0.0.1~app.default~default.svc.cluster.local', cluster: 'app', metadata: { ISTIO_VERSION: '1.22' } };

interface Update { typeUrl: string; names: string[]; version: string; resources: DecodedResource[] }

/** A client wired to recording handlers; `decide` chooses ACK or NACK per update. */
function harness(target: string, decide: (u: Update) => AdsUpdateResult | Promise<AdsUpdateResult> = () => ({ ok: true }), extra: Partial<AdsClientOptions> = {}) {
  const updates: Update[] = [];
  const connection: boolean[] = [];
  const client = new AdsClient({
    target, node: NODE, backoff: { baseMs: 20, maxMs: 100 },
    handlers: {
      onResources: (typeUrl, resources, version) => {
        const u = { typeUrl, names: resources.map((r) => r.name), version, resources };
        updates.push(u);
        return decide(u);
      },
      onConnectionChange: (c) => connection.push(c),
    },
    ...extra,
  });
  cleanups.push(() => client.close());
  return { client, updates, connection };
}

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function startServer(autoRespond = true): Promise<FakeAdsServer> {
  const server = await FakeAdsServer.start({ autoRespond });
  cleanups.push(() => server.close());
  return server;
}

/** Polls until `cond` holds (bounded), for state the client learns asynchronously. */
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const isType = (typeUrl: string) => (r: RecordedRequest) => r.typeUrl === typeUrl;

describe('AdsClient', () => {
  test('first request carries the node; ACK echoes version and nonce', async () => {
    const server = await startServer();
    const { client, updates } = harness(server.target);
    client.subscribe(CLUSTER_TYPE_URL, '*');
    client.subscribe(LISTENER_TYPE_URL, '*');
    client.start();
    const cds = await server.waitForRequest(isType(CLUSTER_TYPE_URL));
    const lds = await server.waitForRequest(isType(LISTENER_TYPE_URL));
    assert.deepEqual(cds.node, NODE);
    assert.equal(lds.node, undefined); // only the first request of a stream
    assert.deepEqual([cds.versionInfo, cds.nonce, cds.resourceNames], ['', '', []]);

    const [nonce] = server.push(CLUSTER_TYPE_URL, [clusterJson('a'), clusterJson('b')], 'v1');
    const ack = await server.waitForRequest((r) => r.typeUrl === CLUSTER_TYPE_URL && r.nonce === nonce);
    assert.equal(ack.versionInfo, 'v1');
    assert.equal(ack.errorDetail, undefined);
    assert.deepEqual(updates[0]!.names, ['a', 'b']);
    assert.deepEqual(updates[0]!.resources[0]!.json, clusterJson('a')); // proto3 JSON, without "@type"
    assert.equal(client.version(CLUSTER_TYPE_URL), 'v1');
    await until(() => client.state().connected);
  });

  test('a rejected update is NACKed with the last accepted version and error_detail', async () => {
    const server = await startServer();
    const { client } = harness(server.target, (u) => (u.version === 'v2' ? { ok: false, error: 'listener_0: filter_chains[0]: bad' } : { ok: true }));
    client.subscribe(LISTENER_TYPE_URL, '*');
    client.start();
    await server.waitForRequest(isType(LISTENER_TYPE_URL));
    const [n1] = server.push(LISTENER_TYPE_URL, [listenerJson()], 'v1');
    await server.waitForRequest((r) => r.nonce === n1);
    const [n2] = server.push(LISTENER_TYPE_URL, [listenerJson()], 'v2');
    const nack = await server.waitForRequest((r) => r.nonce === n2);
    assert.equal(nack.versionInfo, 'v1');
    assert.deepEqual(nack.errorDetail, { code: 3, message: 'listener_0: filter_chains[0]: bad' });
    assert.equal(client.version(LISTENER_TYPE_URL), 'v1');
    // The next good update is ACKed and carries no error.
    const [n3] = server.push(LISTENER_TYPE_URL, [listenerJson()], 'v3');
    const ack = await server.waitForRequest((r) => r.nonce === n3);
    assert.equal(ack.versionInfo, 'v3');
    assert.equal(ack.errorDetail, undefined);
  });

  test('handlers may be async, and a throwing handler NACKs', async () => {
    const server = await startServer();
    const { client } = harness(server.target, async (u) => {
      await new Promise((r) => setTimeout(r, 5));
      if (u.version === 'boom') throw new Error('compile failed');
      return { ok: true };
    });
    client.subscribe(CLUSTER_TYPE_URL, '*');
    client.start();
    await server.waitForRequest(isType(CLUSTER_TYPE_URL));
    const [n1] = server.push(CLUSTER_TYPE_URL, [clusterJson()], 'ok');
    assert.equal((await server.waitForRequest((r) => r.nonce === n1)).versionInfo, 'ok');
    const [n2] = server.push(CLUSTER_TYPE_URL, [clusterJson()], 'boom');
    const nack = await server.waitForRequest((r) => r.nonce === n2);
    assert.deepEqual([nack.versionInfo, nack.errorDetail?.message], ['ok', 'compile failed']);
  });

  test('resources that do not decode are NACKed without calling the handler', async () => {
    const server = await startServer();
    const { client, updates } = harness(server.target);
    client.subscribe(CLUSTER_TYPE_URL, '*');
    client.start();
    await server.waitForRequest(isType(CLUSTER_TYPE_URL));
    const cases: [Parameters<FakeAdsServer['pushRaw']>[1], RegExp][] = [
      [[{ type_url: CLUSTER_TYPE_URL, value: new Uint8Array([0x0a, 0xff]) }], /^resources\[0\]: cannot decode/],
      [[{ type_url: 'type.googleapis.com/foo.Bar', value: new Uint8Array() }], /^resources\[0\]: resource has type "type.googleapis.com\/foo.Bar"/],
    ];
    for (const [anys, want] of cases) {
      const [nonce] = server.pushRaw(CLUSTER_TYPE_URL, anys, 'bad');
      const nack = await server.waitForRequest((r) => r.nonce === nonce);
      assert.equal(nack.errorDetail?.code, 3);
      assert.match(nack.errorDetail!.message, want);
      assert.equal(nack.versionInfo, '');
    }
    const [dup] = server.push(CLUSTER_TYPE_URL, [clusterJson('x'), clusterJson('x')], 'dup');
    assert.match((await server.waitForRequest((r) => r.nonce === dup)).errorDetail!.message, /duplicate resource name "x"/);
    assert.equal(updates.length, 0);
  });

  test('resource name changes are sent with the current version and nonce', async () => {
    const server = await startServer();
    const { client, updates } = harness(server.target);
    client.subscribe(ROUTE_TYPE_URL, ['r1']);
    client.start();
    await server.waitForRequest((r) => r.typeUrl === ROUTE_TYPE_URL);
    const routes = [{ name: 'r1' }, { name: 'r2' }];
    const [nonce] = server.push(ROUTE_TYPE_URL, routes, 'v1');
    await server.waitForRequest((r) => r.nonce === nonce);
    assert.deepEqual(updates.at(-1)!.names, ['r1']); // the server filters by requested names
    const since = server.requests.length;
    client.setResourceNames(ROUTE_TYPE_URL, ['r1', 'r2']);
    const req = await server.waitForRequest(isType(ROUTE_TYPE_URL), 5000, since);
    assert.deepEqual([req.resourceNames, req.versionInfo, req.nonce], [['r1', 'r2'], 'v1', nonce]);
    await server.waitForRequest((r) => r.typeUrl === ROUTE_TYPE_URL && r.resourceNames.length === 2 && r.nonce !== nonce);
    assert.deepEqual(updates.at(-1)!.names, ['r1', 'r2']);
    const count = server.requests.length;
    client.setResourceNames(ROUTE_TYPE_URL, ['r2', 'r1']); // same set: nothing to send
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(server.requests.length, count);
  });

  test('pause holds requests (ACKs included) until the last resume', async () => {
    const server = await startServer();
    const { client } = harness(server.target);
    client.subscribe(LISTENER_TYPE_URL, '*');
    client.start();
    await server.waitForRequest(isType(LISTENER_TYPE_URL));
    client.pause(LISTENER_TYPE_URL);
    client.pause(LISTENER_TYPE_URL);
    const [nonce] = server.push(LISTENER_TYPE_URL, [listenerJson()], 'v1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests.filter((r) => r.nonce === nonce).length, 0);
    assert.equal(client.state().subscriptions[0]!.paused, true);
    client.resume(LISTENER_TYPE_URL);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.requests.filter((r) => r.nonce === nonce).length, 0);
    client.resume(LISTENER_TYPE_URL);
    const ack = await server.waitForRequest((r) => r.nonce === nonce);
    assert.equal(ack.versionInfo, 'v1');
    assert.equal(server.requests.filter((r) => r.nonce === nonce).length, 1);
  });

  test('reconnects after the server drops the stream, resending node and last versions', async () => {
    const server = await startServer();
    const { client, updates, connection } = harness(server.target);
    client.subscribe(CLUSTER_TYPE_URL, '*');
    client.subscribe(ROUTE_TYPE_URL, ['r1']);
    client.start();
    await server.waitForRequest(isType(ROUTE_TYPE_URL));
    const [n1] = server.push(CLUSTER_TYPE_URL, [clusterJson()], 'c1');
    await server.waitForRequest((r) => r.nonce === n1);
    server.dropStreams();
    const first = await server.waitForRequest((r) => r.stream === 2);
    const route = await server.waitForRequest((r) => r.stream === 2 && r.typeUrl === ROUTE_TYPE_URL);
    assert.deepEqual(first.node, NODE);
    assert.deepEqual([first.typeUrl, first.versionInfo, first.nonce], [CLUSTER_TYPE_URL, 'c1', '']);
    assert.deepEqual([route.resourceNames, route.node], [['r1'], undefined]);
    await until(() => connection.length === 3);
    assert.deepEqual(connection, [true, false, true]);
    assert.equal(client.state().streams, 2);
    // The server already sent c1 to this client, so it does not resend; new pushes flow again.
    const [n2] = server.push(CLUSTER_TYPE_URL, [clusterJson(), clusterJson('b')], 'c2');
    assert.equal((await server.waitForRequest((r) => r.nonce === n2)).versionInfo, 'c2');
    assert.deepEqual(updates.map((u) => u.version), ['c1', 'c2']);
  });

  test('retries with jittered exponential backoff while the server is unreachable', async () => {
    const server = await startServer();
    const target = server.target;
    await server.close(); // nothing listens there now
    const delays: number[] = [];
    let fire: (() => void) | undefined;
    const timers: AdsTimers = { setTimeout: (fn, ms) => { delays.push(ms); fire = fn; return delays.length; }, clearTimeout: () => {} };
    const { client, connection } = harness(target, undefined, { timers, random: () => 0.5, backoff: { baseMs: 500, maxMs: 30_000 } });
    client.subscribe(CLUSTER_TYPE_URL, '*');
    client.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await until(() => delays.length === attempt);
      fire!();
    }
    assert.deepEqual(delays, [250, 500, 1000]);
    assert.deepEqual(connection, []); // never connected, so never "disconnected"
    assert.equal(client.state().connected, false);
  });

  test('the fake server answers a first request with its current state unless autoRespond is off', async () => {
    for (const autoRespond of [true, false]) {
      const server = await startServer(autoRespond);
      server.push(CLUSTER_TYPE_URL, [clusterJson()], 'v9');
      const { client, updates } = harness(server.target);
      client.subscribe(CLUSTER_TYPE_URL, '*');
      client.start();
      await server.waitForRequest(isType(CLUSTER_TYPE_URL));
      if (autoRespond) {
        await server.waitForRequest((r) => r.versionInfo === 'v9');
        assert.deepEqual(updates.map((u) => u.version), ['v9']);
      } else {
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(updates.length, 0);
      }
    }
  });

  test('an invalid node is rejected at construction', () => {
    assert.throws(() => new AdsClient({ target: '127.0.0.1:1', node: { idd: 'x' }, handlers: { onResources: () => ({ ok: true }) } }), /unknown field "idd"/);
  });
});
