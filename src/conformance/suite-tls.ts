/**
 * The TLS Secret upstream's suite creates at start-up (README "Secrets"):
 * `gateway-conformance-infra/tls-validity-checks-certificate`, a self-signed RSA server
 * certificate with DNS SANs `*`, `*.org`, `*.wildcard.org`. Made with the openssl CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../api/resource/resource.js';

export interface SuiteCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export function generateSuiteCertificate(): SuiteCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-conformance-tls-'));
  try {
    const key = join(dir, 'tls.key');
    const crt = join(dir, 'tls.crt');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-keyout', key, '-out', crt,
      '-subj', '/CN=gateway-conformance',
      '-addext', 'subjectAltName=DNS:*,DNS:*.org,DNS:*.wildcard.org',
    ], { stdio: 'ignore' });
    return { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function suiteTlsSecret(cert: SuiteCertificate): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls-validity-checks-certificate', namespace: 'gateway-conformance-infra' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(cert.certPem).toString('base64'), 'tls.key': Buffer.from(cert.keyPem).toString('base64') },
  } as unknown as Resource;
}
