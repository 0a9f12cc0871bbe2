import type { KindInfo } from '../../api/kinds/kind.js';
import type { KindRegistry } from '../../api/kinds/kind-registry.js';

/** The kinds a `get` argument names, in the order kubectl prints them, or kubectl's error. */
export type ResolvedTypes =
  | { readonly ok: true; readonly kinds: readonly KindInfo[] }
  | { readonly ok: false; readonly error: string };

/**
 * Resolves what a user typed as the TYPE of `get TYPE[,TYPE…]`: plural, singular, short name,
 * `plural.group`, `kind.version.group`, or a category (`all`, `istio-io`, `gateway-api`), as
 * kubectl's RESTMapper and category expander do.
 *
 * Ambiguous names resolve to the first candidate. kubectl's PriorityRESTMapper takes the group
 * that comes first in discovery; CRD groups all have the same priority and are sorted by name,
 * so with both Gateway API and Istio installed `gateway` is gateways.gateway.networking.k8s.io,
 * and Istio's must be asked for as `gw` or `gateways.networking.istio.io` (istio/istio#28188,
 * #44354: "kubectl get gateway shows nothing" for Istio Gateways). kubectl prints no warning
 * about the ambiguity, so neither do we. The registry is built in that preference order.
 *
 * A category expands to its kinds in discovery order: groups in preference order, then
 * resources by plural name within a group, so `all` prints pods, services, deployments,
 * replicasets, as `kubectl get all` does.
 */
export function resolveResourceType(registry: KindRegistry, typed: string): ResolvedTypes {
  const kinds: KindInfo[] = [];
  const names = typed.split(',');
  for (const name of names) {
    // The registry refuses '' (as in `get pods,`), which lands in the same error as kubectl's.
    const resolved = registry.resolve(name);
    if (resolved === undefined) return { ok: false, error: `error: the server doesn't have a resource type "${name.trim()}"` };
    const found = resolved.match === 'kind' ? resolved.kinds.slice(0, 1) : discoveryOrder(registry, resolved.kinds);
    for (const k of found) if (!kinds.includes(k)) kinds.push(k);
  }
  return { ok: true, kinds };
}

function discoveryOrder(registry: KindRegistry, kinds: readonly KindInfo[]): KindInfo[] {
  const groupRank = new Map<string, number>();
  for (const k of registry.all()) if (!groupRank.has(k.group)) groupRank.set(k.group, groupRank.size);
  return [...kinds].sort((a, b) => {
    const g = (groupRank.get(a.group) ?? 0) - (groupRank.get(b.group) ?? 0);
    if (g !== 0) return g;
    return a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0;
  });
}

/** `pods`, `deployments.apps`, `virtualservices.networking.istio.io`: the resource as the API server names it in errors. */
export function qualifiedResource(info: Pick<KindInfo, 'plural' | 'group'>): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

/** `pod`, `deployment.apps`, `virtualservice.networking.istio.io`: the prefix of `-o name` and of multi-kind tables. */
export function kindPrefix(info: Pick<KindInfo, 'kind' | 'group'>): string {
  const kind = info.kind.toLowerCase();
  return info.group === '' ? kind : `${kind}.${info.group}`;
}

/** The API server's answer to a GET of a name that does not exist, as kubectl prints it. */
export function notFoundError(info: Pick<KindInfo, 'plural' | 'group'>, name: string): string {
  return `Error from server (NotFound): ${qualifiedResource(info)} "${name}" not found`;
}
