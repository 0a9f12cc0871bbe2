import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { Messages } from '../problems/messages.js';
import { problem, type Problem, type ProblemSite } from '../problems/problem.js';
import type { FieldPath } from '../resource/field-path.js';
import { isPlainObject, type Resource, type ResourceRef } from '../resource/resource.js';
import { SourceLocator, type Location } from './source-locator.js';

/** Where a loaded resource came from. */
export interface ResourceSource {
  /** The file as the user named it; '' for text that came from no file. */
  readonly file: string;
  /** 0-based index of the `---`-separated document in the file. */
  readonly docIndex: number;
  /** 0-based index in `items` when the document is a List. */
  readonly itemIndex?: number;
  /** 1-based position of the resource's first key. */
  readonly line: number;
  readonly col: number;
  readonly locator: SourceLocator;
}

export interface LoadedResource {
  readonly resource: Resource;
  readonly source: ResourceSource;
}

export interface LoadResult {
  /** Every document (or List item) that has an apiVersion, a kind and a name, in file order. */
  readonly resources: LoadedResource[];
  /** Syntax errors and envelope errors; the documents they are about are not in `resources`. */
  readonly problems: Problem[];
}

/**
 * Parses multi-document YAML (or JSON, which is YAML) into resources that remember where each
 * field came from. Documents separated by `---` are independent: a syntax error or a missing name
 * in one is reported and the others still load. Empty documents are skipped. A `List` (or typed
 * `FooList`) document contributes each of its items, as kubectl does.
 */
export function loadYaml(text: string, file = ''): LoadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const out: LoadResult = { resources: [], problems: [] };
  docs.forEach((doc, docIndex) => loadDocument(doc, docIndex, lines, file, out));
  return out;
}

function loadDocument(doc: Document.Parsed, docIndex: number, lines: LineCounter, file: string, out: LoadResult): void {
  const fileSite = (offset: number): ProblemSite => ({ file, ...lines.linePos(offset) });
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    out.problems.push(problem(Messages.YamlSyntaxError, [firstError.message], fileSite(firstError.pos[0])));
    return;
  }
  const root = doc.contents;
  // Empty document: nothing, or only comments, between two `---` (the latter parses as a null scalar).
  if (root === null || (isScalar(root) && root.value === null)) return;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb or a merge of a non-map: the YAML is well-formed but cannot become data.
    out.problems.push(problem(Messages.YamlSyntaxError, [(err as Error).message], fileSite(root.range?.[0] ?? 0)));
    return;
  }
  if (!isMap(root) || !isPlainObject(data)) {
    const found = isSeq(root) ? 'a sequence' : 'a scalar';
    out.problems.push(problem(Messages.InvalidDocument, [`expected a mapping with apiVersion, kind and metadata, found ${found}`], fileSite(root.range?.[0] ?? 0)));
    return;
  }
  const isList = typeof data.kind === 'string' && data.kind.endsWith('List') && Array.isArray(data.items);
  if (!isList) {
    addResource(data, new SourceLocator(doc, root, lines), { file, docIndex }, out);
    return;
  }
  const itemsNode = root.get('items', true) as Node | undefined;
  const items = data.items as unknown[];
  items.forEach((item, itemIndex) => {
    const itemNode = isSeq(itemsNode) ? (itemsNode.items[itemIndex] as Node | undefined) : undefined;
    const locator = new SourceLocator(doc, itemNode ?? root, lines);
    if (!isPlainObject(item)) {
      const at = locator.start();
      out.problems.push(problem(Messages.InvalidDocument, [`List item ${itemIndex} is not a mapping`], { file, ...at }));
      return;
    }
    addResource(item, locator, { file, docIndex, itemIndex }, out);
  });
}

/** Checks the envelope (apiVersion, kind, metadata.name) and keeps the resource if it is whole. */
function addResource(
  data: Record<string, unknown>,
  locator: SourceLocator,
  where: { file: string; docIndex: number; itemIndex?: number },
  out: LoadResult,
): void {
  const { apiVersion, kind } = data;
  const metadata = data.metadata;
  const name = isPlainObject(metadata) ? metadata.name : undefined;
  const namespace = isPlainObject(metadata) && typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const ref: ResourceRef | undefined =
    typeof kind === 'string' && typeof name === 'string' && name !== ''
      ? namespace === undefined ? { kind, name } : { kind, namespace, name }
      : undefined;
  const envelopeProblem = (path: FieldPath, detail: string): void => {
    const at: Location = locator.locate(path);
    const site: ProblemSite = { path, file: where.file, line: at.line, col: at.col };
    out.problems.push(problem(Messages.SchemaValidationError, [detail], ref === undefined ? site : { ...site, resource: ref }));
  };
  const before = out.problems.length;
  if (typeof apiVersion !== 'string' || apiVersion === '') envelopeProblem(['apiVersion'], 'apiVersion not set');
  if (typeof kind !== 'string' || kind === '') envelopeProblem(['kind'], 'kind not set');
  if (metadata !== undefined && !isPlainObject(metadata)) {
    envelopeProblem(['metadata'], `metadata: Invalid value: ${JSON.stringify(metadata)}: must be of type object`);
  } else if (name === undefined || name === '') {
    envelopeProblem(['metadata', 'name'], 'metadata.name: Required value: name is required');
  } else if (typeof name !== 'string') {
    envelopeProblem(['metadata', 'name'], `metadata.name: Invalid value: ${JSON.stringify(name)}: must be of type string`);
  }
  if (out.problems.length > before) return;
  const start = locator.start();
  const source: ResourceSource =
    where.itemIndex === undefined
      ? { file: where.file, docIndex: where.docIndex, line: start.line, col: start.col, locator }
      : { file: where.file, docIndex: where.docIndex, itemIndex: where.itemIndex, line: start.line, col: start.col, locator };
  out.resources.push({ resource: data as Resource, source });
}

/** The problem site for a field of a loaded resource: file, line and column of the field. */
export function siteOf(loaded: LoadedResource, path: FieldPath, resource?: ResourceRef): ProblemSite {
  const at = loaded.source.locator.locate(path);
  const site: ProblemSite = { path, file: loaded.source.file, line: at.line, col: at.col };
  return resource === undefined ? site : { ...site, resource };
}
