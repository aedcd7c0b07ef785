import fs from 'node:fs';
import path from 'node:path';
import type { OpenEntry } from '../policy/open.js';
import { needsHumanRows, type NeedsHumanRow } from '../policy/needs-human.js';
import type { Plan } from '../policy/plan.js';
import { OPS, type Op, type Policy } from '../policy/types.js';
import { formatAge, stuck } from '../policy/watchdog.js';
import { windowState } from '../policy/windows.js';
import { writeGroup } from '../store/group.js';
import { listDays } from '../store/layout.js';
import { pauseLine, readPauseState, removePause, type PauseState } from '../store/pause.js';
import { listSavedPlans } from '../store/plans.js';
import { readReleases } from '../store/released.js';
import { writeTable } from '../store/table.js';

/**
 * The operator's controls, read from files at every pass and never kept in
 * memory, so a restarted loop behaves the same: pause files, windows, stuck
 * plans, and the needs-human table.
 */

/** Reads the pause files; an expired pause is removed with a line saying so. */
export function checkPause(dcDir: string, now: Date, say: (text: string) => void): PauseState {
  const state = readPauseState(path.dirname(dcDir), dcDir, now);
  for (const e of state.expired) {
    if (removePause(e.file)) say(`pause ended by itself at ${e.pause.until}: ${pauseLine(e.pause)} (${e.file})\n`);
  }
  for (const err of state.errors) say(`error: ${err}\n`);
  if (state.paused) say(`${state.pause ? pauseLine(state.pause) : `paused: ${state.file} cannot be read, so nothing acts`}\n`);
  return state;
}

/** Why an op may not act now (its window is closed, or a freeze), or null. */
export function windowBlock(policy: Policy, op: Op, now: Date): string | null {
  const w = windowState(policy.windows, op, now);
  return w.open ? null : w.text;
}

export interface StuckPlan {
  host: string;
  cluster: string;
  op: Op;
  since: string;
  why: string;
}

/** Applied plans still open past their op's timeout (the watchdog). */
export function stuckPlans(open: readonly OpenEntry[], policy: Policy, now: Date): StuckPlan[] {
  const timeout = (op: Op) => policy.operations.get(op)?.timeoutMs ?? null;
  return stuck(open, timeout, now).map((s) => {
    const e = open.find((x) => x.host === s.host && x.op === s.op)!;
    const state = e.maintenance && !e.ran ? 'still entering HDFS maintenance, its command not run' : 'still open';
    return {
      host: s.host,
      cluster: s.cluster,
      op: s.op,
      since: s.since,
      why: `${s.op} applied ${formatAge(s.ageMs)} ago is ${state}, past its timeout ${formatAge(timeout(s.op)!)}: look at the host, then release it (breakfix release ${s.host} --reason ...)`,
    };
  });
}

/** stuck.<op> for every op (empty ones too, so expressions always find them). */
export function writeStuckGroups(dayDir: string, plans: StuckPlan[], time: string): void {
  for (const op of OPS) {
    const hosts = [...new Set(plans.filter((p) => p.op === op).map((p) => p.host))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    writeGroup(dayDir, `stuck.${op}`, hosts, { kind: 'plan', inputs: ['../open.json'], time });
  }
}

interface ApplyRecord {
  applied: string;
  outcomes: Array<{ cluster: string; op: string; acted: string[]; ok: string[]; failed: string[]; error?: string }>;
}

/** Applies that failed, and those that went well, within the attempt window (from apply.json files). */
function applyHistory(dcDir: string, policy: Policy, now: Date) {
  const start = now.getTime() - policy.safety.attemptWindowMs;
  const days = listDays(dcDir).filter((d) => Date.parse(`${d}T23:59:59Z`) >= start);
  const failed: Array<{ host: string; cluster: string; op: string; time: Date; why: string }> = [];
  const succeeded: Array<{ host: string; op: string; time: Date }> = [];
  for (const saved of listSavedPlans(days.map((d) => ({ day: d, dir: path.join(dcDir, d) })))) {
    let rec: ApplyRecord;
    try {
      rec = JSON.parse(fs.readFileSync(path.join(saved.dir, 'apply.json'), 'utf8')) as ApplyRecord;
    } catch {
      continue;
    }
    const time = new Date(rec.applied);
    if (time.getTime() < start) continue;
    for (const o of rec.outcomes) {
      for (const h of o.ok) succeeded.push({ host: h, op: o.op, time });
      for (const h of o.failed) {
        const out = path.join(path.relative(dcDir, saved.dir).split(path.sep)[0]!, 'exec', String(saved.pass), o.op, `${h}.out`);
        const see = fs.existsSync(path.join(dcDir, out)) ? `: see ${out}` : '';
        failed.push({ host: h, cluster: o.cluster, op: o.op, time, why: `${o.op} failed${o.error ? ` (${o.error})` : ''}${see}` });
      }
    }
  }
  return { failed, succeeded };
}

/** Rewrites needs-human.tsv and the group needs-human from this pass's plan, stuck plans and failed applies. */
export function writeNeedsHuman(opts: {
  dayDir: string;
  dcDir: string;
  policy: Policy;
  plan: Plan;
  attempts: ReadonlyMap<string, readonly Date[]>;
  stuck: StuckPlan[];
  now: Date;
}): NeedsHumanRow[] {
  const { failed, succeeded } = applyHistory(opts.dcDir, opts.policy, opts.now);
  const rows = needsHumanRows({
    attempts: opts.plan.refusals
      .filter((r) => r.invariant === 8 && r.host)
      .map((r) => ({ host: r.host!, cluster: r.cluster, op: r.op, message: r.message, times: opts.attempts.get(r.host!) ?? [] })),
    stuck: opts.stuck,
    failed,
    succeeded,
    released: readReleases(opts.dcDir).map((r) => ({ host: r.host, time: new Date(r.time) })),
  });
  const time = opts.now.toISOString();
  writeTable(opts.dayDir, 'needs-human.tsv', ['host', 'cluster', 'op', 'reason', 'since'], rows as unknown as Array<Record<string, string>>, {
    kind: 'plan',
    inputs: ['plans', '../open.json', '../released.jsonl'],
    time,
  });
  writeGroup(opts.dayDir, 'needs-human', rows.map((r) => r.host), { kind: 'plan', inputs: ['needs-human.tsv'], time });
  return rows;
}
