/**
 * ValidateVirtualService: hosts (valid, no `*` for the mesh, no duplicates), gateways, delegate
 * rules, every HTTP/TLS/TCP route, exportTo, and the unreachable-rule warnings.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { validateGatewayNames } from './gateway-names.js';
import { isJwtClaimRoute } from './headers.js';
import { hostSubsetOf, hostsMatch, isValidIPAddress, validateIPSubnet, validateWildcardDomain, validateWildcardDomainForGateway } from './hosts.js';
import { validateHTTPRoute, validateHTTPRouteDestinations } from './http-route.js';
import { validateLabels } from './labels.js';
import { validatePort } from './ports.js';
import { analyzeUnreachableRules } from './route-analysis.js';
import { validateExportTo } from './selectors.js';
import { entries, list, num, obj, strings, type Obj } from './spec.js';

const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

export function validateVirtualService(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const namespace = loaded.resource.metadata.namespace ?? '';
  const hosts = strings(spec.hosts);
  const gateways = strings(spec.gateways);
  const http = list(spec.http);
  const tls = list(spec.tls);
  const tcp = list(spec.tcp);
  const delegate = hosts.length === 0;
  if (delegate) {
    // A VirtualService without hosts is a delegate: only its HTTP routes are used.
    if (gateways.length > 0) f.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified');
    if (tls.length > 0) f.error(['spec', 'tls'], 'delegate virtual service must have no tls route specified');
    if (tcp.length > 0) f.error(['spec', 'tcp'], 'delegate virtual service must have no tcp route specified');
  }
  // Bound to gateways unless it names none or names `mesh`.
  const boundToGateway = gateways.length > 0 && !gateways.includes('mesh');
  if (gateways.length > 0) validateGatewayNames(f, ['spec', 'gateways'], spec.gateways);
  if (!boundToGateway) checkJwtClaimRoutes(f, http, gateways);

  const sni = tls.some((t) => list(obj(t)?.match).some((m) => strings(obj(m)?.sniHosts).length > 0));
  let allHostsValid = true;
  hosts.forEach((host, i) => {
    const err = boundToGateway ? validateWildcardDomainForGateway(sni, host) : validateWildcardDomain(host);
    if (err !== undefined) {
      if (!isValidIPAddress(host)) {
        f.error(['spec', 'hosts', i], err);
        allHostsValid = false;
      }
    } else if (!boundToGateway && host === '*') {
      f.error(['spec', 'hosts', i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    // *.foo.com and *.com overlap, so they count as duplicates too.
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        const a = hosts[i] as string;
        const b = hosts[j] as string;
        if (hostsMatch(a, b)) f.error(['spec', 'hosts', j], `duplicate hosts in virtual service: ${a} & ${b}`);
      }
    }
  }

  if (http.length === 0 && tcp.length === 0 && tls.length === 0) f.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  http.forEach((raw, i) => {
    const route = obj(raw);
    if (route === undefined) f.error(['spec', 'http', i], 'http route may not be null');
    else validateHTTPRoute(f, ['spec', 'http', i], route, delegate);
  });
  tls.forEach((raw, i) => validateTLSRoute(f, ['spec', 'tls', i], obj(raw), hosts, gateways));
  tcp.forEach((raw, i) => validateTCPRoute(f, ['spec', 'tcp', i], obj(raw)));
  validateExportTo(f, namespace, spec.exportTo);

  analyzeUnreachableRules(f, 'http', spec.http);
  analyzeUnreachableRules(f, 'tcp', spec.tcp);
  analyzeUnreachableRules(f, 'tls', spec.tls);
  return f;
}

/** JWT claim routing (`@request.auth.claims.*` headers) works at gateways only. */
function checkJwtClaimRoutes(f: Findings, http: readonly unknown[], gateways: readonly string[]): void {
  http.forEach((route, i) => {
    list(obj(route)?.match).forEach((m, j) => {
      for (const key of ['headers', 'withoutHeaders']) {
        for (const [name] of entries(obj(m)?.[key])) {
          if (!isJwtClaimRoute(name)) continue;
          f.error(['spec', 'http', i, 'match', j, key, name], `JWT claim based routing (key: ${name}) is only supported for gateway, found no gateways: [${gateways.join(' ')}]`);
        }
      }
    });
  });
}

/** The L4 match conditions TCP and TLS matches share. */
function validateL4Match(f: Findings, path: FieldPath, match: Obj): void {
  strings(match.destinationSubnets).forEach((s, i) => f.error(at(path, 'destinationSubnets', i), validateIPSubnet(s)));
  if (num(match.port) !== 0) f.error(at(path, 'port'), validatePort(num(match.port)));
  f.error(at(path, 'sourceLabels'), validateLabels(entries(match.sourceLabels)));
  validateGatewayNames(f, at(path, 'gateways'), match.gateways);
}

function validateTLSRoute(f: Findings, path: FieldPath, route: Obj | undefined, hosts: readonly string[], gateways: readonly string[]): void {
  if (route === undefined) return;
  const matches = list(route.match);
  if (matches.length === 0) f.error(path, 'TLS route must have at least one match condition');
  matches.forEach((raw, i) => {
    const p = at(path, 'match', i);
    const match = obj(raw);
    if (match === undefined) {
      f.error(p, 'TLS match may not be null');
      return;
    }
    const sniHosts = strings(match.sniHosts);
    if (sniHosts.length === 0) f.error(p, 'TLS match must have at least one SNI host');
    sniHosts.forEach((sni, j) => validateSniHost(f, at(p, 'sniHosts', j), sni, hosts, gateways));
    validateL4Match(f, p, match);
  });
  if (list(route.route).length === 0) f.error(path, 'TLS route is required');
  validateHTTPRouteDestinations(f, at(path, 'route'), route.route, false);
}

function validateSniHost(f: Findings, path: FieldPath, sni: string, hosts: readonly string[], gateways: readonly string[]): void {
  // Istio's isGateway() is true unless `mesh` is named, so a mesh-only TLS route also allows outbound_ names.
  const err = gateways.includes('mesh') ? validateWildcardDomain(sni) : validateWildcardDomainForGateway(true, sni);
  if (err !== undefined) {
    if (isValidIPAddress(sni)) f.warn(path, `using an IP address (${JSON.stringify(sni)}) goes against SNI spec and most clients do not support this`);
    else f.error(path, err);
    return;
  }
  if (hosts.some((h) => hostSubsetOf(sni, h))) return;
  f.error(path, `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`);
}

function validateTCPRoute(f: Findings, path: FieldPath, route: Obj | undefined): void {
  if (route === undefined) return;
  list(route.match).forEach((raw, i) => {
    const match = obj(raw);
    if (match === undefined) f.error(at(path, 'match', i), 'tcp match may not be nil');
    else validateL4Match(f, at(path, 'match', i), match);
  });
  if (list(route.route).length === 0) f.error(path, 'TCP route is required');
  validateHTTPRouteDestinations(f, at(path, 'route'), route.route, false);
}
