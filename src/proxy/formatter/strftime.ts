/**
 * The strftime subset Envoy's %START_TIME(…)% accepts, always in UTC as Envoy formats it,
 * compiled once into segments. Besides the usual specifiers Envoy adds `%E<n>S` (seconds with n
 * fractional digits), `%<n>f` (n fractional-second digits, `%f` = 9) and `%s` (epoch seconds).
 */

type Segment = string | ((d: Date, ms: number) => string);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const FULL_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The first `digits` digits of the sub-second part (we only know milliseconds; the rest are zeros). */
function fraction(ms: number, digits: number): string {
  const frac = pad(Math.floor(((ms % 1000) + 1000) % 1000), 3);
  return digits <= 3 ? frac.slice(0, digits) : frac.padEnd(digits, '0');
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

const SIMPLE: Record<string, (d: Date, ms: number) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100, 2),
  m: (d) => pad(d.getUTCMonth() + 1, 2),
  d: (d) => pad(d.getUTCDate(), 2),
  e: (d) => String(d.getUTCDate()).padStart(2, ' '),
  H: (d) => pad(d.getUTCHours(), 2),
  I: (d) => pad(d.getUTCHours() % 12 || 12, 2),
  p: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  M: (d) => pad(d.getUTCMinutes(), 2),
  S: (d) => pad(d.getUTCSeconds(), 2),
  j: (d) => pad(dayOfYear(d), 3),
  a: (d) => DAYS[d.getUTCDay()]!,
  A: (d) => FULL_DAYS[d.getUTCDay()]!,
  b: (d) => MONTHS[d.getUTCMonth()]!,
  h: (d) => MONTHS[d.getUTCMonth()]!,
  B: (d) => FULL_MONTHS[d.getUTCMonth()]!,
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  z: () => '+0000',
  Z: () => 'UTC',
  T: (d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`,
  F: (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`,
  D: (d) => `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad(d.getUTCFullYear() % 100, 2)}`,
  R: (d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`,
  n: () => '\n',
  t: () => '\t',
  '%': () => '%',
};

/** Compiles a strftime format; unknown specifiers are copied through as strftime does. */
export function compileStrftime(format: string): (epochMs: number) => string {
  const segments: Segment[] = [];
  let lit = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%' || i + 1 >= format.length) {
      lit += c;
      continue;
    }
    const rest = format.slice(i + 1);
    const ext = /^E(\d)S/.exec(rest) ?? /^(\d?)f/.exec(rest);
    let seg: Segment | undefined;
    let used = 1;
    if (ext) {
      const digits = ext[1] === '' ? 9 : Number(ext[1]);
      seg = ext[0].startsWith('E')
        ? (d, ms) => `${pad(d.getUTCSeconds(), 2)}${digits > 0 ? `.${fraction(ms, digits)}` : ''}`
        : (_d, ms) => fraction(ms, digits);
      used = ext[0].length;
    } else if (SIMPLE[rest[0]!] !== undefined) {
      seg = SIMPLE[rest[0]!];
    }
    if (seg === undefined) {
      lit += c;
      continue;
    }
    if (lit) segments.push(lit);
    lit = '';
    segments.push(seg);
    i += used;
  }
  if (lit) segments.push(lit);
  return (epochMs: number): string => {
    const d = new Date(epochMs);
    let out = '';
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      out += typeof s === 'string' ? s : s(d, epochMs);
    }
    return out;
  };
}
