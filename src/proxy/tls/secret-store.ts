/**
 * Secrets by name (`extensions.transport_sockets.tls.v3.Secret`), shared by static secrets from
 * the bootstrap and dynamic ones from SDS. TLS contexts look secrets up here and subscribe to
 * changes, so a rotated certificate reaches new handshakes without touching listeners.
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import { asArray, asObject, asString, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';
import { resolveDataSource } from './data-source.js';
import type { DataSourceEnv } from './data-source.js';
import { compileTlsCertificate, compileValidationContext } from './validation-context.js';
import type { CertificateMaterial } from './validation-context.js';

export type Secret =
  | { readonly kind: 'tls_certificate'; readonly certificate: CertificateMaterial }
  /** Kept as JSON because combined_validation_context merges it with a default before compiling. */
  | { readonly kind: 'validation_context'; readonly validationContext: Json }
  | { readonly kind: 'generic_secret'; readonly secret: Buffer };

export interface SecretEntry {
  readonly name: string;
  readonly secret: Secret;
  /** The Secret as received (for config_dump); DataSources are not inlined. */
  readonly json: Json;
  /** 'static' from bootstrap static_resources.secrets, 'dynamic' from SDS. */
  readonly origin: 'static' | 'dynamic';
  readonly versionInfo: string;
}

export type SecretListener = (entry: SecretEntry | undefined) => void;

const SECRET_KINDS = ['tls_certificate', 'validation_context', 'generic_secret'] as const;

export class SecretStore {
  private readonly entries = new Map<string, SecretEntry>();
  private readonly listeners = new Map<string, Set<SecretListener>>();

  constructor(private readonly env?: DataSourceEnv) {}

  /**
   * Adds or replaces the secret `name` and notifies its subscribers if its content changed.
   * Throws ProxyConfigError (the update is then NACKed) and keeps the previous secret.
   */
  update(name: string, secretJson: Json, origin: 'static' | 'dynamic' = 'dynamic', versionInfo = ''): void {
    if (!name) throw new ProxyConfigError('name', 'secret name must not be empty');
    const named = asString(field(secretJson, 'name'), 'name');
    if (named && named !== name) throw new ProxyConfigError('name', `secret is named ${JSON.stringify(named)}, expected ${JSON.stringify(name)}`);
    const secret = this.compile(secretJson);
    const prev = this.entries.get(name);
    const entry: SecretEntry = Object.freeze({ name, secret, json: secretJson, origin, versionInfo });
    this.entries.set(name, entry);
    if (prev && JSON.stringify(prev.json) === JSON.stringify(secretJson)) return; // SDS resends unchanged secrets
    this.notify(name, entry);
  }

  /** Loads bootstrap `static_resources.secrets`; every secret needs a unique name. */
  loadStatic(secrets: unknown): void {
    const list = asArray(secrets, '');
    const seen = new Set<string>();
    list.forEach((s, i) => at(`[${i}]`, () => {
      const json = asObject(s, '') ?? {};
      const name = asString(field(json, 'name'), 'name');
      if (!name) throw new ProxyConfigError('name', 'static secret needs a name');
      if (seen.has(name)) throw new ProxyConfigError('name', `duplicate secret name ${JSON.stringify(name)}`);
      seen.add(name);
      this.update(name, json, 'static');
    }));
  }

  /** Removes a dynamic secret (SDS removal); contexts using it keep their last good material. */
  remove(name: string): void {
    if (this.entries.delete(name)) this.notify(name, undefined);
  }

  get(name: string): SecretEntry | undefined {
    return this.entries.get(name);
  }

  all(): SecretEntry[] {
    return [...this.entries.values()];
  }

  /** Called when the set of secret names someone watches changes (the SDS subscription follows it). */
  onWatchedNamesChange: ((names: string[]) => void) | null = null;

  /** Calls `cb` after every change of secret `name`. Returns the unsubscribe function. */
  onChange(name: string, cb: SecretListener): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      this.listeners.set(name, (set = new Set()));
      this.onWatchedNamesChange?.(this.watchedNames());
    }
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.listeners.get(name) === set) {
        this.listeners.delete(name);
        this.onWatchedNamesChange?.(this.watchedNames());
      }
    };
  }

  /** Checks a Secret without storing it (so an SDS response is validated whole before any change). */
  validate(secretJson: Json): void {
    this.compile(secretJson);
  }

  /** Names of secrets some TLS context depends on, sorted. */
  watchedNames(): string[] {
    return [...this.listeners.keys()].sort();
  }

  private notify(name: string, entry: SecretEntry | undefined): void {
    for (const cb of [...(this.listeners.get(name) ?? [])]) cb(entry);
  }

  private compile(json: Json): Secret {
    rejectUnsupported(json, ['name', ...SECRET_KINDS], '');
    const kinds = SECRET_KINDS.filter((k) => field(json, k) !== undefined);
    if (kinds.length !== 1) throw new ProxyConfigError('', `a secret needs exactly one of ${SECRET_KINDS.join(', ')}`);
    const kind = kinds[0]!;
    return at(kind, () => {
      const body = asObject(field(json, kind), '') ?? {};
      switch (kind) {
        case 'tls_certificate':
          return { kind, certificate: compileTlsCertificate(body, this.env) };
        case 'validation_context':
          compileValidationContext(body, this.env); // validate now, so a bad one is NACKed
          return { kind, validationContext: body };
        case 'generic_secret':
          rejectUnsupported(body, ['secret'], '');
          return { kind, secret: resolveDataSource(field(body, 'secret'), 'secret', this.env) };
      }
    });
  }
}
