// The rules that look at a cluster as a whole, across ops (DESIGN §6,
// invariants 4 across ops, 9 and 10): over random fleets and policies, and in
// the cases an SRE meets.
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan } from '../../src/policy/plan.js';
import type { Effect, Op } from '../../src/policy/types.js';
import { checkStorm, inServiceFloor } from '../../src/safety/invariants.js';
import { ALL_OPS, fleetState, policyOf, workerDesc, type FleetDesc, type HdfsStatus, type HostDesc, type PolicyDesc } from './fleet-state.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const weighted = (pTrue: number) => fc.integer({ min: 0, max: 999 }).map((x) => x < pTrue * 1000);
const opSet = (p: number) => fc.array(weighted(p), { minLength: 6, maxLength: 6 }).map((bs) => new Set(ALL_OPS.filter((_, i) => bs[i])));

function host(i: number, o: Partial<HostDesc> & { cluster: string }): HostDesc {
  return workerDesc(`${o.cluster}-dn${String(i).padStart(3, '0')}.dc1.example.com`, { rack: `r${i % 7}`, datagroup: `dg${(i % 3) + 1}`, ...o });
}

const fleetArb = fc
  .record({
    hosts: fc.array(
      fc.record({
        cluster: fc.constantFrom('dw1', 'dw1', 'dw2', 'tiny'),
        dg: fc.nat(3),
        rack: fc.nat(6),
        hdfs: fc.constantFrom<HdfsStatus>('in-service', 'in-service', 'in-service', 'in-service', 'decommissioning', 'decommissioned', 'maintenance', 'dead'),
        worker: weighted(0.95),
        candidate: opSet(0.4),
        busy: opSet(0.06),
        inFlight: opSet(0.06),
      }),
      { maxLength: 80 },
    ),
  })
  .map(
    (r): FleetDesc => ({
      hosts: r.hosts.map((h, i) =>
        host(i, {
          cluster: h.cluster,
          datagroup: h.dg === 3 ? '' : `dg${h.dg + 1}`,
          rack: `r${h.rack}`,
          hdfs: h.hdfs,
          worker: h.worker,
          candidate: h.candidate,
          busy: h.busy,
          inFlight: h.inFlight,
        }),
      ),
      health: { dw1: { missing: 0, underReplicated: 0, corrupt: 0 }, dw2: { missing: 0, underReplicated: 0, corrupt: 0 }, tiny: { missing: 0, underReplicated: 0, corrupt: 0 } },
    }),
  );

const effectArb = fc.constantFrom<Effect>('drain', 'down', 'offline', 'return');
const policyArb = fc
  .record({
    pct: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 6, maxLength: 6 }),
    maxDown: fc.integer({ min: 0, max: 3 }),
    minIn: fc.integer({ min: 0, max: 100 }),
    storm: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    effects: fc.array(effectArb, { minLength: 6, maxLength: 6 }),
    drainInFlight: fc.boolean(),
    drainCountsDead: fc.boolean(),
  })
  .map((r): PolicyDesc => {
    const effects: Partial<Record<Op, Effect>> = {};
    // rekick, firmware and burnin stay offline: invariant 1 keeps them off live DataNodes anyway
    ALL_OPS.forEach((op, i) => {
      if (op === 'drain' || op === 'reboot' || op === 'return') effects[op] = r.effects[i]!;
    });
    return {
      archetypes: { default: Object.fromEntries(ALL_OPS.map((op, i) => [op, { pct: r.pct[i]!, floor: 1, ceiling: null }])) },
      rules: [{ archetype: 'default' }],
      ops: ALL_OPS,
      inFlightOps: r.drainInFlight ? new Set<Op>(['drain']) : new Set<Op>(),
      deadBusyOps: r.drainCountsDead ? new Set<Op>(['drain']) : new Set<Op>(),
      maxPerRack: 3,
      maxDatagroups: 2,
      maxDownDatagroups: r.maxDown,
      minInServicePct: r.minIn,
      maxCandidatesPct: r.storm,
      effects,
    };
  });

function planOf(p: PolicyDesc, f: FleetDesc, seed: string): Plan {
  return buildPlan({ policy: policyOf(p), state: fleetState(f, p.ops, p.inFlightOps, p.deadBusyOps), random: seedrandom(seed), now: NOW, seed, pass: 1, dryRun: true });
}

describe('rules across ops, over random fleets and policies', () => {
  it('no pass takes more data groups down than allowed, leaves fewer workers in service than the floor, or acts in a storm', () => {
    fc.assert(
      fc.property(policyArb, fleetArb, fc.nat(1000), (p, f, seed) => {
        const plan = planOf(p, f, String(seed));
        const policy = policyOf(p);
        const byHost = new Map(f.hosts.map((h) => [h.host, h]));
        for (const cluster of ['dw1', 'dw2', 'tiny']) {
          const hosts = f.hosts.filter((h) => h.cluster === cluster);
          const workers = hosts.filter((h) => h.worker).length;
          const effectOf = (op: Op) => policy.operations.get(op)!.effect;
          const chosenBy = (e: Effect) => ALL_OPS.filter((op) => effectOf(op) === e).flatMap((op) => plan.chosen.get(`${cluster}.${op}`) ?? []);
          const chosenDown = chosenBy('down');
          const chosenDrain = chosenBy('drain');

          // 4 across ops: once a down op chose, everything down or draining spans at most max_down_datagroups.
          if (chosenDown.length > 0) {
            const groups = new Set<string>();
            for (const h of hosts) {
              if (h.hdfs === 'dead' || h.hdfs === 'maintenance') groups.add(h.datagroup);
              if (p.inFlightOps.has('drain') && effectOf('drain') === 'drain' && h.inFlight.has('drain')) groups.add(h.datagroup);
            }
            for (const h of [...chosenDown, ...chosenDrain]) groups.add(byHost.get(h)!.datagroup);
            expect(groups.size, `${cluster}: data groups down`).toBeLessThanOrEqual(p.maxDownDatagroups!);
          }

          // 9: in service after the pass ≥ the floor, whenever the pass took an in-service worker out.
          const inService = (h: HostDesc) => h.worker && h.hdfs === 'in-service';
          const takenOut = [...chosenDown, ...chosenDrain].filter((h) => inService(byHost.get(h)!)).length;
          if (takenOut > 0) {
            const after = hosts.filter(inService).length - takenOut;
            expect(after, `${cluster}: in service after the pass`).toBeGreaterThanOrEqual(inServiceFloor(workers, p.minInServicePct!));
          }

          // 10 and 5: an op that chose is no storm and stays within its budget.
          for (const op of ALL_OPS) {
            const chosen = plan.chosen.get(`${cluster}.${op}`) ?? [];
            const row = plan.budgets.find((b) => b.cluster === cluster && b.op === op);
            if (chosen.length === 0) continue;
            expect(row).toBeDefined();
            expect(checkStorm(op, cluster, row!.candidates, workers, p.maxCandidatesPct ?? null)).toBeNull();
            expect(row!.busy + chosen.length).toBeLessThanOrEqual(row!.cap);
          }

          // An op whose busy set counts dead hosts: with the hosts offline ops of this pass take away
          // (dead in HDFS at the next pass), it still stays within its budget.
          for (const op of p.deadBusyOps ?? []) {
            const row = plan.budgets.find((b) => b.cluster === cluster && b.op === op);
            if (!row) continue;
            const busyNow = hosts.filter((h) => h.busy.has(op) || h.hdfs === 'dead' || h.hdfs === 'dead-decommissioned').map((h) => h.host);
            const offline = ALL_OPS.filter((o) => o !== op && effectOf(o) === 'offline').flatMap((o) => plan.chosen.get(`${cluster}.${o}`) ?? []);
            const added = [...(plan.chosen.get(`${cluster}.${op}`) ?? []), ...offline.filter((h) => !busyNow.includes(h))];
            if (added.length > 0) expect(busyNow.length + added.length, `${cluster} ${op}: busy after the pass`).toBeLessThanOrEqual(row.cap);
          }
        }
        for (const r of plan.refusals) expect(r.invariant).toBeLessThanOrEqual(10);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the in-service floor (invariant 9) rounds so one host may always go', () => {
  const cases: Array<[number, number, number]> = [
    // [workers, min_in_service_pct, floor]
    [0, 90, 0],
    [1, 90, 0],
    [2, 90, 1],
    [10, 90, 9],
    [17, 90, 16],
    [120, 90, 108],
    [120, 0, 0],
    [120, 100, 119],
    [17, 50, 9],
    [3, 90, 2],
  ];
  it.each(cases)('N=%i at %i percent: floor %i', (n, pct, floor) => {
    expect(inServiceFloor(n, pct)).toBe(floor);
    if (n >= 1) expect(n - inServiceFloor(n, pct)).toBeGreaterThanOrEqual(1);
  });
});

describe('rules across ops: the cases that matter', () => {
  const base: PolicyDesc = {
    archetypes: { default: { drain: { pct: 10, floor: 1, ceiling: null }, reboot: { pct: 10, floor: 1, ceiling: null }, firmware: { pct: 10, floor: 1, ceiling: null } } },
    rules: [{ archetype: 'default' }],
    ops: ['drain', 'reboot', 'firmware'],
    inFlightOps: new Set<Op>(['drain']),
    maxPerRack: 5,
    maxDatagroups: 1,
    maxDownDatagroups: 1,
    minInServicePct: 90,
    maxCandidatesPct: 50,
  };
  const health = { dw1: { missing: 0, underReplicated: 0, corrupt: 0 } };

  it('a drain and a reboot chosen in one pass stay in one data group: the reboot is trimmed to the drain\'s group', () => {
    const hosts = Array.from({ length: 60 }, (_, i) =>
      host(i, { cluster: 'dw1', candidate: new Set<Op>(i < 3 ? ['drain'] : i < 12 ? ['reboot'] : []), datagroup: i < 3 ? 'dg3' : `dg${(i % 3) + 1}` }),
    );
    const plan = planOf(base, { hosts, health }, '1');
    const drained = plan.chosen.get('dw1.drain') ?? [];
    expect(drained.length).toBeGreaterThan(0);
    const rebooted = plan.chosen.get('dw1.reboot') ?? [];
    expect(rebooted.length).toBeGreaterThan(0);
    const dg = new Map(hosts.map((h) => [h.host, h.datagroup]));
    expect(new Set([...drained, ...rebooted].map((h) => dg.get(h)))).toEqual(new Set(['dg3']));
    expect(plan.budgets.find((b) => b.op === 'reboot')!.why).toContain('max_down_datagroups');
  });

  it('dead hosts already spanning the allowed data groups: no down op is chosen, and the refusal says why', () => {
    const hosts = Array.from({ length: 30 }, (_, i) =>
      host(i, { cluster: 'dw1', hdfs: i === 0 || i === 1 ? 'dead' : 'in-service', candidate: new Set<Op>(i >= 2 ? ['reboot'] : []) }),
    );
    // dn000 (dg1) and dn001 (dg2) are dead: two data groups already, limit one
    const plan = planOf(base, { hosts, health }, '1');
    expect(plan.chosen.has('dw1.reboot')).toBe(false);
    const r = plan.refusals.find((x) => x.op === 'reboot')!;
    expect(r.invariant).toBe(4);
    expect(r.message).toMatch(/already span 2 data groups \(dg1, dg2\), more than max_down_datagroups 1/);
  });

  it('one dead host: reboots go only to its data group', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => host(i, { cluster: 'dw1', hdfs: i === 1 ? 'dead' : 'in-service', candidate: new Set<Op>(i >= 2 ? ['reboot'] : []) }));
    const plan = planOf({ ...base, maxCandidatesPct: null }, { hosts, health }, '3');
    const chosen = plan.chosen.get('dw1.reboot')!;
    expect(chosen.length).toBeGreaterThan(0);
    for (const h of chosen) expect(hosts.find((x) => x.host === h)!.datagroup).toBe('dg2');
  });

  it('the floor limits what drains and reboots take together, and says so on the row', () => {
    // 40 workers, 90%: the floor is 36; 2 are dead, so 38 in service and 2 may go in all
    const hosts = Array.from({ length: 40 }, (_, i) =>
      host(i, { cluster: 'dw1', datagroup: 'dg1', hdfs: i < 2 ? 'dead' : 'in-service', candidate: new Set<Op>(i >= 2 && i < 6 ? ['drain'] : i >= 6 && i < 10 ? ['reboot'] : []) }),
    );
    const p = { ...base, maxCandidatesPct: null };
    const plan = planOf(p, { hosts, health }, '5');
    const drained = plan.chosen.get('dw1.drain') ?? [];
    const rebooted = plan.chosen.get('dw1.reboot') ?? [];
    expect(drained.length + rebooted.length).toBe(2);
    const drainRow = plan.budgets.find((b) => b.op === 'drain')!;
    expect(drainRow.cap).toBe(4);
    expect(drainRow.why).toContain('min_in_service');
    expect(drainRow.inServiceFloor).toBe(36);
    expect(plan.budgets.find((b) => b.op === 'reboot')!.why).toContain('min_in_service');
  });

  it('dead hosts are no in-service workers: draining them does not count against the floor', () => {
    const hosts = Array.from({ length: 10 }, (_, i) => host(i, { cluster: 'dw1', datagroup: 'dg1', hdfs: i < 3 ? 'dead' : 'in-service', candidate: new Set<Op>(i < 3 ? ['drain'] : []) }));
    const plan = planOf({ ...base, maxCandidatesPct: null, archetypes: { default: { drain: { pct: 50, floor: 1, ceiling: null } } }, ops: ['drain'] }, { hosts, health }, '1');
    expect(plan.chosen.get('dw1.drain')).toHaveLength(3);
  });

  it('a storm: 40% of the workers become candidates at once, and the op chooses nobody', () => {
    const hosts = Array.from({ length: 50 }, (_, i) => host(i, { cluster: 'dw1', datagroup: 'dg1', candidate: new Set<Op>(i < 20 ? ['reboot'] : []) }));
    const plan = planOf({ ...base, maxCandidatesPct: 20 }, { hosts, health }, '1');
    expect(plan.chosen.has('dw1.reboot')).toBe(false);
    const r = plan.refusals.find((x) => x.invariant === 10)!;
    expect(r.message).toMatch(/^storm: 40% of dw1's workers are reboot candidates \(20 of 50, limit 20%\)/);
  });

  it('the storm guard on a cluster of 3 workers: one candidate (33%) is fixed, two (67%) are a storm', () => {
    const three = (n: number) => Array.from({ length: 3 }, (_, i) => host(i, { cluster: 'dw1', datagroup: 'dg1', candidate: new Set<Op>(i < n ? ['reboot'] : []) }));
    const p = { ...base, maxCandidatesPct: 20, minInServicePct: 50 };
    expect(planOf(p, { hosts: three(1), health }, '1').chosen.get('dw1.reboot')).toHaveLength(1);
    const two = planOf(p, { hosts: three(2), health }, '1');
    expect(two.chosen.has('dw1.reboot')).toBe(false);
    expect(two.refusals.map((r) => r.invariant)).toEqual([10]);
  });

  it('a rekick and a drain in one pass: the reimaged hosts go dead in HDFS, so they share the drain budget with the new drain', () => {
    // 60 workers, drain and rekick 5%: cap 3 each. dn000 is dead (busy for drains); dn001 and dn002 are
    // decommissioned, waiting for their reimage; dn003 is broken and in service, a drain candidate.
    // Draining dn003 and reimaging both would leave dn000, dn001, dn002 dead and dn003 draining: 4 > 3.
    const p: PolicyDesc = {
      ...base,
      archetypes: { default: { drain: { pct: 5, floor: 1, ceiling: null }, rekick: { pct: 5, floor: 1, ceiling: null } } },
      ops: ['drain', 'rekick'],
      deadBusyOps: new Set<Op>(['drain']),
      maxCandidatesPct: null,
    };
    const hdfs = (i: number): HdfsStatus => (i === 0 ? 'dead' : i <= 2 ? 'decommissioned' : 'in-service');
    const candidate = (i: number) => new Set<Op>(i === 1 || i === 2 ? ['rekick'] : i === 3 ? ['drain'] : []);
    const hosts = Array.from({ length: 60 }, (_, i) => host(i, { cluster: 'dw1', datagroup: 'dg1', hdfs: hdfs(i), candidate: candidate(i) }));
    const plan = planOf(p, { hosts, health }, '1');
    expect(plan.chosen.get('dw1.drain')).toEqual([hosts[3]!.host]);
    const rekicked = plan.chosen.get('dw1.rekick') ?? [];
    expect(rekicked).toHaveLength(1);
    const row = plan.budgets.find((b) => b.op === 'rekick')!;
    expect(row).toMatchObject({ cap: 3, busy: 0, headroom: 3, candidates: 2, chosen: 1 });
    expect(row.why).toBe('limited by drain budget (taken offline, a host is dead in HDFS)');
    expect(plan.budgets.find((b) => b.op === 'drain')).toMatchObject({ cap: 3, busy: 1, chosen: 1 });

    // Without the drain both are reimaged: dead with dn000 they are three, the cap.
    const noDrain = planOf(p, { hosts: hosts.map((h, i) => (i === 3 ? { ...h, candidate: new Set<Op>() } : h)), health }, '1');
    expect(noDrain.chosen.get('dw1.rekick')).toHaveLength(2);
    // A drain budget that does not count dead hosts is not drawn on.
    const plain = planOf({ ...p, deadBusyOps: new Set() }, { hosts, health }, '1');
    expect(plain.chosen.get('dw1.rekick')).toHaveLength(2);
  });

  it('invariant 3 holds for down ops: no reboot in a cluster missing blocks', () => {
    const hosts = Array.from({ length: 20 }, (_, i) => host(i, { cluster: 'dw1', datagroup: 'dg1', candidate: new Set<Op>(['reboot']) }));
    const plan = planOf({ ...base, maxCandidatesPct: null }, { hosts, health: { dw1: { missing: 2, underReplicated: 0, corrupt: 0 } } }, '1');
    expect(plan.chosen.has('dw1.reboot')).toBe(false);
    expect(plan.refusals.some((r) => r.op === 'reboot' && r.invariant === 3)).toBe(true);
  });
});
