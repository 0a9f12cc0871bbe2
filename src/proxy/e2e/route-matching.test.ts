/**
 * Route selection through the whole proxy: virtual host choice by Host/:authority with Envoy's
 * domain precedence, routes tried in order, and every RouteMatch form.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { request } from 'undici';
import { startRig } from './hcm-fixtures.js';
import type { Rig } from './hcm-fixtures.js';

/** A virtual host answering its own name with a direct response. */
function vhost(name: string, domains: string[]): string {
  return `- name: ${name}
  domains: ${JSON.stringify(domains)}
  routes:
  - match: { prefix: "/" }
    direct_response: { status: 200, body: { inline_string: "${name}" } }`;
}

async function bodyFor(rig: Rig, path: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await request(`${rig.base}${path}`, { headers });
  const text = await r.body.text();
  return r.statusCode === 200 ? text : String(r.statusCode);
}

test('virtual host precedence: exact, longest *.suffix, longest prefix*, then *; ports are part of the host', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: [
      vhost('exact', ['api.example.com', 'port.example.com:8080']),
      vhost('suffix-short', ['*.example.com']),
      vhost('suffix-long', ['*.api.example.com']),
      vhost('suffix-dash', ['*-canary.example.com']),
      vhost('prefix-short', ['api.*']),
      vhost('prefix-long', ['api.example.*']),
      vhost('default', ['*']),
    ].join('\n'),
  });
  const cases: [string, string][] = [
    ['api.example.com', 'exact'],
    ['API.Example.COM', 'exact'], // case-insensitive
    ['port.example.com:8080', 'exact'],
    ['v1.api.example.com', 'suffix-long'],
    ['web.example.com', 'suffix-short'],
    ['web-canary.example.com', 'suffix-dash'], // longer than *.example.com
    ['api.example.org', 'prefix-long'],
    ['api.test', 'prefix-short'],
    ['example.com', 'default'], // "*.example.com" needs at least one character before it
    ['elsewhere.net', 'default'],
    // With a port the host is "api.example.com:8080": not the exact domain, not a suffix
    // ("*.example.com" does not end in ":8080"), but it starts with "api.example.".
    ['api.example.com:8080', 'prefix-long'],
    ['web.example.com:8080', 'default'],
    ['port.example.com', 'suffix-short'], // the exact entry has a port
  ];
  for (const [host, want] of cases) assert.equal(await bodyFor(rig, '/', { host }), want, host);

  // HTTP/2 routes by :authority the same way.
  const session = http2.connect(rig.base);
  t.after(() => session.close());
  const viaH2 = await new Promise<string>((resolve, reject) => {
    const req = session.request({ ':path': '/', ':authority': 'v1.api.example.com' });
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (data += d));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
  assert.equal(viaH2, 'suffix-long');
});

test('ignore_port_in_host_matching and strip_any_host_port match hosts without their port', async (t) => {
  const vhs = [vhost('exact', ['api.example.com']), vhost('default', ['*'])].join('\n');
  const rc = await startRig(t, { virtualHosts: vhs, routeConfigExtra: 'ignore_port_in_host_matching: true' });
  assert.equal(await bodyFor(rc, '/', { host: 'api.example.com:8443' }), 'exact');
  const hcm = await startRig(t, { virtualHosts: vhs, hcmExtra: 'strip_any_host_port: true' });
  assert.equal(await bodyFor(hcm, '/', { host: 'api.example.com:8443' }), 'exact');
  const none = await startRig(t, { virtualHosts: vhs });
  assert.equal(await bodyFor(none, '/', { host: 'api.example.com:8443' }), 'default');
  // No virtual host at all for the authority: 404 NR.
  const only = await startRig(t, { virtualHosts: vhost('exact', ['api.example.com']) });
  assert.equal(await bodyFor(only, '/', { host: 'other.example.com' }), '404');
});

/** A route answering `name` with a direct response. */
function route(name: string, match: string): string {
  return `  - name: ${name}
    match: ${match}
    direct_response: { status: 200, body: { inline_string: "${name}" } }`;
}

test('routes are tried in order; path, prefix, safe_regex, path_separated_prefix and case_sensitive', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
${route('prefix-a', '{ prefix: "/a" }')}
${route('path-ab', '{ path: "/a/b" }')}
${route('exact-path', '{ path: "/exact" }')}
${route('regex', '{ safe_regex: { regex: "/r/[0-9]+" } }')}
${route('separated', '{ path_separated_prefix: "/sep" }')}
${route('insensitive', '{ prefix: "/CaSe", case_sensitive: false }')}
${route('sensitive', '{ prefix: "/Upper" }')}
${route('insensitive-path', '{ path: "/Mixed/Path", case_sensitive: false }')}
${route('catch-all', '{ prefix: "/" }')}`,
  });
  const cases: [string, string][] = [
    ['/a/b', 'prefix-a'], // the earlier route wins
    ['/abc', 'prefix-a'],
    ['/exact', 'exact-path'],
    ['/exact?q=1', 'exact-path'], // the query is not part of the path
    ['/exact/', 'catch-all'],
    ['/r/123', 'regex'],
    ['/r/123x', 'catch-all'], // the regex must match the whole path
    ['/r/123?x=y', 'regex'],
    ['/sep', 'separated'],
    ['/sep/x', 'separated'],
    ['/sep?q', 'separated'],
    ['/sepx', 'catch-all'],
    ['/case/x', 'insensitive'],
    ['/CASE', 'insensitive'],
    ['/Upper/1', 'sensitive'],
    ['/upper/1', 'catch-all'],
    ['/mixed/PATH', 'insensitive-path'],
  ];
  for (const [path, want] of cases) assert.equal(await bodyFor(rig, path), want, path);
});

test('header matchers: exact, prefix, suffix, contains, regex, present, range, string_match, invert', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
${route('exact', '{ prefix: "/", headers: [{ name: x-exact, exact_match: "v1" }] }')}
${route('prefix', '{ prefix: "/", headers: [{ name: x-prefix, prefix_match: "pre" }] }')}
${route('suffix', '{ prefix: "/", headers: [{ name: x-suffix, suffix_match: "fix" }] }')}
${route('contains', '{ prefix: "/", headers: [{ name: x-contains, contains_match: "mid" }] }')}
${route('regex', '{ prefix: "/", headers: [{ name: x-regex, safe_regex_match: { regex: "v[0-9]+" } }] }')}
${route('range', '{ prefix: "/", headers: [{ name: x-range, range_match: { start: 10, end: 20 } }] }')}
${route('string-ci', '{ prefix: "/", headers: [{ name: x-ci, string_match: { exact: "MiXeD", ignore_case: true } }] }')}
${route('string-prefix', '{ prefix: "/", headers: [{ name: x-sp, string_match: { prefix: "ab" } }] }')}
${route('string-regex', '{ prefix: "/", headers: [{ name: x-sr, string_match: { safe_regex: { regex: "[a-c]+" } } }] }')}
${route('absent', '{ prefix: "/absent", headers: [{ name: x-flag, present_match: false }] }')}
${route('present', '{ prefix: "/", headers: [{ name: x-flag, present_match: true }] }')}
${route('inverted', '{ prefix: "/inv", headers: [{ name: x-env, exact_match: "prod", invert_match: true }] }')}
${route('both', '{ prefix: "/both", headers: [{ name: x-a, exact_match: "1" }, { name: x-b, exact_match: "2" }] }')}
${route('authority', '{ prefix: "/auth", headers: [{ name: ":authority", exact_match: "special.test" }] }')}
${route('method', '{ prefix: "/method", headers: [{ name: ":method", exact_match: "POST" }] }')}
${route('catch-all', '{ prefix: "/" }')}`,
  });
  const cases: [Record<string, string>, string, string?][] = [
    [{ 'x-exact': 'v1' }, 'exact'],
    [{ 'x-exact': 'v12' }, 'catch-all'],
    [{ 'x-prefix': 'prefix' }, 'prefix'],
    [{ 'x-suffix': 'postfix' }, 'suffix'],
    [{ 'x-contains': 'amidst' }, 'contains'],
    [{ 'x-regex': 'v42' }, 'regex'],
    [{ 'x-regex': 'v42b' }, 'catch-all'], // full match
    [{ 'x-range': '15' }, 'range'],
    [{ 'x-range': '20' }, 'catch-all'], // [start, end)
    [{ 'x-ci': 'mixed' }, 'string-ci'],
    [{ 'x-sp': 'abc' }, 'string-prefix'],
    [{ 'x-sr': 'cab' }, 'string-regex'],
    [{ 'x-sr': 'cabd' }, 'catch-all'],
    [{ 'x-flag': '' }, 'present'], // present even when empty
    [{}, 'absent', '/absent'],
    [{ 'x-flag': '1' }, 'present', '/absent'],
    [{ 'x-env': 'dev' }, 'inverted', '/inv'],
    [{ 'x-env': 'prod' }, 'catch-all', '/inv'],
    [{}, 'catch-all', '/inv'], // a missing header fails an inverted value matcher (Envoy)
    [{ 'x-a': '1', 'x-b': '2' }, 'both', '/both'],
    [{ 'x-a': '1' }, 'catch-all', '/both'], // every header must match
    [{ host: 'special.test' }, 'authority', '/auth'],
  ];
  for (const [headers, want, path] of cases) assert.equal(await bodyFor(rig, path ?? '/', headers), want, JSON.stringify([path, headers]));
  const post = await request(`${rig.base}/method`, { method: 'POST', body: 'x' });
  assert.equal(await post.body.text(), 'method');
  assert.equal(await bodyFor(rig, '/method'), 'catch-all');
});

test('query_parameters, runtime_fraction 0% and 100%, grpc', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
${route('never', '{ prefix: "/", runtime_fraction: { default_value: { numerator: 0 }, runtime_key: routing.never } }')}
${route('q-exact', '{ prefix: "/q", query_parameters: [{ name: debug, string_match: { exact: "1" } }] }')}
${route('q-present', '{ prefix: "/q", query_parameters: [{ name: trace, present_match: true }] }')}
${route('q-both', '{ prefix: "/both", query_parameters: [{ name: a, string_match: { prefix: "x" } }, { name: b, string_match: { exact: "y" } }] }')}
${route('grpc', '{ prefix: "/svc", grpc: {} }')}
${route('always', '{ prefix: "/", runtime_fraction: { default_value: { numerator: 100, denominator: HUNDRED } } }')}
${route('unreachable', '{ prefix: "/" }')}`,
  });
  const cases: [string, string, Record<string, string>?][] = [
    ['/q?debug=1', 'q-exact'],
    ['/q?x=2&debug=1', 'q-exact'],
    ['/q?debug=10', 'always'],
    ['/q?trace', 'q-present'],
    ['/q?trace=&debug=0', 'q-present'],
    ['/q', 'always'],
    ['/both?a=xyz&b=y', 'q-both'],
    ['/both?a=xyz', 'always'],
    ['/svc/Method', 'grpc', { 'content-type': 'application/grpc' }],
    ['/svc/Method', 'grpc', { 'content-type': 'application/grpc+proto' }],
    ['/svc/Method', 'always', { 'content-type': 'application/grpc-web' }],
    ['/svc/Method', 'always'],
  ];
  for (const [path, want, headers] of cases) assert.equal(await bodyFor(rig, path, headers), want, path);
  // 0% never matches and 100% always does, over many requests.
  for (let i = 0; i < 30; i++) assert.equal(await bodyFor(rig, `/r${i}`), 'always');
});
