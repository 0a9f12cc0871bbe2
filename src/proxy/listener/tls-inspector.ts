/**
 * The parsing half of Envoy's `envoy.filters.listener.tls_inspector`: read a TLS ClientHello from
 * the first bytes of a connection and extract SNI (extension 0, RFC 6066) and ALPN (extension 16,
 * RFC 7301). Pure, bounded, and total: any input yields a result, never an exception.
 */

export type ClientHelloResult =
  | { readonly kind: 'tls'; readonly serverName: string; readonly alpn: readonly string[] }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'not-tls' }
  /** The bytes look like TLS but the ClientHello exceeds the limit: Envoy closes the connection. */
  | { readonly kind: 'too-large' };

/** Envoy's TLS_MAX_CLIENT_HELLO (tls_inspector's max_client_hello_size default and ceiling). */
export const TLS_MAX_CLIENT_HELLO = 16 * 1024;

const NEED_MORE: ClientHelloResult = Object.freeze({ kind: 'need-more' });
const NOT_TLS: ClientHelloResult = Object.freeze({ kind: 'not-tls' });
const TOO_LARGE: ClientHelloResult = Object.freeze({ kind: 'too-large' });

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const RECORD_HEADER = 5;
const MAX_RECORD = 16384 + 2048; // RFC 8446 5.2 ceiling on a record's length field
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;

/**
 * Reassembles the handshake message carried by one or more handshake records (a ClientHello may
 * be fragmented across records, RFC 8446 5.1) and returns it when complete.
 */
function reassemble(buf: Buffer, max: number): Buffer | ClientHelloResult {
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1; // handshake message length incl. its 4-byte header, once known
  let off = 0;
  while (need < 0 || have < need) {
    if (buf.length - off < RECORD_HEADER) {
      // Check what we have of a record header so garbage is rejected without waiting.
      if (off < buf.length && buf[off] !== RECORD_HANDSHAKE) return NOT_TLS;
      if (off + 1 < buf.length && buf[off + 1] !== 3) return NOT_TLS;
      return off >= max ? TOO_LARGE : NEED_MORE;
    }
    const len = buf.readUInt16BE(off + 3);
    if (buf[off] !== RECORD_HANDSHAKE || buf[off + 1] !== 3 || buf[off + 2]! > 4 || len === 0 || len > MAX_RECORD) return NOT_TLS;
    const body = buf.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len);
    parts.push(body);
    have += body.length;
    off += RECORD_HEADER + len;
    if (need < 0 && have >= 4) {
      const head = parts.length === 1 ? body : Buffer.concat(parts);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
      need = 4 + head.readUIntBE(1, 3);
    }
    if (need > max) return TOO_LARGE;
    if (need >= 0 && have >= need) break;
    if (body.length < len) return NEED_MORE;
  }
  const msg = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return msg.subarray(4, need);
}

/** A bounds-checked reader over one buffer; every read fails softly by returning -1 / null. */
class Reader {
  constructor(private readonly b: Buffer, public off = 0, private readonly end = b.length) {}
  get left(): number {
    return this.end - this.off;
  }
  u8(): number {
    return this.left >= 1 ? this.b[this.off++]! : -1;
  }
  u16(): number {
    if (this.left < 2) return -1;
    const v = this.b.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  /** A sub-reader over the next `len` bytes, skipping them here. */
  take(len: number): Reader | null {
    if (len < 0 || this.left < len) return null;
    const r = new Reader(this.b, this.off, this.off + len);
    this.off += len;
    return r;
  }
  str(len: number): string | null {
    const r = this.take(len);
    return r ? this.b.toString('latin1', r.off, r.end) : null;
  }
}

/** host_name from server_name; null when malformed (as BoringSSL, which rejects the hello). */
function parseServerName(r: Reader): string | null {
  const list = r.take(r.u16());
  if (!list || list.left === 0 || r.left !== 0) return null;
  let name = '';
  while (list.left > 0) {
    const type = list.u8();
    const value = list.str(list.u16());
    if (type < 0 || value === null) return null;
    if (type === 0) {
      if (name !== '' || value === '' || value.includes('\0')) return null;
      name = value;
    }
  }
  return name;
}

/** Protocol names from ALPN; malformed lists give [] and are left to the TLS stack, as Envoy. */
function parseAlpn(r: Reader): string[] {
  const list = r.take(r.u16());
  if (!list || r.left !== 0 || list.left < 2) return [];
  const out: string[] = [];
  while (list.left > 0) {
    const len = list.u8();
    const name = len > 0 ? list.str(len) : null;
    if (name === null) return [];
    out.push(name);
  }
  return out;
}

/**
 * Parses the initial bytes of a connection as a TLS ClientHello. `need-more` means the bytes so
 * far are a valid prefix; feed the whole buffer again once more arrive. `maxBytes` bounds the
 * ClientHello (Envoy's max_client_hello_size, default 16 KiB).
 */
export function parseClientHello(buf: Buffer, maxBytes: number = TLS_MAX_CLIENT_HELLO): ClientHelloResult {
  const msg = reassemble(buf, maxBytes);
  if (!Buffer.isBuffer(msg)) return msg;
  const r = new Reader(msg);
  const version = r.u16();
  if (version < 0x0300 || version > 0x03ff || !r.take(32)) return NOT_TLS; // legacy_version, random
  const sessionId = r.u8();
  if (sessionId > 32 || !r.take(sessionId)) return NOT_TLS;
  const suites = r.u16();
  if (suites < 2 || suites % 2 !== 0 || !r.take(suites)) return NOT_TLS;
  const compression = r.u8();
  if (compression < 1 || !r.take(compression)) return NOT_TLS;
  let serverName = '';
  let alpn: string[] = [];
  if (r.left > 0) {
    const exts = r.take(r.u16());
    if (!exts || r.left !== 0) return NOT_TLS;
    const seen = new Set<number>();
    while (exts.left > 0) {
      const type = exts.u16();
      const body = exts.take(exts.u16());
      if (type < 0 || !body || seen.has(type)) return NOT_TLS; // duplicates: RFC 8446 4.2
      seen.add(type);
      if (type === EXT_SERVER_NAME) {
        const name = parseServerName(body);
        if (name === null) return NOT_TLS;
        serverName = name;
      } else if (type === EXT_ALPN) {
        alpn = parseAlpn(body);
      }
    }
  }
  return { kind: 'tls', serverName, alpn };
}
