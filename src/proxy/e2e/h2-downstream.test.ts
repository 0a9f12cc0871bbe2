import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { startProxy, startUpstream } from '../testing/proxy-harness.js';
import type { StartedProxy, Upstream } from '../testing/proxy-harness.js';
import { makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';
import { HTTP_INSPECTOR, bootstrap, cluster, curl, downstreamTls, h2Get, inlineCertificate, listener, routeHcm, stat, stats } from './protocol-fixtures.js';

// HTTP/2 on the downstream side: h2c with prior knowledge on a plaintext listener, HTTP/1.1 and
// h2c side by side on one port (codec AUTO's preface detection, and the http_inspector), and
// ALPN over TLS.

let up: Upstream;
let pki: TestPki;
let proxy: StartedProxy;

const skip = opensslMissing() ?? false;

before(async () => {
  if (skip) return;
  pki = makeTestPki();
  up = await startUpstream('up');
  const tlsContext = (alpn: string[] | null) => downstreamTls({ tls_certificates: [inlineCertificate(pki.server)], ...(alpn ? { alpn_protocols: alpn } : {}) });
  proxy = await startProxy(
    bootstrap({
      listeners: [
        listener('plain', [{ filters: [routeHcm('plain', 'up')] }]),
        listener('inspected', [{ filters: [routeHcm('inspected', 'up')] }], { listener_filters: [HTTP_INSPECTOR] }),
        listener('h2only', [{ filters: [routeHcm('h2only', 'up', { codec_type: 'HTTP2' })] }]),
        listener('alpn', [{ filters: [routeHcm('alpn', 'up')], transport_socket: tlsContext(['h2', 'http/1.1']) }]),
        listener('noalpn', [{ filters: [routeHcm('noalpn', 'up')], transport_socket: tlsContext(null) }]),
        listener('h2tls', [{ filters: [routeHcm('h2tls', 'up', { codec_type: 'HTTP2' })], transport_socket: tlsContext(null) }]),
      ],
      clusters: [cluster('up', [up.port])],
    }),
  );
});

after(async () => {
  if (skip) return;
  await proxy.close();
  await up.close();
  pki.cleanup();
});

test('h2c with prior knowledge on a plaintext listener reaches an HTTP/1.1 upstream', { skip }, async () => {
  const port = proxy.port('plain');
  const r = await h2Get(`http://127.0.0.1:${port}`, '/prior?x=1', {}, { 'x-custom': 'v' });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'up GET /prior?x=1');
  assert.equal(r.headers['server'], 'istio-envoy');
  const seen = up.requests.find((q) => q.url === '/prior?x=1')!;
  assert.equal(seen.headers['x-custom'], 'v');
  assert.equal(seen.headers['host'], `127.0.0.1:${port}`); // :authority becomes Host
  assert.equal(seen.headers['x-forwarded-proto'], 'http');

  const c = await curl(['--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `http://127.0.0.1:${port}/curl`]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, '2 200');
});

test('HTTP/1.1 and h2c are both served on one listener, with and without http_inspector', { skip }, async () => {
  for (const name of ['plain', 'inspected']) {
    const port = proxy.port(name);
    const before = await stats(proxy.adminPort);
    const h1 = await request(`http://127.0.0.1:${port}/one`);
    assert.equal(h1.statusCode, 200);
    assert.equal(await h1.body.text(), 'up GET /one');
    const h2 = await h2Get(`http://127.0.0.1:${port}`, '/two');
    assert.equal(h2.status, 200);
    assert.equal(h2.body, 'up GET /two');
    const c1 = await curl(['--http1.1', '-w', ' %{http_version}', `http://127.0.0.1:${port}/three`]);
    assert.equal(c1.stdout, 'up GET /three 1.1', c1.stderr);
    const c2 = await curl(['--http2-prior-knowledge', '-w', ' %{http_version}', `http://127.0.0.1:${port}/four`]);
    assert.equal(c2.stdout, 'up GET /four 2', c2.stderr);
    // curl --http2 on plaintext asks for an h2c upgrade; Envoy ignores it and answers HTTP/1.1.
    const c3 = await curl(['--http2', '-w', ' %{http_version}', `http://127.0.0.1:${port}/five`]);
    assert.equal(c3.stdout, 'up GET /five 1.1', c3.stderr);
    assert.equal(up.requests.find((q) => q.url === '/five')!.headers['upgrade'], undefined);

    const after = await stats(proxy.adminPort);
    const delta = (s: string): number => (stat(after, `http.${name}.${s}`) ?? 0) - (stat(before, `http.${name}.${s}`) ?? 0);
    assert.equal(delta('downstream_cx_http1_total'), 3, name);
    assert.equal(delta('downstream_cx_http2_total'), 2, name);
    assert.equal(delta('downstream_rq_http2_total'), 2, name);
  }
});

test('codec_type HTTP2 serves h2c with prior knowledge', { skip }, async () => {
  const r = await h2Get(`http://127.0.0.1:${proxy.port('h2only')}`, '/only');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'up GET /only');
});

test('ALPN over TLS picks h2 or http/1.1 from downstream_tls_context alpn_protocols', { skip }, async () => {
  const port = proxy.port('alpn');
  const before = await stats(proxy.adminPort);
  const h2 = await h2Get(`https://127.0.0.1:${port}`, '/tls-h2', { ca: pki.ca.cert, servername: 'example.com' });
  assert.equal(h2.alpn, 'h2');
  assert.equal(h2.status, 200);
  assert.equal(h2.body, 'up GET /tls-h2');
  assert.equal(up.requests.find((q) => q.url === '/tls-h2')!.headers['x-forwarded-proto'], 'https');

  const agent = new Agent({ connect: { ca: pki.ca.cert, servername: 'example.com' } });
  try {
    const h1 = await request(`https://127.0.0.1:${port}/tls-h1`, { dispatcher: agent });
    assert.equal(h1.statusCode, 200);
    assert.equal(await h1.body.text(), 'up GET /tls-h1');
  } finally {
    await agent.close();
  }

  const resolve = ['--cacert', pki.ca.certPath, '--resolve', `example.com:${port}:127.0.0.1`];
  const c2 = await curl([...resolve, '--http2', '-w', ' %{http_version}', `https://example.com:${port}/curl-h2`]);
  assert.equal(c2.stdout, 'up GET /curl-h2 2', c2.stderr);
  const c1 = await curl([...resolve, '--http1.1', '-w', ' %{http_version}', `https://example.com:${port}/curl-h1`]);
  assert.equal(c1.stdout, 'up GET /curl-h1 1.1', c1.stderr);

  const s = await stats(proxy.adminPort);
  assert.equal(stat(s, 'http.alpn.downstream_cx_http2_total'), 2);
  assert.equal(stat(s, 'http.alpn.downstream_cx_http1_total'), 2);
  // Envoy names listener stats by the configured address: port 0 stays 0 (shared by every
  // port-0 listener on 127.0.0.1 here).
  const handshakes = (text: string): number => stat(text, 'listener.127.0.0.1_0.ssl.handshake') ?? 0;
  assert.equal(handshakes(s) - handshakes(before), 4);
});

test('a client offering no ALPN protocol the listener has completes the handshake without ALPN (HTTP/1.1)', { skip }, async () => {
  for (const name of ['alpn', 'noalpn']) {
    const socket = tls.connect({ host: '127.0.0.1', port: proxy.port(name), ca: pki.ca.cert, servername: 'example.com', ALPNProtocols: name === 'alpn' ? ['spdy/3'] : ['h2', 'http/1.1'] });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      assert.equal(socket.alpnProtocol, false, name);
      socket.write('GET /no-alpn HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((resolve) => socket.once('end', resolve));
      const text = Buffer.concat(chunks).toString();
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, name);
      assert.match(text, /up GET \/no-alpn$/, name);
    } finally {
      socket.destroy();
    }
  }
  // curl negotiating over a listener without alpn_protocols falls back to HTTP/1.1 as well.
  const port = proxy.port('noalpn');
  const c = await curl(['--cacert', pki.ca.certPath, '--resolve', `example.com:${port}:127.0.0.1`, '--http2', '-w', ' %{http_version}', `https://example.com:${port}/fallback`]);
  assert.equal(c.stdout, 'up GET /fallback 1.1', c.stderr);
});

test('TLS without ALPN: HTTP/2 with prior knowledge is served (codec AUTO by its preface, codec HTTP2 always)', { skip }, async () => {
  for (const name of ['noalpn', 'h2tls']) {
    const port = proxy.port(name);
    const path = `/tls-prior-${name}`;
    const r = await h2Get(`http://127.0.0.1:${port}`, path, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port, ca: pki.ca.cert, servername: 'example.com' }),
    });
    assert.equal(r.status, 200, name);
    assert.equal(r.body, `up GET ${path}`);
    assert.equal(up.requests.find((q) => q.url === path)!.headers['x-forwarded-proto'], 'https');
  }
});
