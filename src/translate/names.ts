/**
 * Istio's names for generated resources, exactly as `istioctl proxy-config` prints them
 * (pilot/pkg/model: BuildSubsetKey, util.BlackHoleCluster …), so our debugging views read alike.
 */

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
/** The route configuration Istio's gateways/sidecars use when no route matches: a 404 virtual host. */
export const BLACKHOLE_ROUTE = 'block_all';
export const PASSTHROUGH_ROUTE = 'allow_any';

/** Sidecar listeners. */
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
export const OUTBOUND_CAPTURE_PORT = 15001;
export const INBOUND_CAPTURE_PORT = 15006;

export type TrafficDirection = 'inbound' | 'outbound';

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; subset '' for the whole service. */
export function buildSubsetKey(direction: TrafficDirection, subset: string, hostname: string, port: number): string {
  return `${direction}|${port}|${subset}|${hostname}`;
}

export function outboundClusterName(hostname: string, port: number, subset = ''): string {
  return buildSubsetKey('outbound', subset, hostname, port);
}

/** Sidecar inbound cluster to the application: `inbound|8080||`. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** Parses `direction|port|subset|host`; null for other names. */
export function parseSubsetKey(name: string): { direction: TrafficDirection; port: number; subset: string; hostname: string } | null {
  const parts = name.split('|');
  if (parts.length !== 4) return null;
  const [direction, port, subset, hostname] = parts as [string, string, string, string];
  if (direction !== 'inbound' && direction !== 'outbound') return null;
  const n = Number(port);
  if (!Number.isInteger(n)) return null;
  return { direction, port: n, subset, hostname };
}

/** Istio's model.RDSHttpProxy: the route configuration of the HTTP proxy listener (MeshConfig proxyHttpPort). */
export const HTTP_PROXY_ROUTE = 'http_proxy';

/** Sidecar outbound HTTP route configuration for a port: `80`; a gateway's: `http.8080` (Istio's gateway RDS name). */
export function outboundRouteName(port: number): string {
  return String(port);
}

/**
 * The route configuration of a sniffed service port on a listener of its own (Istio's
 * buildSidecarOutboundHTTPListenerOpts for ListenerProtocolAuto): `customers.default.svc.cluster.local:80`.
 */
export function sniffedRouteName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** `HOST:PORT` back into its parts (Istio's extractListenerPort: the text after the first colon is the port); null for other names. */
export function parseSniffedRouteName(name: string): { hostname: string; port: number } | null {
  const colon = name.indexOf(':');
  if (colon <= 0) return null;
  const port = name.slice(colon + 1);
  if (!/^\d+$/.test(port)) return null;
  const n = Number(port);
  return n > 0 && n <= 65535 ? { hostname: name.slice(0, colon), port: n } : null;
}

export function gatewayRouteName(protocolPrefix: 'http' | 'https', port: number, serverName?: string): string {
  return serverName === undefined ? `${protocolPrefix}.${port}` : `${protocolPrefix}.${port}.${serverName}`;
}

/** Sidecar outbound listener for a service address and port: `10.96.0.10_9080`, or `0.0.0.0_9080` for the wildcard. */
export function outboundListenerName(address: string, port: number): string {
  return `${address}_${port}`;
}
