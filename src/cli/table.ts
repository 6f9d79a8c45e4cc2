/**
 * Rows for people and for scripts: aligned columns under a header on a terminal, tab-separated
 * columns without a header when piped (for cut, awk and sort).
 */
export function renderTable(header: string[], rows: string[][], forTerminal: boolean): string {
  if (!forTerminal) return rows.map((r) => r.join('\t')).join('\n');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
