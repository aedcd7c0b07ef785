import fs from 'node:fs';
import path from 'node:path';
import { removeStaleTemps, tempNameFor } from './atomic.js';

/** The UTC day of an instant, as the day directory names it. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** A compact UTC time for directory names: 20261122T011503. */
export function timeStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

export function previousDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return dayOf(d);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export class DayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DayError';
  }
}

/**
 * Which directory `--day` names under `<home>/<dc>`: `today` and `yesterday`
 * follow the links the passes move (so they mean "the latest state" before the
 * first pass of a new UTC day), falling back to the calendar; a date names its
 * own directory.
 */
export function resolveDayDir(dcDir: string, spec: string, now: Date): string {
  if (spec === 'today' || spec === 'yesterday') {
    const link = path.join(dcDir, spec);
    if (fs.existsSync(link)) return link;
    const day = spec === 'today' ? dayOf(now) : previousDay(dayOf(now));
    return path.join(dcDir, day);
  }
  if (!DAY_RE.test(spec) || Number.isNaN(Date.parse(`${spec}T00:00:00Z`))) {
    throw new DayError(`--day ${spec}: expected today, yesterday or a date like ${dayOf(now)}`);
  }
  return path.join(dcDir, spec);
}

/** Lists the day directories under `<home>/<dc>`, oldest first. */
export function listDays(dcDir: string): string[] {
  try {
    return fs
      .readdirSync(dcDir)
      .filter((n) => DAY_RE.test(n))
      .sort();
  } catch {
    return [];
  }
}

function pointLink(dcDir: string, name: string, target: string): void {
  const link = path.join(dcDir, name);
  try {
    if (fs.readlinkSync(link) === target) return;
  } catch {
    // no link yet
  }
  // Named like every other temporary file, so a later pass removes it if this one is killed here.
  const tmp = tempNameFor(link);
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

/**
 * Makes today's directory (UTC) and moves the `today`/`yesterday` links when
 * the day turned. `yesterday` points at the day `today` pointed at before.
 */
export function ensureDayDir(dcDir: string, now: Date): string {
  const day = dayOf(now);
  const dir = path.join(dcDir, day);
  fs.mkdirSync(path.join(dir, '.meta'), { recursive: true });
  let before: string | null = null;
  try {
    before = fs.readlinkSync(path.join(dcDir, 'today'));
  } catch {
    before = null;
  }
  if (before !== day) {
    const prev = before && DAY_RE.test(before) ? before : listDays(dcDir).filter((d) => d < day).pop();
    if (prev) pointLink(dcDir, 'yesterday', prev);
    pointLink(dcDir, 'today', day);
  }
  removeStaleTemps(dcDir);
  removeStaleTemps(dir);
  removeStaleTemps(path.join(dir, '.meta'));
  return dir;
}

export type EntryKind = 'group' | 'table';

/** Files of a day directory that are not groups or tables. */
const NOT_SETS = new Set(['transcript.log', 'counts.tsv', 'report.html']);

/** The groups and tables of a day directory, in byte order of their names. */
export function listEntries(dayDir: string): Array<{ name: string; kind: EntryKind }> {
  let names: string[];
  try {
    names = fs.readdirSync(dayDir);
  } catch {
    return [];
  }
  const out: Array<{ name: string; kind: EntryKind }> = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || NOT_SETS.has(name) || name.endsWith('.log')) continue;
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(dayDir, name));
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    out.push({ name, kind: name.endsWith('.tsv') ? 'table' : 'group' });
  }
  return out;
}
