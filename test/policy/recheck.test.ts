// The re-check apply makes of a saved plan on fresh state, for the rule across
// ops that the planner holds: hosts an offline op (a reimage) takes are dead in
// HDFS once it acts, so where another op's busy set reads hdfs-dead (the
// shipped drain's) they take that op's budget too (invariant 5 across ops).
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { buildPlan, type FleetState, type Plan } from '../../src/policy/plan.js';
import { recheck, startTally, type ClusterTally } from '../../src/policy/recheck.js';
import { OPS, type Op, type Policy } from '../../src/policy/types.js';
import type { Refusal } from '../../src/safety/invariants.js';
import { fleetState, policyOf, workerDesc, type HdfsStatus, type HostDesc, type PolicyDesc } from './fleet-state.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const health = { dw1: { missing: 0, underReplicated: 0, corrupt: 0 } };

function host(i: number, o: Partial<HostDesc>): HostDesc {
  return workerDesc(`dw1-dn${String(i).padStart(3, '0')}.dc1.example.com`, { rack: `r${i % 7}`, ...o });
}

// 60 workers, drain and rekick 5%: cap 3 each; the drain's busy set reads hdfs-dead.
const p: PolicyDesc = {
  archetypes: { default: { drain: { pct: 5, floor: 1, ceiling: null }, rekick: { pct: 5, floor: 1, ceiling: null } } },
  rules: [{ archetype: 'default' }],
  ops: ['drain', 'rekick'],
  inFlightOps: new Set<Op>(),
  deadBusyOps: new Set<Op>(['drain']),
  maxPerRack: 5,
  maxDatagroups: 1,
};
const policy = policyOf(p);

/**
 * dn001 and dn002 are decommissioned, waiting for their reimage; dn003 is a
 * drain candidate when `drain`; `dead` lists the hosts HDFS reports dead.
 */
function fleet(o: { dead: number[]; drain: boolean }, desc: PolicyDesc = p): FleetState {
  const hdfs = (i: number): HdfsStatus => (o.dead.includes(i) ? 'dead' : i === 1 || i === 2 ? 'decommissioned' : 'in-service');
  const candidate = (i: number) => new Set<Op>(i === 1 || i === 2 ? ['rekick'] : i === 3 && o.drain ? ['drain'] : []);
  const hosts = Array.from({ length: 60 }, (_, i) => host(i, { hdfs: hdfs(i), candidate: candidate(i) }));
  return fleetState({ hosts, health }, desc.ops, desc.inFlightOps, desc.deadBusyOps);
}

const planOn = (state: FleetState, pol: Policy = policy): Plan => buildPlan({ policy: pol, state, random: seedrandom('1'), now: NOW, seed: '1', pass: 1, dryRun: true });

/** What applyPlan does with a saved plan: per cluster, its ops in OPS order, one tally holding every op's cap. */
function recheckPlan(plan: Plan, state: FleetState, pol: Policy = policy): { kept: Map<string, string[]>; refusals: Refusal[] } {
  const kept = new Map<string, string[]>();
  const refusals: Refusal[] = [];
  const tallies = new Map<string, ClusterTally>();
  const keys = [...plan.chosen.keys()].map((k) => ({ cluster: k.slice(0, k.lastIndexOf('.')), op: k.slice(k.lastIndexOf('.') + 1) as Op }));
  keys.sort((a, b) => (a.cluster === b.cluster ? OPS.indexOf(a.op) - OPS.indexOf(b.op) : a.cluster < b.cluster ? -1 : 1));
  for (const { cluster, op } of keys) {
    let tally = tallies.get(cluster);
    if (!tally) tallies.set(cluster, (tally = startTally(cluster, state, pol, new Map(plan.budgets.filter((b) => b.cluster === cluster).map((b) => [b.op, b.cap])))));
    const cap = plan.budgets.find((b) => b.cluster === cluster && b.op === op)!.cap;
    const r = recheck(op, cluster, plan.chosen.get(`${cluster}.${op}`)!, cap, state, pol, NOW, tally);
    kept.set(`${cluster}.${op}`, r.keep);
    refusals.push(...r.refusals);
  }
  return { kept, refusals };
}

describe('re-check on fresh state: hosts an offline op takes go dead and count against the drain budget', () => {
  const dn = (i: number) => `dw1-dn${String(i).padStart(3, '0')}.dc1.example.com`;

  it('planned with nothing dead: one drain and two reimages fill the drain cap of 3 exactly', () => {
    const plan = planOn(fleet({ dead: [], drain: true }));
    expect(plan.chosen.get('dw1.drain')).toEqual([dn(3)]);
    expect(plan.chosen.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
  });

  it('the plan fits on fresh state: applied as planned, nothing refused', () => {
    const state = fleet({ dead: [], drain: true });
    const r = recheckPlan(planOn(state), state);
    expect(r.refusals).toEqual([]);
    expect(r.kept.get('dw1.drain')).toEqual([dn(3)]);
    expect(r.kept.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
  });

  it('a host died since: the drain still fits, the reimages would overfill its budget and are refused (invariant 5)', () => {
    const plan = planOn(fleet({ dead: [], drain: true }));
    // dn010 died between plan and apply: the drain counts 1 busy + 1 planned; two more dead would make 4 > 3.
    const r = recheckPlan(plan, fleet({ dead: [10], drain: true }));
    expect(r.kept.get('dw1.drain')).toEqual([dn(3)]);
    expect(r.kept.get('dw1.rekick')).toEqual([]);
    expect(r.refusals).toEqual([
      {
        host: null,
        cluster: 'dw1',
        op: 'rekick',
        invariant: 5,
        message:
          'rekick in dw1 would exceed the drain budget by 1 on fresh data: 2 host(s) it takes offline would be dead in HDFS, and drain counts dead hosts as busy (1 busy + 1 drain planned + 2 going dead > cap 3); plan again',
      },
    ]);
  });

  it('the drain chose nobody: its cap still bounds what the reimages take', () => {
    const plan = planOn(fleet({ dead: [], drain: false }));
    expect(plan.chosen.has('dw1.drain')).toBe(false);
    expect(plan.chosen.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
    expect(recheckPlan(plan, fleet({ dead: [10], drain: false })).refusals).toEqual([]);
    const r = recheckPlan(plan, fleet({ dead: [10, 11], drain: false }));
    expect(r.kept.get('dw1.rekick')).toEqual([]);
    expect(r.refusals.map((x) => [x.op, x.invariant, x.message.split(':')[0]])).toEqual([['rekick', 5, 'rekick in dw1 would exceed the drain budget by 1 on fresh data']]);
  });

  it('a reimaged host already dead on fresh state costs the drain budget nothing', () => {
    const plan = planOn(fleet({ dead: [], drain: true }));
    // dn001 is dead now (it was going to be): drain counts it already, dn002 makes 1 + 1 + 1 = 3.
    const r = recheckPlan(plan, fleet({ dead: [1], drain: true }));
    expect(r.refusals).toEqual([]);
    expect(r.kept.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
  });

  it('an op served after the offline op counts its hosts as busy, as the planner does', () => {
    // The return's busy set reads hdfs-dead here: served after the rekick, it counts the reimaged hosts.
    const q: PolicyDesc = {
      ...p,
      archetypes: { default: { rekick: { pct: 5, floor: 1, ceiling: null }, return: { pct: 5, floor: 1, ceiling: null } } },
      ops: ['rekick', 'return'],
      deadBusyOps: new Set<Op>(['return']),
    };
    const pol = policyOf(q);
    const withReturn = (dead: number[]) => {
      const s = fleet({ dead, drain: false }, q);
      const sets = s.opSets.get('return')!;
      (s.opSets as Map<Op, typeof sets>).set('return', { ...sets, candidates: new Set([dn(20)]) });
      return s;
    };
    const plan = planOn(withReturn([]), pol);
    expect(plan.chosen.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
    expect(plan.chosen.get('dw1.return')).toEqual([dn(20)]);
    expect(recheckPlan(plan, withReturn([]), pol).refusals).toEqual([]);
    // One host dead now: the return counts it and the two reimaged ones, 3 of cap 3, and refuses its own host.
    const r = recheckPlan(plan, withReturn([10]), pol);
    expect(r.kept.get('dw1.rekick')).toEqual([dn(1), dn(2)]);
    expect(r.kept.get('dw1.return')).toEqual([]);
    expect(r.refusals.map((x) => [x.op, x.invariant, x.message])).toEqual([['return', 5, 'return in dw1: 3 already busy + 1 planned exceeds the cap 3 on fresh data; plan again']]);
  });

  it('without the tally each op is checked on its own, as before', () => {
    const plan = planOn(fleet({ dead: [], drain: true }));
    const r = recheck('rekick', 'dw1', plan.chosen.get('dw1.rekick')!, 3, fleet({ dead: [10], drain: true }), policy, NOW);
    expect(r).toEqual({ keep: [dn(1), dn(2)], refusals: [] });
  });
});
