/**
 * Go's fmt verbs for the values Istio's messages print, so our text matches the webhook's:
 * %q (strconv.Quote), %v of a float64 (%g, shortest) and %f (six decimals).
 */

const GO_ESCAPES: Readonly<Record<string, string>> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/**
 * %q: a double-quoted Go string literal. JSON's escaping agrees except for control characters,
 * which Go writes as `\a`, `\v` or `\xNN` (and DEL as `\x7f`) where JSON writes `\u00NN`.
 */
export function goQuote(value: string): string {
  // An escaped backslash is matched first so `\\u0001` (a backslash, then text) is left alone.
  return JSON.stringify(value).replace(/\\\\|\\u00([01][0-9a-f])|\x7f/g, (match: string, hex: string | undefined) => {
    if (match === '\\\\') return match;
    if (hex === undefined) return '\\x7f';
    return GO_ESCAPES[String.fromCharCode(parseInt(hex, 16))] ?? `\\x${hex}`;
  });
}

/** %v of a float64: shortest digits, exponent form when the exponent is < -4 or >= 6 (Go prints 1e6 as 1e+06). */
export function goFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return '0';
  const [mantissa = '0', expText = '0'] = value.toExponential().split('e');
  const exp = Number(expText);
  // strconv's shortest %g decides with precision 6: %e below 1e-4 and from 1e6.
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(value);
}

/** %f: six digits after the point. */
export function goFixed(value: number): string {
  return value.toFixed(6);
}
