/**
 * The connection manager's own request and response headers, end to end: x-request-id,
 * x-forwarded-for / -proto, internal vs external requests and the x-envoy-* sanitising that goes
 * with them, x-envoy-external-address, server and via.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import { machineAddress, startRig } from './hcm-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ROUTE_ALL = `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: up }
    request_headers_to_add:
    - header: { key: x-seen-remote, value: "%DOWNSTREAM_REMOTE_ADDRESS%" }
    - header: { key: x-seen-direct, value: "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%" }`;

/** Headers only a trusted caller may set, which Envoy strips from every external request. */
const CONTROL_HEADERS: Record<string, string> = {
  'x-envoy-retry-on': '5xx',
  'x-envoy-retry-grpc-on': 'cancelled',
  'x-envoy-max-retries': '3',
  'x-envoy-retriable-status-codes': '418',
  'x-envoy-retriable-header-names': 'x-foo',
  'x-envoy-upstream-alt-stat-name': 'alt',
  'x-envoy-upstream-rq-per-try-timeout-ms': '100',
  'x-envoy-upstream-rq-timeout-alt-response': '204',
  'x-envoy-force-trace': 'true',
  'x-envoy-ip-tags': 'tag',
  'x-envoy-hedge-on-per-try-timeout': 'true',
};

/**
 * Control headers the router reads and consumes (Envoy's RetryStateImpl::create and finalTimeout):
 * an internal request's reach the router, which uses them and never forwards them.
 */
const ROUTER_CONSUMED = new Set([
  'x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries', 'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names', 'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-hedge-on-per-try-timeout',
]);

/** Stripped only at the edge (external request to a proxy that uses the remote address). */
const EDGE_HEADERS: Record<string, string> = {
  'x-envoy-decorator-operation': 'op',
  'x-envoy-downstream-service-cluster': 'caller',
  'x-envoy-downstream-service-node': 'node-1',
};

test('defaults (use_remote_address false): x-request-id generated or kept, x-forwarded-proto set, XFF untouched', async (t) => {
  const rig = await startRig(t, { virtualHosts: ROUTE_ALL });
  const r1 = await request(`${rig.base}/a`);
  assert.equal(r1.statusCode, 200);
  await r1.body.dump();
  const up1 = rig.last().headers;
  assert.match(String(up1['x-request-id']), UUID);
  assert.equal(r1.headers['x-request-id'], undefined, 'not echoed without always_set_request_id_in_response');
  assert.equal(up1['x-forwarded-proto'], 'http');
  assert.equal(up1['x-forwarded-for'], undefined, 'XFF is only appended with use_remote_address');
  assert.equal(up1['x-envoy-internal'], undefined, 'no XFF: not an internal request');
  assert.equal(up1['x-envoy-external-address'], undefined);
  // Without use_remote_address and no XFF, the client is the connection's peer.
  assert.match(String(up1['x-seen-remote']), /^127\.0\.0\.1:\d+$/);

  const r2 = await request(`${rig.base}/b`, { headers: { 'x-request-id': 'caller-id-1', 'x-forwarded-proto': 'https' } });
  await r2.body.dump();
  const up2 = rig.last().headers;
  assert.equal(up2['x-request-id'], 'caller-id-1');
  assert.equal(up2['x-forwarded-proto'], 'https', 'a prior x-forwarded-proto is kept without use_remote_address');

  // A second request id per request: the generated ones differ.
  const r3 = await request(`${rig.base}/c`);
  await r3.body.dump();
  assert.notEqual(rig.last().headers['x-request-id'], up1['x-request-id']);
});

test('use_remote_address false: a single internal XFF address marks the request internal, others are external', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: ROUTE_ALL,
    routeConfigExtra: 'internal_only_headers: ["x-internal-secret"]',
  });
  const sent = { ...CONTROL_HEADERS, ...EDGE_HEADERS, 'x-internal-secret': 's3cret', 'x-request-id': 'keep-me' };

  // Internal: XFF holds exactly one RFC 1918 address. Everything passes, x-envoy-internal is set.
  const r1 = await request(`${rig.base}/in`, { headers: { ...sent, 'x-forwarded-for': '10.1.2.3' } });
  await r1.body.dump();
  const internal = rig.last().headers;
  assert.equal(internal['x-envoy-internal'], 'true');
  for (const [k, v] of Object.entries(sent)) {
    if (ROUTER_CONSUMED.has(k)) assert.equal(internal[k], undefined, `${k} consumed by the router`);
    else assert.equal(internal[k], v, `${k} kept on an internal request`);
  }
  assert.equal(internal['x-forwarded-for'], '10.1.2.3');
  // The trusted client address comes from XFF (Envoy parses it with port 0).
  assert.equal(internal['x-seen-remote'], '10.1.2.3:0');
  assert.equal(internal['x-seen-direct'], '127.0.0.1');

  // External: a public XFF address. Control headers and internal_only_headers go, edge headers
  // stay (not an edge request: this proxy does not use the remote address), the id is kept.
  const r2 = await request(`${rig.base}/out`, { headers: { ...sent, 'x-forwarded-for': '203.0.113.9', 'x-envoy-internal': 'true' } });
  await r2.body.dump();
  const external = rig.last().headers;
  assert.equal(external['x-envoy-internal'], undefined, 'a caller cannot claim to be internal');
  for (const k of Object.keys(CONTROL_HEADERS)) assert.equal(external[k], undefined, `${k} stripped from an external request`);
  assert.equal(external['x-internal-secret'], undefined, 'internal_only_headers stripped');
  for (const [k, v] of Object.entries(EDGE_HEADERS)) assert.equal(external[k], v, `${k} kept (not an edge request)`);
  assert.equal(external['x-request-id'], 'keep-me');
  assert.equal(external['x-envoy-external-address'], undefined);
  assert.equal(external['x-seen-remote'], '203.0.113.9:0');

  // Two XFF addresses are never internal, even when both are private.
  const r3 = await request(`${rig.base}/two`, { headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2', 'x-envoy-retry-on': '5xx' } });
  await r3.body.dump();
  assert.equal(rig.last().headers['x-envoy-internal'], undefined);
  assert.equal(rig.last().headers['x-envoy-retry-on'], undefined);

  // No XFF at all: external, even from loopback.
  const r4 = await request(`${rig.base}/none`, { headers: { 'x-envoy-max-retries': '2' } });
  await r4.body.dump();
  assert.equal(rig.last().headers['x-envoy-max-retries'], undefined);
});

test('use_remote_address false with xff_num_trusted_hops: the client address skips the trusted hops', async (t) => {
  const rig = await startRig(t, { virtualHosts: ROUTE_ALL, hcmExtra: 'xff_num_trusted_hops: 1' });
  const r = await request(`${rig.base}/`, { headers: { 'x-forwarded-for': '198.51.100.7, 10.0.0.9' } });
  await r.body.dump();
  const h = rig.last().headers;
  assert.equal(h['x-seen-remote'], '198.51.100.7:0');
  assert.equal(h['x-forwarded-for'], '198.51.100.7, 10.0.0.9', 'not appended to');
  assert.equal(h['x-envoy-internal'], undefined);
});

test('use_remote_address true: XFF appended, x-forwarded-proto overwritten, loopback peers are internal', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: ROUTE_ALL,
    hcmExtra: 'use_remote_address: true',
    routeConfigExtra: 'internal_only_headers: ["x-internal-secret"]',
  });
  const local = machineAddress();

  // The peer is 127.0.0.1: internal. Envoy appends its own local address for a loopback peer.
  const r1 = await request(`${rig.base}/a`, {
    headers: { 'x-forwarded-proto': 'https', 'x-request-id': 'internal-id', 'x-envoy-ip-tags': 'tag', 'x-internal-secret': 's' },
  });
  await r1.body.dump();
  const h1 = rig.last().headers;
  assert.equal(h1['x-forwarded-for'], local);
  assert.equal(h1['x-forwarded-proto'], 'http', 'the peer is plaintext, whatever it claims');
  assert.equal(h1['x-envoy-internal'], 'true');
  assert.equal(h1['x-request-id'], 'internal-id', 'an internal caller keeps its request id');
  assert.equal(h1['x-envoy-ip-tags'], 'tag');
  assert.equal(h1['x-internal-secret'], 's');
  assert.equal(h1['x-envoy-external-address'], undefined);

  // A caller that already has XFF is not "single address": external, and an edge request.
  const r2 = await request(`${rig.base}/b`, {
    headers: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'outside-id', 'x-internal-secret': 's', ...CONTROL_HEADERS, ...EDGE_HEADERS },
  });
  await r2.body.dump();
  const h2 = rig.last().headers;
  assert.equal(h2['x-forwarded-for'], `203.0.113.9, ${local}`);
  assert.equal(h2['x-envoy-internal'], undefined);
  assert.equal(h2['x-envoy-external-address'], '127.0.0.1', 'the edge records the peer it trusts');
  assert.match(String(h2['x-request-id']), UUID);
  assert.notEqual(h2['x-request-id'], 'outside-id', 'an edge request gets a fresh request id');
  for (const k of [...Object.keys(CONTROL_HEADERS), ...Object.keys(EDGE_HEADERS), 'x-internal-secret']) {
    assert.equal(h2[k], undefined, `${k} stripped at the edge`);
  }
  assert.equal(h2['x-seen-remote']?.toString().startsWith('127.0.0.1:'), true);
});

test('use_remote_address with xff_num_trusted_hops: client address from XFF, trusted x-forwarded-proto kept', async (t) => {
  const rig = await startRig(t, { virtualHosts: ROUTE_ALL, hcmExtra: 'use_remote_address: true\nxff_num_trusted_hops: 1' });
  const r = await request(`${rig.base}/`, { headers: { 'x-forwarded-for': '203.0.113.50', 'x-forwarded-proto': 'https' } });
  await r.body.dump();
  const h = rig.last().headers;
  assert.equal(h['x-envoy-external-address'], '203.0.113.50');
  assert.equal(h['x-seen-remote'], '203.0.113.50:0');
  assert.equal(h['x-forwarded-proto'], 'https', 'set by a trusted hop');
  assert.equal(h['x-forwarded-for'], `203.0.113.50, ${machineAddress()}`);
});

test('preserve_external_request_id, skip_xff_append, generate_request_id false, always_set_request_id_in_response', async (t) => {
  const keep = await startRig(t, {
    virtualHosts: ROUTE_ALL,
    hcmExtra: 'use_remote_address: true\npreserve_external_request_id: true\nskip_xff_append: true\nalways_set_request_id_in_response: true',
  });
  const r1 = await request(`${keep.base}/`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'outside-id' } });
  await r1.body.dump();
  assert.equal(keep.last().headers['x-request-id'], 'outside-id');
  assert.equal(keep.last().headers['x-forwarded-for'], '203.0.113.9', 'skip_xff_append');
  assert.equal(r1.headers['x-request-id'], 'outside-id', 'always_set_request_id_in_response');

  const none = await startRig(t, { virtualHosts: ROUTE_ALL, hcmExtra: 'generate_request_id: false' });
  const r2 = await request(`${none.base}/`);
  await r2.body.dump();
  assert.equal(none.last().headers['x-request-id'], undefined);
  const r3 = await request(`${none.base}/`, { headers: { 'x-request-id': 'given' } });
  await r3.body.dump();
  assert.equal(none.last().headers['x-request-id'], 'given');
});

/** An upstream that sets `server` only when asked to (?server=NAME). */
const serverHandler: http.RequestListener = (req, res) => {
  const name = new URL(req.url ?? '/', 'http://x').searchParams.get('server');
  if (name) res.setHeader('server', name);
  res.end('ok');
};

test('server_name with server_header_transformation OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH', async (t) => {
  const vh = `- name: all
  domains: ["*"]
  routes:
  - match: { prefix: "/up" }
    route: { cluster: up }
  - match: { prefix: "/direct" }
    direct_response: { status: 200, body: { inline_string: "direct" } }`;
  const rigs = {
    OVERWRITE: await startRig(t, { virtualHosts: vh, handlers: { up: serverHandler }, hcmExtra: 'server_name: edge-proxy' }),
    APPEND_IF_ABSENT: await startRig(t, { virtualHosts: vh, handlers: { up: serverHandler }, hcmExtra: 'server_name: edge-proxy\nserver_header_transformation: APPEND_IF_ABSENT' }),
    PASS_THROUGH: await startRig(t, { virtualHosts: vh, handlers: { up: serverHandler }, hcmExtra: 'server_name: edge-proxy\nserver_header_transformation: PASS_THROUGH' }),
  };
  const want = {
    // [upstream sets "origin", upstream sets none, direct response, 404 local reply]
    OVERWRITE: ['edge-proxy', 'edge-proxy', 'edge-proxy', 'edge-proxy'],
    APPEND_IF_ABSENT: ['origin', 'edge-proxy', 'edge-proxy', 'edge-proxy'],
    PASS_THROUGH: ['origin', undefined, undefined, undefined],
  };
  for (const [mode, rig] of Object.entries(rigs)) {
    const got: (string | undefined)[] = [];
    for (const path of ['/up?server=origin', '/up', '/direct', '/missing']) {
      const r = await request(`${rig.base}${path}`);
      await r.body.dump();
      got.push(r.headers['server'] as string | undefined);
    }
    assert.deepEqual(got, want[mode as keyof typeof want], mode);
  }
});

test('via is appended to the request and the response', async (t) => {
  const rig = await startRig(t, {
    virtualHosts: ROUTE_ALL,
    hcmExtra: 'via: tsmesh-edge',
    handlers: {
      up: (_req, res) => {
        res.setHeader('via', '1.1 origin');
        res.end('ok');
      },
    },
  });
  const r = await request(`${rig.base}/`, { headers: { via: '1.0 client-proxy' } });
  await r.body.dump();
  assert.equal(rig.last().headers['via'], '1.0 client-proxy, tsmesh-edge');
  assert.equal(r.headers['via'], '1.1 origin, tsmesh-edge');
  const plain = await request(`${rig.base}/`);
  await plain.body.dump();
  assert.equal(rig.last().headers['via'], 'tsmesh-edge');
});
