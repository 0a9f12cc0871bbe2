/**
 * A strict parser of the Prometheus text exposition format 0.0.4, as Prometheus' own text parser
 * enforces it: every line is blank, a comment (`# TYPE` / `# HELP` checked), or
 * `name{label="value",…} value [timestamp]`; a family's TYPE comes once and before its samples;
 * a family's samples are contiguous; histogram samples are `_bucket` (with `le`), `_sum`,
 * `_count`; no series appears twice. Throws on the first violation, naming the line.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** Family name → TYPE. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** The family a sample belongs to, given the declared types (histogram suffixes fold in). */
function familyOf(name: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return name;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seenSeries = new Set<string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} "${line}"`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) (\S+)(?: (.*))?$/.exec(line);
      if (m === null) return; // a plain comment
      const [, kind, name, rest] = m;
      if (!METRIC.test(name!) || METRIC.exec(name!)![0] !== name) throw new Error(`${where}: bad metric name`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest ?? '')) throw new Error(`${where}: bad type`);
        if (types.has(name!)) throw new Error(`${where}: second TYPE for ${name}`);
        if (finished.has(name!) || current === name) throw new Error(`${where}: TYPE after samples of ${name}`);
        types.set(name!, rest!);
      }
      return;
    }
    const nameMatch = METRIC.exec(line);
    if (nameMatch === null) throw new Error(`${where}: no metric name`);
    const name = nameMatch[0];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const l = LABEL.exec(line.slice(pos));
        if (l === null) throw new Error(`${where}: bad label name at ${pos}`);
        const label = l[0];
        pos += label.length;
        if (line[pos] !== '=' || line[pos + 1] !== '"') throw new Error(`${where}: expected ="`);
        pos += 2;
        let value = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`${where}: unterminated label value`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos + 1];
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else throw new Error(`${where}: bad escape \\${e ?? ''}`);
            pos += 2;
          } else {
            value += c;
            pos++;
          }
        }
        pos++;
        if (label in labels) throw new Error(`${where}: label ${label} twice`);
        labels[label] = value;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') throw new Error(`${where}: expected , or }`);
      }
      pos++;
    }
    if (line[pos] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(pos + 1).split(' ');
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`${where}: expected value [timestamp]`);
    const value = parseValue(parts[0]!, where);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1]!)) throw new Error(`${where}: bad timestamp`);
    const family = familyOf(name, types);
    const type = types.get(family);
    if (type === 'histogram') {
      if (name === `${family}_bucket` && !('le' in labels)) throw new Error(`${where}: bucket without le`);
      if (name === family) throw new Error(`${where}: bare sample of histogram ${family}`);
    }
    if (family !== current) {
      if (finished.has(family)) throw new Error(`${where}: samples of ${family} are not contiguous`);
      if (current !== null) finished.add(current);
      current = family;
    }
    const series = `${name}{${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (seenSeries.has(series)) throw new Error(`${where}: duplicate series ${series}`);
    seenSeries.add(series);
    samples.push({ name, labels, value });
  });
  return { types, samples };
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(exp: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exp.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
