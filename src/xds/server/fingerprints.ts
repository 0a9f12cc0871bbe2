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
    const text = JSON.stringify(json);
    let key = this.#current.get(text);
    if (key === undefined) {
      key = this.#previous.get(text) ?? text;
      this.#current.set(key, key);
    }
    this.#byObject.set(json, key);
    return key;
  }

  /** A new snapshot: strings last seen two snapshots ago are no longer interned. */
  rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }
}
