/**
 * A sidecar's inbound listeners (Istio's buildInboundListeners): `virtualInbound` on 15006 takes
 * every redirected inbound connection and picks a filter chain by its original destination port;
 * HTTP ports route everything to `inbound|PORT||` through an inline route configuration, TCP
 * ports proxy to it, ports of unknown protocol do either as http_inspector finds, and anything
 * else passes through to InboundPassthroughCluster. Ports that bind a real socket (Sidecar
 * ingress with captureMode NONE, or no capture at all) get a listener of their own. Chains are
 * plaintext: mTLS chains (PeerAuthentication) come with workload certificates.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson } from '../generated.js';
import { BLACKHOLE_CLUSTER, INBOUND_CAPTURE_PORT, INBOUND_PASSTHROUGH_CLUSTER, VIRTUAL_INBOUND_LISTENER, outboundListenerName } from '../names.js';
import { buildAccessLog } from './access-log.js';
import { PLAINTEXT_HTTP_ALPNS, RAW_BUFFER_TRANSPORT_PROTOCOL, listenerFilter, socketAddress, tcpProxyFilter } from './envoy-json.js';
import type { FilterChainOpts } from './filter-chain.js';
import { toFilterChain } from './filter-chain.js';
import { buildHttpConnectionManager } from './http-connection-manager.js';
import { buildInboundChainConfigs, inboundListenerProtocol } from './inbound-chains.js';
import type { InboundChainConfig } from './inbound-chains.js';
import { interceptionMode, wildcardAndLocalhost } from './interception.js';

export const VIRTUAL_INBOUND_BLACKHOLE_CHAIN = 'virtualInbound-blackhole';
export const VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN = 'virtualInbound-catchall-http';
/** Istio's inboundVirtualHostPrefix. */
const INBOUND_VHOST_PREFIX = 'inbound|http|';

export function buildInboundListeners(proxy: Proxy, push: PushContext): EnvoyJson[] {
  const listeners: EnvoyJson[] = [];
  const virtualChains: FilterChainOpts[] = [];
  for (const cc of buildInboundChainConfigs(proxy, push)) {
    const chains = inboundChains(cc, push);
    if (cc.bindToPort) listeners.push(inboundListener(outboundListenerName(cc.bind, cc.targetPort), cc.bind, cc.targetPort, true, chains));
    else virtualChains.push(...chains);
  }
  if (interceptionMode(proxy) !== 'NONE') {
    const chains = [...passthroughChains(push), ...virtualChains];
    listeners.unshift(inboundListener(VIRTUAL_INBOUND_LISTENER, wildcardAndLocalhost(proxy).wildcard, INBOUND_CAPTURE_PORT, false, chains));
  }
  return listeners;
}

/**
 * The chains for one inbound port (Istio's inboundPlainText*FilterChainMatchOptions): destination
 * port, plaintext, an HCM or a TCP proxy to `inbound|PORT||`. A port of unknown protocol gets both:
 * HTTP/1.1 and h2c (as http_inspector reports them) to the HCM, anything else to the TCP proxy.
 * Every chain of a port has the port's name.
 */
function inboundChains(cc: InboundChainConfig, push: PushContext): FilterChainOpts[] {
  const name = outboundListenerName(cc.bind, cc.targetPort);
  const base = { name, destinationPort: cc.targetPort, transportProtocol: RAW_BUFFER_TRANSPORT_PROTOCOL };
  const http = (): EnvoyJson[] => [inboundHcm(`inbound_${name}`, cc.clusterName, cc.servicePort, push)];
  const tcp = (): EnvoyJson[] => [tcpProxyFilter({ statPrefix: cc.clusterName, cluster: cc.clusterName, accessLog: buildAccessLog(push.mesh) })];
  switch (inboundListenerProtocol(cc)) {
    case 'HTTP':
      return [{ ...base, filters: http() }];
    case 'TCP':
      return [{ ...base, filters: tcp() }];
    case 'AUTO':
      return [
        { ...base, applicationProtocols: PLAINTEXT_HTTP_ALPNS, filters: http() },
        { ...base, filters: tcp() },
      ];
  }
}

/** Istio's buildSidecarInboundHTTPRouteConfig: one virtual host `inbound|http|PORT` for any Host, one route to the cluster. */
export function inboundRouteConfig(clusterName: string, servicePort: number): EnvoyJson {
  return {
    name: clusterName,
    virtual_hosts: [
      {
        name: `${INBOUND_VHOST_PREFIX}${servicePort}`,
        domains: ['*'],
        // Inbound has no timeout (the caller's sidecar enforces the route's) and no retries.
        routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: clusterName, timeout: '0s' } }],
      },
    ],
    validate_clusters: false,
  };
}

function inboundHcm(statPrefix: string, clusterName: string, servicePort: number, push: PushContext): EnvoyJson {
  return buildHttpConnectionManager({ statPrefix, route: { routeConfig: inboundRouteConfig(clusterName, servicePort) }, useRemoteAddress: false, mesh: push.mesh });
}

/**
 * Istio's buildInboundPassthroughChains (plaintext): a blackhole for connections to 15006 itself,
 * then HTTP (by http_inspector) and everything else to InboundPassthroughCluster.
 */
function passthroughChains(push: PushContext): FilterChainOpts[] {
  return [
    {
      name: VIRTUAL_INBOUND_BLACKHOLE_CHAIN,
      destinationPort: INBOUND_CAPTURE_PORT,
      filters: [tcpProxyFilter({ statPrefix: BLACKHOLE_CLUSTER, cluster: BLACKHOLE_CLUSTER })],
    },
    {
      name: VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN,
      applicationProtocols: PLAINTEXT_HTTP_ALPNS,
      transportProtocol: RAW_BUFFER_TRANSPORT_PROTOCOL,
      filters: [inboundHcm(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, 0, push)],
    },
    {
      name: VIRTUAL_INBOUND_LISTENER,
      transportProtocol: RAW_BUFFER_TRANSPORT_PROTOCOL,
      filters: [tcpProxyFilter({ statPrefix: INBOUND_PASSTHROUGH_CLUSTER, cluster: INBOUND_PASSTHROUGH_CLUSTER, accessLog: buildAccessLog(push.mesh) })],
    },
  ];
}

/** Istio's buildInboundListener with populateListenerFilters. */
function inboundListener(name: string, bind: string, port: number, bindToPort: boolean, chains: readonly FilterChainOpts[]): EnvoyJson {
  const filters: EnvoyJson[] = [];
  // A virtual listener learns the port the connection was meant for from the original destination.
  if (!bindToPort) filters.push(listenerFilter('originalDst'));
  const http = httpInspector(chains);
  if (http !== null) filters.push(http);
  const listener: EnvoyJson = {
    name,
    address: socketAddress(bind, port),
    filter_chains: chains.map((c) => toFilterChain(c)),
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: '0s',
  };
  if (filters.length > 0) listener.listener_filters = filters;
  return listener;
}

/**
 * The http_inspector, off (filter_disabled) for ports whose chains do not match on application
 * protocols: sniffing would stall server-first protocols on declared TCP ports.
 */
function httpInspector(chains: readonly FilterChainOpts[]): EnvoyJson | null {
  const byPort = new Map<number, boolean>();
  for (const c of chains) {
    const port = c.destinationPort ?? 0;
    const http = (c.applicationProtocols ?? []).some((p) => p === 'http/1.1' || p === 'h2c');
    byPort.set(port, (byPort.get(port) ?? false) || http);
  }
  if (![...byPort.values()].some(Boolean)) return null;
  const disabled = [...byPort.entries()].filter(([, http]) => !http).map(([p]) => p).sort((a, b) => a - b);
  if (disabled.length === 0) return listenerFilter('httpInspector');
  const rules = disabled.map((p) => ({ destination_port_range: { start: p, end: p + 1 } }));
  return listenerFilter('httpInspector', rules.length === 1 ? rules[0]! : { or_match: { rules } });
}
