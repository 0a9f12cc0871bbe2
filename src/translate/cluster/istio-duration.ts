/**
 * Durations as Istio's YAML writes them (`5m`, `1h30m`, `0.5s`, `100ms`: Go's time.Duration
 * syntax, which istiod accepts for every google.protobuf.Duration field) converted to Envoy's
 * proto3 JSON form (`300s`, `0.500s`).
 */

const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Nanoseconds of a Go-style duration; undefined when absent or malformed (schema validation
 * reports malformed values; translation treats them as unset, as istiod never sees them).
 * A bare `0` is zero, as in Go.
 */
export function parseIstioDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1e9; // {seconds} already decoded
  if (typeof value !== 'string') return undefined;
  let text = value.trim();
  if (text === '0') return 0;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) sign = -1;
    text = text.slice(1);
  }
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
  }
  return sign * Math.round(total);
}

/** Envoy's JSON Duration for `nanos`: whole seconds as `10s`, else 3, 6 or 9 fraction digits. */
export function formatProtoDuration(nanos: number): string {
  const negative = nanos < 0;
  const abs = Math.abs(Math.round(nanos));
  const seconds = Math.floor(abs / 1e9);
  const frac = abs - seconds * 1e9;
  let text = String(seconds);
  if (frac !== 0) {
    const nine = String(frac).padStart(9, '0');
    text += '.' + (nine.endsWith('000000') ? nine.slice(0, 3) : nine.endsWith('000') ? nine.slice(0, 6) : nine);
  }
  return `${negative ? '-' : ''}${text}s`;
}

/** `5m` → `300s`; undefined when absent or malformed. */
export function toProtoDuration(value: unknown): string | undefined {
  const nanos = parseIstioDuration(value);
  return nanos === undefined ? undefined : formatProtoDuration(nanos);
}

/** Milliseconds → Envoy JSON Duration (`10000` → `10s`). */
export function msToProtoDuration(ms: number): string {
  return formatProtoDuration(ms * 1e6);
}

/** Whole seconds of a duration (Envoy's tcp_keepalive takes uint32 seconds), or undefined. */
export function durationSeconds(value: unknown): number | undefined {
  const nanos = parseIstioDuration(value);
  return nanos === undefined ? undefined : Math.floor(nanos / 1e9);
}
