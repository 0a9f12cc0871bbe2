/**
 * Request and response headers as Node gives them: lower-cased names, one string per name
 * (repeated headers joined with ", " by Node, except set-cookie which is an array). HTTP/2
 * pseudo-headers (`:authority`, `:path`, `:method`, `:scheme`) are not in the map; matchers read
 * them from the request's own fields (see RouteRequest).
 */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** A header's value as one string (repeated values joined by ","), or undefined when absent. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}
