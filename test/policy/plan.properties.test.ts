// buildPlan over random fleets and policies, checked against a model written
// here from DESIGN §5 and §6: budgets, limits, refusals and maximality.
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan } from '../../src/policy/plan.js';
import type { Op, OpLimits } from '../../src/policy/types.js';
import type { HealthRow, SourceStatus } from '../../src/safety/invariants.js';
import { ALL_OPS, byteSort, DEAD, fleetState, LIVE, policyOf, workerDesc, type FleetDesc, type HdfsStatus, type HostDesc, type PolicyDesc } from './fleet-state.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const CLUSTERS = ['dw1', 'hb-meta', 'Dev-2', 'a.small', ''];
const WIPING: readonly Op[] = ['rekick', 'firmware', 'burnin'];
const REPLICA: readonly Op[] = ['drain', 'rekick'];
const REMEDIATION: readonly Op[] = ['rekick', 'reboot', 'firmware', 'burnin'];
/** Ops whose (default) effect is down: under invariant 3, and they need a known data group. */
const DOWN: readonly Op[] = ['reboot'];

// ---------------------------------------------------------------- generators

const weighted = (pTrue: number) => fc.integer({ min: 0, max: 999 }).map((x) => x < pTrue * 1000);
const opSet = (p: number) => fc.array(weighted(p), { minLength: 6, maxLength: 6 }).map((bs) => new Set(ALL_OPS.filter((_, i) => bs[i])));

const hostArb = fc.record({
  cluster: fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 4),
  rack: fc.nat(5),
  dg: fc.nat(3),
  worker: weighted(0.85),
  head: fc.constantFrom(null, null, null, null, null, null, null, null, 'NameNode', 'ResourceManager'),
  hdfs: fc.constantFrom<HdfsStatus>('none', 'in-service', 'in-service', 'in-service', 'decommissioning', 'decommissioned', 'maintenance', 'dead', 'dead-decommissioned'),
  candidate: opSet(0.55),
  busy: opSet(0.12),
  inFlight: opSet(0.08),
  recent: fc.constantFrom(0, 0, 0, 1, 2, 3),
  old: fc.nat(2),
  odd: weighted(0.03),
});

const limitsArb: fc.Arbitrary<OpLimits> = fc
  .record({ pct: fc.integer({ min: 0, max: 40 }), floor: fc.integer({ min: 0, max: 3 }), ceiling: fc.option(fc.integer({ min: 3, max: 25 }), { nil: null }) })
  .map((l) => l);
const archetypeArb = fc.array(fc.option(limitsArb, { freq: 8, nil: null }), { minLength: 6, maxLength: 6 }).map((ls) => {
  const out: Partial<Record<Op, OpLimits>> = {};
  ALL_OPS.forEach((op, i) => {
    if (ls[i]) out[op] = ls[i]!;
  });
  return out;
});

const policyArb: fc.Arbitrary<PolicyDesc> = fc
  .record({
    dflt: archetypeArb,
    small: archetypeArb,
    hbMax: fc.option(fc.record({ drain: fc.nat(3), rekick: fc.nat(3) }), { nil: null }),
    below: fc.integer({ min: 0, max: 30 }),
    catchAll: weighted(0.9),
    denseRule: fc.boolean(),
    ops: fc.array(weighted(0.85), { minLength: 6, maxLength: 6 }),
    drainInFlight: weighted(0.8),
    otherInFlight: fc.boolean(),
    maxPerRack: fc.integer({ min: 1, max: 4 }),
    maxDatagroups: fc.integer({ min: 1, max: 3 }),
    maxUnderReplicated: fc.integer({ min: 0, max: 150 }),
    maxSwingPct: fc.integer({ min: 5, max: 50 }),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
  })
  .map((r) => {
    const ops = ALL_OPS.filter((_, i) => r.ops[i]);
    const inFlightOps = new Set<Op>();
    if (r.drainInFlight) inFlightOps.add('drain');
    if (r.otherInFlight) inFlightOps.add('firmware');
    const rules: PolicyDesc['rules'] = [{ cluster: 'hb-meta', archetype: 'small', max: r.hbMax ?? {} }, { workersBelow: r.below, archetype: 'small' }];
    if (r.denseRule) rules.push({ clusterAttr: { density: 'dense' }, archetype: 'default' });
    if (r.catchAll) rules.push({ archetype: 'default' });
    return {
      archetypes: { default: r.dflt, small: r.small },
      rules,
      ops,
      inFlightOps,
      maxPerRack: r.maxPerRack,
      maxDatagroups: r.maxDatagroups,
      maxUnderReplicated: r.maxUnderReplicated,
      maxSwingPct: r.maxSwingPct,
      maxAttempts: r.maxAttempts,
      attemptWindowMs: 14 * DAY,
    };
  });

const healthArb = fc.option(
  fc.record({ missing: fc.constantFrom(0, 0, 0, 0, 0, 0, 2), underReplicated: fc.integer({ min: 0, max: 200 }), corrupt: fc.nat(3) }),
  { freq: 10, nil: null },
);
const sourceArb: fc.Arbitrary<SourceStatus> = fc
  .record({ i: fc.nat(3), ok: weighted(0.93), never: weighted(0.03), ageMin: fc.nat(120), maxAgeMin: fc.option(fc.integer({ min: 30, max: 200 }), { nil: null }) })
  .map((s) => ({
    name: `src${s.i}`,
    ok: s.ok,
    time: s.never ? null : new Date(NOW.getTime() - s.ageMin * 60_000),
    maxAgeMs: s.maxAgeMin === null ? null : s.maxAgeMin * 60_000,
    reason: s.ok ? undefined : 'exit 1',
  }));
const countArb = fc
  .record({ i: fc.nat(3), before: fc.option(fc.nat(80), { freq: 4, nil: null }), delta: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -2, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: -80, max: 80 }) }) })
  .map((c) => ({ group: `g${c.i}`, before: c.before, after: Math.max(0, (c.before ?? 40) + c.delta) }));

const fleetArb = fc
  .record({
    hosts: fc.array(hostArb, { maxLength: 70 }),
    health: fc.array(healthArb, { minLength: 5, maxLength: 5 }),
    dense: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    sources: fc.array(fc.array(sourceArb, { maxLength: 2 }), { minLength: 6, maxLength: 6 }),
    counts: fc.array(fc.array(countArb, { maxLength: 2 }), { minLength: 6, maxLength: 6 }),
    nnPairs: fc.boolean(),
  })
  .map((r): FleetDesc => {
    const hosts: HostDesc[] = r.hosts.map((h, i) => {
      const cluster = CLUSTERS[h.cluster]!;
      const name = `${cluster || 'none'}-h${String(i).padStart(3, '0')}.dc1.example.com`.toLowerCase();
      return {
        // now and then a name that is not canonical (upper case) reaches the planner
        host: h.odd ? name.toUpperCase() : name,
        cluster,
        rack: `rack${h.rack}`,
        datagroup: h.dg === 3 ? '' : `dg${h.dg}`,
        worker: h.worker,
        role: h.head,
        hdfs: h.hdfs,
        candidate: h.candidate,
        busy: h.busy,
        inFlight: h.inFlight,
        attempts: [
          ...Array.from({ length: h.recent }, (_, k) => new Date(NOW.getTime() - (k + 1) * DAY)),
          ...Array.from({ length: h.old }, (_, k) => new Date(NOW.getTime() - (20 + k) * DAY)),
        ],
      };
    });
    const namenodePairs: Record<string, string[]> = {};
    if (r.nnPairs) for (const c of CLUSTERS) namenodePairs[c] = hosts.filter((h) => h.cluster === c && h.role === 'NameNode').map((h) => h.host);
    const health: Record<string, HealthRow> = {};
    const clusterAttrs: Record<string, Record<string, string>> = {};
    CLUSTERS.forEach((c, i) => {
      if (r.health[i]) health[c] = r.health[i]!;
      if (r.dense[i]) clusterAttrs[c] = { density: 'dense' };
    });
    const opSources: Partial<Record<Op, SourceStatus[]>> = {};
    const opGroupCounts: FleetDesc['opGroupCounts'] = {};
    ALL_OPS.forEach((op, i) => {
      opSources[op] = r.sources[i]!;
      opGroupCounts[op] = r.counts[i]!;
    });
    return { hosts, health, clusterAttrs, namenodePairs, opSources, opGroupCounts };
  });

// ---------------------------------------------------------------- the model

const canonical = (h: string) => /^[a-z0-9][a-z0-9.-]*$/.test(h) && h.includes('.');

interface Expected {
  rows: Array<{ cluster: string; op: Op; archetype: string; workers: number; cap: number; busy: number; headroom: number; candidates: number }>;
}

/** Checks one plan against the model; returns nothing, throws on the first mismatch. */
function checkPlan(p: PolicyDesc, f: FleetDesc, plan: Plan): void {
  const byHost = new Map(f.hosts.map((h) => [h.host, h]));
  const clusters = byteSort(new Set(f.hosts.map((h) => h.cluster).filter((c) => c !== '')));
  const rows: Expected['rows'] = [];
  const opRefusals: string[] = [];
  const chosenEverywhere = new Set<string>();
  const hostRefusals = new Map<string, Set<number>>(); // `${cluster} ${op} ${host}` → invariants it breaks
  let expectedNotes = 0;

  for (const cluster of clusters) {
    const hosts = f.hosts.filter((h) => h.cluster === cluster);
    const workers = hosts.filter((h) => h.worker).length;
    const attrs = f.clusterAttrs?.[cluster] ?? {};
    const rule = p.rules.find(
      (r) =>
        (r.cluster == null || r.cluster === cluster) &&
        (r.workersBelow == null || workers < r.workersBelow) &&
        (r.clusterAttr == null || Object.entries(r.clusterAttr).every(([k, v]) => attrs[k] === v)),
    );
    if (!rule) {
      expectedNotes++;
      for (const op of ALL_OPS) expect(plan.chosen.has(`${cluster}.${op}`)).toBe(false);
      continue;
    }
    const arch = p.archetypes[rule.archetype]!;
    const taken = new Set<string>();
    for (const op of ALL_OPS) {
      if (!p.ops.includes(op)) continue;
      const limits = arch[op];
      if (!limits) {
        expectedNotes++;
        expect(plan.chosen.has(`${cluster}.${op}`)).toBe(false);
        continue;
      }
      const override = rule.max?.[op];
      // integer percentages: exact integer arithmetic
      const byPct = Math.floor((limits.pct * workers) / 100);
      const cap = override !== undefined ? override : Math.min(limits.ceiling ?? Infinity, Math.max(limits.floor, byPct));
      const busyHosts = hosts.filter((h) => h.busy.has(op));
      const busy = busyHosts.length;
      const headroom = Math.max(0, cap - busy);
      const candidates = hosts.filter((h) => h.candidate.has(op) && !h.busy.has(op) && !taken.has(h.host));
      rows.push({ cluster, op, archetype: rule.archetype, workers, cap, busy, headroom, candidates: candidates.length });

      const key = `${cluster}.${op}`;
      const chosen = plan.chosen.get(key) ?? [];
      const hasInFlight = p.inFlightOps.has(op);
      const inFlightGroups = new Set(hosts.filter((h) => h.inFlight.has(op)).map((h) => h.datagroup));

      // Op-level invariants: any one stops the op for the cluster.
      let refused = 0;
      for (const s of f.opSources?.[op] ?? []) {
        if (!s.ok || s.time === null || (s.maxAgeMs !== null && NOW.getTime() - s.time.getTime() > s.maxAgeMs)) {
          opRefusals.push(`${cluster} ${op} - 6`);
          refused++;
        }
      }
      for (const g of f.opGroupCounts?.[op] ?? []) {
        const all = f.allCount ?? f.hosts.length;
        if (g.before !== null && all > 0 && Math.abs(g.after - g.before) * 100 > p.maxSwingPct! * all) {
          opRefusals.push(`${cluster} ${op} - 6`);
          refused++;
        }
      }
      if (REPLICA.includes(op) || DOWN.includes(op)) {
        const hr = f.health[cluster];
        if (!hr || hr.missing > 0 || hr.underReplicated > p.maxUnderReplicated!) {
          opRefusals.push(`${cluster} ${op} - 3`);
          refused++;
        }
      }
      if (hasInFlight && inFlightGroups.size > p.maxDatagroups) {
        opRefusals.push(`${cluster} ${op} - 4`);
        refused++;
      }
      if (refused > 0 || headroom === 0 || candidates.length === 0) {
        expect(chosen, key).toEqual([]);
        continue;
      }

      // Per-host invariants: which of them each candidate breaks.
      const cleared: HostDesc[] = [];
      for (const h of candidates) {
        const breaks = new Set<number>();
        if (!canonical(h.host)) breaks.add(7);
        if (h.role) breaks.add(2);
        if (WIPING.includes(op) && LIVE.includes(h.hdfs) && h.hdfs !== 'decommissioned') breaks.add(1);
        if ((hasInFlight || DOWN.includes(op)) && h.datagroup === '') breaks.add(4);
        const recent = h.attempts.filter((t) => NOW.getTime() - t.getTime() <= p.attemptWindowMs!).length;
        if (REMEDIATION.includes(op) && recent >= p.maxAttempts!) breaks.add(8);
        if (breaks.size > 0) hostRefusals.set(`${cluster} ${op} ${h.host}`, breaks);
        else cleared.push(h);
      }

      // Both NameNodes of a pair busy: the op is refused after selection (invariant 2).
      const pair = f.namenodePairs?.[cluster] ?? [];
      if (pair.length >= 2 && pair.every((n) => busyHosts.some((b) => b.host === n))) {
        opRefusals.push(`${cluster} ${op} - 2`);
        expect(chosen, key).toEqual([]);
        continue;
      }

      // The chosen hosts: cleared candidates of this cluster, sorted, within every limit.
      expect(chosen, `${key} sorted`).toEqual(byteSort(chosen));
      expect(new Set(chosen).size).toBe(chosen.length);
      const clearedNames = new Set(cleared.map((h) => h.host));
      for (const h of chosen) {
        expect(clearedNames.has(h), `${key}: ${h} is a cleared candidate`).toBe(true);
        expect(byHost.get(h)!.role, `${key}: ${h} is no head node`).toBeNull();
        expect(chosenEverywhere.has(h), `${h} chosen for two ops`).toBe(false);
        chosenEverywhere.add(h);
        taken.add(h);
      }
      expect(chosen.length).toBeLessThanOrEqual(headroom);
      const perRack = new Map<string, number>();
      for (const h of chosen) perRack.set(byHost.get(h)!.rack, (perRack.get(byHost.get(h)!.rack) ?? 0) + 1);
      for (const n of perRack.values()) expect(n).toBeLessThanOrEqual(p.maxPerRack);
      const groups = new Set(inFlightGroups);
      if (hasInFlight) {
        for (const h of chosen) groups.add(byHost.get(h)!.datagroup);
        expect(groups.size, `${key} data groups`).toBeLessThanOrEqual(p.maxDatagroups);
      }
      // Maximal: no cleared candidate left out could be added without breaking a limit.
      for (const h of cleared) {
        if (chosen.includes(h.host)) continue;
        const full = chosen.length >= headroom;
        const rackFull = (perRack.get(h.rack) ?? 0) >= p.maxPerRack;
        const groupFull = hasInFlight && !groups.has(h.datagroup) && groups.size >= p.maxDatagroups;
        expect(full || rackFull || groupFull, `${key}: ${h.host} could have been added`).toBe(true);
      }
    }
  }

  // Budget rows: one per classified cluster and op with limits, in order.
  expect(plan.budgets.map((b) => ({ cluster: b.cluster, op: b.op, archetype: b.archetype, workers: b.workers, cap: b.cap, busy: b.busy, headroom: b.headroom, candidates: b.candidates }))).toEqual(rows);
  for (const b of plan.budgets) expect(b.chosen).toBe(plan.chosen.get(`${b.cluster}.${b.op}`)?.length ?? 0);
  expect(plan.notes).toHaveLength(expectedNotes);

  // Refusals: the op-level ones exactly; one per refused host, naming an invariant it breaks.
  for (const r of plan.refusals) {
    expect(r.message.length).toBeGreaterThan(0);
    expect(r.invariant).toBeGreaterThanOrEqual(1);
    expect(r.invariant).toBeLessThanOrEqual(8);
  }
  expect(byteSort(plan.refusals.filter((r) => r.host === null).map((r) => `${r.cluster} ${r.op} - ${r.invariant}`))).toEqual(byteSort(opRefusals));
  const hostLevel = plan.refusals.filter((r) => r.host !== null);
  expect(byteSort(hostLevel.map((r) => `${r.cluster} ${r.op} ${r.host}`))).toEqual(byteSort(hostRefusals.keys()));
  for (const r of hostLevel) {
    const breaks = hostRefusals.get(`${r.cluster} ${r.op} ${r.host}`)!;
    expect([...breaks], `${r.cluster} ${r.op} ${r.host} refused by ${r.invariant}`).toContain(r.invariant);
    expect(plan.chosen.get(`${r.cluster}.${r.op}`) ?? []).not.toContain(r.host);
  }
  expect(plan.needsHuman).toEqual(byteSort(new Set(hostLevel.filter((r) => r.invariant === 8).map((r) => r.host!))));
  for (const key of plan.chosen.keys()) expect(plan.chosen.get(key)!.length).toBeGreaterThan(0);
}

function plan(p: PolicyDesc, f: FleetDesc, seed: string): Plan {
  return buildPlan({
    policy: policyOf(p),
    state: fleetState(f, p.ops, p.inFlightOps),
    random: seedrandom(seed),
    now: NOW,
    seed,
    pass: 7,
    dryRun: true,
  });
}

describe('buildPlan against the model', () => {
  it('budgets, limits, refusals and maximality hold for random fleets and policies', () => {
    fc.assert(
      fc.property(policyArb, fleetArb, fc.string({ maxLength: 8 }), (p, f, seed) => {
        const out = plan(p, f, seed);
        expect(out.seed).toBe(seed);
        expect(out.pass).toBe(7);
        expect(out.dry_run).toBe(true);
        expect(out.time).toBe(NOW.toISOString());
        checkPlan(p, f, out);
      }),
      { numRuns: 300 },
    );
  });

  it('the same seed gives the same plan', () => {
    fc.assert(
      fc.property(policyArb, fleetArb, fc.string({ maxLength: 8 }), (p, f, seed) => {
        expect(plan(p, f, seed)).toEqual(plan(p, f, seed));
      }),
      { numRuns: 100 },
    );
  });

  it('different seeds usually give different plans where there is a choice', () => {
    // Busy fleets with plenty of candidates and a small headroom: a choice to make.
    const p: PolicyDesc = {
      archetypes: { default: { reboot: { pct: 10, floor: 1, ceiling: null }, drain: { pct: 10, floor: 1, ceiling: null } } },
      rules: [{ archetype: 'default' }],
      ops: ['drain', 'reboot'],
      inFlightOps: new Set(['drain']),
      maxPerRack: 2,
      maxDatagroups: 1,
    };
    fc.assert(
      fc.property(fleetArb, (f0) => {
        const f: FleetDesc = {
          ...f0,
          opSources: {},
          opGroupCounts: {},
          health: { dw1: { missing: 0, underReplicated: 0, corrupt: 0 } },
          hosts: Array.from({ length: 60 }, (_, i) => ({
            host: `dw1-h${String(i).padStart(2, '0')}.dc1.example.com`,
            cluster: 'dw1',
            rack: `r${i % 10}`,
            datagroup: `dg${i % 2}`,
            worker: true,
            role: null,
            hdfs: 'in-service' as const,
            candidate: new Set<Op>(['drain', 'reboot']),
            busy: new Set<Op>(),
            inFlight: new Set<Op>(),
            attempts: [],
          })),
        };
        const plans = new Set(['a', 'b', 'c', 'd', 'e'].map((s) => JSON.stringify([...plan(p, f, s).chosen])));
        expect(plans.size).toBeGreaterThan(1);
      }),
      { numRuns: 5 },
    );
  });
});

describe('buildPlan: hand-made cases', () => {
  const host = (name: string, over: Partial<HostDesc> = {}): HostDesc => workerDesc(`${name}.dc1.example.com`, over);
  const p: PolicyDesc = {
    archetypes: { default: { drain: { pct: 50, floor: 1, ceiling: null }, rekick: { pct: 50, floor: 1, ceiling: null }, reboot: { pct: 50, floor: 1, ceiling: null } } },
    rules: [{ archetype: 'default' }],
    ops: ['drain', 'rekick', 'reboot'],
    inFlightOps: new Set(['drain']),
    maxPerRack: 10,
    maxDatagroups: 1,
    maxAttempts: 2,
  };
  const healthy = { dw1: { missing: 0, underReplicated: 0, corrupt: 0 } };

  it('a host that is a candidate of two ops is chosen for the first op only', () => {
    const both = new Set<Op>(['drain', 'reboot']);
    const f: FleetDesc = { hosts: ['a', 'b', 'c', 'd'].map((n) => host(n, { candidate: both })), health: healthy };
    const out = plan(p, f, 's');
    // cap = 50% of 4 = 2 for each op; drain takes 2, reboot gets the other 2
    expect(out.chosen.get('dw1.drain')).toHaveLength(2);
    expect(byteSort([...out.chosen.get('dw1.drain')!, ...out.chosen.get('dw1.reboot')!])).toEqual(f.hosts.map((h) => h.host));
    expect(out.budgets.find((b) => b.op === 'reboot')!.candidates).toBe(2);
  });

  it('refused candidates take no budget: the next ones are chosen instead', () => {
    const rk = new Set<Op>(['rekick']);
    const f: FleetDesc = {
      hosts: [
        host('a', { candidate: rk, hdfs: 'in-service' }), // 1
        host('b', { candidate: rk, hdfs: 'decommissioning' }), // 1
        host('c', { candidate: rk, hdfs: 'maintenance' }), // 1
        host('d', { candidate: rk, hdfs: 'decommissioned' }),
        host('e', { candidate: rk, hdfs: 'dead' }),
        host('f', { candidate: rk, hdfs: 'none' }),
        host('g', { candidate: rk, hdfs: 'dead', attempts: [new Date(NOW.getTime() - DAY), new Date(NOW.getTime() - 2 * DAY)] }), // 8
        host('h', { candidate: rk, hdfs: 'dead', role: 'JournalNode' }), // 2
      ],
      health: healthy,
    };
    const out = plan(p, f, 'x');
    // cap 50% of 8 = 4; only d, e and f are cleared
    expect(out.chosen.get('dw1.rekick')).toEqual(['d', 'e', 'f'].map((n) => `${n}.dc1.example.com`));
    expect(out.refusals.map((r) => [r.host!.slice(0, 1), r.invariant])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['g', 8],
      ['h', 2],
    ]);
    expect(out.needsHuman).toEqual(['g.dc1.example.com']);
  });

  it('drains stay in the data group already in flight', () => {
    const dr = new Set<Op>(['drain']);
    const f: FleetDesc = {
      hosts: [
        host('a', { candidate: dr, datagroup: 'dg1' }),
        host('b', { candidate: dr, datagroup: 'dg2' }),
        host('c', { candidate: dr, datagroup: 'dg2' }),
        host('d', { candidate: dr, datagroup: 'dg3' }),
        host('e', { hdfs: 'decommissioning', datagroup: 'dg2', busy: dr, inFlight: dr }),
        host('f'),
        host('g'),
        host('h'),
      ],
      health: healthy,
    };
    for (const seed of ['1', '2', '3', '4', '5', '6']) {
      expect(plan(p, f, seed).chosen.get('dw1.drain')).toEqual(['b.dc1.example.com', 'c.dc1.example.com']);
    }
  });

  it('drains in flight over two data groups refuse the op (invariant 4)', () => {
    const dr = new Set<Op>(['drain']);
    const f: FleetDesc = {
      hosts: [host('a', { candidate: dr }), host('b', { datagroup: 'dg1', inFlight: dr }), host('c', { datagroup: 'dg2', inFlight: dr })],
      health: healthy,
    };
    const out = plan(p, f, 's');
    expect(out.chosen.size).toBe(0);
    expect(out.refusals).toEqual([expect.objectContaining({ host: null, cluster: 'dw1', op: 'drain', invariant: 4 })]);
    expect(out.budgets.find((b) => b.op === 'drain')!.why).toMatch(/invariant 4/);
  });

  it('headroom 0 chooses nobody and says why', () => {
    const dr = new Set<Op>(['drain']);
    const f: FleetDesc = {
      hosts: [host('a', { candidate: dr }), host('b', { busy: dr, hdfs: 'dead' }), host('c', { busy: dr, hdfs: 'dead' }), host('d')],
      health: healthy,
    };
    const out = plan(p, f, 's');
    const b = out.budgets.find((x) => x.op === 'drain')!;
    expect([b.cap, b.busy, b.headroom, b.candidates, b.chosen]).toEqual([2, 2, 0, 1, 0]);
    expect(b.why).toMatch(/headroom/);
    expect(out.refusals).toEqual([]);
  });
});
