/**
 * A sidecar's outbound listeners (Istio's buildSidecarOutboundListeners and
 * buildSidecarOutboundListener): one listener per bind address and port. HTTP service ports share
 * `0.0.0.0_PORT` and route by Host through RDS route configuration `PORT`; TCP ports get a
 * listener on the service's VIP (`10.96.0.10_3306`). Services that land on the same listener are
 * merged as Istio does: HTTP on HTTP adds nothing (RDS has them all), TCP on TCP adds chains when
 * their matches differ, and HTTP with TCP on one port becomes a sniffing listener.
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
import { outboundListenerName, outboundRouteName } from '../names.js';
import { PLAINTEXT_HTTP_ALPNS, RAW_BUFFER_TRANSPORT_PROTOCOL } from './envoy-json.js';
import type { FilterChainOpts } from './filter-chain.js';
import { conflictsWith } from './filter-chain.js';
import { buildHttpConnectionManager } from './http-connection-manager.js';
import { canBindPort, outboundBinding, wildcardAndLocalhost } from './interception.js';
import { buildOutboundTcpChains, buildOutboundTlsChains } from './outbound-tcp-chains.js';
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

type ListenerProtocol = 'HTTP' | 'TCP';

function listenerProtocolOf(p: Protocol): ListenerProtocol | null {
  if (isHttpProtocol(p)) return 'HTTP';
  // UDP has no listener. Unknown protocols would be sniffed in Istio; until tsmesh sniffs they
  // are TCP (see model/protocol.ts).
  return p === 'UDP' ? null : 'TCP';
}

function buildListenerEntry(ctx: BuildContext, service: Service, port: ServicePort, requestedBind: string | undefined): void {
  const lp = listenerProtocolOf(port.protocol);
  if (lp === null) return;
  let bind = requestedBind;
  let destinationCidrs: string[] = [];
  if (bind === undefined) {
    if (lp === 'HTTP') bind = ctx.wildcard;
    else {
      // TCP listens on the service VIP; a CIDR address shares the wildcard and matches by prefix.
      const address = service.addresses[0] ?? ctx.wildcard;
      if (address.includes('/')) {
        bind = ctx.wildcard;
        destinationCidrs = [address];
      } else bind = address;
    }
  }
  const key = outboundListenerName(bind, port.port);
  const current = ctx.entries.get(key);

  let chains: FilterChainOpts[];
  let entryProtocol: Protocol = port.protocol;
  let conflict: 'none' | 'merge-sniff' | 'merge' = 'none';
  if (lp === 'HTTP') {
    if (current !== undefined) {
      // Another HTTP service already made this listener: RDS carries every host.
      if (!isTcpOnly(current.protocol)) return;
      conflict = 'merge-sniff';
    }
    chains = [httpChain(ctx, key, port, bind === ctx.wildcard)];
    // On the shared wildcard listener non-HTTP traffic to this port must still pass through:
    // HTTP is told apart by http_inspector, the rest falls to the passthrough chain.
    if (bind === ctx.wildcard) entryProtocol = 'UNSUPPORTED';
  } else {
    const input = { proxy: ctx.proxy, push: ctx.push, service, port, bind, wildcard: ctx.wildcard, destinationCidrs, virtualServices: virtualServicesFor(ctx, service) };
    chains = [...buildOutboundTlsChains(input), ...buildOutboundTcpChains(input)];
    if (current !== undefined) conflict = isHttpProtocol(current.protocol) ? 'merge-sniff' : 'merge';
  }
  if (current !== undefined && !wellKnownPortAllowsMerge(port.protocol, current.protocol)) return;

  if (current === undefined || conflict === 'none') {
    ctx.entries.set(key, { name: key, bind, port: port.port, bindToPort: ctx.bindToPort, chains, protocol: entryProtocol });
    return;
  }
  current.chains = mergeChains(current.chains, chains);
  if (conflict === 'merge-sniff') current.protocol = 'UNSUPPORTED';
}

function httpChain(ctx: BuildContext, listenerName: string, port: ServicePort, sniffed: boolean): FilterChainOpts {
  const hcm = buildHttpConnectionManager({
    statPrefix: `outbound_${listenerName}`,
    route: { rds: outboundRouteName(port.port) },
    useRemoteAddress: false,
    mesh: ctx.push.mesh,
  });
  return sniffed
    ? { applicationProtocols: PLAINTEXT_HTTP_ALPNS, transportProtocol: RAW_BUFFER_TRANSPORT_PROTOCOL, filters: [hcm] }
    : { filters: [hcm] };
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
