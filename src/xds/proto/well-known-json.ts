/**
 * proto3 JSON forms of the scalar-like well-known types and of 64-bit integers, shared by both
 * directions of proto-json. Parsers return a string (the reason) on bad input rather than
 * throwing, so the validator can collect every problem in one pass.
 */

/** protobufjs decodes 64-bit integers as Long; this is the structural part we use. */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v && typeof (v as LongLike).toNumber === 'function';
}

/** A 64-bit integer as a JSON number when it is exactly representable, else a decimal string. */
export function int64ToJson(v: unknown): number | string {
  if (isLong(v)) {
    const n = v.toNumber();
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return String(v);
}

export function toNumber(v: unknown): number {
  if (isLong(v)) return v.toNumber();
  return Number(v ?? 0);
}

const DURATION_RE = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
export const DURATION_HINT = 'expected a number of seconds with suffix "s", such as "1.5s"';
const MAX_DURATION_SECONDS = 315_576_000_000;

/** Shortest fraction of a second (0-9 digits) that is exact: "1.5s", "0.250s" → "0.25s". */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  return '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
}

/** google.protobuf.Duration {seconds, nanos} → "1.5s", "-0.001s". */
export function formatDuration(seconds: unknown, nanos: unknown): string {
  const s = toNumber(seconds);
  const n = toNumber(nanos);
  const negative = s < 0 || n < 0;
  return `${negative ? '-' : ''}${Math.abs(s)}${fraction(Math.abs(n))}s`;
}

/** "1.5s" (or the object form {seconds, nanos}) → {seconds, nanos}; a string is the reason it is invalid. */
export function parseDuration(value: unknown): { seconds: number; nanos: number } | string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { seconds = 0, nanos = 0 } = value as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds);
    const n = Number(nanos);
    if (!Number.isInteger(s) || !Number.isInteger(n)) return 'invalid duration: seconds and nanos must be integers';
    return { seconds: s, nanos: n };
  }
  if (typeof value !== 'string') return `invalid duration ${JSON.stringify(value)}: ${DURATION_HINT}`;
  const m = DURATION_RE.exec(value);
  if (!m) return `invalid duration ${JSON.stringify(value)}: ${DURATION_HINT}`;
  const sign = m[1] ? -1 : 1;
  const seconds = Number(m[2]);
  if (seconds > MAX_DURATION_SECONDS) return `invalid duration ${JSON.stringify(value)}: out of range`;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: sign * seconds, nanos: sign * nanos };
}

/** google.protobuf.Timestamp → RFC 3339 in UTC ("2024-05-01T12:00:00.5Z"). */
export function formatTimestamp(seconds: unknown, nanos: unknown): string {
  const s = toNumber(seconds);
  const n = toNumber(nanos);
  const iso = new Date(s * 1000).toISOString(); // always ".000Z"
  return iso.slice(0, 19) + fraction(n) + 'Z';
}

const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(value: unknown): { seconds: number; nanos: number } | string {
  const m = typeof value === 'string' ? TIMESTAMP_RE.exec(value) : null;
  if (!m) return `invalid timestamp ${JSON.stringify(value)}: expected RFC 3339, such as "2024-05-01T12:00:00Z"`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return `invalid timestamp ${JSON.stringify(value)}`;
  return { seconds: Math.floor(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

export function bytesToBase64(v: unknown): string {
  if (typeof v === 'string') return v; // protobufjs may already hold base64
  return Buffer.from(v as Uint8Array).toString('base64');
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** proto3 JSON accepts standard and URL-safe base64, padded or not. */
export function parseBase64(value: unknown): Uint8Array | string {
  if (typeof value !== 'string' || !BASE64_RE.test(value)) return `invalid bytes ${JSON.stringify(value)}: expected base64`;
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** float32 values decode with float64 noise (0.1 → 0.10000000149); print the shortest exact form. */
export function float32ToJson(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const short = Number(v.toPrecision(p));
    if (Math.fround(short) === v) return short;
  }
  return v;
}
