/**
 * A listener's TLS certificateRef to the credentialName of its Istio server (buildSecretReference
 * + kubecreds.ExtractCertInfo): the Secret must exist and hold a certificate and matching key,
 * under `tls.crt`/`tls.key` or Istio's generic `cert`/`key`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Resource } from '../../api/resource/resource.js';
import { isPlainObject } from '../../api/resource/resource.js';
import type { ConfigError } from './conditions.js';
import { kubernetesGatewayCredentialName } from './istio-names.js';

export interface SecretObjectReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

/** objectReferenceString: `GROUP/KIND/NAME.NAMESPACE` as written (absent fields empty). */
export function objectReferenceString(ref: SecretObjectReference): string {
  return `${ref.group ?? ''}/${ref.kind ?? ''}/${ref.name}.${ref.namespace ?? ''}`;
}

export type SecretReferenceResult = { readonly ok: true; readonly credentialName: string } | { readonly ok: false; readonly error: ConfigError };

/** The credentialName for `ref` from a Gateway in `gatewayNamespace`, or why it is not usable (reason InvalidCertificateRef). */
export function buildSecretReference(
  ref: SecretObjectReference,
  gatewayNamespace: string,
  secrets: ReadonlyMap<string, Resource>,
): SecretReferenceResult {
  const invalid = (detail: string): SecretReferenceResult => ({
    ok: false,
    error: { reason: 'InvalidCertificateRef', message: `invalid certificate reference ${objectReferenceString(ref)}, ${detail}` },
  });
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return invalid('only secret is allowed');
  const namespace = ref.namespace ?? gatewayNamespace;
  const key = `${namespace}/${ref.name}`;
  const secret = secrets.get(key);
  if (secret === undefined) return invalid(`secret ${key} not found`);
  const data = secretData(secret);
  const pair = extractCertInfo(data);
  if (typeof pair === 'string') return invalid(pair);
  const malformed = checkKeyPair(pair.cert, pair.key);
  if (malformed !== undefined) return invalid(`the certificate is malformed: ${malformed}`);
  return { ok: true, credentialName: kubernetesGatewayCredentialName(namespace, ref.name) };
}

/** A Secret's values as text: `data` is base64, `stringData` plain (as the API server merges them). */
function secretData(secret: Resource): Map<string, string> {
  const out = new Map<string, string>();
  if (isPlainObject(secret.data)) {
    for (const [k, v] of Object.entries(secret.data)) if (typeof v === 'string') out.set(k, Buffer.from(v, 'base64').toString('utf8'));
  }
  if (isPlainObject(secret.stringData)) {
    for (const [k, v] of Object.entries(secret.stringData)) if (typeof v === 'string') out.set(k, v);
  }
  return out;
}

/** ExtractCertInfo: the cert and key, or Istio's message naming the keys it found. */
function extractCertInfo(data: ReadonlyMap<string, string>): { cert: string; key: string } | string {
  const pairs: readonly (readonly [string, string])[] = [
    ['cert', 'key'],
    ['tls.crt', 'tls.key'],
  ];
  for (const [c, k] of pairs) {
    const cert = data.get(c);
    const key = data.get(k);
    if (cert !== undefined && key !== undefined && cert !== '' && key !== '') return { cert, key };
  }
  for (const [c, k] of pairs) if (data.has(c) && data.has(k)) return `found keys "${c}" and "${k}", but they were empty`;
  const keys = [...data.keys()].sort();
  const found = keys.length > 3 ? `${keys.slice(0, 3).join(', ')}, and ${keys.length - 3} more...` : keys.join(', ');
  return `found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: ${found}`;
}

/** tls.X509KeyPair's checks, with Go's messages for the common failures. */
function checkKeyPair(certPem: string, keyPem: string): string | undefined {
  if (!certPem.includes('-----BEGIN')) return 'tls: failed to find any PEM data in certificate input';
  if (!keyPem.includes('-----BEGIN')) return 'tls: failed to find any PEM data in key input';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return `x509: malformed certificate (${(err as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'tls: private key does not match public key';
  } catch (err) {
    return `tls: failed to parse private key (${(err as Error).message})`;
  }
  return undefined;
}
