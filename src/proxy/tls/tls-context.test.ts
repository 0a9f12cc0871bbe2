import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TLSSocket, connect } from 'node:tls';
import type { ConnectionOptions, TLSSocketOptions } from 'node:tls';
import { ProxyConfigError } from '../config/config-error.js';
import { SecretStore } from './secret-store.js';
import { compileDownstreamTlsContext, compileUpstreamTlsContext } from './tls-context.js';
import { UpstreamTlsContext } from './tls-context.js';
import type { DownstreamTlsContext } from './tls-context.js';
import { compileTransportSocket } from './transport-socket.js';
import { leakedHandles, makeTestPki, opensslMissing } from './test-certs.js';
import type { TestPki } from './test-certs.js';

interface Outcome {
  ok: boolean;
  error?: string;
  alpn?: string | false | null;
  protocol?: string | null;
  cipher?: string;
  serverSawCert?: string | undefined;
  verifyPeer?: string | null;
  serverCertSubject?: string | string[] | undefined;
}

/**
 * One handshake between a server TLSSocket over an accepted TCP socket (as the listener does
 * after peeking) with `serverOpts`, and tls.connect with `clientOpts`. The server closes the
 * connection when verifyPeer objects, as the connection handler must.
 */
async function handshake(serverOpts: TLSSocketOptions, clientOpts: ConnectionOptions, downstream?: DownstreamTlsContext): Promise<Outcome> {
  let serverSide: { cert: string | undefined; verify: string | null } | undefined;
  const server = createServer((raw) => {
    const sock = new TLSSocket(raw, serverOpts);
    sock.on('error', () => raw.destroy());
    sock.on('secure', () => {
      const cert = sock.getPeerCertificate();
      const verify = downstream ? downstream.verifyPeer(sock) : null;
      serverSide = { cert: cert && 'subjectaltname' in cert ? cert.subjectaltname : undefined, verify };
      if (verify) sock.destroy();
      else sock.end('hi');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect({ ...clientOpts, host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  try {
    const outcome = await new Promise<Outcome>((resolve) => {
      let base: Outcome = { ok: false };
      const side = (): Pick<Outcome, 'serverSawCert' | 'verifyPeer'> => ({ serverSawCert: serverSide?.cert, verifyPeer: serverSide?.verify ?? null });
      client.once('secureConnect', () => {
        const peer = client.getPeerCertificate();
        base = { ok: false, alpn: client.alpnProtocol, protocol: client.getProtocol(), cipher: client.getCipher().name, serverCertSubject: peer.subject?.CN };
      });
      // Success is the server's greeting: with TLS 1.3 a refused client certificate shows only after secureConnect.
      client.once('data', () => resolve({ ...base, ok: true, ...side() }));
      client.once('close', () => resolve({ ...base, error: 'closed', ...side() }));
      client.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message, ...side() }));
    });
    return outcome;
  } finally {
    client.destroy();
    await new Promise((r) => server.close(r));
  }
}

const skip = opensslMissing() ?? false;
const inline = (s: string) => ({ inline_string: s });

describe('TLS contexts end to end', { skip }, () => {
  let pki: TestPki;
  let store: SecretStore;
  const cert = (p: { cert: string; key: string }) => ({ certificate_chain: inline(p.cert), private_key: inline(p.key) });
  const serverCtx = (common: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): DownstreamTlsContext =>
    compileDownstreamTlsContext({ common_tls_context: { tls_certificates: [cert(pki.server)], ...common }, ...rest }, store);
  const clientCtx = (common: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) =>
    compileUpstreamTlsContext({ common_tls_context: common, ...rest }, store);
  const trustCa = () => ({ validation_context: { trusted_ca: inline(pki.ca.cert) } });

  before(() => {
    pki = makeTestPki();
    store = new SecretStore();
  });
  after(async () => {
    pki.cleanup();
    assert.deepEqual(await leakedHandles(), []);
  });

  test('server certificate from files, client trusts the CA and matches the DNS SAN', async () => {
    const down = compileDownstreamTlsContext({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: pki.server.certPath }, private_key: { filename: pki.server.keyPath } }] } }, store);
    const up = clientCtx({ validation_context: { trusted_ca: inline(pki.ca.cert), match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'example.com' } }] } }, { sni: 'example.com' });
    const r = await handshake(down.serverOptions()!, up.connectOptions()!);
    assert.equal(r.ok, true, r.error);
    assert.equal(r.serverCertSubject, 'server');
  });

  test('upstream default protocol range is TLS 1.2 (Envoy client default max); TLSv1_3 when asked', async () => {
    assert.equal((await handshake(serverCtx().serverOptions()!, clientCtx(trustCa()).connectOptions()!)).protocol, 'TLSv1.2');
    const up13 = clientCtx({ ...trustCa(), tls_params: { tls_maximum_protocol_version: 'TLSv1_3' } });
    assert.equal((await handshake(serverCtx().serverOptions()!, up13.connectOptions()!)).protocol, 'TLSv1.3');
  });

  test('a server requiring TLS 1.3 refuses the default upstream', async () => {
    const down = serverCtx({ tls_params: { tls_minimum_protocol_version: 'TLSv1_3' } });
    assert.equal((await handshake(down.serverOptions()!, clientCtx(trustCa()).connectOptions()!)).ok, false);
  });

  test('cipher_suites (BoringSSL [A|B] groups) restrict TLS 1.2 ciphers', async () => {
    const down = serverCtx({ tls_params: { cipher_suites: ['[ECDHE-ECDSA-CHACHA20-POLY1305|ECDHE-RSA-CHACHA20-POLY1305]'] } });
    const r = await handshake(down.serverOptions()!, clientCtx(trustCa()).connectOptions()!);
    assert.equal(r.cipher, 'ECDHE-ECDSA-CHACHA20-POLY1305');
  });

  test('ALPN: the server picks by its own preference', async () => {
    const down = serverCtx({ alpn_protocols: ['h2', 'http/1.1'] });
    const up = clientCtx({ ...trustCa(), alpn_protocols: ['http/1.1', 'h2'] });
    assert.equal((await handshake(down.serverOptions(['http/1.1', 'h2'])!, up.connectOptions()!)).alpn, 'h2');
    const up11 = clientCtx({ ...trustCa(), alpn_protocols: ['http/1.1'] });
    assert.equal((await handshake(down.serverOptions(['http/1.1'])!, up11.connectOptions()!)).alpn, 'http/1.1');
  });

  test('ALPN with no common protocol: no ALPN, handshake still succeeds (Envoy), given the inspected client list', async () => {
    const down = serverCtx({ alpn_protocols: ['h2'] });
    const up = clientCtx({ ...trustCa(), alpn_protocols: ['spdy/3'] });
    assert.equal(down.serverOptions(['spdy/3'])!.ALPNProtocols, undefined);
    const r = await handshake(down.serverOptions(['spdy/3'])!, up.connectOptions()!);
    assert.equal(r.ok, true, r.error);
    assert.equal(r.alpn, false);
  });

  test('mTLS: client certificate required and verified; the server sees the client SPIFFE ID', async () => {
    const down = serverCtx(trustCa(), { require_client_certificate: true });
    const up = clientCtx({ ...trustCa(), tls_certificates: [cert(pki.client)] });
    const r = await handshake(down.serverOptions()!, up.connectOptions()!, down);
    assert.equal(r.ok, true, r.error);
    assert.equal(r.serverSawCert, 'URI:spiffe://cluster.local/ns/default/sa/client');
    assert.equal(r.verifyPeer, null);
  });

  test('mTLS: a client without a certificate is refused', async () => {
    const down = serverCtx(trustCa(), { require_client_certificate: true });
    const r = await handshake(down.serverOptions()!, clientCtx(trustCa()).connectOptions()!, down);
    assert.equal(r.ok, false);
  });

  test('mTLS: a client certificate from another CA is refused', async () => {
    const down = serverCtx(trustCa(), { require_client_certificate: true });
    const r = await handshake(down.serverOptions()!, clientCtx({ ...trustCa(), tls_certificates: [cert(pki.rogue)] }).connectOptions()!, down);
    assert.equal(r.ok, false);
    assert.match(String(r.verifyPeer), /verification failed/);
  });

  test('optional client certificate: absent is fine, untrusted is caught by verifyPeer', async () => {
    const down = serverCtx(trustCa());
    const none = await handshake(down.serverOptions()!, clientCtx(trustCa()).connectOptions()!, down);
    assert.equal(none.ok, true, none.error);
    assert.equal(none.verifyPeer, null);
    const rogue = await handshake(down.serverOptions()!, clientCtx({ ...trustCa(), tls_certificates: [cert(pki.rogue)] }).connectOptions()!, down);
    assert.equal(rogue.ok, false);
    assert.match(String(rogue.verifyPeer), /verification failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  test('downstream SAN matchers on the client certificate', async () => {
    const sans = (exact: string) => ({ validation_context: { trusted_ca: inline(pki.ca.cert), match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact } }] } });
    const up = clientCtx({ ...trustCa(), tls_certificates: [cert(pki.client)] });
    const good = serverCtx(sans('spiffe://cluster.local/ns/default/sa/client'), { require_client_certificate: true });
    assert.equal((await handshake(good.serverOptions()!, up.connectOptions()!, good)).verifyPeer, null);
    const wrong = serverCtx(sans('spiffe://cluster.local/ns/default/sa/other'), { require_client_certificate: true });
    assert.match(String((await handshake(wrong.serverOptions()!, up.connectOptions()!, wrong)).verifyPeer), /SAN does not match/);
  });

  test('upstream SAN mismatch fails the connection', async () => {
    const up = clientCtx({ validation_context: { trusted_ca: inline(pki.ca.cert), match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/ns/other/' } }] } });
    const r = await handshake(serverCtx().serverOptions()!, up.connectOptions()!);
    assert.equal(r.ok, false);
    assert.equal(r.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
    const legacy = clientCtx({ validation_context: { trusted_ca: inline(pki.ca.cert), match_subject_alt_names: [{ suffix: '/sa/test' }] } });
    assert.equal((await handshake(serverCtx().serverOptions()!, legacy.connectOptions()!)).ok, true);
  });

  test('upstream: trusted CA without SAN matchers verifies the chain but not the hostname (Envoy)', async () => {
    const up = clientCtx(trustCa(), { sni: 'not-the-cert-name.test' });
    assert.equal((await handshake(serverCtx().serverOptions()!, up.connectOptions()!)).ok, true);
    const down = compileDownstreamTlsContext({ common_tls_context: { tls_certificates: [cert(pki.rogue)] } }, store);
    assert.equal((await handshake(down.serverOptions()!, up.connectOptions()!)).ok, false);
  });

  test('upstream without a trusted CA accepts any certificate (Envoy)', async () => {
    const down = compileDownstreamTlsContext({ common_tls_context: { tls_certificates: [cert(pki.rogue)] } }, store);
    const up = clientCtx();
    assert.equal(up.connectOptions(), up.connectOptions(), 'options are built once per SecureContext');
    const r = await handshake(down.serverOptions()!, up.connectOptions()!);
    assert.equal(r.ok, true, r.error);
  });

  test('SDS: not ready until secrets arrive, then serves; rotation reaches new handshakes', async () => {
    const sds = new SecretStore();
    const ads = { ads: {}, resource_api_version: 'V3' };
    const down = compileDownstreamTlsContext({
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: ads }],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/' } }] },
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: ads },
        },
      },
      require_client_certificate: true,
    }, sds);
    assert.deepEqual(down.status(), { ready: false, missingSecrets: ['default', 'ROOTCA'], error: null });
    assert.deepEqual(down.secretNames, ['default', 'ROOTCA']);
    assert.equal(down.serverOptions(), null);
    let updates = 0;
    down.onUpdate(() => updates++);
    sds.update('default', { tls_certificate: cert(pki.server) });
    assert.deepEqual(down.status().missingSecrets, ['ROOTCA']);
    sds.update('ROOTCA', { validation_context: { trusted_ca: inline(pki.ca.cert) } });
    assert.deepEqual(down.status(), { ready: true, missingSecrets: [], error: null });
    assert.equal(updates, 1);
    const up = clientCtx({ ...trustCa(), tls_certificates: [cert(pki.client)] });
    const first = await handshake(down.serverOptions()!, up.connectOptions()!, down);
    assert.equal(first.serverCertSubject, 'server');
    assert.equal(first.verifyPeer, null);
    sds.update('default', { tls_certificate: cert(pki.client) }); // rotate to another certificate of the same CA
    assert.equal(updates, 2);
    assert.equal((await handshake(down.serverOptions()!, up.connectOptions()!, down)).serverCertSubject, 'client');
    down.close();
  });

  test('SDS: a validation context that breaks the rules is reported, and the last good one kept', () => {
    const sds = new SecretStore();
    const up = compileUpstreamTlsContext({ common_tls_context: { combined_validation_context: {
      default_validation_context: { match_subject_alt_names: [{ exact: 'example.com' }] },
      validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { ads: {} } },
    } } }, sds);
    sds.update('ROOTCA', { validation_context: {} }); // SAN matchers without any CA
    assert.equal(up.status().ready, false);
    assert.match(String(up.status().error), /SAN-based verification of peer certificates without trusted CA is insecure/);
    up.close();
  });

  test('session and cipher-order options are applied and still serve', async () => {
    const down = serverCtx({}, { session_timeout: '300s', disable_stateless_session_resumption: true, disable_stateful_session_resumption: true, prefer_client_ciphers: true, ocsp_staple_policy: 'LENIENT_STAPLING' });
    assert.equal((await handshake(down.serverOptions()!, clientCtx(trustCa()).connectOptions()!)).ok, true);
  });

  test('transport_socket: tls by type URL or name, raw_buffer and absent are plaintext', () => {
    const typed = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'a.test' } };
    assert.ok(compileTransportSocket(typed, 'upstream', store) instanceof UpstreamTlsContext);
    const down = compileTransportSocket({ name: 'tls', typed_config: { common_tls_context: { tls_certificates: [cert(pki.server)] } } }, 'downstream', store);
    assert.equal(down?.status().ready, true);
    assert.equal(compileTransportSocket(undefined, 'upstream', store), null);
    assert.equal(compileTransportSocket({ name: 'envoy.transport_sockets.raw_buffer' }, 'upstream', store), null);
    assert.throws(() => compileTransportSocket(typed, 'downstream', store), (e: unknown) => e instanceof ProxyConfigError && e.path === 'typed_config.@type');
    assert.throws(() => compileTransportSocket({ name: 'envoy.transport_sockets.tap' }, 'upstream', store), (e: unknown) => e instanceof ProxyConfigError && e.path === 'name');
    assert.throws(() => compileTransportSocket({ ...typed, typed_config: { ...typed.typed_config, sni: 5 } }, 'upstream', store), (e: unknown) => e instanceof ProxyConfigError && e.path === 'typed_config.sni');
  });

  const bad: { name: string; build: () => unknown; path: string; reason: RegExp }[] = [
    { name: 'SAN matchers without a trusted CA', build: () => clientCtx({ validation_context: { match_subject_alt_names: [{ exact: 'a' }] } }), path: 'common_tls_context.validation_context', reason: /without trusted CA is insecure/ },
    { name: 'server without certificates', build: () => compileDownstreamTlsContext({ common_tls_context: {} }, store), path: 'common_tls_context.tls_certificates', reason: /No TLS certificates found/ },
    { name: 'unknown static secret', build: () => clientCtx({ tls_certificate_sds_secret_configs: [{ name: 'nope' }] }), path: 'common_tls_context.tls_certificate_sds_secret_configs[0].name', reason: /Unknown static secret: nope/ },
    { name: 'bad cipher', build: () => serverCtx({ tls_params: { cipher_suites: ['NOT-A-CIPHER'] } }), path: 'common_tls_context.tls_params.cipher_suites', reason: /invalid TLS parameters/ },
    { name: 'min above max', build: () => serverCtx({ tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2' } }), path: 'common_tls_context.tls_params.tls_minimum_protocol_version', reason: /above the maximum/ },
    { name: 'two validation contexts', build: () => clientCtx({ validation_context: {}, validation_context_sds_secret_config: { name: 'x' } }), path: 'common_tls_context.validation_context_sds_secret_config', reason: /only one of/ },
    { name: 'unsupported downstream field', build: () => serverCtx({}, { require_sni: true }), path: 'require_sni', reason: /not supported/ },
    { name: 'unsupported common field', build: () => clientCtx({ custom_handshaker: {} }), path: 'common_tls_context.custom_handshaker', reason: /not supported/ },
    { name: 'allow_renegotiation', build: () => clientCtx({}, { allow_renegotiation: true }), path: 'allow_renegotiation', reason: /not supported/ },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(c.build, (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError, String(err));
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
    });
  }
});
