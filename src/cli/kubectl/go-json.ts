/**
 * JSON as Go's encoding/json writes an unstructured object: map keys sorted by bytes, `<`, `>`,
 * `&`, U+2028 and U+2029 escaped (HTML-safe, the default), control characters as `\u00XX`
 * except `\n`, `\r`, `\t`. kubectl's `-o json` is `json.MarshalIndent(obj, "", "    ")`; JSONPath
 * and printer columns print objects with compact `json.Marshal`.
 */
export function goJson(value: unknown, indent = ''): string {
  return write(value, indent, '');
}

function write(v: unknown, indent: string, prefix: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const inner = prefix + indent;
  const nl = indent === '' ? '' : '\n';
  const sep = indent === '' ? ':' : ': ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + write(x, indent, inner)).join(`,${nl}`)}${nl}${prefix}]`;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(byteOrder);
  if (keys.length === 0) return '{}';
  return `{${nl}${keys.map((k) => `${inner}${goString(k)}${sep}${write(obj[k], indent, inner)}`).join(`,${nl}`)}${nl}${prefix}}`;
}

/** Go sorts map keys as byte strings; for UTF-16 this is code point order. */
export function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * A float64 as Go's `%v` / strconv 'g' shortest formats it (YAML and JSONPath text): integers as
 * integers (unstructured JSON keeps them as int64), exponent form below 1e-4 and from 1e6 up,
 * with at least two exponent digits (`1e-07`, `1.5e+06`).
 */
export function goNumberText(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const [mantissa, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}
