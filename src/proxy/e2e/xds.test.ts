import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream } from '../testing/proxy-harness.js';
import {
  CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, assignment, edsCluster, rdsListener, routeTo, startXdsProxy,
} from './xds-fixtures.js';

test('full ADS flow: CDS, EDS, LDS, RDS in Envoy order, ACKed, traffic reaches the EDS endpoint', async (t) => {
  const up = await startUpstream('backend');
  const x = await startXdsProxy((fake) => {
    fake.push(CLUSTER_TYPE_URL, [edsCluster('backend')], 'c1');
    fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port])], 'e1');
    fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r')], 'l1');
    fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend')], 'r1');
  });
  t.after(async () => {
    await x.close();
    await up.close();
  });
  const { fake } = x;
  await x.p.proxy.xds!.initialized;
  const rdsAck = await x.ack(ROUTE_TYPE_URL, 'r1');
  const res = await x.get('/hello');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'backend GET /hello');

  const reqs = fake.requests;
  // The very first request is CDS, wildcard, and carries the node.
  assert.equal(reqs[0]!.typeUrl, CLUSTER_TYPE_URL);
  assert.deepEqual(reqs[0]!.resourceNames, []);
  assert.equal(reqs[0]!.versionInfo, '');
  assert.equal(reqs[0]!.nonce, '');
  assert.equal(reqs[0]!.node?.['id'], 'xds-e2e');
  assert.equal(reqs.filter((r) => r.node !== undefined).length, 1, 'node is sent only on the first request of the stream');
  // EDS asks for the cluster's service name; LDS only once the cluster warmed (EDS arrived); RDS follows the listener.
  const edsIdx = reqs.findIndex((r) => r.typeUrl === ENDPOINT_TYPE_URL);
  const ldsIdx = reqs.findIndex((r) => r.typeUrl === LISTENER_TYPE_URL);
  const rdsIdx = reqs.findIndex((r) => r.typeUrl === ROUTE_TYPE_URL);
  assert.deepEqual(reqs[edsIdx]!.resourceNames, ['backend']);
  assert.ok(edsIdx > 0 && ldsIdx > edsIdx && rdsIdx > ldsIdx, `order: eds ${edsIdx} lds ${ldsIdx} rds ${rdsIdx}`);
  assert.deepEqual(reqs[ldsIdx]!.resourceNames, []);
  assert.deepEqual(reqs[rdsIdx]!.resourceNames, ['r']);
  // Every ACK carries the accepted version and the nonce of the response it answers, never an error.
  const acks: Record<string, string> = { [CLUSTER_TYPE_URL]: 'c1', [ENDPOINT_TYPE_URL]: 'e1', [LISTENER_TYPE_URL]: 'l1', [ROUTE_TYPE_URL]: 'r1' };
  const nonces = new Set<string>();
  for (const [type, version] of Object.entries(acks)) {
    const ack = reqs.find((r) => r.typeUrl === type && r.nonce !== '');
    assert.ok(ack, `no ACK for ${type}`);
    assert.equal(ack.versionInfo, version, type);
    assert.equal(ack.errorDetail, undefined);
    assert.match(ack.nonce, /^\d+$/);
    nonces.add(ack.nonce);
  }
  assert.equal(nonces.size, 4, 'each ACK answers its own response');
  assert.equal(rdsAck.versionInfo, 'r1');

  // A pushed update is ACKed with the new version and the nonce that was sent with it.
  const since = fake.requests.length;
  const [nonce] = fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend', '/only/')], 'r2');
  const ack2 = await x.ack(ROUTE_TYPE_URL, 'r2', since);
  assert.equal(ack2.nonce, nonce);
  assert.deepEqual(ack2.resourceNames, ['r']);
  assert.equal((await x.get('/hello')).status, 404);
  assert.equal((await x.get('/only/x')).body, 'backend GET /only/x');
});

/** A full working config: cluster `backend` (EDS → `up`), listener `http` with RDS `r`. */
async function startWorking(upPort: number) {
  return startXdsProxy((fake) => {
    fake.push(CLUSTER_TYPE_URL, [edsCluster('backend')], 'c1');
    fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [upPort])], 'e1');
    fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r')], 'l1');
    fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend')], 'r1');
  });
}

test('NACK: an invalid Cluster, Listener or RouteConfiguration is rejected by name and field; the last good config serves', async (t) => {
  const up = await startUpstream('backend');
  const x = await startWorking(up.port);
  t.after(async () => {
    await x.close();
    await up.close();
  });
  const { fake } = x;
  await x.ack(ROUTE_TYPE_URL, 'r1');
  assert.equal((await x.get('/a')).body, 'backend GET /a');

  const cases: { type: string; lastGood: string; bad: Record<string, unknown>[]; version: string; expect: RegExp[] }[] = [
    {
      type: ROUTE_TYPE_URL,
      lastGood: 'r1',
      version: 'r-bad-regex',
      bad: [{ name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: 'backend' } }] }] }],
      expect: [/RouteConfiguration "r"/, /virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex/],
    },
    {
      type: ROUTE_TYPE_URL,
      lastGood: 'r1',
      version: 'r-no-path',
      bad: [{ name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: {}, route: { cluster: 'other' } }] }] }],
      expect: [/RouteConfiguration "r"/, /virtual_hosts\[0\]\.routes\[0\]\.match/],
    },
    {
      type: CLUSTER_TYPE_URL,
      lastGood: 'c1',
      version: 'c-bad',
      bad: [
        edsCluster('backend'),
        {
          name: 'broken',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: { cluster_name: 'broken', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'not-an-ip', port_value: 80 } } } }] }] },
        },
      ],
      expect: [/Cluster "broken"/, /load_assignment\.endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.address/],
    },
    {
      type: LISTENER_TYPE_URL,
      lastGood: 'l1',
      version: 'l-bad',
      bad: [
        rdsListener('http', 'r'),
        {
          ...rdsListener('broken', 'r'),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'broken',
                    route_config: { name: 'inline', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { safe_regex: { regex: '[' } }, route: { cluster: 'backend' } }] }] },
                    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                  },
                },
              ],
            },
          ],
        },
      ],
      expect: [/Listener "broken"/, /filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config\.virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex/],
    },
  ];
  for (const c of cases) {
    const since = fake.requests.length;
    const [nonce] = fake.push(c.type, c.bad, c.version);
    const nack = await x.nack(c.type, since);
    assert.equal(nack.nonce, nonce, c.version);
    assert.equal(nack.versionInfo, c.lastGood, `${c.version}: a NACK carries the last accepted version`);
    assert.equal(nack.errorDetail!.code, 3);
    for (const re of c.expect) assert.match(nack.errorDetail!.message, re, c.version);
    assert.equal(x.p.proxy.xds!.client.version(c.type), c.lastGood);
    await x.settled();
    // Traffic keeps flowing on the last good config: same listener, same route, same cluster.
    const r = await x.get('/still');
    assert.equal(r.status, 200, c.version);
    assert.equal(r.body, 'backend GET /still');
  }
  assert.equal(x.p.proxy.listenerPort('broken'), 0);
  assert.equal(x.p.proxy.clusterManager.has('broken'), false);

  // After NACKs, a good update is ACKed without error_detail and takes effect.
  const since = fake.requests.length;
  const [nonce] = fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend', '/new/')], 'r2');
  const ack = await x.ack(ROUTE_TYPE_URL, 'r2', since);
  assert.equal(ack.nonce, nonce);
  assert.equal(ack.errorDetail, undefined);
  assert.equal((await x.get('/still')).status, 404);
  assert.equal((await x.get('/new/1')).body, 'backend GET /new/1');
});

test('a new EDS cluster warms before the new listener that uses it is served; CDS is ACKed once warm', async (t) => {
  const up = await startUpstream('backend');
  const fresh = await startUpstream('fresh');
  const x = await startWorking(up.port);
  t.after(async () => {
    await x.close();
    await up.close();
    await fresh.close();
  });
  const { fake } = x;
  await x.ack(ROUTE_TYPE_URL, 'r1');
  fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend'), routeTo('r2', 'fresh')], 'r2');

  // CDS adds `fresh` (EDS) — the control plane has no assignment for it yet.
  const since = fake.requests.length;
  fake.push(CLUSTER_TYPE_URL, [edsCluster('backend'), edsCluster('fresh')], 'c2');
  await fake.waitForRequest((r) => r.typeUrl === ENDPOINT_TYPE_URL && r.resourceNames.join() === 'backend,fresh', 2000, since);
  // And LDS adds a listener whose routes use it.
  fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r'), rdsListener('http2', 'r2')], 'l2');
  // The LDS update is accepted at once, and RDS follows the new listener…
  await fake.waitForRequest((r) => r.typeUrl === LISTENER_TYPE_URL && r.versionInfo === 'l2', 2000, since);
  await fake.waitForRequest((r) => r.typeUrl === ROUTE_TYPE_URL && r.versionInfo === 'r2' && r.resourceNames.join() === 'r,r2', 2000, since);
  await new Promise((r) => setTimeout(r, 150));
  // …but the listener stays warming while its cluster does: not bound, in config_dump's warming_state.
  assert.equal(x.p.proxy.listenerPort('http2'), 0);
  assert.equal(x.p.proxy.clusterManager.get('fresh'), undefined);
  assert.deepEqual(x.p.proxy.clusterManager.warming().map((c) => c.name), ['fresh']);
  const dump = await x.configDump();
  const listeners = dump.find((d) => String(d['@type']).endsWith('ListenersConfigDump'))!;
  const http2 = (listeners['dynamic_listeners'] as Record<string, unknown>[]).find((l) => l['name'] === 'http2')!;
  assert.ok(http2['warming_state'] && !http2['active_state'], JSON.stringify(http2));
  const clusters = dump.find((d) => String(d['@type']).endsWith('ClustersConfigDump'))!;
  assert.deepEqual((clusters['dynamic_warming_clusters'] as { cluster: { name: string } }[]).map((c) => c.cluster.name), ['fresh']);
  // Envoy pauses CDS while clusters warm: no ACK of c2 yet.
  assert.equal(fake.requests.slice(since).some((r) => r.typeUrl === CLUSTER_TYPE_URL), false, 'CDS ACK held while warming');
  // The existing listener keeps serving meanwhile.
  assert.equal((await x.get('/old')).body, 'backend GET /old');

  // EDS for `fresh` arrives: the cluster warms, CDS is ACKed, the listener binds and routes to it.
  fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port]), assignment('fresh', [fresh.port])], 'e2');
  await x.ack(CLUSTER_TYPE_URL, 'c2', since);
  assert.equal((await x.get('/new', 'http2')).body, 'fresh GET /new');
  assert.equal((await x.get('/old')).body, 'backend GET /old');
});

test('a cluster replaced while warming does not hold up the update that replaced it', async (t) => {
  const up = await startUpstream('backend');
  const fresh = await startUpstream('fresh');
  const x = await startWorking(up.port);
  t.after(async () => {
    await x.close();
    await up.close();
    await fresh.close();
  });
  const { fake } = x;
  await x.ack(ROUTE_TYPE_URL, 'r1');
  const since = fake.requests.length;
  fake.push(CLUSTER_TYPE_URL, [edsCluster('backend'), edsCluster('fresh')], 'c2');
  await fake.waitForRequest((r) => r.typeUrl === ENDPOINT_TYPE_URL && r.resourceNames.join() === 'backend,fresh', 2000, since);
  // `fresh` changes while still waiting for its first assignment.
  fake.push(CLUSTER_TYPE_URL, [edsCluster('backend'), edsCluster('fresh', { connect_timeout: '2s' })], 'c3');
  await new Promise((r) => setTimeout(r, 50));
  fake.push(ENDPOINT_TYPE_URL, [assignment('backend', [up.port]), assignment('fresh', [fresh.port])], 'e2');
  await x.ack(CLUSTER_TYPE_URL, 'c3', since);
  const started = Date.now();
  await x.settled();
  assert.ok(Date.now() - started < 1000, 'settled() waited for the superseded cluster');
  const c = x.p.proxy.clusterManager.get('fresh');
  assert.equal(c?.versionInfo, 'c3');
  assert.equal(x.p.proxy.clusterManager.warming().length, 0);
  assert.equal(x.p.proxy.xds!.client.state().subscriptions.find((s) => s.typeUrl === CLUSTER_TYPE_URL)?.paused, false);

  // Removing the EDS cluster ends its EDS subscription.
  const before = fake.requests.length;
  fake.push(CLUSTER_TYPE_URL, [edsCluster('backend')], 'c4');
  await x.ack(CLUSTER_TYPE_URL, 'c4', before);
  await fake.waitForRequest((r) => r.typeUrl === ENDPOINT_TYPE_URL && r.resourceNames.join() === 'backend', 2000, before);
  assert.equal(x.p.proxy.clusterManager.has('fresh'), false);
});

test('control plane gone: the proxy keeps serving; a dropped stream reconnects with node, last accepted versions and names', async (t) => {
  const up = await startUpstream('backend');
  const x = await startWorking(up.port);
  t.after(async () => {
    await x.close();
    await up.close();
  });
  const { fake } = x;
  await x.ack(ROUTE_TYPE_URL, 'r1');
  // A NACKed RDS update first: reconnect must carry the last *accepted* version.
  let since = fake.requests.length;
  fake.push(ROUTE_TYPE_URL, [{ name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: 'backend' } }] }] }], 'r-bad');
  await x.nack(ROUTE_TYPE_URL, since);

  since = fake.requests.length;
  fake.dropStreams();
  // Served throughout, from the last accepted config.
  assert.equal((await x.get('/during')).body, 'backend GET /during');
  const first = await fake.waitForRequest((r) => r.stream === 2, 3000, since);
  assert.equal(first.typeUrl, CLUSTER_TYPE_URL, 'CDS is re-requested first');
  assert.equal(first.node?.['id'], 'xds-e2e', 'the first request of the new stream carries the node');
  const expected: Record<string, { version: string; names: string }> = {
    [CLUSTER_TYPE_URL]: { version: 'c1', names: '' },
    [ENDPOINT_TYPE_URL]: { version: 'e1', names: 'backend' },
    [LISTENER_TYPE_URL]: { version: 'l1', names: '' },
    [ROUTE_TYPE_URL]: { version: 'r1', names: 'r' },
  };
  for (const [type, e] of Object.entries(expected)) {
    const r = await fake.waitForRequest((q) => q.stream === 2 && q.typeUrl === type, 2000, since);
    assert.equal(r.versionInfo, e.version, type);
    assert.equal(r.resourceNames.join(), e.names, type);
    assert.equal(r.nonce, '', 'nonces belong to the old stream');
    assert.equal(r.errorDetail, undefined);
  }
  assert.equal(fake.requests.slice(since).filter((r) => r.node !== undefined).length, 1);
  // The new stream carries updates as before.
  since = fake.requests.length;
  fake.push(ROUTE_TYPE_URL, [routeTo('r', 'backend', '/v2/')], 'r2');
  const ack = await x.ack(ROUTE_TYPE_URL, 'r2', since);
  assert.equal(ack.stream, 2);
  assert.equal((await x.get('/v2/x')).body, 'backend GET /v2/x');

  // Control plane gone for good: nothing changes for traffic.
  await fake.close();
  for (let i = 0; i < 3; i++) assert.equal((await x.get('/v2/y')).body, 'backend GET /v2/y');
  assert.ok(x.p.logs.some((l) => /xDS: disconnected/.test(l)), x.p.logs.join('\n'));
  assert.equal(x.p.proxy.state(), 'LIVE');
});
