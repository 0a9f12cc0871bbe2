/**
 * IP addresses and `core.v3.CidrRange` prefixes for filter chain matching. Addresses are parsed
 * into four 32-bit words (an IPv4 address uses word 0) so a match is a few integer operations.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { asString, asUint32, field, rejectUnsupported } from '../tls/config-fields.js';
import type { Json } from '../tls/config-fields.js';

/** 4 for IPv4 (including IPv4-mapped IPv6, as Node reports dual-stack peers), 6, or 0 if invalid. */
export type IpFamily = 0 | 4 | 6;

export interface CidrRange {
  readonly family: 4 | 6;
  /** The prefix with host bits cleared, as Envoy's CidrRange::create does. */
  readonly words: Uint32Array;
  readonly prefixLen: number;
  /** Canonical text ("10.0.0.0/8"), used to compare ranges across filter chains. */
  readonly key: string;
}

function parseIpv4(text: string, out: Uint32Array, word: number): boolean {
  let value = 0;
  let part = -1;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false; // no leading zeros, as inet_pton
      part = (part < 0 ? 0 : part) * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || ++parts > 4) return false;
      value = value * 256 + part;
      part = -1;
      digits = 0;
    } else {
      return false;
    }
  }
  if (parts !== 4) return false;
  out[word] = value >>> 0;
  return true;
}

/** Parses an IPv6 literal (optionally with a zone) into raw words; no IPv4-mapped unmapping. */
function parseIpv6(text: string, out: Uint32Array): boolean {
  const zone = text.indexOf('%');
  const halves = (zone >= 0 ? text.slice(0, zone) : text).split('::');
  if (halves.length > 2) return false;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups: number[] = [];
  const parts = [...head, ...tail];
  let headGroups = 0;
  for (let i = 0; i < parts.length; i++) {
    const g = parts[i]!;
    if (i === parts.length - 1 && (halves.length === 1 || i >= head.length) && g.includes('.')) {
      // A trailing dotted quad stands for the last two groups (RFC 4291 section 2.2).
      if (!parseIpv4(g, out, 0)) return false;
      groups.push(out[0]! >>> 16, out[0]! & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      groups.push(parseInt(g, 16));
    } else {
      return false;
    }
    if (i === head.length - 1) headGroups = groups.length;
  }
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return false;
  // Expand "::" by inserting zero groups where the head ends.
  const full = [...groups.slice(0, headGroups), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(headGroups)];
  for (let w = 0; w < 4; w++) out[w] = ((full[2 * w]! << 16) | full[2 * w + 1]!) >>> 0;
  return true;
}

/**
 * Parses a connection address into `out` (length 4). IPv4-mapped IPv6 (`::ffff:a.b.c.d`, how
 * Node reports IPv4 peers on a dual-stack socket) is unmapped so it matches IPv4 ranges.
 */
export function parseIp(text: string, out: Uint32Array): IpFamily {
  if (text.includes(':')) {
    if (!parseIpv6(text, out)) return 0;
    if (out[0] !== 0 || out[1] !== 0 || out[2] !== 0xffff) return 6;
    out[0] = out[3]!;
    out[1] = out[2] = out[3] = 0;
    return 4;
  }
  out[1] = out[2] = out[3] = 0;
  return parseIpv4(text, out, 0) ? 4 : 0;
}

function maskFor(bits: number): number {
  return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Whether the parsed address (family, words) lies in `range`. */
export function inRange(range: CidrRange, family: IpFamily, words: Uint32Array): boolean {
  if (range.family !== family) return false;
  for (let i = 0, bits = range.prefixLen; bits > 0; i++, bits -= 32) {
    if (((words[i]! ^ range.words[i]!) & maskFor(bits)) !== 0) return false;
  }
  return true;
}

export function isLoopback(family: IpFamily, words: Uint32Array): boolean {
  if (family === 4) return words[0]! >>> 24 === 127;
  return family === 6 && words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 1;
}

function formatKey(family: 4 | 6, words: Uint32Array, prefixLen: number): string {
  if (family === 4) {
    const w = words[0]!;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${prefixLen}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) groups.push((words[i]! >>> 16).toString(16), (words[i]! & 0xffff).toString(16));
  return `${groups.join(':')}/${prefixLen}`;
}

export function makeRange(family: 4 | 6, words: Uint32Array, prefixLen: number): CidrRange {
  const masked = new Uint32Array(4);
  for (let i = 0, bits = prefixLen; i < (family === 4 ? 1 : 4); i++, bits -= 32) masked[i] = (words[i]! & maskFor(bits)) >>> 0;
  return Object.freeze({ family, words: masked, prefixLen, key: formatKey(family, masked, prefixLen) });
}

/** The "any address" ranges an empty prefix list stands for, as Envoy's trie does. */
export const ANY_RANGES: readonly CidrRange[] = [makeRange(4, new Uint32Array(4), 0), makeRange(6, new Uint32Array(4), 0)];

/** Compiles one `core.v3.CidrRange` ({address_prefix, prefix_len}). */
export function compileCidrRange(json: Json, path: string): CidrRange {
  rejectUnsupported(json, ['address_prefix', 'prefix_len'], path);
  const prefix = asString(field(json, 'address_prefix'), `${path}.address_prefix`);
  const words = new Uint32Array(4);
  // Config prefixes keep their family: "::ffff:0:0/96" is an IPv6 range.
  const family = prefix.includes(':') ? (parseIpv6(prefix, words) ? 6 : 0) : parseIpv4(prefix, words, 0) ? 4 : 0;
  if (family === 0) throw new ProxyConfigError(`${path}.address_prefix`, `malformed IP address: ${JSON.stringify(prefix)}`);
  const len = asUint32(field(json, 'prefix_len'), `${path}.prefix_len`) ?? 0;
  const max = family === 4 ? 32 : 128;
  if (len > max) throw new ProxyConfigError(`${path}.prefix_len`, `prefix length ${len} exceeds ${max} for ${prefix}`);
  return makeRange(family, words, len);
}
