/**
 * Filter chains of a sidecar's outbound TCP and TLS listeners (Istio's tls.go):
 * VirtualService tls routes become SNI chains, tcp routes become chains by destination subnet,
 * and a service without a matching route gets one chain to its own cluster.
 */
import type { VirtualService } from '../../model/config-types.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service, ServicePort } from '../../model/service.js';
import { outboundClusterName } from '../names.js';
import type { FilterChainOpts } from './filter-chain.js';
import { matchesSidecar } from './l4-match.js';
import { routeNetworkFilters, singleDestinationFilters } from './network-filters.js';

export interface OutboundChainInput {
  readonly proxy: Proxy;
  readonly push: PushContext;
  readonly service: Service;
  readonly port: ServicePort;
  /** The listener's bind address and the proxy's wildcard (`0.0.0.0` or `::`). */
  readonly bind: string;
  readonly wildcard: string;
  /** The service address as a CIDR, when the listener had to bind the wildcard for it. */
  readonly destinationCidrs: readonly string[];
  /** VirtualServices for `mesh` whose hosts name this service. */
  readonly virtualServices: readonly VirtualService[];
}

export function isTlsProtocol(p: ServicePort['protocol']): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/** The cluster for a service port without routes: a user port differing from a one-port service's goes to that port. */
function defaultCluster(input: OutboundChainInput): string {
  const port = input.service.ports.length === 1 ? input.service.ports[0]!.port : input.port.port;
  return outboundClusterName(input.service.hostname, port);
}

/** Istio's buildSidecarOutboundTLSFilterChainOpts. */
export function buildOutboundTlsChains(input: OutboundChainInput): FilterChainOpts[] {
  if (!isTlsProtocol(input.port.protocol)) return [];
  const { proxy, push } = input;
  const out: FilterChainOpts[] = [];
  // Matches with equal runtime predicates (SNI, subnets) but different static ones: only the first can ever win.
  const handled = new Set<string>();
  for (const vs of input.virtualServices) {
    const meta = { name: vs.metadata.name, namespace: vs.metadata.namespace };
    for (const tls of vs.spec.tls ?? []) {
      if (tls.route === undefined || tls.route.length === 0) continue;
      for (const match of tls.match ?? []) {
        if (!matchesSidecar(match, proxy, input.port.port, meta.namespace)) continue;
        const cidrs = match.destinationSubnets !== undefined && match.destinationSubnets.length > 0 ? match.destinationSubnets : input.destinationCidrs;
        const key = `${match.sniHosts.join(',')}|${(match.destinationSubnets ?? []).join(',')}`;
        if (handled.has(key)) continue;
        handled.add(key);
        out.push({ sniHosts: match.sniHosts, destinationCidrs: cidrs, filters: routeNetworkFilters(proxy, push, tls.route, input.port.port, meta) });
      }
    }
  }
  if (out.length > 0) return out;

  // No tls route: the service's own cluster. SNI tells services apart only when the listener
  // is shared (wildcard bind or a CIDR); a listener on the service's VIP needs no SNI.
  const address = input.service.addresses[0] ?? input.wildcard;
  const listenAddress = address.includes('/') ? '' : address;
  const needSni = input.destinationCidrs.length > 0 || listenAddress === '' || (listenAddress === input.wildcard && input.bind === input.wildcard);
  const cluster = defaultCluster(input);
  return [
    {
      ...(needSni ? { sniHosts: [input.service.hostname] } : {}),
      destinationCidrs: input.destinationCidrs,
      filters: singleDestinationFilters(proxy, push, cluster, input.service.hostname),
    },
  ];
}

/** Istio's buildSidecarOutboundTCPFilterChainOpts. */
export function buildOutboundTcpChains(input: OutboundChainInput): FilterChainOpts[] {
  if (isTlsProtocol(input.port.protocol)) return [];
  const { proxy, push } = input;
  const out: FilterChainOpts[] = [];
  let defaultAdded = false;
  outer: for (const vs of input.virtualServices) {
    const meta = { name: vs.metadata.name, namespace: vs.metadata.namespace };
    for (const tcp of vs.spec.tcp ?? []) {
      if (tcp.route === undefined || tcp.route.length === 0) continue;
      if (tcp.match === undefined || tcp.match.length === 0) {
        out.push({ destinationCidrs: input.destinationCidrs, filters: routeNetworkFilters(proxy, push, tcp.route, input.port.port, meta) });
        defaultAdded = true;
        break outer;
      }
      const subnets: string[] = [];
      for (const match of tcp.match) {
        if (!matchesSidecar(match, proxy, input.port.port, meta.namespace)) continue;
        if (match.destinationSubnets === undefined || match.destinationSubnets.length === 0) {
          // A block without subnets matches every destination: the terminal chain.
          out.push({ destinationCidrs: input.destinationCidrs, filters: routeNetworkFilters(proxy, push, tcp.route, input.port.port, meta) });
          defaultAdded = true;
          break outer;
        }
        subnets.push(...match.destinationSubnets);
      }
      if (subnets.length > 0) {
        out.push({ destinationCidrs: subnets, filters: routeNetworkFilters(proxy, push, tcp.route, input.port.port, meta) });
        // The service's own chain would repeat this match exactly; Envoy rejects duplicates.
        if (sameSet(subnets, input.destinationCidrs)) defaultAdded = true;
      }
    }
  }
  if (!defaultAdded) {
    out.push({ destinationCidrs: input.destinationCidrs, filters: singleDestinationFilters(proxy, push, defaultCluster(input), input.service.hostname) });
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
