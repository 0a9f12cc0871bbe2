/**
 * VirtualService `corsPolicy` → the per-route config of Envoy's CORS filter
 * (envoy.extensions.filters.http.cors.v3.CorsPolicy), as Istio's TranslateCORSPolicy. Istio no
 * longer uses RouteAction.cors (deprecated in Envoy); the policy rides on the route as
 * typed_per_filter_config["envoy.filters.http.cors"].
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRoute } from '../../model/config-types.js';
import { durationSeconds, envoyStringMatcher } from './proto-values.js';
import type { StringMatch } from './proto-values.js';

export type CorsPolicySpec = NonNullable<HTTPRoute['corsPolicy']>;

export const CORS_FILTER_NAME = 'envoy.filters.http.cors';
export const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

export function translateCorsPolicy(cors: CorsPolicySpec): EnvoyJson {
  const out: EnvoyJson = {
    '@type': CORS_POLICY_TYPE,
    // Envoy ≥ 1.30 stops forwarding unmatched preflights by default; Istio keeps the old behaviour unless IGNORE.
    forward_not_matching_preflights: cors.unmatchedPreflights !== 'IGNORE',
  };
  if (cors.allowOrigins !== undefined) {
    out.allow_origin_string_match = (cors.allowOrigins as StringMatch[]).map((m) => envoyStringMatcher(m)).filter((m) => m !== undefined);
  } else if (cors.allowOrigin !== undefined) {
    // The deprecated exact-only form.
    out.allow_origin_string_match = cors.allowOrigin.map((exact) => ({ exact }));
  }
  out.filter_enabled = { default_value: { numerator: 100, denominator: 'HUNDRED' } };
  if (cors.allowCredentials !== undefined) out.allow_credentials = cors.allowCredentials;
  const join = (list: readonly string[] | undefined): string => (list ?? []).join(',');
  if (join(cors.allowHeaders) !== '') out.allow_headers = join(cors.allowHeaders);
  if (join(cors.allowMethods) !== '') out.allow_methods = join(cors.allowMethods);
  if (join(cors.exposeHeaders) !== '') out.expose_headers = join(cors.exposeHeaders);
  const maxAge = durationSeconds(cors.maxAge);
  if (maxAge !== undefined) out.max_age = String(maxAge);
  return out;
}
