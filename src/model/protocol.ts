/**
 * Istio's port protocols (pkg/config/protocol). A service port's protocol comes from its
 * `appProtocol`, else from its name (`http`, `http-web`, `grpc-api`: the part before the first
 * dash), else it is unknown (`UNSUPPORTED`) and sidecars sniff it, as Istio does: the outbound
 * listener on the service address and the inbound chains for the port tell HTTP/1.1 and h2c
 * (routed as HTTP) from anything else (proxied as TCP) with http_inspector
 * (translate/listener/outbound.ts, inbound.ts). Gateways do not sniff.
 */
export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'HTTP_PROXY'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTPS'
  | 'TLS'
  | 'TCP'
  | 'UDP'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'UNSUPPORTED';

const BY_LOWER: ReadonlyMap<string, Protocol> = new Map(
  (['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web', 'HTTPS', 'TLS', 'TCP', 'UDP', 'Mongo', 'Redis', 'MySQL'] as const).map((p) => [p.toLowerCase(), p]),
);

/** Case-insensitive, as Istio's protocol.Parse; anything else is UNSUPPORTED. */
export function parseProtocol(value: string): Protocol {
  return BY_LOWER.get(value.toLowerCase()) ?? 'UNSUPPORTED';
}

/** Kubernetes appProtocol values Istio understands besides its own names (kube.ConvertProtocol). */
const APP_PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([
  ['kubernetes.io/h2c', 'HTTP2'],
  ['kubernetes.io/ws', 'HTTP'],
  ['kubernetes.io/wss', 'HTTPS'],
]);

/** The protocol of a Kubernetes service port: appProtocol first, then the port name's prefix. */
export function protocolOfServicePort(name: string | undefined, appProtocol?: string): Protocol {
  if (appProtocol !== undefined && appProtocol !== '') {
    const known = APP_PROTOCOLS.get(appProtocol);
    if (known !== undefined) return known;
    const parsed = parseProtocol(appProtocol);
    if (parsed !== 'UNSUPPORTED') return parsed;
  }
  if (name === undefined || name === '') return 'UNSUPPORTED';
  const dash = name.indexOf('-');
  return parseProtocol(dash < 0 ? name : name.slice(0, dash));
}

/** Protocols served by the HTTP connection manager. */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY';
}

/** HTTP/2 upstream (the cluster gets http2_protocol_options). */
export function isHttp2Protocol(p: Protocol): boolean {
  return p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
}

/** Everything that is not HTTP is proxied as TCP (TLS by SNI, the rest by destination port). */
export function isTcpProtocol(p: Protocol): boolean {
  return !isHttpProtocol(p);
}
