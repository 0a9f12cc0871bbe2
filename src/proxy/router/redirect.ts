/**
 * RedirectAction: the Location of a redirect route, built as Envoy's Http::Utility::newUri does
 * (scheme, host with Envoy's default-port stripping, port, path, query).
 */
import { ProxyConfigError } from '../config/config-error.js';
import type { RouteRequest } from './route-request.js';
import { compilePathRewrite, rewritePath } from './rewrites.js';
import { forwardedProto } from './route-match.js';
import type { PathRewrite } from './rewrites.js';
import { oneOf, optBool, optEnum, optString, optUint, readMessage } from './proto-json.js';

export type RedirectResponseCode = 301 | 302 | 303 | 307 | 308;

export interface RedirectConfig {
  /** scheme_redirect (lower-cased), "https" for https_redirect, or null to keep the request's. */
  readonly scheme: string | null;
  readonly host: string | null;
  /** ":N" from port_redirect, or "". */
  readonly port: string;
  readonly path: string | null;
  /** A path_redirect with its own query keeps it, ignoring the request's and strip_query. */
  readonly pathHasQuery: boolean;
  readonly rewrite: PathRewrite | null;
  readonly responseCode: RedirectResponseCode;
  readonly stripQuery: boolean;
  /**
   * Keep the request's host exactly, port included: the redirect Envoy sends for a virtual
   * host's require_tls (createSslRedirectPath), which does not strip default ports.
   */
  readonly keepHost: boolean;
}

const CODES = ['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'] as const;
const CODE_STATUS = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 } as const;

/** The redirect for require_tls: https, same host and path, 301. */
export const SSL_REDIRECT: RedirectConfig = {
  scheme: 'https',
  host: null,
  port: '',
  path: null,
  pathHasQuery: false,
  rewrite: null,
  responseCode: 301,
  stripQuery: false,
  keepHost: true,
};

export function compileRedirect(json: unknown, path: string): RedirectConfig {
  const msg = readMessage(json, path, [
    'https_redirect',
    'scheme_redirect',
    'host_redirect',
    'port_redirect',
    'path_redirect',
    'prefix_rewrite',
    'regex_rewrite',
    'response_code',
    'strip_query',
  ]);
  // `https_redirect: false` does not count as setting the scheme oneof.
  const https = optBool(msg, 'https_redirect', path) ?? false;
  const scheme = optString(msg, 'scheme_redirect', path) || null;
  if (https && scheme !== null) throw new ProxyConfigError(`${path}.scheme_redirect`, 'only one of https_redirect and scheme_redirect may be set');
  oneOf(msg, path, ['path_redirect', 'prefix_rewrite', 'regex_rewrite']);
  const port = optUint(msg, 'port_redirect', path) ?? 0;
  if (port > 65535) throw new ProxyConfigError(`${path}.port_redirect`, 'must be a port number');
  const pathRedirect = optString(msg, 'path_redirect', path) || null;
  return {
    scheme: https ? 'https' : scheme === null ? null : scheme.toLowerCase(),
    host: optString(msg, 'host_redirect', path) || null,
    port: port === 0 ? '' : `:${port}`,
    path: pathRedirect,
    pathHasQuery: pathRedirect !== null && pathRedirect.includes('?'),
    rewrite: compilePathRewrite(msg, path),
    responseCode: CODE_STATUS[optEnum(msg, 'response_code', path, CODES) ?? 'MOVED_PERMANENTLY'],
    stripQuery: optBool(msg, 'strip_query', path) ?? false,
    keepHost: false,
  };
}

/**
 * The request's host with its port removed when a new port is given, or when the scheme changes
 * and the port was the old scheme's default (so http://h:80 → https://h, not https://h:80).
 * The old scheme is x-forwarded-proto, as in Envoy's processRequestHost.
 */
function redirectHost(req: RouteRequest, scheme: string, newPort: string): string {
  const host = req.authority;
  if (host === '') return host;
  let portStart: number;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.lastIndexOf(']:');
    portStart = close < 0 ? -1 : close + 1;
  } else {
    portStart = host.lastIndexOf(':');
  }
  if (portStart < 0) return host;
  const port = host.slice(portStart);
  const proto = forwardedProto(req);
  let remove = newPort !== '';
  if (scheme !== proto) {
    remove ||= (proto === 'https' && port === ':443') || (proto === 'http' && port === ':80');
  }
  return remove ? host.slice(0, portStart) : host;
}

/**
 * The Location header for a redirect route. `matchedPrefix` is the route's matched path (see
 * RouteMatcher.matchedPrefix), used by prefix_rewrite.
 */
export function redirectLocation(redirect: RedirectConfig, req: RouteRequest, matchedPrefix: string): string {
  const scheme = redirect.scheme ?? req.scheme;
  const host = redirect.host ?? (redirect.keepHost ? req.authority : redirectHost(req, scheme, redirect.port));
  let path: string;
  if (redirect.path !== null) {
    if (redirect.pathHasQuery) {
      path = redirect.path;
    } else {
      const q = req.path.indexOf('?');
      path = q < 0 ? redirect.path : redirect.path + req.path.slice(q);
    }
  } else {
    path = redirect.rewrite === null ? req.path : rewritePath(redirect.rewrite, req.path, matchedPrefix);
  }
  if (path.charCodeAt(0) !== 47 /* / */) path = `/${path}`;
  if (redirect.stripQuery && !redirect.pathHasQuery) {
    const q = path.indexOf('?');
    if (q >= 0) path = path.slice(0, q);
  }
  return `${scheme}://${host}${redirect.port}${path}`;
}
