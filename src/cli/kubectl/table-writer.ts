/**
 * kubectl's tab writer (`printers.GetNewTabWriter`: Go tabwriter with minwidth 6, padding 3,
 * pad char ' '): every cell but a line's last is padded to max(widest cell in its column + 3, 6);
 * the last cell is written as is. Widths count runes, as Go's tabwriter does.
 *
 * `src/cli/tabwriter.ts` is istioctl's configuration (padding 5, no minimum width); kubectl's
 * differs in both, so it has its own function here.
 */
const MIN_WIDTH = 6;
const PADDING = 3;

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let j = 0; j < row.length - 1; j++) widths[j] = Math.max(widths[j] ?? 0, runeCount(row[j]!));
  }
  let out = '';
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const cell = row[j]!;
      if (j === row.length - 1) {
        out += cell;
      } else {
        const width = Math.max(widths[j]! + PADDING, MIN_WIDTH);
        out += cell + ' '.repeat(width - runeCount(cell));
      }
    }
    out += '\n';
  }
  return out;
}

/**
 * What kubectl's table printer writes for one cell: text up to the first line break (newline,
 * carriage return or form feed), then `...`, so a multi-line value never breaks the table.
 */
export function cellText(value: string): string {
  const br = value.search(/[\n\r\f]/);
  return br < 0 ? value : `${value.slice(0, br)}...`;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
