/**
 * What translating one VirtualService's routes needs to know about where they will be served
 * (Istio's RouteOptions plus the arguments of BuildHTTPRoutesForVirtualService): the proxy, the
 * listener port, which gateway names count as "us", and how destinations resolve to services and
 * hash keys. Sidecar and gateway builders fill it differently; the route translators only read it.
 */
import type { HTTPRouteDestination, VirtualService } from '../../model/config-types.js';
import type { Proxy } from '../../model/proxy.js';
import type { Service } from '../../model/service.js';
import type { ConsistentHashLB } from './hash-policy.js';

export interface RouteContext {
  readonly proxy: Proxy;
  /** The port of the listener (sidecar: the service port; gateway: the server port). */
  readonly listenPort: number;
  /** `mesh` for sidecars, `NAMESPACE/NAME` of the gateways a gateway route serves. */
  readonly gatewayNames: ReadonlySet<string>;
  /** The route is served on a TLS-terminating listener (redirect scheme default). */
  readonly isTls: boolean;
  /**
   * The service a destination host names, as the caller's registry view sees it (sidecars: only
   * services with the listener port, narrowed to it; gateways: any visible service).
   */
  readonly lookupService: (hostname: string) => Service | undefined;
  /** The DestinationRule consistent hash of a destination, if any. */
  readonly lookupHash: (dst: HTTPRouteDestination) => ConsistentHashLB | undefined;
}

/** Istio's Proxy.IsProxylessGrpc: a gRPC client speaking xDS directly (node metadata GENERATOR=grpc). */
export function isProxylessGrpc(proxy: Proxy): boolean {
  return proxy.type === 'sidecar' && proxy.metadata['GENERATOR'] === 'grpc';
}

/** The annotation Istio puts on VirtualServices it converts from Gateway API routes. */
export const ROUTE_SEMANTICS_ANNOTATION = 'internal.istio.io/route-semantics';

/**
 * Istio's UseGatewaySemantics: a VirtualService converted from a Gateway API route follows
 * Gateway API rules where they differ (path prefixes match whole segments, short names are not
 * resolved, a missing backend answers 500, `%PREFIX()%` redirects).
 */
export function useGatewaySemantics(vs: VirtualService): boolean {
  return vs.metadata.annotations?.[ROUTE_SEMANTICS_ANNOTATION] === 'gateway';
}
