import { checkOfflineBudget, type Refusal } from '../safety/invariants.js';
import { downGroupsOf, hostRefusal, opRefusals, resultRefusals, takenOutOfService, type ClusterView } from './checks.js';
import type { FleetState } from './fleet.js';
import { OPS, type Op, type Policy } from './types.js';

/**
 * What the ops of one cluster have already kept in this apply, so that the
 * rules across ops (data groups down, the in-service floor, the budgets an
 * offline op draws on) are checked again on the sum, as the plan was made.
 */
export interface ClusterTally {
  outChosen: number;
  downGroups: Set<string>;
  downChosen: boolean;
  /** The cluster's cap per op, from the plan's budget rows: every op's, whether or not it chose hosts. */
  caps: ReadonlyMap<Op, number>;
  /** The hosts each op kept so far in this apply. */
  kept: Map<Op, readonly string[]>;
  /** The hosts offline ops kept so far: dead in HDFS once they act. */
  goingDead: Set<string>;
}

export function startTally(cluster: string, state: FleetState, policy: Policy, caps: ReadonlyMap<Op, number> = new Map()): ClusterTally {
  return { outChosen: 0, downGroups: downGroupsOf(cluster, state, policy), downChosen: false, caps, kept: new Map(), goingDead: new Set() };
}

/** Whether a host not busy for the op now would be, were it dead in HDFS (the op's busy set reads hdfs-dead). */
function newlyBusy(state: FleetState, op: Op, host: string): boolean {
  const s = state.opSets.get(op);
  return !!s?.busyIfDead && s.busyIfDead.has(host) && !s.busy.has(host);
}

/**
 * Invariant 5 across ops, as the planner holds it: the hosts an offline op
 * keeps that an op served before it (in OPS order) would newly count as busy
 * once they are dead must fit that op's cap after what it counts already and
 * its own kept hosts. Ops served after it count them as busy themselves.
 */
function offlineBudgetRefusals(op: Op, cluster: string, keep: readonly string[], state: FleetState, tally: ClusterTally, inCluster: (s: ReadonlySet<string> | null | undefined) => string[]): Refusal[] {
  const out: Refusal[] = [];
  for (const other of OPS) {
    if (OPS.indexOf(other) >= OPS.indexOf(op)) break;
    const cap = tally.caps.get(other);
    if (cap === undefined || !state.opSets.get(other)?.busyIfDead) continue;
    const planned = new Set(tally.kept.get(other) ?? []);
    const busy = new Set([...inCluster(state.opSets.get(other)!.busy), ...[...tally.goingDead].filter((h) => newlyBusy(state, other, h))].filter((h) => !planned.has(h)));
    const dead = keep.filter((h) => newlyBusy(state, other, h) && !busy.has(h) && !planned.has(h));
    const r = checkOfflineBudget(op, cluster, other, dead.length, busy.size, planned.size, cap);
    if (r) out.push(r);
  }
  return out;
}

/**
 * Before anything is done, every invariant is checked again on fresh state for
 * the hosts a saved plan chose (pure). Refused hosts are dropped, never
 * replaced: apply acts on the plan, it does not plan again. Pass the cluster's
 * tally in OPS order to have the rules across ops checked on what the earlier
 * ops kept; it is updated with what this op keeps. With the tally, hosts that
 * earlier offline ops keep count as busy for an op whose busy set reads
 * hdfs-dead, and an offline op is refused when what it takes offline would
 * overfill the budget of an earlier such op (invariant 5).
 */
export function recheck(
  op: Op,
  cluster: string,
  hosts: readonly string[],
  cap: number,
  state: FleetState,
  policy: Policy,
  now: Date,
  tally: ClusterTally | null = null,
): { keep: string[]; refusals: Refusal[] } {
  const sets = state.opSets.get(op);
  const inCluster = (s: ReadonlySet<string> | null | undefined) => [...(s ?? [])].filter((x) => state.clusterOf.get(x) === cluster);
  const inFlightGroups = sets?.inFlight ? new Set(inCluster(sets.inFlight).map((h) => state.datagroupOf.get(h) ?? '')) : null;
  const members = [...state.clusterOf].filter(([, c]) => c === cluster).map(([h]) => h);
  const workers = members.filter((h) => state.workers.has(h)).length;
  const busyNow = new Set(inCluster(sets?.busy));
  const view: ClusterView | null = tally
    ? {
        workers,
        inService: takenOutOfService(members, state),
        outChosen: tally.outChosen,
        downGroups: tally.downGroups,
        candidates: inCluster(sets?.candidates).filter((h) => !busyNow.has(h) || hosts.includes(h)).length,
        downChosen: tally.downChosen,
      }
    : null;
  const refused = opRefusals(op, cluster, state, policy, now, inFlightGroups, view);
  if (refused.length > 0) return { keep: [], refusals: refused };
  const refusals: Refusal[] = [];
  const keep: string[] = [];
  for (const host of hosts) {
    const r = hostRefusal(op, cluster, host, state, policy, now, inFlightGroups !== null);
    if (r) refusals.push(r);
    else keep.push(host);
  }
  // Hosts that offline ops kept earlier in this apply will be dead in HDFS: busy for this op if its busy set reads hdfs-dead.
  const goingDead = tally ? [...tally.goingDead].filter((h) => newlyBusy(state, op, h)) : [];
  const busy = [...inCluster(sets?.busy), ...goingDead].filter((x) => !keep.includes(x));
  const after = resultRefusals(op, cluster, keep, busy, cap, inFlightGroups, state, policy, view);
  if (after.length > 0) return { keep: [], refusals: [...refusals, ...after] };
  const effect = policy.operations.get(op)?.effect;
  const across = tally && effect === 'offline' ? offlineBudgetRefusals(op, cluster, keep, state, tally, inCluster) : [];
  if (across.length > 0) return { keep: [], refusals: [...refusals, ...across] };
  if (tally) {
    tally.kept.set(op, keep);
    if (effect === 'offline') for (const h of keep) tally.goingDead.add(h);
    if (effect === 'down' || effect === 'drain') {
      tally.outChosen += takenOutOfService(keep, state);
      for (const h of keep) tally.downGroups.add(state.datagroupOf.get(h) ?? '');
    }
    if (effect === 'down' && keep.length > 0) tally.downChosen = true;
  }
  return { keep, refusals };
}
