import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import { buildPlan, type FleetState, type Plan } from '../policy/plan.js';
import { OPS, type Op, type Policy } from '../policy/types.js';
import { renderTable } from '../report/table.js';
import { chosenList, planSummary } from '../report/summary.js';
import { appendCounts, type CountRow } from '../store/counts.js';
import { writeGroup } from '../store/group.js';
import { listEntries } from '../store/layout.js';
import { readMeta } from '../store/meta.js';
import { nextPass, writePlanFiles } from '../store/plans.js';
import { dcFacts, readFleetState, readPlanHistory, type SourceRun } from './state.js';
import { recordPass, type RecordStats } from './record.js';
import { stuckPlans, writeNeedsHuman, type StuckPlan } from './controls.js';
import { loadOpen } from './open-store.js';
import type { NeedsHumanRow } from '../policy/needs-human.js';
import { importPackage } from '../store/esm.js';

export interface PlanRun {
  dayDir: string;
  dcDir: string | null;
  cwd: string;
  policy: Policy;
  dc: DatacenterConfig | null;
  ops: Op[] | null;
  seed: string | null;
  dryRun: boolean;
  now: Date;
  sources: SourceRun;
  /** Keys plan.json gains beside the pinned ones (pause state, stuck plans). */
  extra?: Record<string, unknown>;
  /** Plans open past their timeout, for needs-human.tsv (read from open.json when not given). */
  stuck?: StuckPlan[];
  /** Record the pass's inputs in the datacenter's history store (`history.keep` above 0). */
  record?: { configFile: string | null; keepMs: number };
}

export interface PlanOutcome {
  plan: Plan;
  dir: string;
  seedDrawn: boolean;
  /** The state the plan was made from (a pass that applies at once re-checks against it). */
  state: FleetState;
  /** The rows of needs-human.tsv this pass wrote. */
  needsHuman: NeedsHumanRow[];
  /** What recording the inputs stored, when it did. */
  recorded: RecordStats | null;
}

/** The JSON of plan.json: the pinned keys first, then what helps explain them. */
export function planJson(p: Plan): Record<string, unknown> {
  return {
    pass: p.pass,
    time: p.time,
    seed: p.seed,
    dry_run: p.dry_run,
    budgets: p.budgets.map((b) => ({
      cluster: b.cluster,
      op: b.op,
      archetype: b.archetype,
      reason: b.reason,
      workers: b.workers,
      cap: b.cap,
      busy: b.busy,
      headroom: b.headroom,
      candidates: b.candidates,
      chosen: b.chosen,
      rule: b.rule,
      pct: b.pct,
      floor: b.floor,
      ceiling: b.ceiling,
      override: b.override,
      why: b.why,
      in_service: b.inService,
      in_service_floor: b.inServiceFloor,
      down_datagroups: b.downGroups,
      rate_left: b.rateLeft,
      rates: b.rates,
    })),
    refusals: p.refusals.map((r) => ({ host: r.host, cluster: r.cluster, op: r.op, invariant: r.invariant, message: r.message })),
    chosen: Object.fromEntries([...p.chosen.entries()]),
    needs_human: p.needsHuman,
    notes: p.notes,
    windows: Object.fromEntries(Object.entries(p.windows).map(([op, w]) => [op, { open: w.open, why: w.why, next: !w.open && w.next ? w.next.toISOString() : null, text: w.text }])),
  };
}

/**
 * Plans a pass: reads the state, runs the pure planner with a seeded
 * generator (a fresh seed is drawn and recorded when none is given), writes
 * plans/<pass>/ and counts.tsv.
 */
export async function runPlan(r: PlanRun): Promise<PlanOutcome> {
  const { default: seedrandom } = await importPackage<{ default: typeof import('seedrandom') }>('seedrandom');
  const seedDrawn = r.seed === null;
  const seed = r.seed ?? randomBytes(4).toString('hex');
  const ops = r.ops ?? OPS.filter((op) => r.policy.operations.has(op));
  const history = readPlanHistory(r.dayDir, r.dcDir, r.policy, r.now);
  const facts = dcFacts(r.dc);
  const state = readFleetState({ dayDir: r.dayDir, dcDir: r.dcDir, cwd: r.cwd, policy: r.policy, dc: r.dc, ops, sources: r.sources, now: r.now, history, facts });
  const pass = nextPass(r.dayDir);
  const plan = buildPlan({ policy: r.policy, state, random: seedrandom(seed), now: r.now, seed, pass, dryRun: r.dryRun, ops });
  let recorded: RecordStats | null = null;
  if (r.dcDir && r.record && r.record.keepMs > 0) {
    // Before plan.json: every pass with a plan.json and an inputs.json can be rebuilt from what this names.
    recorded = recordPass({ dcDir: r.dcDir, dayDir: r.dayDir, pass, time: plan.time, seed, dryRun: r.dryRun, ops, policy: r.policy, configFile: r.record.configFile, cwd: r.cwd, sources: r.sources, history, facts, extra: r.extra ?? {} });
  }
  const dir = writePlanFiles(r.dayDir, { pass, chosen: plan.chosen, json: { ...planJson(plan), ...(r.extra ?? {}) }, time: plan.time });
  let needsHuman: NeedsHumanRow[] = [];
  if (r.dcDir) {
    const stuck = r.stuck ?? stuckPlans(loadOpen(r.dcDir), r.policy, r.now);
    needsHuman = writeNeedsHuman({ dayDir: r.dayDir, dcDir: r.dcDir, policy: r.policy, plan, attempts: state.attempts, stuck, now: r.now });
  } else if (plan.needsHuman.length > 0) {
    writeGroup(r.dayDir, 'needs-human', plan.needsHuman, { kind: 'plan', inputs: [path.relative(r.dayDir, dir)], pass, time: plan.time });
  }
  const rows: CountRow[] = [];
  for (const e of listEntries(r.dayDir)) {
    if (e.kind !== 'group') continue;
    const m = readMeta(r.dayDir, e.name);
    if (m) rows.push({ pass, time: plan.time, group: e.name, count: m.count });
  }
  appendCounts(r.dayDir, rows);
  return { plan, dir, seedDrawn, state, needsHuman, recorded };
}

/** The plan as plain greppable lines: on one screen, or (verbose) every row and refusal. */
export function formatPlan(p: Plan, dir: string, cwd: string, seedDrawn: boolean, verbose = true, fold = false): string {
  return verbose ? formatPlanFull(p, dir, cwd, seedDrawn, fold) : planSummary(p, dir, cwd, seedDrawn, fold);
}

/** The budget table and refusals, every row, as plain greppable lines. */
function formatPlanFull(p: Plan, dir: string, cwd: string, seedDrawn: boolean, fold: boolean): string {
  let out = `plan pass ${p.pass}${p.dry_run ? ' (dry run)' : ''}  seed ${p.seed}${seedDrawn ? ` (repeat with --seed ${p.seed})` : ''}\n`;
  if (p.budgets.length === 0) out += 'no budgets: no cluster with workers in inventory.tsv, or no operation in the policy\n';
  else {
    out += renderTable(
      ['cluster', 'archetype', 'op', 'N', 'cap', 'busy', 'headroom', 'candidates', 'chosen', 'why'],
      p.budgets.map((b) => [b.cluster, b.archetype, b.op, String(b.workers), String(b.cap), String(b.busy), String(b.headroom), String(b.candidates), String(b.chosen), b.why]),
      [false, false, false, true, true, true, true, true, true, false],
    );
  }
  for (const [name, hosts] of p.chosen) out += `chosen ${name}: ${chosenList(hosts, fold)}\n`;
  for (const r of p.refusals) out += `refused invariant ${r.invariant} ${r.cluster} ${r.op}${r.host ? ` ${r.host}` : ''}: ${r.message}\n`;
  for (const [op, w] of Object.entries(p.windows)) if (!w.open) out += `window ${op}: ${w.text}; nothing is applied for ${op} until then\n`;
  for (const n of p.notes) out += `note ${n}\n`;
  const total = p.budgets.reduce((s, b) => s + b.chosen, 0);
  out += `${total} host(s) chosen, ${p.refusals.length} refusal(s); plan in ${path.relative(cwd, dir) || dir}\n`;
  return out;
}
