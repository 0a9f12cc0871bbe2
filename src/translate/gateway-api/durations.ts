/**
 * Gateway API durations (GEP-2257: `1h`, `500ms`, `1m30s`) to the proto3 JSON durations an
 * Istio VirtualService carries (`0.500s`), as Istio's time.ParseDuration + durationpb do.
 */

const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds in a Go duration string (the GEP-2257 format is a subset); undefined when it does not parse. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d*(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
    at = re.lastIndex;
  }
  return at === 0 ? undefined : Math.round(total);
}

/** protojson's Duration text: whole seconds, or 3, 6 or 9 fractional digits, then `s`. */
export function formatProtoDuration(nanos: number): string {
  const seconds = Math.trunc(nanos / 1e9);
  const frac = nanos - seconds * 1e9;
  if (frac === 0) return `${seconds}s`;
  let digits = String(frac).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${seconds}.${digits}s`;
}

/** A Gateway API duration as a VirtualService duration; undefined for zero or unparsable values, which Istio leaves unset. */
export function toProtoDuration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const nanos = parseGoDuration(text);
  return nanos === undefined || nanos === 0 ? undefined : formatProtoDuration(nanos);
}
