/**
 * Binding routes to listeners (extractParentReferenceInfo, referenceAllowed,
 * hostnameAllowedByIsolation): each parentRef is tried against every listener of its Gateway,
 * and each try either binds or says why not.
 */
import { hostSubsetOf, hostsIntersect, isWildcard } from '../../model/host.js';
import { ParentReason, type ParentError } from './conditions.js';
import type { ParentInfo } from './convert-gateways.js';
import { GATEWAY_API_GROUP } from './istio-names.js';

/** A route's parentRef as written. */
export interface ParentRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

/** routeParentReference: one (parentRef, listener) pair. */
export interface RouteParentReference {
  readonly internalName: string;
  /** The listener's hostname as written ('' for none). */
  readonly hostname: string;
  readonly deniedReason?: ParentError;
  readonly originalReference: ParentRef;
  /** Hostnames of the Gateway's other listeners on the same port and protocol. */
  readonly bannedHostnames: ReadonlySet<string>;
  /** `NAMESPACE/NAME` of the Gateway. */
  readonly gatewayKey: string;
  readonly sectionName: string;
}

/** parentRefString: `GROUP/KIND/NAME/SECTION/PORT.NAMESPACE` with defaults, the identity of a parentRef. */
export function parentRefString(ref: ParentRef, localNamespace: string): string {
  return `${ref.group ?? GATEWAY_API_GROUP}/${ref.kind ?? 'Gateway'}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? 0}.${ref.namespace ?? localNamespace}`;
}

export interface RouteBindingInput {
  readonly kind: RouteKind;
  readonly namespace: string;
  readonly parentRefs: readonly ParentRef[];
  readonly hostnames: readonly string[];
}

/**
 * Every (parentRef, listener) pair of a route, sorted by parentRef. ParentRefs to kinds other
 * than Gateway, or to Gateways this controller does not handle, yield nothing: they may belong to
 * another controller, which reports on them.
 */
export function extractParentReferenceInfo(parents: ReadonlyMap<string, readonly ParentInfo[]>, route: RouteBindingInput): RouteParentReference[] {
  const out: RouteParentReference[] = [];
  for (const ref of route.parentRefs) {
    if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') continue;
    const gatewayKey = `${ref.namespace ?? route.namespace}/${ref.name}`;
    const listeners = parents.get(gatewayKey) ?? [];
    for (const listener of listeners) {
      const banned = new Set<string>();
      for (const other of listeners) {
        if (other === listener || other.port !== listener.port || other.protocol !== listener.protocol) continue;
        banned.add(other.originalHostname);
      }
      banned.delete(listener.originalHostname);
      const denied = referenceAllowed(listener, route.kind, ref, route.hostnames, route.namespace);
      out.push({
        internalName: listener.internalName,
        hostname: listener.originalHostname,
        ...(denied !== undefined ? { deniedReason: denied } : {}),
        originalReference: ref,
        bannedHostnames: banned,
        gatewayKey,
        sectionName: listener.sectionName,
      });
    }
  }
  return out.sort((a, b) => cmp(parentRefString(a.originalReference, route.namespace), parentRefString(b.originalReference, route.namespace)));
}

/** referenceAllowed: port, then sectionName, then hostname and namespace, then route kind. */
export function referenceAllowed(
  parent: ParentInfo,
  routeKind: RouteKind,
  ref: ParentRef,
  routeHostnames: readonly string[],
  localNamespace: string,
): ParentError | undefined {
  if (ref.port !== undefined && ref.port !== 0 && ref.port !== parent.port) {
    return { reason: ParentReason.NoMatchingParent, message: `port ${ref.port} not found` };
  }
  if (ref.sectionName !== undefined && ref.sectionName !== '' && ref.sectionName !== parent.sectionName) {
    return { reason: ParentReason.NoMatchingParent, message: `sectionName "${ref.sectionName}" not found` };
  }
  const hostnames = routeHostnames.length > 0 ? routeHostnames : ['*'];
  if (parent.hostnames.length > 0) {
    let matched = false;
    let hostMatched = false;
    outer: for (const routeHostname of hostnames) {
      for (const parentHostNamespace of parent.hostnames) {
        const slash = parentHostNamespace.indexOf('/');
        const parentNamespace = slash < 0 ? '*' : parentHostNamespace.slice(0, slash);
        const parentHostname = slash < 0 ? parentHostNamespace : parentHostNamespace.slice(slash + 1);
        const hostnameMatch = hostsIntersect(parentHostname, routeHostname);
        hostMatched ||= hostnameMatch;
        if (hostnameMatch && (parentNamespace === '*' || parentNamespace === localNamespace)) {
          matched = true;
          break outer;
        }
      }
    }
    if (!matched) {
      if (hostMatched) {
        return {
          reason: ParentReason.NotAllowedByListeners,
          message: `hostnames matched parent hostname "${parent.originalHostname}", but namespace "${localNamespace}" is not allowed by the parent`,
        };
      }
      return { reason: ParentReason.NoMatchingListenerHostname, message: `no hostnames matched parent hostname "${parent.originalHostname}"` };
    }
  }
  if (!parent.allowedKinds.some((k) => k.kind === routeKind && k.group === GATEWAY_API_GROUP)) {
    return { reason: ParentReason.NotAllowedByListeners, message: `kind ${GATEWAY_API_GROUP}/v1/${routeKind} is not allowed` };
  }
  return undefined;
}

/**
 * hostnameAllowedByIsolation (GatewayHTTPListenerIsolation): a route host on a wildcard or
 * hostname-less listener is dropped there when another listener on the same port claims it more
 * precisely, so each request is served by the most specific listener only.
 */
export function hostnameAllowedByIsolation(parent: RouteParentReference, routeHost: string): boolean {
  const ours = parent.hostname;
  if (ours !== '' && !isWildcard(ours)) return true;
  if (ours !== '' && !hostsIntersect(routeHost, ours)) return false;
  for (const check of parent.bannedHostnames) {
    if (ours.length > check.length) continue;
    if (hostSubsetOf(routeHost, check)) return false;
  }
  return true;
}

/** filteredReferences: the pairs that bound, ordered by generated Gateway name. */
export function filteredReferences(parents: readonly RouteParentReference[]): RouteParentReference[] {
  return parents.filter((p) => p.deniedReason === undefined).sort((a, b) => cmp(a.internalName, b.internalName));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
