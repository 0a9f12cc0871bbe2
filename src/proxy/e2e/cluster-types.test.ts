import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { allTo, closeAll, clusterYaml, eventually, get, startNamedUpstreams, statValue } from './cluster-fixtures.js';

const FLAGS = '  response_headers_to_add: [{ header: { key: x-flags, value: "%RESPONSE_FLAGS%" } }]\n  routes:';

function routes(list: readonly [prefix: string, cluster: string][]): string {
  return `- name: all
  domains: ["*"]
${FLAGS}
${list.map(([prefix, cluster]) => `  - match: { prefix: "${prefix}" }\n    route: { cluster: ${cluster} }`).join('\n')}`;
}

test('STATIC, STRICT_DNS and LOGICAL_DNS clusters resolving localhost serve traffic; DNS is re-resolved every dns_refresh_rate without churning hosts', async (t) => {
  const up = await startUpstream('dns');
  const dns = (name: string, type: string): string =>
    clusterYaml(name, [{ endpoints: [{ address: 'localhost', port: up.port }] }], 'dns_lookup_family: V4_ONLY\ndns_refresh_rate: 0.1s', type);
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: routes([
        ['/static', 'static'],
        ['/strict', 'strict'],
        ['/logical', 'logical'],
      ]),
      clusters: [clusterYaml('static', [{ endpoints: [{ port: up.port }] }]), dns('strict', 'STRICT_DNS'), dns('logical', 'LOGICAL_DNS')].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await up.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (const path of ['/static', '/strict', '/logical']) {
    const r = await get(`${base}${path}/x`);
    assert.equal(r.status, 200, path);
    assert.equal(r.body, `dns GET ${path}/x`);
  }
  const clusters = await (await fetch(`http://127.0.0.1:${p.adminPort}/clusters`)).text();
  for (const c of ['strict', 'logical']) {
    assert.match(clusters, new RegExp(`^${c}::127\\.0\\.0\\.1:${up.port}::hostname::localhost$`, 'm'), clusters);
    assert.match(clusters, new RegExp(`^${c}::127\\.0\\.0\\.1:${up.port}::health_flags::healthy$`, 'm'));
  }
  assert.match(clusters, new RegExp(`^static::127\\.0\\.0\\.1:${up.port}::hostname::$`, 'm'));

  // Re-resolution every 100 ms: about 6 attempts in 600 ms, all successful, no membership change.
  const before: Record<string, number> = {};
  for (const c of ['strict', 'logical']) before[c] = (await statValue(p.adminPort, `cluster.${c}.update_attempt`)) ?? 0;
  await sleep(600);
  for (const c of ['strict', 'logical']) {
    const attempts = (await statValue(p.adminPort, `cluster.${c}.update_attempt`)) ?? 0;
    const delta = attempts - before[c]!;
    assert.ok(before[c]! >= 1 && delta >= 3 && delta <= 9, `${c} update_attempt ${before[c]} then ${attempts}`);
    const success = (await statValue(p.adminPort, `cluster.${c}.update_success`)) ?? 0;
    assert.ok(success >= attempts - 1, `${c} update_success ${success} of ${attempts}`);
    assert.ok(((await statValue(p.adminPort, `cluster.${c}.update_no_rebuild`)) ?? 0) >= attempts - 2);
    assert.equal(await statValue(p.adminPort, `cluster.${c}.update_failure`), 0);
    assert.equal(await statValue(p.adminPort, `cluster.${c}.membership_change`), 1, `${c}: same address, same host`);
  }
  // The host (and its pooled connection) survived the refreshes.
  for (const path of ['/strict', '/logical']) assert.equal((await get(`${base}${path}/again`)).status, 200);
  assert.equal(await statValue(p.adminPort, 'cluster.strict.upstream_cx_total'), 1);
  assert.equal(await statValue(p.adminPort, 'cluster.logical.upstream_cx_total'), 1);
});

test('STRICT_DNS and LOGICAL_DNS with a name that does not resolve: the proxy starts, answers 503 UH, keeps retrying, and stays up', async (t) => {
  const ok = await startUpstream('ok');
  const bad = (name: string, type: string): string =>
    clusterYaml(name, [{ endpoints: [{ address: 'no-such-host.invalid', port: 80 }] }], 'dns_refresh_rate: 0.1s', type);
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: routes([
        ['/strict', 'strict'],
        ['/logical', 'logical'],
        ['/', 'ok'],
      ]),
      clusters: [bad('strict', 'STRICT_DNS'), bad('logical', 'LOGICAL_DNS'), clusterYaml('ok', [{ endpoints: [{ port: ok.port }] }])].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await ok.close();
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (const path of ['/strict', '/logical']) {
    const r = await get(`${base}${path}`);
    assert.equal(r.status, 503, path);
    assert.equal(r.body, 'no healthy upstream');
    assert.equal(r.headers['x-flags'], 'UH');
  }
  assert.ok(
    await eventually(async () => ((await statValue(p.adminPort, 'cluster.strict.update_failure')) ?? 0) >= 3 && ((await statValue(p.adminPort, 'cluster.logical.update_failure')) ?? 0) >= 3),
    'failed resolutions are retried',
  );
  assert.equal(await statValue(p.adminPort, 'cluster.strict.update_success'), 0);
  assert.equal(await statValue(p.adminPort, 'cluster.strict.upstream_cx_none_healthy'), 1);
  assert.equal((await get(`${base}/fine`)).status, 200, 'other clusters unaffected');
  const clusters = await (await fetch(`http://127.0.0.1:${p.adminPort}/clusters`)).text();
  assert.match(clusters, /^strict::observability_name::strict$/m);
  assert.doesNotMatch(clusters, /^strict::[^:]+:\d+::/m, 'no hosts');
});

test('ORIGINAL_DST with use_http_header routes to x-envoy-original-dst-host; without a usable header there is no host (503 UH), never a loop to the listener', async (t) => {
  const ups = await startNamedUpstreams(['one', 'two']);
  const [one, two] = ups as [(typeof ups)[0], (typeof ups)[0]];
  const od = (name: string, extra: string): string => `- name: ${name}
  type: ORIGINAL_DST
  lb_policy: CLUSTER_PROVIDED
  connect_timeout: 1s
${extra}`;
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: routes([
        ['/header', 'by_header'],
        ['/plain', 'plain'],
      ]),
      clusters: [od('by_header', '  original_dst_lb_config: { use_http_header: true }'), od('plain', '')].join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    await closeAll(ups);
  });
  const base = `http://127.0.0.1:${p.port('http')}`;
  const h = 'x-envoy-original-dst-host';
  assert.equal((await get(`${base}/header/a`, { [h]: `127.0.0.1:${one.port}` })).body, 'one');
  assert.equal((await get(`${base}/header/b`, { [h]: `127.0.0.1:${two.port}` })).body, 'two');
  assert.equal((await get(`${base}/header/c`, { [h]: `127.0.0.1:${one.port}` })).body, 'one');
  // The header is a hint to the proxy, and is forwarded as any other header.
  assert.equal(one.requests[0]!.headers[h], `127.0.0.1:${one.port}`);
  const clusters = await (await fetch(`http://127.0.0.1:${p.adminPort}/clusters`)).text();
  assert.match(clusters, new RegExp(`^by_header::127\\.0\\.0\\.1:${one.port}::rq_total::2$`, 'm'));
  assert.match(clusters, new RegExp(`^by_header::127\\.0\\.0\\.1:${two.port}::rq_total::1$`, 'm'));

  // No header, or an unparsable one: the listener restored no original destination on loopback.
  for (const headers of [{}, { [h]: 'not-an-address' }, { [h]: 'example.com:80' }]) {
    const r = await get(`${base}/header/none`, headers as Record<string, string>);
    assert.equal(r.status, 503, JSON.stringify(headers));
    assert.equal(r.body, 'no healthy upstream');
    assert.equal(r.headers['x-flags'], 'UH');
  }
  assert.equal(await statValue(p.adminPort, 'cluster.by_header.original_dst_host_invalid'), 2);
  // Without use_http_header the header is not consulted at all.
  const plain = await get(`${base}/plain`, { [h]: `127.0.0.1:${one.port}` });
  assert.equal(plain.status, 503);
  assert.equal(plain.headers['x-flags'], 'UH');
  assert.equal(one.requests.length, 2);
});

/**
 * An address whose TCP connect neither completes nor fails within 300 ms here: the classic
 * blackholes, probed because sandboxes differ (some NAT every connect, some lack IPv6 routes).
 */
async function findBlackhole(): Promise<string | null> {
  for (const host of ['10.255.255.1', '100::1', '192.0.2.1']) {
    const outcome = await new Promise<string>((resolve) => {
      const s = net.connect({ host, port: 81 });
      const timer = setTimeout(() => {
        s.destroy();
        resolve('pending');
      }, 300);
      s.once('connect', () => {
        clearTimeout(timer);
        s.destroy();
        resolve('connected');
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve('error');
      });
    });
    if (outcome === 'pending') return host;
  }
  return null;
}

test('connect_timeout: a blackholed upstream gives 503 UF (connection timeout) after about the timeout', async (t) => {
  // A TLS upstream that accepts TCP and never answers the handshake is a blackhole everywhere:
  // Envoy's connect_timeout covers the transport handshake. A true network blackhole is used too
  // when this machine has one.
  const accepted = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    accepted.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as AddressInfo).port;
  const blackhole = await findBlackhole();
  const tls = `transport_socket:
  name: envoy.transport_sockets.tls
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
    sni: example.com`;
  const timeoutCluster = (name: string, address: string, port: number, extra: string): string =>
    clusterYaml(name, [{ endpoints: [{ address, port }] }], extra).replace('connect_timeout: 1s', 'connect_timeout: 0.25s');
  const clusters = [timeoutCluster('tls_silent', '127.0.0.1', silentPort, tls)];
  if (blackhole !== null) clusters.push(timeoutCluster('blackhole', blackhole, 81, ''));
  const p = await startProxy(
    httpBootstrap({
      virtualHosts: routes([
        ['/tls', 'tls_silent'],
        ['/bh', blackhole !== null ? 'blackhole' : 'tls_silent'],
      ]),
      clusters: clusters.join('\n'),
    }),
  );
  t.after(async () => {
    await p.close();
    for (const s of accepted) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
  t.diagnostic(`network blackhole: ${blackhole ?? 'none on this machine (TLS silent server used)'}`);
  const base = `http://127.0.0.1:${p.port('http')}`;
  for (const path of ['/tls', '/bh']) {
    const started = Date.now();
    const r = await get(`${base}${path}`);
    const took = Date.now() - started;
    assert.equal(r.status, 503, path);
    assert.equal(r.body, 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout', path);
    assert.equal(r.headers['x-flags'], 'UF', path);
    assert.ok(took >= 200 && took < 1500, `${path} took ${took} ms for a 250 ms connect_timeout`);
  }
  const name = blackhole !== null ? 'blackhole' : 'tls_silent';
  assert.ok(((await statValue(p.adminPort, `cluster.${name}.upstream_cx_connect_timeout`)) ?? 0) >= 1);
  assert.ok(((await statValue(p.adminPort, 'cluster.tls_silent.upstream_cx_connect_fail')) ?? 0) >= 1);
});
