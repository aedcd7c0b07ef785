import type { Archetype, ClassifyRule, Op, OpLimits } from './types.js';

/**
 * How many hosts of a cluster an op may affect at once:
 * `min(ceiling, max(floor, floor(pct × N / 100)))`. The floor keeps small
 * clusters from never being maintained; the ceiling keeps the largest from
 * taking out more than people can watch. An override (`max:`) replaces it.
 */
export function capOf(limits: OpLimits, workers: number, override?: number): number {
  if (override !== undefined) return override;
  const byPct = Math.floor((limits.pct * workers) / 100 + 1e-9);
  const floored = Math.max(limits.floor, byPct);
  return limits.ceiling === null ? floored : Math.min(limits.ceiling, floored);
}

export interface Classification {
  archetype: Archetype;
  rule: ClassifyRule;
}

/** The first rule that matches the cluster wins; null when none does. */
export function classify(
  cluster: string,
  workers: number,
  attrs: Record<string, string>,
  rules: ClassifyRule[],
  archetypes: Map<string, Archetype>,
): Classification | null {
  for (const rule of rules) {
    if (rule.cluster !== null && rule.cluster !== cluster) continue;
    if (rule.workersBelow !== null && !(workers < rule.workersBelow)) continue;
    if (rule.clusterAttr && !Object.entries(rule.clusterAttr).every(([k, v]) => attrs[k] === v)) continue;
    return { archetype: archetypes.get(rule.archetype)!, rule };
  }
  return null;
}

export interface Budget {
  cluster: string;
  op: Op;
  archetype: string;
  reason: string;
  rule: number;
  workers: number;
  pct: number;
  floor: number;
  ceiling: number | null;
  override: number | null;
  cap: number;
  busy: number;
  headroom: number;
}

/** The budget row of one cluster and op. Headroom 0 is a normal answer. */
export function budgetFor(cluster: string, op: Op, c: Classification, workers: number, busy: number): Budget | null {
  const limits = c.archetype.ops.get(op);
  if (!limits) return null;
  const override = c.rule.max[op];
  const cap = capOf(limits, workers, override);
  return {
    cluster,
    op,
    archetype: c.archetype.name,
    reason: override !== undefined ? c.rule.reason : `${c.archetype.reason}; ${c.rule.reason}`,
    rule: c.rule.index,
    workers,
    pct: limits.pct,
    floor: limits.floor,
    ceiling: limits.ceiling,
    override: override ?? null,
    cap,
    busy,
    headroom: Math.max(0, cap - busy),
  };
}
