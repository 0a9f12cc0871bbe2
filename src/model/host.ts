/**
 * Istio's host names (pkg/config/host): a name is either exact (`reviews.default.svc.cluster.local`)
 * or a wildcard (`*.example.com`, `*`). The wildcard covers one or more leading labels.
 */

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** Istio's host.Name.Matches: true when the two names can name the same host (either may be a wildcard). */
export function hostsIntersect(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) {
    // The shorter suffix covers the longer one: *.com and *.example.com intersect.
    return a.length < b.length ? b.endsWith(a.slice(1)) : a.endsWith(b.slice(1));
  }
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** Istio's host.Name.SubsetOf: every host `a` names is also named by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (a === b) return true;
  if (!isWildcard(b)) return false;
  // `*` covers everything; `*.example.com` covers `foo.example.com` and `*.foo.example.com`.
  return a.endsWith(b.slice(1)) && (isWildcard(a) ? a.length >= b.length : a.length > b.length - 1);
}

/** Istio's "more specific first" order: exact names before wildcards, longer wildcards first, then by name. */
export function compareHostSpecificity(a: string, b: string): number {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw !== bw) return aw ? 1 : -1;
  if (aw && a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Resolves a short host as written in a VirtualService or DestinationRule (`reviews`,
 * `reviews.default`) to its FQDN in `namespace`, as Istio's ResolveShortnameToFQDN: names with
 * no dot get `.NAMESPACE.svc.SUFFIX`; names with one dot are left as written (Istio does too,
 * unless they are `name.namespace` of a known service, which the caller checks); `*` stays.
 */
export function resolveShortName(host: string, namespace: string, domainSuffix = 'cluster.local'): string {
  if (host === '*' || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}
