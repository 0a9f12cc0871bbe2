/**
 * Proxies of one class are sent the very same response: the same resources, version and type.
 * Such a response is encoded once and its bytes reused, under one nonce: a nonce only has to tell
 * a stream's responses apart, and two different responses never share one here (the key is the
 * exact list of packed resources). Bytes are kept for the latest responses up to a byte bound, so
 * proxies whose responses are their own (inbound clusters) cost nothing to keep.
 */
import type { AnyMessage } from '../proto/proto-json.js';

interface Entry {
  readonly nonce: string;
  bytes: Buffer | undefined;
}

export class SharedResponses {
  readonly #ids = new WeakMap<AnyMessage, number>();
  /** A resource list's ids, by list: proxies of a class send the same list object. */
  readonly #listIds = new WeakMap<readonly AnyMessage[], string>();
  #nextId = 0;
  #entries = new Map<string, Entry>();
  #bytesKept = 0;
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /**
   * The nonce and (lazily) the bytes of a response: `makeNonce` gives a fresh nonce when the
   * response is new, `encode` its bytes when they are not kept.
   */
  response(version: string, typeUrl: string, resources: readonly AnyMessage[], makeNonce: () => string, encode: (nonce: string) => Buffer): { nonce: string; bytes: () => Buffer } {
    let ids = this.#listIds.get(resources);
    if (ids === undefined) this.#listIds.set(resources, (ids = resources.map((r) => this.#idOf(r)).join(',')));
    const key = `${version}\n${typeUrl}\n${ids}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { nonce: makeNonce(), bytes: undefined };
      this.#entries.set(key, entry);
    }
    const e = entry;
    return {
      nonce: e.nonce,
      bytes: () => {
        if (e.bytes !== undefined) return e.bytes;
        const bytes = encode(e.nonce);
        e.bytes = bytes;
        this.#bytesKept += bytes.length;
        this.#trim(e);
        return bytes;
      },
    };
  }

  /** A new snapshot: no response of the old one will be sent again. */
  reset(): void {
    this.#entries = new Map();
    this.#bytesKept = 0;
  }

  #idOf(any: AnyMessage): number {
    let id = this.#ids.get(any);
    if (id === undefined) this.#ids.set(any, (id = ++this.#nextId));
    return id;
  }

  /** Drops the oldest responses' bytes (keeping their nonces) until within the bound. */
  #trim(keep: Entry): void {
    for (const entry of this.#entries.values()) {
      if (this.#bytesKept <= this.#maxBytes) return;
      if (entry === keep || entry.bytes === undefined) continue;
      this.#bytesKept -= entry.bytes.length;
      entry.bytes = undefined;
    }
  }
}
