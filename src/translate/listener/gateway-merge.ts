/**
 * The servers of every Gateway that selects one router proxy, merged per port (Istio's
 * MergeGateways): plaintext HTTP servers on a port share one listener and route configuration
 * `http.PORT[.BIND]`; TLS servers on a port are told apart by SNI, and each terminating HTTPS
 * server gets route configuration `https.PORT.PORTNAME.GATEWAY.NAMESPACE[.BIND]`. PORT is the
 * port the proxy really listens on (Istio's resolvePorts: the gateway Service's target port),
 * and route names come from the route side's gatewayRdsRouteName, so RDS asks for exactly the
 * names the route generator answers. A server that cannot share
 * its port (another protocol, a host already served with TLS there, a second TCP server) is
 * left out; gateways are taken oldest first, so the first server wins, and each left-out server
 * is returned as a conflict for the analyzer (IST0145 ConflictingGateways).
 */
import type { Gateway, GatewayServer } from '../../model/config-types.js';
import { isHttpProtocol, parseProtocol } from '../../model/protocol.js';
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { gatewayRdsRouteName, resolveGatewayPort } from '../route/gateway-servers.js';

export interface MergedServer {
  readonly server: GatewayServer;
  /** `NAMESPACE/NAME` of the Gateway, as VirtualServices name it. */
  readonly gatewayName: string;
  readonly gatewayNamespace: string;
  /** Index of the server in its Gateway's `servers`. */
  readonly serverIndex: number;
  /** Hosts with `./` made `NAMESPACE/` and a `*` namespace dropped (Istio's sanitizeServerHostNamespace). */
  readonly hosts: readonly string[];
  /** RDS route configuration for HTTP and terminating HTTPS servers. */
  readonly routeName?: string;
}

export interface MergedPort {
  /** The port the proxy listens on: the server's port resolved to the gateway Service's target port. */
  readonly port: number;
  /** Server `bind`, when set (listener `BIND_PORT`). */
  readonly bind?: string;
  /** Plaintext (HTTP or TCP) versus TLS (SNI-matched) servers; decided by the first server. */
  readonly plaintext: boolean;
  /** The first server's protocol. */
  readonly protocol: Protocol;
  readonly servers: MergedServer[];
}

export type GatewayConflictReason = 'protocol-conflict' | 'duplicate-tls-hosts' | 'duplicate-https-route';

/** A server left out of a port because another server took it first. */
export interface GatewayConflict {
  readonly gateway: string;
  readonly serverIndex: number;
  readonly port: number;
  readonly hosts: readonly string[];
  readonly reason: GatewayConflictReason;
  /** Gateways (`NAMESPACE/NAME`) already serving the port. */
  readonly conflictsWith: readonly string[];
  /** The Gateway's workload selector as `key=value,…`, for IST0145's message. */
  readonly selector: string;
}

export interface MergedGateway {
  readonly ports: readonly MergedPort[];
  readonly conflicts: readonly GatewayConflict[];
}

export function isTlsServer(s: GatewayServer): boolean {
  return s.tls !== undefined && !isHttpProtocol(parseProtocol(s.port.protocol));
}

export function isPassthroughServer(s: GatewayServer): boolean {
  return s.tls?.mode === 'PASSTHROUGH' || s.tls?.mode === 'AUTO_PASSTHROUGH';
}

/** HTTP, or HTTPS that terminates TLS: served by a connection manager. */
export function isHttpServer(s: GatewayServer): boolean {
  const p = parseProtocol(s.port.protocol);
  return isHttpProtocol(p) || (p === 'HTTPS' && s.tls !== undefined && !isPassthroughServer(s));
}

function routeNameFor(s: GatewayServer, resolvedPort: number, gw: Gateway): string | undefined {
  // HTTPS without tls settings has no certificate to terminate with: no connection manager.
  if (parseProtocol(s.port.protocol) === 'HTTPS' && s.tls === undefined) return undefined;
  const name = gatewayRdsRouteName(s, resolvedPort, gw);
  return name === '' ? undefined : name;
}

function sanitizeHosts(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) out.push(h);
    else {
      const ns = h.slice(0, slash);
      const name = h.slice(slash + 1);
      if (ns === '*' && name === '*') return ['*'];
      out.push(ns === '.' ? `${namespace}/${name}` : ns === '*' ? name : h);
    }
  }
  return out;
}

export function mergeGateways(proxy: Proxy, push: PushContext, gateways: readonly Gateway[]): MergedGateway {
  const ports = new Map<string, MergedPort>();
  const tlsHosts = new Map<string, Set<string>>();
  const routeNames = new Set<string>();
  const conflicts: GatewayConflict[] = [];
  for (const gw of gateways) {
    const gatewayName = `${gw.metadata.namespace}/${gw.metadata.name}`;
    (gw.spec.servers ?? []).forEach((server, serverIndex) => {
      const hosts = sanitizeHosts(server.hosts, gw.metadata.namespace);
      const port = resolveGatewayPort(proxy, push, server.port.number);
      const key = `${server.bind ?? ''}|${port}`;
      const existing = ports.get(key);
      const reject = (reason: GatewayConflictReason): void => {
        conflicts.push({
          gateway: gatewayName,
          serverIndex,
          port,
          hosts,
          reason,
          conflictsWith: [...new Set(existing?.servers.map((s) => s.gatewayName) ?? [])],
          selector: Object.entries(gw.spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        });
      };
      if (server.tls !== undefined) {
        // Envoy rejects two filter chains with one SNI: a host may have one TLS server per port.
        let known = tlsHosts.get(key);
        if (known === undefined) tlsHosts.set(key, (known = new Set()));
        if (hosts.some((h) => known!.has(h))) return reject('duplicate-tls-hosts');
        for (const h of hosts) known.add(h);
      }
      const protocol = parseProtocol(server.port.protocol);
      const routeName = routeNameFor(server, port, gw);
      const merged: MergedServer = { server, gatewayName, gatewayNamespace: gw.metadata.namespace, serverIndex, hosts, ...(routeName !== undefined ? { routeName } : {}) };
      if (existing === undefined) {
        ports.set(key, { port, ...(server.bind ? { bind: server.bind } : {}), plaintext: !isTlsServer(server), protocol, servers: [merged] });
        if (routeName !== undefined) routeNames.add(routeName);
        return;
      }
      if (existing.plaintext) {
        // Plaintext servers share a port only when all are HTTP of one protocol (one HCM, one RDS).
        if (existing.protocol !== protocol || !isHttpProtocol(protocol)) return reject('protocol-conflict');
        existing.servers.push(merged);
        return;
      }
      if (server.tls === undefined) return reject('protocol-conflict');
      if (routeName !== undefined) {
        if (routeNames.has(routeName)) return reject('duplicate-https-route');
        routeNames.add(routeName);
      }
      existing.servers.push(merged);
    });
  }
  return { ports: [...ports.values()], conflicts };
}
