import {
  checkAttempts,
  checkBudget,
  checkCanonical,
  checkClusterHealth,
  checkDataNodeState,
  checkDatagroupKnown,
  checkDatagroupSpan,
  checkDownSpan,
  checkHeadNode,
  checkInServiceFloor,
  checkNamenodePair,
  checkSource,
  checkStorm,
  checkSwing,
  type Refusal,
} from '../safety/invariants.js';
import type { FleetState } from './fleet.js';
import type { Op, Policy } from './types.js';

/**
 * The invariants in the three places they apply, shared by planning and by
 * the re-check before acting, so both refuse exactly the same things.
 */

/** What the cluster as a whole looks like to one op: the rules across ops read it. */
export interface ClusterView {
  /** N: the cluster's workers. */
  workers: number;
  /** Workers in service now (hdfs-in-service). */
  inService: number;
  /** In-service workers already chosen this pass by ops whose effect is drain or down. */
  outChosen: number;
  /** Data groups with hosts down, draining, or chosen this pass to drain or go down. */
  downGroups: ReadonlySet<string>;
  /** The op's candidates in the cluster (busy ones left out). */
  candidates: number;
  /** Whether this pass has already taken a host of the cluster down: a later drain then counts the data groups too. */
  downChosen?: boolean;
}

/** Data groups of the hosts of a cluster that are down or draining now (pure). */
export function downGroupsOf(cluster: string, state: FleetState, policy: Policy): Set<string> {
  const out = new Set<string>();
  const add = (s: ReadonlySet<string> | null | undefined) => {
    for (const h of s ?? []) if (state.clusterOf.get(h) === cluster) out.add(state.datagroupOf.get(h) ?? '');
  };
  add(state.down);
  for (const [op, o] of policy.operations) if (o.effect === 'drain') add(state.opSets.get(op)?.inFlight);
  return out;
}

/** Op-level: failed or stale sources, swings, cluster health, data groups already out, storms. */
export function opRefusals(
  op: Op,
  cluster: string,
  state: FleetState,
  policy: Policy,
  now: Date,
  inFlightGroups: ReadonlySet<string> | null,
  view: ClusterView | null = null,
): Refusal[] {
  const out: Refusal[] = [];
  const effect = policy.operations.get(op)?.effect ?? null;
  for (const s of state.opSources.get(op) ?? []) {
    const r = checkSource(op, cluster, s, now);
    if (r) out.push(r);
  }
  for (const g of state.opGroupCounts.get(op) ?? []) {
    const r = checkSwing(op, cluster, g.group, g.before, g.after, state.allCount, policy.safety.maxSwingPct);
    if (r) out.push(r);
  }
  const health = checkClusterHealth(op, cluster, state.health.get(cluster) ?? null, policy.safety.maxUnderReplicated, effect);
  if (health) out.push(health);
  if (inFlightGroups) {
    const span = checkDatagroupSpan(op, cluster, inFlightGroups, policy.selection.maxDatagroups);
    if (span) out.push(span);
  }
  if (view && effect === 'down') {
    const span = checkDownSpan(op, cluster, view.downGroups, policy.safety.maxDownDatagroups, view.downGroups);
    if (span) out.push(span);
  }
  if (view) {
    const storm = checkStorm(op, cluster, view.candidates, view.workers, policy.safety.maxCandidatesPct);
    if (storm) out.push(storm);
  }
  return out;
}

/** Per host: canonical name, head node, DataNode state, known data group (ops with in_flight or that take hosts down), attempts. */
export function hostRefusal(op: Op, cluster: string, host: string, state: FleetState, policy: Policy, now: Date, hasInFlight: boolean): Refusal | null {
  const needsGroup = hasInFlight || policy.operations.get(op)?.effect === 'down';
  return (
    checkCanonical(op, cluster, host) ??
    checkHeadNode(op, cluster, host, state.heads) ??
    checkDataNodeState(op, cluster, host, state.hdfs) ??
    (needsGroup ? checkDatagroupKnown(op, cluster, host, state.datagroupOf.get(host) ?? '') : null) ??
    checkAttempts(op, cluster, host, state.attempts.get(host) ?? [], now, policy.safety.maxAttempts, policy.safety.attemptWindowMs)
  );
}

/** How many of `hosts` are in-service workers: what a drain or down op takes out of service. */
export function takenOutOfService(hosts: readonly string[], state: FleetState): number {
  let n = 0;
  for (const h of hosts) if (state.workers.has(h) && state.hdfs.inService.has(h)) n++;
  return n;
}

/** On the result: the budget recounted, the data-group spans, the in-service floor, the NameNode pair. */
export function resultRefusals(
  op: Op,
  cluster: string,
  chosen: readonly string[],
  busy: readonly string[],
  cap: number,
  inFlightGroups: ReadonlySet<string> | null,
  state: FleetState,
  policy: Policy,
  view: ClusterView | null = null,
): Refusal[] {
  const out: Refusal[] = [];
  const effect = policy.operations.get(op)?.effect ?? null;
  const budget = checkBudget(op, cluster, chosen.length, busy.length, cap);
  if (budget) out.push(budget);
  if (inFlightGroups) {
    const groups = new Set([...inFlightGroups, ...chosen.map((h) => state.datagroupOf.get(h) ?? '')]);
    const span = checkDatagroupSpan(op, cluster, groups, policy.selection.maxDatagroups);
    if (span) out.push(span);
  }
  if (view && (effect === 'down' || (effect === 'drain' && view.downChosen)) && chosen.length > 0) {
    const groups = new Set([...view.downGroups, ...chosen.map((h) => state.datagroupOf.get(h) ?? '')]);
    const span = checkDownSpan(op, cluster, groups, policy.safety.maxDownDatagroups);
    if (span) out.push(span);
  }
  if (view && (effect === 'down' || effect === 'drain') && chosen.length > 0) {
    const taken = takenOutOfService(chosen, state);
    if (taken > 0) {
      const floor = checkInServiceFloor(op, cluster, view.inService - view.outChosen - taken, view.workers, policy.safety.minInServicePct);
      if (floor) out.push(floor);
    }
  }
  const pair = checkNamenodePair(op, cluster, new Set([...busy, ...chosen]), state.heads);
  if (pair) out.push(pair);
  return out;
}
