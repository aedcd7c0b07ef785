import fs from 'node:fs';
import path from 'node:path';
import { HistoryError, HistoryStore } from '../store/history.js';
import type { Policy } from '../policy/types.js';
import { comparePlans, type PlanJsonView } from '../report/whatif.js';
import { loadRecorded, rebuild, recordedPolicy, recordedPasses, replayOps, Workspace } from './replay.js';

export interface SimRow {
  op: string;
  cluster: string;
  chosen: [number, number];
  /** The highest busy of any pass, and the highest cap, under each policy. */
  peakBusy: [number, number];
  peakCap: [number, number];
  /** Passes where busy was above cap (the policy would have had more out than it allows). */
  overCap: [number, number];
  /** Refusals by invariant: [old, new]. */
  refusals: Record<string, [number, number]>;
}

export interface SimPass {
  day: string;
  pass: number;
  time: string;
  chosen: [number, number];
  refusals: [number, number];
  /** Hosts chosen by one policy and not the other, plus refusals that differ. */
  difference: number;
}

export interface SimResult {
  policy: string;
  passes: number;
  unrecorded: number;
  unreplayable: Array<{ day: string; pass: number; why: string }>;
  rows: SimRow[];
  perPass: SimPass[];
  first: string | null;
  last: string | null;
}

const recipesKey = (p: Policy) => p.recipes.map((r) => `${r.name}:${r.expression}`).join('\n');

/**
 * Replays every recorded pass of the days under another policy, each from its
 * own inputs, in order. What the other policy would have chosen is not fed
 * into the next pass: this says what each pass would have chosen, not how the
 * fleet would have evolved.
 */
export async function simulate(o: {
  dcDir: string;
  days: string[];
  policy: Policy;
  progress?: (done: number, total: number) => void;
  /** Only block `index` of `of` consecutive blocks of the passes (one process of several). */
  shard?: { index: number; of: number };
}): Promise<SimResult> {
  const store = new HistoryStore(o.dcDir);
  const all = recordedPasses(o.dcDir, o.days);
  const unrecorded = o.shard && o.shard.index > 0 ? 0 : all.unrecorded;
  const passes = o.shard ? shardOf(all.passes, o.shard.index, o.shard.of) : all.passes;
  const rows = new Map<string, SimRow>();
  const perPass: SimPass[] = [];
  const unreplayable: SimResult['unreplayable'] = [];
  const w = new Workspace(store);
  const policies = new Map<string, Policy>();
  const newRecipes = recipesKey(o.policy);
  try {
    for (const [i, at] of passes.entries()) {
      o.progress?.(i, passes.length);
      let rec;
      try {
        rec = loadRecorded(store, o.dcDir, at.day, at.pass);
        w.load(rec);
      } catch (e) {
        if (!(e instanceof HistoryError)) throw e;
        unreplayable.push({ ...at, why: e.message });
        continue;
      }
      const policyKey = Object.entries(rec.inputs.inputs).filter(([n]) => n.startsWith('policy/')).map(([n, a]) => `${n}=${a}`).join(',');
      let old = policies.get(policyKey);
      if (!old) policies.set(policyKey, (old = recordedPolicy(w)));
      if (recipesKey(old) !== newRecipes) w.derive(rec, o.policy);
      const b = await rebuild(w, rec, o.policy, replayOps(rec, old, o.policy));
      const saved = JSON.parse(fs.readFileSync(path.join(rec.planDir, 'plan.json'), 'utf8')) as PlanJsonView;
      const next = JSON.parse(b.json) as PlanJsonView;
      const c = comparePlans(saved, next);
      const budgets = new Map<string, { o?: PlanJsonView['budgets'][number]; n?: PlanJsonView['budgets'][number] }>();
      for (const x of saved.budgets) budgets.set(`${x.op}\t${x.cluster}`, { o: x });
      for (const x of next.budgets) budgets.set(`${x.op}\t${x.cluster}`, { ...budgets.get(`${x.op}\t${x.cluster}`), n: x });
      for (const [k, v] of budgets) {
        const [op, cluster] = k.split('\t') as [string, string];
        let r = rows.get(k);
        if (!r) rows.set(k, (r = { op, cluster, chosen: [0, 0], peakBusy: [0, 0], peakCap: [0, 0], overCap: [0, 0], refusals: {} }));
        const sides = [v.o, v.n] as const;
        sides.forEach((b2, s) => {
          if (!b2) return;
          r!.chosen[s] += b2.chosen;
          r!.peakBusy[s] = Math.max(r!.peakBusy[s], b2.busy);
          r!.peakCap[s] = Math.max(r!.peakCap[s], b2.cap);
          if (b2.busy > b2.cap) r!.overCap[s]++;
        });
      }
      [saved, next].forEach((p, s) => {
        for (const x of p.refusals) {
          const k = `${x.op}\t${x.cluster}`;
          let r = rows.get(k);
          if (!r) rows.set(k, (r = { op: x.op, cluster: x.cluster, chosen: [0, 0], peakBusy: [0, 0], peakCap: [0, 0], overCap: [0, 0], refusals: {} }));
          const t = (r.refusals[String(x.invariant)] ??= [0, 0]);
          t[s]++;
        }
      });
      const sum = (p: PlanJsonView) => p.budgets.reduce((n, x) => n + x.chosen, 0);
      const difference = c.rows.reduce((n, x) => n + x.added.length + x.spared.length, 0) + Object.values(c.refusalsAdded).flat().length + Object.values(c.refusalsRemoved).flat().length;
      perPass.push({ day: at.day, pass: at.pass, time: rec.inputs.time, chosen: [sum(saved), sum(next)], refusals: [saved.refusals.length, next.refusals.length], difference });
    }
  } finally {
    w.close();
  }
  o.progress?.(passes.length, passes.length);
  return {
    policy: o.policy.dir,
    passes: perPass.length,
    unrecorded,
    unreplayable,
    rows: [...rows.values()].sort((a, b) => (a.op === b.op ? (a.cluster < b.cluster ? -1 : 1) : a.op < b.op ? -1 : 1)),
    perPass,
    first: perPass[0]?.time ?? null,
    last: perPass[perPass.length - 1]?.time ?? null,
  };
}

/** Block `index` of `of` near-equal consecutive blocks: consecutive passes share most of their inputs. */
export function shardOf<T>(xs: T[], index: number, of: number): T[] {
  const size = Math.ceil(xs.length / of);
  return xs.slice(index * size, (index + 1) * size);
}

/** The result of several shards, in pass order, as one run over all their passes would give it. */
export function mergeResults(parts: SimResult[]): SimResult {
  const rows = new Map<string, SimRow>();
  for (const p of parts) {
    for (const r of p.rows) {
      const k = `${r.op}\t${r.cluster}`;
      const m = rows.get(k);
      if (!m) {
        rows.set(k, { ...r, chosen: [...r.chosen], peakBusy: [...r.peakBusy], peakCap: [...r.peakCap], overCap: [...r.overCap], refusals: Object.fromEntries(Object.entries(r.refusals).map(([i, v]) => [i, [...v] as [number, number]])) });
        continue;
      }
      for (const s of [0, 1] as const) {
        m.chosen[s] += r.chosen[s];
        m.peakBusy[s] = Math.max(m.peakBusy[s], r.peakBusy[s]);
        m.peakCap[s] = Math.max(m.peakCap[s], r.peakCap[s]);
        m.overCap[s] += r.overCap[s];
      }
      for (const [i, v] of Object.entries(r.refusals)) {
        const t = (m.refusals[i] ??= [0, 0]);
        t[0] += v[0];
        t[1] += v[1];
      }
    }
  }
  const perPass = parts.flatMap((p) => p.perPass);
  return {
    policy: parts[0]?.policy ?? '',
    passes: perPass.length,
    unrecorded: parts.reduce((n, p) => n + p.unrecorded, 0),
    unreplayable: parts.flatMap((p) => p.unreplayable),
    rows: [...rows.values()].sort((a, b) => (a.op === b.op ? (a.cluster < b.cluster ? -1 : 1) : a.op < b.op ? -1 : 1)),
    perPass,
    first: perPass[0]?.time ?? null,
    last: perPass[perPass.length - 1]?.time ?? null,
  };
}
