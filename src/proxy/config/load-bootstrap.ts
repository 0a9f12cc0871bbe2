import { readFileSync } from 'node:fs';
import { isMap, isSeq, isScalar, isAlias, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { lookupType } from '../../xds/proto/envoy-protos.js';
import { parsePath } from '../../xds/proto/field-path.js';
import { jsonToMessage, messageToJson } from '../../xds/proto/proto-json.js';
import { validateJson } from '../../xds/proto/validate-fields.js';
import { describeUnsupported, unsupportedFields } from './supported-fields.js';

/**
 * Reads an Envoy v3 Bootstrap from YAML or JSON (JSON is YAML), checks it against the real
 * protobuf schema and reports problems the way compilers do: `FILE:LINE:COL: PATH: reason`,
 * every problem at once. The result is canonical proto3 JSON (snake_case, "1.5s" durations,
 * enum names): the same shape the xDS client hands over, so one compiler serves both.
 */

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

export interface BootstrapProblem {
  file: string;
  line: number;
  col: number;
  /** Field path in the document; '' for syntax errors and the document as a whole. */
  path: string;
  reason: string;
}

export function formatProblem(p: BootstrapProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.reason}`;
}

/** An unusable bootstrap; the message has one `FILE:LINE:COL: PATH: reason` line per problem. */
export class BootstrapError extends Error {
  constructor(readonly problems: readonly BootstrapProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'BootstrapError';
  }
}

export interface LoadedBootstrap {
  /** Canonical proto3 JSON of envoy.config.bootstrap.v3.Bootstrap. */
  bootstrap: Record<string, unknown>;
  /** `FILE:LINE:COL: PATH: field "x" of T is not supported by tsmesh and is ignored`, one per field. */
  warnings: string[];
  /**
   * Where a field path lies in the file, for errors found later (compiling the static
   * resources): `locate('static_resources.clusters[1].lb_policy', reason)`.
   */
  locate(path: string, reason: string): BootstrapProblem;
}

export function loadBootstrap(file: string): LoadedBootstrap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BootstrapError([{ file, line: 1, col: 1, path: '', reason: `cannot read bootstrap: ${(err as Error).message}` }]);
  }
  return parseBootstrap(text, file);
}

/** loadBootstrap on text already in memory; `file` names it in messages. */
export function parseBootstrap(text: string, file: string): LoadedBootstrap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    // Only the first: the parser's later errors are mostly that one's echoes at the same place.
    const pos = syntax.linePos?.[0] ?? lineCounter.linePos(syntax.pos[0]);
    throw new BootstrapError([{ file, line: pos.line, col: pos.col, path: '', reason: `YAML syntax error: ${firstLine(syntax.message)}` }]);
  }
  const json: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  const locate = (path: string, reason: string): BootstrapProblem => {
    const offset = offsetOf(doc, path);
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, col: pos.col, path, reason };
  };

  const issues = validateJson(BOOTSTRAP_TYPE, json);
  if (issues.length > 0) throw new BootstrapError(issues.map((i) => locate(i.path, i.message)));

  const warnings = unsupportedFields(BOOTSTRAP_TYPE, json).map((u) => formatProblem(locate(u.path, describeUnsupported(u))));
  const bootstrap = messageToJson(lookupType(BOOTSTRAP_TYPE), jsonToMessage(BOOTSTRAP_TYPE, json));
  return { bootstrap, warnings, locate };
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return nl < 0 ? s : s.slice(0, nl);
}

/**
 * Source offset of the node a path names: the key of the last mapping entry found (so
 * "unknown field" points at the field's name), or the deepest node that exists when the path
 * goes further than the document (a missing "@type" points at its object).
 */
function offsetOf(doc: Document, path: string): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const seg of parsePath(path)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (typeof seg === 'number' && isSeq(node)) {
      node = node.items[seg];
    } else if (typeof seg === 'string' && isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === seg);
      if (!pair) return offset;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      continue;
    } else {
      return offset;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | null)?.range?.[0];
}
