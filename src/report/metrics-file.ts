import fs from 'node:fs';
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import type { OpenEntry } from '../policy/open.js';
import type { Plan } from '../policy/plan.js';
import { OPS } from '../policy/types.js';
import type { Refusal } from '../safety/invariants.js';
import type { SourceOutcome } from '../sources/pull.js';
import { pidAlive, writeFileAtomic } from '../store/atomic.js';
import { readCounts } from '../store/counts.js';
import { listEntries } from '../store/layout.js';
import { readMeta } from '../store/meta.js';
import { renderMetrics, type MetricsInput } from './metrics.js';
import { warningsFrom, type Series } from './trend.js';

/**
 * Writes a pass's metrics: `<home>/<dc>/metrics.prom` always, and
 * `breakfix_<dc>.prom` in node_exporter's textfile directory when the
 * datacenter's config names one. Both are written to a temporary name in
 * their own directory and renamed, so a scrape never reads half a file; the
 * temporary name does not end in `.prom`, which the collector would read.
 */
export const METRICS_FILE = 'metrics.prom';

/** The file name in the textfile directory: one per datacenter, so several loops can share the directory. */
export function textfileName(dc: string): string {
  return `breakfix_${dc}.prom`;
}

export interface PassMetrics {
  dc: DatacenterConfig;
  dcDir: string;
  dayDir: string;
  /** `performance.now()` when the pass started; 0 (the default) is the start of the process. */
  startedMs?: number;
  now: () => Date;
  say: (text: string) => void;
  maxSwingPct: number;
  outcomes: ReadonlyArray<Pick<SourceOutcome, 'name' | 'status'>>;
  plan: Pick<Plan, 'budgets' | 'refusals'>;
  /** plans/<pass>/ of this pass: its apply.json holds the refusals on fresh state. */
  planDir: string;
  open: ReadonlyArray<Pick<OpenEntry, 'op'>>;
  /** Open plans past their timeout, each of which the pass warned about (`warning stuck:`). */
  stuck: number;
  paused: boolean;
  needsHuman: number;
}

/** The day's series of group counts from counts.tsv, as the loop's summary reads them. */
function countSeries(dayDir: string): Series[] {
  const byGroup = new Map<string, Map<number, number>>();
  for (const r of readCounts(dayDir)) {
    let m = byGroup.get(r.group);
    if (!m) byGroup.set(r.group, (m = new Map()));
    m.set(r.pass, r.count);
  }
  return [...byGroup].map(([group, m]) => ({
    group,
    points: [...m].sort((a, b) => a[0] - b[0]).map(([p, count]) => ({ label: String(p), count })),
  }));
}

/** Refusals on fresh state at apply time, from this pass's apply.json (none when the pass did not apply). */
function applyRefusals(planDir: string): Array<Pick<Refusal, 'invariant'>> {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(planDir, 'apply.json'), 'utf8')) as { refusals?: Array<Pick<Refusal, 'invariant'>> };
    return Array.isArray(rec.refusals) ? rec.refusals.filter((r) => typeof r?.invariant === 'number') : [];
  } catch {
    return [];
  }
}

/** What the renderer needs, read from the day directory and the pass's own values. */
export function collectMetrics(p: PassMetrics, time: Date, durationSeconds: number): MetricsInput {
  const groups: Array<{ name: string; count: number }> = [];
  for (const e of listEntries(p.dayDir)) {
    if (e.kind !== 'group') continue;
    const meta = readMeta(p.dayDir, e.name);
    if (meta) groups.push({ name: e.name, count: meta.count });
  }
  const all = readMeta(p.dayDir, 'all')?.count ?? 0;
  const warnings = [
    ...warningsFrom(countSeries(p.dayDir), all, p.maxSwingPct).map((w) => ({ kind: w.kind })),
    ...Array.from({ length: p.stuck }, () => ({ kind: 'stuck' })),
  ];
  return {
    dc: p.dc.name,
    time,
    durationSeconds,
    groups,
    budgets: p.plan.budgets,
    refusals: [...p.plan.refusals, ...applyRefusals(p.planDir)],
    sources: p.outcomes.map((o) => ({ name: o.name, up: o.status !== 'failed' })),
    ops: OPS,
    open: p.open,
    warnings,
    paused: p.paused,
    needsHuman: p.needsHuman,
  };
}

/** Removes this datacenter's temporary files that a killed pass left in the textfile directory (and no one else's). */
function removeOwnStaleTemps(dir: string, dc: string): void {
  const mine = new RegExp(`^\\.${textfileName(dc).replace(/\./g, '\\.')}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = mine.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Renders and writes the pass's metrics; returns the files written. A home
 * that cannot be written fails like any other write of the pass; a textfile
 * directory that cannot be is a warning, because the pass itself went well.
 */
export function writePassMetrics(p: PassMetrics): string[] {
  const time = p.now();
  const duration = (performance.now() - (p.startedMs ?? 0)) / 1000;
  const text = renderMetrics(collectMetrics(p, time, duration));
  const home = path.join(p.dcDir, METRICS_FILE);
  writeFileAtomic(home, text);
  const written = [home];
  const dir = p.dc.metrics?.textfileDir;
  if (dir) {
    const target = path.join(dir, textfileName(p.dc.name));
    try {
      // Not created here: a mistyped directory would be written forever and scraped never.
      if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
      removeOwnStaleTemps(dir, p.dc.name);
      writeFileAtomic(target, text);
      written.push(target);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such directory' : err.code ?? err.message;
      p.say(`warning metrics: cannot write ${target} (${why}); node_exporter serves the previous file, if any (metrics.textfile_dir in the config)\n`);
    }
  }
  return written;
}
