/**
 * Every ACK a proxy sends repeats the names it watches (thousands of EDS cluster names), and the
 * proxies of one class watch the same names. Name lists are kept by their encoded bytes: a
 * request with the same bytes as its stream's last one gets that list back without decoding a
 * string, and streams asking for equal lists share one frozen list. Sharing is what lets the ADS
 * server's per-list caches (what a subscription selects, whether it watches a changed host) work
 * once per class of proxies instead of once per proxy.
 */
import { createHash } from 'node:crypto';

export interface NameList {
  /** The resource_names fields as they were on the wire. */
  readonly raw: Buffer;
  readonly names: readonly string[];
}

export class NameLists {
  /** By digest of the bytes; a list lives as long as some stream still holds it. */
  readonly #byDigest = new Map<string, WeakRef<NameList>>();
  readonly #gone = new FinalizationRegistry<string>((digest) => {
    if (this.#byDigest.get(digest)?.deref() === undefined) this.#byDigest.delete(digest);
  });

  /** The list whose bytes are `raw`: a known one, else `decode()`'s, kept for the next stream. */
  intern(raw: Buffer, decode: () => string[]): NameList {
    const digest = createHash('sha1').update(raw).digest('base64');
    const known = this.#byDigest.get(digest)?.deref();
    if (known !== undefined && known.raw.equals(raw)) return known;
    // A copy: `raw` is a view into the request's buffer, which is otherwise garbage now.
    const list: NameList = { raw: Buffer.from(raw), names: Object.freeze(decode()) };
    this.#byDigest.set(digest, new WeakRef(list));
    this.#gone.register(list, digest);
    return list;
  }

  /** Lists currently known (for tests). */
  get size(): number {
    return this.#byDigest.size;
  }
}

/**
 * The names of one stream's request: its last list for the type when the bytes are the same (a
 * plain ACK), else the shared one. `last` holds the stream's lists by type URL.
 */
export function resolveNameList(lists: NameLists, last: Map<string, NameList>, typeUrl: string, raw: Buffer, decode: () => string[]): readonly string[] {
  const previous = last.get(typeUrl);
  if (previous !== undefined && previous.raw.equals(raw)) return previous.names;
  const list = lists.intern(raw, decode);
  last.set(typeUrl, list);
  return list.names;
}
