import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { Client } from 'undici';
import { httpBootstrap, startProxy } from '../testing/proxy-harness.js';
import { allTo, closeAll, clusterYaml, get, startNamedUpstreams, tally } from './cluster-fixtures.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, edsCluster, rdsListener, routeTo, startXdsProxy } from './xds-fixtures.js';

test('ROUND_ROBIN: equal weights rotate strictly; endpoint weights 1:2:3 give exactly 1/2/3 of every 6 picks', async (t) => {
  const ups = await startNamedUpstreams(['a', 'b', 'c']);
  const [a, b, c] = ups as [(typeof ups)[0], (typeof ups)[0], (typeof ups)[0]];
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/weighted" }
    route: { cluster: weighted }
  - match: { prefix: "/" }
    route: { cluster: equal }`,
      clusters: [
        clusterYaml('equal', [{ endpoints: ups.map((u) => ({ port: u.port })) }], 'lb_policy: ROUND_ROBIN'),
        clusterYaml('weighted', [{ endpoints: [{ port: a.port, weight: 1 }, { port: b.port, weight: 2 }, { port: c.port, weight: 3 }] }]),
      ].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const equal: string[] = [];
  for (let i = 0; i < 9; i++) equal.push((await get(`${base}/e`)).body);
  // Whatever host comes first, the order then repeats with period 3 and each window has all three.
  for (let i = 0; i + 3 <= equal.length; i++) assert.deepEqual(new Set(equal.slice(i, i + 3)).size, 3, `window at ${i}: ${equal.join(',')}`);
  for (let i = 3; i < equal.length; i++) assert.equal(equal[i], equal[i - 3], equal.join(','));

  const weighted: string[] = [];
  for (let i = 0; i < 12; i++) weighted.push((await get(`${base}/weighted`)).body);
  assert.deepEqual(tally(weighted.slice(0, 6)), { a: 1, b: 2, c: 3 }, weighted.join(','));
  assert.deepEqual(tally(weighted.slice(6)), { a: 1, b: 2, c: 3 }, weighted.join(','));
});

test('LEAST_REQUEST: a host holding a request open gets no new ones while the other is idle', async (t) => {
  const held: http.ServerResponse[] = [];
  const [slow, fast] = await startNamedUpstreams(['slow', 'fast'], (name) => (_req, res) => {
    if (name === 'slow') held.push(res);
    else res.end(name);
  });
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('lr'),
      // Many choices (sampled with replacement) make "both samples were the busy host" negligible.
      clusters: clusterYaml('lr', [{ endpoints: [{ port: slow!.port }, { port: fast!.port }] }], 'lb_policy: LEAST_REQUEST\nleast_request_lb_config: { choice_count: 64 }'),
    }),
  );
  t.after(async () => {
    for (const r of held) r.end();
    await p.close();
    await closeAll([slow!, fast!]);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  // Send until one request is parked on `slow` (ties go either way, so this may take a few).
  const pending: Promise<{ status: number; body: string }>[] = [];
  for (let i = 0; i < 30 && held.length === 0; i++) {
    const r = get(`${base}/x${i}`);
    const settled = await Promise.race([r.then(() => 'done'), waitFor(() => held.length > 0, 1000).then(() => 'held')]);
    if (settled === 'held') pending.push(r);
  }
  assert.equal(held.length, 1, 'a request is held on the slow host');
  const bodies: string[] = [];
  for (let i = 0; i < 12; i++) bodies.push((await get(`${base}/next${i}`)).body);
  assert.deepEqual(tally(bodies), { fast: 12 });
  held.shift()!.end('slow');
  const first = await pending[0]!;
  assert.equal(first.status, 200);
  assert.equal(first.body, 'slow');
});

test('RANDOM: every host gets traffic within a bounded number of requests', async (t) => {
  const ups = await startNamedUpstreams(['a', 'b', 'c']);
  const p = await startProxy(
    httpBootstrap({ virtualHosts: allTo('rnd'), clusters: clusterYaml('rnd', [{ endpoints: ups.map((u) => ({ port: u.port })) }], 'lb_policy: RANDOM') }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const bodies = await Promise.all(Array.from({ length: 60 }, (_, i) => get(`${base}/${i}`).then((r) => r.body)));
  const counts = tally(bodies);
  // P(some host never picked in 60 draws) = 3·(2/3)^60 ≈ 1e-10.
  assert.deepEqual(Object.keys(counts).sort(), ['a', 'b', 'c'], JSON.stringify(counts));
});

for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
  test(`${policy}: hash_policy header, query_parameter and source_ip keep a key on one host and spread keys`, async (t) => {
    const ups = await startNamedUpstreams(['a', 'b', 'c', 'd']);
    const p = await startProxy(
      httpBootstrap({
        virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/h" }
    route: { cluster: ch, hash_policy: [{ header: { header_name: x-user } }] }
  - match: { prefix: "/q" }
    route: { cluster: ch, hash_policy: [{ query_parameter: { name: user } }] }
  - match: { prefix: "/ip" }
    route: { cluster: ch, hash_policy: [{ connection_properties: { source_ip: true } }] }`,
        clusters: clusterYaml('ch', [{ endpoints: ups.map((u) => ({ port: u.port })) }], `lb_policy: ${policy}`),
      }),
    );
    t.after(async () => {
      await p.close();
      await closeAll(ups);
    });
    const port = p.port('http');
    const base = `http://127.0.0.1:${port}`;
    const byHeader = new Map<string, string>();
    const byQuery = new Map<string, string>();
    for (let k = 0; k < 24; k++) {
      for (let rep = 0; rep < 3; rep++) {
        const h = (await get(`${base}/h/${rep}`, { 'x-user': `user-${k}` })).body;
        assert.equal(byHeader.get(`user-${k}`) ?? h, h, `header key user-${k} moved`);
        byHeader.set(`user-${k}`, h);
        const q = (await get(`${base}/q/${rep}?x=1&user=user-${k}`)).body;
        assert.equal(byQuery.get(`user-${k}`) ?? q, q, `query key user-${k} moved`);
        byQuery.set(`user-${k}`, q);
      }
    }
    assert.ok(new Set(byHeader.values()).size >= 2, `24 header keys all on ${[...byHeader.values()][0]}`);
    assert.ok(new Set(byQuery.values()).size >= 2, '24 query keys on one host');

    // Source IP: every 127.0.0.0/8 address reaches the loopback listener; each sticks to its host.
    const byIp = new Map<string, string>();
    for (let i = 1; i <= 24; i++) {
      const ip = `127.0.0.${i}`;
      for (let rep = 0; rep < 2; rep++) {
        // A new connection each time: stickiness must not depend on connection reuse.
        const client = new Client(base, { localAddress: ip });
        try {
          const r = await client.request({ path: `/ip/${rep}`, method: 'GET' });
          const body = await r.body.text();
          assert.equal(byIp.get(ip) ?? body, body, `source ${ip} moved`);
          byIp.set(ip, body);
        } finally {
          await client.close();
        }
      }
    }
    assert.ok(new Set(byIp.values()).size >= 2, '24 source addresses on one host');
  });

  test(`${policy}: hash_policy cookie with ttl generates the cookie (Max-Age, Path, HttpOnly) and requests carrying it stay sticky`, async (t) => {
    const ups = await startNamedUpstreams(['a', 'b', 'c', 'd']);
    const p = await startProxy(
      httpBootstrap({
        virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/nottl" }
    route: { cluster: ch, hash_policy: [{ cookie: { name: plain } }] }
  - match: { prefix: "/" }
    route: { cluster: ch, hash_policy: [{ cookie: { name: sticky, ttl: 3600s, path: /app } }] }`,
        clusters: clusterYaml('ch', [{ endpoints: ups.map((u) => ({ port: u.port })) }], `lb_policy: ${policy}`),
      }),
    );
    t.after(async () => {
      await p.close();
      await closeAll(ups);
    });
    const base = `http://127.0.0.1:${p.port('http')}`;
    const hostByCookie = new Map<string, string>();
    // Separate connections get separate cookies (Envoy hashes the connection's addresses).
    for (let conn = 0; conn < 12; conn++) {
      const client = new Client(base);
      try {
        const first = await client.request({ path: '/app/x', method: 'GET' });
        const host = await first.body.text();
        const setCookie = first.headers['set-cookie'];
        assert.equal(typeof setCookie, 'string', `set-cookie: ${String(setCookie)}`);
        const m = /^sticky="([0-9a-f]{16})"; Max-Age=3600; Path=\/app; HttpOnly$/.exec(setCookie as string);
        assert.ok(m, `set-cookie shape: ${String(setCookie)}`);
        hostByCookie.set(m[1]!, host);
        // The cookie's host is the one that served the request that generated it; with it, no new cookie.
        for (const cookie of [`sticky="${m[1]}"`, `sticky=${m[1]}`, `other=1; sticky=${m[1]}`]) {
          const again = await client.request({ path: '/app/y', method: 'GET', headers: { cookie } });
          assert.equal(await again.body.text(), host, `cookie ${cookie}`);
          assert.equal(again.headers['set-cookie'], undefined);
        }
      } finally {
        await client.close();
      }
    }
    assert.ok(hostByCookie.size >= 10, `distinct cookies per connection: ${hostByCookie.size}`);
    assert.ok(new Set(hostByCookie.values()).size >= 2, 'generated cookies spread over hosts');
    // From another connection the same cookie still lands on the same host.
    for (const [value, host] of [...hostByCookie].slice(0, 4)) {
      assert.equal((await get(`${base}/app/z`, { cookie: `sticky=${value}` })).body, host);
    }
    // Without a ttl the cookie is never generated.
    const nottl = await get(`${base}/nottl`);
    assert.equal(nottl.status, 200);
    assert.equal(nottl.headers['set-cookie'], undefined);
  });
}

test('priorities: priority 0 takes all traffic while healthy; priority 1 only when priority 0 has no healthy host', async (t) => {
  const ups = await startNamedUpstreams(['p0a', 'p0b', 'p1']);
  const [p0a, p0b, p1] = ups as [(typeof ups)[0], (typeof ups)[0], (typeof ups)[0]];
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/healthy" }
    route: { cluster: healthy }
  - match: { prefix: "/down" }
    route: { cluster: down }
  - match: { prefix: "/half" }
    route: { cluster: half }`,
      clusters: [
        clusterYaml('healthy', [{ endpoints: [{ port: p0a.port }, { port: p0b.port }] }, { priority: 1, endpoints: [{ port: p1.port }] }]),
        clusterYaml('down', [
          { endpoints: [{ port: p0a.port, health: 'UNHEALTHY' }, { port: p0b.port, health: 'DRAINING' }] },
          { priority: 1, endpoints: [{ port: p1.port }] },
        ]),
        // Half of priority 0 healthy: 140 % × 1/2 = 70 % stays on priority 0, 30 % spills to priority 1.
        clusterYaml('half', [{ endpoints: [{ port: p0a.port }, { port: p0b.port, health: 'UNHEALTHY' }] }, { priority: 1, endpoints: [{ port: p1.port }] }]),
      ].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const run = async (path: string, n: number): Promise<Record<string, number>> => {
    const bodies: string[] = [];
    for (let i = 0; i < n; i++) bodies.push((await get(`${base}${path}`)).body);
    return tally(bodies);
  };
  assert.deepEqual(await run('/healthy', 20), { p0a: 10, p0b: 10 });
  assert.deepEqual(await run('/down', 10), { p1: 10 });
  const half = await run('/half', 80);
  assert.equal(half['p0b'], undefined, 'the unhealthy host gets nothing');
  assert.ok((half['p0a'] ?? 0) > 0 && (half['p1'] ?? 0) > 0, JSON.stringify(half));
  assert.ok((half['p0a'] ?? 0) > (half['p1'] ?? 0), `priority 0 keeps most of the load: ${JSON.stringify(half)}`);
});

test('priorities over EDS: traffic fails over to priority 1 when priority 0 turns unhealthy, and back', async (t) => {
  const ups = await startNamedUpstreams(['p0', 'p1']);
  const [p0, p1] = ups as [(typeof ups)[0], (typeof ups)[0]];
  const cla = (p0Health: string, version: string): [Record<string, unknown>[], string] => [
    [
      {
        cluster_name: 'svc',
        endpoints: [
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p0.port } } }, health_status: p0Health }] },
          { priority: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p1.port } } } }] },
        ],
      },
    ],
    version,
  ];
  const x = await startXdsProxy((fake) => {
    fake.push(CLUSTER_TYPE_URL, [edsCluster('svc')], 'c1');
    fake.push(ENDPOINT_TYPE_URL, ...cla('HEALTHY', 'e1'));
    fake.push(LISTENER_TYPE_URL, [rdsListener('http', 'r')], 'l1');
    fake.push(ROUTE_TYPE_URL, [routeTo('r', 'svc')], 'r1');
  });
  t.after(async () => {
    await x.close();
    await closeAll(ups);
  });
  await x.ack(ROUTE_TYPE_URL, 'r1');
  const run = async (n: number): Promise<Record<string, number>> => {
    const bodies: string[] = [];
    for (let i = 0; i < n; i++) bodies.push((await x.get(`/${i}`)).body);
    return tally(bodies);
  };
  assert.deepEqual(await run(10), { p0: 10 });
  let since = x.fake.requests.length;
  x.fake.push(ENDPOINT_TYPE_URL, ...cla('UNHEALTHY', 'e2'));
  await x.ack(ENDPOINT_TYPE_URL, 'e2', since);
  assert.deepEqual(await run(10), { p1: 10 });
  since = x.fake.requests.length;
  x.fake.push(ENDPOINT_TYPE_URL, ...cla('HEALTHY', 'e3'));
  await x.ack(ENDPOINT_TYPE_URL, 'e3', since);
  assert.deepEqual(await run(10), { p0: 10 });
});

test('locality weighted: localities share traffic by load_balancing_weight (1:3), exactly per round', async (t) => {
  const ups = await startNamedUpstreams(['za', 'zb1', 'zb2']);
  const [za, zb1, zb2] = ups as [(typeof ups)[0], (typeof ups)[0], (typeof ups)[0]];
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: allTo('loc'),
      clusters: clusterYaml(
        'loc',
        [
          { zone: 'a', weight: 1, endpoints: [{ port: za.port }] },
          { zone: 'b', weight: 3, endpoints: [{ port: zb1.port }, { port: zb2.port }] },
        ],
        'common_lb_config: { locality_weighted_lb_config: {} }',
      ),
    }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const bodies: string[] = [];
  for (let i = 0; i < 40; i++) bodies.push((await get(`${base}/${i}`)).body);
  const counts = tally(bodies);
  assert.equal(counts['za'], 10, JSON.stringify(counts));
  // Inside zone b, round robin alternates its two hosts.
  assert.deepEqual([counts['zb1'], counts['zb2']], [15, 15], JSON.stringify(counts));
  // /clusters shows the localities.
  const clusters = await (await fetch(`http://127.0.0.1:${p.adminPort}/clusters`)).text();
  assert.match(clusters, new RegExp(`^loc::127\\.0\\.0\\.1:${za.port}::zone::a$`, 'm'));
  assert.match(clusters, new RegExp(`^loc::127\\.0\\.0\\.1:${zb2.port}::zone::b$`, 'm'));
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return new Promise(() => undefined); // never settles: the race picks the other side
    await new Promise((r) => setTimeout(r, 5));
  }
}
