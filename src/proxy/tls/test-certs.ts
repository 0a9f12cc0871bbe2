/**
 * Test-only: a throwaway PKI made with the `openssl` CLI in a temp dir — a CA, a server
 * certificate (SAN DNS:example.com, URI:spiffe://cluster.local/ns/default/sa/test), a client
 * certificate, and a "rogue" certificate from an unrelated CA. Tests skip when openssl is absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** Signed by a different CA, with the same SANs as `server`. */
  readonly rogue: KeyPair;
  cleanup(): void;
}

export const SERVER_SANS = 'DNS:example.com,URI:spiffe://cluster.local/ns/default/sa/test';
export const CLIENT_SANS = 'URI:spiffe://cluster.local/ns/default/sa/client';

/** Why the PKI cannot be made here (no openssl), or null. Use as `{ skip: opensslMissing() ?? false }`. */
export function opensslMissing(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'the openssl CLI is not installed; TLS end-to-end tests need it to generate certificates';
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
}

function pair(dir: string, name: string): KeyPair {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeLeaf(dir: string, name: string, ca: string, sans: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(Date.now() % 1e9),
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

/** Generates the PKI (a few hundred ms). Call cleanup() when done. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'ca', SERVER_SANS);
  makeLeaf(dir, 'client', 'ca', CLIENT_SANS);
  makeLeaf(dir, 'rogue', 'other-ca', SERVER_SANS);
  return {
    dir,
    ca: pair(dir, 'ca'),
    server: pair(dir, 'server'),
    client: pair(dir, 'client'),
    rogue: pair(dir, 'rogue'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Resource types a test file must not leave behind (sockets, servers, timers). Handles close
 * asynchronously, so this waits (bounded, ~500 ms) for them to go before reporting what is left.
 */
export async function leakedHandles(): Promise<string[]> {
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /TCP|TLS/.test(r));
  for (let i = 0; i < 50 && open().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return open();
}
