import type { TopLevelSpec } from 'vega-lite';
import type { AppliedPass, BudgetRow, CountPoint, DayPoint, OpenRow, RefusalRow } from './report-model.js';

/**
 * The report's charts as Vega-Lite specs (pure): data inline, nothing to
 * fetch. A function returns null when there is nothing to draw, and the page
 * says so in words instead of showing an empty frame.
 */

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const CONFIG = {
  font: FONT,
  background: '#ffffff',
  view: { stroke: '#e5e7eb' },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' as const, gridColor: '#eef0f3' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  header: { labelFontSize: 11, titleFontSize: 11 },
};

/** The order ops are listed in everywhere (DESIGN §1). */
const OP_ORDER = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'];
export const opRank = (op: string) => (OP_ORDER.includes(op) ? OP_ORDER.indexOf(op) : OP_ORDER.length);
export const sortOps = (ops: Iterable<string>): string[] => [...new Set(ops)].sort((a, b) => opRank(a) - opRank(b) || (a < b ? -1 : a > b ? 1 : 0));

/** Groups whose count moved over the points given: the ones worth a line. */
export function changedGroups<T extends { group: string; count: number }>(points: readonly T[]): string[] {
  const seen = new Map<string, Set<number>>();
  for (const p of points) {
    let s = seen.get(p.group);
    if (!s) seen.set(p.group, (s = new Set()));
    s.add(p.count);
  }
  return [...seen].filter(([, s]) => s.size > 1).map(([g]) => g);
}

/**
 * Small multiples: one line chart per group that changed along `x` (passes of
 * a day, or days), each with its own scale.
 */
function perGroupLines(values: Array<Record<string, string | number>>, x: Record<string, unknown>, color?: string): TopLevelSpec {
  return {
    config: CONFIG,
    data: { values },
    facet: { field: 'group', type: 'nominal', title: null, header: { labelAnchor: 'start', labelFontWeight: 'bold', labelLimit: 200 } },
    columns: 3,
    spacing: { row: 12, column: 14 },
    spec: {
      width: 140,
      height: 64,
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.5, ...(color ? { color } : {}) },
      encoding: {
        x,
        y: { field: 'count', type: 'quantitative', title: null, scale: { zero: false }, axis: { tickCount: 3, format: 'd' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** One small chart per group that changed over the day's passes, each with its own scale. */
export function trendSpec(points: readonly CountPoint[]): TopLevelSpec | null {
  const changed = new Set(changedGroups(points));
  if (changed.size === 0) return null;
  return perGroupLines(
    points.filter((p) => changed.has(p.group)).map((p) => ({ group: p.group, pass: p.pass, count: p.count })),
    { field: 'pass', type: 'quantitative', title: 'pass', axis: { tickMinStep: 1, format: 'd' }, scale: { nice: false } },
  );
}

/** The last count of each day, per group that changed across the days. */
export function daysSpec(points: readonly DayPoint[]): TopLevelSpec | null {
  const changed = new Set(changedGroups(points));
  if (changed.size === 0) return null;
  return perGroupLines(
    points.filter((p) => changed.has(p.group)).map((p) => ({ group: p.group, day: p.day, count: p.count })),
    { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: -40, labelExpr: 'slice(datum.label, 5)' } },
    '#7c3aed',
  );
}

/** Per cluster and op: the cap as a grey bar, what is busy and what was chosen stacked against it. */
export function budgetSpec(budgets: readonly BudgetRow[]): TopLevelSpec | null {
  if (budgets.length === 0) return null;
  const ops = sortOps(budgets.map((b) => b.op));
  const values = budgets.flatMap((b) => [
    { cluster: b.cluster, op: b.op, part: 'busy', hosts: b.busy, cap: b.cap },
    { cluster: b.cluster, op: b.op, part: 'chosen', hosts: b.chosen, cap: b.cap },
  ]);
  const color = { scale: { domain: ['cap', 'busy', 'chosen'], range: ['#d9dee7', '#4c78a8', '#f58518'] }, legend: { title: null, orient: 'top' as const } };
  return {
    config: CONFIG,
    data: { values },
    facet: { field: 'cluster', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } },
    columns: 4,
    spec: {
      width: Math.max(90, ops.length * 26),
      height: 140,
      encoding: { x: { field: 'op', type: 'nominal', title: null, sort: ops, axis: { labelAngle: -40 } } },
      layer: [
        {
          transform: [{ filter: "datum.part === 'busy'" }],
          mark: { type: 'bar', width: { band: 0.85 } },
          encoding: { y: { field: 'cap', type: 'quantitative', title: 'hosts', axis: { format: 'd', tickMinStep: 1 } }, color: { datum: 'cap', ...color } },
        },
        {
          mark: { type: 'bar', width: { band: 0.45 } },
          encoding: { y: { field: 'hosts', type: 'quantitative', stack: 'zero' }, color: { field: 'part', type: 'nominal', ...color }, order: { field: 'part' } },
        },
      ],
    },
  };
}

/** Hosts acted on per op in each pass of the day (passes that did not apply show nothing). */
export function appliedSpec(passes: readonly AppliedPass[]): TopLevelSpec | null {
  const values = passes.flatMap((p) => Object.entries(p.acted).map(([op, hosts]) => ({ pass: p.pass, op, hosts })));
  if (!values.some((v) => v.hosts > 0)) return null;
  const ops = sortOps(values.map((v) => v.op));
  return {
    config: CONFIG,
    width: Math.min(620, Math.max(240, passes.length * 30)),
    height: 170,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'pass', type: 'ordinal', title: 'pass', scale: { domain: passes.map((p) => p.pass) }, axis: { labelAngle: 0 } },
      y: { field: 'hosts', type: 'quantitative', aggregate: 'sum', title: 'hosts acted on', axis: { format: 'd', tickMinStep: 1 } },
      color: { field: 'op', type: 'nominal', title: 'op', sort: ops, scale: { domain: ops } },
      order: { field: 'op' },
    },
  };
}

/** Refusals of the day by invariant 1..10, planning and apply-time re-check apart. */
export function refusalSpec(rows: readonly RefusalRow[], invariants: readonly number[]): TopLevelSpec | null {
  if (rows.length === 0) return null;
  const values = rows.map((r) => ({ invariant: r.invariant, stage: r.stage === 'plan' ? 'at plan' : 'at apply' }));
  return {
    config: CONFIG,
    width: 380,
    height: 170,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'invariant', type: 'ordinal', title: 'invariant (DESIGN §6)', scale: { domain: [...invariants] }, axis: { labelAngle: 0 } },
      y: { aggregate: 'count', type: 'quantitative', title: 'refusals', axis: { format: 'd', tickMinStep: 1 } },
      color: { field: 'stage', type: 'nominal', title: null, scale: { domain: ['at plan', 'at apply'], range: ['#e45756', '#b279a2'] }, legend: { orient: 'top' } },
    },
  };
}

/** The age of every open plan, one mark per host, by op. */
export function openSpec(rows: readonly OpenRow[]): TopLevelSpec | null {
  if (rows.length === 0) return null;
  const maxMs = Math.max(...rows.map((r) => r.ageMs));
  const [unit, ms] = maxMs >= 2 * 86_400_000 ? ['days', 86_400_000] : maxMs >= 2 * 3_600_000 ? ['hours', 3_600_000] : maxMs >= 2 * 60_000 ? ['minutes', 60_000] : ['seconds', 1000];
  const values = rows.map((r) => ({ host: r.host, op: r.op, cluster: r.cluster, age: Math.round((r.ageMs / (ms as number)) * 10) / 10, stuck: r.stuck ? 'past its timeout' : 'open' }));
  return {
    config: CONFIG,
    width: 340,
    height: Math.max(70, sortOps(rows.map((r) => r.op)).length * 42),
    data: { values },
    mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
    encoding: {
      y: { field: 'op', type: 'nominal', title: null, sort: sortOps(rows.map((r) => r.op)) },
      x: { field: 'age', type: 'quantitative', title: `age (${unit})`, scale: { zero: true } },
      color: { field: 'cluster', type: 'nominal', title: 'cluster' },
      shape: { field: 'stuck', type: 'nominal', title: null, scale: { domain: ['open', 'past its timeout'], range: ['circle', 'triangle-up'] } },
      yOffset: { field: 'host', type: 'nominal' },
    },
  };
}
