// `breakfix pass` end to end over a simulated datacenter (test/support/fleet.ts):
// the real bin/breakfix pulls the files, derives the shipped recipes and plans.
// Every budget row, plan file and refusal is checked against what this file
// works out from the generated hosts, the recipes and the cap formula.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ROOT, tempDirs } from '../support/cli.js';
import { NAMENODE_AS_WORKER, NO_DATAGROUP, simulateDatacenter, writeDatacenter, type SimDatacenter, type SimHost } from '../support/fleet.js';

const tmp = tempDirs();

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** bin/breakfix, without waiting for it: independent runs go side by side. */
function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}

// ---------------------------------------------------------------- the shipped policy, as DESIGN §5 and policy/policy.yaml state it

type Op = 'drain' | 'rekick' | 'reboot' | 'return';
const OPS: Op[] = ['drain', 'rekick', 'reboot', 'return'];
/** [pct, floor, ceiling] */
const LIMITS: Record<string, Record<Op, [number, number, number]>> = {
  default: { drain: [6, 1, 200], rekick: [6, 1, 200], reboot: [10, 1, 300], return: [10, 1, 500] },
  small: { drain: [5, 1, 2], rekick: [5, 1, 2], reboot: [5, 1, 2], return: [10, 1, 5] },
};
const RULES: Array<{ index: number; match: (cluster: string, n: number) => boolean; archetype: string; max: Partial<Record<Op, number>>; reason: string }> = [
  { index: 1, match: (c) => c === 'hb-meta', archetype: 'small', max: { drain: 1, rekick: 1 }, reason: 'small but production critical' },
  { index: 2, match: (_c, n) => n < 50, archetype: 'small', max: {}, reason: 'dev clusters; coarse alerting' },
  // rule 3 reads clusters.tsv, which the simulated datacenter does not have
  { index: 4, match: () => true, archetype: 'default', max: {}, reason: 'everything else' },
];
const MAX_PER_RACK = 2;
const MAX_DATAGROUPS = 1;
const MAX_UNDER_REPLICATED = 1000;
// The rules across ops, with the shipped numbers.
const MAX_DOWN_DATAGROUPS = 2;
const MIN_IN_SERVICE_PCT = 90;
const MAX_CANDIDATES_PCT = 20;
const TAKES_OUT: ReadonlySet<Op> = new Set(['drain', 'reboot']);
const floorOf = (n: number) => (n <= 0 ? 0 : Math.max(0, Math.min(n - 1, Math.ceil((MIN_IN_SERVICE_PCT * n) / 100))));
const HEAD_ROLE = /namenode|resourcemanager|journalnode|zookeeper|head/i;

const byteSort = (xs: Iterable<string>) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

// ---------------------------------------------------------------- the model

interface Scenario {
  dc: SimDatacenter;
  /** The custom policy: candidate-rekick also takes live workers that stopped answering. */
  liveRekick?: boolean;
  /** Clusters whose yarn source never pulled: their hosts are in no yarn group. */
  noYarn?: ReadonlySet<string>;
  /** op → the failed source it reads: refused with invariant 6 in every cluster. */
  failed?: ReadonlyMap<Op, string>;
}

/** What the shipped recipes make of a host, evaluated by hand. */
function truth(h: SimHost, s: Scenario) {
  const worker = h.role === 'hadoop-worker' && (h.lifecycle === 'active' || h.lifecycle === 'repair');
  const live = ['in-service', 'decommissioning', 'decommissioned', 'entering-maintenance', 'in-maintenance'].includes(h.hdfs);
  const dead = h.hdfs === 'dead' || h.hdfs === 'dead-decommissioned';
  const decommissioned = h.hdfs === 'decommissioned' || h.hdfs === 'dead-decommissioned';
  const decommissioning = h.hdfs === 'decommissioning';
  const inService = h.hdfs === 'in-service';
  const yarn = s.noYarn?.has(h.cluster) ? null : h.yarn;
  const f = h.flags;
  const excluded = f.hadoop_exclude;
  const broken = worker && inService && (!f.responsive || !f.puppet_ok || yarn === 'UNHEALTHY' || yarn === 'LOST');
  let rekick = worker && (decommissioned || dead) && !excluded && !f['rekick-in-progress'] && !f.rekicked;
  if (s.liveRekick) rekick ||= worker && live && !f.responsive;
  return {
    worker,
    live,
    decommissioned,
    candidate: {
      drain: broken && !excluded,
      rekick,
      reboot: worker && inService && f.responsive && !f.puppet_ok && !excluded,
      return: worker && decommissioned && f.rekicked && f.responsive && f.puppet_ok && !excluded && !f['rekick-in-progress'],
    } as Record<Op, boolean>,
    busy: { drain: dead || decommissioning, rekick: f['rekick-in-progress'], reboot: false, return: false } as Record<Op, boolean>,
    inFlight: { drain: decommissioning, rekick: false, reboot: false, return: false } as Record<Op, boolean>,
  };
}

interface PlanJson {
  pass: number;
  time: string;
  seed: string;
  dry_run: boolean;
  budgets: Array<Record<string, unknown>>;
  refusals: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
}

function readPlan(planDir: string): { json: PlanJson; files: Map<string, string> } {
  const json = JSON.parse(fs.readFileSync(path.join(planDir, 'plan.json'), 'utf8')) as PlanJson;
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(planDir)) if (!f.startsWith('.') && f !== 'plan.json' && f !== 'inputs.json') files.set(f, fs.readFileSync(path.join(planDir, f), 'utf8'));
  // Every pass records what it read beside its plan (history.keep defaults to 30d).
  const inputs = JSON.parse(fs.readFileSync(path.join(planDir, 'inputs.json'), 'utf8')) as { pass: number; seed: string };
  expect([inputs.pass, inputs.seed]).toEqual([json.pass, json.seed]);
  return { json, files };
}

/**
 * Checks a saved plan against the model: every budget row, every plan file,
 * every refusal. Returns the refusals it expected, for the callers' own checks.
 */
function checkPlan(planDir: string, s: Scenario): { refusals: string[]; chosen: number } {
  const { json, files } = readPlan(planDir);
  const dc = s.dc;
  const heads = new Set<string>([...dc.clusters.flatMap((c) => [...c.namenodes, ...c.resourcemanagers]), ...dc.hosts.filter((h) => HEAD_ROLE.test(h.role)).map((h) => h.host)]);
  const rows: Array<Record<string, unknown>> = [];
  const refusals: string[] = [];
  const hostBreaks = new Map<string, Set<number>>();
  const expectedFiles = new Set<string>();
  let total = 0;

  for (const cluster of byteSort(dc.clusters.map((c) => c.name))) {
    const spec = dc.clusters.find((c) => c.name === cluster)!;
    const hosts = dc.hosts.filter((h) => h.cluster === cluster);
    const T = new Map(hosts.map((h) => [h.host, truth(h, s)]));
    const n = hosts.filter((h) => T.get(h.host)!.worker).length;
    const rule = RULES.find((r) => r.match(cluster, n))!;
    const taken = new Set<string>();
    const isInService = (h: SimHost) => T.get(h.host)!.worker && h.hdfs === 'in-service';
    let outLeft = hosts.filter(isInService).length - floorOf(n);
    // Data groups down (dead, in maintenance) or draining: what the reboots' data-group rule counts.
    const down = new Set(
      hosts.filter((h) => ['dead', 'dead-decommissioned', 'entering-maintenance', 'in-maintenance'].includes(h.hdfs) || T.get(h.host)!.inFlight.drain).map((h) => h.datagroup),
    );
    // A rekick makes its host dead in HDFS, and drains count dead hosts as busy: the hosts a rekick
    // takes that the drain does not count yet come out of what the drain's own choice left.
    let drainLeft = Infinity;
    for (const op of OPS) {
      const [pct, floor, ceiling] = LIMITS[rule.archetype]![op];
      const cap = rule.max[op] ?? Math.min(ceiling, Math.max(floor, Math.floor((pct * n) / 100)));
      const busy = hosts.filter((h) => T.get(h.host)!.busy[op]).length;
      const headroom = Math.max(0, cap - busy);
      if (op === 'drain') drainLeft = headroom;
      const drawsOnDrain = (h: SimHost) => op === 'rekick' && !T.get(h.host)!.busy.drain;
      const candidates = hosts.filter((h) => T.get(h.host)!.candidate[op] && !T.get(h.host)!.busy[op] && !taken.has(h.host));
      const name = `${cluster}.${op}`;
      const chosen = files.has(name) ? files.get(name)!.split('\n').slice(0, -1) : [];
      rows.push({ cluster, op, archetype: rule.archetype, workers: n, cap, busy, headroom, candidates: candidates.length, chosen: chosen.length });

      const before = refusals.length;
      // A per-cluster source (hdfs-dw1, yarn-dw1) speaks for its own cluster only.
      const failedSource = s.failed?.get(op);
      if (failedSource && (!/-(dw\d+|hb-meta|dev\d+)$/.test(failedSource) || failedSource.endsWith(`-${cluster}`))) refusals.push(`${cluster} ${op} - 6`);
      if ((op === 'drain' || op === 'rekick' || op === 'reboot') && (spec.missingBlocks > 0 || spec.underReplicated > MAX_UNDER_REPLICATED)) refusals.push(`${cluster} ${op} - 3`);
      const inFlight = new Set(hosts.filter((h) => T.get(h.host)!.inFlight[op]).map((h) => h.datagroup));
      if (op === 'drain' && inFlight.size > MAX_DATAGROUPS) refusals.push(`${cluster} ${op} - 4`);
      if (op === 'reboot' && down.size > MAX_DOWN_DATAGROUPS) refusals.push(`${cluster} ${op} - 4`);
      if (candidates.length > 1 && candidates.length * 100 > MAX_CANDIDATES_PCT * n) refusals.push(`${cluster} ${op} - 10`);
      if (refusals.length > before || headroom === 0 || candidates.length === 0) {
        expect(chosen, name).toEqual([]);
        continue;
      }
      const cleared: SimHost[] = [];
      for (const h of candidates) {
        const breaks = new Set<number>();
        if (heads.has(h.host)) breaks.add(2);
        if (op === 'rekick' && T.get(h.host)!.live && !T.get(h.host)!.decommissioned) breaks.add(1);
        if ((op === 'drain' || op === 'reboot') && h.datagroup === '') breaks.add(4);
        if (breaks.size > 0) hostBreaks.set(`${cluster} ${op} ${h.host}`, breaks);
        else cleared.push(h);
      }

      // The plan file: sorted, of this cluster's cleared candidates, within every limit, maximal.
      if (chosen.length > 0) expectedFiles.add(name);
      expect(files.get(name) ?? '', `${name} is a group`).toBe(chosen.map((h) => `${h}\n`).join(''));
      expect(chosen, `${name} sorted`).toEqual(byteSort(new Set(chosen)));
      const byHost = new Map(cleared.map((h) => [h.host, h]));
      for (const h of chosen) {
        expect(byHost.has(h), `${name}: ${h} is a cleared candidate of ${cluster}`).toBe(true);
        taken.add(h);
      }
      expect(chosen.length).toBeLessThanOrEqual(headroom);
      const perRack = new Map<string, number>();
      for (const h of chosen) perRack.set(byHost.get(h)!.rack, (perRack.get(byHost.get(h)!.rack) ?? 0) + 1);
      for (const k of perRack.values()) expect(k).toBeLessThanOrEqual(MAX_PER_RACK);
      const groups = new Set(inFlight);
      if (op === 'drain') {
        for (const h of chosen) groups.add(byHost.get(h)!.datagroup);
        expect(groups.size, `${name} data groups`).toBeLessThanOrEqual(MAX_DATAGROUPS);
      }
      if (op === 'reboot') {
        for (const h of chosen) down.add(byHost.get(h)!.datagroup);
        expect(down.size, `${name} data groups down`).toBeLessThanOrEqual(MAX_DOWN_DATAGROUPS);
      }
      if (op === 'drain') drainLeft -= chosen.length;
      const fromDrain = chosen.filter((h) => drawsOnDrain(byHost.get(h)!)).length;
      if (fromDrain > 0) expect(fromDrain, `${name}: hosts going dead within the drain's headroom`).toBeLessThanOrEqual(drainLeft);
      if (TAKES_OUT.has(op)) {
        const out = chosen.filter((h) => isInService(byHost.get(h)!)).length;
        outLeft -= out;
        if (out > 0) expect(outLeft, `${name} in-service floor`).toBeGreaterThanOrEqual(0);
      }
      for (const h of cleared) {
        if (chosen.includes(h.host)) continue;
        const blocked =
          chosen.length >= headroom ||
          (perRack.get(h.rack) ?? 0) >= MAX_PER_RACK ||
          (op === 'drain' && !groups.has(h.datagroup) && groups.size >= MAX_DATAGROUPS) ||
          (op === 'reboot' && !down.has(h.datagroup) && down.size >= MAX_DOWN_DATAGROUPS) ||
          (TAKES_OUT.has(op) && isInService(h) && outLeft <= 0) ||
          (drawsOnDrain(h) && fromDrain >= drainLeft);
        expect(blocked, `${name}: ${h.host} could have been added`).toBe(true);
      }
      if (op === 'drain') for (const h of chosen) down.add(byHost.get(h)!.datagroup);
      total += chosen.length;
    }
  }

  // plan.json: the pinned keys, every budget row, every refusal.
  for (const k of ['pass', 'time', 'seed', 'dry_run', 'budgets', 'refusals']) expect(json).toHaveProperty(k);
  expect(json.dry_run).toBe(true);
  expect(Number.isNaN(Date.parse(json.time))).toBe(false);
  const pinned = ['cluster', 'op', 'archetype', 'reason', 'workers', 'cap', 'busy', 'headroom', 'candidates', 'chosen'];
  for (const b of json.budgets) for (const k of pinned) expect(b).toHaveProperty(k);
  expect(json.budgets.map((b) => ({ cluster: b.cluster, op: b.op, archetype: b.archetype, workers: b.workers, cap: b.cap, busy: b.busy, headroom: b.headroom, candidates: b.candidates, chosen: b.chosen }))).toEqual(rows);
  for (const b of json.budgets) {
    const n = rows.find((r) => r.cluster === b.cluster)!.workers as number;
    expect(b.reason as string).toContain(RULES.find((r) => r.match(b.cluster as string, n))!.reason);
  }
  for (const r of json.refusals) {
    expect(Object.keys(r).sort()).toEqual(['cluster', 'host', 'invariant', 'message', 'op']);
    expect(r.message.length).toBeGreaterThan(0);
  }
  expect(byteSort(json.refusals.filter((r) => r.host === null).map((r) => `${r.cluster} ${r.op} - ${r.invariant}`))).toEqual(byteSort(refusals));
  const hostLevel = json.refusals.filter((r) => r.host !== null);
  expect(byteSort(hostLevel.map((r) => `${r.cluster} ${r.op} ${r.host}`))).toEqual(byteSort(hostBreaks.keys()));
  for (const r of hostLevel) expect([...hostBreaks.get(`${r.cluster} ${r.op} ${r.host}`)!]).toContain(r.invariant);
  for (const r of json.refusals.filter((x) => x.invariant === 6)) expect(r.message).toContain(s.failed!.get(r.op as Op)!);

  // No other plan files.
  expect(byteSort(files.keys())).toEqual(byteSort(expectedFiles));
  return { refusals: [...refusals, ...hostLevel.map((r) => `${r.cluster} ${r.op} ${r.host} ${r.invariant}`)], chosen: total };
}

// ---------------------------------------------------------------- the runs

const DC = simulateDatacenter('7');
const QUIET = simulateDatacenter('7', { clusters: ['dev1', 'hb-meta'] });

/** A directory with the datacenter's files and config; its day directory once a pass ran. */
function home(dc: SimDatacenter, opts: Parameters<typeof writeDatacenter>[2] = {}) {
  const dir = tmp('breakfix-pass-');
  const config = writeDatacenter(dir, dc, opts);
  return { dir, config, day: path.join(dir, 'home', 'dc1', 'today'), plan: (n: number) => path.join(dir, 'home', 'dc1', 'today', 'plans', String(n)) };
}

/** A copy of the shipped policy with some of its text replaced. */
function policyCopy(edits: Array<[string | RegExp, string]>, file: 'groups.yaml' | 'policy.yaml'): string {
  const dir = tmp('breakfix-policy-');
  for (const f of ['policy.yaml', 'groups.yaml']) fs.copyFileSync(path.join(ROOT, 'policy', f), path.join(dir, f));
  let text = fs.readFileSync(path.join(dir, file), 'utf8');
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`test bug: ${String(from)} not in the shipped ${file}`);
    text = next;
  }
  fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

const A = home(DC); // the main pass
const B = home(DC); // the same seed in a fresh home
const C = home(DC); // no seed
const D = home(DC); // a policy whose candidate-rekick holds live DataNodes
const E = home(DC, { broken: ['yarn-dw1'] }); // a source failing at the first pass of the day
const F = home(DC); // a source failing at the second pass
const G = home(QUIET); // nothing to refuse
const H = home(DC, { looseHeadNames: true }); // NameNodes written short or in upper case in the config
const LIVE_REKICK = policyCopy([[/^candidate-rekick: (.*)$/m, 'candidate-rekick: $1 | (hadoop-workers & hdfs-live - responsive)']], 'groups.yaml');
const CYCLE = policyCopy([[/^hands-off: hadoop_exclude$/m, 'hands-off: hadoop_exclude | loop-b\nloop-a: hands-off & all\nloop-b: loop-a - responsive']], 'groups.yaml');
const NO_CATCH_ALL = policyCopy([[/^  - \{ archetype: default, reason: "everything else" \}\n/m, '']], 'policy.yaml');

const R: Record<string, Run> = {};

beforeAll(async () => {
  const pass = (h: { dir: string; config: string }, ...more: string[]) => run(['--config', h.config, 'pass', ...more], h.dir);
  const [a, b, c, d, e, f1, g, h] = await Promise.all([
    pass(A, '--seed', '42', '--verbose'),
    pass(B, '--seed', '42'),
    pass(C),
    run(['--config', D.config, '--policy', LIVE_REKICK, 'pass', '--seed', '42'], D.dir),
    pass(E, '--seed', '42'),
    pass(F, '--seed', '42'),
    pass(G, '--seed', '42'),
    pass(H, '--seed', '42'),
  ]);
  Object.assign(R, { a, b, c, d, e, f1, g, h });
  // F: the dw1 report comes back cut in half at the next pass.
  writeDatacenter(F.dir, DC, { broken: ['hdfs-dw1'] });
  const cmd = (...args: string[]) => run(['--config', A.config, ...args], A.dir);
  const [f2, explainDw1, explainHb, explainAll, check, checkCycle, checkCatchAll] = await Promise.all([
    pass(F, '--seed', '42'),
    cmd('policy', 'explain', 'dw1'),
    cmd('policy', 'explain', 'hb-meta'),
    cmd('policy', 'explain', '--json'),
    cmd('policy', 'check'),
    cmd('--policy', CYCLE, 'policy', 'check'),
    cmd('--policy', NO_CATCH_ALL, 'policy', 'check'),
  ]);
  Object.assign(R, { f2, explainDw1, explainHb, explainAll, check, checkCycle, checkCatchAll });
}, 120_000);

const show = (r: Run) => `exit ${r.code}\n${r.out}\n${r.err}`;

describe('breakfix pass --seed 42 over the simulated datacenter', () => {
  it('exits 3: something was refused', () => {
    expect(R.a!.code, show(R.a!)).toBe(3);
    expect(R.a!.err).toBe('');
  });

  it('every budget row, plan file and refusal is what the policy makes of the data', () => {
    const { refusals, chosen } = checkPlan(A.plan(1), { dc: DC });
    expect(chosen).toBeGreaterThan(20);
    // the scenarios the datacenter was built for are all there
    expect(refusals).toEqual(
      expect.arrayContaining([
        'dw3 drain - 3',
        'dw3 rekick - 3',
        'dw4 drain - 4',
        `dw1 drain ${NAMENODE_AS_WORKER} 2`,
        `dw1 drain ${NO_DATAGROUP} 4`,
        // across ops: dead and draining hosts of dw1 already span three data groups; dw3 is missing blocks
        'dw1 reboot - 4',
        'dw3 reboot - 3',
      ]),
    );
    expect(refusals).toHaveLength(7);
  });

  it('the pulled and derived groups are the datacenter as generated', () => {
    const group = (name: string) => fs.readFileSync(path.join(A.day, name), 'utf8');
    const of = (pred: (h: SimHost) => boolean) => byteSort(DC.hosts.filter(pred).map((h) => h.host)).map((h) => `${h}\n`).join('');
    const t = (h: SimHost) => truth(h, { dc: DC });
    expect(group('all')).toBe(of(() => true));
    expect(group('hdfs-in-service')).toBe(of((h) => h.hdfs === 'in-service'));
    expect(group('hdfs-dead')).toBe(of((h) => h.hdfs === 'dead' || h.hdfs === 'dead-decommissioned'));
    expect(group('hdfs-decommissioning')).toBe(of((h) => h.hdfs === 'decommissioning'));
    expect(group('hdfs-maintenance')).toBe(of((h) => h.hdfs === 'entering-maintenance' || h.hdfs === 'in-maintenance'));
    expect(group('yarn-unhealthy')).toBe(of((h) => h.yarn === 'UNHEALTHY'));
    expect(group('rekick-in-progress')).toBe(of((h) => h.flags['rekick-in-progress']));
    expect(group('hadoop-workers')).toBe(of((h) => t(h).worker));
    for (const [recipe, op] of [['candidate-drain', 'drain'], ['candidate-rekick', 'rekick'], ['candidate-reboot', 'reboot'], ['ready-to-return', 'return']] as const) {
      expect(group(recipe), recipe).toBe(of((h) => t(h).candidate[op]));
    }
    const health = fs.readFileSync(path.join(A.day, 'hdfs-health.tsv'), 'utf8').trimEnd().split('\n');
    expect(health[0]).toBe('cluster\tmissing\tunder_replicated\tcorrupt\tlive\tdead\tdecommissioning');
    const rows = byteSort(DC.clusters.map((c) => c.name)).map((c) => {
      const spec = DC.clusters.find((x) => x.name === c)!;
      const hs = DC.hosts.filter((h) => h.cluster === c);
      const live = hs.filter((h) => t(h).live).length;
      const dead = hs.filter((h) => h.hdfs === 'dead' || h.hdfs === 'dead-decommissioned').length;
      return [c, spec.missingBlocks, spec.underReplicated, 0, live, dead, spec.decommissioning].join('\t');
    });
    expect(health.slice(1)).toEqual(rows);
  });

  it('the simulated datacenter is the same for the same seed, and another for another', () => {
    expect(simulateDatacenter('7').files).toEqual(DC.files);
    expect(simulateDatacenter('8').files['inventory.csv']).not.toBe(DC.files['inventory.csv']);
  });

  it('the clusters get the budgets they were built for', () => {
    const { json } = readPlan(A.plan(1));
    const row = (cluster: string, op: Op) => json.budgets.find((b) => b.cluster === cluster && b.op === op)!;
    // hb-meta: the exception rule, whatever its size says
    expect(row('hb-meta', 'drain')).toMatchObject({ archetype: 'small', cap: 1 });
    expect(row('hb-meta', 'drain').workers as number).toBeGreaterThanOrEqual(50);
    expect(row('hb-meta', 'reboot')).toMatchObject({ archetype: 'small', cap: 2 });
    // dev1: fewer than 50 workers
    expect(row('dev1', 'drain').archetype).toBe('small');
    expect(row('dev1', 'drain').workers as number).toBeLessThan(50);
    // dw2: the drain budget used up by dead and decommissioning hosts
    expect(row('dw2', 'drain')).toMatchObject({ archetype: 'default', headroom: 0, chosen: 0 });
    expect(row('dw2', 'drain').candidates as number).toBeGreaterThan(0);
    expect(row('dw2', 'drain').busy as number).toBeGreaterThanOrEqual(row('dw2', 'drain').cap as number);
    // dw1: drains go on, within the data group already in flight
    expect(row('dw1', 'drain').chosen as number).toBeGreaterThan(0);
    expect(row('dw1', 'drain').cap).toBe(Math.floor((6 * (row('dw1', 'drain').workers as number)) / 100));
  });

  it('prints the budget table, the choices and the refusals', () => {
    const { json, files } = readPlan(A.plan(1));
    expect(R.a!.out).toMatch(/seed 42\b/);
    expect(R.a!.out).not.toMatch(/repeat with --seed/);
    for (const b of json.budgets) {
      expect(R.a!.out).toMatch(new RegExp(`^${b.cluster}\\s+${b.archetype}\\s+${b.op}\\s+${b.workers}\\s+${b.cap}\\s+${b.busy}\\s+${b.headroom}\\s+${b.candidates}\\s+${b.chosen}\\b`, 'm'));
    }
    for (const [name, text] of files) expect(R.a!.out).toContain(`chosen ${name}: ${text.trim().split('\n').join(' ')}`);
    for (const r of json.refusals) expect(R.a!.out).toContain(`refused invariant ${r.invariant} ${r.cluster} ${r.op}${r.host ? ` ${r.host}` : ''}: `);
  });

  it('without --verbose, one screen that still names every cluster with a choice or a refusal', () => {
    const out = R.b!.out;
    const { json } = readPlan(B.plan(1));
    expect(out.split('\n').length, out).toBeLessThanOrEqual(45);
    expect(out).toMatch(/^\d+ source\(s\) ok in [\d.]+ s \(slowest \S+ [\d.]+ s\)$/m);
    expect(out).not.toMatch(/^hdfs-dw1 +ok/m);
    for (const op of OPS) expect(out).toMatch(new RegExp(`^${op}: \\d+ cluster\\(s\\), cap \\d+, busy \\d+, chosen \\d+`, 'm'));
    const named = new Set<string>();
    for (const b of json.budgets) if ((b.chosen as number) > 0 || String(b.why).startsWith('refused')) named.add(b.cluster as string);
    expect(named.size).toBeGreaterThan(0);
    for (const c of named) expect(out, c).toMatch(new RegExp(`\\b${c.replace(/[-.]/g, '\\$&')}\\b`));
    // The numbers on the op lines are the sums of plan.json's rows.
    for (const op of OPS) {
      const rows = json.budgets.filter((b) => b.op === op);
      const sum = (k: string) => rows.reduce((n, b) => n + (b[k] as number), 0);
      expect(out).toContain(`${op}: ${rows.length} cluster(s), cap ${sum('cap')}, busy ${sum('busy')}, chosen ${sum('chosen')}`);
    }
  });

  it('the same seed in a fresh home gives the same plan, byte for byte', () => {
    expect(R.b!.code).toBe(3);
    const a = readPlan(A.plan(1));
    const b = readPlan(B.plan(1));
    expect([...b.files.keys()].sort()).toEqual([...a.files.keys()].sort());
    for (const [name, text] of a.files) expect(Buffer.from(b.files.get(name)!)).toEqual(Buffer.from(text));
    const { time: _ta, ...restA } = a.json;
    const { time: _tb, ...restB } = b.json;
    expect(restB).toEqual(restA);
  });

  it('without --seed, a seed is drawn, printed and recorded, and the plan holds', () => {
    expect(R.c!.code).toBe(3);
    const m = /seed (\S+) \(repeat with --seed (\S+)\)/.exec(R.c!.out);
    expect(m, R.c!.out).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    const { json } = readPlan(C.plan(1));
    expect(json.seed).toBe(m![1]);
    expect(json.seed).not.toBe('42');
    checkPlan(C.plan(1), { dc: DC });
  });

  it('nothing refused: exit 0', () => {
    expect(R.g!.code, show(R.g!)).toBe(0);
    const { refusals, chosen } = checkPlan(G.plan(1), { dc: QUIET });
    expect(refusals).toEqual([]);
    expect(chosen).toBeGreaterThan(0);
    expect(readPlan(G.plan(1)).json.refusals).toEqual([]);
  });
});

describe('head nodes named loosely in the config', () => {
  it('are still known as head nodes: the NameNode among the candidates is refused (invariant 2)', () => {
    expect(fs.readFileSync(H.config, 'utf8')).toContain('DW1-NN2.DC1.EXAMPLE.COM');
    expect(R.h!.code, show(R.h!)).toBe(3);
    const { refusals } = checkPlan(H.plan(1), { dc: DC });
    expect(refusals).toContain(`dw1 drain ${NAMENODE_AS_WORKER} 2`);
    const a = readPlan(A.plan(1));
    const h = readPlan(H.plan(1));
    expect(h.json.refusals).toEqual(a.json.refusals);
    expect(h.files).toEqual(a.files);
  });
});

describe('a policy that puts live DataNodes among the rekick candidates', () => {
  it('refuses each of them with invariant 1 and rekicks only the others', () => {
    expect(R.d!.code, show(R.d!)).toBe(3);
    const { refusals } = checkPlan(D.plan(1), { dc: DC, liveRekick: true });
    const inv1 = refusals.filter((r) => r.endsWith(' 1'));
    expect(inv1.length).toBeGreaterThan(0);
    for (const r of inv1) {
      const host = DC.hosts.find((h) => h.host === r.split(' ')[2])!;
      expect(['in-service', 'decommissioning', 'entering-maintenance', 'in-maintenance']).toContain(host.hdfs);
    }
  });
});

describe('a failing source', () => {
  it('at the first pass of the day: what reads its groups is refused (invariant 6), exit 3', () => {
    expect(R.e!.code, show(R.e!)).toBe(3);
    expect(R.e!.out).toMatch(/^yarn-dw1\s+failed/m);
    // only the drain reads YARN's groups (broken-in-service)
    const { refusals } = checkPlan(E.plan(1), { dc: DC, noYarn: new Set(['dw1']), failed: new Map([['drain', 'yarn-dw1']]) });
    // yarn-dw1 speaks for dw1 only: the other clusters' drains go ahead
    expect(refusals.filter((r) => r.endsWith(' 6'))).toEqual(['dw1 drain - 6']);
  });

  it('at a later pass: its groups are kept, and every op of its cluster that reads them is refused', () => {
    expect(R.f1!.code).toBe(3);
    expect(R.f2!.code, show(R.f2!)).toBe(3);
    expect(R.f2!.out).toMatch(/^hdfs-dw1\s+failed/m);
    // every op reads HDFS's groups
    const failed = new Map(OPS.map((op) => [op, 'hdfs-dw1']));
    const { refusals } = checkPlan(F.plan(2), { dc: DC, failed });
    expect(refusals.filter((r) => r.endsWith(' 6')).sort()).toEqual(OPS.map((op) => `dw1 ${op} - 6`).sort());
    // the first pass planned as usual
    checkPlan(F.plan(1), { dc: DC });
  });
});

describe('breakfix policy', () => {
  const cells = (out: string) =>
    out
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/));

  it('explain dw1: the cap formula with its numbers, the rule and its reason', () => {
    expect(R.explainDw1!.code, show(R.explainDw1!)).toBe(0);
    const { json } = readPlan(A.plan(1));
    const [table, across] = R.explainDw1!.out.split('\n\n');
    const rows = cells(table!);
    expect(rows.map((r) => r[1])).toEqual(OPS);
    // The rules across ops, with the numbers they work with now.
    const n = json.budgets.find((x) => x.cluster === 'dw1')!.workers as number;
    // down = hdfs-dead | hdfs-maintenance | plans.reboot: dead hosts and those in maintenance (a dry run opens no plan)
    const dead = DC.hosts.filter((h) => h.cluster === 'dw1' && ['dead', 'dead-decommissioned', 'entering-maintenance', 'in-maintenance'].includes(h.hdfs));
    expect(across).toContain('effects drain drain, rekick offline, reboot down (maintenance 60m where hdfs_hosts_json is set), return return');
    expect(across).toMatch(new RegExp(`^dw1: max_down_datagroups 2; down now: ${dead.length} host\\(s\\) in `, 'm'));
    for (const h of dead) expect(across).toContain(`${h.host} ${h.datagroup}`);
    expect(across).toMatch(new RegExp(`^dw1: min_in_service_pct 90: floor ${Math.min(n - 1, Math.ceil(0.9 * n))} of ${n} workers; \\d+ in service now`, 'm'));
    for (const r of rows) {
      const op = r[1] as Op;
      const b = json.budgets.find((x) => x.cluster === 'dw1' && x.op === op)!;
      const n = b.workers as number;
      const [pct, floor, ceiling] = LIMITS.default![op];
      const cap = Math.min(ceiling, Math.max(floor, Math.floor((pct * n) / 100)));
      expect(r.slice(0, 7)).toEqual(['dw1', op, 'default', String(n), String(pct), String(floor), String(ceiling)]);
      expect(r[7]).toBe(`${cap} = min(${ceiling}, max(${floor}, floor(${pct}% x ${n})))`);
      expect(r[8]).toBe(String(b.busy));
      expect(r[9]).toBe(String(Math.max(0, cap - (b.busy as number))));
      expect(r[10]).toMatch(/^rule 4: .*everything else/);
    }
  });

  it('explain hb-meta: the override and the reason for it', () => {
    expect(R.explainHb!.code).toBe(0);
    const rows = cells(R.explainHb!.out.split('\n\n')[0]!);
    const drain = rows.find((r) => r[1] === 'drain')!;
    expect(drain[2]).toBe('small');
    expect(drain[7]).toBe('1 = max 1 (rule 1)');
    expect(drain[10]).toBe('rule 1: small but production critical');
    const reboot = rows.find((r) => r[1] === 'reboot')!;
    const n = Number(reboot[3]);
    expect(reboot[7]).toBe(`${Math.min(2, Math.max(1, Math.floor((5 * n) / 100)))} = min(2, max(1, floor(5% x ${n})))`);
  });

  it('explain --json: one row per cluster and op', () => {
    expect(R.explainAll!.code).toBe(0);
    const rows = JSON.parse(R.explainAll!.out) as Array<{ cluster: string; op: string; cap: number }>;
    const { json } = readPlan(A.plan(1));
    expect(rows.map((r) => [r.cluster, r.op, r.cap])).toEqual(json.budgets.map((b) => [b.cluster, b.op, b.cap]));
  });

  it('check: the shipped policy is fine', () => {
    expect(R.check!.code, show(R.check!)).toBe(0);
    expect(R.check!.out).toMatch(/ok/);
  });

  it('check: a cycle of recipes is named', () => {
    expect(R.checkCycle!.code, show(R.checkCycle!)).not.toBe(0);
    expect(R.checkCycle!.out + R.checkCycle!.err).toMatch(/cycle: (hands-off -> loop-b -> loop-a -> hands-off|loop-b -> loop-a -> hands-off -> loop-b|loop-a -> hands-off -> loop-b -> loop-a)/);
  });

  it('check: a classifier without a catch-all', () => {
    expect(R.checkCatchAll!.code, show(R.checkCatchAll!)).not.toBe(0);
    expect(R.checkCatchAll!.out + R.checkCatchAll!.err).toMatch(/catch-all/);
  });
});
