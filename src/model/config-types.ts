import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import type { ISidecar } from '@kubernetes-models/istio/networking.istio.io/v1/Sidecar';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IWorkloadEntry } from '@kubernetes-models/istio/networking.istio.io/v1/WorkloadEntry';
import type { IGatewaySpec } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewaySpec';
import type { IHTTPRouteSpec } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteSpec';
import type { IGRPCRouteSpec } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRouteSpec';
import type { IReferenceGrantSpec } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ReferenceGrantSpec';
import type { ObjectMeta, Resource } from '../api/resource/resource.js';

/**
 * Typed views of the resources translation reads. The spec types come from the CRD schemas
 * (@kubernetes-models/*, type-only imports), so they match what schema validation accepted;
 * the resources themselves stay plain data.
 */
export interface Config<Spec> extends Resource {
  readonly metadata: ObjectMeta & { readonly name: string; readonly namespace: string };
  readonly spec: Spec;
}

export type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
export type HTTPRoute = NonNullable<VirtualServiceSpec['http']>[number];
export type HTTPMatchRequest = NonNullable<HTTPRoute['match']>[number];
export type HTTPRouteDestination = NonNullable<HTTPRoute['route']>[number];
export type TCPRoute = NonNullable<VirtualServiceSpec['tcp']>[number];
export type TLSRoute = NonNullable<VirtualServiceSpec['tls']>[number];
export type DestinationRuleSpec = NonNullable<IDestinationRule['spec']>;
export type TrafficPolicy = NonNullable<DestinationRuleSpec['trafficPolicy']>;
export type Subset = NonNullable<DestinationRuleSpec['subsets']>[number];
export type GatewaySpec = NonNullable<IGateway['spec']>;
export type GatewayServer = NonNullable<GatewaySpec['servers']>[number];
export type ServiceEntrySpec = NonNullable<IServiceEntry['spec']>;
export type WorkloadEntrySpec = NonNullable<IWorkloadEntry['spec']>;
export type SidecarSpec = NonNullable<ISidecar['spec']>;
export type KubeGatewaySpec = IGatewaySpec;
export type KubeHTTPRouteSpec = IHTTPRouteSpec;
export type KubeGRPCRouteSpec = IGRPCRouteSpec;
export type ReferenceGrantSpec = IReferenceGrantSpec;

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
