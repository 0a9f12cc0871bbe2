/**
 * `CommonTlsContext`, the part shared by downstream (server) and upstream (client) TLS: protocol
 * versions and ciphers, certificates (inline or by SDS name), peer validation (inline, SDS, or
 * combined) and ALPN. Compiled once per config; secrets are resolved from the SecretStore when
 * they arrive or change.
 */
import { DEFAULT_CIPHERS, createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import { ProxyConfigError, at } from '../config/config-error.js';
import { asArray, asEnum, asObject, asString, asStringList, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';
import type { DataSourceEnv } from './data-source.js';
import type { SecretStore } from './secret-store.js';
import { checkSanMatchersHaveCa, compileTlsCertificate, compileValidationContext, mergeValidationContexts } from './validation-context.js';
import type { CertificateMaterial, ValidationContextConfig } from './validation-context.js';

export type TlsRole = 'server' | 'client';

type TlsVersion = NonNullable<SecureContextOptions['minVersion']>;

export interface CommonTlsContextConfig {
  readonly role: TlsRole;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  readonly ciphers: string | undefined;
  readonly ecdhCurve: string | undefined;
  readonly sigalgs: string | undefined;
  readonly alpnProtocols: readonly string[];
  readonly certificates: readonly CertificateMaterial[];
  /** SDS names of tls_certificate secrets, in tls_certificate_sds_secret_configs order. */
  readonly certificateSecrets: readonly string[];
  readonly validation:
    | { readonly kind: 'none' }
    | { readonly kind: 'static'; readonly json: Json }
    /** From SDS, merged into `defaults` when combined_validation_context is used. */
    | { readonly kind: 'sds'; readonly name: string; readonly defaults: Json };
  /** Every secret name this context waits for (the SDS subscription list). */
  readonly secretNames: readonly string[];
}

export type TlsMaterial =
  | { readonly ready: true; readonly certificates: readonly CertificateMaterial[]; readonly validation: ValidationContextConfig | null }
  | { readonly ready: false; readonly missing: readonly string[] };

const COMMON_FIELDS = ['tls_params', 'tls_certificates', 'tls_certificate_sds_secret_configs', 'validation_context', 'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols'];
const PROTOCOLS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const;
const NODE_VERSIONS: Record<(typeof PROTOCOLS)[number], TlsVersion | undefined> = { TLS_AUTO: undefined, TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };
const VERSION_ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
// Envoy's cipher_suites apply to TLS <= 1.2 only; TLS 1.3 suites stay at the library default.
const TLS13_SUITES = DEFAULT_CIPHERS.split(':').filter((c) => c.startsWith('TLS_')).join(':');

/** BoringSSL's "[A|B]" equal-preference groups flattened into an OpenSSL cipher list. */
function cipherList(suites: readonly string[]): string {
  return suites.flatMap((s) => s.replace(/^\[|\]$/g, '').split('|')).filter(Boolean).join(':');
}

function compileTlsParams(json: Json, role: TlsRole): Pick<CommonTlsContextConfig, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'sigalgs'> {
  rejectUnsupported(json, ['tls_minimum_protocol_version', 'tls_maximum_protocol_version', 'cipher_suites', 'ecdh_curves', 'signature_algorithms'], '');
  const min = asEnum(field(json, 'tls_minimum_protocol_version'), PROTOCOLS, 'tls_minimum_protocol_version');
  const max = asEnum(field(json, 'tls_maximum_protocol_version'), PROTOCOLS, 'tls_maximum_protocol_version');
  // Envoy defaults: minimum TLSv1_2 for both; maximum TLSv1_2 for clients, TLSv1_3 for servers.
  const minVersion = (min && NODE_VERSIONS[min]) ?? 'TLSv1.2';
  const maxVersion = (max && NODE_VERSIONS[max]) ?? (role === 'client' ? 'TLSv1.2' : 'TLSv1.3');
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    throw new ProxyConfigError('tls_minimum_protocol_version', `minimum protocol version ${min} is above the maximum ${max ?? maxVersion}`);
  }
  const suites = asStringList(field(json, 'cipher_suites'), 'cipher_suites');
  const ciphers = suites.length ? `${TLS13_SUITES}:${cipherList(suites)}` : undefined;
  const curves = asStringList(field(json, 'ecdh_curves'), 'ecdh_curves');
  const sigalgs = asStringList(field(json, 'signature_algorithms'), 'signature_algorithms');
  const out = { minVersion, maxVersion, ciphers, ecdhCurve: curves.length ? curves.join(':') : undefined, sigalgs: sigalgs.length ? sigalgs.join(':') : undefined };
  try {
    createSecureContext(out); // rejects unknown ciphers, curves and signature algorithms now
  } catch (err) {
    throw new ProxyConfigError(suites.length ? 'cipher_suites' : curves.length ? 'ecdh_curves' : 'signature_algorithms', `invalid TLS parameters: ${(err as Error).message}`);
  }
  return out;
}

/** An SdsSecretConfig's name; without sds_config it must name a static (bootstrap) secret. */
function secretName(value: unknown, store: SecretStore): string {
  const json = asObject(value, '') ?? {};
  rejectUnsupported(json, ['name', 'sds_config'], '');
  const name = asString(field(json, 'name'), 'name');
  if (!name) throw new ProxyConfigError('name', 'secret name must not be empty');
  if (field(json, 'sds_config') === undefined && !store.get(name)) throw new ProxyConfigError('name', `Unknown static secret: ${name}`);
  return name;
}

/** Compiles a CommonTlsContext. Throws ProxyConfigError with paths relative to it. */
export function compileCommonTlsContext(json: Json, role: TlsRole, store: SecretStore, env?: DataSourceEnv): CommonTlsContextConfig {
  rejectUnsupported(json, COMMON_FIELDS, '');
  const params = at('tls_params', () => compileTlsParams(asObject(field(json, 'tls_params'), '') ?? {}, role));
  const certificates = asArray(field(json, 'tls_certificates'), 'tls_certificates')
    .map((c, i) => at(`tls_certificates[${i}]`, () => compileTlsCertificate(asObject(c, '') ?? {}, env)));
  const certificateSecrets = asArray(field(json, 'tls_certificate_sds_secret_configs'), 'tls_certificate_sds_secret_configs')
    .map((c, i) => at(`tls_certificate_sds_secret_configs[${i}]`, () => secretName(c, store)));
  const validations = ['validation_context', 'validation_context_sds_secret_config', 'combined_validation_context'].filter((k) => field(json, k) !== undefined);
  if (validations.length > 1) throw new ProxyConfigError(validations[1]!, `only one of ${validations.join(', ')} may be set`);
  let validation: CommonTlsContextConfig['validation'] = { kind: 'none' };
  const inline = asObject(field(json, 'validation_context'), 'validation_context');
  if (inline) {
    at('validation_context', () => checkSanMatchersHaveCa(compileValidationContext(inline, env)));
    validation = { kind: 'static', json: inline };
  }
  const sds = field(json, 'validation_context_sds_secret_config');
  if (sds !== undefined) validation = { kind: 'sds', name: at('validation_context_sds_secret_config', () => secretName(sds, store)), defaults: {} };
  const combined = asObject(field(json, 'combined_validation_context'), 'combined_validation_context');
  if (combined) {
    validation = at('combined_validation_context', () => {
      rejectUnsupported(combined, ['default_validation_context', 'validation_context_sds_secret_config'], '');
      const defaults = asObject(field(combined, 'default_validation_context'), 'default_validation_context') ?? {};
      at('default_validation_context', () => compileValidationContext(defaults, env));
      return { kind: 'sds' as const, name: at('validation_context_sds_secret_config', () => secretName(field(combined, 'validation_context_sds_secret_config'), store)), defaults };
    });
  }
  if (role === 'server' && certificates.length === 0 && certificateSecrets.length === 0) {
    throw new ProxyConfigError('tls_certificates', 'No TLS certificates found for server context');
  }
  const secretNames = [...certificateSecrets, ...(validation.kind === 'sds' ? [validation.name] : [])];
  return Object.freeze({
    role, ...params, alpnProtocols: asStringList(field(json, 'alpn_protocols'), 'alpn_protocols'),
    certificates, certificateSecrets, validation, secretNames: Object.freeze([...new Set(secretNames)]),
  });
}

/**
 * Looks up the context's secrets. Not ready while any is missing (Envoy keeps the listener or
 * cluster warming). Throws ProxyConfigError when the merged validation context is invalid.
 */
export function resolveTlsMaterial(config: CommonTlsContextConfig, store: SecretStore, env?: DataSourceEnv): TlsMaterial {
  const missing = config.secretNames.filter((n) => !store.get(n));
  if (missing.length) return { ready: false, missing };
  const certificates = [...config.certificates];
  for (const name of config.certificateSecrets) {
    const s = store.get(name)!.secret;
    if (s.kind !== 'tls_certificate') throw new ProxyConfigError('tls_certificate_sds_secret_configs', `secret ${JSON.stringify(name)} is a ${s.kind}, not a tls_certificate`);
    certificates.push(s.certificate);
  }
  let validationJson: Json | undefined;
  if (config.validation.kind === 'static') validationJson = config.validation.json;
  if (config.validation.kind === 'sds') {
    const s = store.get(config.validation.name)!.secret;
    if (s.kind !== 'validation_context') throw new ProxyConfigError('validation_context_sds_secret_config', `secret ${JSON.stringify(config.validation.name)} is a ${s.kind}, not a validation_context`);
    validationJson = mergeValidationContexts(config.validation.defaults, s.validationContext);
  }
  const validation = validationJson ? at('validation_context', () => compileValidationContext(validationJson, env)) : null;
  if (validation) at('validation_context', () => checkSanMatchersHaveCa(validation));
  return { ready: true, certificates, validation };
}

/** The Node SecureContext for resolved material; `extra` carries role-specific options. */
export function buildSecureContext(config: CommonTlsContextConfig, material: Extract<TlsMaterial, { ready: true }>, extra: SecureContextOptions = {}): SecureContext {
  const v = material.validation;
  const ca = v && (v.trustedCa || v.systemRootCerts) ? [...(v.systemRootCerts ? rootCertificates : []), ...(v.trustedCa ? [v.trustedCa] : [])] : undefined;
  return createSecureContext({
    minVersion: config.minVersion,
    maxVersion: config.maxVersion,
    ...(config.ciphers ? { ciphers: config.ciphers } : {}),
    ...(config.ecdhCurve ? { ecdhCurve: config.ecdhCurve } : {}),
    ...(config.sigalgs ? { sigalgs: config.sigalgs } : {}),
    ...(material.certificates.length
      ? {
          cert: material.certificates.map((c) => c.certificateChain),
          key: material.certificates.map((c) => (c.password === undefined ? { pem: c.privateKey } : { pem: c.privateKey, passphrase: c.password })),
        }
      : {}),
    ...(ca ? { ca } : {}),
    ...(v?.crl ? { crl: v.crl } : {}),
    ...extra,
  });
}
