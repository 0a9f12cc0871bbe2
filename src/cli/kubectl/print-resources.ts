import type { KindInfo } from '../../api/kinds/kind.js';
import { parseApiVersion } from '../../api/kinds/kind.js';
import type { Resource } from '../../api/resource/resource.js';
import { goValueText } from './go-value-text.js';
import { goJson } from './go-json.js';
import { goYaml } from './go-yaml.js';
import { renderKindTable } from './human-table.js';
import { JsonPathError, JsonPathParseError, compileTemplate, executeTemplate, findTemplateResults } from './jsonpath.js';
import type { OutputFormat } from './output-format.js';
import { kindPrefix } from './resource-types.js';
import { cellText, formatTable } from './table-writer.js';

export interface PrintOptions {
  readonly output: OutputFormat;
  /** The namespace listed (for `No resources found in NS namespace.`); ignored with allNamespaces. */
  readonly namespace: string;
  readonly allNamespaces?: boolean;
  /** `-L`/`--label-columns`, already split on commas. */
  readonly labelColumns?: readonly string[];
  readonly showLabels?: boolean;
  /** `--show-kind`: prefix names with their kind even for one kind. */
  readonly showKind?: boolean;
  readonly noHeaders?: boolean;
  /**
   * One object was asked for by name (`get svc NAME`): yaml, json and jsonpath print the
   * object itself; otherwise they print a `kind: List` holding every item, as kubectl does.
   */
  readonly singleItem?: boolean;
}

/** What the command writes: stdout, stderr, and the exit code kubectl would return. */
export interface PrintResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Prints resources as `kubectl get` does. `kinds` are the requested kinds in request order
 * (from resolveResourceType); `resources` are what the store returned for them, already
 * filtered by namespace, name and selector. Each kind's resources are printed sorted by
 * namespace and name, as the API server lists them.
 */
export function printResources(kinds: readonly KindInfo[], resources: readonly Resource[], opts: PrintOptions, now: Date): PrintResult {
  const groups = kinds.map((info) => ({ info, items: sortByName(resources.filter((r) => isOfKind(r, info))) }));
  const items = groups.flatMap((g) => g.items);
  switch (opts.output.type) {
    case 'table':
    case 'wide':
      return printTables(groups, opts, now);
    case 'name':
      return ok(groups.flatMap((g) => g.items.map((r) => `${kindPrefix(g.info)}/${r.metadata.name ?? ''}\n`)).join(''));
    case 'yaml':
      return ok(goYaml(document(items, opts)));
    case 'json':
      return ok(`${goJson(document(items, opts), '    ')}\n`);
    case 'jsonpath':
      return printJsonPath(opts.output.template, opts.output.asJson, document(items, opts));
    case 'custom-columns':
      return printCustomColumns(opts.output.columns, items, opts.noHeaders === true);
  }
}

function printTables(groups: { info: KindInfo; items: Resource[] }[], opts: PrintOptions, now: Date): PrintResult {
  const tableOpts = {
    wide: opts.output.type === 'wide',
    allNamespaces: opts.allNamespaces === true,
    labelColumns: opts.labelColumns ?? [],
    showLabels: opts.showLabels === true,
    withKind: opts.showKind === true || groups.length > 1,
    noHeaders: opts.noHeaders === true,
  };
  // A blank line separates the tables of different kinds (kubectl's separator writer).
  const tables = groups.map((g) => renderKindTable(g.info, g.items, tableOpts, now)).filter((t) => t !== '');
  if (tables.length > 0) return ok(tables.join('\n'));
  const allNamespaced = opts.allNamespaces !== true && groups.every((g) => g.info.namespaced);
  const stderr = allNamespaced ? `No resources found in ${opts.namespace} namespace.\n` : 'No resources found\n';
  return { stdout: '', stderr, exitCode: 0 };
}

/** What yaml, json and jsonpath see: the object itself, or a List of every item. */
function document(items: readonly Resource[], opts: PrintOptions): unknown {
  if (opts.singleItem === true && items.length === 1) return items[0];
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

function printJsonPath(template: string, asJson: boolean, data: unknown): PrintResult {
  let compiled;
  try {
    compiled = compileTemplate(template);
  } catch (e) {
    if (!(e instanceof JsonPathParseError)) throw e;
    return fail(`error: error parsing jsonpath ${template}, ${e.message}\n`);
  }
  try {
    return ok(executeTemplate(compiled, data, asJson));
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    // kubectl adds a Go %#v dump of the object; we give the same text with the object as JSON.
    return fail(
      `error: error executing jsonpath ${goJson(template)}: Error executing template: ${e.message}. ` +
        'Printing more information for debugging the template:\n' +
        `\ttemplate was:\n\t\t${template}\n` +
        `\tobject given to jsonpath engine was:\n\t\t${goJson(data)}\n\n`,
    );
  }
}

function printCustomColumns(columns: readonly { header: string; template: string }[], items: readonly Resource[], noHeaders: boolean): PrintResult {
  const compiled = [];
  for (const c of columns) {
    try {
      compiled.push(compileTemplate(c.template));
    } catch (e) {
      if (!(e instanceof JsonPathParseError)) throw e;
      return fail(`error: ${e.message}\n`);
    }
  }
  const rows: string[][] = noHeaders ? [] : [columns.map((c) => c.header)];
  for (const item of items) {
    const row: string[] = [];
    for (const t of compiled) {
      let results: unknown[][];
      try {
        results = findTemplateResults(t.nodes, item);
      } catch (e) {
        if (!(e instanceof JsonPathError)) throw e;
        return fail(`error: ${e.message}\n`);
      }
      const values = results.flat();
      row.push(cellText(values.length === 0 || results[0]?.length === 0 ? '<none>' : values.map(goValueText).join(',')));
    }
    rows.push(row);
  }
  return ok(formatTable(rows));
}

function isOfKind(r: Resource, info: KindInfo): boolean {
  return r.kind === info.kind && parseApiVersion(r.apiVersion).group === info.group;
}

function sortByName(items: Resource[]): Resource[] {
  const key = (r: Resource): string => `${r.metadata.namespace ?? ''}\u0000${r.metadata.name ?? ''}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function ok(stdout: string): PrintResult {
  return { stdout, stderr: '', exitCode: 0 };
}

function fail(stderr: string): PrintResult {
  return { stdout: '', stderr, exitCode: 1 };
}
