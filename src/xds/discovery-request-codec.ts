/**
 * DiscoveryRequest on the wire, by hand. Every ACK a proxy sends repeats the names it watches —
 * thousands of cluster names for EDS — and the generic proto3 JSON conversion spent most of an
 * ACK's cost on them. Here names are plain strings read from or written to the bytes; `node` and
 * `error_detail`, rare and nested, still go through the generic codec.
 *
 * Field numbers (envoy.service.discovery.v3.DiscoveryRequest): version_info 1, node 2,
 * resource_names 3, type_url 4, response_nonce 5, error_detail 6, resource_locators 7 (unused
 * by SotW clients; skipped).
 */
import type { DiscoveryRequestJson } from './ads-protocol.js';
import { decodeJson, encodeJson } from './proto/proto-json.js';
import { bytesField, stringField } from './proto/wire.js';

const NODE = 'envoy.config.core.v3.Node';
const STATUS = 'google.rpc.Status';

/**
 * Gives the names of a request whose resource_names fields are one run of bytes: `raw` is that run,
 * `decode` reads it. A server returns the list it already has for the same bytes (the last request
 * of the stream, another proxy's identical list) instead of decoding thousands of strings again.
 */
export type NameListResolver = (typeUrl: string, raw: Buffer, decode: () => string[]) => readonly string[];

export function decodeDiscoveryRequest(buf: Uint8Array, resolveNames?: NameListResolver): DiscoveryRequestJson {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: DiscoveryRequestJson = {};
  let names: string[] | undefined;
  // The resource_names fields as one run of bytes [runStart, runEnd); once another field
  // interrupts them (legal, never seen), they are read one by one instead.
  let runStart = -1;
  let runEnd = -1;
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error('varint too long');
  };
  while (pos < bytes.length) {
    const fieldStart = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2) {
      const len = varint();
      const end = pos + len;
      if (end > bytes.length) throw new Error(`field ${field} runs past the end of the message`);
      switch (field) {
        case 1: out.version_info = bytes.toString('utf8', pos, end); break;
        case 2: out.node = decodeJson(NODE, bytes.subarray(pos, end)); break;
        case 3:
          if (runStart < 0) runStart = fieldStart;
          else if (runEnd !== fieldStart && names === undefined) names = readNames(bytes, runStart, runEnd);
          runEnd = end;
          // Without a resolver, or once the run is broken, read as we go; else all at once below.
          if (resolveNames === undefined || names !== undefined) (names ??= []).push(bytes.toString('utf8', pos, end));
          break;
        case 4: out.type_url = bytes.toString('utf8', pos, end); break;
        case 5: out.response_nonce = bytes.toString('utf8', pos, end); break;
        case 6: out.error_detail = decodeJson(STATUS, bytes.subarray(pos, end)) as DiscoveryRequestJson['error_detail']; break;
        default: break;
      }
      pos = end;
    } else if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire} for field ${field}`);
    if (pos > bytes.length) throw new Error(`field ${field} runs past the end of the message`);
  }
  if (names !== undefined) out.resource_names = names;
  else if (runStart >= 0) {
    const raw = bytes.subarray(runStart, runEnd);
    // The resolver's list is shared: a request hands it on read-only (WatchedResource keeps it).
    out.resource_names = resolveNames!(out.type_url ?? '', raw, () => readNames(raw, 0, raw.length));
  }
  return out;
}

/** The resource_names strings in bytes[start, end), which hold only field-3 entries. */
function readNames(bytes: Buffer, start: number, end: number): string[] {
  const names: string[] = [];
  let pos = start;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (pos < end) {
    varint(); // the tag (field 3, length-delimited: checked when the run was found)
    const len = varint();
    names.push(bytes.toString('utf8', pos, pos + len));
    pos += len;
  }
  return names;
}

/** The resource_names fields of a name list, by list: a client re-sends the same list with every ACK. */
const NAME_FIELDS = new WeakMap<readonly string[], Buffer>();

export function encodeDiscoveryRequest(req: DiscoveryRequestJson): Buffer {
  const parts: Buffer[] = [];
  stringField(parts, 1, req.version_info);
  if (req.node !== undefined) bytesField(parts, 2, encodeJson(NODE, req.node));
  const names = req.resource_names ?? [];
  let nameBytes = NAME_FIELDS.get(names);
  if (nameBytes === undefined) {
    const fields: Buffer[] = [];
    for (const n of names) stringField(fields, 3, n, true);
    NAME_FIELDS.set(names, (nameBytes = Buffer.concat(fields)));
  }
  parts.push(nameBytes);
  stringField(parts, 4, req.type_url);
  stringField(parts, 5, req.response_nonce);
  if (req.error_detail !== undefined) bytesField(parts, 6, encodeJson(STATUS, req.error_detail));
  return Buffer.concat(parts);
}
