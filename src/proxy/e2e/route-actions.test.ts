/**
 * Route actions through the whole proxy: weighted clusters, cluster_header, missing clusters,
 * path and host rewrites, the default route timeout, redirects and direct responses, with the
 * router's stats under Envoy's names.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, request } from 'undici';
import { httpBootstrap, startProxy, startUpstream } from '../testing/proxy-harness.js';
import { getRequest, rawExchange, startRig } from './hcm-fixtures.js';

test('weighted_clusters: split by weight over many requests, zero weight never, header_name picks deterministically', async (t) => {
  const rig = await startRig(t, {
    clusters: ['a', 'b', 'z'],
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/pick" }
    route:
      weighted_clusters:
        header_name: x-pick
        clusters: [{ name: a, weight: 1 }, { name: b, weight: 1 }]
  - match: { prefix: "/" }
    route:
      weighted_clusters:
        total_weight: 4
        clusters: [{ name: a, weight: 1 }, { name: b, weight: 3 }, { name: z, weight: 0 }]`,
  });
  const client = new Client(rig.base, { pipelining: 1 });
  t.after(() => client.close());
  const N = 200;
  const counts: Record<string, number> = { a: 0, b: 0, z: 0 };
  for (let i = 0; i < N; i++) {
    const r = await client.request({ path: `/${i}`, method: 'GET' });
    const name = (await r.body.text()).split(' ')[0]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  assert.equal(counts['z'], 0);
  assert.equal(counts['a']! + counts['b']!, N);
  // Expected 150 of 200 for b (sd ≈ 6): 110..190 is far outside chance.
  assert.ok(counts['b']! >= 110 && counts['b']! <= 190, `b got ${counts['b']} of ${N}`);

  // header_name: the value modulo the total weight selects the cluster.
  for (const [v, want] of [['0', 'a'], ['1', 'b'], ['2', 'a'], ['7', 'b']] as const) {
    const r = await client.request({ path: '/pick', method: 'GET', headers: { 'x-pick': v } });
    assert.equal((await r.body.text()).split(' ')[0], want, `x-pick ${v}`);
  }
});

test('weighted_clusters: total_weight other than the sum is a config error', async () => {
  const yaml = httpBootstrap({
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { weighted_clusters: { total_weight: 10, clusters: [{ name: a, weight: 1 }, { name: b, weight: 3 }] } }`,
    clusters: `- name: a
  type: STATIC
  load_assignment: { cluster_name: a, endpoints: [] }
- name: b
  type: STATIC
  load_assignment: { cluster_name: b, endpoints: [] }`,
  });
  await assert.rejects(startProxy(yaml), /total_weight/);
});

test('cluster_header, missing clusters (503 NC or cluster_not_found_response_code) and no route, with router stats', async (t) => {
  const rig = await startRig(t, {
    clusters: ['a', 'b'],
    routeConfigExtra: 'validate_clusters: false',
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/by-header" }
    route: { cluster_header: x-cluster }
  - match: { prefix: "/ghost404" }
    route: { cluster: ghost, cluster_not_found_response_code: NOT_FOUND }
  - match: { prefix: "/ghost" }
    route: { cluster: ghost }
  - match: { prefix: "/direct" }
    direct_response: { status: 202, body: { inline_string: "accepted" } }
  - match: { prefix: "/moved" }
    redirect: { path_redirect: "/new" }
  - match: { prefix: "/a" }
    route: { cluster: a }`,
  });
  const h = await request(`${rig.base}/by-header/x`, { headers: { 'x-cluster': 'b' } });
  assert.equal(await h.body.text(), 'b GET /by-header/x');
  const missingHeader = await request(`${rig.base}/by-header/x`);
  assert.equal(missingHeader.statusCode, 503);
  assert.equal(await missingHeader.body.text(), '');
  const unknown = await request(`${rig.base}/by-header/x`, { headers: { 'x-cluster': 'nope' } });
  assert.equal(unknown.statusCode, 503);
  await unknown.body.dump();
  const ghost = await request(`${rig.base}/ghost`);
  assert.equal(ghost.statusCode, 503);
  await ghost.body.dump();
  const ghost404 = await request(`${rig.base}/ghost404`);
  assert.equal(ghost404.statusCode, 404);
  await ghost404.body.dump();
  const nr = await request(`${rig.base}/nothing-here`);
  assert.equal(nr.statusCode, 404);
  await nr.body.dump();
  const direct = await request(`${rig.base}/direct`);
  assert.equal(direct.statusCode, 202);
  assert.equal(await direct.body.text(), 'accepted');
  const moved = await request(`${rig.base}/moved`);
  assert.equal(moved.statusCode, 301);
  await moved.body.dump();
  const ok = await request(`${rig.base}/a`);
  await ok.body.dump();

  const s = await rig.stats();
  const stat = (n: string): number | undefined => s.get(`http.ingress_http.${n}`);
  assert.equal(stat('no_cluster'), 4);
  assert.equal(stat('no_route'), 1);
  assert.equal(stat('rq_direct_response'), 2, 'direct responses and redirects');
  assert.equal(stat('rq_total'), 9);
  assert.equal(s.get('cluster.b.upstream_rq_total'), 1);
});

test('prefix_rewrite, regex_rewrite, host_rewrite_literal with x-forwarded-host, default and route timeouts', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/api/" }
    route: { cluster: up, prefix_rewrite: "/" }
  - match: { path: "/exact" }
    route: { cluster: up, prefix_rewrite: "/replaced" }
  - match: { prefix: "/CI/", case_sensitive: false }
    route: { cluster: up, prefix_rewrite: "/ci/" }
  - match: { safe_regex: { regex: "/v([0-9]+)/items/([a-z]+)" } }
    route: { cluster: up, regex_rewrite: { pattern: { regex: "^/v([0-9]+)/items/([a-z]+)$" }, substitution: "/items/\\\\2?version=\\\\1" } }
  - match: { prefix: "/re/" }
    route: { cluster: up, regex_rewrite: { pattern: { regex: "o" }, substitution: "0" } }
  - match: { prefix: "/host" }
    route: { cluster: up, host_rewrite_literal: "internal.svc", append_x_forwarded_host: true, timeout: 3s }
  - match: { prefix: "/" }
    route: { cluster: up }`,
  });
  const cases: [string, string][] = [
    ['/api/users?id=7', '/users?id=7'],
    ['/exact?q', '/replaced?q'],
    ['/ci/x', '/ci/x'],
    ['/Ci/Y', '/ci/Y'],
    ['/v2/items/shoes', '/items/shoes?version=2'],
    ['/re/foo/boo?o=o', '/re/f00/b00?o=o'], // every match replaced; the query is kept
  ];
  for (const [sent, want] of cases) {
    const r = await rawExchange(rig.port, getRequest(sent));
    assert.equal(r.status, 200, sent);
    assert.equal(rig.last().url, want, sent);
  }
  const r = await request(`${rig.base}/host`, { headers: { host: 'public.example.com' } });
  await r.body.dump();
  assert.equal(rig.last().headers['host'], 'internal.svc');
  assert.equal(rig.last().headers['x-forwarded-host'], 'public.example.com');
  assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], '3000');
  const d = await request(`${rig.base}/default`, { headers: { host: 'public.example.com' } });
  await d.body.dump();
  assert.equal(rig.last().headers['host'], 'public.example.com', 'no rewrite: the Host is kept');
  assert.equal(rig.last().headers['x-envoy-expected-rq-timeout-ms'], '15000', "Envoy's default route timeout");
  assert.equal(rig.last().headers['x-forwarded-host'], undefined);
});

test('auto_host_rewrite uses the STRICT_DNS host name', async (t) => {
  const up = await startUpstream('dns');
  t.after(() => up.close());
  const rig = await startRig(t, {
    clusters: [],
    extraClusters: `- name: dns
  type: STRICT_DNS
  dns_lookup_family: V4_ONLY
  connect_timeout: 1s
  load_assignment:
    cluster_name: dns
    endpoints:
    - lb_endpoints:
      - endpoint: { address: { socket_address: { address: localhost, port_value: ${up.port} } } }`,
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: dns, auto_host_rewrite: true }`,
  });
  const r = await request(`${rig.base}/x`, { headers: { host: 'public.example.com' } });
  assert.equal(r.statusCode, 200);
  await r.body.dump();
  assert.equal(up.requests[0]!.headers['host'], 'localhost');
});

test('redirects: scheme, host, port, path, prefix_rewrite, regex_rewrite, strip_query, response codes', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/https" }
    redirect: { https_redirect: true }
  - match: { prefix: "/scheme" }
    redirect: { scheme_redirect: "https", port_redirect: 8443 }
  - match: { prefix: "/host" }
    redirect: { host_redirect: "new.example.com", response_code: FOUND }
  - match: { prefix: "/port" }
    redirect: { port_redirect: 9090, response_code: SEE_OTHER }
  - match: { prefix: "/pathq" }
    redirect: { path_redirect: "/fixed?a=b", response_code: PERMANENT_REDIRECT }
  - match: { prefix: "/path" }
    redirect: { path_redirect: "/elsewhere", response_code: TEMPORARY_REDIRECT }
  - match: { prefix: "/old/" }
    redirect: { prefix_rewrite: "/new/" }
  - match: { prefix: "/rx/" }
    redirect: { regex_rewrite: { pattern: { regex: "^/rx/(.*)$" }, substitution: "/regex/\\\\1" } }
  - match: { prefix: "/strip" }
    redirect: { path_redirect: "/stripped", strip_query: true }`,
  });
  const cases: [string, string, number, string][] = [
    // [path, Host, status, Location]
    ['/https/a?x=1', 'example.com', 301, 'https://example.com/https/a?x=1'],
    ['/https', 'example.com:80', 301, 'https://example.com/https'], // the old scheme's default port goes
    ['/https', 'example.com:8080', 301, 'https://example.com:8080/https'],
    ['/scheme/x', 'example.com:8080', 301, 'https://example.com:8443/scheme/x'],
    ['/host/p?q', 'example.com:8080', 302, 'http://new.example.com/host/p?q'],
    ['/port', 'example.com:8080', 303, 'http://example.com:9090/port'],
    ['/path/x?keep=1', 'example.com', 307, 'http://example.com/elsewhere?keep=1'],
    ['/pathq?drop=1', 'example.com', 308, 'http://example.com/fixed?a=b'],
    ['/old/thing?v=2', 'example.com', 301, 'http://example.com/new/thing?v=2'],
    ['/rx/deep/path', 'example.com', 301, 'http://example.com/regex/deep/path'],
    ['/strip?a=1&b=2', 'example.com', 301, 'http://example.com/stripped'],
  ];
  for (const [path, host, status, location] of cases) {
    const r = await rawExchange(rig.port, getRequest(path, host));
    assert.equal(r.status, status, path);
    assert.equal(r.headers['location'], location, path);
    assert.equal(r.body, '', path);
  }
  // x-forwarded-proto https (trusted: no use_remote_address) makes the request https already.
  const r = await rawExchange(rig.port, getRequest('/host', 'example.com', ['x-forwarded-proto: https']));
  assert.equal(r.headers['location'], 'https://new.example.com/host');
  assert.equal(rig.upstreams['up']!.requests.length, 0);
});

test('direct_response: status with an inline body, status alone', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/teapot" }
    direct_response: { status: 418, body: { inline_string: "short and stout" } }
  - match: { prefix: "/empty" }
    direct_response: { status: 204 }
  - match: { prefix: "/health" }
    direct_response: { status: 200, body: { inline_string: "ok" } }
    response_headers_to_add: [{ header: { key: x-route, value: health } }]`,
  });
  const tea = await request(`${rig.base}/teapot`);
  assert.equal(tea.statusCode, 418);
  assert.equal(tea.headers['content-type'], 'text/plain');
  assert.equal(await tea.body.text(), 'short and stout');
  const empty = await request(`${rig.base}/empty`);
  assert.equal(empty.statusCode, 204);
  assert.equal(await empty.body.text(), '');
  const health = await request(`${rig.base}/health`);
  assert.equal(await health.body.text(), 'ok');
  assert.equal(health.headers['x-route'], 'health', 'route response headers apply to direct responses');
  assert.equal(health.headers['server'], 'istio-envoy');
});
