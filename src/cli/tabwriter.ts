/**
 * Go's text/tabwriter as istioctl configures it (minwidth 0, padding N, ' ', no flags), so
 * tables line up exactly as istioctl's: every cell but a line's last is padded to its column's
 * widest cell plus `padding`; the last cell is written as is.
 */
export function tabulate(rows: readonly (readonly string[])[], padding = 5): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let j = 0; j < row.length - 1; j++) widths[j] = Math.max(widths[j] ?? 0, width(row[j]!));
  }
  let out = '';
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const cell = row[j]!;
      out += j < row.length - 1 ? cell + ' '.repeat(widths[j]! - width(cell) + padding) : cell;
    }
    out += '\n';
  }
  return out;
}

/** Width in runes, as tabwriter counts (no East Asian width). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
