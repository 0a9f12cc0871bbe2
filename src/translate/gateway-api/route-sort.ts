/**
 * Gateway API match precedence on a VirtualService's ordered route list (sortHTTPRoutes): Exact
 * path before PathPrefix before RegularExpression, longer paths first, then a method match, then
 * more header matches, then more query parameter matches. The sort is stable, so ties keep their
 * input order: routes merged oldest first, rules and matches in the order written.
 */
import type { HTTPMatchRequest, HTTPRoute as IstioHTTPRoute } from '../../model/config-types.js';

function uriOf(m: HTTPMatchRequest): { exact?: string; prefix?: string; regex?: string } | undefined {
  return (m as { uri?: { exact?: string; prefix?: string; regex?: string } }).uri;
}

/** getURIRank: Exact 3, Prefix 2, Regex 1, none -1. */
function uriRank(m: HTTPMatchRequest): number {
  const uri = uriOf(m);
  if (uri === undefined) return -1;
  if (uri.exact !== undefined) return 3;
  if (uri.prefix !== undefined) return 2;
  if (uri.regex !== undefined) return 1;
  return -1;
}

function uriLength(m: HTTPMatchRequest): number {
  const uri = uriOf(m);
  if (uri === undefined) return 0;
  return (uri.exact ?? uri.prefix ?? uri.regex ?? '').length;
}

const count = (o: object | undefined): number => (o === undefined ? 0 : Object.keys(o).length);

/** Negative when `a` takes precedence over `b`. Only the first match counts: every generated route has at most one. */
export function compareRoutePrecedence(a: IstioHTTPRoute, b: IstioHTTPRoute): number {
  const ma = a.match?.[0];
  const mb = b.match?.[0];
  if (ma === undefined || mb === undefined) return ma === undefined ? (mb === undefined ? 0 : 1) : -1;
  const ra = uriRank(ma);
  const rb = uriRank(mb);
  if (ra !== rb) return rb - ra;
  const la = uriLength(ma);
  const lb = uriLength(mb);
  if (la !== lb) return lb - la;
  const hasMethodA = ma.method !== undefined;
  const hasMethodB = mb.method !== undefined;
  if (hasMethodA !== hasMethodB) return hasMethodA ? -1 : 1;
  const ha = count(ma.headers);
  const hb = count(mb.headers);
  if (ha !== hb) return hb - ha;
  return count(mb.queryParams) - count(ma.queryParams);
}

/** A new array in precedence order (Array.prototype.sort is stable). */
export function sortHTTPRoutes(routes: readonly IstioHTTPRoute[]): IstioHTTPRoute[] {
  return [...routes].sort(compareRoutePrecedence);
}
