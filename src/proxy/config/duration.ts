import { ProxyConfigError } from './config-error.js';

/**
 * A google.protobuf.Duration in its proto3 JSON form ("1.5s", "0.250s") or as the
 * `{seconds, nanos}` object form, in milliseconds. Undefined stays undefined so callers can
 * apply Envoy's defaults.
 */
export function durationMs(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(value);
    if (!m) throw new ProxyConfigError(path, `invalid duration ${JSON.stringify(value)}: expected a number of seconds with suffix "s", such as "1.5s"`);
    const whole = Number(m[1]);
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    const ms = (Math.abs(whole) + frac) * 1000;
    return whole < 0 || m[1] === '-0' ? -ms : ms;
  }
  if (typeof value === 'object') {
    const v = value as { seconds?: unknown; nanos?: unknown };
    const seconds = Number(v.seconds ?? 0);
    const nanos = Number(v.nanos ?? 0);
    if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) throw new ProxyConfigError(path, 'invalid duration: seconds and nanos must be numbers');
    return seconds * 1000 + nanos / 1e6;
  }
  throw new ProxyConfigError(path, `invalid duration ${JSON.stringify(value)}`);
}
