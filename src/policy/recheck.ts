import type { Refusal } from '../safety/invariants.js';
import { hostRefusal, opRefusals, resultRefusals } from './checks.js';
import type { FleetState } from './plan.js';
import type { Op, Policy } from './types.js';

/**
 * Before anything is done, every invariant is checked again on fresh state for
 * the hosts a saved plan chose (pure). Refused hosts are dropped, never
 * replaced: apply acts on the plan, it does not plan again.
 */
export function recheck(op: Op, cluster: string, hosts: readonly string[], cap: number, state: FleetState, policy: Policy, now: Date): { keep: string[]; refusals: Refusal[] } {
  const sets = state.opSets.get(op);
  const inCluster = (s: ReadonlySet<string> | null | undefined) => [...(s ?? [])].filter((x) => state.clusterOf.get(x) === cluster);
  const inFlightGroups = sets?.inFlight ? new Set(inCluster(sets.inFlight).map((h) => state.datagroupOf.get(h) ?? '')) : null;
  const refused = opRefusals(op, cluster, state, policy, now, inFlightGroups);
  if (refused.length > 0) return { keep: [], refusals: refused };
  const refusals: Refusal[] = [];
  const keep: string[] = [];
  for (const host of hosts) {
    const r = hostRefusal(op, cluster, host, state, policy, now, inFlightGroups !== null);
    if (r) refusals.push(r);
    else keep.push(host);
  }
  const busy = inCluster(sets?.busy).filter((x) => !keep.includes(x));
  const after = resultRefusals(op, cluster, keep, busy, cap, inFlightGroups, state, policy);
  if (after.length > 0) return { keep: [], refusals: [...refusals, ...after] };
  return { keep, refusals };
}
