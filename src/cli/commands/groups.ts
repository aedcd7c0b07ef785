import fs from 'node:fs';
import path from 'node:path';
import { writeOut } from '../../store/fsio.js';
import { countLines, readGroupLines } from '../../store/group.js';
import { foldNodeset } from '../../sets/nodeset.js';
import { listEntries } from '../../store/layout.js';
import { metaIsFresh, readMeta } from '../../store/meta.js';
import { formatAge, renderTable } from '../../report/table.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';

export interface GroupsOptions {
  day?: string;
  json?: boolean;
  fold?: boolean;
}

export interface GroupInfo {
  name: string;
  kind: string;
  count: number;
  age_seconds: number;
  source: string;
  stale: boolean;
}

/** Facts about every group and table of a day directory. */
export function describeDay(dayDir: string, now: Date): GroupInfo[] {
  return listEntries(dayDir).map(({ name, kind }) => {
    const file = path.join(dayDir, name);
    const meta = readMeta(dayDir, name);
    const fresh = meta !== null && metaIsFresh(dayDir, name);
    const lines = fresh ? meta.count : kind === 'table' ? Math.max(0, countLines(file) - 1) : countLines(file);
    const when = fresh ? Date.parse(meta.time) : fs.statSync(file).mtimeMs;
    const source = meta ? (meta.expression ?? meta.source ?? meta.inputs.join(' ')) : '';
    return {
      name,
      kind: meta?.kind ?? (kind === 'table' ? 'table' : 'file'),
      count: lines,
      age_seconds: Math.max(0, Math.round((now.getTime() - when) / 1000)),
      source,
      stale: !fresh,
    };
  });
}

/** `breakfix groups`: name, kind, count, age, source — one line each. */
export async function run(_args: unknown[], opts: GroupsOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps, opts.day ?? g.day);
  const infos = describeDay(scope.dayDir, deps.now());
  if (opts.fold) {
    if (opts.json) throw new UsageError('--fold prints each group as a node set; it does not go with --json');
    // As `cluset -LL` lists groups: the name, the count, the hosts folded as `nodeset -f` prints them.
    let out = '';
    for (const i of infos) {
      if (i.name.endsWith('.tsv')) continue;
      out += `${i.name}\t${i.count}\t${foldNodeset(readGroupLines(path.join(scope.dayDir, i.name)))}\n`;
    }
    writeOut(out);
    return 0;
  }
  if (opts.json) {
    writeOut(JSON.stringify({ day: displayPath(scope.dayDir, deps.cwd), groups: infos }, null, 2) + '\n');
    return 0;
  }
  if (infos.length === 0) {
    writeOut(`no groups in ${displayPath(scope.dayDir, deps.cwd) || '.'}\n`);
    return 0;
  }
  const rows = infos.map((i) => [i.name, i.stale && i.kind !== 'file' ? `${i.kind}*` : i.kind, String(i.count), formatAge(i.age_seconds), i.source]);
  writeOut(renderTable(['name', 'kind', 'count', 'age', 'source'], rows, [false, false, true, true, false]));
  if (infos.some((i) => i.stale && i.kind !== 'file')) writeOut('* meta is older than the file: the file was changed after its source wrote it\n');
  return 0;
}
