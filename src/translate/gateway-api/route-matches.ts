/**
 * HTTPRoute and GRPCRoute matches to VirtualService matches (createURIMatch, createHeadersMatch,
 * createQueryParamsMatch, createMethodMatch, createGRPCURIMatch).
 */
import type { HTTPMatchRequest, KubeGRPCRouteSpec, KubeHTTPRouteSpec } from '../../model/config-types.js';
import { RouteReason, type ConfigError } from './conditions.js';

type HTTPRouteMatch = NonNullable<NonNullable<KubeHTTPRouteSpec['rules']>[number]['matches']>[number];
type GRPCRouteMatch = NonNullable<NonNullable<KubeGRPCRouteSpec['rules']>[number]['matches']>[number];

export type StringMatch = { readonly exact: string } | { readonly prefix: string } | { readonly regex: string };

type MatchResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigError };

const invalid = (message: string): { ok: false; error: ConfigError } => ({ ok: false, error: { reason: RouteReason.InvalidConfiguration, message } });

/** One HTTPRoute match (CRD defaults applied) as one VirtualService match. */
export function createHTTPMatch(match: HTTPRouteMatch): MatchResult<HTTPMatchRequest> {
  const uri = createURIMatch(match.path);
  if (!uri.ok) return uri;
  const headers = createNamedMatches(match.headers, 'HeaderMatch');
  if (!headers.ok) return headers;
  const queryParams = createNamedMatches(match.queryParams, 'QueryParams');
  if (!queryParams.ok) return queryParams;
  const out: Record<string, unknown> = { uri: uri.value };
  if (headers.value !== undefined) out.headers = headers.value;
  if (queryParams.value !== undefined) out.queryParams = queryParams.value;
  if (match.method !== undefined) out.method = { exact: match.method };
  return { ok: true, value: out as HTTPMatchRequest };
}

/** createURIMatch: PathPrefix drops a trailing `/` (the spec ignores it), Exact and RegularExpression pass through. */
export function createURIMatch(path: HTTPRouteMatch['path']): MatchResult<StringMatch> {
  const type = path?.type ?? 'PathPrefix';
  let value = path?.value ?? '/';
  switch (type) {
    case 'PathPrefix':
      if (value !== '/' && value.endsWith('/')) value = value.slice(0, -1);
      return { ok: true, value: { prefix: value } };
    case 'Exact':
      return { ok: true, value: { exact: value } };
    case 'RegularExpression':
      return { ok: true, value: { regex: value } };
    default:
      return invalid(`unknown type: "${type}" is not supported Path match type`);
  }
}

/**
 * Header or query parameter matches by name. "Subsequent entries with an equivalent name MUST be
 * ignored" (Gateway API), header names case-insensitively.
 */
function createNamedMatches(
  list: readonly { name: string; type?: string; value: string }[] | undefined,
  what: 'HeaderMatch' | 'QueryParams',
): MatchResult<Record<string, StringMatch> | undefined> {
  if (list === undefined || list.length === 0) return { ok: true, value: undefined };
  const out: Record<string, StringMatch> = {};
  const seen = new Set<string>();
  for (const m of list) {
    const type = m.type ?? 'Exact';
    let sm: StringMatch;
    if (type === 'Exact') sm = { exact: m.value };
    else if (type === 'RegularExpression') sm = { regex: m.value };
    else return invalid(`unknown type: "${type}" is not supported ${what} type`);
    const key = what === 'HeaderMatch' ? m.name.toLowerCase() : m.name;
    if (seen.has(key)) continue;
    seen.add(key);
    out[m.name] = sm;
  }
  return { ok: true, value: out };
}

/** One GRPCRoute match as one VirtualService match: the method becomes a `/SERVICE/METHOD` path match. */
export function createGRPCMatch(match: GRPCRouteMatch): MatchResult<HTTPMatchRequest> {
  const uri = createGRPCURIMatch(match.method);
  if (!uri.ok) return uri;
  const headers = createNamedMatches(match.headers, 'HeaderMatch');
  if (!headers.ok) return headers;
  const out: Record<string, unknown> = {};
  if (uri.value !== undefined) out.uri = uri.value;
  if (headers.value !== undefined) out.headers = headers.value;
  return { ok: true, value: out as HTTPMatchRequest };
}

/** createGRPCURIMatch: gRPC paths are `/SERVICE/METHOD`; a missing half matches any. */
export function createGRPCURIMatch(m: GRPCRouteMatch['method']): MatchResult<StringMatch | undefined> {
  if (m === undefined) return { ok: true, value: undefined };
  if (m.method === undefined && m.service === undefined) return invalid('gRPC match must have method or service defined');
  const type = m.type ?? 'Exact';
  if (type === 'Exact') {
    if (m.method === undefined) return { ok: true, value: { prefix: `/${m.service}/` } };
    if (m.service === undefined) return { ok: true, value: { regex: `/[^/]+/${m.method}` } };
    return { ok: true, value: { exact: `/${m.service}/${m.method}` } };
  }
  if (type === 'RegularExpression') {
    if (m.method === undefined) return { ok: true, value: { regex: `/${m.service}/.+` } };
    if (m.service === undefined) return { ok: true, value: { regex: `/[^/]+/${m.method}` } };
    return { ok: true, value: { regex: `/${m.service}/${m.method}` } };
  }
  return invalid(`unknown type: "${type}" is not supported Path match type`);
}
