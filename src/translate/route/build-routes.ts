/**
 * RDS for one proxy: the RouteConfigurations its listeners named, as Istio's BuildHTTPRoutes.
 * Sidecars ask for their outbound ports (`80`, `9080`), for sniffed service ports on listeners of
 * their own (`customers.default.svc.cluster.local:80`) and, with an HTTP proxy port, `http_proxy`;
 * gateways for their servers' routes (`http.8080`, `https.443.https.my-gateway.default`).
 */
import type { EnvoyJson } from '../generated.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { HTTP_PROXY_ROUTE, parseSniffedRouteName } from '../names.js';
import { buildGatewayRoutes } from './gateway-routes.js';
import { buildHttpProxyRoutes } from './http-proxy-routes.js';
import { buildSidecarOutboundRoutes, buildSidecarSniffedRoutes } from './sidecar-routes.js';

/** A numeric RDS name: a sidecar outbound port. */
function sidecarPort(routeName: string): number | null {
  if (!/^\d+$/.test(routeName)) return null;
  const n = Number(routeName);
  return n > 0 && n <= 65535 ? n : null;
}

/** Istio's gateway RDS names: `http.PORT[.BIND]` and `https.PORT.PORT_NAME.GATEWAY.NAMESPACE[.BIND]`. */
function isGatewayRouteName(routeName: string): boolean {
  return routeName.startsWith('http.') || routeName.startsWith('https.');
}

/**
 * One RouteConfiguration per requested name, in the order asked: port numbers are sidecar
 * outbound routes, `HOST:PORT` a sniffed service port's, `http.`/`https.` names gateway routes.
 * Any other name gets an empty configuration, as Istio answers names it cannot build so the
 * proxy does not wait for them.
 */
export function buildRoutes(proxy: Proxy, push: PushContext, routeNames: readonly string[]): EnvoyJson[] {
  return routeNames.map((name) => {
    const port = sidecarPort(name);
    if (port !== null) return buildSidecarOutboundRoutes(proxy, push, port);
    if (name === HTTP_PROXY_ROUTE && proxy.type === 'sidecar') return buildHttpProxyRoutes(proxy, push);
    const sniffed = proxy.type === 'sidecar' ? parseSniffedRouteName(name) : null;
    if (sniffed !== null) return buildSidecarSniffedRoutes(proxy, push, sniffed.hostname, sniffed.port);
    if (isGatewayRouteName(name)) return buildGatewayRoutes(proxy, push, name);
    return { name, virtual_hosts: [], validate_clusters: false };
  });
}
