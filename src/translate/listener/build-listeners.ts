/**
 * LDS for one proxy (Istio's ConfigGeneratorImpl.BuildListeners): a sidecar's outbound
 * listeners, its HTTP proxy listener (MeshConfig proxyHttpPort), its `virtualOutbound` catch-all
 * and its inbound listeners; a router's gateway
 * listeners. Pure: everything comes from the arguments.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import type { GatewayConflict } from './gateway-merge.js';
import type { SkippedServer } from './gateway.js';
import { buildGatewayListeners } from './gateway.js';
import { HCM_TYPE_URL } from './envoy-json.js';
import { buildHttpProxyListener } from './http-proxy.js';
import { buildInboundListeners } from './inbound.js';
import { buildSidecarOutboundListeners } from './outbound.js';
import { buildVirtualOutboundListener } from './virtual-outbound.js';
import { isUnprivileged, outboundBinding, wildcardAndLocalhost } from './interception.js';
import { classShare } from '../class-share.js';

export interface BuiltListeners {
  readonly listeners: EnvoyJson[];
  /** Gateway servers left out because another server holds their port (IST0145). */
  readonly gatewayConflicts: readonly GatewayConflict[];
  readonly skippedGatewayServers: readonly SkippedServer[];
}

/**
 * `services` are the services in the proxy's Sidecar scope (translate/sidecar-scope.ts), in order;
 * routers ignore them.
 */
export function buildListeners(proxy: Proxy, push: PushContext, services: readonly Service[]): BuiltListeners {
  if (proxy.type === 'router') {
    const gw = buildGatewayListeners(proxy, push);
    return { listeners: gw.listeners, gatewayConflicts: gw.conflicts, skippedGatewayServers: gw.skipped };
  }
  const inbound = buildInboundListeners(proxy, push);
  const httpProxy = buildHttpProxyListener(proxy, push);
  // One socket per address: a port the application is reached on (inbound) comes first, then
  // the HTTP proxy, then outbound service ports (a NONE-mode sidecar binds them all on its one
  // TSMESH_BIND_ADDRESS; Envoy would reject the whole update for two listeners on one address).
  const bound = new Set<string>();
  const claim = (l: EnvoyJson): boolean => {
    if (l.bind_to_port === false) return true;
    const key = addressKey(l);
    if (bound.has(key)) return false;
    bound.add(key);
    return true;
  };
  for (const l of inbound) claim(l);
  const listeners: EnvoyJson[] = [];
  if (httpProxy !== null && claim(httpProxy)) listeners.push(httpProxy);
  listeners.unshift(...sharedOutboundListeners(proxy, push, services).filter(claim));
  const virtualOutbound = buildVirtualOutboundListener(proxy, push);
  if (virtualOutbound !== null) listeners.push(virtualOutbound);
  listeners.push(...inbound);
  return { listeners, gatewayConflicts: [], skippedGatewayServers: [] };
}

/**
 * Outbound listeners depend on the proxy only through its class (class-share.ts), how it binds
 * and — with headless TCP services, whose listeners skip the proxy's own address — its address:
 * proxies that agree on those share one list.
 */
function sharedOutboundListeners(proxy: Proxy, push: PushContext, services: readonly Service[]): readonly EnvoyJson[] {
  const share = classShare(proxy, push);
  if (share.services !== services) return buildSidecarOutboundListeners(proxy, push, services);
  const headless = share.memo('has-headless', () => services.some((s) => s.resolution === 'Passthrough' && s.addresses.length === 0));
  const key = JSON.stringify(['outbound-listeners', outboundBinding(proxy, push), wildcardAndLocalhost(proxy).wildcard, isUnprivileged(proxy), headless ? (proxy.ipAddresses[0] ?? null) : null]);
  return share.memo(key, () => buildSidecarOutboundListeners(proxy, push, services));
}

function addressKey(l: EnvoyJson): string {
  const sa = (l.address as EnvoyJson | undefined)?.socket_address as EnvoyJson | undefined;
  return `${String(sa?.address ?? '')}:${String(sa?.port_value ?? '')}`;
}

/** Route configuration names the listeners' connection managers ask RDS for, sorted. */
export function referencedRouteNames(listeners: readonly EnvoyJson[]): string[] {
  const names = new Set<string>();
  for (const l of listeners) {
    const chains = [...((l.filter_chains as EnvoyJson[] | undefined) ?? []), ...(l.default_filter_chain !== undefined ? [l.default_filter_chain as EnvoyJson] : [])];
    for (const c of chains) {
      for (const f of (c.filters as EnvoyJson[] | undefined) ?? []) {
        const config = f.typed_config as EnvoyJson | undefined;
        if (config?.['@type'] !== HCM_TYPE_URL) continue;
        const name = (config.rds as EnvoyJson | undefined)?.route_config_name;
        if (typeof name === 'string') names.add(name);
      }
    }
  }
  return [...names].sort();
}
