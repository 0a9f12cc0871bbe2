/**
 * The servers of every Gateway selecting a router proxy, merged per port and grouped by the RDS
 * route name their HTTP connection manager asks for, as Istio's mergeGateways
 * (pilot/pkg/model/gateway.go): plaintext HTTP servers on one port share `http.PORT`; each
 * TLS-terminating HTTPS server has its own `https.PORT.PORT_NAME.GATEWAY.NAMESPACE`.
 * Exported for the gateway listener builder, which must name the same routes.
 */
import type { Gateway, GatewayServer } from '../../model/config-types.js';
import { parseProtocol, isHttpProtocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { gatewayRouteName } from '../names.js';

export interface MergedServer {
  readonly server: GatewayServer;
  /** `NAMESPACE/NAME` of the Gateway the server belongs to (what VirtualServices bind to). */
  readonly gatewayName: string;
  /** The server's hosts with `./` made `NAMESPACE/` and `*​/` dropped (Istio's sanitizeServerHostNamespace). */
  readonly hosts: readonly string[];
}

export interface MergedGateway {
  /** RDS route name → the servers it serves, in Gateway order (oldest first). */
  readonly serversByRouteName: ReadonlyMap<string, readonly MergedServer[]>;
}

/** Istio's label on a gateway's Service opting out of Service port → targetPort translation. */
export const DISABLE_GATEWAY_PORT_TRANSLATION_LABEL = 'experimental.istio.io/disable-gateway-port-translation';

function isPassthroughServer(s: GatewayServer): boolean {
  return s.tls?.mode === 'PASSTHROUGH' || s.tls?.mode === 'AUTO_PASSTHROUGH';
}

/** Istio's gateway.IsHTTPServer: plaintext HTTP, or HTTPS that terminates TLS. */
export function isHttpServer(s: GatewayServer): boolean {
  const p = parseProtocol(s.port.protocol);
  return isHttpProtocol(p) || (p === 'HTTPS' && !isPassthroughServer(s));
}

/** Istio's gateway.IsTLSServer: TLS settings on a non-HTTP protocol. */
function isTlsServer(s: GatewayServer): boolean {
  return s.tls !== undefined && !isHttpProtocol(parseProtocol(s.port.protocol));
}

/** Istio's gatewayRDSRouteName; '' for servers without HTTP routes (TCP, TLS, passthrough). */
export function gatewayRdsRouteName(s: GatewayServer, resolvedPort: number, gateway: Gateway): string {
  const p = parseProtocol(s.port.protocol);
  const bind = s.bind !== undefined && s.bind !== '' ? `.${s.bind}` : '';
  if (isHttpProtocol(p)) return gatewayRouteName('http', resolvedPort) + bind;
  if (p === 'HTTPS' && !isPassthroughServer(s)) {
    return gatewayRouteName('https', s.port.number, `${s.port.name}.${gateway.metadata.name}.${gateway.metadata.namespace}`) + bind;
  }
  return '';
}

/** Istio's sanitizeServerHostNamespace. */
export function sanitizeServerHosts(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) {
      out.push(h);
      continue;
    }
    const ns = h.slice(0, slash);
    const name = h.slice(slash + 1);
    if (ns === '.') out.push(`${namespace}/${name}`);
    else if (ns === '*') {
      if (name === '*') return ['*'];
      out.push(name);
    } else out.push(h);
  }
  return out;
}

/**
 * Istio's resolvePorts for label-selected gateways: the port a Gateway server's number really
 * listens on. A server names the gateway Service's port (80); the proxy listens on its target
 * port (8080). Found from the endpoints of services whose port is `number` and whose endpoint is
 * this proxy; the number itself when there is none.
 */
export function resolveGatewayPort(proxy: Proxy, push: PushContext, number: number): number {
  const addresses = new Set(proxy.ipAddresses);
  for (const svc of push.services) {
    if (svc.labels[DISABLE_GATEWAY_PORT_TRANSLATION_LABEL] !== undefined) continue;
    if (!svc.ports.some((p) => p.port === number)) continue;
    const ep = push.endpointsOf(svc.hostname, number).find((e) => addresses.has(e.address));
    if (ep !== undefined) return ep.port;
  }
  return number;
}

/** Istio's mergeGateways, reduced to what RDS needs (route names and their servers). */
export function mergeGateways(proxy: Proxy, push: PushContext, gateways: readonly Gateway[]): MergedGateway {
  const byRoute = new Map<string, MergedServer[]>();
  /** Port → protocol of the plaintext servers on it. */
  const plaintext = new Map<number, string>();
  const usedPorts = new Set<number>();
  /** Port → host → bind, for TLS servers (Envoy rejects two filter chains with one SNI). */
  const tlsHosts = new Map<number, Map<string, string>>();
  for (const gw of gateways) {
    const gatewayName = `${gw.metadata.namespace}/${gw.metadata.name}`;
    for (const s of gw.spec.servers ?? []) {
      if (s.port === undefined) continue;
      const hosts = sanitizeServerHosts(s.hosts ?? [], gw.metadata.namespace);
      const entry: MergedServer = { server: s, gatewayName, hosts };
      const port = resolveGatewayPort(proxy, push, s.port.number);
      const routeName = gatewayRdsRouteName(s, port, gw);
      const bind = s.bind ?? '';
      if (s.tls !== undefined) {
        const known = tlsHosts.get(port) ?? new Map<string, string>();
        tlsHosts.set(port, known);
        if (hosts.some((h) => known.get(h) === bind)) continue;
        for (const h of hosts) known.set(h, bind);
      }
      const protocol = parseProtocol(s.port.protocol);
      if (usedPorts.has(port)) {
        const current = plaintext.get(port);
        if (current !== undefined) {
          // Istio's canMergeProtocols: HTTP servers merge with HTTP servers.
          const cur = parseProtocol(current);
          if (!((isHttpProtocol(cur) || cur === protocol) && isHttpProtocol(protocol))) continue;
          if (routeName === '') continue;
          (byRoute.get(routeName) ?? byRoute.set(routeName, []).get(routeName)!).push(entry);
        } else if (isHttpServer(s)) {
          // Two TLS servers on one port: each HTTPS one has its own route name, which must be unique.
          if (routeName === '' || byRoute.has(routeName)) continue;
          byRoute.set(routeName, [entry]);
        }
        continue;
      }
      usedPorts.add(port);
      if (!isTlsServer(s)) plaintext.set(port, s.port.protocol);
      if (isHttpServer(s)) byRoute.set(routeName, [entry]);
    }
  }
  return { serversByRouteName: byRoute };
}
