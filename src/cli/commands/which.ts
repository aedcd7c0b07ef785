import path from 'node:path';
import { compareBytes } from '../../sets/compare.js';
import { canonicalHost } from '../../sources/hostnames.js';
import { LineCursor } from '../../sets/lines.js';
import { fileSource, writeOut } from '../../store/fsio.js';
import { listEntries } from '../../store/layout.js';
import { displayPath, resolveScope, type Deps, type GlobalOptions } from '../context.js';

export interface WhichOptions {
  day?: string;
  json?: boolean;
}

/** Scans a sorted group for one line; stops as soon as it has passed where it would be. */
function groupHas(file: string, label: string, want: Buffer): boolean {
  const c = new LineCursor(fileSource(file, label));
  try {
    while (c.next()) {
      const cmp = compareBytes(c.buf, c.start, c.end, want, 0, want.length);
      if (cmp === 0) return true;
      if (cmp > 0) return false;
    }
    return false;
  } finally {
    c.source.close();
  }
}

/** Rows of a table that name the host: in their key, or as a whole field. */
function tableRows(file: string, label: string, host: string): Array<Record<string, string>> {
  const c = new LineCursor(fileSource(file, label), true, true);
  const want = Buffer.from(host);
  const rows: Array<Record<string, string>> = [];
  let header: string[] | null = null;
  try {
    while (c.next()) {
      if (!header) {
        header = c.buf.toString('utf8', c.start, c.end).split('\t');
        continue;
      }
      const line = c.buf.subarray(c.start, c.end);
      if (!line.includes(want)) continue;
      const fields = line.toString('utf8').split('\t');
      if (!fields.includes(host)) continue;
      const row: Record<string, string> = {};
      header.forEach((h, i) => (row[h] = fields[i] ?? ''));
      rows.push(row);
    }
  } finally {
    c.source.close();
  }
  return rows;
}

/**
 * What a person typed, by the sources' own rule (lower case, no port, the
 * domain on a short name); something that rule refuses is looked up as typed.
 */
function canonicalQuery(typed: string, domain: string | null): string {
  return canonicalHost(typed, { domain }).host ?? typed.trim().toLowerCase();
}

/**
 * `breakfix which HOST`: every group that holds the host and every table row
 * naming it today, then its history in time order: plans, refusals, applies,
 * exec results, open plans and transcript lines.
 */
export async function run(args: unknown[], opts: WhichOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps, opts.day ?? g.day);
  const host = canonicalQuery(args[0] as string, scope.config?.domain ?? null);
  const want = Buffer.from(host);
  const groups: string[] = [];
  const tables: Array<{ table: string; row: Record<string, string> }> = [];
  for (const e of listEntries(scope.dayDir)) {
    const file = path.join(scope.dayDir, e.name);
    const label = displayPath(file, deps.cwd);
    if (e.kind === 'group') {
      if (groupHas(file, label, want)) groups.push(e.name);
    } else {
      for (const row of tableRows(file, label, host)) tables.push({ table: e.name, row });
    }
  }
  const { hostHistory } = await import('../../pass/history.js');
  const history = scope.dcDir ? hostHistory(scope.dcDir, host) : [];
  if (opts.json) {
    writeOut(JSON.stringify({ host, day: displayPath(scope.dayDir, deps.cwd), groups, tables, history }, null, 2) + '\n');
    return 0;
  }
  if (groups.length === 0 && tables.length === 0 && history.length === 0) {
    writeOut(`${host}: in no group or table of ${displayPath(scope.dayDir, deps.cwd) || '.'}\n`);
    return 1;
  }
  let text = '';
  for (const n of groups) text += `group\t${n}\n`;
  for (const t of tables) {
    text += `table\t${t.table}\t${Object.entries(t.row)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`;
  }
  for (const e of history) text += `${e.time}\t${e.kind}\t${e.text}\n`;
  writeOut(text);
  return 0;
}
