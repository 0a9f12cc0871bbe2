/**
 * Istio's duration rules (pkg/config/validation/agent.ValidateDuration) over the duration strings
 * users write. Istio reads them with Go's time.ParseDuration, so `5m`, `1h30m` and `0.5s` are all
 * fine (the guide writes `baseEjectionTime: 10m`); protobuf's `1.5s` form is a special case of it.
 */
import { goQuote } from './go-format.js';

const NANOS_PER_MS = 1_000_000n;
const NANOS_PER_S = 1_000_000_000n;
const MAX_NANOS = (1n << 63n) - 1n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ (micro sign)
  ['\u03bcs', 1_000n], // μ (Greek mu)
  ['ms', NANOS_PER_MS],
  ['s', NANOS_PER_S],
  ['m', 60n * NANOS_PER_S],
  ['h', 3600n * NANOS_PER_S],
]);

/** Go's time.ParseDuration: nanoseconds, or Go's error text. */
export function parseGoDuration(text: string): bigint | string {
  const invalid = `time: invalid duration ${goQuote(text)}`;
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return invalid;
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (whole === '' && frac === '') return invalid; // no digits, as in ".s" or "s"
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]+/.exec(s);
    if (unitMatch === null) return `time: missing unit in duration ${goQuote(text)}`;
    const unitText = unitMatch[0];
    const unit = UNITS.get(unitText);
    if (unit === undefined) return `time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`;
    s = s.slice(unitText.length);
    // Fractions are truncated to whole nanoseconds, as Go does.
    let value = BigInt(whole === '' ? '0' : whole) * unit;
    if (frac !== '') value += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += value;
    if (total > MAX_NANOS) return invalid;
  }
  return negative ? -total : total;
}

/** Nanoseconds of a duration field's value, or the reason it is not a duration. */
export function durationNanos(value: unknown): bigint | string {
  if (typeof value !== 'string') return `time: invalid duration ${goQuote(JSON.stringify(value) ?? String(value))}`;
  return parseGoDuration(value);
}

/** agent.ValidateDuration: at least 1ms, whole milliseconds. */
export function validateDuration(value: unknown): string | undefined {
  const nanos = durationNanos(value);
  if (typeof nanos === 'string') return nanos;
  if (nanos < NANOS_PER_MS) return 'duration must be greater than 1ms';
  if (nanos % NANOS_PER_MS !== 0n) return 'only durations to ms precision are supported';
  return undefined;
}

/** True for a parsable zero duration (`0s`): tcp idleTimeout uses it to mean "disabled". */
export function isZeroDuration(value: unknown): boolean {
  return durationNanos(value) === 0n;
}

/** True when a valid duration has a fraction of a second (CORS maxAge is whole seconds). */
export function hasSubSecond(value: unknown): boolean {
  const nanos = durationNanos(value);
  return typeof nanos === 'bigint' && nanos % NANOS_PER_S !== 0n;
}
