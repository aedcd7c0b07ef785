import fs from 'node:fs';
import path from 'node:path';
import { readCounts } from '../../store/counts.js';
import { writeOut } from '../../store/fsio.js';
import { listDays } from '../../store/layout.js';
import { renderTable } from '../../report/table.js';
import { sparkline } from '../../report/trend.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';

export interface TrendOptions {
  passes?: number;
  days?: number;
  json?: boolean;
}

/** `breakfix trend [GROUP...] [--passes N | --days N]`: counts over passes (from counts.tsv) or days. */
export async function run(args: unknown[], opts: TrendOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const wanted = (args[0] as string[]) ?? [];
  if (opts.passes !== undefined && opts.days !== undefined) throw new UsageError('give --passes or --days, not both');
  const scope = await resolveScope(g, deps);
  const series = new Map<string, Array<{ label: string; count: number }>>();
  const push = (group: string, label: string, count: number) => {
    let s = series.get(group);
    if (!s) series.set(group, (s = []));
    s.push({ label, count });
  };
  if (opts.days !== undefined) {
    if (!scope.dcDir) throw new UsageError('--days needs a home: --home, $BREAKFIX_HOME or a config');
    for (const day of listDays(scope.dcDir).slice(-opts.days)) {
      const rows = readCounts(path.join(scope.dcDir, day));
      if (rows.length === 0) continue;
      const last = Math.max(...rows.map((r) => r.pass));
      for (const r of rows) if (r.pass === last) push(r.group, day, r.count);
    }
  } else {
    const rows = readCounts(scope.dayDir);
    const passes = [...new Set(rows.map((r) => r.pass))].sort((a, b) => a - b).slice(-(opts.passes ?? 12));
    for (const r of rows) if (passes.includes(r.pass)) push(r.group, String(r.pass), r.count);
  }
  if (series.size === 0) {
    writeOut(`no counts yet in ${scope.dcDir ?? scope.dayDir}: counts.tsv is written by each pass\n`);
    return fs.existsSync(scope.dayDir) ? 0 : 1;
  }
  let names = wanted.length ? wanted : [...series.keys()].filter((k) => new Set(series.get(k)!.map((p) => p.count)).size > 1);
  if (names.length === 0) names = [...series.keys()];
  for (const n of names) if (!series.has(n)) throw new UsageError(`no counts for group "${n}"`);
  names.sort();
  if (opts.json) {
    writeOut(JSON.stringify(Object.fromEntries(names.map((n) => [n, series.get(n)])), null, 2) + '\n');
    return 0;
  }
  writeOut(
    renderTable(
      ['group', 'first', 'last', 'trend', 'counts'],
      names.map((n) => {
        const pts = series.get(n)!;
        return [n, pts[0]!.label, pts[pts.length - 1]!.label, sparkline(pts.map((p) => p.count)), pts.map((p) => p.count).join(' ')];
      }),
    ),
  );
  return 0;
}
