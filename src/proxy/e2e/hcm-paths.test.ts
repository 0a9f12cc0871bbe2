/**
 * Path normalisation by the connection manager, end to end: normalize_path, merge_slashes and
 * path_with_escaped_slashes_action. The upstream sees the normalised path, and routing uses it.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { getRequest, rawExchange, startRig } from './hcm-fixtures.js';
import type { Rig } from './hcm-fixtures.js';

const VHOSTS = `- name: all
  domains: ["*"]
  routes:
  - match: { path: "/admin" }
    route: { cluster: admin }
  - match: { prefix: "/" }
    route: { cluster: up }`;

/** Sends `path` verbatim; returns the status and what each upstream saw. */
async function send(rig: Rig, path: string, extra: readonly string[] = []): Promise<{ status: number; location?: string; body: string }> {
  const r = await rawExchange(rig.port, getRequest(path, 'example.com', extra));
  return { status: r.status, location: r.headers['location'], body: r.body };
}

test('normalize_path: dot segments removed, unreserved escapes decoded, routing on the result', async (t) => {
  const rig = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'], hcmExtra: 'normalize_path: true' });
  const cases: [string, string][] = [
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/../../x', '/x'],
    ['/%7Euser/%41%62c', '/~user/Abc'],
    ['/a%2fb', '/a%2Fb'], // not unreserved: kept escaped, hex upper-cased
    ['/a\\b', '/a/b'],
    ['/x/../y?q=/../z', '/y?q=/../z'], // the query is never touched
    ['/%2E%2E/z', '/z'],
  ];
  for (const [sent, want] of cases) {
    const r = await send(rig, sent);
    assert.equal(r.status, 200, sent);
    assert.equal(rig.last('up').url, want, sent);
  }
  // Routing uses the normalised path: "/public/../admin" is "/admin".
  const r = await send(rig, '/public/../admin');
  assert.equal(r.body, 'admin GET /admin');
  const enc = await send(rig, '/%61dmin');
  assert.equal(enc.body, 'admin GET /admin');
});

test('without normalize_path the path reaches routing and the upstream as sent', async (t) => {
  const rig = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'] });
  const r = await send(rig, '/public/../admin');
  assert.equal(r.body, 'up GET /public/../admin');
  const slashes = await send(rig, '//a//b');
  assert.equal(slashes.body, 'up GET //a//b');
});

test('merge_slashes: repeated slashes become one, before routing', async (t) => {
  const rig = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'], hcmExtra: 'merge_slashes: true' });
  assert.equal((await send(rig, '//a///b//')).body, 'up GET /a/b/');
  assert.equal((await send(rig, '//admin')).body, 'admin GET /admin');
  assert.equal((await send(rig, '/q?x=//y')).body, 'up GET /q?x=//y');
});

test('path_with_escaped_slashes_action: KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD', async (t) => {
  const keep = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'], hcmExtra: 'path_with_escaped_slashes_action: KEEP_UNCHANGED' });
  assert.equal((await send(keep, '/a%2Fb%5cc')).body, 'up GET /a%2Fb%5cc');

  const reject = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'], hcmExtra: 'path_with_escaped_slashes_action: REJECT_REQUEST' });
  assert.equal((await send(reject, '/a%2fb')).status, 400);
  assert.equal((await send(reject, '/a%5Cb')).status, 400);
  assert.equal((await send(reject, '/plain?q=%2F')).status, 200, 'escapes in the query do not count');
  assert.equal(reject.upstreams['up']!.requests.length, 1);
  assert.equal((await reject.stats()).get('http.ingress_http.downstream_rq_failed_path_normalization'), 2);

  const redirect = await startRig(t, {
    virtualHosts: VHOSTS,
    clusters: ['up', 'admin'],
    hcmExtra: 'path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT\nnormalize_path: true\nmerge_slashes: true',
  });
  const r = await send(redirect, '/a%2F%2Fb?x=1');
  assert.equal(r.status, 307);
  assert.equal(r.location, '/a/b?x=1');
  assert.equal(redirect.upstreams['up']!.requests.length, 0);
  // gRPC clients cannot follow redirects: rejected instead.
  const grpc = await send(redirect, '/svc%2FMethod', ['content-type: application/grpc']);
  assert.equal(grpc.status, 400);
  // Nothing to unescape: forwarded (normalised).
  assert.equal((await send(redirect, '/a/./b')).body, 'up GET /a/b');
  const stats = await redirect.stats();
  assert.equal(stats.get('http.ingress_http.downstream_rq_redirected_with_normalized_path'), 1);

  const forward = await startRig(t, {
    virtualHosts: VHOSTS,
    clusters: ['up', 'admin'],
    hcmExtra: 'path_with_escaped_slashes_action: UNESCAPE_AND_FORWARD\nnormalize_path: true',
  });
  assert.equal((await send(forward, '/x%2F..%2Fadmin')).body, 'admin GET /admin', 'unescaped, then normalised, then routed');
  assert.equal((await send(forward, '/a%5Cb')).body, 'up GET /a/b');
});

test('HTTP/2 requests are normalised the same way', async (t) => {
  const rig = await startRig(t, { virtualHosts: VHOSTS, clusters: ['up', 'admin'], hcmExtra: 'normalize_path: true\nmerge_slashes: true' });
  const session = http2.connect(rig.base);
  t.after(() => session.close());
  const body = await new Promise<string>((resolve, reject) => {
    // normalize_path first ("//x/.." leaves "//admin": an empty segment is a segment), then merge_slashes.
    const req = session.request({ ':path': '//x/../admin' });
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (data += d));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
  assert.equal(body, 'admin GET /admin');
  assert.equal(rig.upstreams['up']!.requests.length, 0);
});
