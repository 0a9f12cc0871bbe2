/**
 * A router proxy's listeners from the Istio Gateways that select it (Istio's
 * buildGatewayListeners): one listener `0.0.0.0_PORT` per server port, bound for real. HTTP ports
 * get one connection manager on RDS `http.PORT`; TLS ports get a filter chain per server, matched
 * by SNI: terminating HTTPS servers a connection manager on their own RDS, TLS/TCP servers a TCP
 * proxy per VirtualService tcp route, PASSTHROUGH servers one chain per VirtualService tls match.
 */
import type { VirtualService } from '../../model/config-types.js';
import { hostsIntersect, resolveShortName } from '../../model/host.js';
import { isHttpProtocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { outboundListenerName } from '../names.js';
import { listenerFilter, socketAddress } from './envoy-json.js';
import type { FilterChainOpts } from './filter-chain.js';
import { needsTlsInspector, toFilterChain } from './filter-chain.js';
import { mergeGateways } from './gateway-merge.js';
import type { GatewayConflict, MergedServer } from './gateway-merge.js';
import { buildGatewayTlsContext } from './gateway-tls.js';
import { buildHttpConnectionManager } from './http-connection-manager.js';
import { canBindPort, wildcardBindAddress } from './interception.js';
import { anyMatchesGatewayServer, matchesGatewayServer } from './l4-match.js';
import { routeNetworkFilters } from './network-filters.js';

/** A server that produced no filter chain, and why (Istio logs these). */
export interface SkippedServer {
  readonly gateway: string;
  readonly serverIndex: number;
  readonly port: number;
  readonly reason: string;
}

export interface GatewayListeners {
  readonly listeners: EnvoyJson[];
  readonly conflicts: readonly GatewayConflict[];
  readonly skipped: readonly SkippedServer[];
}

export function buildGatewayListeners(proxy: Proxy, push: PushContext): GatewayListeners {
  const merged = mergeGateways(proxy, push, push.gatewaysFor(proxy));
  const wildcard = wildcardBindAddress(proxy);
  const listeners: EnvoyJson[] = [];
  const skipped: SkippedServer[] = [];
  for (const mp of merged.ports) {
    if (!canBindPort(proxy, true, mp.port)) {
      for (const s of mp.servers) skipped.push(skip(s, 'privileged port on an unprivileged gateway (UNPRIVILEGED_POD)'));
      continue;
    }
    const bind = mp.bind ?? wildcard;
    const name = outboundListenerName(bind, mp.port);
    const chains: FilterChainOpts[] = [];
    if (mp.plaintext && isHttpProtocol(mp.protocol)) {
      // Every plaintext HTTP server on the port shares one connection manager and route table.
      chains.push({ filters: [gatewayHcm(push, `outbound_${name}`, mp.servers[0]!.routeName!)] });
    } else {
      const sniSeen = new Set<string>();
      for (const s of mp.servers) {
        const built = serverChains(proxy, push, s, name, sniSeen);
        if (typeof built === 'string') skipped.push(skip(s, built));
        else chains.push(...built);
      }
    }
    // Envoy needs at least one chain; Istio drops such a listener.
    if (chains.length === 0) continue;
    const listener: EnvoyJson = {
      name,
      address: socketAddress(bind, mp.port),
      filter_chains: chains.map((c) => toFilterChain(c)),
      traffic_direction: 'OUTBOUND',
      // Gateways wait for the TLS ClientHello as long as it takes: their inspectors are required.
      listener_filters_timeout: '0s',
    };
    if (needsTlsInspector(chains)) listener.listener_filters = [listenerFilter('tlsInspector')];
    listeners.push(listener);
  }
  return { listeners, conflicts: merged.conflicts, skipped };
}

function skip(s: MergedServer, reason: string): SkippedServer {
  return { gateway: s.gatewayName, serverIndex: s.serverIndex, port: s.server.port.number, reason };
}

function gatewayHcm(push: PushContext, statPrefix: string, routeName: string): EnvoyJson {
  return buildHttpConnectionManager({
    statPrefix,
    route: { rds: routeName },
    useRemoteAddress: true,
    xffNumTrustedHops: 0,
    httpProtocolOptions: {},
    mesh: push.mesh,
  });
}

/** SNI hosts of a TLS server: its hosts without namespaces (Istio's GetSNIHostsForServer). */
function sniHostsOf(s: MergedServer): string[] {
  return [...new Set(s.hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h)))].sort();
}

/** The chains of one server on a TLS (or plaintext TCP) port, or why it has none. */
function serverChains(proxy: Proxy, push: PushContext, s: MergedServer, listenerName: string, sniSeen: Set<string>): FilterChainOpts[] | string {
  const server = s.server;
  const tls = server.tls;
  if (tls?.mode === 'AUTO_PASSTHROUGH') return 'AUTO_PASSTHROUGH needs mesh mTLS SNI routing, which tsmesh does not generate yet';
  const tlsContext = buildGatewayTlsContext(tls);
  if (s.routeName !== undefined && tlsContext !== null) {
    // Terminating HTTPS: the server's own connection manager and RDS; stats under the server's name when it has one.
    return [{ sniHosts: sniHostsOf(s), tlsContext, filters: [gatewayHcm(push, server.name || `outbound_${listenerName}`, s.routeName)] }];
  }
  const virtualServices = virtualServicesForServer(proxy, push, s);
  if (tls === undefined || tlsContext !== null) {
    // Opaque TCP, or TLS terminated then TCP: the first matching tcp route.
    for (const vs of virtualServices) {
      for (const tcp of vs.spec.tcp ?? []) {
        if (tcp.route === undefined || tcp.route.length === 0) continue;
        if (!anyMatchesGatewayServer(tcp.match, server.port.number, s.gatewayName, vs.metadata.namespace)) continue;
        const filters = routeNetworkFilters(proxy, push, tcp.route, server.port.number, { name: vs.metadata.name, namespace: vs.metadata.namespace });
        return [tlsContext === null ? { filters } : { sniHosts: sniHostsOf(s), tlsContext, filters }];
      }
    }
    return 'no VirtualService tcp route bound to this server';
  }
  // PASSTHROUGH: one chain per tls match, by SNI, without terminating.
  const chains: FilterChainOpts[] = [];
  for (const vs of virtualServices) {
    for (const route of vs.spec.tls ?? []) {
      if (route.route === undefined || route.route.length === 0) continue;
      for (const match of route.match ?? []) {
        if (!matchesGatewayServer(match, server.port.number, s.gatewayName, vs.metadata.namespace)) continue;
        // Two chains with one SNI are rejected by Envoy: the first route keeps it.
        if (match.sniHosts.some((h) => sniSeen.has(`${server.bind ?? ''}|${h}`))) continue;
        for (const h of match.sniHosts) sniSeen.add(`${server.bind ?? ''}|${h}`);
        const filters = routeNetworkFilters(proxy, push, route.route, server.port.number, { name: vs.metadata.name, namespace: vs.metadata.namespace });
        chains.push({ sniHosts: match.sniHosts, filters });
      }
    }
  }
  return chains.length > 0 ? chains : 'no VirtualService tls route bound to this server';
}

/** VirtualServices bound to the server's gateway whose hosts the server exposes (Istio's pickMatchingGatewayHosts). */
function virtualServicesForServer(proxy: Proxy, push: PushContext, s: MergedServer): VirtualService[] {
  return push.virtualServicesFor(proxy.namespace, s.gatewayName).filter((vs) =>
    (vs.spec.hosts ?? []).some((raw) => {
      const vsHost = resolveShortName(raw, vs.metadata.namespace, push.mesh.domainSuffix);
      return s.hosts.some((gwHost) => {
        const slash = gwHost.indexOf('/');
        if (slash >= 0 && gwHost.slice(0, slash) !== vs.metadata.namespace) return false;
        return hostsIntersect(slash >= 0 ? gwHost.slice(slash + 1) : gwHost, vsHost);
      });
    }),
  );
}
