/**
 * `-o`/`--output` as kubectl reads it: the table (default), `wide`, `yaml`, `json`, `name`,
 * `jsonpath=TEMPLATE`, `jsonpath-as-json=TEMPLATE`, `custom-columns=HEADER:PATH,…`.
 */
export type OutputFormat =
  | { readonly type: 'table' }
  | { readonly type: 'wide' }
  | { readonly type: 'yaml' }
  | { readonly type: 'json' }
  | { readonly type: 'name' }
  | { readonly type: 'jsonpath'; readonly template: string; readonly asJson: boolean }
  | { readonly type: 'custom-columns'; readonly columns: readonly CustomColumn[] };

export interface CustomColumn {
  readonly header: string;
  /** The path wrapped as kubectl's RelaxedJSONPathExpression makes it: `{.metadata.name}`. */
  readonly template: string;
}

const SUPPORTED = 'custom-columns,json,jsonpath,jsonpath-as-json,name,wide,yaml';

/** Parses an `-o` value; errors are kubectl's text, `error: ` included. */
export function parseOutputFlag(value: string | undefined): OutputFormat | { readonly error: string } {
  if (value === undefined || value === '') return { type: 'table' };
  if (value === 'wide' || value === 'yaml' || value === 'json' || value === 'name') return { type: value };
  const eq = value.indexOf('=');
  const format = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  if (format === 'jsonpath' || format === 'jsonpath-as-json') {
    if (arg === '') return { error: 'error: template format specified but no template given' };
    return { type: 'jsonpath', template: arg, asJson: format === 'jsonpath-as-json' };
  }
  if (format === 'custom-columns') {
    if (arg === '') return { error: 'error: custom-columns format specified but no custom columns given' };
    const columns: CustomColumn[] = [];
    for (const part of arg.split(',')) {
      // kubectl splits on every ':' and prints the pieces as a Go slice when there are not two.
      const pieces = part.split(':');
      if (pieces.length !== 2) return { error: `error: unexpected custom-columns spec: [${pieces.join(' ')}], expected <header>:<json-path-expr>` };
      const template = relaxedJsonPath(pieces[1]!);
      if (template === undefined) {
        return { error: "error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'" };
      }
      columns.push({ header: pieces[0]!, template });
    }
    return { type: 'custom-columns', columns };
  }
  return {
    error: `error: unable to match a printer suitable for the output format "${value}", allowed formats are: ${SUPPORTED}`,
  };
}

/** `name`, `.name`, `{name}`, `{.name}` → `{.name}`, as kubectl's RelaxedJSONPathExpression. */
export function relaxedJsonPath(path: string): string | undefined {
  if (path === '') return '';
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(path);
  if (m === null) return undefined;
  return `{.${m[1] ?? m[2]}}`;
}
