/**
 * VirtualService delegation, as Istio's mergeVirtualServicesIfNeeded (pilot/pkg/model/
 * virtualservice.go): a root VirtualService's HTTPRoute with `delegate: {name, namespace}` is
 * replaced by the delegate's HTTPRoutes, each with its match blocks merged into the root's. A
 * delegate route whose match cannot be a subset of the root's (a conflict) is dropped, and so is
 * a delegation to a VirtualService that does not exist, has hosts, or is not exported to the
 * root's namespace.
 *
 * Several VirtualServices for one host are not merged into one here: on a gateway their routes
 * are concatenated in one virtual host (gateway-routes.ts); on a sidecar the oldest
 * VirtualService's virtual host wins and the others' are dropped as duplicates (sidecar-routes.ts),
 * both as Istio does.
 */
import type { HTTPMatchRequest, HTTPRoute, VirtualService } from '../../model/config-types.js';
import type { StringMatch } from './proto-values.js';

type Matches = NonNullable<HTTPRoute['match']>;

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** A delegate is a VirtualService without hosts; only HTTP routes can delegate. */
export function isDelegate(vs: VirtualService): boolean {
  return (vs.spec.hosts ?? []).length === 0;
}

function isRoot(vs: VirtualService): boolean {
  return (vs.spec.http ?? []).some((r) => r.delegate !== undefined);
}

/** The namespaces a delegate is exported to (`.` is its own), with the mesh default when it names none. */
function delegateExportTo(vs: VirtualService, defaultExportTo: readonly string[]): Set<string> {
  const list = vs.spec.exportTo !== undefined && vs.spec.exportTo.length > 0 ? vs.spec.exportTo : defaultExportTo;
  return new Set(list.map((e) => (e === '.' ? vs.metadata.namespace : e)));
}

/**
 * Replaces delegating routes of each root in `virtualServices` by the merged delegate routes,
 * looking delegates up in `all` (every VirtualService, whatever its gateways; delegates are
 * resolved the same way as roots by the caller). Delegates themselves are left out of the result.
 */
export function mergeVirtualServices(
  virtualServices: readonly VirtualService[],
  all: readonly VirtualService[],
  defaultExportTo: readonly string[],
): VirtualService[] {
  const delegates = new Map<string, VirtualService>();
  for (const vs of all) if (isDelegate(vs)) delegates.set(key(vs.metadata.namespace, vs.metadata.name), vs);
  const out: VirtualService[] = [];
  for (const vs of virtualServices) {
    if (isDelegate(vs)) continue;
    if (!isRoot(vs)) {
      out.push(vs);
      continue;
    }
    const merged: HTTPRoute[] = [];
    for (const route of vs.spec.http ?? []) {
      if (route.delegate === undefined) {
        merged.push(route);
        continue;
      }
      const ns = route.delegate.namespace !== undefined && route.delegate.namespace !== '' ? route.delegate.namespace : vs.metadata.namespace;
      const delegate = delegates.get(key(ns, route.delegate.name ?? ''));
      if (delegate === undefined) continue;
      const exportTo = delegateExportTo(delegate, defaultExportTo);
      if (!exportTo.has('*') && !exportTo.has(vs.metadata.namespace)) continue;
      merged.push(...mergeHTTPRoutes(route, delegate.spec.http ?? []));
    }
    out.push({ ...vs, spec: { ...vs.spec, http: merged } });
  }
  return out;
}

/** Istio's mergeHTTPRoutes: one merged route per delegate route that does not conflict. */
export function mergeHTTPRoutes(root: HTTPRoute, delegateRoutes: readonly HTTPRoute[]): HTTPRoute[] {
  const out: HTTPRoute[] = [];
  for (const sub of delegateRoutes) {
    const merged = mergeHTTPRoute(root, sub);
    if (merged !== null) out.push(merged);
  }
  return out;
}

/** Istio's mergeHTTPRoute: the delegate's route under the root's match, inheriting what it leaves unset. */
export function mergeHTTPRoute(root: HTTPRoute, delegate: HTTPRoute): HTTPRoute | null {
  const match = mergeHTTPMatchRequests(root.match ?? [], delegate.match ?? []);
  if (match === null) return null;
  const out: HTTPRoute = { ...delegate };
  if (match.length > 0) out.match = match;
  else delete out.match;
  if (delegate.name === undefined || delegate.name === '') {
    if (root.name !== undefined) out.name = root.name;
  } else if (root.name !== undefined && root.name !== '') {
    out.name = `${root.name}-${delegate.name}`;
  }
  const inherit = ['rewrite', 'directResponse', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirrorPercentage', 'corsPolicy', 'mirrors', 'headers'] as const;
  const o = out as Record<string, unknown>;
  for (const k of inherit) if (o[k] === undefined && root[k] !== undefined) o[k] = root[k];
  return out;
}

/**
 * Istio's mergeHTTPMatchRequests: every delegate block must fit under at least one root block;
 * it is merged with each root block it fits. Null means a conflict (the route is dropped).
 */
export function mergeHTTPMatchRequests(root: Matches, delegate: Matches): Matches | null {
  if (root.length === 0) return delegate;
  if (delegate.length === 0) return root;
  const out: HTTPMatchRequest[] = [];
  for (const sub of delegate) {
    let found = false;
    for (const r of root) {
      if (hasConflict(r, sub)) continue;
      out.push(mergeHTTPMatchRequest(r, sub));
      found = true;
    }
    if (!found) return null;
  }
  return out.length === 0 ? null : out;
}

function mergeMaps<T>(a: Readonly<Record<string, T>> | undefined, b: Readonly<Record<string, T>> | undefined): Record<string, T> | undefined {
  if (a === undefined && b === undefined) return undefined;
  return { ...a, ...b };
}

/** Istio's mergeHTTPMatchRequest: the delegate's conditions, the root's filling the gaps; maps merged (delegate wins). */
export function mergeHTTPMatchRequest(root: HTTPMatchRequest, delegate: HTTPMatchRequest): HTTPMatchRequest {
  const out: Record<string, unknown> = { ...delegate };
  if (delegate.name === undefined || delegate.name === '') {
    if (root.name !== undefined) out.name = root.name;
  } else if (root.name !== undefined && root.name !== '') {
    out.name = `${root.name}-${delegate.name}`;
  }
  for (const k of ['uri', 'scheme', 'method', 'authority'] as const) if (delegate[k] === undefined && root[k] !== undefined) out[k] = root[k];
  for (const k of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'] as const) {
    const merged = mergeMaps<unknown>(root[k] as Record<string, unknown> | undefined, delegate[k] as Record<string, unknown> | undefined);
    if (merged !== undefined) out[k] = merged;
  }
  if ((delegate.port ?? 0) === 0 && root.port !== undefined) out.port = root.port;
  if ((delegate.sourceNamespace ?? '') === '' && root.sourceNamespace !== undefined) out.sourceNamespace = root.sourceNamespace;
  if ((delegate.gateways ?? []).length === 0 && root.gateways !== undefined) out.gateways = root.gateways;
  if ((delegate.statPrefix ?? '') === '' && root.statPrefix !== undefined) out.statPrefix = root.statPrefix;
  return out as HTTPMatchRequest;
}

/** Istio's hasConflict: the leaf block cannot be a subset of the root block. */
export function hasConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  for (const k of ['uri', 'scheme', 'method', 'authority'] as const) {
    if (stringMatchConflict(root[k] as StringMatch | undefined, leaf[k] as StringMatch | undefined)) return true;
  }
  const rootHeaders = (root.headers ?? {}) as Record<string, StringMatch>;
  for (const [k, v] of Object.entries((leaf.headers ?? {}) as Record<string, StringMatch>)) if (stringMatchConflict(rootHeaders[k], v)) return true;
  const rootWithout = (root.withoutHeaders ?? {}) as Record<string, StringMatch>;
  for (const [k, v] of Object.entries((leaf.withoutHeaders ?? {}) as Record<string, StringMatch>)) if (stringMatchConflict(rootWithout[k], v)) return true;
  const rootQuery = (root.queryParams ?? {}) as Record<string, StringMatch>;
  for (const [k, v] of Object.entries((leaf.queryParams ?? {}) as Record<string, StringMatch>)) if (stringMatchConflict(rootQuery[k], v)) return true;
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  if ((root.port ?? 0) > 0 && (leaf.port ?? 0) > 0 && root.port !== leaf.port) return true;
  if ((root.sourceNamespace ?? '') !== '' && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {})) {
    const rv = root.sourceLabels?.[k];
    if (rv !== undefined && rv !== v) return true;
  }
  const rg = root.gateways ?? [];
  const lg = leaf.gateways ?? [];
  if (rg.length > 0 && lg.length > 0) {
    if (rg.length < lg.length) return true;
    if (lg.some((g) => !rg.includes(g))) return true;
  }
  return false;
}

/** Istio's stringMatchConflict: regexes only combine with nothing; exact under exact; prefix/exact under a prefix. */
export function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (root === undefined || leaf === undefined) return false;
  const [rExact, rPrefix, rRegex] = [root.exact ?? '', root.prefix ?? '', root.regex ?? ''];
  const [lExact, lPrefix, lRegex] = [leaf.exact ?? '', leaf.prefix ?? '', leaf.regex ?? ''];
  if (rRegex !== '' && (lRegex !== '' || lPrefix !== '' || lExact !== '')) return true;
  if (lRegex !== '' && (rRegex !== '' || rPrefix !== '' || rExact !== '')) return true;
  if (rExact !== '') return lPrefix !== '' || lExact !== rExact;
  if (rPrefix !== '') {
    if (lPrefix !== '') return !lPrefix.startsWith(rPrefix);
    if (lExact !== '') return !lExact.startsWith(rPrefix);
  }
  return true;
}
