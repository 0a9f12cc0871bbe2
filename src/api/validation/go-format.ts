/**
 * Go's fmt verbs for the values Istio's messages print, so our text matches the webhook's:
 * %q (strconv.Quote), %v of a float64 (%g, shortest) and %f (six decimals).
 */

/** %q: a double-quoted Go string literal; JSON's escaping agrees for the text these messages carry. */
export function goQuote(value: string): string {
  return JSON.stringify(value);
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
