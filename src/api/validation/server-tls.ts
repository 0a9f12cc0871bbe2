/**
 * validateTLSOptions: server-side TLS settings of a Gateway server (and of a Sidecar ingress
 * listener): which certificate sources each mode needs or ignores, one source at most, cipher
 * suites and CRLs.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { Findings } from './findings.js';
import { enumValue, list, obj, str, strings } from './spec.js';

// pkg/config/security.ValidCipherSuites (`bssl ciphers -openssl-name ALL`, without PSK).
const CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA',
]);

/** security.IsValidCipherSuite: `ALL` and expressions (`-`, `+`, `!` …) pass unchecked. */
function isValidCipherSuite(cs: string): boolean {
  if (cs === '' || cs === 'ALL') return true;
  if (!/^[\p{L}\p{N}]/u.test(cs)) return true;
  return CIPHER_SUITES.has(cs);
}

/** The TLS mode of a server; PASSTHROUGH is the protobuf default. */
export function serverTLSMode(tls: Readonly<Record<string, unknown>>): string {
  return enumValue(tls.mode, 'PASSTHROUGH');
}

export function validateServerTLS(f: Findings, path: FieldPath, value: unknown): void {
  const tls = obj(value);
  if (tls === undefined) return;
  const mode = serverTLSMode(tls);
  const minVersion = str(tls.minProtocolVersion);
  const ciphers = strings(tls.cipherSuites);
  if ((minVersion === 'TLSV1_0' || minVersion === 'TLSV1_1') && ciphers.length === 0) {
    f.warn([...path, 'minProtocolVersion'], 'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.');
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const duplicate = new Set<string>();
  for (const cs of ciphers) {
    if (!isValidCipherSuite(cs)) invalid.add(cs);
    else if (valid.has(cs)) duplicate.add(cs);
    else valid.add(cs);
  }
  if (invalid.size > 0) f.warn([...path, 'cipherSuites'], `ignoring invalid cipher suites: [${[...invalid].sort().join(' ')}]`);
  if (duplicate.size > 0) f.warn([...path, 'cipherSuites'], `ignoring duplicate cipher suites: [${[...duplicate].sort().join(' ')}]`);

  const serverCertificate = str(tls.serverCertificate);
  const privateKey = str(tls.privateKey);
  const caCertificates = str(tls.caCertificates);
  const credentialName = str(tls.credentialName);
  const credentialNames = list(tls.credentialNames);
  const tlsCertificates = list(tls.tlsCertificates);
  if (mode === 'ISTIO_MUTUAL') {
    // Istio's own certificates are used; any other certificate setting is a mistake.
    if (serverCertificate !== '') f.error([...path, 'serverCertificate'], 'ISTIO_MUTUAL TLS cannot have associated server certificate');
    if (privateKey !== '') f.error([...path, 'privateKey'], 'ISTIO_MUTUAL TLS cannot have associated private key');
    if (caCertificates !== '') f.error([...path, 'caCertificates'], 'ISTIO_MUTUAL TLS cannot have associated CA bundle');
    if (tlsCertificates.length > 0) f.error([...path, 'tlsCertificates'], 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    if (credentialName !== '') f.error([...path, 'credentialName'], 'ISTIO_MUTUAL TLS cannot have associated credentialName');
    if (credentialNames.length > 0) f.error([...path, 'credentialNames'], 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    const anyCert = [tls.caCrl, serverCertificate, privateKey, caCertificates, credentialName].some((v) => str(v) !== '') ||
      tlsCertificates.length > 0 || credentialNames.length > 0;
    if (anyCert) f.warn(path, `${mode} mode does not use certificates, they will be ignored`);
  }
  let sources = 0;
  if (serverCertificate !== '' && privateKey !== '') sources++;
  if (credentialName !== '') sources++;
  if (credentialNames.length > 0) sources++;
  if (tlsCertificates.length > 0) sources++;
  if (sources > 1) f.error(path, 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified');

  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credential name the certificates come from a secret; nothing else is required.
  if (terminating && (credentialName !== '' || credentialNames.length > 0)) return;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && caCertificates === '') f.error([...path, 'caCertificates'], `${prefix} requires a client CA bundle`);
    if (tlsCertificates.length > 2) f.warn([...path, 'tlsCertificates'], `${prefix} can support up to 2 server certificates`);
    const certs = tlsCertificates.length > 0
      ? tlsCertificates.map((c, i) => ({ cert: obj(c) ?? {}, path: [...path, 'tlsCertificates', i] }))
      : [{ cert: { serverCertificate, privateKey }, path }];
    for (const { cert, path: p } of certs) {
      if (str(cert.serverCertificate) === '') f.error(p, `${prefix} requires a server certificate`);
      if (str(cert.privateKey) === '') f.error(p, `${prefix} requires a private key`);
    }
  }
  if (str(tls.caCrl) !== '') {
    if (credentialName !== '') f.error([...path, 'caCrl'], 'CRL is not supported with credentialName. CRL has to be specified in the credential');
    if (mode === 'SIMPLE') f.error([...path, 'caCrl'], 'CRL is not supported with SIMPLE TLS');
  }
}
