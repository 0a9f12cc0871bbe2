import type { KindInfo } from '../../api/kinds/kind.js';
import type { Resource } from '../../api/resource/resource.js';
import { kindTable } from './kind-tables.js';
import { kindPrefix } from './resource-types.js';
import { cellText, formatTable } from './table-writer.js';
import { formatLabels } from './fields.js';

/** The decorations kubectl's table printer adds around a kind's own columns. */
export interface TableOptions {
  readonly wide: boolean;
  /** `-A`: a leading NAMESPACE column, for namespaced kinds only. */
  readonly allNamespaces: boolean;
  /** `-L k1,k2`: one column per label key, headed by the key's last path segment in upper case. */
  readonly labelColumns: readonly string[];
  /** `--show-labels`: a last LABELS column. */
  readonly showLabels: boolean;
  /** Prefix names with `kind.group/` (several kinds requested, or `--show-kind`). */
  readonly withKind: boolean;
  readonly noHeaders: boolean;
}

/**
 * One kind's table, as kubectl's HumanReadablePrinter prints the server's Table: columns
 * filtered by priority, decorated (namespace, label columns, labels), headers upper-cased, and
 * laid out by the tab writer. '' when there are no rows (kubectl prints no header then).
 */
export function renderKindTable(info: KindInfo, resources: readonly Resource[], opts: TableOptions, now: Date): string {
  if (resources.length === 0) return '';
  const table = kindTable(info);
  const visible = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const withNamespace = opts.allNamespaces && info.namespaced;
  const prefix = opts.withKind ? `${kindPrefix(info)}/` : '';

  const rows: string[][] = [];
  if (!opts.noHeaders) {
    const header = visible.map(({ c }) => c.name.toUpperCase());
    for (const label of opts.labelColumns) header.push(label.split('/').at(-1)!.toUpperCase());
    if (opts.showLabels) header.push('LABELS');
    rows.push(withNamespace ? ['NAMESPACE', ...header] : header);
  }
  for (const r of resources) {
    const cells = table.cells(r, now, opts.wide);
    const row = visible.map(({ c, i }) => {
      const text = cells[i] ?? '';
      return c.isName === true ? prefix + text : text;
    });
    const labels = r.metadata.labels ?? {};
    for (const key of opts.labelColumns) row.push(typeof labels[key] === 'string' ? labels[key] : '');
    if (opts.showLabels) row.push(formatLabels(labels));
    rows.push((withNamespace ? [r.metadata.namespace ?? '', ...row] : row).map(cellText));
  }
  return formatTable(rows);
}
