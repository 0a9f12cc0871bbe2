/**
 * envoy.extensions.filters.http.cors.v3.CorsPolicy, the CORS filter's per-route config (Istio's
 * VirtualService corsPolicy and the Gateway API's CORS filter end here), compiled once with the
 * route table. Fields left unset stay unset (null / ''), because the filter takes each field from
 * the most specific level that sets it (route, then virtual host), as Envoy does.
 */
import { compileRuntimeFraction } from '../../../router/route-match.js';
import { compileStringMatcher } from '../../../router/string-matcher.js';
import type { StringMatcher } from '../../../router/string-matcher.js';
import { join, optBool, optList, optString, readMessage } from '../../../router/proto-json.js';
import type { FractionalPercent } from '../fault/fault-config.js';

export const CORS_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

export interface CorsPolicy {
  /** allow_origin_string_match; empty: this level says nothing about origins. */
  readonly allowOrigins: readonly StringMatcher[];
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly allowCredentials: boolean | null;
  readonly allowPrivateNetworkAccess: boolean | null;
  readonly forwardNotMatchingPreflights: boolean | null;
  /** filter_enabled's default_value; null: enabled (Envoy's default when the field is unset). */
  readonly filterEnabled: FractionalPercent | null;
  /** shadow_enabled's default_value; null: off. */
  readonly shadowEnabled: FractionalPercent | null;
}

const FIELDS = [
  '@type', 'allow_origin_string_match', 'allow_methods', 'allow_headers', 'expose_headers', 'max_age', 'allow_credentials',
  'filter_enabled', 'shadow_enabled', 'allow_private_network_access', 'forward_not_matching_preflights',
];

export function compileCorsPolicy(json: unknown, path = ''): CorsPolicy {
  const msg = readMessage(json, path, FIELDS);
  const origins = optList(msg, 'allow_origin_string_match', path).map((m, i) => compileStringMatcher(m, `${join(path, 'allow_origin_string_match')}[${i}]`));
  // Sent as given (Envoy does not check it is a number of seconds either).
  const maxAge = optString(msg, 'max_age', path) ?? '';
  return {
    allowOrigins: origins,
    allowMethods: optString(msg, 'allow_methods', path) ?? '',
    allowHeaders: optString(msg, 'allow_headers', path) ?? '',
    exposeHeaders: optString(msg, 'expose_headers', path) ?? '',
    maxAge,
    allowCredentials: optBool(msg, 'allow_credentials', path) ?? null,
    allowPrivateNetworkAccess: optBool(msg, 'allow_private_network_access', path) ?? null,
    forwardNotMatchingPreflights: optBool(msg, 'forward_not_matching_preflights', path) ?? null,
    filterEnabled: msg['filter_enabled'] === undefined ? null : compileRuntimeFraction(msg['filter_enabled'], join(path, 'filter_enabled')),
    shadowEnabled: msg['shadow_enabled'] === undefined ? null : compileRuntimeFraction(msg['shadow_enabled'], join(path, 'shadow_enabled')),
  };
}

/** The filter's own typed_config (envoy.extensions.filters.http.cors.v3.Cors) has no fields. */
export function compileCorsFilterConfig(json: unknown, path = ''): void {
  readMessage(json, path, ['@type']);
}

/**
 * The field values in effect for a request: each taken from the first policy (most specific
 * first) that sets it, as Envoy's CorsFilter accessors; enabled/shadow come from the first policy.
 */
export class EffectivePolicy {
  constructor(readonly policies: readonly CorsPolicy[]) {}

  get allowOrigins(): readonly StringMatcher[] {
    for (const p of this.policies) if (p.allowOrigins.length > 0) return p.allowOrigins;
    return [];
  }

  string(field: 'allowMethods' | 'allowHeaders' | 'exposeHeaders' | 'maxAge'): string {
    for (const p of this.policies) if (p[field] !== '') return p[field];
    return '';
  }

  flag(field: 'allowCredentials' | 'allowPrivateNetworkAccess' | 'forwardNotMatchingPreflights', dflt: boolean): boolean {
    for (const p of this.policies) {
      const v = p[field];
      if (v !== null) return v;
    }
    return dflt;
  }

  /** Envoy's isOriginAllowed: any matcher matching the origin, or matching "*" itself. */
  originAllowed(origin: string): boolean {
    for (const m of this.allowOrigins) if (m.match('*') || m.match(origin)) return true;
    return false;
  }
}
