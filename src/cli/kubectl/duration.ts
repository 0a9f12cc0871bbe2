/**
 * kubectl's AGE column: apimachinery's `duration.HumanDuration`, about two significant figures
 * (`45s`, `2m3s`, `10m`, `3h5m`, `8h`, `2d3h`, `10d`, `2y10d`, `8y`), and `translateTimestampSince`
 * around it (`<unknown>` when there is no timestamp). The clock is an argument so output is
 * reproducible.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** `duration.HumanDuration(d)` for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  // Go truncates toward zero; a skew of up to a second still counts as "now".
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * The age of an RFC 3339 timestamp at `now`, as kubectl prints it: `<unknown>` for a missing
 * timestamp (Go's zero time), `<invalid>` for one that does not parse (the CRD table converter's
 * answer for a bad `date` column).
 */
export function translateTimestampSince(timestamp: unknown, now: Date): string {
  if (timestamp === undefined || timestamp === null || timestamp === '') return '<unknown>';
  if (typeof timestamp !== 'string') return '<invalid>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now.getTime() - t);
}
