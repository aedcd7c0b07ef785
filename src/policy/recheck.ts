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
 * Before anything is done, every invariant is checked again on fresh state for
 * the hosts a saved plan chose (pure). Refused hosts are dropped, never
 * replaced: apply acts on the plan, it does not plan again.
 */
export function recheck(op: Op, cluster: string, hosts: readonly string[], cap: number, state: FleetState, policy: Policy, now: Date): { keep: string[]; refusals: Refusal[] } {
  const refusals: Refusal[] = [];
  for (const s of state.opSources.get(op) ?? []) {
    const r = checkSource(op, cluster, s, now);
    if (r) refusals.push(r);
  }
  for (const g of state.opGroupCounts.get(op) ?? []) {
    const r = checkSwing(op, cluster, g.group, g.before, g.after, state.allCount, policy.safety.maxSwingPct);
    if (r) refusals.push(r);
  }
  const h = checkClusterHealth(op, cluster, state.health.get(cluster) ?? null, policy.safety.maxUnderReplicated);
  if (h) refusals.push(h);
  if (refusals.length > 0) return { keep: [], refusals };

  const sets = state.opSets.get(op);
  const inCluster = (s: ReadonlySet<string> | null | undefined) => [...(s ?? [])].filter((x) => state.clusterOf.get(x) === cluster);
  const keep: string[] = [];
  for (const host of hosts) {
    const r =
      checkCanonical(op, cluster, host) ??
      checkHeadNode(op, cluster, host, state.heads) ??
      checkDataNodeState(op, cluster, host, state.hdfs) ??
      (sets?.inFlight ? checkDatagroupKnown(op, cluster, host, state.datagroupOf.get(host) ?? '') : null) ??
      checkAttempts(op, cluster, host, state.attempts.get(host) ?? [], now, policy.safety.maxAttempts, policy.safety.attemptWindowMs);
    if (r) refusals.push(r);
    else keep.push(host);
  }
  const busy = inCluster(sets?.busy).filter((x) => !keep.includes(x));
  const after: Refusal[] = [];
  const b = checkBudget(op, cluster, keep.length, busy.length, cap);
  if (b) after.push(b);
  if (sets?.inFlight) {
    const groups = new Set([...inCluster(sets.inFlight), ...keep].map((x) => state.datagroupOf.get(x) ?? ''));
    const span = checkDatagroupSpan(op, cluster, groups, policy.selection.maxDatagroups);
    if (span) after.push(span);
  }
  const pair = checkNamenodePair(op, cluster, new Set([...busy, ...keep]), state.heads);
  if (pair) after.push(pair);
  if (after.length > 0) return { keep: [], refusals: [...refusals, ...after] };
  return { keep, refusals };
}
