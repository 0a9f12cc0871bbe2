import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Client, request } from 'undici';
import { startUpstream } from '../testing/proxy-harness.js';
import {
  CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, assignment, edsCluster, rdsListener, routeTo, startXdsProxy,
} from './xds-fixtures.js';

/** An upstream answering after `delayMs`. */
function slowUpstream(name: string, delayMs: number) {
  return startUpstream(name, (req, res) => {
    const t = setTimeout(() => res.end(`${name} ${req.method} ${req.url}`), delayMs);
    res.on('close', () => clearTimeout(t));
  });
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('RDS update with a request in flight: it finishes on the old route, new requests take the new one', async (t) => {
  const old = await slowUpstream('old', 500);
  const fresh = await startUpstream('new');
  const x = await startXdsProxy((fake) => {
    fake.push(CLUSTER_TYPE_URL, [edsCluster('old'), edsCluster('new')], 'c1');
    fake.push(ENDPOINT_TYPE_URL, [assignment('old', [old.port]), assignment('new', [fresh.port])], 'e1');
    fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r')], 'l1');
    fake.push(ROUTE_TYPE_URL, [routeTo('r', 'old')], 'r1');
  });
  t.after(async () => {
    await x.close();
    await old.close();
    await fresh.close();
  });
  await x.ack(ROUTE_TYPE_URL, 'r1');
  const port = await x.port('http');
  const started = Date.now();
  const inflight = request(`http://127.0.0.1:${port}/slow`).then(async (r) => ({ status: r.statusCode, body: await r.body.text(), at: Date.now() }));
  await waitFor(() => old.requests.length === 1, 'the slow request to reach the old upstream');

  const since = x.fake.requests.length;
  x.fake.push(ROUTE_TYPE_URL, [routeTo('r', 'new')], 'r2');
  await x.ack(ROUTE_TYPE_URL, 'r2', since);
  const now = await x.get('/fast');
  assert.equal(now.body, 'new GET /fast');
  const done = await inflight;
  assert.ok(now.status === 200 && Date.now() - started < 2000);
  assert.equal(done.status, 200);
  assert.equal(done.body, 'old GET /slow');
  assert.ok(done.at - started >= 450, 'the in-flight request was answered by the slow old upstream');
  assert.equal(old.requests.length, 1);
  assert.equal(x.p.proxy.listenerPort('http'), port, 'RDS never touches the listener');
});

test('LDS update of one listener leaves the others untouched, warms the changed one, and a removed listener refuses new connections but finishes in-flight requests', async (t) => {
  const up = await startUpstream('backend');
  const slow = await slowUpstream('slow', 500);
  const x = await startXdsProxy(
    (fake) => {
      fake.push(CLUSTER_TYPE_URL, [edsCluster('backend'), edsCluster('slow')], 'c1');
      fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port]), assignment('slow', [slow.port])], 'e1');
      fake.push(LISTENER_TYPE_URL, [rdsListener('a', 'ra'), rdsListener('b', 'rb'), rdsListener('gone', 'rs')], 'l1');
      fake.push(ROUTE_TYPE_URL, [routeTo('ra', 'backend'), routeTo('rb', 'backend'), routeTo('rs', 'slow')], 'r1');
    },
    { drainTimeMs: 3000 },
  );
  const { fake } = x;
  const portA = await x.port('a');
  const portB = await x.port('b');
  const portGone = await x.port('gone');
  const clientA = new Client(`http://127.0.0.1:${portA}`, { pipelining: 1, keepAliveTimeout: 10_000 });
  t.after(async () => {
    await clientA.close();
    await x.close();
    await up.close();
    await slow.close();
  });
  const getA = async (path: string): Promise<string> => {
    const r = await clientA.request({ method: 'GET', path });
    assert.equal(r.statusCode, 200);
    return r.body.text();
  };
  assert.equal(await getA('/1'), 'backend GET /1');

  // A slow request in flight on the listener about to be removed.
  const inflight = request(`http://127.0.0.1:${portGone}/slow`).then(async (r) => ({ status: r.statusCode, headers: r.headers, body: await r.body.text() }));
  await waitFor(() => slow.requests.length === 1, 'the slow request to reach its upstream');

  // LDS v2: `a` unchanged, `b` changed to a route configuration the control plane does not have yet, `gone` removed.
  const since = fake.requests.length;
  fake.push(LISTENER_TYPE_URL, [rdsListener('a', 'ra'), rdsListener('b', 'rb2')], 'l2');
  await fake.waitForRequest((r) => r.typeUrl === LISTENER_TYPE_URL && r.versionInfo === 'l2', 2000, since);
  await fake.waitForRequest((r) => r.typeUrl === ROUTE_TYPE_URL && r.resourceNames.join() === 'ra,rb,rb2', 2000, since);

  // `b` warms: its old version keeps serving meanwhile, and config_dump shows both states.
  assert.equal((await x.get('/other', 'b')).body, 'backend GET /other');
  let dump = await x.configDump();
  const dls = dump.find((d) => String(d['@type']).endsWith('.ListenersConfigDump'))!['dynamic_listeners'] as { name: string; active_state?: { version_info: string }; warming_state?: { version_info: string } }[];
  const b = dls.filter((l) => l.name === 'b');
  assert.equal(b.length, 1, 'one DynamicListener per name');
  assert.equal(b[0]!.active_state?.version_info, 'l1');
  assert.equal(b[0]!.warming_state?.version_info, 'l2');

  // `gone`: no longer accepting; its in-flight request completes (told to close the connection).
  assert.equal(x.p.proxy.listenerPort('gone'), 0);
  assert.equal(await connectRefused(portGone), true, 'removed listener still accepts connections');

  // RDS brings rb2: `b` takes the new version on the same port.
  fake.push(ROUTE_TYPE_URL, [routeTo('ra', 'backend'), routeTo('rb', 'backend'), routeTo('rb2', 'backend', '/b2/'), routeTo('rs', 'slow')], 'r2');
  await x.ack(ROUTE_TYPE_URL, 'r2', since);
  assert.equal(x.p.proxy.listenerPort('b'), portB);
  assert.equal((await x.get('/b2/x', 'b')).body, 'backend GET /b2/x');
  assert.equal((await x.get('/other', 'b')).status, 404);
  await fake.waitForRequest((r) => r.typeUrl === ROUTE_TYPE_URL && r.resourceNames.join() === 'ra,rb2', 2000, since);
  // Route configurations no listener names any more are dropped (their RDS subscription ended).
  dump = await x.configDump();
  const routes = dump.find((d) => String(d['@type']).endsWith('.RoutesConfigDump'))!;
  const names = (routes['dynamic_route_configs'] as { route_config: { name: string } }[]).map((r) => r.route_config.name).sort();
  assert.deepEqual(names, ['ra', 'rb2']);

  // `a`: same socket, same listener, still serving on the keep-alive connection.
  assert.equal(await getA('/2'), 'backend GET /2');
  assert.equal(await getA('/3'), 'backend GET /3');
  assert.equal(x.p.proxy.listenerPort('a'), portA);
  const stats = await x.stats();
  assert.match(stats, /^http\.a\.downstream_cx_total: 1$/m, 'the keep-alive connection to the unchanged listener was reused');
  assert.match(stats, /^http\.a\.downstream_rq_total: 3$/m);

  const done = await inflight;
  assert.equal(done.status, 200);
  assert.equal(done.body, 'slow GET /slow');
  assert.equal(done.headers['connection'], 'close');
});
