/**
 * The Kubernetes Gateway API as istiod implements it (pilot/pkg/config/kube/gateway): Gateways,
 * HTTPRoutes and GRPCRoutes become Istio Gateways and VirtualServices that the rest of the
 * translation already understands, and every object gets the status a Gateway API controller
 * owes it. Pure: the same input always gives the same output.
 *
 *   GatewayClass ─┐
 *   Gateway ──────┼─▶ convertGateways ─▶ Istio Gateway per listener ─┐
 *   ReferenceGrant┤        │ listeners (ParentInfo)                   ├─▶ output
 *   HTTPRoute ────┴────────┴▶ convertRoutes ─▶ VirtualService per ────┘
 *   GRPCRoute                      (listener, hostname)
 *        statuses: classes, routes, then Gateways once attached routes are counted
 */
import type { Resource } from '../../api/resource/resource.js';
import { isPlainObject } from '../../api/resource/resource.js';
import { groupOf, type Gateway, type KubeGateway, type KubeGRPCRoute, type KubeHTTPRoute, type VirtualService } from '../../model/config-types.js';
import { buildConversionContext, type ConversionInput } from './conversion-context.js';
import { convertGateways, withAttachedRoutes } from './convert-gateways.js';
import { convertRoutes } from './convert-routes.js';
import { resolveGatewayClasses } from './gateway-class.js';
import { DEFAULT_CONTROLLER_NAME, GATEWAY_API_GROUP, statusKey } from './istio-names.js';

export type { ConversionInput } from './conversion-context.js';

export interface GatewayApiOutput {
  readonly gateways: Gateway[];
  readonly virtualServices: VirtualService[];
  /** `KIND/NAMESPACE/NAME` (see statusKey; namespace empty for GatewayClass) → the object's new `status`. */
  readonly statuses: Map<string, unknown>;
}

export function convertGatewayApi(input: ConversionInput): GatewayApiOutput {
  const controllerName = input.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const ctx = buildConversionContext(input, controllerName);
  const kinds = collectKinds(input.configs);
  const statuses = new Map<string, unknown>();

  const classes = resolveGatewayClasses(kinds.GatewayClass, controllerName, ctx.now);
  for (const [name, status] of classes.statuses) statuses.set(statusKey('GatewayClass', undefined, name), status);

  const gateways = convertGateways(ctx, kinds.Gateway as KubeGateway[], classes);
  const routes = convertRoutes(ctx, gateways.parents, sortRoutes(kinds.HTTPRoute as KubeHTTPRoute[]), sortRoutes(kinds.GRPCRoute as KubeGRPCRoute[]));
  for (const r of routes.statuses.values()) statuses.set(statusKey(r.kind, r.namespace, r.name), r.status);
  for (const { gateway, status } of gateways.statuses) {
    const counts = routes.attachedRoutes.get(`${gateway.metadata.namespace}/${gateway.metadata.name}`) ?? new Map<string, number>();
    statuses.set(statusKey('Gateway', gateway.metadata.namespace, gateway.metadata.name), withAttachedRoutes(status, counts));
  }
  return {
    gateways: gateways.gateways.sort((a, b) => cmp(a.metadata.namespace, b.metadata.namespace) || cmp(a.metadata.name, b.metadata.name)),
    virtualServices: routes.virtualServices,
    statuses,
  };
}

interface Kinds {
  GatewayClass: Resource[];
  Gateway: Resource[];
  HTTPRoute: Resource[];
  GRPCRoute: Resource[];
}

/** Gateway API objects by kind; namespaced ones without a name, namespace or spec are skipped (ingest would have refused them). */
function collectKinds(configs: readonly Resource[]): Kinds {
  const kinds: Kinds = { GatewayClass: [], Gateway: [], HTTPRoute: [], GRPCRoute: [] };
  for (const r of configs) {
    if (groupOf(r) !== GATEWAY_API_GROUP || !isPlainObject(r.spec) || r.metadata.name === undefined) continue;
    if (r.kind === 'GatewayClass') kinds.GatewayClass.push(r);
    else if (r.metadata.namespace === undefined) continue;
    else if (r.kind === 'Gateway' && Array.isArray(r.spec.listeners)) kinds.Gateway.push(r);
    else if (r.kind === 'HTTPRoute') kinds.HTTPRoute.push(r);
    else if (r.kind === 'GRPCRoute') kinds.GRPCRoute.push(r);
  }
  kinds.Gateway.sort(byAge);
  return kinds;
}

/** Oldest first, then namespace/name: Istio's order for routes, which decides merge and conflict order. */
function sortRoutes<T extends Resource>(routes: T[]): T[] {
  return routes.sort(byAge);
}

function byAge(a: Resource, b: Resource): number {
  return (
    cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name ?? '', b.metadata.name ?? '')
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
