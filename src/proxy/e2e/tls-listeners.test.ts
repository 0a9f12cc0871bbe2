import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { request } from 'undici';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';
import type { Json, TestServer } from './protocol-fixtures.js';
import {
  HTTP_INSPECTOR, TLS_INSPECTOR, bootstrap, closed, cluster, curl, directHcm, downstreamTls, freePort, h2Get, inlineCertificate, listener, routeHcm,
  startTlsUpstream, stat, stats, tcpProxy, upstreamTls,
} from './protocol-fixtures.js';

// Listener filter chain selection (filter_chain_match with tls_inspector / http_inspector, the
// default chain, no match), downstream TLS certificates from inline PEM, files and static
// secrets, and upstream TLS with SNI and SAN checks against real HTTPS servers.

const skip = opensslMissing() ?? false;
let pki: TestPki;
let proxy: StartedProxy;
let echo: net.Server;
let echoPort: number;
let knownPort: number;
const upstreams: Record<string, TestServer> = {};

const tlsWith = (extra: Json = {}): Json => downstreamTls({ tls_certificates: [inlineCertificate(pki.server)], ...extra });
const chain = (match: Json | null, body: string, secure = true): Json => ({
  ...(match ? { filter_chain_match: match } : {}),
  filters: [directHcm(body, body)],
  ...(secure ? { transport_socket: tlsWith() } : {}),
});

before(async () => {
  if (skip) return;
  pki = makeTestPki();
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  knownPort = await freePort();
  upstreams['h1'] = await startTlsUpstream('tls-h1', pki.server, { h2: false });
  upstreams['rogue'] = await startTlsUpstream('rogue', pki.rogue, { h2: false });
  upstreams['mtls'] = await startTlsUpstream('mtls', pki.server, { h2: false, ca: pki.ca.cert, requestCert: true });
  const validation = { trusted_ca: { filename: pki.ca.certPath }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'example.com' } }] };
  proxy = await startProxy(
    bootstrap({
      secrets: [
        { name: 'server-cert', tls_certificate: { certificate_chain: { filename: pki.server.certPath }, private_key: { filename: pki.server.keyPath } } },
        { name: 'client-ca', validation_context: { trusted_ca: { filename: pki.ca.certPath } } },
      ],
      listeners: [
        listener('sni', [
          chain({ server_names: ['exact.example.com'] }, 'exact'),
          chain({ server_names: ['*.example.com'] }, 'wildcard'),
          chain({ server_names: ['*.deep.example.com'] }, 'deeper'),
        ], { listener_filters: [TLS_INSPECTOR], default_filter_chain: chain(null, 'default') }),
        listener('transport', [chain({ transport_protocol: 'tls' }, 'secure'), chain({ transport_protocol: 'raw_buffer' }, 'plaintext', false)], { listener_filters: [TLS_INSPECTOR] }),
        listener('alpn-match', [
          { filter_chain_match: { application_protocols: ['h2'] }, filters: [directHcm('alpn-h2', 'alpn-h2')], transport_socket: tlsWith({ alpn_protocols: ['h2'] }) },
          { filter_chain_match: { application_protocols: ['http/1.1'] }, filters: [directHcm('alpn-h1', 'alpn-h1')], transport_socket: tlsWith({ alpn_protocols: ['http/1.1'] }) },
        ], { listener_filters: [TLS_INSPECTOR] }),
        // Istio's inbound pattern: HTTP (http/1.1, h2c) to the HCM, anything else to tcp_proxy.
        listener('sniffed', [
          { filter_chain_match: { application_protocols: ['http/1.1', 'h2c'] }, filters: [directHcm('sniffed-http', 'sniffed-http')] },
          { filter_chain_match: {}, filters: [tcpProxy('sniffed-tcp', 'echo')] },
        ], { listener_filters: [HTTP_INSPECTOR] }),
        listener('by-port', [chain({ destination_port: knownPort }, 'port-match', false), chain({ destination_port: 1 }, 'port-other', false)],
          { default_filter_chain: chain(null, 'port-default', false) }, knownPort),
        listener('by-port-miss', [chain({ destination_port: knownPort }, 'port-match', false)], { default_filter_chain: chain(null, 'port-default', false) }),
        listener('no-match', [chain({ server_names: ['only.example.com'] }, 'only')], { listener_filters: [TLS_INSPECTOR] }),
        listener('cert-inline', [{ filters: [directHcm('inline', 'inline')], transport_socket: tlsWith() }]),
        listener('cert-file', [{
          filters: [directHcm('file', 'file')],
          transport_socket: downstreamTls({ tls_certificates: [{ certificate_chain: { filename: pki.server.certPath }, private_key: { filename: pki.server.keyPath } }] }),
        }]),
        listener('cert-secret', [{
          filters: [directHcm('secret', 'secret')],
          transport_socket: downstreamTls({ tls_certificate_sds_secret_configs: [{ name: 'server-cert' }] }),
        }]),
        listener('mtls', [{
          filters: [directHcm('mtls', 'mtls')],
          transport_socket: downstreamTls(
            { tls_certificate_sds_secret_configs: [{ name: 'server-cert' }], validation_context_sds_secret_config: { name: 'client-ca' } },
            { require_client_certificate: true },
          ),
        }]),
        listener('upstream-tls', [{ filters: [routeHcm('uptls', 'tls-h1')] }]),
        listener('upstream-rogue', [{ filters: [routeHcm('uprogue', 'tls-rogue')] }]),
        listener('upstream-san', [{ filters: [routeHcm('upsan', 'tls-wrong-san')] }]),
        listener('upstream-nosni', [{ filters: [routeHcm('upnosni', 'tls-nosni')] }]),
        listener('upstream-mtls', [{ filters: [routeHcm('upmtls', 'tls-mtls')] }]),
      ],
      clusters: [
        cluster('echo', [echoPort]),
        cluster('tls-h1', [upstreams['h1'].port], { transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { validation_context: validation } }) }),
        cluster('tls-rogue', [upstreams['rogue'].port], { transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { validation_context: validation } }) }),
        cluster('tls-wrong-san', [upstreams['h1'].port], {
          transport_socket: upstreamTls({
            sni: 'example.com',
            common_tls_context: { validation_context: { ...validation, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'other.example.org' } }] } },
          }),
        }),
        cluster('tls-nosni', [upstreams['h1'].port], { transport_socket: upstreamTls({ common_tls_context: {} }) }),
        cluster('tls-mtls', [upstreams['mtls'].port], {
          transport_socket: upstreamTls({ sni: 'example.com', common_tls_context: { tls_certificates: [inlineCertificate(pki.client)], validation_context: validation } }),
        }),
      ],
    }),
  );
});

after(async () => {
  if (skip) return;
  await proxy.close();
  for (const u of Object.values(upstreams)) await u.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  pki.cleanup();
});

/** curl over TLS with SNI `name` (resolved to the proxy), not checking the certificate name. */
function curlSni(listenerName: string, name: string, extra: string[] = []): ReturnType<typeof curl> {
  const port = proxy.port(listenerName);
  return curl(['-k', '--resolve', `${name}:${port}:127.0.0.1`, ...extra, `https://${name}:${port}/`]);
}

test('server_names picks the chain by SNI: exact, then the longest *.wildcard, else the default chain', { skip }, async () => {
  const cases: [string, string][] = [
    ['exact.example.com', 'exact'],
    ['foo.example.com', 'wildcard'],
    ['a.b.example.com', 'wildcard'],
    ['x.deep.example.com', 'deeper'],
    ['EXACT.Example.COM', 'exact'],
    // "*.example.com" needs at least one more label.
    ['example.com', 'default'],
    ['other.test', 'default'],
  ];
  for (const [name, want] of cases) {
    const r = await curlSni('sni', name);
    assert.equal(r.stdout, want, `${name}: ${r.stderr}`);
  }
  // A TLS client without SNI matches no server_names: the default chain.
  const r = await presented('sni', { servername: '', rejectUnauthorized: false });
  assert.equal(r.body, 'default');
});

test('transport_protocol tls and raw_buffer share one port', { skip }, async () => {
  const port = proxy.port('transport');
  const plain = await request(`http://127.0.0.1:${port}/`);
  assert.equal(await plain.body.text(), 'plaintext');
  const secure = await curlSni('transport', 'example.com');
  assert.equal(secure.stdout, 'secure', secure.stderr);
  const h2 = await h2Get(`http://127.0.0.1:${port}`, '/');
  assert.equal(h2.body, 'plaintext');
});

test('application_protocols selects by the ALPN the TLS client offers', { skip }, async () => {
  const h2 = await curlSni('alpn-match', 'example.com', ['--http2', '-w', ' %{http_version}']);
  assert.equal(h2.stdout, 'alpn-h2 2', h2.stderr);
  const h1 = await curlSni('alpn-match', 'example.com', ['--http1.1', '-w', ' %{http_version}']);
  assert.equal(h1.stdout, 'alpn-h1 1.1', h1.stderr);
});

test('http_inspector: HTTP/1.1 and h2c go to the HCM chain, other bytes to the tcp_proxy chain', { skip }, async () => {
  const port = proxy.port('sniffed');
  const h1 = await request(`http://127.0.0.1:${port}/`);
  assert.equal(await h1.body.text(), 'sniffed-http');
  const h2 = await h2Get(`http://127.0.0.1:${port}`, '/');
  assert.equal(h2.body, 'sniffed-http');
  const socket = net.connect(port, '127.0.0.1');
  try {
    socket.write('hello, not http\n');
    const got = await new Promise<string>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('data', (d: Buffer) => resolve(d.toString()));
    });
    assert.equal(got, 'hello, not http\n');
  } finally {
    socket.destroy();
  }
});

test('destination_port matches the listener port; another port falls to the default chain', { skip }, async () => {
  assert.equal(proxy.port('by-port'), knownPort);
  const hit = await request(`http://127.0.0.1:${knownPort}/`);
  assert.equal(await hit.body.text(), 'port-match');
  const miss = await request(`http://127.0.0.1:${proxy.port('by-port-miss')}/`);
  assert.equal(await miss.body.text(), 'port-default');
});

test('a connection that matches no chain (and no default chain) is closed', { skip }, async () => {
  const port = proxy.port('no-match');
  const before = stat(await stats(proxy.adminPort), 'listener.127.0.0.1_0.no_filter_chain_match') ?? 0;
  const ok = await curlSni('no-match', 'only.example.com');
  assert.equal(ok.stdout, 'only', ok.stderr);
  const wrongSni = await curlSni('no-match', 'else.example.com');
  assert.notEqual(wrongSni.code, 0);
  assert.equal(wrongSni.stdout, '');
  // Plaintext: no SNI, so no chain; closed without a byte.
  const socket = net.connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  await closed(socket);
  assert.equal(Buffer.concat(received).length, 0);
  const after = stat(await stats(proxy.adminPort), 'listener.127.0.0.1_0.no_filter_chain_match') ?? 0;
  assert.equal(after - before, 2);
});

/** The certificate the listener presents, and the body it answers with. */
async function presented(listenerName: string, options: tls.ConnectionOptions = {}): Promise<{ fingerprint: string; body: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port: proxy.port(listenerName), ca: pki.ca.cert, servername: 'example.com', ...options });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const fingerprint = socket.getPeerX509Certificate()!.fingerprint256;
    socket.write('GET / HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve, reject) => {
      socket.once('end', resolve);
      socket.once('error', reject);
    });
    const text = Buffer.concat(chunks).toString();
    return { fingerprint, body: text.slice(text.indexOf('\r\n\r\n') + 4) };
  } finally {
    socket.destroy();
  }
}

test('downstream certificates: inline PEM, files, and a static secret by name (no sds_config)', { skip }, async () => {
  const want = new X509Certificate(pki.server.cert).fingerprint256;
  for (const [name, body] of [['cert-inline', 'inline'], ['cert-file', 'file'], ['cert-secret', 'secret']] as const) {
    const got = await presented(name);
    assert.equal(got.fingerprint, want, name);
    assert.equal(got.body, body, name);
  }
});

test('require_client_certificate with a static validation_context secret: mTLS in, no certificate out', { skip }, async () => {
  const port = proxy.port('mtls');
  const base = ['--cacert', pki.ca.certPath, '--resolve', `example.com:${port}:127.0.0.1`];
  const ok = await curl([...base, '--cert', pki.client.certPath, '--key', pki.client.keyPath, `https://example.com:${port}/`]);
  assert.equal(ok.stdout, 'mtls', ok.stderr);
  const none = await curl([...base, `https://example.com:${port}/`]);
  assert.notEqual(none.code, 0);
  assert.equal(none.stdout, '');
  // A certificate from another CA is refused too.
  const rogue = await curl([...base, '--cert', pki.rogue.certPath, '--key', pki.rogue.keyPath, `https://example.com:${port}/`]);
  assert.notEqual(rogue.code, 0);
  assert.equal(rogue.stdout, '');
});

test('a tls_certificate_sds_secret_configs name without sds_config must be a static secret', { skip }, async () => {
  await assert.rejects(
    startProxy(bootstrap({ listeners: [listener('l', [{ filters: [directHcm('x', 'x')], transport_socket: downstreamTls({ tls_certificate_sds_secret_configs: [{ name: 'nope' }] }) }])] })),
    /Unknown static secret: nope/,
  );
});

test('upstream TLS: UpstreamTlsContext with sni, trusted CA and SAN matcher to a real HTTPS upstream', { skip }, async () => {
  const r = await request(`http://127.0.0.1:${proxy.port('upstream-tls')}/secure?q=1`);
  assert.equal(r.statusCode, 200);
  assert.equal(await r.body.text(), 'tls-h1 HTTP/1.1 /secure?q=1');
  const seen = upstreams['h1']!.seen.at(-1)!;
  assert.equal(seen.servername, 'example.com');
  assert.equal(seen.headers['host'], `127.0.0.1:${proxy.port('upstream-tls')}`);

  // Without sni Envoy sends no server name.
  const nosni = await request(`http://127.0.0.1:${proxy.port('upstream-nosni')}/nosni`);
  assert.equal(nosni.statusCode, 200);
  await nosni.body.text();
  assert.equal(upstreams['h1']!.seen.at(-1)!.servername, false);

  // The proxy presents its client certificate to an upstream that requires one.
  const m = await request(`http://127.0.0.1:${proxy.port('upstream-mtls')}/m`);
  assert.equal(m.statusCode, 200);
  assert.equal(await m.body.text(), 'mtls HTTP/1.1 /m');
});

test('upstream TLS failures: an untrusted certificate or a SAN mismatch is a connect failure (503 UF)', { skip }, async () => {
  for (const [name, clusterName] of [['upstream-rogue', 'tls-rogue'], ['upstream-san', 'tls-wrong-san']] as const) {
    const r = await request(`http://127.0.0.1:${proxy.port(name)}/`);
    assert.equal(r.statusCode, 503, name);
    assert.match(await r.body.text(), /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/, name);
    const s = await stats(proxy.adminPort);
    assert.ok((stat(s, `cluster.${clusterName}.upstream_cx_connect_fail`) ?? 0) >= 1, name);
  }
  assert.equal(upstreams['rogue']!.seen.length, 0);
});
