import { formatApiVersion, parseApiVersion, type KindInfo } from './kind.js';

/** A kind found from `apiVersion` + `kind`, with the version the document was written at. */
export interface ResolvedKind {
  readonly info: KindInfo;
  readonly version: string;
}

/**
 * What a name typed on the command line means. `kind` matches name one kind, but may be ambiguous
 * (`gateway` is both the Gateway API's Gateway and Istio's); the candidates come in kubectl's
 * order of preference. `category` matches (`all`, `istio-io`) name every kind in the category.
 * `version` is set when the user spelled one (`virtualservices.v1beta1.networking.istio.io`).
 */
export interface ResolvedName {
  readonly match: 'kind' | 'category';
  readonly kinds: readonly KindInfo[];
  readonly version?: string;
}

/**
 * Every kind the mesh understands, looked up by `apiVersion` + `kind` (documents) or by the names
 * a user types (`vs`, `virtualservices`, `virtualservice.networking.istio.io`), as kubectl's
 * RESTMapper does. Registration order is the preference order for ambiguous names: kubectl puts
 * the core and built-in groups first, then CRD groups alphabetically, so `gateway` prefers
 * gateway.networking.k8s.io over networking.istio.io, and `gw`/`gateways.networking.istio.io`
 * reach Istio's.
 */
export class KindRegistry {
  readonly #kinds: readonly KindInfo[];
  readonly #byGroupKind = new Map<string, KindInfo>();
  readonly #byName = new Map<string, KindInfo[]>();
  readonly #byCategory = new Map<string, KindInfo[]>();

  constructor(kinds: readonly KindInfo[]) {
    this.#kinds = kinds;
    for (const info of kinds) {
      const gk = groupKindKey(info.group, info.kind);
      if (this.#byGroupKind.has(gk)) throw new Error(`duplicate kind ${gk}`);
      this.#byGroupKind.set(gk, info);
      const names = new Set([info.plural, info.singular, ...info.shortNames]);
      if (info.group !== '') {
        names.add(`${info.plural}.${info.group}`);
        names.add(`${info.singular}.${info.group}`);
      }
      for (const n of names) push(this.#byName, n, info);
      for (const c of info.categories) push(this.#byCategory, c, info);
    }
  }

  /** Every registered kind, in preference order. */
  all(): readonly KindInfo[] {
    return this.#kinds;
  }

  /** The kind a document names, if the mesh serves that kind at that version. */
  lookup(apiVersion: string, kind: string): ResolvedKind | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    const info = this.#byGroupKind.get(groupKindKey(group, kind));
    if (info === undefined || !info.versions.includes(version)) return undefined;
    return { info, version };
  }

  /** The kind by group and kind alone, whatever the version: used to say which versions are served. */
  lookupGroupKind(group: string, kind: string): KindInfo | undefined {
    return this.#byGroupKind.get(groupKindKey(group, kind));
  }

  /**
   * Resolves a name typed by a user: plural, singular, short name, `plural.group`,
   * `singular.group`, `plural.version.group`, or a category. Case-insensitive, as kubectl.
   */
  resolve(typed: string): ResolvedName | undefined {
    const name = typed.trim().toLowerCase();
    if (name === '') return undefined;
    const direct = this.#byName.get(name);
    if (direct !== undefined) return { match: 'kind', kinds: direct };
    const versioned = this.#resolveVersioned(name);
    if (versioned !== undefined) return versioned;
    const category = this.#byCategory.get(name);
    if (category !== undefined) return { match: 'category', kinds: category };
    return undefined;
  }

  /** `virtualservices.v1beta1.networking.istio.io`: resource, then version, then group. */
  #resolveVersioned(name: string): ResolvedName | undefined {
    const first = name.indexOf('.');
    const second = name.indexOf('.', first + 1);
    if (first < 0 || second < 0) return undefined;
    const resource = name.slice(0, first);
    const version = name.slice(first + 1, second);
    const group = name.slice(second + 1);
    const kinds = this.#kinds.filter(
      (k) => k.group === group && (k.plural === resource || k.singular === resource) && k.versions.includes(version),
    );
    return kinds.length === 0 ? undefined : { match: 'kind', kinds, version };
  }

  /** The apiVersion a resource of this kind is kept at. */
  storageApiVersion(info: KindInfo): string {
    return formatApiVersion(info.group, info.storageVersion);
  }
}

function groupKindKey(group: string, kind: string): string {
  return `${kind}.${group}`;
}

function push(map: Map<string, KindInfo[]>, key: string, info: KindInfo): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [info]);
  else list.push(info);
}
