import fs from 'node:fs';
import path from 'node:path';
import { loadOpen } from '../pass/open-store.js';
import { readCounts } from '../store/counts.js';
import { listDays } from '../store/layout.js';
import { readPauseState } from '../store/pause.js';
import { listSavedPlans, type SavedPlan } from '../store/plans.js';
import { readTable } from '../store/table.js';
import type { AppliedPass, BudgetRow, CountPoint, DatacenterReport, DayPoint, NeedsHumanRow, OpenRow, PauseView, RefusalRow } from './report-model.js';

export interface ReadScope {
  home: string;
  dc: string;
  dcDir: string;
  /** The day directory (or its `today`/`yesterday` link). */
  dayDir: string;
  /** The last count of each of the last n days up to this one; null: not asked for. */
  days: number | null;
  now: Date;
}

interface ApplyRecord {
  applied: string;
  outcomes: Array<{ cluster: string; op: string; acted?: string[]; failed?: string[] }>;
  refusals?: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

/** The day a day directory holds, through the `today` link when that is what was named. */
function dayName(dayDir: string): string {
  try {
    return path.basename(fs.realpathSync(dayDir));
  } catch {
    return path.basename(dayDir);
  }
}

function readApply(plan: SavedPlan, problems: string[]): ApplyRecord | null {
  const file = path.join(plan.dir, 'apply.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const rec = JSON.parse(text) as ApplyRecord;
    if (!Array.isArray(rec.outcomes)) throw new Error('no "outcomes" list');
    return rec;
  } catch (e) {
    problems.push(`${file}: cannot be read (${(e as Error).message}); its pass shows no applied ops`);
    return null;
  }
}

/** plan.json records the pause in force when it was made (null or absent: none). */
const pausedPlan = (p: SavedPlan) => {
  const v = (p.json as { paused?: unknown }).paused;
  return v !== null && v !== undefined && v !== false;
};

function pauseView(home: string, dcDir: string, now: Date): PauseView {
  const s = readPauseState(home, dcDir, now);
  const scope = s.file === null ? null : path.resolve(s.file) === path.resolve(dcDir, 'pause.json') ? 'datacenter' : 'home';
  return {
    paused: s.paused,
    scope,
    by: s.pause?.by ?? null,
    reason: s.pause?.reason ?? null,
    since: s.pause?.since ?? null,
    until: s.pause?.until ?? null,
    errors: s.errors,
  };
}

function openRows(dcDir: string, now: Date, stuck: ReadonlySet<string>): OpenRow[] {
  return loadOpen(dcDir)
    .map((e) => {
      const state = e.maintenance ? (e.ran ? `through HDFS maintenance: command ran ${e.ran}` : 'entering HDFS maintenance, command not run yet') : e.result ? `command ended ${e.result}` : '';
      return {
        host: e.host,
        cluster: e.cluster,
        op: e.op,
        day: e.day,
        pass: e.pass,
        applied: e.applied,
        ageMs: Math.max(0, now.getTime() - Date.parse(e.applied)),
        state,
        stuck: stuck.has(`${e.op} ${e.host}`),
      };
    })
    .sort((a, b) => b.ageMs - a.ageMs || (a.op + a.host < b.op + b.host ? -1 : 1));
}

function needsHuman(dayDir: string, problems: string[]): NeedsHumanRow[] {
  const file = path.join(dayDir, 'needs-human.tsv');
  if (!fs.existsSync(file)) return [];
  try {
    return readTable(file).rows.map((r) => ({ host: str(r.host), cluster: str(r.cluster), op: str(r.op), reason: str(r.reason), since: str(r.since) }));
  } catch (e) {
    problems.push(`${file}: cannot be read (${(e as Error).message})`);
    return [];
  }
}

function dayPoints(dcDir: string, day: string, n: number): DayPoint[] {
  const out: DayPoint[] = [];
  for (const d of listDays(dcDir).filter((x) => x <= day).slice(-n)) {
    const rows = readCounts(path.join(dcDir, d));
    if (rows.length === 0) continue;
    const last = Math.max(...rows.map((r) => r.pass));
    for (const r of rows) if (r.pass === last) out.push({ group: r.group, day: d, pass: last, count: r.count });
  }
  return out;
}

/** Everything the report shows of one datacenter, read from its files. */
export function readDatacenter(s: ReadScope): DatacenterReport {
  const problems: string[] = [];
  const day = dayName(s.dayDir);
  const counts: CountPoint[] = readCounts(s.dayDir).map((r) => ({ group: r.group, pass: r.pass, time: r.time, count: r.count }));
  const plans = listSavedPlans([{ day, dir: s.dayDir }]);
  const applied: AppliedPass[] = [];
  const refusals: RefusalRow[] = [];
  let lastApply: ApplyRecord | null = null;
  for (const p of plans) {
    const rec = readApply(p, problems);
    const acted: Record<string, number> = {};
    let failed = 0;
    for (const o of rec?.outcomes ?? []) {
      acted[o.op] = (acted[o.op] ?? 0) + (o.acted?.length ?? 0);
      failed += o.failed?.length ?? 0;
    }
    const budgets = Array.isArray(p.json.budgets) ? p.json.budgets : [];
    applied.push({
      pass: p.pass,
      time: str(p.json.time),
      dryRun: p.json.dry_run !== false,
      paused: pausedPlan(p),
      chosen: budgets.reduce((n, b) => n + num(b.chosen), 0),
      applied: rec ? str(rec.applied) : null,
      acted,
      failed,
    });
    for (const r of p.json.refusals ?? []) {
      refusals.push({ pass: p.pass, stage: 'plan', invariant: num(r.invariant), cluster: str(r.cluster), op: str(r.op), host: r.host == null ? null : str(r.host), message: str(r.message) });
    }
    for (const r of rec?.refusals ?? []) {
      refusals.push({ pass: p.pass, stage: 'apply', invariant: num(r.invariant), cluster: str(r.cluster), op: str(r.op), host: r.host == null ? null : str(r.host), message: str(r.message) });
    }
    lastApply = rec;
  }
  const latest = plans[plans.length - 1] ?? null;
  const budgets: BudgetRow[] = (latest?.json.budgets ?? []).map((b) => ({
    cluster: str(b.cluster),
    op: str(b.op),
    archetype: str(b.archetype),
    workers: num(b.workers),
    cap: num(b.cap),
    busy: num(b.busy),
    headroom: num(b.headroom),
    candidates: num(b.candidates),
    chosen: num(b.chosen),
    why: str(b.why),
  }));
  const stuckList = ((latest?.json as { stuck?: Array<{ host: string; op: string }> } | undefined)?.stuck ?? []).map((x) => `${x.op} ${x.host}`);
  return {
    dc: s.dc,
    day,
    last: latest && {
      pass: latest.pass,
      time: str(latest.json.time),
      ageMs: Math.max(0, s.now.getTime() - Date.parse(str(latest.json.time))),
      seed: str(latest.json.seed),
      dryRun: latest.json.dry_run !== false,
      applied: lastApply ? str(lastApply.applied) : null,
      paused: pausedPlan(latest),
      chosen: budgets.reduce((n, b) => n + b.chosen, 0),
      refused: refusals.filter((r) => r.pass === latest.pass).length,
    },
    pause: pauseView(s.home, s.dcDir, s.now),
    counts,
    days: s.days === null ? null : dayPoints(s.dcDir, day, s.days),
    budgets,
    applied,
    refusals,
    open: openRows(s.dcDir, s.now, new Set(stuckList)),
    needsHuman: needsHuman(s.dayDir, problems),
    problems,
  };
}
