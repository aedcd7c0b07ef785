import type { Refusal } from '../safety/invariants.js';
import type { FleetState } from './fleet.js';
import { downGroupsOf, hostRefusal, opRefusals, resultRefusals, takenOutOfService, type ClusterView } from './checks.js';
import { inServiceFloor } from '../safety/invariants.js';
import { budgetFor, classify, type Budget } from './budget.js';
import { selectHosts } from './select.js';
import { OPS, type Op, type Policy } from './types.js';
import { rateLeft, type AppliedAction } from './rate.js';
import { windowState, type WindowState } from './windows.js';

export type { FleetState, OpSets } from './fleet.js';

export interface BudgetRow extends Budget {
  candidates: number;
  chosen: number;
  /** For ops that take hosts out of service: in-service workers before this op chose, and the floor (invariant 9). */
  inService: number | null;
  inServiceFloor: number | null;
  /** For ops whose effect is down: data groups down or draining before this op chose (invariant 4 across ops). */
  downGroups: string[] | null;
  /** How many more the op's rates allow (null: no rate), and each limit for people. */
  rateLeft: number | null;
  rates: string[];
  /** Why nothing (or less than the headroom) was chosen, for the summary. */
  why: string;
}

export interface Plan {
  pass: number;
  time: string;
  seed: string;
  dry_run: boolean;
  budgets: BudgetRow[];
  refusals: Refusal[];
  /** `<cluster>.<op>` → chosen hosts, sorted. */
  chosen: Map<string, string[]>;
  /** Hosts refused by invariant 8: they need a person. */
  needsHuman: string[];
  notes: string[];
  /** Per op: whether its window is open now, and when it opens (a closed window plans as usual; apply acts on nothing). */
  windows: Record<string, WindowState>;
}

export interface PlanInput {
  policy: Policy;
  state: FleetState;
  random: () => number;
  now: Date;
  seed: string;
  pass: number;
  dryRun: boolean;
  /** Only these ops (default: every op of the policy). */
  ops?: readonly Op[];
}

function byteSorted(xs: Iterable<string>): string[] {
  return [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The pure core of a pass: per op and cluster, the budget, the invariants, and
 * a seeded shuffled selection. Doing nothing is a normal outcome, with its
 * reason in `why`.
 */
export function buildPlan(input: PlanInput): Plan {
  const { policy, state, now } = input;
  const hostsOf = new Map<string, string[]>();
  for (const [host, cluster] of state.clusterOf) {
    if (!cluster) continue;
    let l = hostsOf.get(cluster);
    if (!l) hostsOf.set(cluster, (l = []));
    l.push(host);
  }
  const clusters = byteSorted(hostsOf.keys());
  const budgets: BudgetRow[] = [];
  const refusals: Refusal[] = [];
  const chosenAll = new Map<string, string[]>();
  const needsHuman = new Set<string>();
  const notes: string[] = [];
  const ops = OPS.filter((op) => policy.operations.has(op) && (!input.ops || input.ops.includes(op)));
  // The rates count what was applied before and what this pass chooses, cluster after cluster.
  const applied: AppliedAction[] = [...state.applied];

  for (const cluster of clusters) {
    const hosts = hostsOf.get(cluster)!;
    const workers = hosts.filter((h) => state.workers.has(h)).length;
    const c = classify(cluster, workers, state.clusterAttrs.get(cluster) ?? {}, policy.classify, policy.archetypes);
    if (!c) {
      notes.push(`cluster ${cluster}: no classify rule matches, so no op is planned for it; add a catch-all rule`);
      continue;
    }
    const disagree = (state.datagroupDisagreements ?? []).filter((d) => d.cluster === cluster);
    if (disagree.length > 0) {
      notes.push(
        `cluster ${cluster}: ${disagree.length} host(s) whose inventory data group is not their HDFS upgrade domain (the inventory's is used; fix one of them): ${disagree
          .slice(0, 5)
          .map((d) => `${d.host} ${d.inventory} vs ${d.upgradeDomain}`)
          .join(', ')}${disagree.length > 5 ? ', ...' : ''}`,
      );
    }
    // A host is chosen for one op per pass: the first op (in OPS order) that picks it.
    const taken = new Set<string>();
    // The cluster as a whole, carried across its ops in OPS order: what is down or
    // draining, and how many in-service workers this pass has already taken out.
    const inService = hosts.filter((h) => state.workers.has(h) && state.hdfs.inService.has(h)).length;
    const floor = inServiceFloor(workers, policy.safety.minInServicePct);
    const downGroups = downGroupsOf(cluster, state, policy);
    let outChosen = 0;
    // Once this pass has taken a host of the cluster down, a later drain is held to the same data groups.
    let downChosen = false;
    // An offline op (a reimage) makes its hosts dead in HDFS. Where an op's busy set counts dead
    // hosts (drains do: hdfs-dead), those hosts fill its budget from the next pass on. Per op
    // planned here: the headroom its own choice left; and the hosts offline ops chose that it will count.
    const leftOf = new Map<Op, number>();
    const goingDead = new Set<string>();
    const newlyBusy = (op: Op, h: string) => {
      const s = state.opSets.get(op)!;
      return !!s.busyIfDead && s.busyIfDead.has(h) && !s.busy.has(h);
    };
    for (const op of ops) {
      const sets = state.opSets.get(op)!;
      const effect = policy.operations.get(op)!.effect;
      const takesOut = effect === 'drain' || effect === 'down';
      const inCluster = (s: ReadonlySet<string>) => hosts.filter((h) => s.has(h));
      // Hosts an earlier op of this pass takes offline that this op will count as busy.
      const busyHosts = [...inCluster(sets.busy), ...byteSorted([...goingDead].filter((h) => newlyBusy(op, h)))];
      const b = budgetFor(cluster, op, c, workers, busyHosts.length);
      if (!b) {
        notes.push(`cluster ${cluster}: archetype ${c.archetype.name} sets no limits for ${op}, so it is not planned`);
        continue;
      }
      const busySet = new Set(busyHosts);
      // Hosts already busy for this op, in an open plan of another op, or chosen for another op this pass, are not candidates.
      const open = state.inOpenPlan;
      const candidates = inCluster(sets.candidates).filter((h) => !busySet.has(h) && !taken.has(h) && !open?.has(h));
      const rate = rateLeft(policy.rates, op, cluster, applied, now);
      const row: BudgetRow = {
        ...b,
        rateLeft: rate.left,
        rates: rate.limits.map((l) => l.text),
        candidates: candidates.length,
        chosen: 0,
        inService: takesOut ? inService - outChosen : null,
        inServiceFloor: takesOut ? floor : null,
        downGroups: effect === 'down' ? byteSorted(downGroups) : null,
        why: '',
      };
      budgets.push(row);
      // What this op may still take, whatever happens to it below: later offline ops draw on it too.
      leftOf.set(op, row.headroom);
      const view: ClusterView = { workers, inService, outChosen, downGroups, candidates: candidates.length, downChosen };

      // Op-level invariants first: one refusal stops the op for the cluster.
      const inFlightGroups = sets.inFlight ? new Set(inCluster(sets.inFlight).map((h) => state.datagroupOf.get(h) ?? '')) : null;
      const refusedOp = opRefusals(op, cluster, state, policy, now, inFlightGroups, view);
      if (refusedOp.length > 0) {
        refusals.push(...refusedOp);
        row.why = `refused: invariant ${[...new Set(refusedOp.map((r) => r.invariant))].join(', ')}`;
        continue;
      }
      if (row.headroom === 0) {
        row.why = `no headroom: ${row.busy} busy of cap ${row.cap}`;
        continue;
      }
      const spent = rate.limits.filter((l) => l.left <= 0);
      if (spent.length > 0) {
        row.why = `limited by rate (${spent.map((l) => l.text).join('; ')})`;
        continue;
      }
      if (candidates.length === 0) {
        row.why = 'no candidates';
        continue;
      }

      // Per-host invariants: a refused candidate takes no budget and no rack slot.
      const cleared: string[] = [];
      for (const h of candidates) {
        const r = hostRefusal(op, cluster, h, state, policy, now, sets.inFlight !== null);
        if (r) {
          refusals.push(r);
          if (r.invariant === 8) needsHuman.add(h);
        } else cleared.push(h);
      }
      const of = (h: string) => state.datagroupOf.get(h) ?? '';
      // Ops that take hosts out of service share what the floor leaves (invariant 9).
      const floorLeft = takesOut ? Math.max(0, inService - outChosen - floor) : null;
      const allowed = rate.left === null ? row.headroom : Math.min(row.headroom, rate.left);
      const sel = selectHosts({
        candidates: cleared,
        headroom: allowed,
        maxPerRack: policy.selection.maxPerRack,
        rackOf: (h) => state.rackOf.get(h) ?? '',
        datagroups: inFlightGroups ? { inFlight: inFlightGroups, max: policy.selection.maxDatagroups, of } : null,
        downGroups: effect === 'down' || (effect === 'drain' && downChosen) ? { inFlight: downGroups, max: policy.safety.maxDownDatagroups, of } : null,
        outOfService: floorLeft === null ? null : { left: floorLeft, counts: (h) => state.workers.has(h) && state.hdfs.inService.has(h) },
        budgets:
          effect === 'offline'
            ? [...leftOf]
                .filter(([other]) => other !== op && state.opSets.get(other)!.busyIfDead)
                .map(([other, left]) => ({ name: `${other} budget (taken offline, a host is dead in HDFS)`, left, counts: (h: string) => newlyBusy(other, h) }))
            : [],
        random: input.random,
      });
      // Checked again on the result, whatever selection did.
      const after = resultRefusals(op, cluster, sel.chosen, busyHosts, row.cap, inFlightGroups, state, policy, view);
      if (after.length > 0) {
        refusals.push(...after);
        row.why = `refused: invariant ${after.map((r) => r.invariant).join(', ')}`;
        continue;
      }
      row.chosen = sel.chosen.length;
      leftOf.set(op, row.headroom - sel.chosen.length);
      if (effect === 'offline') {
        for (const h of sel.chosen) goingDead.add(h);
        for (const [other, left] of leftOf) if (other !== op) leftOf.set(other, left - sel.chosen.filter((h) => newlyBusy(other, h)).length);
      }
      for (const h of sel.chosen) taken.add(h);
      if (effect === 'down' && sel.chosen.length > 0) downChosen = true;
      if (takesOut) {
        outChosen += takenOutOfService(sel.chosen, state);
        for (const h of sel.chosen) downGroups.add(of(h));
      }
      if (sel.chosen.length > 0) chosenAll.set(`${cluster}.${op}`, sel.chosen);
      for (const h of sel.chosen) applied.push({ host: h, cluster, op, time: now });
      if (cleared.length === 0) row.why = 'every candidate refused';
      else if (sel.chosen.length < Math.min(row.headroom, cleared.length)) {
        const byRate = allowed < row.headroom && sel.chosen.length === allowed;
        const limits = [...(byRate ? [`rate (${rate.limits.filter((l) => l.left === rate.left).map((l) => l.text).join('; ')})`] : []), ...sel.limitedBy];
        row.why = `limited by ${limits.join(', ') || 'max_per_rack or data groups'}`;
      }
    }
  }
  return {
    pass: input.pass,
    time: now.toISOString(),
    seed: input.seed,
    dry_run: input.dryRun,
    budgets,
    refusals,
    chosen: chosenAll,
    needsHuman: byteSorted(needsHuman),
    notes,
    windows: Object.fromEntries(ops.map((op) => [op, windowState(policy.windows, op, now)])),
  };
}
