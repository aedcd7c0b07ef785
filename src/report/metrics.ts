/**
 * A pass in the Prometheus text exposition format (pure: no I/O, the time is
 * an argument). Every series is labelled with the datacenter and never with a
 * host, so the number of series is bounded by the config and the policy, not
 * by the fleet. Families and samples come out in a fixed order, so the files
 * of two passes differ only in their values and `diff` shows what changed.
 */

export interface MetricsInput {
  dc: string;
  /** When the pass ended. */
  time: Date;
  durationSeconds: number;
  /** Every group of the day directory with its count. */
  groups: ReadonlyArray<{ name: string; count: number }>;
  /** The plan's budget rows. */
  budgets: ReadonlyArray<{ cluster: string; op: string; cap: number; busy: number; headroom: number; candidates: number; chosen: number }>;
  /** This pass's refusals (host fields, if any, are not read). */
  refusals: ReadonlyArray<{ invariant: number }>;
  /** Every configured source and whether its pull went well this pass. */
  sources: ReadonlyArray<{ name: string; up: boolean }>;
  /** Every op, so an op with nothing open still has its series. */
  ops: readonly string[];
  /** The entries of open.json. */
  open: ReadonlyArray<{ op: string }>;
  /** The pass's warnings, as printed: `warning KIND: ...`. */
  warnings: ReadonlyArray<{ kind: string }>;
  paused: boolean;
  /** Rows of needs-human.tsv. */
  needsHuman: number;
}

/** The safety invariants of DESIGN §6: each has a series, 0 when nothing was refused by it. */
export const INVARIANTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
/** The kinds of warning a pass prints; each has a series, 0 when there was none. */
export const WARNING_KINDS = ['growing', 'stuck', 'swing'] as const;
const BUDGET_KINDS = ['cap', 'busy', 'headroom', 'candidates', 'chosen'] as const;

type Labels = Array<[string, string]>;

interface Family {
  name: string;
  help: string;
  samples: Map<string, { labels: Labels; value: number }>;
}

/** `\` `"` and newline, as the exposition format escapes them in a label value. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `\` and newline, as the exposition format escapes them in HELP text. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: Go's float syntax for the values that are not plain numbers. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function family(name: string, help: string): Family {
  return { name, help, samples: new Map() };
}

/** Adds to a series (the same labels twice sum up: the output never holds a duplicate series). */
function add(f: Family, labels: Labels, value: number): void {
  const key = labels.map(([k, v]) => `${k}\u0000${v}`).join('\u0001');
  const had = f.samples.get(key);
  if (had) had.value += value;
  else f.samples.set(key, { labels, value });
}

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** Label values compared in byte order, except that two whole numbers compare as numbers (invariant 2 before 10). */
function compareValues(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) return Number(a) - Number(b);
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function compareLabels(a: Labels, b: Labels): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i]![1], b[i]![1]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function renderFamily(f: Family): string {
  let out = `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n`;
  const samples = [...f.samples.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  for (const s of samples) {
    const labels = s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
    out += `${f.name}{${labels}} ${formatValue(s.value)}\n`;
  }
  return out;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The pass as a `.prom` file: HELP and TYPE for every family, families in name order. */
export function renderMetrics(m: MetricsInput): string {
  const dc: [string, string] = ['dc', m.dc];
  const families: Family[] = [];
  const f = (name: string, help: string) => {
    const x = family(name, help);
    families.push(x);
    return x;
  };

  const groups = f('breakfix_group_hosts', 'Hosts in each group of the day directory at the end of the pass.');
  for (const g of m.groups) add(groups, [dc, ['group', g.name]], g.count);

  const budgets = f('breakfix_budget_hosts', 'Budget of each cluster and op in the pass\'s plan: cap, busy, headroom, candidates, chosen (hosts).');
  for (const b of m.budgets) for (const kind of BUDGET_KINDS) add(budgets, [dc, ['cluster', b.cluster], ['op', b.op], ['kind', kind]], b[kind]);

  const refusals = f('breakfix_refusals', 'Hosts or ops the pass refused, by safety invariant (DESIGN 6).');
  for (const i of INVARIANTS) add(refusals, [dc, ['invariant', String(i)]], 0);
  for (const r of m.refusals) add(refusals, [dc, ['invariant', String(r.invariant)]], 1);

  const sources = f('breakfix_source_up', '1 when the source\'s pull went well this pass (or today\'s copy of a stable source was kept), 0 when it failed.');
  for (const s of m.sources) add(sources, [dc, ['source', s.name]], s.up ? 1 : 0);

  const stamp = f('breakfix_pass_timestamp_seconds', 'When the last pass ended, in seconds since the Unix epoch.');
  add(stamp, [dc], seconds(m.time.getTime()));

  const duration = f('breakfix_pass_duration_seconds', 'How long the last pass took.');
  add(duration, [dc], seconds(Math.max(0, m.durationSeconds) * 1000));

  const open = f('breakfix_open_plans', 'Entries of open.json per op: applied plans the sources do not yet show finished.');
  for (const op of m.ops) add(open, [dc, ['op', op]], 0);
  for (const e of m.open) add(open, [dc, ['op', e.op]], 1);

  const warnings = f('breakfix_warnings', 'Warnings the pass gave, by kind (growing, stuck, swing).');
  for (const k of WARNING_KINDS) add(warnings, [dc, ['kind', k]], 0);
  for (const w of m.warnings) add(warnings, [dc, ['kind', w.kind]], 1);

  add(f('breakfix_paused', '1 while a pause file stops every action of the datacenter.'), [dc], m.paused ? 1 : 0);
  add(f('breakfix_needs_human_hosts', 'Rows of needs-human.tsv: hosts a person must look at.'), [dc], m.needsHuman);

  return families
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(renderFamily)
    .join('');
}
