/**
 * The static halves of VirtualService tcp/tls match blocks (Istio's matchTCP, matchTLS,
 * l4SingleMatch): source labels, source namespace, port and gateway are known when config is
 * generated for one proxy; SNI and destination subnets become filter chain matches instead.
 */
import type { TCPRoute, TLSRoute } from '../../model/config-types.js';
import { selectorMatches } from '../../model/labels.js';
import type { Proxy } from '../../model/proxy.js';
import { qualifyGatewayName } from '../../model/push-context.js';

export type L4Match = NonNullable<TCPRoute['match']>[number];
export type TlsMatch = NonNullable<TLSRoute['match']>[number];

/** Fields tcp and tls match blocks share. */
interface StaticPredicates {
  readonly gateways?: readonly string[];
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly sourceNamespace?: string;
  readonly port?: number;
}

/**
 * A sidecar's view (gateway `mesh`): the block's gateways include `mesh` (or are unset), its
 * source labels select the proxy, its port is the listener's, its source namespace the proxy's.
 */
export function matchesSidecar(match: StaticPredicates | undefined, proxy: Proxy, port: number, vsNamespace: string): boolean {
  if (match === undefined) return true;
  const gateways = match.gateways ?? [];
  const gatewayMatch = gateways.length === 0 || gateways.some((g) => qualifyGatewayName(g, vsNamespace) === 'mesh');
  const labelMatch = match.sourceLabels === undefined || selectorMatches(match.sourceLabels, proxy.labels);
  const portMatch = match.port === undefined || match.port === 0 || match.port === port;
  const nsMatch = match.sourceNamespace === undefined || match.sourceNamespace === '' || match.sourceNamespace === proxy.namespace;
  return gatewayMatch && labelMatch && portMatch && nsMatch;
}

/** A gateway server's view (Istio's l4SingleMatch): only port and gateway are checked. */
export function matchesGatewayServer(match: StaticPredicates, serverPort: number, gateway: string, vsNamespace: string): boolean {
  const portMatch = match.port === undefined || match.port === 0 || match.port === serverPort;
  const gateways = match.gateways ?? [];
  return portMatch && (gateways.length === 0 || gateways.some((g) => qualifyGatewayName(g, vsNamespace) === gateway));
}

/** l4MultiMatch: any block matches, or there are none. */
export function anyMatchesGatewayServer(matches: readonly StaticPredicates[] | undefined, serverPort: number, gateway: string, vsNamespace: string): boolean {
  if (matches === undefined || matches.length === 0) return true;
  return matches.some((m) => matchesGatewayServer(m, serverPort, gateway, vsNamespace));
}
