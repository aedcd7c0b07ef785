// Reboots through HDFS maintenance, end to end: bin/breakfix against the
// simulated datacenter of fixtures/sim, built by buildDemo with dw1's NameNodes
// reading a combined hosts file (dfs.hosts.json: maintenance, upgrade domains)
// and dw2 without one (its reboots run directly). What the tests expect is
// worked out here from the files breakfix leaves on disk (plan.json,
// apply.json, open.json, the day's groups and tables, exec/), from what the
// simulator printed to breakfix (each source's output is kept beside it), from
// the simulator's own state.json and from dfs.hosts.json itself.
//
// Each scenario builds its own datacenter, so they run side by side.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { describe, it } from 'vitest';
import { demoHome } from '../support/demo.js';
import { BIN, cleanEnv, tempDirs } from '../support/cli.js';
import { confDir, groupLines, inventory, readJson, shippedCap, simOk, teeSources, type ApplyJson, type PlanJson } from '../support/simdc.js';

const tmp = tempDirs();
const SEED = '7';
const NN1 = 'dw1-nn1.demo.example.com';
const HOUR = 3_600_000;
const TICK_MS = 600_000; // the simulator's ten minutes a tick

// ---------------------------------------------------------------- the datacenter and breakfix

interface Demo {
  dir: string;
  config: string;
  simDir: string;
  tee: string;
  dcDir: string;
  /** dw1's combined hosts file, as its NameNodes read it. */
  hostsJson: string;
  policyFile: string;
}

function demo(seed: string): Demo {
  const home = demoHome(tmp('breakfix-mnt-'), seed, { combined: 'dw1', direct: 'dw2' });
  const tee = path.join(home.dir, 'tee');
  teeSources(home.config, tee);
  return {
    ...home,
    tee,
    hostsJson: path.join(confDir(home.simDir, 'dw1'), 'dfs.hosts.json'),
    policyFile: path.join(home.dir, 'demo', 'policy', 'policy.yaml'),
  };
}

interface Run {
  code: number | null;
  out: string;
  err: string;
  started: number;
  ended: number;
}

/** bin/breakfix without blocking the test process, so that the scenarios of this file run side by side. */
function breakfixAsync(d: Demo, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(BIN, ['--config', d.config, ...args], { cwd: d.dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8'), started, ended: Date.now() });
    });
  });
}

const passApply = (d: Demo, ...extra: string[]) => breakfixAsync(d, ['pass', '--apply', '--seed', SEED, ...extra]);
const sim = (d: Demo, cmd: string, ...args: string[]) => simOk('sim', [cmd, '--sim', d.simDir, ...args]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const short = (host: string) => host.slice(0, host.indexOf('.'));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------- readers (the tests' own, never breakfix's)

interface OpenEntry {
  host: string;
  cluster: string;
  op: string;
  day: string;
  pass: number;
  applied: string;
  maintenance?: { expires: string };
  ran?: string | null;
  result?: string;
}

type HostsEntry = Record<string, unknown> & { hostName?: string };

interface SimHost {
  dead?: number;
  mi?: number;
  mx?: number;
  me?: number;
  reboot?: number;
  ms?: number;
  unresp?: boolean;
}

const dayDirOf = (d: Demo) => fs.realpathSync(path.join(d.dcDir, 'today'));
const openOf = (d: Demo): OpenEntry[] => (fs.existsSync(path.join(d.dcDir, 'open.json')) ? readJson<{ entries: OpenEntry[] }>(path.join(d.dcDir, 'open.json')).entries : []);
const planOf = (d: Demo, pass: number) => readJson<PlanJson>(path.join(dayDirOf(d), 'plans', String(pass), 'plan.json'));
const applyOf = (d: Demo, pass: number): ApplyJson | null => {
  const f = path.join(dayDirOf(d), 'plans', String(pass), 'apply.json');
  return fs.existsSync(f) ? readJson<ApplyJson>(f) : null;
};
const hostsJsonOf = (d: Demo): HostsEntry[] => JSON.parse(fs.readFileSync(d.hostsJson, 'utf8')) as HostsEntry[];
const entryOf = (entries: HostsEntry[], host: string) => entries.filter((e) => e.hostName === host);
const simState = (d: Demo, cluster: string) => readJson<{ tick: number; hosts: Record<string, SimHost> }>(path.join(d.simDir, 'clusters', cluster, 'state.json'));
/** exec/<pass>/<op>/<host>.out: the host's output of the op's command, there only if the command ran. */
const execOut = (d: Demo, pass: number, op: string, host: string) => path.join(dayDirOf(d), 'exec', String(pass), op, `${host}.out`);

/** A TSV table of the day directory as rows keyed by its header. */
function table(file: string): Array<Record<string, string>> {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
  const cols = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}

interface NodeView {
  /** The report's sections the node is listed in: Live, Dead, Decommissioning, Entering maintenance, In maintenance. */
  sections: string[];
  status: string;
  ud: string | null;
}

/** `hdfs dfsadmin -report`: every node block with its sections, its `Decommission Status :` and its `Upgrade domain:`. */
function readReport(text: string): Map<string, NodeView> {
  const out = new Map<string, NodeView>();
  let section = '';
  let node: NodeView | null = null;
  for (const line of text.split('\n')) {
    let m = /^(Live|Dead|Decommissioning|Entering maintenance|In maintenance) datanodes \(\d+\):$/.exec(line);
    if (m) {
      section = m[1]!;
      node = null;
      continue;
    }
    m = /^Hostname: (\S+)$/.exec(line);
    if (m && section) {
      const host = m[1]!.toLowerCase();
      node = out.get(host) ?? { sections: [], status: '', ud: null };
      node.sections.push(section);
      out.set(host, node);
      continue;
    }
    m = /^Upgrade domain: (\S+)$/.exec(line);
    if (m && node) node.ud = m[1]!;
    m = /^Decommission Status : (.+)$/.exec(line);
    if (m && node && !node.status) node.status = m[1]!;
  }
  if (out.size === 0) throw new Error(`not a dfsadmin report:\n${text.slice(0, 300)}`);
  return out;
}

/** What `sim show HOST` says of the host in HDFS: `live, Normal`, `live, Entering maintenance`, … */
function simHdfs(d: Demo, host: string): string {
  const m = /^hdfs {2,}((?:live|dead), [A-Za-z ]+?)(?: \(|$)/m.exec(sim(d, 'show', host));
  if (!m) throw new Error(`sim show ${host}: no hdfs line`);
  return m[1]!;
}

interface PolicyView {
  down: string;
  ops: Record<string, { busy?: string; effect?: string; timeout?: string; maintenance_expiry?: string; in_flight?: string }>;
  safety: { max_down_datagroups: number; min_in_service_pct: number; max_candidates_pct: number };
}

// ---------------------------------------------------------------- one pass, as the files on disk tell it

/** Groups whose state after a pass the tests read back. */
const GROUPS = [
  'hdfs-dead',
  'hdfs-maintenance',
  'hdfs-entering-maintenance',
  'hdfs-in-maintenance',
  'hdfs-decommissioning',
  'hdfs-in-service',
  'hdfs-live',
  'rekick-in-progress',
  'responsive',
  'plans.drain',
  'plans.rekick',
  'plans.reboot',
  'plans.return',
  'stuck.reboot',
  'needs-human',
];

interface Snap {
  pass: number;
  run: Run;
  day: string;
  plan: PlanJson;
  apply: ApplyJson | null;
  open: OpenEntry[];
  g: Map<string, Set<string>>;
  /** host → cluster, from inventory.tsv. */
  clusterOf: Map<string, string>;
  /** The hadoop-worker hosts of inventory.tsv. */
  workers: Set<string>;
  /** host → data group: the inventory's, else the upgrade domain of hdfs-datanodes.tsv. */
  dg: Map<string, string>;
  /** dw1's report as breakfix read it in this pass. */
  report: Map<string, NodeView>;
  hostsJson: HostsEntry[];
  dw1: { tick: number; hosts: Record<string, SimHost> };
  dfsExclude: string;
}

function snapshot(d: Demo, pass: number, run: Run): Snap {
  const dayDir = dayDirOf(d);
  const inv = table(path.join(dayDir, 'inventory.tsv'));
  const ud = new Map(table(path.join(dayDir, 'hdfs-datanodes.tsv')).map((r) => [r['host']!, r['upgrade_domain'] ?? '']));
  return {
    pass,
    run,
    day: path.basename(dayDir),
    plan: planOf(d, pass),
    apply: applyOf(d, pass),
    open: openOf(d),
    g: new Map(GROUPS.map((n) => [n, new Set(groupLines(path.join(dayDir, n)))])),
    clusterOf: new Map(inv.map((r) => [r['host']!, r['cluster']!])),
    workers: new Set(inv.filter((r) => r['role'] === 'hadoop-worker').map((r) => r['host']!)),
    dg: new Map(inv.map((r) => [r['host']!, r['datagroup'] || ud.get(r['host']!) || ''])),
    report: readReport(fs.readFileSync(path.join(d.tee, 'hdfs-dw1'), 'utf8')),
    hostsJson: hostsJsonOf(d),
    dw1: simState(d, 'dw1'),
    dfsExclude: fs.readFileSync(path.join(confDir(d.simDir, 'dw1'), 'dfs.exclude'), 'utf8'),
  };
}

const chosenOf = (s: Snap, c: string, op: string) => s.plan.chosen[`${c}.${op}`] ?? [];
const outcomeOf = (s: Snap, c: string, op: string) => s.apply?.outcomes.find((o) => o.cluster === c && o.op === op);
/** The open plans as the pass planned with them: what open.json holds after it, less what this pass applied. */
const openBefore = (s: Snap, op: string) => new Set(s.open.filter((e) => e.op === op && !(e.day === s.day && e.pass === s.pass)).map((e) => e.host));
const inCluster = (s: Snap, c: string, hosts: Iterable<string>) => new Set([...hosts].filter((h) => s.clusterOf.get(h) === c));

/** A union of names (`a | b | plans.x`), the only form the shipped busy expressions take, on a pass's files. */
function union(s: Snap, expr: string): Set<string> {
  const out = new Set<string>();
  for (const term of expr.split('|').map((t) => t.trim())) {
    if (!/^[a-z0-9_][a-z0-9_.-]*$/.test(term)) throw new Error(`not a plain union: ${expr}`);
    const hosts = term.startsWith('plans.') ? openBefore(s, term.slice('plans.'.length)) : s.g.get(term);
    if (!hosts) throw new Error(`group ${term} is not read back by this test`);
    for (const h of hosts) out.add(h);
  }
  return out;
}

// ---------------------------------------------------------------- 1. six passes of pass --apply

interface Main {
  d: Demo;
  initial: HostsEntry[];
  initialExclude: string;
  policy: PolicyView;
  snaps: Snap[];
}

const PASSES = 6;
let mainRun: Promise<Main> | null = null;

async function runMain(): Promise<Main> {
  const d = demo('1');
  const initial = hostsJsonOf(d);
  const initialExclude = fs.readFileSync(path.join(confDir(d.simDir, 'dw1'), 'dfs.exclude'), 'utf8');
  const policy = parseYaml(fs.readFileSync(d.policyFile, 'utf8')) as { down: string; operations: PolicyView['ops']; safety: PolicyView['safety'] };
  const snaps: Snap[] = [];
  for (let p = 1; p <= PASSES; p++) {
    const r = await passApply(d);
    if (r.code !== 0 && r.code !== 3) throw new Error(`pass ${p} exited ${r.code}:\n${r.out}\n${r.err}`);
    snaps.push(snapshot(d, p, r));
  }
  return { d, initial, initialExclude, policy: { down: policy.down, ops: policy.operations, safety: policy.safety }, snaps };
}

const main = () => (mainRun ??= runMain());

// ---------------------------------------------------------------- 2a, the passes: a broken combined hosts file

interface FaultyFileRun {
  name: string;
  content: Buffer | null;
  pass: number;
  run: Run;
  plan: PlanJson;
  apply: ApplyJson | null;
  /** The file after the pass: null when absent. */
  after: Buffer | null;
  steps: string[];
  dw1: { tick: number; hosts: Record<string, SimHost> };
  open: OpenEntry[];
  plansReboot: string[];
  execOuts: string[];
}

interface FaultyFile {
  d: Demo;
  good: Buffer;
  runs: FaultyFileRun[];
}

/** One pass of reboots for each broken form of dw1's combined hosts file, the state after each kept. */
async function runFaultyFile(): Promise<FaultyFile> {
  const d = demo('1');
  const good = fs.readFileSync(d.hostsJson);
  const text = good.toString('utf8');
  const firstName = /"hostName":\s*"dw1-dn\d+\.demo\.example\.com",\s*/.exec(text)!;
  const variants: Array<{ name: string; content: Buffer | null }> = [
    { name: 'missing', content: null },
    { name: 'not JSON', content: Buffer.from(text.slice(0, Math.floor(text.length / 2))) },
    { name: 'an entry without hostName', content: Buffer.from(text.replace(firstName[0], '')) },
  ];
  const runs: FaultyFileRun[] = [];
  for (const v of variants) {
    const pass = runs.length + 1;
    if (v.content === null) fs.rmSync(d.hostsJson);
    else fs.writeFileSync(d.hostsJson, v.content);
    const run = await passApply(d, '--op', 'reboot');
    const dayDir = dayDirOf(d);
    const opDir = path.join(dayDir, 'exec', String(pass), 'reboot');
    const steps = path.join(opDir, 'dw1', 'enter-maintenance');
    runs.push({
      ...v,
      pass,
      run,
      plan: planOf(d, pass),
      apply: applyOf(d, pass),
      after: fs.existsSync(d.hostsJson) ? fs.readFileSync(d.hostsJson) : null,
      steps: fs.existsSync(steps) ? fs.readdirSync(steps).sort() : [],
      dw1: simState(d, 'dw1'),
      open: openOf(d),
      plansReboot: groupLines(path.join(dayDir, 'plans.reboot')),
      execOuts: fs.existsSync(opDir) ? fs.readdirSync(opDir).filter((f) => f.endsWith('.out')) : [],
    });
  }
  return { d, good, runs };
}

let faultyFileRun: Promise<FaultyFile> | null = null;
const faultyFile = () => (faultyFileRun ??= runFaultyFile());

describe.concurrent('reboots through HDFS maintenance on the simulated datacenter', () => {
  it('six passes: dw1 reboots enter maintenance (1h expiry), run only once In maintenance, leave it with the file otherwise unchanged; drains alongside', async ({ expect }) => {
    const { d, initial, initialExclude, snaps } = await main();
    const at = (p: number) => snaps[p - 1]!;
    const initialBy = new Map(initial.map((e) => [e.hostName!, e]));
    expect(initialBy.size).toBe(initial.length);

    // Every dw1 reboot that was applied: into maintenance, never run directly.
    const entered: Array<{ host: string; pass: number }> = [];
    for (const s of snaps) {
      const o = outcomeOf(s, 'dw1', 'reboot');
      for (const h of o?.ok ?? []) entered.push({ host: h, pass: s.pass });
      if (o && o.ok.length > 0) {
        expect(o.ok).toEqual(chosenOf(s, 'dw1', 'reboot'));
        expect(s.run.out).toMatch(new RegExp(`^applied dw1\\.reboot: ${o.ok.length} host\\(s\\) entering HDFS maintenance until \\S+; `, 'm'));
      }
    }
    expect(entered.length, 'a dw1 reboot was applied').toBeGreaterThan(0);

    let finished = 0;
    for (const { host, pass: a } of entered) {
      const s = at(a);
      // The file on the NameNodes: IN_MAINTENANCE until about an hour after the apply, the upgrade domain kept.
      const [e, ...more] = entryOf(s.hostsJson, host);
      expect(more).toEqual([]);
      expect(e).toMatchObject({ ...initialBy.get(host), adminState: 'IN_MAINTENANCE' });
      const expiry = Number(e!['maintenanceExpireTimeInMS']);
      expect(expiry).toBeGreaterThanOrEqual(s.run.started + HOUR);
      expect(expiry).toBeLessThanOrEqual(s.run.ended + HOUR);
      // The NameNode took it (refreshNodes ran): it converted that expiry to a tick about an hour on.
      const st = s.dw1.hosts[short(host)]!;
      expect(st.me).toBe(expiry);
      expect(st.mx! - s.dw1.tick).toBe(Math.ceil(HOUR / TICK_MS));
      expect(st.reboot).toBeUndefined();
      expect(fs.existsSync(execOut(d, a, 'reboot', host))).toBe(false);
      const open = s.open.filter((x) => x.host === host && x.op === 'reboot');
      expect(open).toEqual([expect.objectContaining({ cluster: 'dw1', pass: a, ran: null, maintenance: { expires: new Date(expiry).toISOString() } })]);
      expect(s.g.get('plans.reboot')!.has(host)).toBe(true);

      // The passes after it: Entering maintenance in the report breakfix read, then In maintenance, and only then the reboot.
      let ranAt = 0;
      for (let p = a + 1; p <= PASSES; p++) {
        const t = at(p);
        const node = t.report.get(host)!;
        const entry = t.open.find((x) => x.host === host && x.op === 'reboot' && x.pass === a);
        const rebootTick = t.dw1.hosts[short(host)]?.reboot;
        if (node.status === 'Entering maintenance') {
          expect(node.sections, `${host} pass ${p}`).toEqual(['Live', 'Entering maintenance']);
          expect(t.g.get('hdfs-entering-maintenance')!.has(host)).toBe(true);
          expect(entry, `${host} still open at pass ${p}`).toMatchObject({ ran: null });
          expect(rebootTick, `${host} not rebooted while entering maintenance (pass ${p})`).toBeUndefined();
          expect(fs.existsSync(execOut(d, p, 'reboot', host))).toBe(false);
          expect(t.run.out).toMatch(new RegExp(`^waiting reboot ${esc(host)}: entering HDFS maintenance`, 'm'));
          continue;
        }
        // In maintenance now: this pass runs the reboot, on the host, through the adapter.
        expect(node.status, `${host} pass ${p}`).toBe('In maintenance');
        expect(node.sections).toEqual(['Live', 'In maintenance']);
        expect(t.g.get('hdfs-in-maintenance')!.has(host)).toBe(true);
        expect(p - a, 'HDFS shows In maintenance at the second report after the refresh').toBe(2);
        expect(fs.existsSync(execOut(d, p, 'reboot', host))).toBe(true);
        expect(entry?.ran, `${host} recorded as run at pass ${p}`).toEqual(expect.any(String));
        const ms = t.dw1.hosts[short(host)]!;
        expect(rebootTick).toBeDefined();
        expect(rebootTick!).toBeGreaterThanOrEqual(ms.mi!);
        expect(t.dw1.tick).toBeGreaterThanOrEqual(ms.mi!);
        // Still in maintenance: the reboot takes it away without HDFS copying its blocks.
        const [during] = entryOf(t.hostsJson, host);
        expect(during).toMatchObject({ adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: expiry });
        ranAt = p;
        break;
      }
      if (a + 2 > PASSES) continue;
      expect(ranAt, `${host} (applied at pass ${a}) was rebooted within ${PASSES} passes`).toBeGreaterThan(0);

      // Back: out of maintenance, the entry as it was before, the plan closed.
      let doneAt = 0;
      for (let p = ranAt + 1; p <= PASSES; p++) {
        const t = at(p);
        if (t.open.some((x) => x.host === host && x.op === 'reboot' && x.pass === a)) {
          expect(entryOf(t.hostsJson, host)[0]).toMatchObject({ adminState: 'IN_MAINTENANCE' });
          continue;
        }
        doneAt = p;
        expect(t.run.out).toContain(`finished reboot ${host} (reboot done and the host is back: out of HDFS maintenance; applied ${s.day} pass ${a})`);
        expect(entryOf(t.hostsJson, host)).toEqual([initialBy.get(host)]);
        expect(t.g.get('responsive')!.has(host)).toBe(true);
        if (p < PASSES) expect(at(p + 1).report.get(host), `${host} as the next pass read it`).toEqual({ sections: ['Live'], status: 'Normal', ud: initialBy.get(host)!['upgradeDomain'] });
        // One reboot only, in the pass that saw In maintenance.
        for (let q = 1; q <= PASSES; q++) if (q !== ranAt) expect(fs.existsSync(execOut(d, q, 'reboot', host)), `${host} exec pass ${q}`).toBe(false);
        break;
      }
      if (ranAt + 2 > PASSES) continue;
      expect(doneAt, `${host} finished within ${PASSES} passes`).toBeGreaterThan(0);
      expect(simHdfs(d, host)).toBe('live, Normal');
      finished++;
    }
    expect(finished).toBeGreaterThan(0);

    // Drains in the same cluster, in the same passes: DECOMMISSIONED in the same file; the exclude file is not used.
    const drainedWhileInMaintenance = snaps.filter((s) => (outcomeOf(s, 'dw1', 'drain')?.ok.length ?? 0) > 0 && s.open.some((e) => e.cluster === 'dw1' && e.op === 'reboot' && e.maintenance));
    expect(drainedWhileInMaintenance.length, 'a dw1 drain applied while a dw1 reboot is in maintenance').toBeGreaterThan(0);
    for (const s of drainedWhileInMaintenance) {
      expect(s.run.out).toMatch(new RegExp(`^applied dw1\\.drain: ${outcomeOf(s, 'dw1', 'drain')!.ok.length} ok$`, 'm'));
      for (const h of outcomeOf(s, 'dw1', 'drain')!.ok) {
        expect(entryOf(s.hostsJson, h)).toEqual([{ ...initialBy.get(h), adminState: 'DECOMMISSIONED' }]);
        if (s.pass < PASSES) expect(at(s.pass + 1).report.get(h)!.status, `${h} decommissioning`).toBe('Decommission in progress');
      }
    }
    for (const s of snaps) expect(s.dfsExclude, `dfs.exclude after pass ${s.pass}`).toBe(initialExclude);

    // The whole file at the end: every entry breakfix did not act on exactly as it was, in the same order.
    const expected = new Map(initial.map((e) => [e.hostName!, { ...e }]));
    for (const s of snaps) {
      for (const h of outcomeOf(s, 'dw1', 'drain')?.ok ?? []) expected.set(h, { ...expected.get(h)!, adminState: 'DECOMMISSIONED' });
      for (const h of outcomeOf(s, 'dw1', 'return')?.ok ?? []) {
        const { adminState: _gone, ...rest } = expected.get(h)!;
        expected.set(h, rest);
      }
    }
    const last = at(PASSES);
    const stillIn = new Set(last.open.filter((e) => e.cluster === 'dw1' && e.maintenance).map((e) => e.host));
    expect(last.hostsJson.map((e) => e.hostName)).toEqual(initial.map((e) => e.hostName));
    for (const e of last.hostsJson) {
      if (stillIn.has(e.hostName!)) expect(e).toMatchObject({ ...expected.get(e.hostName!), adminState: 'IN_MAINTENANCE' });
      else expect(e, e.hostName).toEqual(expected.get(e.hostName!));
    }
    expect(last.hostsJson.filter((e) => e.adminState === 'IN_MAINTENANCE').map((e) => e.hostName!).sort()).toEqual([...stillIn].sort());
  }, 150_000);

  // ---------------------------------------------------------------- 2a. an unreadable combined hosts file

  it('a missing, non-JSON or name-less combined hosts file fails the reboot: the error names the file and the NameNode, nothing changes, nothing opens', async ({ expect }) => {
    const { d, runs } = await faultyFile();
    expect(runs.map((r) => r.name)).toEqual(['missing', 'not JSON', 'an entry without hostName']);
    expect(JSON.parse(runs[2]!.content!.toString('utf8')).some((e: HostsEntry) => e.hostName === undefined)).toBe(true);
    expect(() => JSON.parse(runs[1]!.content!.toString('utf8'))).toThrow();
    for (const v of runs) {
      const chosen = v.plan.chosen['dw1.reboot'] ?? [];
      expect(chosen.length, `${v.name}: a dw1 reboot was chosen`).toBeGreaterThan(0);
      const o = v.apply!.outcomes.find((x) => x.cluster === 'dw1' && x.op === 'reboot')!;
      expect(o, v.name).toMatchObject({ planned: chosen, ok: [], failed: chosen });
      expect(o.error, v.name).toContain(d.hostsJson);
      expect(o.error, v.name).toContain(NN1);
      const line = new RegExp(`^applied dw1\\.reboot: 0 ok, ${chosen.length} failed \\((.*)\\)$`, 'm').exec(v.run.out);
      expect(line, v.run.out).not.toBeNull();
      expect(line![1]).toContain(d.hostsJson);
      expect(line![1]).toContain(NN1);
      expect(v.run.code, v.name).toBe(v.plan.refusals.length > 0 ? 3 : 1);
      // The file as it was, byte for byte (or still absent): the file was read, never written, no refresh.
      if (v.content === null) expect(v.after, v.name).toBeNull();
      else expect(v.after!.equals(v.content), v.name).toBe(true);
      expect(v.steps, v.name).toEqual(['read-hosts-json']);
      // Not in maintenance, not rebooted, not open.
      for (const h of chosen) {
        expect(v.dw1.hosts[short(h)]?.mi, `${v.name} ${h}`).toBeUndefined();
        expect(v.dw1.hosts[short(h)]?.reboot, `${v.name} ${h}`).toBeUndefined();
        expect(v.execOuts, v.name).not.toContain(`${h}.out`);
      }
      expect(v.open.filter((e) => e.cluster === 'dw1'), v.name).toEqual([]);
      expect(v.plansReboot.filter((h) => h.startsWith('dw1-')), v.name).toEqual([]);
    }
  }, 150_000);

  // ---------------------------------------------------------------- 2b. stuck entering maintenance

  it('a host held Entering maintenance never gets the reboot; past a 1s timeout the pass warns stuck and needs-human.tsv lists it', async ({ expect }) => {
    const d = demo('1');
    const doc = parseDocument(fs.readFileSync(d.policyFile, 'utf8'));
    doc.setIn(['operations', 'reboot', 'timeout'], '1s');
    fs.writeFileSync(d.policyFile, doc.toString());
    // Every dw1 reboot candidate (a live, answering worker whose Puppet fails) holds a block with no other replica.
    const held = [...inventory(d.simDir).values()].filter((r) => r.cluster === 'dw1' && r.role === 'hadoop-worker' && r.responsive && !r.puppetOk).map((r) => r.host);
    expect(held.length).toBeGreaterThan(0);
    for (const h of held) sim(d, 'fault', 'maintenance-stuck', h);

    const first = await passApply(d, '--op', 'reboot');
    expect([0, 3], first.out + first.err).toContain(first.code);
    const chosen = planOf(d, 1).chosen['dw1.reboot'] ?? [];
    expect(chosen.length).toBeGreaterThan(0);
    for (const h of chosen) expect(held).toContain(h);
    for (const h of chosen) expect(entryOf(hostsJsonOf(d), h)[0]).toMatchObject({ adminState: 'IN_MAINTENANCE' });
    const applied = openOf(d).filter((e) => e.cluster === 'dw1' && e.op === 'reboot');
    expect(applied.map((e) => e.host)).toEqual(chosen);
    // Past the timeout before the next pass looks.
    await sleep(Math.max(0, Date.parse(applied[0]!.applied) + 1_100 - Date.now()));

    // Two more passes: without the knob the second would have found the hosts In maintenance and rebooted them.
    for (const p of [2, 3]) {
      const r = await passApply(d, '--op', 'reboot');
      expect([0, 3], r.out + r.err).toContain(r.code);
      const dayDir = dayDirOf(d);
      const report = readReport(fs.readFileSync(path.join(d.tee, 'hdfs-dw1'), 'utf8'));
      const stuck = new Set(groupLines(path.join(dayDir, 'stuck.reboot')));
      const needs = table(path.join(dayDir, 'needs-human.tsv'));
      const st = simState(d, 'dw1');
      for (const h of chosen) {
        expect(report.get(h)!.status, `${h} pass ${p}`).toBe('Entering maintenance');
        expect(simHdfs(d, h)).toBe('live, Entering maintenance');
        expect(r.out).toMatch(new RegExp(`^warning stuck: reboot ${esc(h)}\\b.*`, 'm'));
        expect(stuck.has(h), `stuck.reboot pass ${p}`).toBe(true);
        expect(needs.filter((x) => x['host'] === h).map((x) => [x['cluster'], x['op']])).toEqual([['dw1', 'reboot']]);
        expect(new Set(groupLines(path.join(dayDir, 'needs-human'))).has(h)).toBe(true);
        // Never rebooted: not by the simulator's account, not in breakfix's exec outputs.
        expect(st.hosts[short(h)]!.reboot, `${h} pass ${p}`).toBeUndefined();
        expect(fs.existsSync(execOut(d, p, 'reboot', h))).toBe(false);
        expect(r.out).not.toMatch(new RegExp(`^ran reboot ${esc(h)}`, 'm'));
        expect(openOf(d).filter((e) => e.host === h && e.op === 'reboot')).toEqual([expect.objectContaining({ pass: 1, ran: null })]);
      }
    }
    expect(fs.existsSync(execOut(d, 1, 'reboot', chosen[0]!))).toBe(false);
  }, 150_000);

  // ---------------------------------------------------------------- 2c + 2d. expiry while stopped; a direct reboot that drops the connection

  it('maintenance that expired while breakfix was stopped closes the plan without a reboot; a direct reboot that drops ssh stays open and busy until the host answers', async ({ expect }) => {
    const d = demo('1');
    // dw2 (no combined file): each reboot candidate loses the ssh connection as it goes down.
    const direct = [...inventory(d.simDir).values()].filter((r) => r.cluster === 'dw2' && r.role === 'hadoop-worker' && r.responsive && !r.puppetOk).map((r) => r.host);
    expect(direct.length).toBeGreaterThan(0);
    for (const h of direct) sim(d, 'fault', 'drop', 'reboot', h);

    const first = await passApply(d, '--op', 'reboot');
    expect([0, 1, 3], first.out + first.err).toContain(first.code);
    const plan1 = planOf(d, 1);
    const inMaint = plan1.chosen['dw1.reboot'] ?? [];
    const dropped = plan1.chosen['dw2.reboot'] ?? [];
    expect(inMaint.length).toBeGreaterThan(0);
    expect(dropped.length).toBe(1);
    const x = dropped[0]!;

    // 2d: the direct reboot ran, the connection dropped; open, marked unreachable.
    // Not a failure: the expected end of a reboot over ssh, kept open until the host is back.
    expect(first.out).toMatch(/^applied dw2\.reboot: 0 ok \(1 unreachable after the command: kept open until back\)$/m);
    expect(applyOf(d, 1)!.outcomes.find((o) => o.cluster === 'dw2' && o.op === 'reboot')).toMatchObject({ acted: [x], ok: [], failed: [], unreachable: [x] });
    expect(groupLines(path.join(dayDirOf(d), 'exec', '1', 'reboot', 'exec-unreachable'))).toContain(x);
    expect(fs.readFileSync(execOut(d, 1, 'reboot', x), 'utf8')).toContain(`Connection to ${x} closed by remote host.`);
    expect(simState(d, 'dw2').hosts[short(x)]!.reboot).toBeDefined();
    expect(openOf(d).filter((e) => e.host === x)).toEqual([expect.objectContaining({ op: 'reboot', cluster: 'dw2', pass: 1, result: 'unreachable' })]);
    expect(openOf(d).find((e) => e.host === x)!.maintenance).toBeUndefined();
    // Not back yet when the next pass looks: its reboot ends (the end of a reboot clears the host's
    // faults), and then it does not answer.
    sim(d, 'tick', 'dw2');
    sim(d, 'fault', 'unresponsive', x);

    // 2c: the dw1 hosts are Entering maintenance; breakfix stops; the clock passes the expiry.
    const before = simState(d, 'dw1');
    const oldExpiry = new Map<string, number>();
    for (const h of inMaint) {
      const st = before.hosts[short(h)]!;
      expect(st.mi!, `${h} not yet In maintenance`).toBeGreaterThan(before.tick);
      expect(st.mx! - before.tick).toBe(Math.ceil(HOUR / TICK_MS));
      oldExpiry.set(h, Number(entryOf(hostsJsonOf(d), h)[0]!['maintenanceExpireTimeInMS']));
      expect(openOf(d).find((e) => e.host === h)).toMatchObject({ ran: null, maintenance: { expires: new Date(oldExpiry.get(h)!).toISOString() } });
    }
    const expiresAt = Math.max(...inMaint.map((h) => before.hosts[short(h)]!.mx!));
    sim(d, 'tick', 'dw1', '-n', String(expiresAt - before.tick));
    const after = simState(d, 'dw1');
    for (const h of inMaint) {
      expect(after.hosts[short(h)]?.reboot).toBeUndefined();
      expect(simHdfs(d, h), `${h} back to Normal by the expiry`).toBe('live, Normal');
    }

    const second = await passApply(d, '--op', 'reboot');
    expect([0, 1, 3], second.out + second.err).toContain(second.code);
    const report2 = readReport(fs.readFileSync(path.join(d.tee, 'hdfs-dw1'), 'utf8'));
    const open2 = openOf(d);
    for (const h of inMaint) {
      expect(report2.get(h)!.status, `${h} as breakfix read it`).toBe('Normal');
      expect(second.out).toMatch(new RegExp(`^finished reboot ${esc(h)} \\(HDFS maintenance ended before reboot ran .*; applied \\S+ pass 1\\)$`, 'm'));
      expect(second.out).not.toMatch(new RegExp(`^ran reboot ${esc(h)}`, 'm'));
      expect(open2.filter((e) => e.host === h && e.pass === 1)).toEqual([]);
      // Chosen again as a new plan it is entering maintenance again with a new expiry; otherwise its entry is plain.
      const again = open2.find((e) => e.host === h && e.op === 'reboot');
      const [entry] = entryOf(hostsJsonOf(d), h);
      if (again) {
        expect(again).toMatchObject({ pass: 2, ran: null });
        expect(entry).toMatchObject({ adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: Date.parse(again.maintenance!.expires) });
        expect(Date.parse(again.maintenance!.expires)).toBeGreaterThan(oldExpiry.get(h)!);
      } else expect(entry!['adminState']).toBeUndefined();
    }
    // The dropped host: still open, still busy (plans.reboot), so not chosen again.
    const day2 = dayDirOf(d);
    expect(open2.filter((e) => e.host === x)).toEqual([expect.objectContaining({ pass: 1, result: 'unreachable' })]);
    expect(groupLines(path.join(day2, 'plans.reboot'))).toContain(x);
    expect(groupLines(path.join(day2, 'responsive'))).not.toContain(x);
    const plan2 = planOf(d, 2);
    const dw2Busy = groupLines(path.join(day2, 'plans.reboot')).filter((h) => h.startsWith('dw2-') && !open2.some((e) => e.host === h && e.pass === 2));
    expect(plan2.budgets.find((b) => b.cluster === 'dw2' && b.op === 'reboot')!.busy).toBe(dw2Busy.length);
    expect(dw2Busy).toContain(x);
    expect(plan2.chosen['dw2.reboot'] ?? []).not.toContain(x);
    expect(second.out).not.toMatch(new RegExp(`^finished reboot ${esc(x)} `, 'm'));

    // It answers again.
    sim(d, 'fault', 'clear', x);
    const third = await passApply(d, '--op', 'reboot');
    expect([0, 1, 3], third.out + third.err).toContain(third.code);
    expect(third.out).toMatch(new RegExp(`^finished reboot ${esc(x)} \\(answering again; applied \\S+ pass 1\\)$`, 'm'));
    expect(openOf(d).filter((e) => e.host === x)).toEqual([]);
    expect(groupLines(path.join(dayDirOf(d), 'responsive'))).toContain(x);
    expect(groupLines(path.join(dayDirOf(d), 'plans.reboot'))).not.toContain(x);

    // The expired plans never got their reboot, in that pass or the next.
    const st3 = simState(d, 'dw1');
    for (const h of inMaint) {
      expect(st3.hosts[short(h)]?.reboot, h).toBeUndefined();
      for (const p of [1, 2, 3]) expect(fs.existsSync(execOut(d, p, 'reboot', h)), `${h} exec pass ${p}`).toBe(false);
      expect(third.out).not.toMatch(new RegExp(`^ran reboot ${esc(h)}`, 'm'));
      for (const e of openOf(d).filter((y) => y.host === h)) expect(e).toMatchObject({ pass: 2, ran: null });
    }
  }, 150_000);

  // ---------------------------------------------------------------- 2e. hosts already down in more data groups than allowed

  it('dead hosts spanning three data groups refuse every reboot there (invariant 4, "already span")', async ({ expect }) => {
    const d = demo('1');
    const max = (parseYaml(fs.readFileSync(d.policyFile, 'utf8')) as { safety: PolicyView['safety'] }).safety.max_down_datagroups;
    expect(max).toBe(2);
    const inv = inventory(d.simDir);
    const initial = hostsJsonOf(d);
    const ud = new Map(initial.map((e) => [e.hostName!, String(e['upgradeDomain'])]));
    const groupOf = (h: string) => inv.get(h)!.datagroup || ud.get(h) || '';
    const bytes = fs.readFileSync(d.hostsJson);
    // In dw1 and dw2, kill a plain healthy worker in each data group no dead host is in yet.
    for (const c of ['dw1', 'dw2']) {
      const st = simState(d, c);
      const workers = [...inv.values()].filter((r) => r.cluster === c && r.role === 'hadoop-worker').map((r) => r.host).sort();
      const down = new Set(workers.filter((h) => st.hosts[short(h)]?.dead !== undefined).map(groupOf));
      expect(down.size, `${c} has dead hosts`).toBeGreaterThan(0);
      for (const g of new Set(workers.map(groupOf))) {
        if (down.has(g)) continue;
        const victim = workers.find((h) => groupOf(h) === g && st.hosts[short(h)] === undefined)!;
        sim(d, 'fault', 'kill', victim);
        down.add(g);
      }
      expect(down.size).toBeGreaterThan(max);
    }

    const r = await passApply(d, '--op', 'reboot');
    expect(r.code, r.out + r.err).toBe(3);
    const plan = planOf(d, 1);
    const dayDir = dayDirOf(d);
    const dead = groupLines(path.join(dayDir, 'hdfs-dead'));
    const invTsv = new Map(table(path.join(dayDir, 'inventory.tsv')).map((x) => [x['host']!, x]));
    const udTsv = new Map(table(path.join(dayDir, 'hdfs-datanodes.tsv')).map((x) => [x['host']!, x['upgrade_domain'] ?? '']));
    for (const c of ['dw1', 'dw2']) {
      // From breakfix's own files: the dead hosts of the cluster span more groups than allowed.
      const spanned = new Set(dead.filter((h) => invTsv.get(h)?.['cluster'] === c).map((h) => invTsv.get(h)!['datagroup'] || udTsv.get(h) || ''));
      expect(spanned.size, c).toBeGreaterThan(max);
      const row = plan.budgets.find((b) => b.cluster === c && b.op === 'reboot')!;
      expect(row.candidates, `${c} had reboot candidates`).toBeGreaterThan(0);
      expect(row.chosen).toBe(0);
      expect(plan.chosen[`${c}.reboot`]).toBeUndefined();
      const refused = plan.refusals.filter((x) => x.cluster === c && x.op === 'reboot' && x.invariant === 4);
      expect(refused.length, JSON.stringify(plan.refusals)).toBeGreaterThan(0);
      expect(refused[0]!.host).toBeNull();
      expect(refused[0]!.message).toContain('already span');
      expect(refused[0]!.message).toContain(`${spanned.size} data groups`);
    }
    expect(fs.readFileSync(d.hostsJson).equals(bytes)).toBe(true);
    expect(openOf(d).filter((e) => e.cluster === 'dw1' || e.cluster === 'dw2')).toEqual([]);
  }, 150_000);

  // ---------------------------------------------------------------- 2a, continued: the file fixed

  it('once the combined hosts file is good again, the hosts whose reboot it stopped go into maintenance (those failed reads changed nothing on them)', async ({ expect }) => {
    const { d, good, runs } = await faultyFile();
    const stopped = runs[0]!.plan.chosen['dw1.reboot'] ?? [];
    expect(stopped.length).toBeGreaterThan(0);
    fs.writeFileSync(d.hostsJson, good);
    const pass = runs.length + 1;
    const r = await passApply(d, '--op', 'reboot');
    expect([0, 3], r.out + r.err).toContain(r.code);
    const plan = planOf(d, pass);
    expect(plan.refusals.filter((x) => x.cluster === 'dw1' && x.op === 'reboot'), 'no dw1 reboot refused').toEqual([]);
    const chosen = plan.chosen['dw1.reboot'] ?? [];
    expect(chosen).toEqual(stopped);
    for (const h of chosen) expect(entryOf(hostsJsonOf(d), h)[0]).toMatchObject({ adminState: 'IN_MAINTENANCE' });
    expect(openOf(d).filter((e) => e.cluster === 'dw1').map((e) => e.host)).toEqual(chosen);
  }, 150_000);

  // ---------------------------------------------------------------- 1, continued: the rules across ops at every pass

  it('at every one of the six passes: down and draining data groups plus chosen reboots span at most 2, the in-service floor holds, no op beyond its cap', async ({ expect }) => {
    const { d, snaps, policy } = await main();
    expect(policy.safety).toMatchObject({ max_down_datagroups: 2, min_in_service_pct: 90, max_candidates_pct: 20 });
    const maxDown = policy.safety.max_down_datagroups;
    const pct = policy.safety.min_in_service_pct;
    let spanChecked = 0;
    let floorChecked = 0;
    for (const s of snaps) {
      const clusters = [...new Set(s.plan.budgets.map((b) => b.cluster))];
      expect(clusters.sort()).toEqual(['dev1', 'dw1', 'dw2', 'hb-meta']);
      // Upgrade domains stand in where the inventory has no data group: every dw1 worker has one.
      for (const h of s.workers) if (s.clusterOf.get(h) === 'dw1') expect(s.dg.get(h), h).toMatch(/^ud\d$/);
      for (const c of clusters) {
        const workers = inCluster(s, c, s.workers);
        const n = workers.size;
        // No op beyond its cap: busy recounted from the files, chosen within what the cap leaves.
        for (const b of s.plan.budgets.filter((x) => x.cluster === c)) {
          const expr = policy.ops[b.op]?.busy;
          expect(expr, `policy busy of ${b.op}`).toBeDefined();
          const busy = inCluster(s, c, union(s, expr!));
          const chosen = chosenOf(s, c, b.op);
          const { cap } = shippedCap(c, n, b.op);
          const where = `pass ${s.pass} ${c}.${b.op}`;
          expect(b, where).toMatchObject({ workers: n, cap, busy: busy.size, chosen: chosen.length });
          expect(chosen.length, where).toBeLessThanOrEqual(Math.max(0, cap - busy.size));
          for (const h of chosen) expect(busy.has(h), `${where}: ${h} busy`).toBe(false);
        }
        const reboots = chosenOf(s, c, 'reboot');
        const drains = chosenOf(s, c, 'drain');
        // Data groups down (dead, in maintenance, open reboots) or draining, with this pass's choices.
        if (reboots.length > 0) {
          const down = inCluster(s, c, [...s.g.get('hdfs-dead')!, ...s.g.get('hdfs-maintenance')!, ...openBefore(s, 'reboot'), ...s.g.get('hdfs-decommissioning')!, ...openBefore(s, 'drain')]);
          const all = [...down, ...reboots, ...drains];
          const groups = new Set(all.map((h) => s.dg.get(h) ?? ''));
          expect(groups.size, `pass ${s.pass} ${c}: ${all.map((h) => `${h}=${s.dg.get(h)}`).join(' ')}`).toBeLessThanOrEqual(maxDown);
          spanChecked++;
        }
        // In service after the pass's drains and reboots.
        const inService = inCluster(s, c, [...s.g.get('hdfs-in-service')!].filter((h) => workers.has(h)));
        const taken = new Set([...reboots, ...drains].filter((h) => inService.has(h)));
        if (taken.size > 0) {
          const floor = Math.min(n - 1, Math.ceil((pct * n) / 100));
          expect(inService.size - taken.size, `pass ${s.pass} ${c}: ${inService.size} in service, ${taken.size} taken out, floor ${floor}`).toBeGreaterThanOrEqual(floor);
          floorChecked++;
        }
      }
      // Every applied host was chosen and acted on; nothing failed.
      for (const o of s.apply?.outcomes ?? []) expect(o, `pass ${s.pass}`).toMatchObject({ acted: chosenOf(s, o.cluster, o.op), failed: [] });
    }
    expect(spanChecked, 'passes that chose a reboot').toBeGreaterThan(0);
    expect(floorChecked, 'passes that took an in-service worker out').toBeGreaterThan(0);
    // dw2 rebooted directly within the passes (no combined file there): the command ran in the apply pass.
    const direct = snaps.find((s) => (outcomeOf(s, 'dw2', 'reboot')?.ok.length ?? 0) > 0);
    expect(direct, 'a direct dw2 reboot').toBeDefined();
    for (const h of outcomeOf(direct!, 'dw2', 'reboot')!.ok) expect(fs.existsSync(execOut(d, direct!.pass, 'reboot', h))).toBe(true);
  }, 150_000);
});
