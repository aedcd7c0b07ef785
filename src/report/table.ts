/** Plain aligned columns: stable and greppable, two spaces between columns. */
export function renderTable(header: string[], rows: string[][], rightAlign: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => {
        const last = i === cells.length - 1;
        if (rightAlign[i]) return c.padStart(widths[i]!);
        return last ? c : c.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd() + '\n';
  return fmt(header) + rows.map(fmt).join('');
}

/** 42s, 5m, 3h, 2d. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
