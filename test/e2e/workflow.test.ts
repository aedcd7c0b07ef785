// The drain workflow end to end: bin/breakfix against the simulated datacenter
// of fixtures/sim (real Hadoop output formats, exclude files and -refreshNodes
// honoured, one tick of its clock per pass). What the tests
// expect is worked out here from what the simulator printed to breakfix (each
// source's output is kept beside it), from `sim show` between passes, from the
// exclude files and from the shipped policy's numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoHome } from '../support/demo.js';
import { BIN, breakfix, cleanEnv, tempDirs, type Result } from '../support/cli.js';
import {
  byteSort,
  confDir,
  editConfig,
  excludes,
  fq,
  groupLines,
  inventory,
  parseInventory,
  parseReport,
  parseYarn,
  readJson,
  shippedCap,
  show,
  shownHost,
  SIM_BIN,
  simOk,
  teeSources,
  type ApplyJson,
  type HdfsView,
  type InvRow,
  type OpenJson,
  type PlanJson,
} from '../support/simdc.js';

const tmp = tempDirs();
const OPS = ['drain', 'rekick', 'reboot', 'return'] as const;
const MAX_UNDER_REPLICATED = 1000; // policy/policy.yaml safety.max_under_replicated
const MAX_PER_RACK = 2; // selection.max_per_rack

interface Demo {
  dir: string;
  config: string;
  simDir: string;
  tee: string;
  dcDir: string;
  clusters: string[];
}

/** The demo datacenter (buildDemo: sim, config, policy copy), its sources' output kept under tee/. */
function demo(seed: string): Demo {
  const home = demoHome(tmp('breakfix-wf-'), seed);
  const tee = path.join(home.dir, 'tee');
  teeSources(home.config, tee);
  const clusters = (readJson<{ clusters: Array<{ name: string }> }>(path.join(home.simDir, 'sim.json')).clusters).map((c) => c.name);
  return { ...home, tee, clusters };
}

const dayDir = (d: Demo) => fs.realpathSync(path.join(d.dcDir, 'today'));
const planDir = (d: Demo, pass: number) => path.join(dayDir(d), 'plans', String(pass));
const openEntries = (d: Demo): OpenJson['entries'] => (fs.existsSync(path.join(d.dcDir, 'open.json')) ? readJson<OpenJson>(path.join(d.dcDir, 'open.json')).entries : []);
const run = (d: Demo, args: string[], env: Record<string, string> = {}) => breakfix(['--config', d.config, ...args], { cwd: d.dir, env });
const sim = (d: Demo, ...args: string[]) => simOk('sim', [args[0]!, '--sim', d.simDir, ...args.slice(1)]);

/** What breakfix read in its last pull, from the kept copies. */
function pulled(d: Demo): { reports: Map<string, HdfsView>; yarn: Map<string, string>; inv: Map<string, InvRow> } {
  const reports = new Map(d.clusters.map((c) => [c, parseReport(fs.readFileSync(path.join(d.tee, `hdfs-${c}`), 'utf8'))]));
  const yarn = new Map<string, string>();
  for (const c of d.clusters) for (const [h, s] of parseYarn(fs.readFileSync(path.join(d.tee, `yarn-${c}`), 'utf8'))) yarn.set(h, s);
  return { reports, yarn, inv: parseInventory(fs.readFileSync(path.join(d.tee, 'inventory'), 'utf8')) };
}

interface Snap {
  pass: number;
  run: Result | null;
  reports: Map<string, HdfsView>;
  yarn: Map<string, string>;
  /** The inventory as breakfix read it this pass. */
  inv: Map<string, InvRow>;
  /** The simulator after the pass (a look, SIM_PEEK: moves no clock). */
  shown: ReturnType<typeof show>;
  after: Map<string, InvRow>;
  ex: Map<string, { hdfs: string[]; yarn: string[] }>;
  open: OpenJson['entries'];
  plan: PlanJson | null;
  apply: ApplyJson | null;
  plansGroups: Map<string, string[]>;
}

function snapshot(d: Demo, pass: number, r: Result | null): Snap {
  const p = pass > 0 ? pulled(d) : { reports: new Map(), yarn: new Map(), inv: new Map() };
  const pd = pass > 0 ? planDir(d, pass) : '';
  return {
    pass,
    run: r,
    ...p,
    shown: show(d.simDir),
    after: inventory(d.simDir),
    ex: new Map(d.clusters.map((c) => [c, excludes(d.simDir, c)])),
    open: openEntries(d),
    plan: pass > 0 ? readJson<PlanJson>(path.join(pd, 'plan.json')) : null,
    apply: pass > 0 && fs.existsSync(path.join(pd, 'apply.json')) ? readJson<ApplyJson>(path.join(pd, 'apply.json')) : null,
    plansGroups: new Map(pass > 0 ? OPS.map((op) => [op, groupLines(path.join(dayDir(d), `plans.${op}`))]) : []),
  };
}

const inCluster = (inv: Map<string, InvRow>, c: string, hosts: Iterable<string>) => byteSort([...new Set(hosts)].filter((h) => inv.get(h)?.cluster === c));
const outcome = (s: Snap, c: string, op: string) => s.apply?.outcomes.find((o) => o.cluster === c && o.op === op);
const chosenOf = (s: Snap, c: string, op: string) => s.plan?.chosen[`${c}.${op}`] ?? [];

// ---------------------------------------------------------------- 1. the drain workflow over nine passes

describe('pass --apply, nine passes over the simulated datacenter', () => {
  const PASSES = 9;
  const SEED = '17';
  let d: Demo;
  const snaps: Snap[] = [];
  let workers: Map<string, number>;

  beforeAll(() => {
    d = demo('1');
    snaps.push(snapshot(d, 0, null));
    const inv0 = snaps[0]!.after;
    workers = new Map(d.clusters.map((c) => [c, [...inv0.values()].filter((r) => r.cluster === c && r.role === 'hadoop-worker').length]));
    for (let p = 1; p <= PASSES; p++) {
      const r = run(d, ['pass', '--apply', '--seed', SEED]);
      if (r.code !== 0 && r.code !== 3) {
        const said = r.out.split('\n').filter((l) => /^(applied|refused|open|finished|chosen)|failed/.test(l));
        throw new Error(`pass ${p} exited ${r.code}:\n${said.join('\n')}\n${r.err}`);
      }
      snaps.push(snapshot(d, p, r));
    }
  }, 150_000);

  it('plans each pass with the drain budget worked out from the report breakfix read and the drains still open', () => {
    for (let p = 1; p <= PASSES; p++) {
      const s = snaps[p]!;
      const prev = snaps[p - 1]!;
      expect(s.plan!.pass).toBe(p);
      expect(s.plan!.seed).toBe(SEED);
      expect(s.plan!.dry_run).toBe(false);
      expect(s.run!.out).toContain(`plan pass ${p}  seed ${SEED}\n`);
      // Exit 3 exactly when something was refused or a source failed (the healthcheck over a few broken hosts can).
      const failedSource = /^\S+ +failed /m.test(s.run!.out);
      expect(s.run!.code, s.run!.out).toBe(s.plan!.refusals.length > 0 || (s.apply?.refusals.length ?? 0) > 0 || failedSource ? 3 : 0);
      for (const c of d.clusters) {
        const R = s.reports.get(c)!;
        const { cap, archetype } = shippedCap(c, workers.get(c)!, 'drain');
        const healthy = R.missing === 0 && R.underReplicated <= MAX_UNDER_REPLICATED;
        const before = prev.open.filter((e) => e.op === 'drain' && e.cluster === c).map((e) => e.host);
        const closing = before.filter((h) => (R.decommissioned.has(h) || R.dead.has(h)) && healthy);
        const stillOpen = before.filter((h) => !closing.includes(h));
        for (const h of closing) expect(s.run!.out).toMatch(new RegExp(`^finished drain ${h.replace(/\./g, '\\.')} \\(decommissioned and replication healthy; applied \\d{4}-\\d\\d-\\d\\d pass \\d+\\)$`, 'm'));
        for (const h of stillOpen) expect(s.run!.out).not.toContain(`finished drain ${h} `);
        const busy = inCluster(s.inv, c, [...R.dead, ...R.decommissioning, ...stillOpen]);
        const row = s.plan!.budgets.find((b) => b.cluster === c && b.op === 'drain')!;
        const chosen = chosenOf(s, c, 'drain');
        expect(row, `pass ${p} ${c}`).toMatchObject({ archetype, workers: workers.get(c), cap, busy: busy.length, headroom: Math.max(0, cap - busy.length), chosen: chosen.length });
        expect(chosen.length).toBeLessThanOrEqual(row.headroom);
        expect(chosen).toEqual(byteSort(chosen));
        const file = path.join(planDir(d, p), `${c}.drain`);
        expect(fs.existsSync(file) ? groupLines(file) : []).toEqual(chosen);
        // Every chosen host is a broken worker in service, as breakfix's sources showed it, not busy, not hands-off.
        const racks = new Map<string, number>();
        for (const h of chosen) {
          const i = s.inv.get(h)!;
          expect(i).toMatchObject({ cluster: c, role: 'hadoop-worker', handsOff: false });
          expect(R.inService.has(h), `${h} in service in pass ${p}`).toBe(true);
          expect(!i.responsive || !i.puppetOk || ['UNHEALTHY', 'LOST'].includes(s.yarn.get(h) ?? ''), `${h} broken`).toBe(true);
          expect(busy).not.toContain(h);
          racks.set(i.rack, (racks.get(i.rack) ?? 0) + 1);
        }
        for (const n of racks.values()) expect(n).toBeLessThanOrEqual(MAX_PER_RACK);
      }
    }
  });

  it('never has more hosts dead, decommissioning or in open drains than the cap, nor drains in flight in two data groups', () => {
    let draining = 0;
    for (let p = 1; p <= PASSES; p++) {
      const s = snaps[p]!;
      for (const c of d.clusters) {
        const R = s.reports.get(c)!;
        const { cap } = shippedCap(c, workers.get(c)!, 'drain');
        const openDrains = s.open.filter((e) => e.op === 'drain' && e.cluster === c).map((e) => e.host);
        const out = inCluster(s.after, c, [...R.dead, ...R.decommissioning, ...openDrains]);
        expect(out.length, `pass ${p} ${c}: ${out.join(' ')}`).toBeLessThanOrEqual(cap);
        const inFlight = inCluster(s.after, c, [...R.decommissioning, ...openDrains]);
        const groups = new Set(inFlight.map((h) => s.after.get(h)!.datagroup));
        expect(groups.size, `pass ${p} ${c}: ${inFlight.join(' ')}`).toBeLessThanOrEqual(1);
        draining += openDrains.length;
      }
    }
    expect(draining).toBeGreaterThan(0);
  });

  it('applies the plan: drains into both exclude files and -refreshNodes, returns out of them; apply.json and open.json say so', () => {
    for (let p = 1; p <= PASSES; p++) {
      const s = snaps[p]!;
      const prev = snaps[p - 1]!;
      // apply.json: one outcome per planned cluster.op, every planned host acted on and ok.
      expect(byteSort(s.apply?.outcomes.map((o) => `${o.cluster}.${o.op}`) ?? [])).toEqual(byteSort(Object.keys(s.plan!.chosen)));
      for (const o of s.apply?.outcomes ?? []) expect(o, `pass ${p}`).toMatchObject({ planned: chosenOf(s, o.cluster, o.op), acted: chosenOf(s, o.cluster, o.op), ok: chosenOf(s, o.cluster, o.op), failed: [] });
      expect(s.apply?.refusals ?? []).toEqual([]);
      for (const c of d.clusters) {
        const drained = outcome(s, c, 'drain')?.ok ?? [];
        const returned = outcome(s, c, 'return')?.ok ?? [];
        if (drained.length > 0) expect(s.run!.out).toContain(`applied ${c}.drain: ${drained.length} ok\n`);
        const expected = byteSort(new Set([...prev.ex.get(c)!.hdfs, ...drained].filter((h) => !returned.includes(h))));
        expect(s.ex.get(c)!.hdfs, `pass ${p} ${c} dfs.exclude`).toEqual(expected);
        expect(s.ex.get(c)!.yarn, `pass ${p} ${c} yarn.exclude`).toEqual(expected);
        // -refreshNodes ran: the simulator changes state only when told to re-read the files.
        for (const h of drained) expect(shownHost(s.shown, h), `${h} after pass ${p}`).toMatchObject({ hdfsLive: true, hdfs: 'Decommission in progress', yarn: 'DECOMMISSIONING' });
        for (const h of returned) {
          expect(shownHost(s.shown, h), `${h} after pass ${p}`).toMatchObject({ hdfs: 'Normal' });
          expect(s.after.get(h)!.rekicked).toBe(false);
        }
      }
      // open.json: drains still open after the closes, plus those applied now; plans.<op> groups are the same hosts.
      for (const op of OPS) {
        const hosts = byteSort(new Set(s.open.filter((e) => e.op === op).map((e) => e.host)));
        expect(s.plansGroups.get(op), `pass ${p} plans.${op}`).toEqual(hosts);
      }
      const drainsOpen = byteSort(s.open.filter((e) => e.op === 'drain').map((e) => e.host));
      const kept = prev.open.filter((e) => e.op === 'drain' && !new RegExp(`^finished drain ${e.host.replace(/\./g, '\\.')} `, 'm').test(s.run!.out)).map((e) => e.host);
      const applied = d.clusters.flatMap((c) => outcome(s, c, 'drain')?.ok ?? []);
      expect(drainsOpen).toEqual(byteSort([...kept, ...applied]));
      for (const e of s.open.filter((x) => applied.includes(x.host) && x.op === 'drain')) expect(e.pass).toBe(p);
    }
  });

  it('follows each drained host: in progress for two reports, Decommissioned at the third, closed then; rekicked; returned; in service', () => {
    const drains: Array<{ host: string; cluster: string; at: number }> = [];
    for (let p = 1; p <= PASSES; p++) for (const c of d.clusters) for (const h of outcome(snaps[p]!, c, 'drain')?.ok ?? []) drains.push({ host: h, cluster: c, at: p });
    expect(drains.length).toBeGreaterThan(2);
    let complete = 0;
    for (const { host, cluster, at } of drains) {
      const status = (p: number) => snaps[p]!.reports.get(cluster)!;
      const isOpen = (p: number) => snaps[p]!.open.some((e) => e.op === 'drain' && e.host === host);
      expect(status(at).inService.has(host)).toBe(true);
      expect(isOpen(at)).toBe(true);
      for (let p = at + 1; p <= Math.min(at + 2, PASSES); p++) {
        expect(status(p).decommissioning.has(host), `${host} pass ${p}`).toBe(true);
        expect(status(p).status.get(host)).toBe('live Decommission in progress');
        expect(isOpen(p), `${host} still open at pass ${p}`).toBe(true);
      }
      if (at + 3 > PASSES) continue;
      expect(status(at + 3).status.get(host), `${host} pass ${at + 3}`).toBe('live Decommissioned');
      expect(status(at + 3).decommissioning.has(host)).toBe(false);
      expect(isOpen(at + 3), `${host} closed at pass ${at + 3}`).toBe(false);
      expect(snaps[at + 3]!.run!.out).toContain(`finished drain ${host} (decommissioned and replication healthy; applied `);
      // Rekicked: never before HDFS shows it decommissioned (invariant 1), the simulator then reimages it.
      const r = snaps.findIndex((s) => s.pass > at && (outcome(s, cluster, 'rekick')?.ok ?? []).includes(host));
      if (r < 0) continue;
      expect(r).toBeGreaterThanOrEqual(at + 3);
      expect(snaps[r]!.after.get(host)).toMatchObject({ rekicking: true, responsive: false });
      expect(shownHost(snaps[r]!.shown, host).rest).toMatch(/reimaging since tick/);
      if (r + 3 > PASSES) continue;
      // Away for two reports (dead to HDFS), back at the third: still excluded, so Decommissioned at once.
      for (let p = r + 1; p <= r + 2; p++) expect(status(p).status.get(host), `${host} pass ${p}`).toBe('dead Decommissioned');
      expect(status(r + 3).status.get(host), `${host} pass ${r + 3}`).toBe('live Decommissioned');
      const t = snaps.findIndex((s) => s.pass > at && (outcome(s, cluster, 'return')?.ok ?? []).includes(host));
      // Rekicked until returned (the return drops the mark); returned only once the sources show it back.
      if (t !== r + 3) expect(snaps[r + 3]!.after.get(host)).toMatchObject({ rekicking: false, rekicked: true, responsive: true, puppetOk: true });
      for (let p = at; p < (t < 0 ? PASSES + 1 : t); p++) expect(snaps[p]!.ex.get(cluster)!.hdfs, `${host} excluded after pass ${p}`).toContain(host);
      if (t < 0) continue;
      expect(t).toBeGreaterThanOrEqual(r + 3);
      expect(snaps[t]!.inv.get(host)).toMatchObject({ rekicked: true, rekicking: false });
      expect(snaps[t]!.ex.get(cluster)!.hdfs).not.toContain(host);
      expect(snaps[t]!.ex.get(cluster)!.yarn).not.toContain(host);
      if (t + 1 > PASSES) continue;
      expect(status(t + 1).inService.has(host), `${host} in service at pass ${t + 1}`).toBe(true);
      expect(snaps[t + 1]!.run!.out).toContain(`finished return ${host} (in service; applied `);
      expect(snaps[t + 1]!.open.some((e) => e.host === host)).toBe(false);
      complete++;
    }
    expect(complete, 'a host went through drain, rekick and return within the passes').toBeGreaterThan(0);
  });

  // 3. return: the host buildDemo staged (excluded, decommissioned, reimaged) comes out of the exclude files.
  it('returns the staged host: out of both exclude files, refreshed back to Normal, in service at the next report', () => {
    const staged = fq('dw1-dn042');
    const [s0, s1, s2] = [snaps[0]!, snaps[1]!, snaps[2]!];
    expect(s0.ex.get('dw1')).toEqual({ hdfs: [staged], yarn: [staged] });
    expect(shownHost(s0.shown, staged)).toMatchObject({ hdfsLive: true, hdfs: 'Decommissioned', yarn: 'DECOMMISSIONED' });
    expect(s0.after.get(staged)).toMatchObject({ rekicked: true, responsive: true, puppetOk: true });
    expect(s1.plan!.chosen['dw1.return']).toEqual([staged]);
    expect(outcome(s1, 'dw1', 'return')).toMatchObject({ ok: [staged], failed: [] });
    expect(s1.run!.out).toContain('applied dw1.return: 1 ok\n');
    expect(s1.ex.get('dw1')!.hdfs).not.toContain(staged);
    expect(s1.ex.get('dw1')!.yarn).not.toContain(staged);
    // Both refreshes ran: HDFS has it Normal again, YARN runs it, the rekicked mark is gone.
    expect(shownHost(s1.shown, staged)).toMatchObject({ hdfsLive: true, hdfs: 'Normal', yarn: 'RUNNING' });
    expect(s1.after.get(staged)!.rekicked).toBe(false);
    const execDir = path.join(dayDir(d), 'exec', '1', 'return', 'dw1');
    expect(fs.readFileSync(path.join(execDir, 'refresh-hdfs', `${fq('dw1-nn1')}.out`), 'utf8')).toContain('Refresh nodes successful for dw1-nn1');
    expect(groupLines(path.join(execDir, 'refresh-yarn', 'exec-ok'))).toEqual([fq('dw1-rm1')]);
    expect(s1.open.filter((e) => e.host === staged)).toMatchObject([{ op: 'return', cluster: 'dw1', pass: 1 }]);
    expect(s2.reports.get('dw1')!.inService.has(staged)).toBe(true);
    expect(s2.run!.out).toContain(`finished return ${staged} (in service; applied `);
    expect(s2.open.some((e) => e.host === staged)).toBe(false);
  });
});

// ---------------------------------------------------------------- 2. apply acts on a saved plan, on fresh state

describe('apply --pass N', () => {
  it('re-checks a saved plan on fresh state: refused ops write nothing, the rest is applied, once', () => {
    const d = demo('1');
    const dry = run(d, ['pass', '--seed', '5']);
    expect(dry.code, dry.out + dry.err).toBe(0);
    const pd = planDir(d, 1);
    const plan = readJson<PlanJson>(path.join(pd, 'plan.json'));
    expect(plan.dry_run).toBe(true);
    expect(fs.existsSync(path.join(pd, 'apply.json'))).toBe(false);
    expect(openEntries(d)).toEqual([]);
    const dw1Drains = plan.chosen['dw1.drain'] ?? [];
    const hbDrains = plan.chosen['hb-meta.drain'] ?? [];
    expect(dw1Drains.length).toBeGreaterThan(0);
    expect(hbDrains.length).toBe(1);
    const ex0 = new Map(d.clusters.map((c) => [c, excludes(d.simDir, c)]));
    // A dry run writes nothing to the exclude files.
    expect(ex0.get('dw1')).toEqual({ hdfs: [fq('dw1-dn042')], yarn: [fq('dw1-dn042')] });
    expect(ex0.get('hb-meta')).toEqual({ hdfs: [], yarn: [] });

    // The world changes between plan and apply: dw1 loses blocks; another hb-meta host dies (its cap is 1).
    sim(d, 'fault', 'missing-blocks', 'dw1', '5');
    const victim = byteSort([...inventory(d.simDir).values()].filter((r) => r.cluster === 'hb-meta' && r.role === 'hadoop-worker' && !hbDrains.includes(r.host)).map((r) => r.host))[0]!;
    sim(d, 'fault', 'kill', victim);
    // A host that breaks now is a candidate now, but apply never plans again.
    const fresh = byteSort([...inventory(d.simDir).values()].filter((r) => r.cluster === 'dw2' && r.role === 'hadoop-worker' && r.responsive && r.puppetOk).map((r) => r.host))[0]!;
    sim(d, 'fault', 'puppet-fail', fresh);

    const a = run(d, ['apply', '--pass', '1']);
    expect(a.code, a.out + a.err).toBe(3);
    expect(a.out).toContain('apply pass 1: pulling fresh state\n');
    const { reports } = pulled(d);
    expect(reports.get('dw1')!.missing).toBe(5);
    expect(reports.get('hb-meta')!.dead.has(victim)).toBe(true);
    const applied = readJson<ApplyJson>(path.join(pd, 'apply.json'));
    // Invariant 3 for dw1's drain and rekick (replicas at stake), invariant 5 for hb-meta's drain (1 dead + 1 > cap 1),
    // and 9: of hb-meta's 8 workers, 7 must stay in service, and with the new dead host the drain would leave 6.
    const refused = (c: string, op: string) => applied.refusals.filter((r) => r.cluster === c && r.op === op);
    expect(refused('dw1', 'drain')).toEqual([{ host: null, cluster: 'dw1', op: 'drain', invariant: 3, message: expect.stringContaining('dw1 has 5 missing block(s)') }]);
    if (plan.chosen['dw1.rekick']) expect(refused('dw1', 'rekick').map((r) => r.invariant)).toEqual([3]);
    expect(refused('hb-meta', 'drain').map((r) => r.invariant)).toEqual([5, 9]);
    expect(a.out).toMatch(/^refused on fresh state: invariant 3 dw1 drain: dw1 has 5 missing block\(s\)/m);
    expect(a.out).toMatch(/^refused on fresh state: invariant 5 hb-meta drain: /m);
    expect(applied.outcomes.find((o) => o.cluster === 'dw1' && o.op === 'drain')).toMatchObject({ planned: dw1Drains, acted: [], ok: [], error: 'every host refused on fresh state' });
    // Nothing of the refused drains reached an exclude file; dw1's return (no replicas at stake) went ahead.
    expect(excludes(d.simDir, 'hb-meta')).toEqual({ hdfs: [], yarn: [] });
    const dw1 = excludes(d.simDir, 'dw1');
    for (const h of dw1Drains) expect(dw1.hdfs).not.toContain(h);
    const returned = applied.outcomes.find((o) => o.cluster === 'dw1' && o.op === 'return')?.ok ?? [];
    expect(returned).toEqual(plan.chosen['dw1.return'] ?? []);
    expect(dw1).toEqual({ hdfs: ex0.get('dw1')!.hdfs.filter((h) => !returned.includes(h)), yarn: ex0.get('dw1')!.yarn.filter((h) => !returned.includes(h)) });
    // Only the saved plan: no new plan, no other host acted on or opened.
    expect(fs.readdirSync(path.join(dayDir(d), 'plans')).filter((n) => /^\d+$/.test(n))).toEqual(['1']);
    const planned = new Set(Object.values(plan.chosen).flat());
    for (const o of applied.outcomes) for (const h of o.acted) expect(planned.has(h)).toBe(true);
    expect(byteSort(applied.outcomes.map((o) => `${o.cluster}.${o.op}`))).toEqual(byteSort(Object.keys(plan.chosen)));
    for (const e of openEntries(d)) expect(planned.has(e.host), e.host).toBe(true);
    expect(openEntries(d).some((e) => e.host === fresh)).toBe(false);
    expect(openEntries(d).filter((e) => e.op === 'drain').map((e) => e.host)).toEqual([]);

    // A plan is applied once; an unknown pass is an error.
    const snapshot = JSON.stringify([fs.readFileSync(path.join(pd, 'apply.json'), 'utf8'), d.clusters.map((c) => excludes(d.simDir, c)), openEntries(d)]);
    const again = run(d, ['apply', '--pass', '1']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/pass 1 was applied at \S+; a plan is applied once: run a new pass/);
    const none = run(d, ['apply', '--pass', '99']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no plan for pass 99 today; passes: 1');
    expect(JSON.stringify([fs.readFileSync(path.join(pd, 'apply.json'), 'utf8'), d.clusters.map((c) => excludes(d.simDir, c)), openEntries(d)])).toBe(snapshot);
  }, 60_000);
});

describe('apply --pass N: hosts a rekick takes offline count against the drain budget on fresh state', () => {
  it('a host died since the plan: the drain still fits and is applied, the rekick would overfill the drain budget and is refused (invariant 5)', () => {
    const d = demo('1');
    // Two healthy dw1 workers drained to Decommissioned (still live): candidates for a reimage, not yet counted by
    // the drain (busy: hdfs-dead | hdfs-decommissioning | plans.drain) until the reimage makes them dead.
    const inv = inventory(d.simDir);
    const healthy = byteSort([...inv.values()].filter((r) => r.cluster === 'dw1' && r.role === 'hadoop-worker' && r.responsive && r.puppetOk && r.host !== fq('dw1-dn042')).map((r) => r.host));
    const staged = [healthy.at(-1)!, healthy.at(-11)!];
    const conf = confDir(d.simDir, 'dw1');
    for (const f of ['dfs.exclude', 'yarn.exclude']) fs.appendFileSync(path.join(conf, f), staged.map((h) => `${h}\n`).join(''));
    simOk('hdfs', ['--config', conf, 'dfsadmin', '-refreshNodes']);
    sim(d, 'tick', 'dw1', '-n', '3');

    const dry = run(d, ['pass', '--seed', '5']);
    expect(dry.code, dry.out + dry.err).toBe(0);
    const pd = planDir(d, 1);
    const plan = readJson<PlanJson>(path.join(pd, 'plan.json'));
    // The plan fits: the drain's cap holds what it counts, its new drains and the reimaged hosts that will be dead.
    const dead = pulled(d).reports.get('dw1')!.dead;
    const drainRow = plan.budgets.find((b) => b.cluster === 'dw1' && b.op === 'drain')!;
    const drains = plan.chosen['dw1.drain'] ?? [];
    const rekicks = plan.chosen['dw1.rekick'] ?? [];
    for (const h of staged) expect(rekicks).toContain(h);
    const goingDead = rekicks.filter((h) => !dead.has(h)).length;
    const left = drainRow.cap - drainRow.busy - drains.length;
    expect(goingDead).toBeGreaterThan(0);
    expect(goingDead).toBeLessThanOrEqual(left);

    // Hosts die between plan and apply, just enough that the drain still fits but the reimaged hosts no longer do.
    const kill = left - goingDead + 1;
    const planned = new Set(Object.values(plan.chosen).flat());
    const victims = byteSort([...inv.values()].filter((r) => r.cluster === 'dw1' && r.role === 'hadoop-worker' && !r.handsOff && !dead.has(r.host) && !planned.has(r.host) && !staged.includes(r.host)).map((r) => r.host)).slice(0, kill);
    for (const v of victims) sim(d, 'fault', 'kill', v);

    const a = run(d, ['apply', '--pass', '1']);
    expect(a.code, a.out + a.err).toBe(3);
    const applied = readJson<ApplyJson>(path.join(pd, 'apply.json'));
    const over = drainRow.busy + kill + drains.length + goingDead - drainRow.cap;
    expect(over).toBe(1);
    expect(applied.refusals.filter((r) => r.cluster === 'dw1' && r.op === 'rekick')).toEqual([
      {
        host: null,
        cluster: 'dw1',
        op: 'rekick',
        invariant: 5,
        message: `rekick in dw1 would exceed the drain budget by ${over} on fresh data: ${goingDead} host(s) it takes offline would be dead in HDFS, and drain counts dead hosts as busy (${drainRow.busy + kill} busy + ${drains.length} drain planned + ${goingDead} going dead > cap ${drainRow.cap}); plan again`,
      },
    ]);
    expect(a.out).toMatch(/^refused on fresh state: invariant 5 dw1 rekick: rekick in dw1 would exceed the drain budget by 1 on fresh data/m);
    // The drain fits and is applied; nothing of the rekick ran.
    expect(applied.refusals.filter((r) => r.cluster === 'dw1' && r.op === 'drain')).toEqual([]);
    expect(applied.outcomes.find((o) => o.cluster === 'dw1' && o.op === 'drain')).toMatchObject({ acted: drains, ok: drains });
    expect(applied.outcomes.find((o) => o.cluster === 'dw1' && o.op === 'rekick')).toMatchObject({ acted: [], ok: [], error: 'every host refused on fresh state' });
    for (const h of drains) expect(excludes(d.simDir, 'dw1').hdfs).toContain(h);
    for (const h of staged) expect(inventory(d.simDir).get(h)!.rekicking).toBe(false);
    expect(openEntries(d).filter((e) => e.op === 'rekick' && e.cluster === 'dw1')).toEqual([]);
    expect(openEntries(d).filter((e) => e.op === 'drain' && e.cluster === 'dw1').map((e) => e.host)).toEqual(drains);
    // Other clusters' reimages, which fit, went ahead.
    expect(applied.outcomes.find((o) => o.cluster === 'dw2' && o.op === 'rekick')).toMatchObject({ ok: plan.chosen['dw2.rekick'] ?? [] });
  }, 60_000);
});

// ---------------------------------------------------------------- 4. a source that hangs

/** Command lines of running processes that mention `text`. */
function processesWith(text: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(text)) out.push(`${pid}: ${cmd}`);
    } catch {
      // gone already
    }
  }
  return out;
}

describe('a hanging hdfs source', () => {
  it('fails its pass (exit 3, invariant 6, exclude files untouched); the next pass recovers', () => {
    const d = demo('1');
    editConfig(d.config, (doc) => doc.setIn(['datacenters', 'demo', 'sources', 'hdfs-dw1', 'timeout'], '2s'));
    const first = run(d, ['pass', '--apply', '--seed', '3']);
    expect([0, 3]).toContain(first.code);
    const ex1 = excludes(d.simDir, 'dw1');
    const tick1 = show(d.simDir).ticks.get('dw1')!;

    sim(d, 'fault', 'hang', 'hdfs', 'dw1');
    const started = Date.now();
    const hung = run(d, ['pass', '--apply', '--seed', '3']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(hung.code, hung.out + hung.err).toBe(3);
    expect(hung.out).toMatch(/^hdfs-dw1 +failed .*timed out after 2s/m);
    const plan = readJson<PlanJson>(path.join(planDir(d, 2), 'plan.json'));
    for (const op of OPS) {
      const r = plan.refusals.filter((x) => x.cluster === 'dw1' && x.op === op);
      expect(r.length, `${op}: ${JSON.stringify(plan.refusals)}`).toBeGreaterThan(0);
      expect(r.every((x) => x.invariant === 6 && x.host === null && x.message.includes('source hdfs-dw1 failed this pass'))).toBe(true);
      expect(plan.chosen[`dw1.${op}`]).toBeUndefined();
    }
    expect(hung.out).toMatch(/^refused invariant 6 dw1 drain: source hdfs-dw1 failed this pass/m);
    // Only dw1 reads what hdfs-dw1 reports: the other clusters go on.
    expect(plan.refusals.filter((x) => x.cluster !== 'dw1' && x.invariant === 6)).toEqual([]);
    expect(excludes(d.simDir, 'dw1')).toEqual(ex1);
    expect((fs.existsSync(path.join(planDir(d, 2), 'apply.json')) ? readJson<ApplyJson>(path.join(planDir(d, 2), 'apply.json')).outcomes : []).filter((o) => o.cluster === 'dw1')).toEqual([]);
    // The pass moved dw1's clock all the same (its YARN list and the inventory read the tick the
    // pass's first read moved it to), and the hung process is gone.
    expect(show(d.simDir).ticks.get('dw1')).toBe(tick1 + 1);
    expect(processesWith(confDir(d.simDir, 'dw1'))).toEqual([]);

    const next = run(d, ['pass', '--apply', '--seed', '3']);
    // The one-screen summary counts the sources that went well and names only the others.
    expect(next.out).toMatch(/^\d+ source\(s\) ok in [\d.]+ s \(slowest \S+ [\d.]+ s\)$/m);
    expect(next.out).not.toMatch(/^hdfs-dw1 +failed/m);
    expect(readJson<PlanJson>(path.join(planDir(d, 3), 'plan.json')).refusals.filter((r) => r.cluster === 'dw1')).toEqual([]);
    expect(show(d.simDir).ticks.get('dw1')).toBe(tick1 + 2);
  }, 60_000);
});

// ---------------------------------------------------------------- 7. Kerberos

describe('kerberos', () => {
  it('runs kinit -kt KEYTAB PRINCIPAL before each refresh of a drain', () => {
    const d = demo('1');
    const bin = path.join(d.dir, 'fakebin');
    const log = path.join(d.dir, 'calls.log');
    const keytab = path.join(d.dir, 'breakfix.keytab');
    fs.writeFileSync(keytab, 'not a real keytab\n');
    fs.mkdirSync(bin);
    // kinit records its argv and its parent, the shell that runs the Hadoop command after it.
    fs.writeFileSync(path.join(bin, 'kinit'), `#!/bin/sh\nline="$PPID kinit"\nfor a in "$@"; do line="$line $a"; done\necho "$line" >> ${JSON.stringify(log)}\n`, { mode: 0o755 });
    // The Hadoop commands record themselves too, with their process id: the same as kinit's parent when that shell exec'd them.
    const recorder = (tool: string, c: string) => ['sh', '-c', `echo "$$ ${tool} $*" >> ${JSON.stringify(log)}; exec ${JSON.stringify(path.join(SIM_BIN, tool))} "$@"`, 'sh', '--config', confDir(d.simDir, c)];
    editConfig(d.config, (doc) => {
      doc.setIn(['datacenters', 'demo', 'kerberos'], doc.createNode({ keytab, principal: 'hdfs/admin@DEMO.EXAMPLE.COM' }));
      for (const c of d.clusters) {
        doc.setIn(['datacenters', 'demo', 'clusters', c, 'hdfs_command'], doc.createNode(recorder('hdfs', c), { flow: true }));
        doc.setIn(['datacenters', 'demo', 'clusters', c, 'yarn_command'], doc.createNode(recorder('yarn', c), { flow: true }));
      }
    });
    const r = run(d, ['pass', '--apply', '--seed', '5', '--op', 'drain'], { PATH: `${bin}:${process.env['PATH']}` });
    expect([0, 3]).toContain(r.code);
    const plan = readJson<PlanJson>(path.join(planDir(d, 1), 'plan.json'));
    const drained = Object.keys(plan.chosen).map((k) => k.replace(/\.drain$/, ''));
    expect(drained.length).toBeGreaterThan(0);
    const calls = fs
      .readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => ({ pid: l.slice(0, l.indexOf(' ')), what: l.slice(l.indexOf(' ') + 1) }));
    const kinit = `kinit -kt ${keytab} hdfs/admin@DEMO.EXAMPLE.COM`;
    // Per drained cluster: each NameNode's refresh and the ResourceManager's.
    const refreshes = calls.filter((l) => !l.what.startsWith('kinit'));
    expect(byteSort(refreshes.map((l) => l.what))).toEqual(
      byteSort(drained.flatMap((c) => [`hdfs --config ${confDir(d.simDir, c)} dfsadmin -refreshNodes`, `hdfs --config ${confDir(d.simDir, c)} dfsadmin -refreshNodes`, `yarn --config ${confDir(d.simDir, c)} rmadmin -refreshNodes -g 600 -client`])),
    );
    // Each one after a kinit with the keytab and principal, run by the same shell just before.
    for (const [i, l] of calls.entries()) {
      if (l.what.startsWith('kinit')) continue;
      expect(calls.slice(0, i).filter((k) => k.pid === l.pid).map((k) => k.what), `before "${l.what}"`).toEqual([kinit]);
    }
    expect(calls.filter((l) => l.what.startsWith('kinit')).every((l) => l.what === kinit)).toBe(true);
    expect(calls.length).toBe(2 * refreshes.length);
    // The refreshes went through: the drained hosts are decommissioning.
    const shown = show(d.simDir);
    for (const h of Object.values(plan.chosen).flat()) expect(shownHost(shown, h).hdfs).toBe('Decommission in progress');
  }, 60_000);
});


// ---------------------------------------------------------------- 6. breakfix demo, and continuing it

/** bin/breakfix with a deadline: a demo that hangs fails the test instead of stalling it. */
function bounded(args: string[], cwd: string, ms: number): Result & { ms: number } {
  const t0 = Date.now();
  const r = spawnSync(BIN, args, { cwd, env: cleanEnv(), timeout: ms, maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), ms: Date.now() - t0 };
}

describe('breakfix demo', () => {
  it('drains, rekicks, reboots (through HDFS maintenance and directly) and returns in five passes, writes a config that loop continues, and refuses to start over', () => {
    const cwd = tmp('breakfix-demo-');
    const dir = path.join(cwd, 'dc');
    const r = bounded(['demo', '--home', dir], cwd, 60_000);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.ms).toBeLessThan(60_000);
    for (let p = 1; p <= 5; p++) expect(r.out).toMatch(new RegExp(`^=== pass ${p} demo .* apply \\(loop pass ${p} of 5\\) ===$`, 'm'));
    expect(r.out).not.toContain('=== pass 6');
    // dw1's NameNodes read a combined hosts file: its reboots go through HDFS maintenance, every step in its own pass.
    expect(r.out).toMatch(/^applied dw1\.reboot: [1-9]\d* host\(s\) entering HDFS maintenance until \S+; reboot runs once HDFS reports them In maintenance: dw1-\S+/m);
    expect(r.out).toMatch(/^waiting reboot dw1-\S+: entering HDFS maintenance/m);
    expect(r.out).toMatch(/^ran reboot dw1-\S+ \(In maintenance\)$/m);
    expect(r.out).toMatch(/^finished reboot dw1-\S+ \(reboot done and the host is back: out of HDFS maintenance; applied /m);
    // dw2 has none: its reboot runs at once.
    expect(r.out).toMatch(/^applied dw2\.reboot: 1 ok$/m);
    expect(r.out).toMatch(/^finished reboot dw2-\S+ \(answering again; applied /m);
    const hostsJson = JSON.parse(fs.readFileSync(path.join(dir, 'sim', 'clusters', 'dw1', 'conf', 'dfs.hosts.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(hostsJson.filter((e) => e.adminState === 'IN_MAINTENANCE')).toEqual([]);
    expect(r.out).toMatch(/^applied [a-z0-9-]+\.drain: [1-9]\d* ok$/m);
    expect(r.out).toMatch(/^applied [a-z0-9-]+\.rekick: [1-9]\d* ok$/m);
    expect(r.out).toMatch(/^applied [a-z0-9-]+\.return: [1-9]\d* ok$/m);
    expect(r.out).toMatch(/^finished drain [a-z0-9.-]+ \(decommissioned and replication healthy; applied /m);
    expect(r.out).toMatch(/^finished return dw1-dn042\.demo\.example\.com \(in service; applied /m);
    const config = path.join(dir, 'breakfix.yaml');
    const cfg = parseYaml(fs.readFileSync(config, 'utf8')) as { home: string; datacenters: Record<string, { clusters: Record<string, unknown> }> };
    expect(Object.keys(cfg.datacenters)).toEqual(['demo']);
    expect(Object.keys(cfg.datacenters['demo']!.clusters).sort()).toEqual(['dev1', 'dw1', 'dw2', 'hb-meta']);
    const dcDir = path.join(dir, 'home', 'demo');
    const plans = () => fs.readdirSync(path.join(fs.realpathSync(path.join(dcDir, 'today')), 'plans')).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    expect(plans()).toEqual([1, 2, 3, 4, 5]);
    expect(fs.existsSync(path.join(dcDir, 'loop.lock'))).toBe(false);
    // What the demo drained is in the simulator's exclude files, or DECOMMISSIONED in dw1's combined hosts file.
    const drainedNow = readJson<OpenJson>(path.join(dcDir, 'open.json')).entries.filter((e) => e.op === 'drain');
    expect(drainedNow.length).toBeGreaterThan(0);
    for (const e of drainedNow) {
      if (e.cluster === 'dw1') expect(hostsJson.find((x) => x.hostName === e.host)?.adminState).toBe('DECOMMISSIONED');
      else expect(excludes(path.join(dir, 'sim'), e.cluster).hdfs).toContain(e.host);
    }

    const more = bounded(['--config', config, '--dc', 'demo', 'loop', '--apply', '--max-passes', '1', '--every', '1s'], cwd, 60_000);
    expect([0, 3], more.out + more.err).toContain(more.code);
    expect(more.out).toMatch(/^=== pass 6 demo .* apply/m);
    expect(more.out).toContain('plan pass 6  seed ');
    expect(plans()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readJson<PlanJson>(path.join(fs.realpathSync(path.join(dcDir, 'today')), 'plans', '6', 'plan.json')).dry_run).toBe(false);
    expect(fs.existsSync(path.join(dcDir, 'loop.lock'))).toBe(false);

    const simState = fs.readFileSync(path.join(dir, 'sim', 'clusters', 'dw1', 'state.json'), 'utf8');
    const again = bounded(['demo', '--home', dir], cwd, 30_000);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already holds a demo; continue it with: breakfix --config ');
    expect(again.err).toMatch(/breakfix\.yaml --dc demo loop --apply/);
    expect(plans()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fs.readFileSync(path.join(dir, 'sim', 'clusters', 'dw1', 'state.json'), 'utf8')).toBe(simState);
  }, 90_000);
});
