import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { SecretStore } from './secret-store.js';
import type { SecretEntry } from './secret-store.js';
import { makeTestPki, opensslMissing } from './test-certs.js';
import type { TestPki } from './test-certs.js';

const skip = opensslMissing() ?? false;

describe('SecretStore', { skip }, () => {
  let pki: TestPki;
  before(() => (pki = makeTestPki()));
  after(() => pki.cleanup());

  const tlsCert = (p: { cert: string; key: string }) => ({ tls_certificate: { certificate_chain: { inline_string: p.cert }, private_key: { inline_string: p.key } } });

  test('stores each secret kind by name', () => {
    const store = new SecretStore();
    store.update('default', { name: 'default', ...tlsCert(pki.server) });
    store.update('ROOTCA', { validation_context: { trusted_ca: { inline_string: pki.ca.cert } } });
    store.update('token', { generic_secret: { secret: { inline_string: 's3cr3t' } } });
    const def = store.get('default')?.secret;
    assert.equal(def?.kind, 'tls_certificate');
    assert.equal(def?.kind === 'tls_certificate' && def.certificate.certificateChain.toString(), pki.server.cert);
    assert.equal(store.get('ROOTCA')?.secret.kind, 'validation_context');
    const token = store.get('token')?.secret;
    assert.equal(token?.kind === 'generic_secret' && token.secret.toString(), 's3cr3t');
    assert.deepEqual(store.all().map((e) => e.name).sort(), ['ROOTCA', 'default', 'token']);
  });

  test('certificate files are read through DataSource filename', () => {
    const store = new SecretStore();
    store.update('file-cert', { tls_certificate: { certificate_chain: { filename: pki.server.certPath }, private_key: { filename: pki.server.keyPath } } });
    assert.equal(store.get('file-cert')?.secret.kind, 'tls_certificate');
  });

  test('onChange fires on real changes only, and unsubscribes', () => {
    const store = new SecretStore();
    const seen: (SecretEntry | undefined)[] = [];
    const off = store.onChange('default', (e) => seen.push(e));
    store.update('default', tlsCert(pki.server));
    store.update('default', tlsCert(pki.server)); // SDS resend: same content
    store.update('default', tlsCert(pki.client));
    store.update('other', tlsCert(pki.client));
    store.remove('default');
    assert.equal(seen.length, 3);
    assert.equal(seen[2], undefined);
    off();
    store.update('default', tlsCert(pki.server));
    assert.equal(seen.length, 3);
  });

  test('static secrets from the bootstrap', () => {
    const store = new SecretStore();
    store.loadStatic([{ name: 'a', ...tlsCert(pki.server) }, { name: 'b', generic_secret: { secret: { inline_string: 'x' } } }]);
    assert.equal(store.get('a')?.origin, 'static');
    assert.throws(() => store.loadStatic([{ name: 'c', ...tlsCert(pki.server) }, { name: 'c', ...tlsCert(pki.server) }]), (e: unknown) => e instanceof ProxyConfigError && e.path === '[1].name');
  });

  const bad: { name: string; secret: () => Record<string, unknown>; path: string; reason: RegExp }[] = [
    { name: 'key of another certificate', secret: () => ({ tls_certificate: { certificate_chain: { inline_string: pki.server.cert }, private_key: { inline_string: pki.client.key } } }), path: 'tls_certificate.private_key', reason: /does not match/ },
    { name: 'garbage certificate', secret: () => ({ tls_certificate: { certificate_chain: { inline_string: 'nope' }, private_key: { inline_string: pki.client.key } } }), path: 'tls_certificate.certificate_chain', reason: /failed to load certificate chain/ },
    { name: 'garbage CA', secret: () => ({ validation_context: { trusted_ca: { inline_string: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' } } }), path: 'validation_context.trusted_ca', reason: /failed to load trusted CA/ },
    { name: 'garbage CRL', secret: () => ({ validation_context: { trusted_ca: { inline_string: pki.ca.cert }, crl: { inline_string: 'garbage' } } }), path: 'validation_context.crl', reason: /failed to load CRL/ },
    { name: 'no kind', secret: () => ({ name: 'x' }), path: '', reason: /exactly one of/ },
    { name: 'session_ticket_keys', secret: () => ({ session_ticket_keys: { keys: [] } }), path: 'session_ticket_keys', reason: /not supported/ },
    { name: 'name mismatch', secret: () => ({ name: 'y', generic_secret: { secret: { inline_string: 'x' } } }), path: 'name', reason: /expected "x"/ },
  ];
  for (const c of bad) {
    test(`rejects ${c.name} and keeps the previous secret`, () => {
      const store = new SecretStore();
      store.update('x', { generic_secret: { secret: { inline_string: 'old' } } });
      assert.throws(() => store.update('x', c.secret()), (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError, String(err));
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
      const kept = store.get('x')?.secret;
      assert.equal(kept?.kind === 'generic_secret' && kept.secret.toString(), 'old');
    });
  }
});
