/**
 * A small simulation of what an Istio gateway does with the generated Gateways and
 * VirtualServices, for conversion tests (in the spirit of pilot/pkg/simulation): pick the
 * servers on the port (by SNI for HTTPS), build virtual hosts from the VirtualServices bound to
 * them as Istio's gateway route builder does, pick the virtual host for the Host header as Envoy
 * does, and take the first route that matches. It models Gateway API route semantics
 * (path-separated prefixes, 500 for a missing backend), not every Envoy detail.
 */
import type { Gateway, GatewayServer, HTTPMatchRequest, HTTPRoute, VirtualService } from '../../../model/config-types.js';
import { hostSubsetOf, hostsIntersect, isWildcard } from '../../../model/host.js';
import type { Service } from '../../../model/service.js';
import { GATEWAY_NAME_LABEL } from '../istio-names.js';

export interface SimRequest {
  /** `NAMESPACE/NAME` of the Kubernetes Gateway. */
  readonly gateway: string;
  readonly port: number;
  readonly scheme?: 'http' | 'https';
  /** Host header (may carry a port); absent means the gateway's address. */
  readonly host?: string;
  readonly method?: string;
  /** Request target, query included. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SimResult {
  readonly status: number;
  /** The destination host that would serve a 200. */
  readonly backend?: string;
  readonly redirect?: { readonly scheme: string; readonly host: string; readonly port: string; readonly path: string };
  /** The route's name (the Gateway API rule). */
  readonly route?: string;
  readonly virtualService?: string;
}

type StringMatch = { exact?: string; prefix?: string; regex?: string };

interface VirtualHost {
  readonly domain: string;
  readonly routes: { route: HTTPRoute; vs: VirtualService }[];
}

export function simulate(gateways: readonly Gateway[], virtualServices: readonly VirtualService[], services: readonly Service[], req: SimRequest): SimResult {
  const [gwNs, gwName] = req.gateway.split('/') as [string, string];
  const hostname = stripPort(req.host ?? '192.0.2.1');
  let servers: { gateway: Gateway; server: GatewayServer }[] = [];
  for (const g of gateways) {
    if (g.metadata.namespace !== gwNs || g.spec.selector?.[GATEWAY_NAME_LABEL] !== gwName) continue;
    for (const server of g.spec.servers ?? []) if (server.port.number === req.port) servers.push({ gateway: g, server });
  }
  if (servers.length === 0) return { status: 0 };
  if (req.scheme === 'https') servers = serversForSni(servers, hostname);

  const vhosts = buildVirtualHosts(servers, virtualServices);
  const vhost = pickVirtualHost(vhosts, hostname);
  if (vhost === undefined) return { status: 404 };
  const [path = '', query = ''] = req.path.split('?', 2);
  const params = new URLSearchParams(query);
  for (const { route, vs } of vhost.routes) {
    if (!routeMatches(route, req, path, params)) continue;
    return act(route, vs, services, req, hostname, path);
  }
  return { status: 404 };
}

/** Envoy's filter chain choice by SNI: exact server name, then the longest wildcard, then a chain without names (`*`). */
function serversForSni<T extends { server: GatewayServer }>(servers: T[], sni: string): T[] {
  const hostOf = (h: string): string => h.slice(h.indexOf('/') + 1);
  const score = (s: GatewayServer): number => {
    let best = -1;
    for (const h of s.hosts.map(hostOf)) {
      if (h === sni) best = Math.max(best, 10_000);
      else if (h === '*') best = Math.max(best, 0);
      else if (isWildcard(h) && sni.endsWith(h.slice(1))) best = Math.max(best, h.length);
    }
    return best;
  };
  const top = Math.max(...servers.map((s) => score(s.server)));
  return top < 0 ? [] : servers.filter((s) => score(s.server) === top);
}

/** Istio's gateway virtual hosts: each VirtualService host that a server host admits (namespace and name), the narrower of the two names. */
function buildVirtualHosts(servers: readonly { gateway: Gateway; server: GatewayServer }[], virtualServices: readonly VirtualService[]): VirtualHost[] {
  const byDomain = new Map<string, VirtualHost>();
  const ordered = [...virtualServices].sort(
    (a, b) => cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') || cmp(a.metadata.namespace, b.metadata.namespace) || cmp(a.metadata.name, b.metadata.name),
  );
  for (const { gateway, server } of servers) {
    const gwRef = `${gateway.metadata.namespace}/${gateway.metadata.name}`;
    for (const vs of ordered) {
      if (!(vs.spec.gateways ?? []).includes(gwRef)) continue;
      for (const vsHost of vs.spec.hosts ?? []) {
        for (const serverHost of server.hosts) {
          const slash = serverHost.indexOf('/');
          const ns = serverHost.slice(0, slash);
          const host = serverHost.slice(slash + 1);
          if (ns !== '*' && ns !== vs.metadata.namespace && !(ns === '.' && vs.metadata.namespace === gateway.metadata.namespace)) continue;
          if (!hostsIntersect(vsHost, host)) continue;
          const domain = hostSubsetOf(vsHost, host) ? vsHost : host;
          let vh = byDomain.get(domain);
          if (vh === undefined) byDomain.set(domain, (vh = { domain, routes: [] }));
          if (vh.routes.some((r) => r.vs === vs)) continue;
          for (const route of vs.spec.http ?? []) vh.routes.push({ route, vs });
        }
      }
    }
  }
  return [...byDomain.values()];
}

/** Envoy's virtual host choice: exact domain, then the longest matching wildcard suffix, then `*`. */
function pickVirtualHost(vhosts: readonly VirtualHost[], hostname: string): VirtualHost | undefined {
  const exact = vhosts.find((v) => v.domain === hostname);
  if (exact !== undefined) return exact;
  const wild = vhosts.filter((v) => v.domain !== '*' && isWildcard(v.domain) && hostname.endsWith(v.domain.slice(1))).sort((a, b) => b.domain.length - a.domain.length);
  return wild[0] ?? vhosts.find((v) => v.domain === '*');
}

function routeMatches(route: HTTPRoute, req: SimRequest, path: string, params: URLSearchParams): boolean {
  const matches = route.match ?? [];
  if (matches.length === 0) return true;
  return matches.some((m) => matchOne(m, req, path, params));
}

function matchOne(m: HTTPMatchRequest, req: SimRequest, path: string, params: URLSearchParams): boolean {
  const uri = (m as { uri?: StringMatch }).uri;
  if (uri !== undefined) {
    // Gateway semantics: a prefix matches whole path segments (Envoy path_separated_prefix).
    if (uri.prefix !== undefined && !(uri.prefix === '/' || path === uri.prefix || path.startsWith(`${uri.prefix}/`))) return false;
    if (uri.exact !== undefined && path !== uri.exact) return false;
    if (uri.regex !== undefined && !fullMatch(uri.regex, path)) return false;
  }
  const method = (m as { method?: StringMatch }).method;
  if (method !== undefined && !stringMatches(method, req.method ?? 'GET')) return false;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, sm] of Object.entries((m.headers ?? {}) as Record<string, StringMatch>)) {
    const value = headers[name.toLowerCase()];
    if (value === undefined || !stringMatches(sm, value)) return false;
  }
  for (const [name, sm] of Object.entries(((m as { queryParams?: Record<string, StringMatch> }).queryParams ?? {}) as Record<string, StringMatch>)) {
    const value = params.get(name);
    if (value === null || !stringMatches(sm, value)) return false;
  }
  return true;
}

function act(route: HTTPRoute, vs: VirtualService, services: readonly Service[], req: SimRequest, hostname: string, path: string): SimResult {
  const named = { route: route.name ?? '', virtualService: `${vs.metadata.namespace}/${vs.metadata.name}` };
  const redirect = route.redirect as { redirectCode?: number; scheme?: string; authority?: string; port?: number; derivePort?: string; uri?: string } | undefined;
  if (redirect !== undefined) {
    const scheme = redirect.scheme ?? req.scheme ?? 'http';
    const defaultPort = scheme === 'https' ? 443 : 80;
    let port = redirect.port ?? (redirect.derivePort === 'FROM_REQUEST_PORT' ? req.port : defaultPort);
    if (port === defaultPort) port = 0;
    let newPath = path;
    if (redirect.uri !== undefined) {
      const prefix = (route.match?.[0] as { uri?: StringMatch } | undefined)?.uri?.prefix;
      if (redirect.uri.startsWith('%PREFIX()%') && prefix !== undefined) {
        const replacement = redirect.uri.slice('%PREFIX()%'.length);
        const rest = prefix === '/' ? path.slice(1) : path.slice(prefix.length);
        newPath = joinPrefix(replacement, rest);
      } else newPath = redirect.uri;
    }
    return { ...named, status: redirect.redirectCode ?? 301, redirect: { scheme, host: redirect.authority ?? hostname, port: port === 0 ? '' : String(port), path: newPath } };
  }
  const direct = route.directResponse as { status: number } | undefined;
  if (direct !== undefined) return { ...named, status: direct.status };
  const dests = route.route ?? [];
  if (dests.length === 0) return { ...named, status: 500 };
  const best = [...dests].sort((a, b) => (b.weight ?? 1) - (a.weight ?? 1))[0]!;
  const host = best.destination.host;
  if (host === '' || !services.some((s) => s.hostname === host)) return { ...named, status: 500 };
  return { ...named, status: 200, backend: host };
}

/** Envoy's prefix_rewrite with Gateway API's ReplacePrefixMatch: exactly one `/` between the replacement and the rest. */
function joinPrefix(replacement: string, rest: string): string {
  if (rest === '') return replacement === '' ? '/' : replacement;
  const r = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  return `${r}/${rest.startsWith('/') ? rest.slice(1) : rest}`;
}

function stringMatches(sm: StringMatch, value: string): boolean {
  if (sm.exact !== undefined) return value === sm.exact;
  if (sm.prefix !== undefined) return value.startsWith(sm.prefix);
  if (sm.regex !== undefined) return fullMatch(sm.regex, value);
  return true;
}

function fullMatch(re: string, value: string): boolean {
  return new RegExp(`^(?:${re})$`).test(value);
}

function stripPort(host: string): string {
  const m = /^(.*?)(:\d+)?$/.exec(host);
  return m?.[1] ?? host;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
