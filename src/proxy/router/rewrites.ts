/**
 * Path and host rewrites of a RouteAction (prefix_rewrite, regex_rewrite, host_rewrite_*), and
 * the path rewrites of a RedirectAction, which share Envoy's semantics. The query string is kept.
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { RouteRequest } from './route-request.js';
import { requestHeader } from './header-matcher.js';
import { pathWithoutQuery } from './route-match.js';
import { compileRegexSubstitution } from './regex.js';
import type { RegexSubstitution } from './regex.js';
import type { Message } from './proto-json.js';
import { optBool, optString } from './proto-json.js';

export type PathRewrite = { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'regex'; readonly regex: RegexSubstitution };

export type HostRewrite =
  | { readonly kind: 'literal'; readonly host: string }
  /** auto_host_rewrite: the router uses the chosen upstream host's hostname (STRICT/LOGICAL_DNS). */
  | { readonly kind: 'auto' }
  | { readonly kind: 'header'; readonly header: string }
  | { readonly kind: 'path_regex'; readonly regex: RegexSubstitution };

/** Compiles prefix_rewrite / regex_rewrite from a RouteAction or RedirectAction; at most one may be set. */
export function compilePathRewrite(msg: Message, path: string): PathRewrite | null {
  const prefix = optString(msg, 'prefix_rewrite', path);
  const hasRegex = msg['regex_rewrite'] !== undefined;
  // Envoy: "Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy".
  if (prefix && hasRegex) throw new ProxyConfigError(`${path}.regex_rewrite`, 'specify only one of prefix_rewrite and regex_rewrite');
  if (hasRegex) return { kind: 'regex', regex: compileRegexSubstitution(msg['regex_rewrite'], `${path}.regex_rewrite`) };
  return prefix ? { kind: 'prefix', prefix } : null;
}

/**
 * The request path after a rewrite. `matchedPrefix` is what the route matched (see
 * RouteMatcher.matchedPrefix): prefix_rewrite replaces its length, regex_rewrite rewrites the
 * whole query-free path. The query string is carried over unchanged.
 */
export function rewritePath(rewrite: PathRewrite, path: string, matchedPrefix: string): string {
  if (rewrite.kind === 'prefix') return rewrite.prefix + path.slice(matchedPrefix.length);
  const q = path.indexOf('?');
  return q < 0 ? rewrite.regex.replaceAll(path) : rewrite.regex.replaceAll(path.slice(0, q)) + path.slice(q);
}

const HOST_SPECIFIERS = ['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'] as const;

/** Compiles the host_rewrite_specifier oneof of a RouteAction. */
export function compileHostRewrite(msg: Message, path: string): HostRewrite | null {
  const set = HOST_SPECIFIERS.filter((k) => msg[k] !== undefined);
  if (set.length > 1) throw new ProxyConfigError(`${path}.${set[1]}`, `only one of ${HOST_SPECIFIERS.join(', ')} may be set`);
  const literal = optString(msg, 'host_rewrite_literal', path);
  if (literal) return { kind: 'literal', host: literal };
  if (optBool(msg, 'auto_host_rewrite', path)) return { kind: 'auto' };
  const header = optString(msg, 'host_rewrite_header', path);
  if (header) return { kind: 'header', header: header.toLowerCase() };
  if (msg['host_rewrite_path_regex'] !== undefined) {
    return { kind: 'path_regex', regex: compileRegexSubstitution(msg['host_rewrite_path_regex'], `${path}.host_rewrite_path_regex`) };
  }
  return null;
}

/**
 * The new Host for a literal, header or path-regex rewrite; null when the host stays (the header
 * is absent or empty) or when it depends on the upstream host (`auto`, the router's job).
 */
export function rewriteHost(rewrite: HostRewrite, req: RouteRequest): string | null {
  switch (rewrite.kind) {
    case 'literal':
      return rewrite.host;
    case 'auto':
      return null;
    case 'header': {
      const v = requestHeader(req, rewrite.header);
      return v ? v : null;
    }
    case 'path_regex':
      return rewrite.regex.replaceAll(pathWithoutQuery(req.path));
  }
}
