/**
 * ReferenceGrant index (Istio's AllowedReferences): which kinds in which namespaces may refer to
 * Services and Secrets in the grant's namespace, all of them or by name.
 */
import type { ReferenceGrant } from '../../model/config-types.js';
import { GATEWAY_API_GROUP } from './istio-names.js';

/** Kinds a grant may name in `from`; others are ignored (they may be for another controller). */
const FROM_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']);
/** Core kinds a grant may name in `to`. */
const TO_KINDS = new Set(['Service', 'Secret']);

interface Grant {
  allowAll: boolean;
  readonly names: Set<string>;
}

export class ReferenceGrants {
  /** `fromKind/fromNamespace` → `toKind/toNamespace` → grant. */
  readonly #grants = new Map<string, Map<string, Grant>>();

  constructor(grants: readonly ReferenceGrant[]) {
    for (const g of grants) {
      for (const from of g.spec.from ?? []) {
        if (from.group !== GATEWAY_API_GROUP || !FROM_KINDS.has(from.kind)) continue;
        for (const to of g.spec.to ?? []) {
          if (to.group !== '' || !TO_KINDS.has(to.kind)) continue;
          const fromKey = `${from.kind}/${from.namespace}`;
          const toKey = `${to.kind}/${g.metadata.namespace}`;
          let byTo = this.#grants.get(fromKey);
          if (byTo === undefined) this.#grants.set(fromKey, (byTo = new Map()));
          let grant = byTo.get(toKey);
          if (grant === undefined) byTo.set(toKey, (grant = { allowAll: false, names: new Set() }));
          if (to.name === undefined || to.name === '') grant.allowAll = true;
          else grant.names.add(to.name);
        }
      }
    }
  }

  /** A `fromKind` in `fromNamespace` may refer to the `toKind` named `name` in `toNamespace`. */
  allowed(fromKind: string, fromNamespace: string, toKind: 'Service' | 'Secret', toNamespace: string, name: string): boolean {
    const grant = this.#grants.get(`${fromKind}/${fromNamespace}`)?.get(`${toKind}/${toNamespace}`);
    return grant !== undefined && (grant.allowAll || grant.names.has(name));
  }
}
