/**
 * HTTPRoute filters to VirtualService route fields (createHeadersFilter, createRedirectFilter,
 * createRewriteFilter, createCorsFilter): header modifiers to `headers`, RequestRedirect to
 * `redirect`, URLRewrite to `rewrite`, CORS to `corsPolicy`.
 */
import type { HTTPRoute as IstioHTTPRoute, KubeHTTPRouteSpec } from '../../model/config-types.js';
import { formatProtoDuration } from './durations.js';

type Filter = NonNullable<NonNullable<KubeHTTPRouteSpec['rules']>[number]['filters']>[number];
type HeaderFilter = NonNullable<Filter['requestHeaderModifier']>;
export type HeaderOperations = NonNullable<NonNullable<IstioHTTPRoute['headers']>['request']>;
type Redirect = NonNullable<IstioHTTPRoute['redirect']>;
type Rewrite = NonNullable<IstioHTTPRoute['rewrite']>;
type CorsPolicy = NonNullable<IstioHTTPRoute['corsPolicy']>;

/** headerListToMap: lower-cased names; "subsequent entries with an equivalent header name MUST be ignored". */
function headerListToMap(list: readonly { name: string; value: string }[] | undefined): Record<string, string> | undefined {
  if (list === undefined || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const h of list) {
    const key = h.name.toLowerCase();
    if (!Object.hasOwn(out, key)) out[key] = h.value;
  }
  return out;
}

export function createHeadersFilter(filter: HeaderFilter | undefined): HeaderOperations | undefined {
  if (filter === undefined) return undefined;
  const add = headerListToMap(filter.add);
  const set = headerListToMap(filter.set);
  return {
    ...(add !== undefined ? { add } : {}),
    ...(filter.remove !== undefined && filter.remove.length > 0 ? { remove: [...filter.remove] } : {}),
    ...(set !== undefined ? { set } : {}),
  };
}

/**
 * createRedirectFilter. Without a port the Gateway API keeps the request's port (Istio's
 * FROM_REQUEST_PORT), or, when only the scheme changes, uses the scheme's default port
 * (FROM_PROTOCOL_DEFAULT); a VirtualService alone would do neither.
 */
export function createRedirectFilter(filter: Filter['requestRedirect']): Redirect | undefined {
  if (filter === undefined) return undefined;
  const out: Record<string, unknown> = {};
  if (filter.statusCode !== undefined) out.redirectCode = filter.statusCode;
  if (filter.hostname !== undefined) out.authority = filter.hostname;
  if (filter.scheme !== undefined) out.scheme = filter.scheme;
  if (filter.port !== undefined) out.port = filter.port;
  else out.derivePort = filter.scheme !== undefined ? 'FROM_PROTOCOL_DEFAULT' : 'FROM_REQUEST_PORT';
  if (filter.path?.type === 'ReplaceFullPath' && filter.path.replaceFullPath !== undefined) out.uri = filter.path.replaceFullPath;
  else if (filter.path?.type === 'ReplacePrefixMatch' && filter.path.replacePrefixMatch !== undefined) {
    // %PREFIX()% tells the route translator to replace only the matched prefix (Envoy's prefix_rewrite).
    out.uri = `%PREFIX()%${filter.path.replacePrefixMatch}`;
  }
  return out as Redirect;
}

/** createRewriteFilter: ReplacePrefixMatch as a prefix rewrite, ReplaceFullPath as a whole-path regex rewrite. */
export function createRewriteFilter(filter: Filter['urlRewrite']): Rewrite | undefined {
  if (filter === undefined) return undefined;
  const out: { uri?: string; uriRegexRewrite?: { match: string; rewrite: string }; authority?: string } = {};
  if (filter.path?.type === 'ReplacePrefixMatch' && filter.path.replacePrefixMatch !== undefined) {
    let uri = filter.path.replacePrefixMatch;
    if (uri.endsWith('/')) uri = uri.slice(0, -1);
    // An empty replacement removes the prefix.
    out.uri = uri === '' ? '/' : uri;
  } else if (filter.path?.type === 'ReplaceFullPath' && filter.path.replaceFullPath !== undefined) {
    out.uriRegexRewrite = { match: '/.*', rewrite: filter.path.replaceFullPath };
  }
  if (filter.hostname !== undefined) out.authority = filter.hostname;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * createCorsFilter. Istio matches origins exactly; origins with `*` wildcards (which the
 * Gateway API allows) become anchored regexes here so they can match at all.
 */
export function createCorsFilter(filter: Filter['cors']): CorsPolicy | undefined {
  if (filter === undefined) return undefined;
  const out: Record<string, unknown> = {};
  const origins = (filter.allowOrigins ?? []).filter((o) => o !== '').map((o) => (o.includes('*') ? { regex: wildcardRegex(o) } : { exact: o }));
  if (origins.length > 0) out.allowOrigins = origins;
  if (filter.allowCredentials === true) out.allowCredentials = true;
  if (filter.allowMethods !== undefined && filter.allowMethods.length > 0) out.allowMethods = [...filter.allowMethods];
  if (filter.allowHeaders !== undefined && filter.allowHeaders.length > 0) out.allowHeaders = [...filter.allowHeaders];
  if (filter.exposeHeaders !== undefined && filter.exposeHeaders.length > 0) out.exposeHeaders = [...filter.exposeHeaders];
  if (filter.maxAge !== undefined && filter.maxAge > 0) out.maxAge = formatProtoDuration(filter.maxAge * 1e9);
  // The gateway answers every preflight itself (HTTPRouteCORS: a preflight from an origin not
  // allowed gets an answer without access-control-allow-origin, never the backend's).
  out.unmatchedPreflights = 'IGNORE';
  return out as CorsPolicy;
}

function wildcardRegex(origin: string): string {
  return origin
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}
