import { renderTable } from './table.js';

/** The parts of a plan.json a what-if compares. */
export interface PlanJsonView {
  budgets: Array<{ cluster: string; op: string; cap: number; busy: number; headroom: number; chosen: number }>;
  refusals: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
  chosen: Record<string, string[]>;
}

export interface BudgetChange {
  cluster: string;
  op: string;
  cap: [number | null, number | null];
  busy: [number | null, number | null];
  headroom: [number | null, number | null];
  chosen: [number | null, number | null];
  /** Hosts the other policy would choose that the pass did not, and the reverse. */
  added: string[];
  spared: string[];
}

export interface PlanComparison {
  rows: BudgetChange[];
  unchanged: number;
  /** By invariant: refusals the other policy adds and removes (as `cluster op host: message`). */
  refusalsAdded: Record<string, string[]>;
  refusalsRemoved: Record<string, string[]>;
}

const key = (cluster: string, op: string) => `${cluster}\t${op}`;

function refusalText(r: PlanJsonView['refusals'][number]): string {
  return `${r.cluster} ${r.op}${r.host ? ` ${r.host}` : ''}: ${r.message}`;
}

/** Pure: what changes, cluster by cluster and op by op, between the plan a pass made and another. */
export function comparePlans(before: PlanJsonView, after: PlanJsonView): PlanComparison {
  const a = new Map(before.budgets.map((b) => [key(b.cluster, b.op), b]));
  const b = new Map(after.budgets.map((x) => [key(x.cluster, x.op), x]));
  const rows: BudgetChange[] = [];
  let unchanged = 0;
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const k of keys) {
    const [cluster, op] = k.split('\t') as [string, string];
    const x = a.get(k);
    const y = b.get(k);
    const oldHosts = new Set(before.chosen[`${cluster}.${op}`] ?? []);
    const newHosts = new Set(after.chosen[`${cluster}.${op}`] ?? []);
    const added = [...newHosts].filter((h) => !oldHosts.has(h)).sort();
    const spared = [...oldHosts].filter((h) => !newHosts.has(h)).sort();
    const same = x && y && x.cap === y.cap && x.busy === y.busy && x.headroom === y.headroom && x.chosen === y.chosen && added.length === 0 && spared.length === 0;
    if (same) {
      unchanged++;
      continue;
    }
    rows.push({
      cluster,
      op,
      cap: [x?.cap ?? null, y?.cap ?? null],
      busy: [x?.busy ?? null, y?.busy ?? null],
      headroom: [x?.headroom ?? null, y?.headroom ?? null],
      chosen: [x?.chosen ?? null, y?.chosen ?? null],
      added,
      spared,
    });
  }
  const byInvariant = (list: PlanJsonView['refusals']) => {
    const m = new Map<string, string[]>();
    for (const r of list) {
      const t = refusalText(r);
      let l = m.get(String(r.invariant));
      if (!l) m.set(String(r.invariant), (l = []));
      l.push(t);
    }
    return m;
  };
  const ra = byInvariant(before.refusals);
  const rb = byInvariant(after.refusals);
  const refusalsAdded: Record<string, string[]> = {};
  const refusalsRemoved: Record<string, string[]> = {};
  for (const inv of [...new Set([...ra.keys(), ...rb.keys()])].sort((p, q) => Number(p) - Number(q))) {
    const was = new Set(ra.get(inv) ?? []);
    const now = new Set(rb.get(inv) ?? []);
    const add = [...now].filter((t) => !was.has(t));
    const rem = [...was].filter((t) => !now.has(t));
    if (add.length) refusalsAdded[inv] = add;
    if (rem.length) refusalsRemoved[inv] = rem;
  }
  return { rows, unchanged, refusalsAdded, refusalsRemoved };
}

const arrow = (p: [number | null, number | null]) => (p[0] === p[1] ? String(p[0] ?? '-') : `${p[0] ?? '-'} → ${p[1] ?? '-'}`);

/** The comparison as plain lines: a table of the rows that change, refusals, hosts chosen or spared. */
export function formatComparison(c: PlanComparison, hostsShown = 10): string {
  let out = '';
  if (c.rows.length === 0) out += `no budget or choice changes (${c.unchanged} cluster/op rows the same)\n`;
  else {
    out += renderTable(
      ['cluster', 'op', 'cap', 'busy', 'headroom', 'chosen'],
      c.rows.map((r) => [r.cluster, r.op, arrow(r.cap), arrow(r.busy), arrow(r.headroom), arrow(r.chosen)]),
      [false, false, true, true, true, true],
    );
    out += `${c.unchanged} other cluster/op row(s) the same\n`;
  }
  const list = (hosts: string[]) => hosts.slice(0, hostsShown).join(' ') + (hosts.length > hostsShown ? ` ... (${hosts.length} in all)` : '');
  for (const r of c.rows) {
    if (r.added.length) out += `would also choose ${r.op} ${r.cluster}: ${list(r.added)}\n`;
    if (r.spared.length) out += `would spare ${r.op} ${r.cluster}: ${list(r.spared)}\n`;
  }
  for (const [inv, l] of Object.entries(c.refusalsAdded)) for (const t of l) out += `refusal added, invariant ${inv}: ${t}\n`;
  for (const [inv, l] of Object.entries(c.refusalsRemoved)) for (const t of l) out += `refusal removed, invariant ${inv}: ${t}\n`;
  return out;
}
