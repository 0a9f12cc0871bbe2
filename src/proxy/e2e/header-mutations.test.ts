/**
 * request/response_headers_to_add and _to_remove at every level, end to end: Envoy's order of
 * evaluation across levels (and most_specific_header_mutations_wins), append_action and the
 * legacy append, and the substitution formatters header values may use.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { hostname } from 'node:os';
import { request } from 'undici';
import { startUpstream } from '../testing/proxy-harness.js';
import { startRig } from './hcm-fixtures.js';

/** Each level appends its name to x-order and overwrites x-winner with it. */
function level(name: string, indent: string): string {
  return [
    'request_headers_to_add:',
    `- header: { key: x-order, value: ${name} }`,
    `- header: { key: x-winner, value: ${name} }`,
    '  append_action: OVERWRITE_IF_EXISTS_OR_ADD',
    `- header: { key: x-legacy, value: ${name} }`,
    '  append: false',
    'response_headers_to_add:',
    `- header: { key: x-order, value: ${name} }`,
    `- header: { key: x-winner, value: ${name} }`,
    '  append_action: OVERWRITE_IF_EXISTS_OR_ADD',
  ]
    .map((l) => indent + l)
    .join('\n');
}

function levelsConfig(mostSpecificWins: boolean): { virtualHosts: string; routeConfigExtra: string } {
  return {
    routeConfigExtra: `${mostSpecificWins ? 'most_specific_header_mutations_wins: true\n' : ''}${level('global', '')}`,
    virtualHosts: `- name: all
  domains: ["*"]
${level('vhost', '  ')}
  routes:
  - match: { prefix: "/wc" }
    route:
      weighted_clusters:
        clusters:
        - name: up
          weight: 1
${level('cluster', '          ')}
${level('route', '    ')}
  - match: { prefix: "/" }
    route: { cluster: up }
${level('route', '    ')}`,
  };
}

test('levels apply weighted cluster, route, virtual host, route configuration; the last overwrite wins', async (t) => {
  const rig = await startRig(t, {
    ...levelsConfig(false),
    handlers: {
      up: (_req, res) => {
        res.setHeader('x-order', 'upstream');
        res.end('ok');
      },
    },
  });
  const r = await request(`${rig.base}/plain`, { headers: { 'x-order': 'client' } });
  await r.body.dump();
  let seen = rig.last().headers;
  assert.equal(seen['x-order'], 'client, route, vhost, global');
  assert.equal(seen['x-winner'], 'global', 'the least specific level is applied last');
  assert.equal(seen['x-legacy'], 'global', 'append: false overwrites');
  // Repeated response headers go out as separate lines (undici gives them as an array).
  assert.deepEqual(r.headers['x-order'], ['upstream', 'route', 'vhost', 'global']);
  assert.equal(r.headers['x-winner'], 'global');

  const w = await request(`${rig.base}/wc`);
  await w.body.dump();
  seen = rig.last().headers;
  assert.equal(seen['x-order'], 'cluster, route, vhost, global');
  assert.deepEqual(w.headers['x-order'], ['upstream', 'cluster', 'route', 'vhost', 'global']);
  assert.equal(w.headers['x-winner'], 'global');
});

test('most_specific_header_mutations_wins: the route configuration first, the route last', async (t) => {
  const rig = await startRig(t, levelsConfig(true));
  const r = await request(`${rig.base}/plain`);
  await r.body.dump();
  let seen = rig.last().headers;
  assert.equal(seen['x-order'], 'global, vhost, route');
  assert.equal(seen['x-winner'], 'route');
  assert.equal(r.headers['x-winner'], 'route');
  // Envoy evaluates a weighted cluster's mutations before its route's in either mode.
  const w = await request(`${rig.base}/wc`);
  await w.body.dump();
  seen = rig.last().headers;
  assert.equal(seen['x-order'], 'cluster, global, vhost, route');
  assert.equal(seen['x-winner'], 'route');
  assert.deepEqual(w.headers['x-order'], ['cluster', 'global', 'vhost', 'route']);
});

test('append_action forms, remove before add, values computed from the headers as received', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: up }
    request_headers_to_remove: [x-remove, x-replace]
    request_headers_to_add:
    - { header: { key: x-append, value: new }, append_action: APPEND_IF_EXISTS_OR_ADD }
    - { header: { key: x-if-absent, value: new }, append_action: ADD_IF_ABSENT }
    - { header: { key: x-overwrite, value: new }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }
    - { header: { key: x-if-exists, value: new }, append_action: OVERWRITE_IF_EXISTS }
    - { header: { key: x-replace, value: added } }
    - { header: { key: x-copy, value: "%REQ(x-overwrite)%" } }
    - { header: { key: x-empty-kept, value: "%REQ(x-missing)%" }, keep_empty_value: true }
    - { header: { key: x-empty-dropped, value: "%REQ(x-missing)%" } }
    - { header: { key: x-literal, value: "100%% sure" } }
    response_headers_to_remove: [x-upstream-secret]
    response_headers_to_add:
    - { header: { key: x-upstream-set, value: proxy }, append_action: ADD_IF_ABSENT }
    - { header: { key: x-upstream-over, value: proxy }, append_action: OVERWRITE_IF_EXISTS }
    - { header: { key: x-not-there, value: proxy }, append_action: OVERWRITE_IF_EXISTS }
    - { header: { key: x-upstream-secret, value: replaced } }`,
    handlers: {
      up: (_req, res) => {
        res.setHeader('x-upstream-secret', 'hidden');
        res.setHeader('x-upstream-set', 'origin');
        res.setHeader('x-upstream-over', 'origin');
        res.end('ok');
      },
    },
  });
  const present = { 'x-append': 'old', 'x-if-absent': 'old', 'x-overwrite': 'old', 'x-if-exists': 'old', 'x-remove': 'gone', 'x-replace': 'old' };
  const r1 = await request(`${rig.base}/`, { headers: present });
  await r1.body.dump();
  const h1 = rig.last().headers;
  assert.equal(h1['x-append'], 'old, new');
  assert.equal(h1['x-if-absent'], 'old');
  assert.equal(h1['x-overwrite'], 'new');
  assert.equal(h1['x-if-exists'], 'new');
  assert.equal(h1['x-remove'], undefined);
  assert.equal(h1['x-replace'], 'added', 'removed first, then added');
  assert.equal(h1['x-copy'], 'old', 'formatters read the headers before this level changed them');
  assert.equal(h1['x-empty-kept'], '');
  assert.equal(h1['x-empty-dropped'], undefined);
  assert.equal(h1['x-literal'], '100% sure');
  assert.equal(r1.headers['x-upstream-secret'], 'replaced');
  assert.equal(r1.headers['x-upstream-set'], 'origin');
  assert.equal(r1.headers['x-upstream-over'], 'proxy');
  assert.equal(r1.headers['x-not-there'], undefined);

  const r2 = await request(`${rig.base}/`);
  await r2.body.dump();
  const h2 = rig.last().headers;
  assert.equal(h2['x-append'], 'new');
  assert.equal(h2['x-if-absent'], 'new');
  assert.equal(h2['x-overwrite'], 'new');
  assert.equal(h2['x-if-exists'], undefined, 'OVERWRITE_IF_EXISTS adds nothing when absent');
  assert.equal(h2['x-copy'], undefined, 'an empty value is not added');
});

test('formatters in header values: addresses, REQ, START_TIME, PROTOCOL, HOSTNAME, UPSTREAM_METADATA', async (t) => {
  const up = await startUpstream('meta');
  t.after(() => up.close());
  const rig = await startRig(t, {
    clusters: [],
    extraClusters: `- name: meta
  type: STATIC
  connect_timeout: 1s
  load_assignment:
    cluster_name: meta
    endpoints:
    - lb_endpoints:
      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${up.port} } } }
        metadata: { filter_metadata: { envoy.lb: { canary: true, version: v2, weight: 3, nested: { a: b } } } }`,
    virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: meta }
    request_headers_to_add:
    - header: { key: x-remote, value: "%DOWNSTREAM_REMOTE_ADDRESS%" }
    - header: { key: x-remote-ip, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
    - header: { key: x-local, value: "%DOWNSTREAM_LOCAL_ADDRESS%" }
    - header: { key: x-copied, value: "in=%REQ(x-in)% path=%REQ(:path)% alt=%REQ(x-none?x-in)%" }
    - header: { key: x-start, value: "%START_TIME%" }
    - header: { key: x-start-s, value: "%START_TIME(%s)%" }
    - header: { key: x-proto, value: "%PROTOCOL%" }
    - header: { key: x-host, value: "%HOSTNAME%" }
    - header: { key: x-canary, value: "%UPSTREAM_METADATA([\\"envoy.lb\\", \\"canary\\"])%" }
    - header: { key: x-version, value: "%UPSTREAM_METADATA([\\"envoy.lb\\", \\"version\\"])%" }
    - header: { key: x-nested, value: "%UPSTREAM_METADATA(envoy.lb:nested)%" }
    - header: { key: x-meta-missing, value: "%UPSTREAM_METADATA([\\"envoy.lb\\", \\"nope\\"])%" }
    - header: { key: x-truncated, value: "%REQ(x-in):3%" }
    response_headers_to_add:
    - header: { key: x-echo-in, value: "%REQ(x-in)%" }
    - header: { key: x-upstream-ct, value: "%RESP(content-type)%" }
    - header: { key: x-code, value: "%RESPONSE_CODE%" }`,
  });
  const before = Math.floor(Date.now() / 1000);
  const r = await request(`${rig.base}/p?q=1`, { headers: { 'x-in': 'hello' } });
  await r.body.dump();
  const h = up.requests[0]!.headers;
  assert.match(String(h['x-remote']), /^127\.0\.0\.1:\d+$/);
  assert.equal(h['x-remote-ip'], '127.0.0.1');
  assert.equal(h['x-local'], `127.0.0.1:${rig.port}`);
  assert.equal(h['x-copied'], 'in=hello path=/p?q=1 alt=hello');
  assert.match(String(h['x-start']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Number(h['x-start-s']) - before) <= 2, `START_TIME(%s) ${String(h['x-start-s'])}`);
  assert.equal(h['x-proto'], 'HTTP/1.1');
  assert.equal(h['x-host'], hostname());
  assert.equal(h['x-canary'], 'true');
  assert.equal(h['x-version'], 'v2');
  assert.equal(h['x-nested'], '{"a":"b"}');
  assert.equal(h['x-meta-missing'], undefined);
  assert.equal(h['x-truncated'], 'hel');
  assert.equal(r.headers['x-echo-in'], 'hello');
  assert.equal(r.headers['x-upstream-ct'], 'text/plain');
  assert.equal(r.headers['x-code'], '200');

  // %PROTOCOL% for an HTTP/2 downstream.
  const session = http2.connect(rig.base);
  t.after(() => session.close());
  await new Promise<void>((resolve, reject) => {
    const req = session.request({ ':path': '/h2' });
    req.resume();
    req.on('end', resolve);
    req.on('error', reject);
  });
  assert.equal(up.requests[1]!.headers['x-proto'], 'HTTP/2');
});

test('an unknown formatter command is a config error naming it', async (t) => {
  await assert.rejects(
    startRig(t, {
      virtualHosts: `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: up }
    request_headers_to_add: [{ header: { key: x-bad, value: "%NOT_A_COMMAND%" } }]`,
    }),
    /NOT_A_COMMAND/,
  );
});
