// Selection: "sort for set operations, shuffle before acting". The seeded
// shuffle, the limits selectHosts keeps, and whether a plan's choice is spread
// over the fleet rather than the first hosts in sort order.
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/policy/plan.js';
import { selectHosts, shuffle } from '../../src/policy/select.js';
import type { Op } from '../../src/policy/types.js';
import { byteSort, fleetState, policyOf, type FleetDesc, type HostDesc, type PolicyDesc } from './fleet-state.js';

describe('shuffle', () => {
  it('is a permutation, leaves its input alone, and repeats with the seed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.string(), (xs, seed) => {
        const copy = xs.slice();
        const a = shuffle(xs, seedrandom(seed));
        expect(xs).toEqual(copy);
        expect([...a].sort((x, y) => x - y)).toEqual([...xs].sort((x, y) => x - y));
        expect(shuffle(xs, seedrandom(seed))).toEqual(a);
      }),
    );
  });

  it('puts every item in every position about equally often', () => {
    // 4 items, 24 permutations; 24000 shuffles: each permutation about 1000 times
    const counts = new Map<string, number>();
    const rnd = seedrandom('uniform');
    for (let i = 0; i < 24000; i++) {
      const k = shuffle(['a', 'b', 'c', 'd'], rnd).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // chi-square with 23 degrees of freedom: 99.9% below 49.7
    let chi = 0;
    for (const n of counts.values()) chi += (n - 1000) ** 2 / 1000;
    expect(chi).toBeLessThan(49.7);
  });
});

describe('selectHosts', () => {
  const hostArb = fc.record({ rack: fc.nat(6), dg: fc.nat(3) });
  it('keeps headroom, rack and data-group limits, and is maximal', () => {
    fc.assert(
      fc.property(
        fc.array(hostArb, { maxLength: 60 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.record({ inFlight: fc.uniqueArray(fc.nat(3), { maxLength: 2 }), max: fc.integer({ min: 1, max: 3 }) }), { nil: null }),
        fc.string(),
        (hs, headroom, maxPerRack, dgs, seed) => {
          const name = (i: number) => `h${String(i).padStart(3, '0')}.x`;
          const rackOf = new Map(hs.map((h, i) => [name(i), `r${h.rack}`]));
          const dgOf = new Map(hs.map((h, i) => [name(i), `g${h.dg}`]));
          const inFlight = new Set((dgs?.inFlight ?? []).map((g) => `g${g}`));
          // the caller never passes in-flight groups over the limit: it refuses the op first
          if (dgs && inFlight.size > dgs.max) return;
          const candidates = [...rackOf.keys()].reverse();
          const sel = selectHosts({
            candidates,
            headroom,
            maxPerRack,
            rackOf: (h) => rackOf.get(h)!,
            datagroups: dgs ? { inFlight, max: dgs.max, of: (h) => dgOf.get(h)! } : null,
            random: seedrandom(seed),
          });
          expect(sel.chosen).toEqual(byteSort(sel.chosen));
          expect(new Set(sel.chosen).size).toBe(sel.chosen.length);
          expect([...sel.order].sort()).toEqual([...candidates].sort());
          for (const h of sel.chosen) expect(rackOf.has(h)).toBe(true);
          expect(sel.chosen.length).toBeLessThanOrEqual(headroom);
          const perRack = new Map<string, number>();
          for (const h of sel.chosen) perRack.set(rackOf.get(h)!, (perRack.get(rackOf.get(h)!) ?? 0) + 1);
          for (const n of perRack.values()) expect(n).toBeLessThanOrEqual(maxPerRack);
          const groups = new Set([...inFlight, ...sel.chosen.map((h) => dgOf.get(h)!)]);
          if (dgs) expect(groups.size).toBeLessThanOrEqual(dgs.max);
          for (const h of candidates) {
            if (sel.chosen.includes(h)) continue;
            const blocked =
              sel.chosen.length >= headroom ||
              (perRack.get(rackOf.get(h)!) ?? 0) >= maxPerRack ||
              (dgs !== null && !groups.has(dgOf.get(h)!) && groups.size >= dgs.max);
            expect(blocked, `${h} could have been added`).toBe(true);
          }
          // the order the candidates came in does not matter, only the seed
          const again = selectHosts({
            candidates: [...candidates].sort(),
            headroom,
            maxPerRack,
            rackOf: (h) => rackOf.get(h)!,
            datagroups: dgs ? { inFlight: new Set(inFlight), max: dgs.max, of: (h) => dgOf.get(h)! } : null,
            random: seedrandom(seed),
          });
          expect(again.chosen).toEqual(sel.chosen);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not add the in-flight set it is given to the caller', () => {
    const inFlight = new Set(['g1']);
    selectHosts({
      candidates: ['a.x', 'b.x'],
      headroom: 2,
      maxPerRack: 2,
      rackOf: () => 'r',
      datagroups: { inFlight, max: 2, of: (h) => (h === 'a.x' ? 'g2' : 'g1') },
      random: seedrandom('1'),
    });
    expect([...inFlight]).toEqual(['g1']);
  });
});

// ---------------------------------------------------------------- a big cluster, many seeds

const N = 1000;
const RACKS = 50;
const NOW = new Date('2026-11-21T12:00:00Z');
/** h0000 … h0999; the first 20 in sort order share rack r00, the next 20 r01, and so on. */
const HOSTS: HostDesc[] = Array.from({ length: N }, (_, i) => ({
  host: `h${String(i).padStart(4, '0')}.dc1.example.com`,
  cluster: 'big',
  rack: `r${String(Math.floor(i / (N / RACKS))).padStart(2, '0')}`,
  datagroup: 'dg1',
  worker: true,
  role: null,
  hdfs: 'in-service',
  candidate: new Set<Op>(['reboot']),
  busy: new Set<Op>(),
  inFlight: new Set<Op>(),
  attempts: [],
}));
const FLEET: FleetDesc = { hosts: HOSTS, health: { big: { missing: 0, underReplicated: 0, corrupt: 0 } } };
const POLICY: PolicyDesc = {
  // 2% of 1000 workers: headroom 20
  archetypes: { default: { reboot: { pct: 2, floor: 1, ceiling: null } } },
  rules: [{ archetype: 'default' }],
  ops: ['reboot'],
  inFlightOps: new Set(),
  maxPerRack: 1000,
  maxDatagroups: 1,
};
const SORTED = byteSort(HOSTS.map((h) => h.host));
const RANK = new Map(SORTED.map((h, i) => [h, i]));
const RACK = new Map(HOSTS.map((h) => [h.host, h.rack]));

function choose(seed: string): string[] {
  const plan = buildPlan({ policy: policyOf(POLICY), state: fleetState(FLEET, POLICY.ops, POLICY.inFlightOps), random: seedrandom(seed), now: NOW, seed, pass: 1, dryRun: true });
  return plan.chosen.get('big.reboot') ?? [];
}

describe('a plan is spread over the fleet, not the first hosts in sort order', () => {
  const SEEDS = Array.from({ length: 300 }, (_, i) => `seed-${i}`);
  const plans = SEEDS.map(choose);

  it('chooses exactly the headroom every time', () => {
    for (const p of plans) expect(p).toHaveLength(20);
  });

  it('never the first 20 hosts in sort order', () => {
    const first = SORTED.slice(0, 20);
    expect(plans.filter((p) => p.join() === first.join())).toHaveLength(0);
    // nor mostly from the start: the share of the first 100 hosts is about 10%
    const early = plans.flat().filter((h) => RANK.get(h)! < 100).length / plans.flat().length;
    expect(early).toBeGreaterThan(0.06);
    expect(early).toBeLessThan(0.14);
  });

  it('the mean rank of the chosen hosts is near the middle', () => {
    const ranks = plans.flat().map((h) => RANK.get(h)!);
    const mean = ranks.reduce((a, b) => a + b, 0) / ranks.length;
    // uniform over 0..999: mean 499.5, standard error over 6000 picks about 3.7
    expect(mean).toBeGreaterThan(470);
    expect(mean).toBeLessThan(530);
  });

  it('the chosen hosts span many racks', () => {
    // 20 of 1000 hosts at random over 50 racks of 20: about 16.7 distinct racks expected
    const distinct = plans.map((p) => new Set(p.map((h) => RACK.get(h)!)).size);
    const mean = distinct.reduce((a, b) => a + b, 0) / distinct.length;
    expect(mean).toBeGreaterThanOrEqual(15);
    // and every rack gets its share over the seeds: about 120 picks each
    const perRack = new Map<string, number>();
    for (const h of plans.flat()) perRack.set(RACK.get(h)!, (perRack.get(RACK.get(h)!) ?? 0) + 1);
    expect(perRack.size).toBe(RACKS);
    for (const n of perRack.values()) {
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(190);
    }
  });

  it('different seeds give different plans; the same seed the same plan', () => {
    expect(new Set(plans.map((p) => p.join())).size).toBe(SEEDS.length);
    expect(choose('seed-17')).toEqual(plans[17]);
  });

  it('max_per_rack 2 spreads a plan over at least 10 racks', () => {
    const p: PolicyDesc = { ...POLICY, maxPerRack: 2 };
    for (const seed of SEEDS.slice(0, 20)) {
      const plan = buildPlan({ policy: policyOf(p), state: fleetState(FLEET, p.ops, p.inFlightOps), random: seedrandom(seed), now: NOW, seed, pass: 1, dryRun: true });
      const chosen = plan.chosen.get('big.reboot')!;
      expect(chosen).toHaveLength(20);
      const perRack = new Map<string, number>();
      for (const h of chosen) perRack.set(RACK.get(h)!, (perRack.get(RACK.get(h)!) ?? 0) + 1);
      expect(Math.max(...perRack.values())).toBeLessThanOrEqual(2);
      expect(perRack.size).toBeGreaterThanOrEqual(10);
    }
  });
});
