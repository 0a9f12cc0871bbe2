/**
 * Istio's route configuration patches (envoyfilter/rc_patch.go) on Envoy JSON:
 * ROUTE_CONFIGURATION (MERGE only), VIRTUAL_HOST (MERGE, REPLACE, REMOVE, ADD) and HTTP_ROUTE
 * (MERGE, REMOVE, ADD, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST). Sidecars' route names carry
 * their port (`80`, `inbound|8080||`); gateways' carry port, port name and gateway
 * (`http.8080`, `https.443.NAME.GATEWAY.NAMESPACE`).
 */
import { lookupType } from '../../xds/proto/envoy-protos.js';
import type { EnvoyJson } from '../generated.js';
import type { CompiledPatch } from './envoy-filter-spec.js';
import type { PatchRun, ResourceContext } from './patch-support.js';
import { atoi, contextMatches, insertAfter, insertBefore, parseSubsetKey, patchesFor, valueOf } from './patch-support.js';
import { mergeMessage } from './proto-merge.js';

/** ApplyRouteConfigurationPatches: mutates `rc` (the caller's copy). */
export function patchRouteConfiguration(ctx: ResourceContext, run: PatchRun, rc: EnvoyJson): void {
  for (const rp of patchesFor(run, 'ROUTE_CONFIGURATION')) {
    if (rp.operation !== 'MERGE') continue;
    if (contextMatches(ctx, rp) && routeConfigurationMatch(ctx, rc, rp)) mergeMessage(lookupType('envoy.config.route.v3.RouteConfiguration'), rc, valueOf(rp));
  }
  patchVirtualHosts(ctx, run, rc);
}

function patchVirtualHosts(ctx: ResourceContext, run: PatchRun, rc: EnvoyJson): void {
  const hosts: (EnvoyJson | null)[] = (Array.isArray(rc.virtual_hosts) ? (rc.virtual_hosts as EnvoyJson[]) : []).map((vh) => patchVirtualHost(ctx, run, rc, vh));
  for (const rp of patchesFor(run, 'VIRTUAL_HOST')) {
    if (rp.operation === 'ADD' && contextMatches(ctx, rp) && routeConfigurationMatch(ctx, rc, rp)) hosts.push(valueOf(rp));
  }
  const kept = hosts.filter((vh): vh is EnvoyJson => vh !== null);
  if (kept.length > 0) rc.virtual_hosts = kept;
  else delete rc.virtual_hosts;
}

/** The virtual host after its patches; null when removed. */
function patchVirtualHost(ctx: ResourceContext, run: PatchRun, rc: EnvoyJson, vh: EnvoyJson): EnvoyJson | null {
  let host = vh;
  for (const rp of patchesFor(run, 'VIRTUAL_HOST')) {
    if (!contextMatches(ctx, rp) || !routeConfigurationMatch(ctx, rc, rp) || !virtualHostMatch(host, rp)) continue;
    if (rp.operation === 'REMOVE') return null;
    if (rp.operation === 'MERGE') mergeMessage(lookupType('envoy.config.route.v3.VirtualHost'), host, valueOf(rp));
    else if (rp.operation === 'REPLACE') host = valueOf(rp);
  }
  patchHttpRoutes(ctx, run, rc, host);
  return host;
}

function patchHttpRoutes(ctx: ResourceContext, run: PatchRun, rc: EnvoyJson, vh: EnvoyJson): void {
  const routes: (EnvoyJson | null)[] = Array.isArray(vh.routes) ? [...(vh.routes as EnvoyJson[])] : [];
  for (let i = 0; i < routes.length; i++) routes[i] = patchHttpRoute(ctx, run, rc, vh, routes[i]!);
  for (const rp of patchesFor(run, 'HTTP_ROUTE')) {
    if (!contextMatches(ctx, rp) || !routeConfigurationMatch(ctx, rc, rp) || !virtualHostMatch(vh, rp)) continue;
    const value = (): EnvoyJson => valueOf(rp);
    const has = hasRouteMatch(rp);
    const matches = (r: EnvoyJson | null): boolean => routeMatch(r, rp);
    switch (rp.operation) {
      case 'ADD':
        routes.push(value());
        break;
      case 'INSERT_AFTER':
        if (!has) routes.push(value());
        else insertAfter(routes, matches, value);
        break;
      case 'INSERT_BEFORE':
        if (!has) routes.unshift(value());
        else insertBefore(routes, matches, value);
        break;
      case 'INSERT_FIRST':
        // With a route match, still first — but only when some route matches.
        if (!has || routes.some(matches)) routes.unshift(value());
        break;
      default:
        break;
    }
  }
  const kept = routes.filter((r): r is EnvoyJson => r !== null);
  if (kept.length > 0) vh.routes = kept;
  else delete vh.routes;
}

/** A route after its REMOVE/MERGE patches; null when removed. */
function patchHttpRoute(ctx: ResourceContext, run: PatchRun, rc: EnvoyJson, vh: EnvoyJson, route: EnvoyJson): EnvoyJson | null {
  for (const rp of patchesFor(run, 'HTTP_ROUTE')) {
    if (!contextMatches(ctx, rp) || !routeConfigurationMatch(ctx, rc, rp) || !virtualHostMatch(vh, rp) || !routeMatch(route, rp)) continue;
    if (rp.operation === 'REMOVE') return null;
    if (rp.operation === 'MERGE') mergeMessage(lookupType('envoy.config.route.v3.Route'), route, valueOf(rp));
  }
  return route;
}

/** routeConfigurationMatch: port (from the name), name; for gateways also port name and gateway. */
export function routeConfigurationMatch(ctx: ResourceContext, rc: EnvoyJson, rp: CompiledPatch): boolean {
  const m = rp.match.routeConfiguration;
  if (m === undefined) return true;
  const name = typeof rc.name === 'string' ? rc.name : '';
  if (ctx !== 'GATEWAY') {
    const port = name.startsWith('inbound') ? parseSubsetKey(name).port : atoi(name);
    if ((m.portNumber ?? 0) !== 0 && m.portNumber !== port) return false;
    return m.name === undefined || m.name === '' || m.name === name;
  }
  const parsed = parseGatewayRdsRouteName(name);
  if ((m.portNumber ?? 0) !== 0 && m.portNumber !== parsed.port) return false;
  if (m.portName !== undefined && m.portName !== '' && m.portName !== parsed.portName) return false;
  if (m.gateway !== undefined && m.gateway !== '' && m.gateway !== parsed.gateway) return false;
  return m.name === undefined || m.name === '' || m.name === name;
}

/** model.ParseGatewayRDSRouteName: `http.PORT`, or `https.PORT.PORTNAME.GATEWAY.NAMESPACE` (gateway as NAMESPACE/GATEWAY). */
export function parseGatewayRdsRouteName(name: string): { port: number; portName: string; gateway: string } {
  const parts = name.split('.');
  if (name.startsWith('http.')) return { port: parts.length >= 2 ? atoi(parts[1]!) : 0, portName: '', gateway: '' };
  if (name.startsWith('https.') && parts.length >= 5) return { port: atoi(parts[1]!), portName: parts[2]!, gateway: `${parts[4]!}/${parts[3]!}` };
  return { port: 0, portName: '', gateway: '' };
}

function virtualHostMatch(vh: EnvoyJson | null, rp: CompiledPatch): boolean {
  const match = rp.match.routeConfiguration?.vhost;
  if (match === undefined) return true;
  if (vh === null) return false;
  return match.name === undefined || match.name === '' || match.name === vh.name;
}

function hasRouteMatch(rp: CompiledPatch): boolean {
  return rp.match.routeConfiguration?.vhost?.route !== undefined;
}

function routeMatch(route: EnvoyJson | null, rp: CompiledPatch): boolean {
  const match = rp.match.routeConfiguration?.vhost?.route;
  if (match === undefined) return true;
  if (route === null) return false;
  if (match.name !== undefined && match.name !== '' && match.name !== route.name) return false;
  const action = match.action ?? 'ANY';
  if (action !== 'ANY') {
    if (route.route !== undefined) return action === 'ROUTE';
    if (route.redirect !== undefined) return action === 'REDIRECT';
    if (route.direct_response !== undefined) return action === 'DIRECT_RESPONSE';
  }
  return true;
}
