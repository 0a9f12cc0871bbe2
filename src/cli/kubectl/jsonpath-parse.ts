/**
 * The parser of kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): text with
 * `{…}` actions holding a path (`.a.b`, `['k']`, `[0]`, `[1:3]`, `[*]`, `..name`, `.*`,
 * `[?(@.type=="Ready")]`, `[a,b]`), a quoted literal (`{"\n"}`), or `range`/`end`. Error texts
 * are client-go's, so `error parsing jsonpath …` reads as kubectl's.
 */

export type PathNode =
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'wildcard' }
  | { readonly type: 'recursive' }
  | { readonly type: 'array'; readonly start?: number; readonly end?: number; readonly step?: number; readonly index: boolean }
  | { readonly type: 'union'; readonly items: readonly (readonly PathNode[])[] }
  | { readonly type: 'filter'; readonly left: readonly PathNode[]; readonly op: string; readonly right: readonly PathNode[] }
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'identifier'; readonly name: string };

/** A template: literal text, actions (one path each), and range blocks over a path. */
export type TemplateNode =
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'action'; readonly path: readonly PathNode[] }
  | { readonly type: 'range'; readonly path: readonly PathNode[]; readonly body: readonly TemplateNode[] };

export class JsonPathParseError extends Error {}

export function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { body: TemplateNode[] }[] = [{ body: root }];
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{', pos);
    if (open < 0) {
      stack.at(-1)!.body.push({ type: 'text', value: template.slice(pos) });
      break;
    }
    if (open > pos) stack.at(-1)!.body.push({ type: 'text', value: template.slice(pos, open) });
    const p = new ActionParser(template, open + 1);
    const path = p.parseAction();
    pos = p.pos;
    const first = path[0];
    if (first?.type === 'identifier' && first.name === 'range') {
      const block = { type: 'range' as const, path: path.slice(1), body: [] as TemplateNode[] };
      stack.at(-1)!.body.push(block);
      stack.push(block);
    } else if (first?.type === 'identifier' && first.name === 'end') {
      if (stack.length === 1) throw new JsonPathParseError('not in range, nothing to end');
      stack.pop();
    } else {
      stack.at(-1)!.body.push({ type: 'action', path });
    }
  }
  // A range without {end} runs to the end of the template, as client-go's does.
  return root;
}

/** Parses a lone path such as a printer column's `.spec.hosts` (wrapped in braces as the CRD table converter does). */
export function parsePath(path: string): PathNode[] {
  const p = new ActionParser(`${path}}`, 0);
  const nodes = p.parseAction();
  if (p.pos !== path.length + 1) throw new JsonPathParseError(`unexpected text after path`);
  return nodes;
}

const TERMINATORS = new Set(['.', ',', '[', ']', '$', '@', '{', '}', ' ', '\t', '\r', '\n']);
const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/s;

class ActionParser {
  constructor(
    readonly input: string,
    public pos: number,
  ) {}

  /** Parses from just after `{` up to and including the matching `}`. */
  parseAction(): PathNode[] {
    const nodes: PathNode[] = [];
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith('}')) {
        this.pos++;
        return nodes;
      }
      if (rest.startsWith('[?(')) {
        nodes.push(this.parseFilter());
        continue;
      }
      if (rest.startsWith('..')) {
        this.pos += 2;
        nodes.push({ type: 'recursive' });
        if (/^[\p{L}\p{N}_]/u.test(this.input.slice(this.pos))) nodes.push(this.parseField());
        continue;
      }
      const r = this.input[this.pos];
      if (r === undefined || r === '\n' || r === '\r') throw new JsonPathParseError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        this.pos++; // `@` and `$` are the current object: nothing to add to the path
      } else if (r === '[') {
        nodes.push(this.parseArray());
      } else if (r === '"' || r === "'") {
        nodes.push({ type: 'text', value: this.parseQuote(r) });
      } else if (r === '.') {
        this.pos++;
        nodes.push(this.parseField());
      } else if (r === '+' || r === '-' || /\d/.test(r)) {
        nodes.push(this.parseNumber());
      } else if (/[\p{L}\p{N}_]/u.test(r)) {
        nodes.push(this.parseIdentifier());
      } else {
        throw new JsonPathParseError(`unrecognized character in action: ${goRune(r)}`);
      }
    }
  }

  parseField(): PathNode {
    let name = '';
    while (this.pos < this.input.length) {
      const r = this.input[this.pos]!;
      if (r === '\\') {
        // `\.` keeps a dot in a key: `.metadata.labels.istio\.io/rev`.
        name += this.input[this.pos + 1] ?? '';
        this.pos += 2;
        continue;
      }
      if (TERMINATORS.has(r)) break;
      name += r;
      this.pos++;
    }
    return name === '*' ? { type: 'wildcard' } : { type: 'field', name };
  }

  parseArray(): PathNode {
    const close = this.input.indexOf(']', this.pos);
    if (close < 0) throw new JsonPathParseError('unterminated array');
    const text = this.input.slice(this.pos + 1, close);
    this.pos = close + 1;
    const parts = text.split(',');
    if (parts.length > 1) {
      return { type: 'union', items: parts.map((part) => new ActionParser(`[${part.trim()}]}`, 0).parseAction()) };
    }
    const key = /^'([^']*)'$/.exec(text) ?? /^"([^"]*)"$/.exec(text);
    if (key !== null) return { type: 'field', name: key[1]! };
    if (text === '*') return { type: 'array', index: false };
    const m = SLICE.exec(text);
    if (m === null || text === '') throw new JsonPathParseError(`invalid array index ${text}`);
    const num = (s: string | undefined): number | undefined => {
      const digits = s?.replace(/^:/, '');
      return digits === undefined || digits === '' || digits === '-' ? undefined : Number(digits);
    };
    const start = num(m[1]);
    if (m[2] === undefined) {
      if (start === undefined) throw new JsonPathParseError(`invalid array index ${text}`);
      return { type: 'array', start, index: true };
    }
    const node: { type: 'array'; index: false; start?: number; end?: number; step?: number } = { type: 'array', index: false };
    if (start !== undefined) node.start = start;
    const end = num(m[2]);
    if (end !== undefined) node.end = end;
    const step = num(m[3]);
    if (step !== undefined) node.step = step;
    return node;
  }

  parseFilter(): PathNode {
    this.pos += 3;
    const begin = this.pos;
    let quote: string | undefined;
    for (;;) {
      const r = this.input[this.pos];
      if (r === undefined || r === '\n') throw new JsonPathParseError('unterminated filter');
      this.pos++;
      if (quote === undefined && (r === '"' || r === "'")) quote = r;
      else if (quote !== undefined && r === quote && this.input[this.pos - 2] !== '\\') quote = undefined;
      else if (quote === undefined && r === ')') break;
    }
    if (this.input[this.pos] !== ']') throw new JsonPathParseError('unclosed array expect ]');
    const text = this.input.slice(begin, this.pos - 1);
    this.pos++;
    const m = FILTER.exec(text);
    const sub = (s: string): PathNode[] => new ActionParser(`${s}}`, 0).parseAction();
    if (m === null) return { type: 'filter', left: sub(text), op: 'exists', right: [] };
    return { type: 'filter', left: sub(m[1]!), op: m[2]!, right: sub(m[3]!) };
  }

  parseQuote(quote: string): string {
    const begin = this.pos;
    this.pos++;
    for (;;) {
      const r = this.input[this.pos];
      if (r === undefined || r === '\n') throw new JsonPathParseError('unterminated quoted string');
      this.pos++;
      if (r === '\\') this.pos++;
      else if (r === quote) break;
    }
    return unquote(this.input.slice(begin + 1, this.pos - 1));
  }

  parseNumber(): PathNode {
    const m = /^[+-]?\d*(\.\d+)?/.exec(this.input.slice(this.pos))!;
    this.pos += m[0].length;
    const value = Number(m[0]);
    if (m[0] === '' || Number.isNaN(value)) throw new JsonPathParseError(`cannot parse number ${m[0]}`);
    return m[1] === undefined ? { type: 'int', value } : { type: 'float', value };
  }

  parseIdentifier(): PathNode {
    const m = /^[\p{L}\p{N}_]+/u.exec(this.input.slice(this.pos))!;
    this.pos += m[0].length;
    if (m[0] === 'true' || m[0] === 'false') return { type: 'bool', value: m[0] === 'true' };
    return { type: 'identifier', name: m[0] };
  }
}

/** Go's strconv.Unquote escapes, for `"\n"` and `'\t'` literals. */
function unquote(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{3}|.)/gs, (_, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'u':
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      default: return /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

/** Go's `%#U`: `U+0023 '#'`. */
function goRune(r: string): string {
  const cp = r.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${r}'`;
}
