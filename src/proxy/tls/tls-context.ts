/**
 * Envoy's DownstreamTlsContext (listener side) and UpstreamTlsContext (cluster side) as Node TLS
 * options. A context tracks the SDS secrets it needs: until they all arrive it is not ready
 * (Envoy keeps the listener or cluster warming), and each change rebuilds the SecureContext for
 * new handshakes while established connections keep theirs.
 */
import type { ConnectionOptions, PeerCertificate, SecureContext, SecureContextOptions, TLSSocket, TLSSocketOptions } from 'node:tls';
import { constants } from 'node:crypto';
import { ProxyConfigError, at } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { asBoolValue, asEnum, asObject, asString, asUint32, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';
import { buildSecureContext, compileCommonTlsContext, resolveTlsMaterial } from './common-tls-context.js';
import type { CommonTlsContextConfig, TlsMaterial } from './common-tls-context.js';
import type { DataSourceEnv } from './data-source.js';
import { matchSubjectAltNames, parseSubjectAltNames } from './san-matcher.js';
import type { SecretStore } from './secret-store.js';
import type { ValidationContextConfig } from './validation-context.js';

export interface TlsContextStatus {
  /** True once every secret arrived and a SecureContext was built (stays true across later errors). */
  readonly ready: boolean;
  /** SDS secret names still missing before the first build. */
  readonly missingSecrets: readonly string[];
  /** The last rebuild failure (e.g. an SDS secret that does not fit), or null. */
  readonly error: string | null;
}

type Built = { readonly secureContext: SecureContext; readonly validation: ValidationContextConfig | null };

/** Shared lifecycle: subscribe to secrets, rebuild on change, keep the last good build. */
class TlsContextBase {
  private built: Built | null = null;
  private missing: readonly string[] = [];
  private error: string | null = null;
  private readonly unsubscribes: (() => void)[];
  private readonly listeners = new Set<() => void>();

  constructor(
    protected readonly common: CommonTlsContextConfig,
    private readonly store: SecretStore,
    private readonly env: DataSourceEnv | undefined,
    /** Role-specific createSecureContext options (session settings, cipher order). */
    private readonly extra: SecureContextOptions,
  ) {
    this.unsubscribes = common.secretNames.map((name) => store.onChange(name, () => this.rebuild()));
    // With no SDS secrets involved an invalid context is a config error of the listener/cluster.
    if (common.secretNames.length === 0) this.build(resolveTlsMaterial(common, store, env));
    else this.rebuild();
  }

  status(): TlsContextStatus {
    return { ready: this.built !== null, missingSecrets: this.missing, error: this.error };
  }

  /** The SecretStore names this context depends on (for the SDS subscription). */
  get secretNames(): readonly string[] {
    return this.common.secretNames;
  }

  /** `cb` runs whenever a new SecureContext is in place (first readiness, rotation). */
  onUpdate(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Stops following secret changes. */
  close(): void {
    for (const u of this.unsubscribes) u();
    this.listeners.clear();
  }

  protected get current(): Built | null {
    return this.built;
  }

  /** Installs a new SecureContext when all material is there; false while secrets are missing. */
  private build(material: TlsMaterial): boolean {
    if (!material.ready) {
      // A secret removed after readiness leaves the last good context serving.
      if (!this.built) this.missing = material.missing;
      return false;
    }
    this.built = { secureContext: buildSecureContext(this.common, material, this.extra), validation: material.validation };
    this.missing = [];
    this.error = null;
    return true;
  }

  private rebuild(): void {
    let changed: boolean;
    try {
      changed = this.build(resolveTlsMaterial(this.common, this.store, this.env));
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return;
    }
    if (changed) for (const cb of [...this.listeners]) cb();
  }
}

function hasCert(cert: PeerCertificate | undefined): cert is PeerCertificate {
  return cert !== undefined && cert !== null && Object.keys(cert).length > 0;
}

const DOWNSTREAM_FIELDS = ['common_tls_context', 'require_client_certificate', 'session_timeout', 'disable_stateless_session_resumption', 'disable_stateful_session_resumption', 'ocsp_staple_policy', 'prefer_client_ciphers', 'full_scan_certs_on_sni_mismatch'];

export class DownstreamTlsContext extends TlsContextBase {
  private readonly requireClientCertificate: boolean;

  constructor(json: Json, store: SecretStore, env?: DataSourceEnv) {
    rejectUnsupported(json, DOWNSTREAM_FIELDS, '');
    const common = at('common_tls_context', () => compileCommonTlsContext(asObject(field(json, 'common_tls_context'), '') ?? {}, 'server', store, env));
    const policy = asEnum(field(json, 'ocsp_staple_policy'), ['LENIENT_STAPLING', 'STRICT_STAPLING', 'MUST_STAPLE'] as const, 'ocsp_staple_policy');
    if (policy && policy !== 'LENIENT_STAPLING') throw new ProxyConfigError('ocsp_staple_policy', `${policy} is not supported by tsmesh proxy (no OCSP stapling)`);
    if (asBoolValue(field(json, 'full_scan_certs_on_sni_mismatch'), '')) throw new ProxyConfigError('full_scan_certs_on_sni_mismatch', 'not supported by tsmesh proxy');
    const timeoutMs = durationMs(field(json, 'session_timeout'), 'session_timeout');
    // Envoy prefers the server's cipher order unless prefer_client_ciphers; Node's default is the reverse.
    const extra: SecureContextOptions = { honorCipherOrder: !(asBoolValue(field(json, 'prefer_client_ciphers'), '') ?? false) };
    if (timeoutMs !== undefined) extra.sessionTimeout = Math.floor(timeoutMs / 1000);
    if (asBoolValue(field(json, 'disable_stateless_session_resumption'), '')) extra.secureOptions = constants.SSL_OP_NO_TICKET;
    // disable_stateful_session_resumption: Node keeps no server-side session cache unless asked, so it always holds.
    asBoolValue(field(json, 'disable_stateful_session_resumption'), 'disable_stateful_session_resumption');
    const requireClientCertificate = asBoolValue(field(json, 'require_client_certificate'), 'require_client_certificate') ?? false;
    super(common, store, env, extra);
    this.requireClientCertificate = requireClientCertificate;
  }

  /**
   * Options for `new tls.TLSSocket(socket, options)` on an accepted (and peeked) socket; null
   * while not ready. `clientAlpn` (from tls_inspector) lets us mirror Envoy, which answers a
   * client with no common ALPN protocol without ALPN, where Node would fail the handshake.
   * Not for `tls.createServer`, which ignores `secureContext`.
   */
  serverOptions(clientAlpn?: readonly string[]): TLSSocketOptions | null {
    const built = this.current;
    if (!built) return null;
    const alpn = this.common.alpnProtocols;
    const offerAlpn = alpn.length > 0 && (clientAlpn === undefined || clientAlpn.some((p) => alpn.includes(p)));
    return {
      isServer: true,
      secureContext: built.secureContext,
      // Ask for a client certificate whenever we could check it or must have it.
      requestCert: this.requireClientCertificate || built.validation !== null,
      // On a server TLSSocket this only makes OpenSSL refuse a missing certificate; Node leaves
      // the chain verdict to JS, which verifyPeer() gives.
      rejectUnauthorized: this.requireClientCertificate,
      ...(offerAlpn ? { ALPNProtocols: [...alpn] } : {}),
    };
  }

  /**
   * The client-certificate checks Envoy makes during the handshake and Node leaves to the
   * caller: chain verification against trusted_ca, a required certificate, and the SAN matchers.
   * Call on the TLSSocket's 'secure' event; a non-null reason means close the connection.
   */
  verifyPeer(socket: TLSSocket): string | null {
    const built = this.current;
    if (!built) return 'TLS context not ready';
    const cert = socket.getPeerCertificate();
    if (!hasCert(cert)) return this.requireClientCertificate ? 'peer did not return a certificate' : null;
    const v = built.validation;
    if (!v) return null;
    if (v.trustedCa || v.systemRootCerts) {
      const err = chainVerifyError(socket);
      if (err) return `peer certificate verification failed: ${err}`;
    }
    return matchSubjectAltNames(v.sanMatchers, parseSubjectAltNames(cert.subjectaltname)) ? null : 'peer certificate SAN does not match any configured matcher';
  }
}

/**
 * OpenSSL's verdict on the peer chain. A server TLSSocket made outside tls.Server never sets
 * `authorized`, so read the handle's verifyError() (what tls.Server itself uses).
 */
function chainVerifyError(socket: TLSSocket): string | null {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  if (!handle?.verifyError) return 'TLS handle is gone';
  const err = handle.verifyError();
  return err ? err.code ?? err.message : null;
}

const UPSTREAM_FIELDS = ['common_tls_context', 'sni', 'allow_renegotiation', 'max_session_keys', 'enforce_rsa_key_usage'];

/** Envoy does not check the hostname; only the configured SAN matchers, and only with a trusted CA. */
const acceptAnyIdentity = (): Error | undefined => undefined;

export class UpstreamTlsContext extends TlsContextBase {
  private readonly sni: string;

  constructor(json: Json, store: SecretStore, env?: DataSourceEnv) {
    rejectUnsupported(json, UPSTREAM_FIELDS, '');
    const common = at('common_tls_context', () => compileCommonTlsContext(asObject(field(json, 'common_tls_context'), '') ?? {}, 'client', store, env));
    const sni = asString(field(json, 'sni'), 'sni');
    if (sni.length > 255) throw new ProxyConfigError('sni', 'sni is longer than 255 bytes');
    if (asBoolValue(field(json, 'allow_renegotiation'), '')) throw new ProxyConfigError('allow_renegotiation', 'not supported by tsmesh proxy');
    if (asBoolValue(field(json, 'enforce_rsa_key_usage'), '')) throw new ProxyConfigError('enforce_rsa_key_usage', 'not supported by tsmesh proxy');
    // We never resume upstream sessions, which is max_session_keys: 0; any value is safe.
    asUint32(field(json, 'max_session_keys'), 'max_session_keys');
    super(common, store, env, {});
    this.sni = sni;
  }

  private cached: { built: object; options: Readonly<ConnectionOptions> } | null = null;

  /**
   * Options for `tls.connect({...options, host, port})`; null while not ready. Built once per
   * SecureContext, so opening a connection allocates nothing here.
   */
  connectOptions(): Readonly<ConnectionOptions> | null {
    const built = this.current;
    if (!built) return null;
    if (this.cached?.built === built) return this.cached.options;
    const v = built.validation;
    const matchers = v?.sanMatchers ?? [];
    const options: ConnectionOptions = Object.freeze({
      secureContext: built.secureContext,
      // Without SNI configured Envoy sends none; Node only sends one when servername is set.
      ...(this.sni ? { servername: this.sni } : {}),
      ...(this.common.alpnProtocols.length ? { ALPNProtocols: [...this.common.alpnProtocols] } : {}),
      // Without a trusted CA Envoy accepts any server certificate.
      rejectUnauthorized: v !== null && (v.trustedCa !== undefined || v.systemRootCerts),
      // Node calls this only after the chain verified; it replaces Node's hostname check.
      checkServerIdentity: matchers.length === 0 ? acceptAnyIdentity : (_host: string, cert: PeerCertificate) =>
        matchSubjectAltNames(matchers, parseSubjectAltNames(cert.subjectaltname))
          ? undefined
          : Object.assign(new Error('upstream certificate SAN does not match any configured matcher'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
    });
    this.cached = { built, options };
    return options;
  }
}

/** Compiles a DownstreamTlsContext (the typed_config of a listener's `envoy.transport_sockets.tls`). */
export function compileDownstreamTlsContext(json: Json, store: SecretStore, env?: DataSourceEnv): DownstreamTlsContext {
  return new DownstreamTlsContext(json, store, env);
}

/** Compiles an UpstreamTlsContext (the typed_config of a cluster's `envoy.transport_sockets.tls`). */
export function compileUpstreamTlsContext(json: Json, store: SecretStore, env?: DataSourceEnv): UpstreamTlsContext {
  return new UpstreamTlsContext(json, store, env);
}

