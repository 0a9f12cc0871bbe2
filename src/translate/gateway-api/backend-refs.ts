/**
 * backendRefs to VirtualService destinations (buildDestination, buildHTTPDestination,
 * createMirrorFilter). An invalid backend (not found, not permitted, unknown kind) stays in the
 * route with its weight, so its share of requests fails with 500 as the spec requires; a
 * malformed one (no port, a hostname for a Service name) fails the whole rule.
 */
import type { HTTPRouteDestination, KubeHTTPRouteSpec } from '../../model/config-types.js';
import { RouteReason, isInvalidBackend, type ConfigError } from './conditions.js';
import type { ConversionContext } from './conversion-context.js';
import { ISTIO_NETWORKING_GROUP } from './istio-names.js';
import type { RouteKind } from './route-parents.js';
import { createHeadersFilter } from './route-filters.js';

type Rule = NonNullable<KubeHTTPRouteSpec['rules']>[number];
type Filter = NonNullable<Rule['filters']>[number];
type Mirror = NonNullable<Filter['requestMirror']>;
export type BackendObjectReference = Mirror['backendRef'];
export type Destination = HTTPRouteDestination['destination'];

type HeaderFilter = NonNullable<Filter['requestHeaderModifier']>;

/** A backendRef with the filters both HTTPRoute and GRPCRoute backends may carry. */
export interface BackendRefWithFilters extends BackendObjectReference {
  readonly weight?: number;
  readonly filters?: readonly { readonly type: string; readonly requestHeaderModifier?: HeaderFilter; readonly responseHeaderModifier?: HeaderFilter }[];
}

/** A destination, with the soft (invalid backend) or hard (malformed) error building it. */
export type DestinationResult = { readonly destination: Destination; readonly error?: ConfigError } | { readonly hardError: ConfigError };

/** buildDestination: the Istio destination host and port of one backend. */
export function buildDestination(ctx: ConversionContext, to: BackendObjectReference, namespace: string, routeKind: RouteKind): DestinationResult {
  if (to.namespace !== undefined && to.namespace !== namespace && !ctx.grants.allowed(routeKind, namespace, 'Service', to.namespace, to.name)) {
    return {
      destination: { host: '' },
      error: {
        reason: RouteReason.RefNotPermitted,
        message: `backendRef ${to.name}/${to.namespace} not accessible to a ${routeKind} in namespace "${namespace}" (missing a ReferenceGrant?)`,
      },
    };
  }
  const ns = to.namespace ?? namespace;
  const group = to.group ?? '';
  const kind = to.kind ?? 'Service';
  let hostname: string;
  let error: ConfigError | undefined;
  if (group === '' && kind === 'Service') {
    if (to.name.includes('.')) {
      return { hardError: { reason: RouteReason.InvalidDestination, message: 'service name invalid; the name of the Service must be used, not the hostname.' } };
    }
    hostname = `${to.name}.${ns}.svc.${ctx.domainSuffix}`;
    if (!ctx.kubeServiceExists(ns, to.name)) error = { reason: RouteReason.BackendNotFound, message: `backend(${hostname}) not found` };
  } else if (group === ISTIO_NETWORKING_GROUP && kind === 'Hostname') {
    if (to.namespace !== undefined) return { hardError: { reason: RouteReason.InvalidDestination, message: 'namespace may not be set with Hostname type' } };
    hostname = to.name;
    if (ctx.serviceByHostname(hostname) === undefined) error = { reason: RouteReason.BackendNotFound, message: `backend(${hostname}) not found` };
  } else if (group === 'multicluster.x-k8s.io' && kind === 'ServiceImport') {
    // Without multi-cluster hosts enabled Istio treats a ServiceImport as the Service of that name.
    hostname = `${to.name}.${ns}.svc.${ctx.domainSuffix}`;
    if (!ctx.kubeServiceExists(ns, to.name)) error = { reason: RouteReason.BackendNotFound, message: `backend(${hostname}) not found` };
  } else {
    return {
      destination: { host: '' },
      error: { reason: RouteReason.InvalidKind, message: `referencing unsupported backendRef: group "${to.group ?? ''}" kind "${to.kind ?? ''}"` },
    };
  }
  if (to.port === undefined) return { hardError: { reason: RouteReason.InvalidDestination, message: 'port is required in backendRef' } };
  return { destination: { host: hostname, port: { number: to.port } }, ...(error !== undefined ? { error } : {}) };
}

/** Sum of weights, absent weights counting 1: zero means the rule has nowhere to send requests. */
export function weightSum(refs: readonly { weight?: number }[] | undefined): number {
  return (refs ?? []).reduce((sum, r) => sum + (r.weight ?? 1), 0);
}

export type DestinationsResult =
  | { readonly ok: true; readonly route: HTTPRouteDestination[]; readonly invalidBackend?: ConfigError }
  | { readonly ok: false; readonly error: ConfigError };

/**
 * buildHTTPDestination: weighted destinations (weight 0 entries dropped; a lone destination
 * carries no weight), each with its backend-level header filters.
 */
export function buildDestinations(
  ctx: ConversionContext,
  refs: readonly BackendRefWithFilters[],
  namespace: string,
  routeKind: RouteKind,
): DestinationsResult {
  const action = refs.filter((r) => (r.weight ?? 1) !== 0);
  const route: HTTPRouteDestination[] = [];
  let invalidBackend: ConfigError | undefined;
  for (const ref of action) {
    const built = buildDestination(ctx, ref, namespace, routeKind);
    if ('hardError' in built) return { ok: false, error: built.hardError };
    if (built.error !== undefined) {
      if (!isInvalidBackend(built.error)) return { ok: false, error: built.error };
      invalidBackend = built.error;
    }
    const rd: Record<string, unknown> = { destination: built.destination };
    if (action.length > 1) rd.weight = ref.weight ?? 1;
    let request;
    let response;
    for (const f of ref.filters ?? []) {
      if (f.type === 'RequestHeaderModifier') request = createHeadersFilter(f.requestHeaderModifier) ?? request;
      else if (f.type === 'ResponseHeaderModifier') response = createHeadersFilter(f.responseHeaderModifier) ?? response;
      else return { ok: false, error: { reason: RouteReason.InvalidFilter, message: `unsupported filter type "${f.type}"` } };
    }
    if (request !== undefined || response !== undefined) {
      rd.headers = { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) };
    }
    route.push(rd as unknown as HTTPRouteDestination);
  }
  return { ok: true, route, ...(invalidBackend !== undefined ? { invalidBackend } : {}) };
}

export type MirrorResult = { readonly ok: true; readonly mirror: { destination: Destination; percentage?: { value: number } } } | { readonly ok: false; readonly error: ConfigError };

/** createMirrorFilter: the mirror destination and the share of requests copied (fraction or percent). */
export function createMirrorFilter(ctx: ConversionContext, filter: Mirror, namespace: string, routeKind: RouteKind): MirrorResult {
  const built = buildDestination(ctx, filter.backendRef, namespace, routeKind);
  if ('hardError' in built) return { ok: false, error: built.hardError };
  if (built.error !== undefined) return { ok: false, error: built.error };
  let percentage: { value: number } | undefined;
  if (filter.fraction !== undefined) percentage = { value: (100 * filter.fraction.numerator) / (filter.fraction.denominator ?? 100) };
  else if (filter.percent !== undefined) percentage = { value: filter.percent };
  return { ok: true, mirror: { destination: built.destination, ...(percentage !== undefined ? { percentage } : {}) } };
}
