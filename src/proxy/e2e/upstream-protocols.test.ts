import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';
import type { Json, TestServer } from './protocol-fixtures.js';
import {
  EXPLICIT_H2, HTTP_PROTOCOL_OPTIONS_TYPE, bootstrap, cluster, h2Get, listener, routeHcm, startDualUpstream, startH2cUpstream, startTlsUpstream, stat, stats,
  upstreamTls,
} from './protocol-fixtures.js';

// Which HTTP version the proxy speaks upstream: HTTP/1.1 by default, HTTP/2 when the cluster
// says so (typed HttpProtocolOptions or the legacy http2_protocol_options), the downstream's
// protocol with use_downstream_protocol_config, and h2 over TLS via ALPN. The upstreams serve
// HTTP/1.1 and h2c on one port and report the version each request came in with.

const skip = opensslMissing() ?? false;
let pki: TestPki;
let proxy: StartedProxy;
let dual: TestServer;
let h2c: TestServer;
let tlsUp: TestServer;
let echo: TestServer;

const protocolOptions = (options: Json): Json => ({
  typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, ...options } },
});

/** One listener per cluster, each routing everything to it. */
const CLUSTERS: Record<string, (ports: { dual: number; h2c: number; tls: number; echo: number }) => Json> = {
  default: (p) => cluster('default', [p.dual]),
  explicit_h2: (p) => cluster('explicit_h2', [p.dual], EXPLICIT_H2),
  explicit_h1: (p) => cluster('explicit_h1', [p.dual], protocolOptions({ explicit_http_config: { http_protocol_options: {} } })),
  legacy_h2: (p) => cluster('legacy_h2', [p.dual], { http2_protocol_options: {} }),
  downstream: (p) => cluster('downstream', [p.dual], protocolOptions({ use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } })),
  legacy_downstream: (p) => cluster('legacy_downstream', [p.dual], { protocol_selection: 'USE_DOWNSTREAM_PROTOCOL', http2_protocol_options: {} }),
  h2c_only: (p) => cluster('h2c_only', [p.h2c], EXPLICIT_H2),
  tls_h2: (p) => cluster('tls_h2', [p.tls], { ...EXPLICIT_H2, transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { validation_context: { trusted_ca: { inline_string: pki.ca.cert } } } }) }),
  echo_h1: (p) => cluster('echo_h1', [p.echo]),
  echo_h2: (p) => cluster('echo_h2', [p.echo], EXPLICIT_H2),
  tls_h1: (p) => cluster('tls_h1', [p.tls], { transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { validation_context: { trusted_ca: { inline_string: pki.ca.cert } } } }) }),
};

before(async () => {
  if (skip) return;
  pki = makeTestPki();
  dual = await startDualUpstream('dual');
  h2c = await startH2cUpstream('h2c');
  tlsUp = await startTlsUpstream('tls', pki.server, { h2: true });
  // Answers with the request body, as it came, in the request's protocol.
  echo = await startDualUpstream('echo', (req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    (req as NodeJS.ReadableStream).pipe(res as unknown as NodeJS.WritableStream);
  });
  const ports = { dual: dual.port, h2c: h2c.port, tls: tlsUp.port, echo: echo.port };
  proxy = await startProxy(
    bootstrap({
      listeners: Object.keys(CLUSTERS).map((name) => listener(name, [{ filters: [routeHcm(name, name)] }])),
      clusters: Object.values(CLUSTERS).map((make) => make(ports)),
    }),
  );
});

after(async () => {
  if (skip) return;
  await proxy.close();
  await dual.close();
  await h2c.close();
  await tlsUp.close();
  await echo.close();
  pki.cleanup();
});

/** Sends one HTTP/1.1 and one h2c request through listener `name`; returns the upstream's answers. */
async function both(name: string): Promise<{ h1: string; h2: string }> {
  const base = `http://127.0.0.1:${proxy.port(name)}`;
  const r1 = await request(`${base}/via-h1`);
  assert.equal(r1.statusCode, 200, name);
  const h1 = await r1.body.text();
  const r2 = await h2Get(base, '/via-h2');
  assert.equal(r2.status, 200, name);
  return { h1, h2: r2.body };
}

test('default: HTTP/1.1 upstream whatever the downstream speaks', { skip }, async () => {
  assert.deepEqual(await both('default'), { h1: 'dual HTTP/1.1 /via-h1', h2: 'dual HTTP/1.1 /via-h2' });
  assert.deepEqual(await both('explicit_h1'), { h1: 'dual HTTP/1.1 /via-h1', h2: 'dual HTTP/1.1 /via-h2' });
});

test('explicit_http_config http2_protocol_options: HTTP/2 upstream for HTTP/1.1 and HTTP/2 downstreams', { skip }, async () => {
  assert.deepEqual(await both('explicit_h2'), { h1: 'dual HTTP/2.0 /via-h1', h2: 'dual HTTP/2.0 /via-h2' });
  // An HTTP/1.1 request's Host becomes :authority upstream.
  const seen = dual.seen.find((s) => s.path === '/via-h1' && s.httpVersion === '2.0')!;
  assert.equal(seen.headers[':authority'], `127.0.0.1:${proxy.port('explicit_h2')}`);
  assert.equal(seen.headers['host'], undefined);
  // A server that speaks nothing but h2c.
  const r = await request(`http://127.0.0.1:${proxy.port('h2c_only')}/only`);
  assert.equal(await r.body.text(), 'h2c HTTP/2.0 /only');
});

test('legacy cluster http2_protocol_options: HTTP/2 upstream', { skip }, async () => {
  assert.deepEqual(await both('legacy_h2'), { h1: 'dual HTTP/2.0 /via-h1', h2: 'dual HTTP/2.0 /via-h2' });
});

test('use_downstream_protocol_config (and legacy USE_DOWNSTREAM_PROTOCOL) follows the downstream', { skip }, async () => {
  assert.deepEqual(await both('downstream'), { h1: 'dual HTTP/1.1 /via-h1', h2: 'dual HTTP/2.0 /via-h2' });
  assert.deepEqual(await both('legacy_downstream'), { h1: 'dual HTTP/1.1 /via-h1', h2: 'dual HTTP/2.0 /via-h2' });
});

test('HTTP/2 upstream keeps one multiplexed connection for concurrent requests', { skip }, async () => {
  const base = `http://127.0.0.1:${proxy.port('h2c_only')}`;
  const bodies = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await request(`${base}/c${i}`)).body.text()));
  assert.deepEqual(bodies, Array.from({ length: 10 }, (_, i) => `h2c HTTP/2.0 /c${i}`));
  const s = await stats(proxy.adminPort);
  // Every request to this cluster so far went over one HTTP/2 connection.
  assert.equal(stat(s, 'cluster.h2c_only.upstream_cx_total'), 1);
  assert.equal(stat(s, 'cluster.h2c_only.upstream_cx_active'), 1);
});

test('HTTP/2 over upstream TLS negotiates ALPN h2; an HTTP/1 cluster stays on HTTP/1.1', { skip }, async () => {
  const r = await request(`http://127.0.0.1:${proxy.port('tls_h2')}/secure-h2`);
  assert.equal(await r.body.text(), 'tls HTTP/2.0 /secure-h2');
  const seen = tlsUp.seen.find((s) => s.path === '/secure-h2')!;
  assert.equal(seen.alpn, 'h2');
  assert.equal(seen.servername, 'example.com');
  assert.equal(seen.headers[':scheme'], 'https');

  const r1 = await h2Get(`http://127.0.0.1:${proxy.port('tls_h1')}`, '/secure-h1');
  assert.equal(r1.body, 'tls HTTP/1.1 /secure-h1');
  assert.notEqual(tlsUp.seen.find((s) => s.path === '/secure-h1')!.alpn, 'h2');
});

/** POSTs `body` over a fresh h2c session and returns the response body. */
async function h2Post(port: number, body: Buffer): Promise<Buffer> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      session.once('error', reject);
      const stream = session.request({ ':method': 'POST', ':path': '/echo', 'content-type': 'application/octet-stream' });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('end', () => resolve(Buffer.concat(chunks)));
      stream.once('error', reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

test('request and response bodies cross between HTTP/1.1 and HTTP/2 in every combination', { skip }, async () => {
  const payload = randomBytes(300 * 1024);
  for (const name of ['echo_h1', 'echo_h2']) {
    const port = proxy.port(name);
    const viaH1 = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: payload });
    assert.equal(viaH1.statusCode, 200, name);
    assert.ok(Buffer.from(await viaH1.body.arrayBuffer()).equals(payload), `${name} from HTTP/1.1`);
    // Chunked (no content-length) from HTTP/1.1.
    const chunked = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]) });
    assert.ok(Buffer.from(await chunked.body.arrayBuffer()).equals(payload), `${name} chunked`);
    assert.ok((await h2Post(port, payload)).equals(payload), `${name} from HTTP/2`);
  }
  const versions = echo.seen.map((s) => s.httpVersion);
  assert.deepEqual(versions, ['1.1', '1.1', '1.1', '2.0', '2.0', '2.0']);
});
