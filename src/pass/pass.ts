import path from 'node:path';
import type { Config, DatacenterConfig } from '../config/config.js';
import type { Op, Policy } from '../policy/types.js';
import { ensureDayDir, dayOf } from '../store/layout.js';
import { deriveRecipes } from './derive.js';
import { closeFinished, dayGroupView, loadOpen, saveOpen, writeOpenGroups } from './open-store.js';
import type { OpenEntry } from '../policy/open.js';
import { nextPass } from '../store/plans.js';
import { checkPause, stuckPlans, windowBlock, writeStuckGroups } from './controls.js';
import { pauseLine } from '../store/pause.js';
import { formatPlan, runPlan } from './run-plan.js';
import { expireHistory } from './record.js';
import { HISTORY } from '../store/history.js';
import { readFleetState, type SourceRun } from './state.js';
import type { FleetState } from '../policy/plan.js';

export interface PassOptions {
  config: Config;
  dc: DatacenterConfig;
  dcDir: string;
  policy: Policy;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  seed: string | null;
  ops: Op[] | null;
  apply: boolean;
  force: boolean;
  signal: AbortSignal;
  say: (text: string) => void;
  /** Every source line, budget row and refusal instead of the one-screen summary. */
  verbose?: boolean;
  /** Chosen hosts as folded node sets (`nodeset -f`). */
  fold?: boolean;
}

export interface PassResult {
  code: number;
  dayDir: string;
  pass: number;
  failedSources: string[];
  refusals: number;
  chosen: number;
  /** Why each failed source failed (name → reason), for what is told after the pass. */
  sourceFailures?: ReadonlyMap<string, string>;
}

/**
 * One pass: pull (healthchecks after the other sources), close the applied
 * plans the fresh state shows finished, derive, plan, and with `apply` act on
 * the plan after re-checking every invariant. Its state is read from the
 * sources every time, never kept in memory.
 */
export async function runPass(o: PassOptions): Promise<PassResult> {
  const startedMs = performance.now();
  const { loadSources } = await import('../sources/load.js');
  const { pullAndReport } = await import('../sources/pull.js');
  const sources = await loadSources(o.dc, o.config.dir);
  const dayDir = ensureDayDir(o.dcDir, o.now());
  // Read at every pass, never kept: a pause stops every action of this pass, whatever else holds.
  const pause = checkPause(o.dcDir, o.now(), o.say);
  const acting = o.apply && !pause.paused;
  const { outcomes, run } = await pullAndReport({
    sources,
    dayDir,
    config: o.config,
    dc: o.dc,
    env: o.env,
    now: o.now,
    force: o.force,
    say: o.say,
    compact: !o.verbose,
    betweenPhases: () => {
      writeOpenGroups(dayDir, loadOpen(o.dcDir), o.now().toISOString());
      deriveRecipes(dayDir, o.policy, o.cwd, o.now, null, { skipMissing: true });
    },
  });
  const failed = outcomes.filter((x) => x.status === 'failed').map((x) => x.name);
  if (o.signal.aborted) {
    o.say('stopped after the pull, as asked: nothing derived, planned or applied\n');
    return { code: 3, dayDir, pass: 0, failedSources: failed, refusals: 0, chosen: 0 };
  }
  // Only a pass that may act holds the lock; a dry one reads open.json and leaves it as it is.
  const finished = closeFinished(o.dcDir, dayDir, o.policy, o.apply);
  for (const c of finished.closed) o.say(`finished ${c.entry.op} ${c.entry.host} (${c.why}; applied ${c.entry.day} pass ${c.entry.pass})\n`);
  const open = await advanceWorkflows({ ...o, apply: acting }, dayDir, finished.open);
  writeOpenGroups(dayDir, open, o.now().toISOString());
  const stuck = stuckPlans(open, o.policy, o.now());
  writeStuckGroups(dayDir, stuck, o.now().toISOString());
  const derived = deriveRecipes(dayDir, o.policy, o.cwd, o.now, null);
  o.say(`derived ${derived.map((d) => `${d.name} ${d.count}`).join(', ')}\n`);
  const planned = await runPlan({
    dayDir,
    dcDir: o.dcDir,
    cwd: o.cwd,
    policy: o.policy,
    dc: o.dc,
    ops: o.ops,
    seed: o.seed,
    dryRun: !acting,
    now: o.now(),
    sources: run,
    stuck,
    record: { configFile: o.config.file, keepMs: o.config.history.keepMs },
    extra: {
      paused: pause.paused ? { ...(pause.pause ?? {}), file: pause.file, errors: pause.errors } : null,
      stuck: stuck.map((x) => ({ host: x.host, cluster: x.cluster, op: x.op, since: x.since, why: x.why })),
    },
  });
  o.say(formatPlan(planned.plan, planned.dir, o.cwd, planned.seedDrawn, Boolean(o.verbose), Boolean(o.fold)));
  if (o.verbose && planned.recorded) {
    const r = planned.recorded;
    o.say(`recorded ${r.inputs} inputs in ${HISTORY}/: ${r.full} whole, ${r.delta} as deltas, ${r.same} unchanged; ${r.bytes} bytes\n`);
  }
  const expired = expireHistory(o.dcDir, o.now(), o.config.history.keepMs);
  if (expired) o.say(`history: removed ${expired.removed} recorded input(s) (${expired.bytes} bytes) that only passes up to ${expired.through} needed (history.keep)\n`);
  for (const x of stuck) o.say(`warning stuck: ${x.op} ${x.host} (${x.cluster}): ${x.why}\n`);
  if (planned.needsHuman.length > 0) o.say(`needs-human: ${planned.needsHuman.length} host(s) in ${path.join(path.basename(dayDir), 'needs-human.tsv')}: ${planned.needsHuman.slice(0, 5).map((r) => r.host).join(' ')}${planned.needsHuman.length > 5 ? ' ...' : ''}\n`);
  let code = failed.length > 0 || planned.plan.refusals.length > 0 ? 3 : 0;
  if (o.apply && pause.paused) {
    // Paused: the plan above is what would be done; nothing is.
    o.say(`${pause.pause ? pauseLine(pause.pause) : `paused: ${pause.file} cannot be read`}: nothing applied\n`);
    code = 0;
  } else if (o.apply && o.signal.aborted) o.say('stopped after planning, as asked: the plan was not applied\n');
  else if (o.apply && planned.plan.chosen.size > 0) {
    // The state was read a moment ago, after this pass's pull: it is the fresh state to re-check against.
    const applied = await applySaved({ ...o, dayDir, planDir: planned.dir, pass: planned.plan.pass, sources: run, state: planned.state, domain: o.config.domain });
    if (applied > code) code = applied;
  }
  (await import('../report/metrics-file.js')).writePassMetrics({ dc: o.dc, dcDir: o.dcDir, dayDir, startedMs, now: o.now, say: o.say, maxSwingPct: o.policy.safety.maxSwingPct, outcomes, plan: planned.plan, planDir: planned.dir, open: loadOpen(o.dcDir), stuck: stuck.length, paused: pause.paused, needsHuman: planned.needsHuman.length });
  const chosen = planned.plan.budgets.reduce((s, b) => s + b.chosen, 0);
  if (o.dc.report) {
    // A report that cannot be written is said, never a failed pass: the decisions are on disk either way.
    try {
      const { writeDayReport } = await import('../report/day-report.js');
      await writeDayReport({ home: path.dirname(o.dcDir), dc: path.basename(o.dcDir), dcDir: o.dcDir, dayDir, now: o.now() });
    } catch (e) {
      o.say(`warning report: report.html not written: ${(e as Error).message}\n`);
    }
  }
  return { code, dayDir, pass: planned.plan.pass, failedSources: failed, refusals: planned.plan.refusals.length, chosen, sourceFailures: run.failed };
}

/**
 * Moves the workflows that span passes (HDFS maintenance) one step on this
 * pass's fresh state; a dry run only says what it would do.
 */
async function advanceWorkflows(o: PassOptions, dayDir: string, open: OpenEntry[]): Promise<OpenEntry[]> {
  if (!open.some((e) => e.maintenance || (e.pending && e.pending.length > 0))) return open;
  const { advanceMaintenance, retryPendingNamespaces } = await import('../actions/workflow.js');
  const { DEFAULT_EXEC } = await import('../actions/exec.js');
  const input = {
    dayDir,
    pass: nextPass(dayDir),
    policy: o.policy,
    dc: o.dc,
    exec: o.dc.exec ?? DEFAULT_EXEC,
    domain: o.config.domain,
    now: o.now(),
    signal: o.signal,
    act: o.apply,
    say: (line: string) => o.say(`${line}\n`),
    blocked: (op: Op) => windowBlock(o.policy, op, o.now()),
  };
  const retried = await retryPendingNamespaces(open, input);
  const r = await advanceMaintenance(retried, dayGroupView(dayDir), input);
  for (const c of r.closed) o.say(`finished ${c.entry.op} ${c.entry.host} (${c.why}; applied ${c.entry.day} pass ${c.entry.pass})\n`);
  for (const w of r.waiting) o.say(`warning stuck: ${w.entry.op} ${w.entry.host}: ${w.why}\n`);
  for (const f of r.failed) o.say(`failed ${f.entry.op} ${f.entry.host}: ${f.why}\n`);
  if (o.apply) saveOpen(o.dcDir, r.open);
  return r.open;
}

/**
 * Applies a saved plan on fresh state (re-reads the day directory, re-checks
 * every invariant), then records the hosts acted on as open.
 */
export async function applySaved(
  o: Pick<PassOptions, 'dc' | 'dcDir' | 'policy' | 'cwd' | 'now' | 'signal' | 'say' | 'ops'> & {
    dayDir: string;
    planDir: string;
    pass: number;
    sources: SourceRun;
    /** Fresh state already read; otherwise it is read here. */
    state?: FleetState;
    /** hostnames.domain of the config. */
    domain: string | null;
  },
): Promise<number> {
  const { applyPlan } = await import('../actions/apply.js');
  const { DEFAULT_EXEC } = await import('../actions/exec.js');
  const ops = [...o.policy.operations.keys()];
  const state = o.state ?? readFleetState({ dayDir: o.dayDir, dcDir: o.dcDir, cwd: o.cwd, policy: o.policy, dc: o.dc, ops, sources: o.sources, now: o.now() });
  const report = await applyPlan({
    dayDir: o.dayDir,
    day: dayOf(o.now()),
    planDir: o.planDir,
    pass: o.pass,
    policy: o.policy,
    dc: o.dc,
    exec: o.dc.exec ?? DEFAULT_EXEC,
    state,
    now: o.now(),
    signal: o.signal,
    say: (line) => o.say(`${line}\n`),
    domain: o.domain,
    blocked: (op) => windowBlock(o.policy, op, o.now()),
  });
  for (const r of report.refusals) o.say(`refused on fresh state: invariant ${r.invariant} ${r.cluster} ${r.op}${r.host ? ` ${r.host}` : ''}: ${r.message}\n`);
  const open = [...loadOpen(o.dcDir), ...report.opened];
  saveOpen(o.dcDir, open);
  writeOpenGroups(o.dayDir, open, o.now().toISOString());
  o.say(`open: ${open.length} host(s) in applied plans (${path.join(path.basename(o.dcDir), 'open.json')})\n`);
  const failed = report.outcomes.some((x) => x.failed.length > 0 || (x.error && x.acted.length > 0));
  if (report.refusals.length > 0) return 3;
  return failed ? 1 : 0;
}
