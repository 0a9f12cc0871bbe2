/**
 * A sidecar's outbound listeners (Istio's buildSidecarOutboundListeners and
 * buildSidecarOutboundListener): one listener per bind address and port. HTTP service ports share
 * `0.0.0.0_PORT` and route by Host through RDS route configuration `PORT`; TCP ports get a
 * listener on the service's VIP (`10.96.0.10_3306`); ports of unknown protocol (unnamed, no
 * appProtocol) are sniffed: a listener on the VIP whose http_inspector sends HTTP/1.1 and h2c to
 * an HTTP chain with the service's own route configuration (`customers.default.svc.cluster.local:80`)
 * and everything else to its TCP chain. Services that land on the same listener are merged as
 * Istio does: HTTP on HTTP adds nothing (RDS has them all), TCP on TCP adds chains when their
 * matches differ, HTTP with TCP on one port becomes a sniffing listener, and the first sniffed
 * port on an address keeps it.
 */
import type { VirtualService } from '../../model/config-types.js';
import { hostsIntersect, resolveShortName } from '../../model/host.js';
import { isHttpProtocol } from '../../model/protocol.js';
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import { MESH_GATEWAY } from '../../model/push-context.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service, ServicePort } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';
import { outboundListenerName, outboundRouteName, sniffedRouteName } from '../names.js';
import { PLAINTEXT_HTTP_ALPNS, RAW_BUFFER_TRANSPORT_PROTOCOL } from './envoy-json.js';
import type { FilterChainOpts } from './filter-chain.js';
import { conflictsWith } from './filter-chain.js';
import { buildHttpConnectionManager } from './http-connection-manager.js';
import { canBindPort, outboundBinding, wildcardAndLocalhost } from './interception.js';
import { buildOutboundTcpChains, buildOutboundTlsChains } from './outbound-tcp-chains.js';
import type { OutboundChainInput } from './outbound-tcp-chains.js';
import { buildOutboundListener } from './outbound-listener.js';
import type { OutboundEntry } from './outbound-listener.js';

interface BuildContext {
  readonly proxy: Proxy;
  readonly push: PushContext;
  readonly wildcard: string;
  readonly bindToPort: boolean;
  readonly virtualServices: readonly VirtualService[];
  readonly entries: Map<string, OutboundEntry>;
}

/**
 * Outbound listeners for `services` (the proxy's Sidecar scope, in its order: on conflicts the
 * first service wins, as in Istio).
 */
export function buildSidecarOutboundListeners(proxy: Proxy, push: PushContext, services: readonly Service[]): EnvoyJson[] {
  const binding = outboundBinding(proxy, push);
  const ctx: BuildContext = {
    proxy,
    push,
    wildcard: wildcardAndLocalhost(proxy).wildcard,
    bindToPort: binding.bindToPort,
    virtualServices: push.virtualServicesFor(proxy.namespace, MESH_GATEWAY),
    entries: new Map(),
  };
  for (const service of services) {
    for (const port of service.ports) {
      if (!canBindPort(proxy, binding.bindToPort, port.port)) continue;
      if (binding.bind === undefined && service.resolution === 'Passthrough' && service.addresses.length === 0 && !isHttpProtocol(port.protocol)) {
        buildHeadless(ctx, service, port);
        continue;
      }
      buildListenerEntry(ctx, service, port, binding.bind);
    }
  }
  return [...ctx.entries.values()].map((e) => buildOutboundListener(proxy, push, e));
}

/**
 * Headless TCP services have no VIP: a listener per endpoint address instead of a wildcard one
 * that would swallow the port. A ServiceEntry (resolution NONE) without endpoints or selector
 * still gets the wildcard listener.
 */
function buildHeadless(ctx: BuildContext, service: Service, port: ServicePort): void {
  const endpoints = ctx.push.endpointsOf(service.hostname, port.port);
  if (endpoints.length === 0) {
    if (service.source.kind !== 'Service' && service.selector === undefined) buildListenerEntry(ctx, service, port, undefined);
    return;
  }
  const seen = new Set<string>();
  for (const e of endpoints) {
    if (!isIp(e.address) || e.address === ctx.proxy.ipAddresses[0] || seen.has(e.address)) continue;
    seen.add(e.address);
    buildListenerEntry(ctx, service, port, e.address);
  }
}

/** Istio's ListenerProtocol: how a port's traffic is proxied (AUTO: sniffed, HTTP or TCP per connection). */
type ListenerProtocol = 'HTTP' | 'TCP' | 'AUTO';

/** Istio's ModelProtocolToListenerProtocol: unknown protocols (unnamed ports) are sniffed; UDP gets no listener. */
function listenerProtocolOf(p: Protocol): ListenerProtocol | null {
  if (isHttpProtocol(p)) return 'HTTP';
  if (p === 'UDP') return null;
  return p === 'UNSUPPORTED' ? 'AUTO' : 'TCP';
}

/**
 * How a new service port meets the entry already on its listener (Istio's conflict types,
 * `INCOMING-over-EXISTING`; `auto` is a sniffed entry or port).
 */
type Conflict = 'none' | 'http-over-tcp' | 'tcp-over-http' | 'tcp-over-tcp' | 'tcp-over-auto' | 'auto-over-http' | 'auto-over-tcp';

/** Istio's buildSidecarOutboundListener for one service port. */
function buildListenerEntry(ctx: BuildContext, service: Service, port: ServicePort, requestedBind: string | undefined): void {
  const lp = listenerProtocolOf(port.protocol);
  if (lp === null) return;
  let bind = requestedBind;
  let destinationCidrs: string[] = [];
  if (bind === undefined) {
    if (lp === 'HTTP') bind = ctx.wildcard;
    else {
      // TCP and sniffed ports listen on the service VIP; a CIDR address shares the wildcard and matches by prefix.
      const address = service.addresses[0] ?? ctx.wildcard;
      if (address.includes('/')) {
        bind = ctx.wildcard;
        destinationCidrs = [address];
      } else bind = address;
    }
  }
  const key = outboundListenerName(bind, port.port);
  const current = ctx.entries.get(key);
  const tcpInput = (): OutboundChainInput => ({
    proxy: ctx.proxy, push: ctx.push, service, port, bind, wildcard: ctx.wildcard, destinationCidrs, virtualServices: virtualServicesFor(ctx, service),
  });

  let chains: FilterChainOpts[];
  let entryProtocol: Protocol = port.protocol;
  let conflict: Conflict = 'none';
  if (port.protocol === 'HTTP_PROXY') {
    // A declared HTTP proxy port takes its listener as it is (Istio skips conflict handling for it).
    chains = [httpChain(ctx, key, service, port, bind, lp)];
  } else if (lp === 'HTTP') {
    if (current !== undefined) {
      // Another HTTP (or sniffed) entry already made this listener: RDS carries every host.
      if (!isTcpOnly(current.protocol)) return;
      conflict = 'http-over-tcp';
    }
    const chain = httpChain(ctx, key, service, port, bind, lp);
    // On the shared wildcard listener non-HTTP traffic to this port must still pass through:
    // HTTP is told apart by http_inspector, the rest falls to the passthrough chain.
    if (bind === ctx.wildcard) {
      chains = [sniffed(chain)];
      entryProtocol = 'UNSUPPORTED';
    } else chains = [chain];
  } else if (lp === 'TCP') {
    chains = tcpChains(tcpInput());
    if (current !== undefined) conflict = isHttpProtocol(current.protocol) ? 'tcp-over-http' : isTcpOnly(current.protocol) ? 'tcp-over-tcp' : 'tcp-over-auto';
  } else {
    if (current !== undefined) {
      if (isHttpProtocol(current.protocol)) conflict = 'auto-over-http';
      else if (isTcpOnly(current.protocol)) conflict = 'auto-over-tcp';
      // Sniffed already (another unnamed port on this address, or HTTP on the wildcard): the first one stays.
      else return;
    }
    // The service's TCP chains (its match-all one becomes the listener's default), and HTTP
    // picked out by http_inspector, routed by this service's own route configuration.
    chains = [...tcpChains(tcpInput()), sniffed(httpChain(ctx, key, service, port, bind, lp))];
    entryProtocol = 'UNSUPPORTED';
  }
  // Mongo and MySQL (server-first) share a listener with nothing else.
  if (current !== undefined && conflict !== 'none' && !wellKnownPortAllowsMerge(port.protocol, current.protocol)) return;

  switch (conflict) {
    case 'none':
    case 'auto-over-http':
      // A new listener, or a sniffed port replacing a plain HTTP one (Istio overrides it whole).
      ctx.entries.set(key, { name: key, bind, port: port.port, bindToPort: ctx.bindToPort, chains, protocol: entryProtocol });
      return;
    case 'http-over-tcp':
    case 'tcp-over-http':
    case 'auto-over-tcp':
      current!.chains = mergeChains(current!.chains, chains);
      current!.protocol = 'UNSUPPORTED';
      return;
    case 'tcp-over-tcp':
    case 'tcp-over-auto':
      current!.chains = mergeChains(current!.chains, chains);
  }
}

function tcpChains(input: OutboundChainInput): FilterChainOpts[] {
  return [...buildOutboundTlsChains(input), ...buildOutboundTcpChains(input)];
}

/**
 * Istio's buildSidecarOutboundHTTPListenerOpts. The RDS name is the port (`80`: every HTTP host
 * on it), except for a sniffed port on a listener of its own (its VIP, a headless endpoint, or
 * a real bind address): `HOST:PORT`, a route configuration with only that service's virtual host.
 */
function httpChain(ctx: BuildContext, listenerName: string, service: Service, port: ServicePort, bind: string, lp: ListenerProtocol): FilterChainOpts {
  const rds = lp === 'AUTO' && bind !== ctx.wildcard ? sniffedRouteName(service.hostname, port.port) : outboundRouteName(port.port);
  const hcm = buildHttpConnectionManager({
    statPrefix: `outbound_${listenerName}`,
    route: { rds },
    useRemoteAddress: false,
    mesh: ctx.push.mesh,
  });
  return { filters: [hcm] };
}

/** The HTTP chain matched on what http_inspector reports for HTTP/1.1 and h2c (plaintext only). */
function sniffed(chain: FilterChainOpts): FilterChainOpts {
  return { ...chain, applicationProtocols: PLAINTEXT_HTTP_ALPNS, transportProtocol: RAW_BUFFER_TRANSPORT_PROTOCOL };
}

/** Istio's getConfigsForHost: VirtualServices (for `mesh`) with a host naming the service. */
function virtualServicesFor(ctx: BuildContext, service: Service): VirtualService[] {
  const suffix = ctx.push.mesh.domainSuffix;
  return ctx.virtualServices.filter((vs) =>
    (vs.spec.hosts ?? []).some((h) => hostsIntersect(resolveShortName(h, vs.metadata.namespace, suffix), service.hostname)),
  );
}

/** Istio's mergeTCPFilterChains: incoming chains whose match an existing chain already has are dropped. */
function mergeChains(current: readonly FilterChainOpts[], incoming: readonly FilterChainOpts[]): FilterChainOpts[] {
  const merged = [...current];
  for (const c of incoming) if (!merged.some((m) => conflictsWith(m, c))) merged.push(c);
  return merged;
}

function isTcpOnly(p: Protocol): boolean {
  return !isHttpProtocol(p) && p !== 'UNSUPPORTED';
}

/** Istio's isConflictWithWellKnownPort: Mongo and MySQL (server-first) share a port with nothing else. */
function wellKnownPortAllowsMerge(incoming: Protocol, existing: Protocol): boolean {
  const special = (p: Protocol): boolean => p === 'Mongo' || p === 'MySQL';
  return !((special(incoming) || special(existing)) && incoming !== existing);
}

function isIp(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(':');
}
