/**
 * One HTTPMatchRequest of a VirtualService → an Envoy RouteMatch, as Istio's TranslateRouteMatch
 * (pilot/pkg/networking/core/route/route.go). Every condition of the block is ANDed in the one
 * RouteMatch; blocks are ORed by emitting one route per block (http-route.ts).
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPMatchRequest } from '../../model/config-types.js';
import { envoyStringMatcher, isPresentMatch } from './proto-values.js';
import type { StringMatch } from './proto-values.js';

/** Envoy's pseudo-headers Istio matches method, authority and scheme on. */
export const HEADER_METHOD = ':method';
export const HEADER_AUTHORITY = ':authority';
export const HEADER_SCHEME = ':scheme';

/**
 * Istio routes on JWT claims with headers named `@request.auth.claims.NAME` (or `[NAME]`), which
 * it turns into a dynamic_metadata matcher on the jwt_authn filter's output. Our proxy has no
 * dynamic_metadata matching, so such a match block is reported as unsupported (see
 * translateRouteMatch) rather than silently matching on a header nobody sends.
 */
export function isJwtClaimHeader(name: string): boolean {
  return name.startsWith('@request.auth.claims.') || name.startsWith('@request.auth.claims[');
}

/** Istio's translateHeaderMatch: present_match for "any value", else a string_match. */
export function translateHeaderMatch(name: string, m: StringMatch | undefined): EnvoyJson {
  if (isPresentMatch(m)) return { name, present_match: true };
  const sm = envoyStringMatcher(m!);
  return sm === undefined ? { name } : { name, string_match: sm };
}

/** Istio's translateQueryParamMatch. */
export function translateQueryParamMatch(name: string, m: StringMatch | undefined): EnvoyJson {
  if (isPresentMatch(m)) return { name, present_match: true };
  const sm = envoyStringMatcher(m!);
  return sm === undefined ? { name } : { name, string_match: sm };
}

function entries(map: Readonly<Record<string, StringMatch>> | undefined): [string, StringMatch][] {
  return map === undefined ? [] : Object.entries(map);
}

const byName = (a: EnvoyJson, b: EnvoyJson): number => {
  const x = String(a.name);
  const y = String(b.name);
  return x < y ? -1 : x > y ? 1 : 0;
};

export type RouteMatchResult =
  | { readonly ok: true; readonly match: EnvoyJson }
  /** The block needs something our proxy cannot do (JWT claim routing): the caller drops it. */
  | { readonly ok: false; readonly reason: string };

/**
 * Istio's TranslateRouteMatch. Without a match block, `prefix: /` (everything). Headers and
 * withoutHeaders are sorted by name as Istio does; method, authority and scheme follow as
 * pseudo-header matchers; query parameters are sorted by name too (Istio iterates a Go map, so
 * its order is arbitrary; sorting makes ours deterministic).
 */
export function translateRouteMatch(m: HTTPMatchRequest | undefined, gatewaySemantics = false): RouteMatchResult {
  if (m === undefined) return { ok: true, match: { prefix: '/' } };
  const headers: EnvoyJson[] = [];
  for (const [name, sm] of entries(m.headers as Record<string, StringMatch> | undefined)) {
    if (isJwtClaimHeader(name)) return { ok: false, reason: `JWT claim routing (${name}) needs dynamic_metadata matching` };
    headers.push(translateHeaderMatch(name, sm));
  }
  for (const [name, sm] of entries(m.withoutHeaders as Record<string, StringMatch> | undefined)) {
    if (isJwtClaimHeader(name)) return { ok: false, reason: `JWT claim routing (${name}) needs dynamic_metadata matching` };
    const hm: EnvoyJson = { ...translateHeaderMatch(name, sm), invert_match: true };
    // treat_missing_header_as_empty conflicts with present_match: only value matchers get it, so
    // "header absent" counts as "not equal to the value" (Istio's withoutHeaders semantics).
    if (!isPresentMatch(sm)) hm.treat_missing_header_as_empty = true;
    headers.push(hm);
  }
  headers.sort(byName);

  const out: EnvoyJson = {};
  const uri = m.uri as StringMatch | undefined;
  if (uri !== undefined && uri.exact !== undefined) out.path = uri.exact;
  else if (uri !== undefined && uri.prefix !== undefined) {
    // Gateway API PathPrefix matches whole path segments (/foo matches /foo/bar, not /foobar).
    if (gatewaySemantics && uri.prefix !== '/') out.path_separated_prefix = uri.prefix.endsWith('/') ? uri.prefix.slice(0, -1) : uri.prefix;
    else out.prefix = uri.prefix;
  }
  else if (uri !== undefined && uri.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  // Istio always sets case_sensitive (BoolValue), true unless ignoreUriCase.
  out.case_sensitive = !(m.ignoreUriCase ?? false);

  if (m.method !== undefined) headers.push(translateHeaderMatch(HEADER_METHOD, m.method as StringMatch));
  if (m.authority !== undefined) headers.push(translateHeaderMatch(HEADER_AUTHORITY, m.authority as StringMatch));
  if (m.scheme !== undefined) headers.push(translateHeaderMatch(HEADER_SCHEME, m.scheme as StringMatch));
  if (headers.length > 0) out.headers = headers;

  const query = entries(m.queryParams as Record<string, StringMatch> | undefined).map(([name, sm]) => translateQueryParamMatch(name, sm));
  if (query.length > 0) out.query_parameters = query.sort(byName);
  return { ok: true, match: out };
}

/**
 * Istio's IsCatchAllRoute: `prefix: /` (or path_separated_prefix `/`, or regex `.*`) with no
 * header or query conditions. Routes after a catch-all can never match, so Istio stops there.
 */
export function isCatchAllMatch(match: EnvoyJson): boolean {
  const catchAll =
    match.prefix === '/' || match.path_separated_prefix === '/' || (match.safe_regex as { regex?: string } | undefined)?.regex === '.*';
  const headers = match.headers as unknown[] | undefined;
  const query = match.query_parameters as unknown[] | undefined;
  return catchAll && (headers?.length ?? 0) === 0 && (query?.length ?? 0) === 0;
}
