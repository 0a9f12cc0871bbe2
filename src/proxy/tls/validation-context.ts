/**
 * `CertificateValidationContext` (how to verify the peer's certificate) compiled into trust
 * material and SAN matchers, and Envoy's merge rule for `combined_validation_context`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ProxyConfigError } from '../config/config-error.js';
import { asEnum, asObject, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';
import { resolveDataSource, resolveOptionalDataSource } from './data-source.js';
import type { DataSourceEnv } from './data-source.js';
import { compileSanMatchers } from './san-matcher.js';
import type { SanMatcher } from './san-matcher.js';

export interface ValidationContextConfig {
  /** PEM bundle of trusted CAs; absent: the peer's chain is not verified at all (Envoy). */
  readonly trustedCa: Buffer | undefined;
  readonly systemRootCerts: boolean;
  readonly crl: Buffer | undefined;
  readonly sanMatchers: readonly SanMatcher[];
}

export interface CertificateMaterial {
  readonly certificateChain: Buffer;
  readonly privateKey: Buffer;
  readonly password: string | undefined;
}

const VALIDATION_FIELDS = ['trusted_ca', 'system_root_certs', 'match_typed_subject_alt_names', 'match_subject_alt_names', 'crl', 'trust_chain_verification'];
const TLS_CERTIFICATE_FIELDS = ['certificate_chain', 'private_key', 'password'];

function checkPem(path: string, what: string, build: () => void): void {
  try {
    build();
  } catch (err) {
    throw new ProxyConfigError(path, `failed to load ${what}: ${(err as Error).message}`);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle; throws when there is none or one does not parse. */
function parseCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  return blocks.map((b) => new X509Certificate(b));
}

/** Compiles a CertificateValidationContext. Trust material is parsed now so bad PEM is a config error. */
export function compileValidationContext(json: Json, env?: DataSourceEnv): ValidationContextConfig {
  rejectUnsupported(json, VALIDATION_FIELDS, '');
  const chain = asEnum(field(json, 'trust_chain_verification'), ['VERIFY_TRUST_CHAIN', 'ACCEPT_UNTRUSTED'] as const, 'trust_chain_verification');
  if (chain === 'ACCEPT_UNTRUSTED') throw new ProxyConfigError('trust_chain_verification', 'ACCEPT_UNTRUSTED is not supported by tsmesh proxy');
  const systemRoots = asObject(field(json, 'system_root_certs'), 'system_root_certs');
  if (systemRoots) rejectUnsupported(systemRoots, [], 'system_root_certs');
  const trustedCa = resolveOptionalDataSource(field(json, 'trusted_ca'), 'trusted_ca', env);
  if (trustedCa) checkPem('trusted_ca', 'trusted CA certificates', () => parseCertificates(trustedCa));
  const crl = resolveOptionalDataSource(field(json, 'crl'), 'crl', env);
  if (crl) checkPem('crl', 'CRL', () => createSecureContext({ crl }));
  return Object.freeze({ trustedCa, systemRootCerts: systemRoots !== undefined, crl, sanMatchers: Object.freeze(compileSanMatchers(json)) });
}

/** Envoy refuses SAN matchers with nothing to verify the chain against. */
export function checkSanMatchersHaveCa(v: ValidationContextConfig): void {
  if (v.sanMatchers.length > 0 && !v.trustedCa && !v.systemRootCerts) {
    throw new ProxyConfigError('', 'SAN-based verification of peer certificates without trusted CA is insecure and not allowed');
  }
}

/**
 * Envoy's rule for combined_validation_context: the SDS context is merged into the default with
 * protobuf MergeFrom, so singular fields set in the SDS secret win and repeated fields
 * (SAN matchers) are concatenated.
 */
export function mergeValidationContexts(defaults: Json, dynamic: Json): Json {
  const out: Json = { ...defaults };
  for (const [key, value] of Object.entries(dynamic)) {
    const prev = out[key];
    out[key] = Array.isArray(prev) && Array.isArray(value) ? [...prev, ...value] : value;
  }
  return out;
}

/** Compiles a TlsCertificate; the key must load (with `password`) and belong to the leaf certificate. */
export function compileTlsCertificate(json: Json, env?: DataSourceEnv): CertificateMaterial {
  rejectUnsupported(json, TLS_CERTIFICATE_FIELDS, '');
  const certificateChain = resolveDataSource(field(json, 'certificate_chain'), 'certificate_chain', env);
  const privateKey = resolveDataSource(field(json, 'private_key'), 'private_key', env);
  const password = resolveOptionalDataSource(field(json, 'password'), 'password', env)?.toString('utf8');
  let leaf: X509Certificate | undefined;
  checkPem('certificate_chain', 'certificate chain', () => {
    leaf = new X509Certificate(certificateChain);
  });
  checkPem('private_key', 'private key', () => {
    const key = createPrivateKey(password === undefined ? { key: privateKey } : { key: privateKey, passphrase: password });
    if (!leaf!.checkPrivateKey(key)) throw new Error('the private key does not match the certificate');
  });
  return Object.freeze({ certificateChain, privateKey, password });
}
