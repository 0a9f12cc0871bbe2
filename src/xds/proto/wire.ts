/** Protobuf wire format pieces the hand-written xDS codecs share. */

/** The key (field number, wire type 2: length-delimited) and the length varint of a field. */
export function lengthDelimitedKey(field: number, length: number): Buffer {
  const out: number[] = [(field << 3) | 2];
  let n = length;
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A string field; the proto3 default ('') is not written unless `keepEmpty` (a repeated field's empty element). */
export function stringField(parts: Buffer[], field: number, value: string | undefined, keepEmpty = false): void {
  if (value === undefined || (value === '' && !keepEmpty)) return;
  bytesField(parts, field, Buffer.from(value, 'utf8'));
}

/** A length-delimited field holding `value` (a view, not a copy). */
export function bytesField(parts: Buffer[], field: number, value: Uint8Array): void {
  parts.push(lengthDelimitedKey(field, value.length), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
}
