import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

/**
 * `counts.tsv`: pass, time, group, count — one row per group per pass, so
 * trends and swings can be read back with awk. Rows are appended by rewriting
 * the file atomically (it stays small: groups × passes of one day).
 */
export const COUNTS = 'counts.tsv';
const HEADER = 'pass\ttime\tgroup\tcount\n';

export interface CountRow {
  pass: number;
  time: string;
  group: string;
  count: number;
}

export function readCounts(dayDir: string): CountRow[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dayDir, COUNTS), 'utf8');
  } catch {
    return [];
  }
  const rows: CountRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const [pass, time, group, count] = line.split('\t');
    if (!group || pass === undefined || count === undefined) continue;
    rows.push({ pass: Number(pass), time: time ?? '', group, count: Number(count) });
  }
  return rows;
}

export function appendCounts(dayDir: string, rows: CountRow[]): void {
  const file = path.join(dayDir, COUNTS);
  let old = '';
  try {
    old = fs.readFileSync(file, 'utf8');
  } catch {
    old = HEADER;
  }
  if (!old.startsWith('pass\t')) old = HEADER + old;
  const add = rows.map((r) => `${r.pass}\t${r.time}\t${r.group}\t${r.count}\n`).join('');
  writeFileAtomic(file, old + add);
}

/** The counts of the latest pass recorded in `dayDir`, or of the day before's when today has none. */
export function lastPassCounts(dayDirs: string[]): Map<string, number> | null {
  for (const d of dayDirs) {
    const rows = readCounts(d);
    if (rows.length === 0) continue;
    const last = Math.max(...rows.map((r) => r.pass));
    return new Map(rows.filter((r) => r.pass === last).map((r) => [r.group, r.count]));
  }
  return null;
}
