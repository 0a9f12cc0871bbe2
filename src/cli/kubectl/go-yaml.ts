import { goNumberText } from './go-json.js';
import { analyze, escape, goYamlKeyOrder, isBreak, isPrintable, resolvesToString } from './go-yaml-scalars.js';

/**
 * YAML exactly as kubectl writes it (`-o yaml`: sigs.k8s.io/yaml, i.e. JSON → go-yaml v2):
 * map keys in go-yaml's order, sequences in a mapping not indented, strings plain when they
 * read back as strings, double-quoted when they would read as another type (`"80"`, `"true"`,
 * `""`, timestamps), single-quoted when plain is not allowed (`'*'`), literal blocks for
 * multi-line text, and long lines folded at spaces past column 80 as go-yaml's emitter does.
 *
 * The `yaml` package is not used for writing because its quoting and folding differ from
 * go-yaml's, and users compare this output with kubectl's byte for byte.
 */
export function goYaml(value: unknown): string {
  const w = new Writer();
  if (Array.isArray(value)) writeSequence(w, value, 0);
  else if (isObject(value)) writeMapping(w, value, 0, false);
  else writeScalar(w, value, 0, false);
  return w.finish();
}

const BEST_WIDTH = 80;

class Writer {
  out = '';
  column = 0;
  write(s: string): void {
    for (const ch of s) {
      this.out += ch;
      this.column = ch === '\n' ? 0 : this.column + 1;
    }
  }
  /** Starts a new line at `indent`, unless already at the start of one. */
  indent(indent: number): void {
    if (this.out !== '' && this.column !== 0) this.write('\n');
    this.write(' '.repeat(indent));
  }
  finish(): string {
    return this.column === 0 ? this.out : `${this.out}\n`;
  }
}

function writeMapping(w: Writer, obj: Record<string, unknown>, indent: number, inline: boolean): void {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(goYamlKeyOrder);
  keys.forEach((key, i) => {
    if (!(inline && i === 0)) w.indent(indent);
    writeScalar(w, key, indent + 2, true);
    w.write(':');
    writeValue(w, obj[key], indent, true);
  });
}

function writeSequence(w: Writer, items: readonly unknown[], indent: number): void {
  for (const item of items) {
    w.indent(indent);
    w.write('-');
    writeValue(w, item, indent, false);
  }
}

/** The value after `key:` or `-`; `indent` is the indent of that key or dash. */
function writeValue(w: Writer, v: unknown, indent: number, inMapping: boolean): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return w.write(' []');
    if (inMapping) return writeSequence(w, v, indent); // go-yaml does not indent a sequence in a mapping
    w.write(' ');
    v.forEach((item, i) => {
      if (i > 0) w.indent(indent + 2);
      w.write('-');
      writeValue(w, item, indent + 2, false);
    });
    return;
  }
  if (isObject(v)) {
    if (Object.keys(v).filter((k) => v[k] !== undefined).length === 0) return w.write(' {}');
    if (inMapping) return writeMapping(w, v, indent + 2, false);
    w.write(' ');
    return writeMapping(w, v, indent + 2, true);
  }
  w.write(' ');
  writeScalar(w, v, indent + 2, false);
}

function writeScalar(w: Writer, v: unknown, indent: number, simpleKey: boolean): void {
  if (v === null || v === undefined) return w.write('null');
  if (typeof v === 'boolean') return w.write(v ? 'true' : 'false');
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return w.write('.nan');
    if (!Number.isFinite(v)) return w.write(v > 0 ? '.inf' : '-.inf');
    return w.write(goNumberText(v));
  }
  const s = String(v);
  const a = analyze(s);
  let style: 'plain' | 'single' | 'double' | 'literal';
  if (s.includes('\n')) style = 'literal';
  else style = resolvesToString(s) ? 'plain' : 'double';
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain' && (!a.blockPlain || (s === '' && simpleKey))) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  const breaks = !simpleKey;
  switch (style) {
    case 'plain': return writeFolded(w, s, indent, breaks, false);
    case 'single':
      w.write("'");
      writeFolded(w, s, indent, breaks, true);
      return w.write("'");
    case 'double': return writeDouble(w, s, indent, breaks);
    case 'literal': return writeLiteral(w, s, indent);
  }
}

/** Plain and single-quoted text: a space past column 80 becomes a line break (go-yaml's folding). */
function writeFolded(w: Writer, s: string, indent: number, allowBreaks: boolean, quoted: boolean): void {
  const chars = [...s];
  let spaces = false;
  chars.forEach((ch, i) => {
    if (ch === ' ') {
      const next = chars[i + 1];
      const edge = quoted && (i === 0 || i === chars.length - 1);
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && !edge && next !== ' ' && next !== undefined) {
        w.write('\n' + ' '.repeat(indent));
      } else {
        w.write(ch);
      }
      spaces = true;
    } else {
      w.write(quoted && ch === "'" ? "''" : ch);
      spaces = false;
    }
  });
}

function writeDouble(w: Writer, s: string, indent: number, allowBreaks: boolean): void {
  const chars = [...s];
  w.write('"');
  let spaces = false;
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (!isPrintable(cp) || cp === 0xfeff || isBreak(ch) || ch === '"' || ch === '\\') {
      w.write(escape(cp));
      spaces = false;
    } else if (ch === ' ') {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
        w.write('\n' + ' '.repeat(indent));
        if (chars[i + 1] === ' ') w.write('\\');
      } else {
        w.write(ch);
      }
      spaces = true;
    } else {
      w.write(ch);
      spaces = false;
    }
  });
  w.write('"');
}

function writeLiteral(w: Writer, s: string, indent: number): void {
  let hints = s.startsWith(' ') || isBreak(s[0] ?? '') ? '2' : '';
  if (!s.endsWith('\n')) hints += '-';
  else if (s === '\n' || s.endsWith('\n\n')) hints += '+';
  w.write(`|${hints}\n`);
  let atBreak = true;
  for (const ch of s) {
    if (ch === '\n') {
      w.write('\n');
      atBreak = true;
    } else {
      if (atBreak) w.write(' '.repeat(indent));
      w.write(ch);
      atBreak = false;
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
