import { foldNodeset } from '../sets/nodeset.js';
import path from 'node:path';
import type { BudgetRow, Plan } from '../policy/plan.js';
import type { Refusal } from '../safety/invariants.js';
import { foldedParts } from '../sets/nodeset.js';
import type { SourceOutcome } from '../sources/types.js';
import { formatOutcome } from './pull-line.js';
import { renderTable } from './table.js';

/**
 * The pass summary that fits one screen whatever the size of the datacenter
 * (pure): what went well is counted, what needs a look is named. `--verbose`
 * prints the full tables instead; plan.json keeps every row either way.
 */

/** At most this many budget rows, refusal lines and group rows are printed; the rest are counted. */
export const SUMMARY_ROWS = 12;
export const SUMMARY_REFUSALS = 8;

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Names folded for reading: `c01, c02, c03, c07` → `c[01-03,07]`, names of
 * other shapes listed as they are; past `max` names, `(+N more)`.
 */
export function foldNames(names: Iterable<string>, max = 8): string {
  const sorted = [...new Set(names)].sort(byteCompare);
  const byStem = new Map<string, { width: number; nums: number[] }>();
  const plain: string[] = [];
  for (const n of sorted) {
    const m = /^(.*?[^0-9])?([0-9]+)$/.exec(n);
    if (!m) {
      plain.push(n);
      continue;
    }
    const key = `${m[1] ?? ''}\u0000${m[2]!.length}`;
    const e = byStem.get(key) ?? { width: m[2]!.length, nums: [] };
    e.nums.push(Number(m[2]));
    byStem.set(key, e);
  }
  const parts: string[] = [];
  for (const [key, e] of byStem) {
    const stem = key.split('\u0000')[0]!;
    const nums = e.nums.sort((a, b) => a - b);
    if (nums.length === 1) {
      parts.push(`${stem}${String(nums[0]).padStart(e.width, '0')}`);
      continue;
    }
    const ranges: string[] = [];
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
      const a = String(nums[i]).padStart(e.width, '0');
      const b = String(nums[j]).padStart(e.width, '0');
      ranges.push(i === j ? a : `${a}-${b}`);
      i = j + 1;
    }
    parts.push(`${stem}[${ranges.join(',')}]`);
  }
  const all = [...parts, ...plain].sort(byteCompare);
  return all.length > max ? `${all.slice(0, max).join(' ')} (+${all.length - max} more)` : all.join(' ');
}

/**
 * Host names folded as `nodeset -f` prints them (`dw1-dn[001-004].dc1.example.com,gw1.dc1`),
 * so they can be pasted to clush -w; past `max` node sets, `(+N more)`.
 * Cluster names keep foldNames: they are read, not pasted.
 */
export function foldHosts(hosts: Iterable<string>, max = 8): string {
  const parts = foldedParts(hosts);
  return parts.length > max ? `${parts.slice(0, max).join(',')} (+${parts.length - max} more)` : parts.join(',');
}

/** The pull in one line, plus a line per source that failed or left names out. */
export function sourcesSummary(outcomes: readonly SourceOutcome[], wallSeconds: number): string {
  const width = Math.max(0, ...outcomes.map((o) => o.name.length));
  const ok = outcomes.filter((o) => o.status === 'ok');
  const skipped = outcomes.filter((o) => o.status === 'skipped');
  const slowest = [...outcomes].sort((a, b) => b.seconds - a.seconds)[0];
  let out = `${ok.length} source(s) ok${skipped.length ? `, ${skipped.length} skipped` : ''}${outcomes.length - ok.length - skipped.length ? `, ${outcomes.length - ok.length - skipped.length} FAILED` : ''} in ${wallSeconds.toFixed(1)} s${
    slowest ? ` (slowest ${slowest.name} ${slowest.seconds.toFixed(1)} s)` : ''
  }\n`;
  for (const o of outcomes) if (o.status === 'failed' || o.rejected.length > 0) out += formatOutcome(o, width);
  return out;
}

/** Whether a budget row is worth a line: something was chosen, refused or limited. */
function eventful(b: BudgetRow): boolean {
  return b.chosen > 0 || b.why.startsWith('refused') || b.why.startsWith('limited') || b.why === 'every candidate refused';
}

function opLine(op: string, rows: BudgetRow[], refusals: Refusal[]): string {
  const sum = (k: 'cap' | 'busy' | 'chosen') => rows.reduce((n, b) => n + b[k], 0);
  const chosenIn = rows.filter((b) => b.chosen > 0).map((b) => b.cluster);
  const refusedIn = rows.filter((b) => b.why.startsWith('refused')).map((b) => b.cluster);
  const limitedIn = rows.filter((b) => b.why.startsWith('limited')).map((b) => b.cluster);
  const idle = rows.filter((b) => b.chosen === 0 && !b.why.startsWith('refused') && !b.why.startsWith('limited')).length;
  const byInv = new Map<number, number>();
  for (const r of refusals) byInv.set(r.invariant, (byInv.get(r.invariant) ?? 0) + 1);
  const inv = [...byInv].sort((a, b) => a[0] - b[0]).map(([i, n]) => `invariant ${i} x${n}`);
  const parts = [`${rows.length} cluster(s), cap ${sum('cap')}, busy ${sum('busy')}, chosen ${sum('chosen')}${chosenIn.length ? ` in ${foldNames(chosenIn)}` : ''}`];
  if (refusals.length) parts.push(`refused ${refusals.length} (${inv.join(', ')})${refusedIn.length ? ` in ${foldNames(refusedIn)}` : ''}`);
  if (limitedIn.length) parts.push(`limited in ${foldNames(limitedIn)}`);
  if (idle) parts.push(`nothing to do in ${idle}`);
  return `${op}: ${parts.join(', ')}\n`;
}

/** Refusals grouped by invariant, op and what they say, with the clusters and hosts folded. */
export function refusalLines(refusals: readonly Refusal[]): string[] {
  if (refusals.length <= SUMMARY_REFUSALS) {
    return refusals.map((r) => `refused invariant ${r.invariant} ${r.cluster} ${r.op}${r.host ? ` ${r.host}` : ''}: ${r.message}`);
  }
  // The reason without the names and numbers that differ from cluster to cluster.
  const shape = (r: Refusal) => r.message.split(r.cluster).join('<c>').replace(r.host ?? '\u0000', '<h>').replace(/\d+(\.\d+)?/g, 'N');
  const groups = new Map<string, Refusal[]>();
  for (const r of refusals) {
    const k = `${r.invariant}\t${r.op}\t${shape(r)}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const lines = [...groups.values()]
    .sort((a, b) => a[0]!.invariant - b[0]!.invariant || b.length - a.length)
    .map((rs) => {
      const first = rs[0]!;
      const hosts = rs.filter((r) => r.host).map((r) => r.host!);
      return `refused invariant ${first.invariant} ${first.op} x${rs.length} in ${foldNames(rs.map((r) => r.cluster))}${hosts.length ? ` (hosts ${foldHosts(hosts, 4)})` : ''}: ${first.message}`;
    });
  return lines.length > SUMMARY_REFUSALS ? [...lines.slice(0, SUMMARY_REFUSALS), `... ${lines.length - SUMMARY_REFUSALS} more kinds of refusal in plan.json`] : lines;
}

/** The plan on one screen: the rows that matter, a line per op, refusals grouped, closed windows. */
/** The hosts of a chosen line: space-separated, or (--fold) one node set as `nodeset -f` prints it. */
export function chosenList(hosts: string[], fold: boolean): string {
  return fold ? foldNodeset(hosts) : hosts.join(' ');
}

export function planSummary(p: Plan, dir: string, cwd: string, seedDrawn: boolean, fold = false): string {
  let out = `plan pass ${p.pass}${p.dry_run ? ' (dry run)' : ''}  seed ${p.seed}${seedDrawn ? ` (repeat with --seed ${p.seed})` : ''}\n`;
  const rel = path.relative(cwd, dir) || dir;
  if (p.budgets.length === 0) out += 'no budgets: no cluster with workers in inventory.tsv, or no operation in the policy\n';
  const rows = p.budgets.filter(eventful);
  if (rows.length > 0) {
    const shown = rows.slice(0, SUMMARY_ROWS);
    out += renderTable(
      ['cluster', 'op', 'N', 'cap', 'busy', 'candidates', 'chosen', 'why'],
      shown.map((b) => [b.cluster, b.op, String(b.workers), String(b.cap), String(b.busy), String(b.candidates), String(b.chosen), b.why]),
      [false, false, true, true, true, true, true, false],
    );
    if (rows.length > shown.length) out += `... ${rows.length - shown.length} more row(s) with a choice, a refusal or a limit: --verbose, or ${path.join(rel, 'plan.json')}\n`;
  }
  // A few hosts are worth naming here; many are in the plan files.
  const chosenHosts = [...p.chosen.values()].reduce((n, l) => n + l.length, 0);
  if (chosenHosts <= 24 || fold) for (const [name, hosts] of p.chosen) out += `chosen ${name}: ${chosenList(hosts, fold)}\n`;
  const ops = [...new Set(p.budgets.map((b) => b.op))];
  for (const op of ops) {
    out += opLine(
      op,
      p.budgets.filter((b) => b.op === op),
      p.refusals.filter((r) => r.op === op),
    );
  }
  for (const l of refusalLines(p.refusals)) out += `${l}\n`;
  for (const [op, w] of Object.entries(p.windows)) if (!w.open) out += `window ${op}: ${w.text}; nothing is applied for ${op} until then\n`;
  for (const n of p.notes.slice(0, 3)) out += `note ${n}\n`;
  if (p.notes.length > 3) out += `... ${p.notes.length - 3} more note(s) in ${path.join(rel, 'plan.json')}\n`;
  const total = p.budgets.reduce((s, b) => s + b.chosen, 0);
  out += `${total} host(s) chosen, ${p.refusals.length} refusal(s); plan in ${rel} (the hosts: ${path.join(rel, '<cluster>.<op>')})\n`;
  return out;
}
