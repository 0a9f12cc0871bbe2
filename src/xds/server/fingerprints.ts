/**
 * A resource's fingerprint for "changed since last sent": its JSON (generators build objects in a
 * fixed key order). Generators share resource objects between the proxies of a class, so each
 * object is serialized once, not once per proxy. Fingerprints are interned across two snapshots:
 * a resource rebuilt unchanged in the next snapshot gets the very string it had, so comparing it
 * with what a proxy was last sent is a pointer comparison, not a walk over its bytes once per
 * proxy.
 *
 * Route configurations are fingerprinted by composition, so a snapshot serializes what is new in
 * it rather than every route of every virtual host: a route configuration's text is its own
 * fields plus its virtual hosts' ids, a virtual host's its own fields (name, domains) plus its
 * routes' ids, and a route's is its JSON, looked up by object. Generators hand out the very same
 * object for an unchanged default route and for a virtual host made of such routes, across
 * classes and snapshots (src/translate/snapshot-interner.ts), so those cost a WeakMap lookup.
 */
export class Fingerprints {
  readonly #byObject = new WeakMap<object, string>();
  #current = new Map<string, string>();
  #previous = new Map<string, string>();

  of(json: object): string {
    const known = this.#byObject.get(json);
    if (known !== undefined) return known;
    return this.#intern(json, this.#text(json));
  }

  #intern(json: object, text: string): string {
    let key = this.#current.get(text);
    if (key === undefined) {
      key = this.#previous.get(text) ?? text;
      this.#current.set(key, key);
    }
    this.#byObject.set(json, key);
    return key;
  }

  /**
   * Which of the three a resource is follows from its content alone, so equal content gets one
   * text whichever way it is reached (a route configuration, or a virtual host handed to the
   * encoder on its own).
   */
  #text(json: object): string {
    const hosts = (json as { virtual_hosts?: unknown }).virtual_hosts;
    if (Array.isArray(hosts)) return this.#composed(json, 'virtual_hosts', hosts);
    const { domains, routes } = json as { domains?: unknown; routes?: unknown };
    if (Array.isArray(domains) && Array.isArray(routes)) return this.#composed(json, 'routes', routes);
    return JSON.stringify(json);
  }

  /**
   * `json` with its list `field` replaced by the list's length, then the ids of the list's items:
   * the JSON has no raw newline, and ids are numbers, so two texts are equal only when the fields
   * and every item's fingerprint are. A list with something other than objects (no generator
   * makes one) is fingerprinted as plain JSON.
   */
  #composed(json: object, field: string, items: readonly unknown[]): string {
    if (!items.every((item) => typeof item === 'object' && item !== null)) return JSON.stringify(json);
    const rest = JSON.stringify({ ...json, [field]: items.length });
    let ids = '';
    for (let i = 0; i < items.length; i++) ids += `${i === 0 ? '' : ','}${this.#idOf(this.of(items[i] as object))}`;
    return `${rest}\n${ids}`;
  }

  #ids = new Map<string, number>();
  #previousIds = new Map<string, number>();
  #nextId = 0;

  /**
   * A number for an interned fingerprint, the same for as long as the text is interned. A number
   * never stands for two texts (it is never reused), so a text made of numbers is as exact as the
   * texts they stand for; at worst equal content gets a new number after two snapshots without it
   * and reads as changed once.
   */
  #idOf(key: string): number {
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#previousIds.get(key) ?? ++this.#nextId;
      this.#ids.set(key, id);
    }
    return id;
  }

  /** A new snapshot: strings last seen two snapshots ago are no longer interned. */
  rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
    this.#previousIds = this.#ids;
    this.#ids = new Map();
  }
}
