/**
 * Rows for people and for scripts: aligned columns under a header on a terminal, tab-separated
 * columns without a header when piped (for cut, awk and sort).
 */
export function renderTable(header: string[], rows: string[][], forTerminal: boolean): string {
  const table = tableLayout(header, rows, forTerminal);
  return [...(table.header === undefined ? [] : [table.header]), ...rows.map(table.line)].join('\n');
}

/**
 * The same, a line at a time, for rows too many to hold (`ca list` of a large store): the columns
 * are as wide as the header and the `sample` rows need; a wider cell later pushes its line out.
 */
export function tableLayout(header: string[], sample: string[][], forTerminal: boolean): { header?: string; line: (cells: string[]) => string } {
  if (!forTerminal) return { line: (cells) => cells.join('\t') };
  const widths = header.map((h, i) => Math.max(h.length, ...sample.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return { header: line(header), line };
}
