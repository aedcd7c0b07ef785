// The one-screen pass summary (src/report/summary.ts): names folded, refusals
// grouped, every cluster that needs a look still named, at any size.
import { describe, expect, it } from 'vitest';
import type { BudgetRow, Plan } from '../../src/policy/plan.js';
import type { Refusal } from '../../src/safety/invariants.js';
import { foldHosts, foldNames, planSummary, refusalLines, sourcesSummary, SUMMARY_REFUSALS } from '../../src/report/summary.js';
import type { SourceOutcome } from '../../src/sources/pull.js';

describe('foldNames', () => {
  const cases: Array<[string[], string]> = [
    [['c01', 'c02', 'c03', 'c07'], 'c[01-03,07]'],
    [['dw1', 'dw3', 'hb-meta', 'dev1'], 'dev1 dw[1,3] hb-meta'],
    [['c9', 'c10', 'c11'], 'c9 c[10-11]'], // widths differ: folded apart, as nodeset does
    [['x'], 'x'],
    [[], ''],
    [['a01', 'a01'], 'a01'],
  ];
  it.each(cases)('%j -> %s', (names, text) => expect(foldNames(names)).toBe(text));
  it('past the limit, the rest are counted', () => {
    expect(foldNames(['alpha', 'beta', 'gamma'], 2)).toBe('alpha beta (+1 more)');
  });
});

describe('refusalLines', () => {
  const r = (cluster: string, invariant: Refusal['invariant'], message: string, host: string | null = null): Refusal => ({ cluster, op: 'reboot', invariant, message, host });
  it('a few refusals are printed one a line, as the full table does', () => {
    const rs = [r('dw1', 4, 'dw1 spans 3'), r('dw2', 3, 'dw2 has 2 missing')];
    expect(refusalLines(rs)).toEqual(['refused invariant 4 dw1 reboot: dw1 spans 3', 'refused invariant 3 dw2 reboot: dw2 has 2 missing']);
  });
  it('many are grouped by invariant and reason, with every cluster named', () => {
    const rs = Array.from({ length: 40 }, (_, i) => {
      const c = `c${String(i + 1).padStart(2, '0')}`;
      return r(c, 4, `hosts down in ${c} already span ${2 + (i % 2)} data groups`);
    });
    rs.push(r('c05', 8, 'c05-dn001 was remediated 3 times', 'c05-dn001'));
    const lines = refusalLines(rs);
    expect(lines).toEqual([
      'refused invariant 4 reboot x40 in c[01-40]: hosts down in c01 already span 2 data groups',
      'refused invariant 8 reboot x1 in c05 (hosts c05-dn001): c05-dn001 was remediated 3 times',
    ]);
    expect(lines.length).toBeLessThanOrEqual(SUMMARY_REFUSALS + 1);
  });
});

describe('sourcesSummary', () => {
  const o = (name: string, status: SourceOutcome['status'], seconds: number, reason?: string): SourceOutcome => ({
    name,
    type: 'hdfs',
    status,
    seconds,
    counts: {},
    notes: [],
    rejected: [],
    reason,
  });
  it('one line for what went well, a line each for the rest', () => {
    const text = sourcesSummary([o('hdfs-c01', 'ok', 1.2), o('hdfs-c02', 'failed', 2.5, 'exit 255'), o('inventory', 'ok', 0.4)], 2.6);
    expect(text.split('\n')[0]).toBe('2 source(s) ok, 1 FAILED in 2.6 s (slowest hdfs-c02 2.5 s)');
    expect(text).toMatch(/^hdfs-c02 +failed +2\.50s +exit 255$/m);
    expect(text).not.toMatch(/^hdfs-c01/m);
  });
});

describe('planSummary at the size of a large datacenter', () => {
  const OPS = ['drain', 'rekick', 'reboot', 'return'] as const;
  const row = (cluster: string, op: string, chosen: number, why: string): BudgetRow =>
    ({ cluster, op, archetype: 'default', reason: 'r', rule: 1, workers: 2500, pct: 6, floor: 1, ceiling: 200, override: null, cap: 150, busy: 10, headroom: 140, candidates: chosen ? 50 : 0, chosen, why, inService: null, inServiceFloor: null, downGroups: null, rateLeft: null, rates: [] }) as BudgetRow;
  const clusters = Array.from({ length: 40 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
  const budgets: BudgetRow[] = [];
  const chosen = new Map<string, string[]>();
  const refusals: Refusal[] = [];
  for (const c of clusters) {
    for (const op of OPS) {
      if (op === 'reboot') {
        budgets.push(row(c, op, 0, 'refused: invariant 4'));
        refusals.push({ cluster: c, op, invariant: 4, host: null, message: `hosts down and drains in flight in ${c} already span 3 data groups` });
      } else if (op === 'drain') {
        budgets.push(row(c, op, 12, ''));
        chosen.set(`${c}.${op}`, Array.from({ length: 12 }, (_, i) => `${c}-dn${i}.dc1.example.com`));
      } else budgets.push(row(c, op, 0, 'no candidates'));
    }
  }
  const plan: Plan = { pass: 3, time: '2026-12-01T00:00:00Z', seed: '1', dry_run: true, budgets, refusals, chosen, needsHuman: [], notes: [], windows: {} };
  const text = planSummary(plan, '/h/dc1/2026-12-01/plans/3', '/h', false);
  const lines = text.split('\n').filter(Boolean);

  it('fits one screen', () => expect(lines.length).toBeLessThanOrEqual(40));
  it('says per op what happened, with the totals', () => {
    expect(text).toContain('drain: 40 cluster(s), cap 6000, busy 400, chosen 480 in c[01-40]');
    expect(text).toContain('reboot: 40 cluster(s), cap 6000, busy 400, chosen 0, refused 40 (invariant 4 x40) in c[01-40]');
    expect(text).toContain('rekick: 40 cluster(s), cap 6000, busy 400, chosen 0, nothing to do in 40');
  });
  it('counts the rows it does not print, and where they are', () => {
    expect(text).toMatch(/^\.\.\. 68 more row\(s\) with a choice, a refusal or a limit: --verbose, or dc1\/2026-12-01\/plans\/3\/plan\.json$/m);
    expect(text).not.toContain('chosen c01.drain:');
  });
});

describe('foldHosts', () => {
  it('folds as nodeset -f does, commas between node sets', () => {
    expect(foldHosts(['dw1-dn002.dc1', 'dw1-dn001.dc1', 'dw1-dn010.dc1', 'gw.dc1'])).toBe('dw1-dn[001-002,010].dc1,gw.dc1');
  });
  it('cuts after max node sets', () => {
    expect(foldHosts(['a.x', 'b.x', 'c1.x', 'c2.x'], 2)).toBe('a.x,b.x (+1 more)');
  });
});
