import {
  checkAttempts,
  checkBudget,
  checkCanonical,
  checkClusterHealth,
  checkDataNodeState,
  checkDatagroupKnown,
  checkDatagroupSpan,
  checkHeadNode,
  checkNamenodePair,
  checkSource,
  checkSwing,
  type Refusal,
} from '../safety/invariants.js';
import type { FleetState } from './plan.js';
import type { Op, Policy } from './types.js';

/**
 * The invariants in the three places they apply, shared by planning and by
 * the re-check before acting, so both refuse exactly the same things.
 */

/** Op-level: failed or stale sources, swings, cluster health, data groups already in flight. */
export function opRefusals(op: Op, cluster: string, state: FleetState, policy: Policy, now: Date, inFlightGroups: ReadonlySet<string> | null): Refusal[] {
  const out: Refusal[] = [];
  for (const s of state.opSources.get(op) ?? []) {
    const r = checkSource(op, cluster, s, now);
    if (r) out.push(r);
  }
  for (const g of state.opGroupCounts.get(op) ?? []) {
    const r = checkSwing(op, cluster, g.group, g.before, g.after, state.allCount, policy.safety.maxSwingPct);
    if (r) out.push(r);
  }
  const health = checkClusterHealth(op, cluster, state.health.get(cluster) ?? null, policy.safety.maxUnderReplicated);
  if (health) out.push(health);
  if (inFlightGroups) {
    const span = checkDatagroupSpan(op, cluster, inFlightGroups, policy.selection.maxDatagroups);
    if (span) out.push(span);
  }
  return out;
}

/** Per host: canonical name, head node, DataNode state, known data group (ops with in_flight), attempts. */
export function hostRefusal(op: Op, cluster: string, host: string, state: FleetState, policy: Policy, now: Date, hasInFlight: boolean): Refusal | null {
  return (
    checkCanonical(op, cluster, host) ??
    checkHeadNode(op, cluster, host, state.heads) ??
    checkDataNodeState(op, cluster, host, state.hdfs) ??
    (hasInFlight ? checkDatagroupKnown(op, cluster, host, state.datagroupOf.get(host) ?? '') : null) ??
    checkAttempts(op, cluster, host, state.attempts.get(host) ?? [], now, policy.safety.maxAttempts, policy.safety.attemptWindowMs)
  );
}

/** On the result: the budget recounted, the data-group span, the NameNode pair. */
export function resultRefusals(
  op: Op,
  cluster: string,
  chosen: readonly string[],
  busy: readonly string[],
  cap: number,
  inFlightGroups: ReadonlySet<string> | null,
  state: FleetState,
  policy: Policy,
): Refusal[] {
  const out: Refusal[] = [];
  const budget = checkBudget(op, cluster, chosen.length, busy.length, cap);
  if (budget) out.push(budget);
  if (inFlightGroups) {
    const groups = new Set([...inFlightGroups, ...chosen.map((h) => state.datagroupOf.get(h) ?? '')]);
    const span = checkDatagroupSpan(op, cluster, groups, policy.selection.maxDatagroups);
    if (span) out.push(span);
  }
  const pair = checkNamenodePair(op, cluster, new Set([...busy, ...chosen]), state.heads);
  if (pair) out.push(pair);
  return out;
}
