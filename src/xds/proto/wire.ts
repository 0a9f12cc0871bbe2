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
