import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, SidecarSpec, VirtualServiceSpec, WorkloadEntrySpec } from './istio-networking-api.js';
import type { KubeGatewaySpec, KubeGRPCRouteSpec, KubeHTTPRouteSpec, ReferenceGrantSpec } from './gateway-api.js';
import type { ObjectMeta, Resource } from '../api/resource/resource.js';

/**
 * Typed views of the resources translation reads (specs in istio-networking-api.ts and
 * gateway-api.ts); the resources themselves stay plain data, validated against the CRD schemas.
 */
export interface Config<Spec> extends Resource {
  readonly metadata: ObjectMeta & { readonly name: string; readonly namespace: string };
  readonly spec: Spec;
}

export type {
  DestinationRuleSpec, GatewayServer, GatewaySpec, HTTPMatchRequest, HTTPRoute, HTTPRouteDestination, ServiceEntrySpec,
  SidecarSpec, Subset, TCPRoute, TLSRoute, TrafficPolicy, VirtualServiceSpec, WorkloadEntrySpec,
} from './istio-networking-api.js';
export type { KubeGatewaySpec, KubeGRPCRouteSpec, KubeHTTPRouteSpec, ReferenceGrantSpec } from './gateway-api.js';

export type VirtualService = Config<VirtualServiceSpec>;
export type DestinationRule = Config<DestinationRuleSpec>;
export type Gateway = Config<GatewaySpec>;
export type ServiceEntry = Config<ServiceEntrySpec>;
export type WorkloadEntry = Config<WorkloadEntrySpec>;
export type Sidecar = Config<SidecarSpec>;
export type KubeGateway = Config<KubeGatewaySpec>;
export type KubeHTTPRoute = Config<KubeHTTPRouteSpec>;
export type KubeGRPCRoute = Config<KubeGRPCRouteSpec>;
export type ReferenceGrant = Config<ReferenceGrantSpec>;

/** The API group of a resource's apiVersion (`networking.istio.io/v1` → `networking.istio.io`, `v1` → ''). */
export function groupOf(resource: Resource): string {
  const slash = resource.apiVersion.indexOf('/');
  return slash < 0 ? '' : resource.apiVersion.slice(0, slash);
}
