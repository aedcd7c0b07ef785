// Budgets: the cap formula of DESIGN §5, the first-match classifier, and the
// busy/headroom row. Every expected number below is worked out by hand.
import { describe, expect, it } from 'vitest';
import { budgetFor, capOf, classify } from '../../src/policy/budget.js';
import type { Archetype, ClassifyRule, Op, OpLimits } from '../../src/policy/types.js';

const L = (pct: number, floor: number, ceiling: number | null): OpLimits => ({ pct, floor, ceiling });

describe('capOf: min(ceiling, max(floor, floor(pct × N / 100)))', () => {
  // [pct, floor, ceiling, N, cap]
  const table: Array<[number, number, number | null, number, number]> = [
    // pct 6, ceiling 200 (default drain/rekick)
    [6, 1, 200, 0, 1], // 0 → the floor
    [6, 1, 200, 1, 1], // 0.06 → 0 → the floor
    [6, 1, 200, 16, 1], // 0.96 → 0 → the floor
    [6, 1, 200, 17, 1], // 1.02 → 1
    [6, 1, 200, 50, 3], // 3 exactly
    [6, 1, 200, 3334, 200], // 200.04 → 200, the ceiling is not below it
    [6, 1, 200, 3350, 200], // 201 → capped at 200
    [6, 1, 200, 100000, 200],
    [6, 1, null, 3334, 200],
    [6, 1, null, 3350, 201], // no ceiling: the percentage alone
    [6, 1, null, 100000, 6000],
    [6, 1, 2, 3334, 2], // a small ceiling wins
    [6, 1, 2, 17, 1],
    // pct 10 (default reboot/return)
    [10, 1, 300, 0, 1],
    [10, 1, 300, 1, 1],
    [10, 1, 300, 16, 1], // 1.6 → 1
    [10, 1, 300, 17, 1], // 1.7 → 1
    [10, 1, 300, 20, 2],
    [10, 1, 300, 3334, 300], // 333.4 → 333 → ceiling 300
    [10, 1, null, 3334, 333],
    [10, 1, 5, 3334, 5],
    // pct 3 (default firmware)
    [3, 1, 100, 0, 1],
    [3, 1, 100, 1, 1],
    [3, 1, 100, 16, 1],
    [3, 1, 100, 17, 1],
    [3, 1, 100, 34, 1], // 1.02
    [3, 1, 100, 67, 2], // 2.01
    [3, 1, 100, 3334, 100], // 100.02 → 100
    [3, 1, null, 3334, 100],
    [3, 1, 1, 3334, 1],
    // the floor
    [6, 0, 200, 0, 0], // floor 0: an empty cluster gets nothing
    [6, 0, 200, 16, 0],
    [6, 3, 200, 1, 3], // a floor above the percentage
    [6, 3, 200, 100, 6],
    [6, 3, 3, 100, 3],
    // percentages whose product is not exact in binary floating point
    [1.15, 1, null, 2000, 23], // 1.15 × 2000 / 100 is 22.999999999999996 in doubles; the answer is 23
    [14.3, 1, null, 1000, 143],
    [0.7, 1, null, 1000, 7],
    [33.3, 0, null, 10, 3], // 3.33
    [100, 1, null, 37, 37],
    [0, 1, null, 5000, 1],
    [0, 0, null, 5000, 0],
  ];
  it.each(table)('pct %s floor %s ceiling %s, N=%s → %s', (pct, floor, ceiling, n, cap) => {
    expect(capOf(L(pct, floor, ceiling), n)).toBe(cap);
  });

  // An override replaces the formula entirely, whatever it would give.
  const overrides: Array<[number, number | null, number, number]> = [
    [6, 200, 3334, 1], // would be 200
    [6, 200, 0, 1],
    [6, 200, 16, 0], // 0 is a valid override: never
    [6, 2, 3334, 5], // above the archetype's ceiling: the override still wins
    [10, null, 100, 7],
  ];
  it.each(overrides)('pct %s ceiling %s N=%s with max %s', (pct, ceiling, n, max) => {
    expect(capOf(L(pct, 1, ceiling), n, max)).toBe(max);
  });
});

const arch = (name: string, reason: string, ops: Partial<Record<Op, OpLimits>>): Archetype => ({
  name,
  reason,
  ops: new Map(Object.entries(ops) as Array<[Op, OpLimits]>),
});
const ARCHETYPES = new Map<string, Archetype>([
  ['default', arch('default', 'general', { drain: L(6, 1, 200), rekick: L(6, 1, 200), reboot: L(10, 1, 300), return: L(10, 1, 500) })],
  ['dense', arch('dense', 'storage heavy', { drain: L(8, 1, 200), rekick: L(8, 1, 200), reboot: L(12, 1, 300) })],
  ['small', arch('small', 'experimental', { drain: L(5, 1, 2), rekick: L(5, 1, 2), reboot: L(5, 1, 2) })],
]);

let next = 0;
function rule(r: Partial<ClassifyRule> & { archetype: string; reason: string }): ClassifyRule {
  next++;
  return { index: next, line: null, cluster: null, workersBelow: null, clusterAttr: null, max: {}, ...r };
}
function rules(): ClassifyRule[] {
  next = 0;
  return [
    rule({ cluster: 'hb-meta', archetype: 'small', max: { drain: 1, rekick: 1 }, reason: 'small but production critical' }),
    rule({ workersBelow: 50, archetype: 'small', reason: 'dev clusters' }),
    rule({ clusterAttr: { density: 'dense' }, archetype: 'dense', reason: 'fat storage nodes' }),
    rule({ cluster: 'odd', workersBelow: 10, archetype: 'dense', reason: 'both conditions' }),
    rule({ archetype: 'default', reason: 'everything else' }),
  ];
}

describe('classify: the first matching rule wins', () => {
  const R = rules();
  // [cluster, workers, attrs, rule index, archetype]
  const table: Array<[string, number, Record<string, string>, number, string]> = [
    ['hb-meta', 3, {}, 1, 'small'], // rule 2 also matches; rule 1 comes first
    ['hb-meta', 500, {}, 1, 'small'], // a cluster rule ignores size
    ['hb-meta', 500, { density: 'dense' }, 1, 'small'], // and attributes
    ['dev1', 49, {}, 2, 'small'],
    ['dev1', 0, {}, 2, 'small'],
    ['dev1', 50, {}, 5, 'default'], // workers_below is strict
    ['dev1', 49, { density: 'dense' }, 2, 'small'], // small first, though dense matches too
    ['dw1', 400, { density: 'dense' }, 3, 'dense'],
    ['dw1', 400, { density: 'dense', owner: 'x' }, 3, 'dense'], // other attributes do not matter
    ['dw1', 400, { density: 'thin' }, 5, 'default'],
    ['dw1', 400, {}, 5, 'default'],
    ['odd', 9, {}, 2, 'small'], // rule 2 (workers_below 50) matches first
    ['hb-meta-2', 400, {}, 5, 'default'], // a cluster rule is an exact name, not a prefix
  ];
  it.each(table)('%s with %s workers %j → rule %s (%s)', (cluster, n, attrs, index, archetype) => {
    const c = classify(cluster, n, attrs, R, ARCHETYPES);
    expect(c).not.toBeNull();
    expect(c!.rule.index).toBe(index);
    expect(c!.archetype.name).toBe(archetype);
    expect(c!.archetype).toBe(ARCHETYPES.get(archetype));
  });

  it('a rule with two conditions needs both', () => {
    const only: ClassifyRule[] = [
      { index: 1, line: null, cluster: 'odd', workersBelow: 10, clusterAttr: null, archetype: 'dense', max: {}, reason: 'both' },
      { index: 2, line: null, cluster: null, workersBelow: null, clusterAttr: null, archetype: 'default', max: {}, reason: 'rest' },
    ];
    expect(classify('odd', 9, {}, only, ARCHETYPES)!.rule.index).toBe(1);
    expect(classify('odd', 10, {}, only, ARCHETYPES)!.rule.index).toBe(2);
    expect(classify('even', 9, {}, only, ARCHETYPES)!.rule.index).toBe(2);
  });

  it('an attribute rule needs every attribute it names', () => {
    const only: ClassifyRule[] = [
      { index: 1, line: null, cluster: null, workersBelow: null, clusterAttr: { density: 'dense', tier: 'cold' }, archetype: 'dense', max: {}, reason: 'cold' },
    ];
    expect(classify('c', 100, { density: 'dense', tier: 'cold' }, only, ARCHETYPES)?.rule.index).toBe(1);
    expect(classify('c', 100, { density: 'dense' }, only, ARCHETYPES)).toBeNull();
    expect(classify('c', 100, { tier: 'cold' }, only, ARCHETYPES)).toBeNull();
  });

  it('no catch-all and no match: null', () => {
    expect(classify('dw1', 400, {}, R.slice(0, 3), ARCHETYPES)).toBeNull();
    expect(classify('dw1', 400, {}, [], ARCHETYPES)).toBeNull();
  });
});

describe('budgetFor: cap, busy and headroom = max(0, cap − busy)', () => {
  const R = rules();
  const c = (cluster: string, n: number, attrs: Record<string, string> = {}) => classify(cluster, n, attrs, R, ARCHETYPES)!;

  // [cluster, N, op, busy, cap, headroom]
  const table: Array<[string, number, Op, number, number, number]> = [
    ['dw1', 400, 'drain', 0, 24, 24], // 6% of 400
    ['dw1', 400, 'drain', 5, 24, 19],
    ['dw1', 400, 'drain', 24, 24, 0],
    ['dw1', 400, 'drain', 30, 24, 0], // more busy than the cap: 0, never negative
    ['dw1', 400, 'reboot', 3, 40, 37],
    ['dw1', 10000, 'drain', 0, 200, 200], // 600 → the ceiling
    ['dw1', 10000, 'return', 17, 500, 483], // 1000 → the ceiling
    ['dev1', 30, 'drain', 0, 1, 1], // small: 1.5 → 1
    ['dev1', 30, 'drain', 1, 1, 0],
    ['dev1', 45, 'reboot', 0, 2, 2], // 2.25 → 2
    ['hb-meta', 400, 'drain', 0, 1, 1], // max: drain 1, whatever 5% of 400 says
    ['hb-meta', 400, 'rekick', 1, 1, 0],
    ['hb-meta', 400, 'reboot', 0, 2, 2], // no override for reboot: the small archetype's 20 → ceiling 2
    ['dense', 300, 'drain', 2, 24, 22], // 8% of 300
  ];
  it.each(table)('%s N=%s %s busy %s → cap %s headroom %s', (cluster, n, op, busy, cap, headroom) => {
    const cl = c(cluster, n, cluster === 'dense' ? { density: 'dense' } : {});
    const b = budgetFor(cluster, op, cl, n, busy)!;
    expect(b).not.toBeNull();
    expect(b.cluster).toBe(cluster);
    expect(b.op).toBe(op);
    expect(b.workers).toBe(n);
    expect(b.busy).toBe(busy);
    expect(b.cap).toBe(cap);
    expect(b.headroom).toBe(headroom);
    expect(b.archetype).toBe(cl.archetype.name);
    expect(b.rule).toBe(cl.rule.index);
  });

  it('records the limits it used and whether an override replaced them', () => {
    const b = budgetFor('dw1', 'drain', c('dw1', 400), 400, 0)!;
    expect([b.pct, b.floor, b.ceiling, b.override]).toEqual([6, 1, 200, null]);
    expect(b.reason).toContain('general');
    expect(b.reason).toContain('everything else');
    const o = budgetFor('hb-meta', 'drain', c('hb-meta', 400), 400, 0)!;
    expect(o.override).toBe(1);
    expect(o.archetype).toBe('small');
    expect(o.reason).toContain('small but production critical');
    const r = budgetFor('hb-meta', 'reboot', c('hb-meta', 400), 400, 0)!;
    expect(r.override).toBeNull();
    expect(r.cap).toBe(2);
  });

  it('an op the archetype sets no limits for has no budget', () => {
    expect(budgetFor('dev1', 'return', c('dev1', 30), 30, 0)).toBeNull();
    expect(budgetFor('dw1', 'firmware', c('dw1', 400), 400, 0)).toBeNull();
  });
});
