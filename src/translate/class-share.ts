/**
 * What generation shares between the proxies of one class (proxy-class.ts) within one snapshot:
 * the services in their scope, their outbound clusters, route configurations by name and load
 * assignments by cluster name. The first proxy of a class builds an entry, the others reuse the
 * very same objects, which is also what lets the ADS server fingerprint and encode each resource
 * once per snapshot instead of once per proxy.
 *
 * Keyed by the snapshot, which is immutable: an entry never goes stale and is dropped with it.
 */
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { Service } from '../model/service.js';
import type { EnvoyJson } from './generated.js';
import { outboundClassKey } from './proxy-class.js';
import { servicesInScope } from './sidecar-scope.js';

export class ClassShare {
  readonly key: string;
  /** The services in the class's Sidecar scope, in order (sidecar-scope.ts). */
  readonly services: readonly Service[];
  /** The same by hostname. */
  readonly servicesByHost: ReadonlyMap<string, Service>;
  readonly routes = new Map<string, EnvoyJson>();
  readonly endpoints = new Map<string, EnvoyJson>();
  #outboundClusters: readonly EnvoyJson[] | undefined;
  #classEndpoints: readonly EnvoyJson[] | undefined;
  /** Endpoints-only regenerations by the endpoints they started from. */
  readonly #memo = new Map<string, unknown>();
  readonly #carried = new WeakMap<readonly EnvoyJson[], readonly EnvoyJson[]>();

  readonly #lists: ListInterner;

  constructor(key: string, services: readonly Service[], lists: ListInterner = new ListInterner()) {
    this.key = key;
    this.services = services;
    this.servicesByHost = new Map(services.map((s) => [s.hostname, s]));
    this.#lists = lists;
  }

  outboundClusters(build: () => readonly EnvoyJson[]): readonly EnvoyJson[] {
    return (this.#outboundClusters ??= build());
  }

  /** The assignments of the class's outbound EDS clusters: one list for every proxy whose EDS clusters are just those. */
  classEndpoints(build: () => readonly EnvoyJson[]): readonly EnvoyJson[] {
    return (this.#classEndpoints ??= this.#lists.intern(build()));
  }

  /** An endpoints-only regeneration from `previous`, once for every proxy of the class that had the same list. */
  carriedEndpoints(previous: readonly EnvoyJson[], build: () => readonly EnvoyJson[]): readonly EnvoyJson[] {
    let list = this.#carried.get(previous);
    if (list === undefined) this.#carried.set(previous, (list = this.#lists.intern(build())));
    return list;
  }

  /** Anything else the class's proxies share when they agree on `key`. */
  memo<T>(key: string, build: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = build();
    this.#memo.set(key, value);
    return value;
  }

  route(name: string, build: () => EnvoyJson): EnvoyJson {
    let r = this.routes.get(name);
    if (r === undefined) this.routes.set(name, (r = build()));
    return r;
  }

  endpoint(clusterName: string, build: () => EnvoyJson): EnvoyJson {
    let e = this.endpoints.get(clusterName);
    if (e === undefined) this.endpoints.set(clusterName, (e = build()));
    return e;
  }
}

/**
 * Lists of resources with the same elements (the very same objects) as one list. Classes often
 * end up with the same assignments (every namespace's proxies see the same services, and
 * assignments are shared across namespaces: per-service-memo.ts); as one list, what the ADS
 * server works out per list (selection, diff, response) is done once for all of them.
 */
export class ListInterner {
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;
  readonly #lists = new Map<string, readonly EnvoyJson[]>();

  intern(list: readonly EnvoyJson[]): readonly EnvoyJson[] {
    let key = `${list.length}:`;
    for (const item of list) {
      let id = this.#ids.get(item);
      if (id === undefined) this.#ids.set(item, (id = ++this.#nextId));
      key += `${id},`;
    }
    const known = this.#lists.get(key);
    if (known !== undefined) return known;
    this.#lists.set(key, list);
    return list;
  }
}

interface Shares {
  readonly byKey: Map<string, ClassShare>;
  readonly lists: ListInterner;
}

const SHARES = new WeakMap<PushContext, Shares>();

export function classShare(proxy: Proxy, push: PushContext): ClassShare {
  let shares = SHARES.get(push);
  if (shares === undefined) SHARES.set(push, (shares = { byKey: new Map(), lists: new ListInterner() }));
  const key = outboundClassKey(proxy, push);
  let share = shares.byKey.get(key);
  if (share === undefined) {
    const services = INHERITED_SCOPES.get(push)?.get(key) ?? servicesInScope(proxy, push);
    shares.byKey.set(key, (share = new ClassShare(key, services, shares.lists)));
  }
  return share;
}

/** Each class's services in scope, by snapshot, taken over from the snapshot it was derived from. */
const INHERITED_SCOPES = new WeakMap<PushContext, ReadonlyMap<string, readonly Service[]>>();

/**
 * `derived` has `base`'s configuration and services (only endpoints differ: an endpoint update,
 * PushContext's reuseConfigOf), so every class has the services in scope it had in `base`: they
 * are taken over rather than worked out again for each class.
 */
export function inheritClassScopes(derived: PushContext, base: PushContext): void {
  const shares = SHARES.get(base);
  if (shares === undefined || derived.services !== base.services) return;
  INHERITED_SCOPES.set(derived, new Map([...shares.byKey].map(([key, share]) => [key, share.services])));
}
