import { goJson, goNumberText } from './go-json.js';
import { goValueText } from './go-value-text.js';
import { JsonPathParseError, parsePath, parseTemplate, type PathNode, type TemplateNode } from './jsonpath-parse.js';

/**
 * kubectl's JSONPath (k8s.io/client-go/util/jsonpath) over plain JSON data, with the options
 * `kubectl get -o jsonpath` uses: missing keys print nothing (`--allow-missing-template-keys`
 * defaults to true), an index past the end of an array is an error, strings print raw and
 * objects/arrays as compact JSON, several results of one action are separated by spaces.
 */
export class JsonPathError extends Error {}

/** A typed literal from a filter's right-hand side: Go compares int with int, float with float. */
interface Typed {
  readonly kind: 'int' | 'float' | 'string' | 'bool';
  readonly value: unknown;
}

export interface CompiledTemplate {
  readonly nodes: readonly TemplateNode[];
}

/** Parses a template; parse errors are thrown as JsonPathParseError with client-go's text. */
export function compileTemplate(template: string): CompiledTemplate {
  return { nodes: parseTemplate(template) };
}

/**
 * Runs a template over data and returns what kubectl writes. With `asJson`, each action's
 * results print as an indented JSON array (`-o jsonpath-as-json`).
 */
export function executeTemplate(t: CompiledTemplate, data: unknown, asJson = false): string {
  let out = '';
  for (const results of findTemplateResults(t.nodes, data)) out += printResults(results, asJson);
  return out;
}

/** Every action's results, in template order (a range contributes its body once per element). */
export function findTemplateResults(nodes: readonly TemplateNode[], data: unknown): unknown[][] {
  const all: unknown[][] = [];
  for (const node of nodes) {
    if (node.type === 'text') all.push([node.value]);
    else if (node.type === 'action') all.push(evalPath([data], node.path));
    else for (const item of evalPath([data], node.path)) all.push(...findTemplateResults(node.body, item));
  }
  return all;
}

/**
 * The first result of a path, as the CRD table converter takes it for a printer column
 * (`undefined` when the path finds nothing or fails).
 */
export function firstResult(path: string, data: unknown): { found: boolean; value?: unknown } {
  let nodes: PathNode[];
  try {
    nodes = parsePath(path);
  } catch {
    return { found: false };
  }
  try {
    const results = evalPath([data], nodes);
    return results.length === 0 ? { found: false } : { found: true, value: results[0] };
  } catch {
    return { found: false };
  }
}

/** client-go's PrintResults: strings raw, objects and arrays as compact JSON, joined by spaces. */
export function printResults(results: readonly unknown[], asJson = false): string {
  if (asJson) return `${goJson(results, '    ')}\n`;
  return results.map((r) => (r !== null && typeof r === 'object' ? goJson(r) : textOf(r))).join(' ');
}

/** evalToText: Go's fmt.Fprint of the value, so a JSON null prints as `<nil>`. */
function textOf(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  return typeof v === 'number' ? goNumberText(v) : String(v);
}

function evalPath(input: unknown[], path: readonly PathNode[]): unknown[] {
  let cur = input;
  for (const node of path) cur = evalNode(cur, node);
  return cur;
}

function evalNode(input: unknown[], node: PathNode): unknown[] {
  switch (node.type) {
    case 'text':
    case 'int':
    case 'float':
    case 'bool':
      return [node.value];
    case 'identifier':
      throw new JsonPathError(`unrecognized identifier ${node.name}`);
    case 'field':
      return evalField(input, node.name);
    case 'wildcard':
      // Go walks map keys in random order; sorted keys make the output reproducible.
      return input.flatMap((v) => (isObject(v) ? Object.keys(v).sort().map((k) => v[k]) : Array.isArray(v) ? v : []));
    case 'recursive':
      return input.flatMap((v) => descendants(v));
    case 'array':
      return evalArray(input, node);
    case 'union':
      return node.items.flatMap((item) => evalPath(input, item));
    case 'filter':
      return evalFilter(input, node);
  }
}

function evalField(input: unknown[], name: string): unknown[] {
  if (name === '') return input.filter((v) => v !== null && v !== undefined);
  const out: unknown[] = [];
  for (const v of input) if (isObject(v) && Object.hasOwn(v, name) && v[name] !== undefined) out.push(v[name]);
  return out;
}

function evalArray(input: unknown[], node: Extract<PathNode, { type: 'array' }>): unknown[] {
  const out: unknown[] = [];
  for (const v of input) {
    if (v === null || v === undefined) continue;
    if (!Array.isArray(v)) throw new JsonPathError(`${goType(v)} is not array or slice`);
    const len = v.length;
    let start = node.start ?? 0;
    if (start < 0) start += len;
    const end = node.index ? start + 1 : node.end === undefined ? len : node.end < 0 ? node.end + len : node.end;
    if (end === start) continue; // asking for nothing is allowed, even past the end
    if (start >= len || start < 0) throw new JsonPathError(`array index out of bounds: index ${start}, length ${len}`);
    if (end > len || end < 0) throw new JsonPathError(`array index out of bounds: index ${end - 1}, length ${len}`);
    if (start > end) throw new JsonPathError(`starting index ${start} is greater than ending index ${end}`);
    const step = node.step ?? 1;
    if (step <= 0) throw new JsonPathError('step must be > 0');
    for (let i = start; i < end; i += step) out.push(v[i]);
  }
  return out;
}

function evalFilter(input: unknown[], node: Extract<PathNode, { type: 'filter' }>): unknown[] {
  const out: unknown[] = [];
  for (const v of input) {
    if (v === null || v === undefined) continue;
    if (!Array.isArray(v)) throw new JsonPathError(`${goValueText(v)} is not array or slice and cannot be filtered`);
    for (const item of v) {
      const lefts = evalPath([item], node.left);
      if (node.op === 'exists') {
        if (lefts.length > 0) out.push(item);
        continue;
      }
      if (lefts.length === 0) continue;
      if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
      const rights = evalPath([item], node.right);
      if (rights.length === 0) continue;
      if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
      if (compare(typed(lefts[0], node.left), typed(rights[0], node.right), node.op)) out.push(item);
    }
  }
  return out;
}

function typed(value: unknown, path: readonly PathNode[]): Typed {
  const lit = path.length === 1 ? path[0] : undefined;
  if (lit?.type === 'int' || lit?.type === 'float') return { kind: lit.type, value };
  if (typeof value === 'number') return { kind: Number.isInteger(value) ? 'int' : 'float', value };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  throw new JsonPathError('invalid type for comparison');
}

function compare(a: Typed, b: Typed, op: string): boolean {
  if (a.kind !== b.kind) throw new JsonPathError('incompatible types for comparison');
  const x = a.value as number | string | boolean;
  const y = b.value as number | string | boolean;
  switch (op) {
    case '==': return x === y;
    case '!=': return x !== y;
  }
  if (a.kind === 'bool') throw new JsonPathError('invalid type for comparison');
  switch (op) {
    case '<': return x < y;
    case '>': return x > y;
    case '<=': return x <= y;
    case '>=': return x >= y;
    default: throw new JsonPathError(`unrecognized filter operator ${op}`);
  }
}

/** `..`: every non-empty object, array or string below (and including) the value, depth first. */
function descendants(v: unknown): unknown[] {
  let children: unknown[];
  if (isObject(v)) children = Object.keys(v).sort().map((k) => v[k]);
  else if (Array.isArray(v)) children = v;
  else if (typeof v === 'string') children = [...v].map(() => null);
  else return [];
  if (children.length === 0) return [];
  return [v, ...children.flatMap((c) => descendants(c))];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go type an unstructured value has, for client-go's error texts. */
function goType(v: unknown): string {
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

export { JsonPathParseError };
