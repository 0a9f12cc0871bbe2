/**
 * What the mesh knows about one kind of resource: its group, the versions it is served at, the
 * names a user may type for it, and whether it lives in a namespace. The same facts a
 * CustomResourceDefinition's `spec.names`, `spec.scope` and `spec.versions` carry, declared once
 * here and read by the loader, the validators, the config store and the CLI.
 */
export interface KindInfo {
  /** API group; '' for the Kubernetes core group (`apiVersion: v1`). */
  readonly group: string;
  readonly kind: string;
  /** Lowercase plural, the REST resource name: `virtualservices`. */
  readonly plural: string;
  /** Lowercase singular: `virtualservice`. */
  readonly singular: string;
  /** `kubectl`-style short names: `vs`, `dr`, `svc`. */
  readonly shortNames: readonly string[];
  /** Groups of kinds a user can ask for at once (`all`, `istio-io`, `gateway-api`). */
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  /** Every version the kind is served at, the preferred one first. */
  readonly versions: readonly string[];
  /**
   * The one version resources are kept at once accepted. Istio's own config model uses v1 for
   * networking and security kinds (`gvk.VirtualService` is networking.istio.io/v1, with v1beta1
   * and v1alpha3 as aliases); the schemas of the aliases are identical, so conversion only
   * rewrites `apiVersion`.
   */
  readonly storageVersion: string;
}

/** A group, version and kind, as written in `apiVersion` + `kind`. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Splits an `apiVersion` into group and version: `networking.istio.io/v1` → group + v1; `v1` → core. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** `VirtualService.networking.istio.io`, or just `Pod` for the core group: how kubectl names a kind in messages. */
export function qualifiedKind(info: Pick<KindInfo, 'group' | 'kind'>): string {
  return info.group === '' ? info.kind : `${info.kind}.${info.group}`;
}

export interface KindSpec {
  readonly kind: string;
  readonly plural?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Defaults to true: most kinds the mesh reads are namespaced. */
  readonly namespaced?: boolean;
  /** Defaults to the group's versions. */
  readonly versions?: readonly string[];
  /** Defaults to the first version. */
  readonly storageVersion?: string;
}

/**
 * Declares the kinds of one API group. Plural and singular follow Kubernetes' defaults
 * (lowercase kind, plus `s`/`es`/`ies`) unless given, which is how the CRDs name them.
 */
export function defineGroup(
  group: string,
  versions: readonly string[],
  categories: readonly string[],
  specs: readonly KindSpec[],
): KindInfo[] {
  return specs.map((s) => {
    const kindVersions = s.versions ?? versions;
    const singular = s.kind.toLowerCase();
    return Object.freeze({
      group,
      kind: s.kind,
      plural: s.plural ?? defaultPlural(singular),
      singular,
      shortNames: Object.freeze([...(s.shortNames ?? [])]),
      categories: Object.freeze([...categories, ...(s.categories ?? [])]),
      namespaced: s.namespaced ?? true,
      versions: Object.freeze([...kindVersions]),
      storageVersion: s.storageVersion ?? kindVersions[0] ?? '',
    });
  });
}

function defaultPlural(singular: string): string {
  if (/(s|x|z|ch|sh)$/.test(singular)) return `${singular}es`;
  if (/[^aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}
