/**
 * Istio API values → their Envoy proto3 JSON forms: durations, percentages, string matches.
 * Shared by the route translators; pure functions.
 */
import type { EnvoyJson } from '../generated.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
const GO_DURATION = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/gy;

/**
 * A duration as written in Istio YAML (`10s`, `1.5s`, `100ms`, `1m30s`: Go's time.Duration syntax,
 * which Istio's CRDs accept) → google.protobuf.Duration JSON (`90s`, `0.100s`). Returns undefined
 * for text that is not a duration; schema validation has rejected those already.
 */
export function protoDuration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '0') return '0s';
  let nanos = 0n;
  GO_DURATION.lastIndex = 0;
  let consumed = 0;
  for (let m = GO_DURATION.exec(s); m !== null; m = GO_DURATION.exec(s)) {
    nanos += toNanos(m[1]!, UNIT_SECONDS[m[2]!]!);
    consumed = GO_DURATION.lastIndex;
  }
  if (consumed === 0 || consumed !== s.length) return undefined;
  const seconds = nanos / 1_000_000_000n;
  const frac = nanos % 1_000_000_000n;
  if (frac === 0n) return `${seconds}s`;
  // proto3 JSON: 0, 3, 6 or 9 fractional digits.
  let digits = frac.toString().padStart(9, '0');
  while (digits.length > 3 && digits.endsWith('000')) digits = digits.slice(0, -3);
  return `${seconds}.${digits}s`;
}

/** Exact decimal arithmetic, so `0.1s` is 100000000 ns and not 99999999. */
function toNanos(value: string, unitSeconds: number): bigint {
  const [whole = '0', frac = ''] = value.split('.');
  const scale = BigInt(Math.round(unitSeconds * 1e9));
  const fracDigits = frac.slice(0, 18);
  const denom = 10n ** BigInt(fracDigits.length);
  return BigInt(whole || '0') * scale + (BigInt(fracDigits || '0') * scale) / denom;
}

/** Whole seconds of a duration (CorsPolicy.max_age is a string of seconds). */
export function durationSeconds(text: string | undefined): number | undefined {
  const d = protoDuration(text);
  if (d === undefined) return undefined;
  return Math.trunc(Number(d.slice(0, -1)));
}

/** Istio's translatePercentToFractionalPercent: a Percent (0–100, fractional) → per-million. */
export function fractionalPercent(value: number | undefined): EnvoyJson {
  // Go's uint32(float64) truncates; so does Math.trunc for the non-negative values allowed here.
  return { numerator: Math.trunc((value ?? 0) * 10000), denominator: 'MILLION' };
}

/** Istio's translateIntegerToFractionalPercent: an integer percent → per-hundred. */
export function integerPercent(value: number): EnvoyJson {
  return { numerator: value, denominator: 'HUNDRED' };
}

/** Istio's StringMatch: exactly one of exact, prefix, regex (an empty object means "present"). */
export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

/**
 * Istio's canBeConvertedToPresentMatch: no match type, or the regex `*` (a common mistake Istio
 * accepts as "present", istio/istio#20629).
 */
export function isPresentMatch(m: StringMatch | undefined): boolean {
  if (m === undefined) return true;
  if (m.exact !== undefined || m.prefix !== undefined) return false;
  if (m.regex !== undefined) return m.regex === '*';
  return true;
}

/** Istio's util.ConvertToEnvoyMatch → envoy.type.matcher.v3.StringMatcher, or undefined for none. */
export function envoyStringMatcher(m: StringMatch): EnvoyJson | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}
