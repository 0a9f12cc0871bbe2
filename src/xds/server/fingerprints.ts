/**
 * A resource's fingerprint for "changed since last sent": its JSON (generators build objects in a
 * fixed key order). Generators share resource objects between the proxies of a class, so each
 * object is serialized once, not once per proxy. Fingerprints are interned across two snapshots:
 * a resource rebuilt unchanged in the next snapshot gets the very string it had, so comparing it
 * with what a proxy was last sent is a pointer comparison, not a walk over its bytes once per
 * proxy.
 */
export class Fingerprints {
  readonly #byObject = new WeakMap<object, string>();
  #current = new Map<string, string>();
  #previous = new Map<string, string>();

  of(json: object): string {
    const known = this.#byObject.get(json);
    if (known !== undefined) return known;
    const text = this.#text(json);
    let key = this.#current.get(text);
    if (key === undefined) {
      key = this.#previous.get(text) ?? text;
      this.#current.set(key, key);
    }
    this.#byObject.set(json, key);
    return key;
  }

  /**
   * A route configuration's text is made of its virtual hosts' fingerprints, which the encoder
   * needs anyway (resource-encoder.ts), each as a number standing for it while it is interned:
   * a virtual host is serialized once, not twice, and the route configuration's text stays small.
   */
  #text(json: object): string {
    const hosts = (json as { virtual_hosts?: unknown }).virtual_hosts;
    if (!Array.isArray(hosts)) return JSON.stringify(json);
    const rest = { ...json, virtual_hosts: hosts.length };
    return `${JSON.stringify(rest)}\n${hosts.map((h: object) => this.#idOf(this.of(h))).join(',')}`;
  }

  #ids = new Map<string, number>();
  #previousIds = new Map<string, number>();
  #nextId = 0;

  /** A number for an interned fingerprint, the same for as long as the text is interned. */
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
