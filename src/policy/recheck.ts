import type { Refusal } from '../safety/invariants.js';
import { downGroupsOf, hostRefusal, opRefusals, resultRefusals, takenOutOfService, type ClusterView } from './checks.js';
import type { FleetState } from './fleet.js';
import type { Op, Policy } from './types.js';

/**
 * What the ops of one cluster have already kept in this apply, so that the
 * rules across ops (data groups down, the in-service floor) are checked again
 * on the sum, as the plan was made.
 */
export interface ClusterTally {
  outChosen: number;
  downGroups: Set<string>;
  downChosen: boolean;
}

export function startTally(cluster: string, state: FleetState, policy: Policy): ClusterTally {
  return { outChosen: 0, downGroups: downGroupsOf(cluster, state, policy), downChosen: false };
}

/**
 * Before anything is done, every invariant is checked again on fresh state for
 * the hosts a saved plan chose (pure). Refused hosts are dropped, never
 * replaced: apply acts on the plan, it does not plan again. Pass the cluster's
 * tally in OPS order to have the rules across ops checked on what the earlier
 * ops kept; it is updated with what this op keeps.
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
  const busy = inCluster(sets?.busy).filter((x) => !keep.includes(x));
  const after = resultRefusals(op, cluster, keep, busy, cap, inFlightGroups, state, policy, view);
  if (after.length > 0) return { keep: [], refusals: [...refusals, ...after] };
  if (tally) {
    const effect = policy.operations.get(op)?.effect;
    if (effect === 'down' || effect === 'drain') {
      tally.outChosen += takenOutOfService(keep, state);
      for (const h of keep) tally.downGroups.add(state.datagroupOf.get(h) ?? '');
    }
    if (effect === 'down' && keep.length > 0) tally.downChosen = true;
  }
  return { keep, refusals };
}
