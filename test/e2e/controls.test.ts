// The operator's controls end to end, bin/breakfix against the simulated
// datacenter of `breakfix demo` (fixtures/sim): pause and resume (a loop that
// is paused and resumed between its passes, a pause for every datacenter, a
// corrupt pause file, a pause that ends by itself), policy windows and
// freezes, rate limits, the watchdog of stuck plans with needs-human and
// `release`, and the lock that keeps a second actor away from a running loop.
//
// Each scenario runs on a datacenter of its own; all of them start together
// (they spend most of their time waiting for child processes) and the tests
// read back what each one recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, breakfix, cleanEnv, tempDirs, utcDay } from '../support/cli.js';
import { confDir, groupLines, hostsFile, readJson, show, SIM_BIN, type ShownHost } from '../support/simdc.js';

const tmp = tempDirs();
const SCENARIO_MS = 150_000;
/** No child process of these tests lives longer than this. */
const PROCESS_LIMIT_MS = 120_000;

/** Who pauses and releases: breakfix records user@host, the user from $SUDO_USER, else $USER. */
const PERSON = { USER: 'oncall', LOGNAME: 'oncall', SUDO_USER: '' };
const WHO = `oncall@${os.hostname()}`;

// ---------------------------------------------------------------- child processes, without blocking the event loop

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

interface Running {
  child: ChildProcess;
  done: Promise<Ran>;
  /** Resolves once `re` has matched `count` lines of stdout; rejects if the process ends first or after `ms`. */
  waitForLines(re: RegExp, count: number, ms: number): Promise<void>;
}

/** Children still running, and whether the file is done: a scenario nobody waits for (a filtered run) is stopped then. */
const children = new Set<ChildProcess>();
let closing = false;

function start(file: string, args: string[], cwd: string): Running {
  if (closing) throw new Error(`not starting ${path.basename(file)} ${args.join(' ')}: the tests are over`);
  const child = spawn(file, args, { cwd, env: cleanEnv(PERSON), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const limit = setTimeout(() => child.kill('SIGKILL'), PROCESS_LIMIT_MS);
  let ended = false;
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      children.delete(child);
      ended = true;
      resolve({ code, signal, out, err });
    });
  });
  const count = (re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;
  return {
    child,
    done,
    waitForLines: async (re, n, ms) => {
      const deadline = Date.now() + ms;
      while (count(re) < n) {
        if (ended) throw new Error(`${path.basename(file)} ${args.join(' ')} ended before ${n}× ${re}:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`no ${n}× ${re} within ${ms} ms:\n${out}`);
        await sleep(100);
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const run = (file: string, args: string[], cwd: string) => start(file, args, cwd).done;

// ---------------------------------------------------------------- a demo datacenter

interface Demo {
  dir: string;
  config: string;
  simDir: string;
  home: string;
  dcDir: string;
  clusters: string[];
}

/** `breakfix demo --passes 0`: the simulator, its config and a copy of the policy, no pass yet; `policy` edits that copy. */
async function makeDemo(policy?: (doc: ReturnType<typeof parseDocument>) => void): Promise<Demo> {
  const dir = tmp('breakfix-controls-');
  const r = await run(BIN, ['demo', '--home', dir, '--passes', '0', '--seed', '1'], dir);
  if (r.code !== 0) throw new Error(`breakfix demo exited ${r.code}: ${r.err}`);
  const simDir = path.join(dir, 'sim');
  if (policy) editPolicy(path.join(dir, 'policy', 'policy.yaml'), policy);
  const clusters = readJson<{ clusters: Array<{ name: string }> }>(path.join(simDir, 'sim.json')).clusters.map((c) => c.name);
  return { dir, config: path.join(dir, 'breakfix.yaml'), simDir, home: path.join(dir, 'home'), dcDir: path.join(dir, 'home', 'demo'), clusters };
}

function editPolicy(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  edit(doc);
  fs.writeFileSync(file, doc.toString());
}

/** A copy of the demo's policy directory, edited. */
function policyCopy(d: Demo, name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const to = path.join(d.dir, name);
  fs.cpSync(path.join(d.dir, 'policy'), to, { recursive: true });
  editPolicy(path.join(to, 'policy.yaml'), edit);
  return to;
}

const bf = (d: Demo, args: string[]) => run(BIN, ['--config', d.config, ...args], d.dir);
const sim = async (d: Demo, ...args: string[]) => {
  const r = await run(path.join(SIM_BIN, 'sim'), [args[0]!, '--sim', d.simDir, ...args.slice(1)], d.dir);
  if (r.code !== 0) throw new Error(`sim ${args.join(' ')} exited ${r.code}: ${r.err}`);
};

const dayDir = (d: Demo) => fs.realpathSync(path.join(d.dcDir, 'today'));
const planDir = (d: Demo, pass: number) => path.join(dayDir(d), 'plans', String(pass));
const dcPauseFile = (d: Demo) => path.join(d.dcDir, 'pause.json');
const homePauseFile = (d: Demo) => path.join(d.home, 'pause.json');

interface PauseJson {
  by: string;
  reason: string;
  since: string;
  until: string | null;
}

interface BudgetRow {
  cluster: string;
  op: string;
  cap: number;
  busy: number;
  headroom: number;
  candidates: number;
  chosen: number;
  why: string;
  rate_left: number | null;
  rates: string[];
}

interface WindowJson {
  open: boolean;
  why: string;
  next: string | null;
  text: string;
}

interface Plan {
  pass: number;
  dry_run: boolean;
  budgets: BudgetRow[];
  chosen: Record<string, string[]>;
  windows: Record<string, WindowJson>;
  paused: (Partial<PauseJson> & { file: string | null; errors: string[] }) | null;
}

interface Applied {
  applied: string;
  outcomes: Array<{ cluster: string; op: string; planned: string[]; acted: string[]; ok: string[]; failed: string[]; error?: string }>;
}

interface OpenEntry {
  host: string;
  cluster: string;
  op: string;
  applied: string;
}

const planOf = (d: Demo, pass: number) => readJson<Plan>(path.join(planDir(d, pass), 'plan.json'));
const applyOf = (d: Demo, pass: number): Applied | null => {
  const f = path.join(planDir(d, pass), 'apply.json');
  return fs.existsSync(f) ? readJson<Applied>(f) : null;
};
const openOf = (d: Demo): OpenEntry[] => {
  const f = path.join(d.dcDir, 'open.json');
  return fs.existsSync(f) ? readJson<{ entries: OpenEntry[] }>(f).entries : [];
};
const chosenCount = (p: Plan) => Object.values(p.chosen).reduce((n, hs) => n + hs.length, 0);
const okHosts = (a: Applied | null, op: string) => (a?.outcomes ?? []).filter((o) => o.op === op).flatMap((o) => o.ok);

// ---------------------------------------------------------------- what the datacenter looks like

interface World {
  /** Every file of every cluster's Hadoop conf directory (exclude files, dfs.hosts.json): path → text. */
  conf: Record<string, string>;
  /** Per cluster, the hosts kept out of HDFS (dfs.exclude, or DECOMMISSIONED in dfs.hosts.json) and out of YARN. */
  hdfsOut: Map<string, Set<string>>;
  yarnOut: Map<string, Set<string>>;
  /** `sim show`: every host not plainly healthy and in service. */
  hosts: Map<string, ShownHost>;
}

/** Hosts a combined hosts file (JSON array, or one object a line) says are DECOMMISSIONED. */
function decommissionedInJson(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!text) return [];
  const entries: Array<{ hostName: string; adminState?: string }> = text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return entries.filter((e) => e.adminState === 'DECOMMISSIONED').map((e) => e.hostName.toLowerCase());
}

function world(d: Demo): World {
  const conf: Record<string, string> = {};
  const hdfsOut = new Map<string, Set<string>>();
  const yarnOut = new Map<string, Set<string>>();
  for (const c of d.clusters) {
    const dir = confDir(d.simDir, c);
    for (const f of fs.readdirSync(dir).sort()) conf[`${c}/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
    hdfsOut.set(c, new Set([...hostsFile(path.join(dir, 'dfs.exclude')), ...decommissionedInJson(path.join(dir, 'dfs.hosts.json'))]));
    yarnOut.set(c, new Set(hostsFile(path.join(dir, 'yarn.exclude'))));
  }
  return { conf, hdfsOut, yarnOut, hosts: show(d.simDir).hosts };
}

const allOut = (w: World) => new Set([...w.hdfsOut.values(), ...w.yarnOut.values()].flatMap((s) => [...s]));

/** The lines of stdout from `=== pass N ` to the next header (a loop prints several passes). */
function passSection(out: string, pass: number): string {
  const lines = out.split('\n');
  const from = lines.findIndex((l) => l.startsWith(`=== pass ${pass} `));
  if (from < 0) throw new Error(`no pass ${pass} in:\n${out}`);
  const to = lines.findIndex((l, i) => i > from && l.startsWith('=== pass '));
  return lines.slice(from, to < 0 ? undefined : to).join('\n') + '\n';
}

const headerTime = (section: string) => Date.parse(/^=== pass \d+ \S+ (\S+) /.exec(section)![1]!);
const hasLine = (text: string, line: string) => text.split('\n').includes(line);
const pauseLine = (p: PauseJson) => `paused by ${p.by} since ${p.since}: ${p.reason} (${p.until === null ? 'until resumed' : `until ${p.until}`})`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------- scenarios, started together

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}

const REASON_1 = 'swapping the dw1 uplinks';
const REASON_2 = 'rack power work in dw2';

/**
 * Runs `args` and watches `file` meanwhile: the moment it first exists (or no
 * longer does) is when the command took effect for a loop reading the file.
 */
async function changingFile(d: Demo, args: string[], file: string, exists: boolean): Promise<{ ran: Ran; at: number }> {
  const p = start(BIN, ['--config', d.config, ...args], d.dir);
  let at = NaN;
  let over = false;
  void p.done.then(() => (over = true));
  for (;;) {
    if (fs.existsSync(file) === exists) {
      at = Date.now();
      break;
    }
    if (over) break;
    await sleep(10);
  }
  return { ran: await p.done, at };
}

const EVERY = 8;
const SLEEPING = new RegExp(`^sleeping ${EVERY}s until the next pass$`);

/** A loop of three passes, paused before it starts, resumed after its first pass and paused again after its second. */
const pauseLoop = once(async () => {
  const d = await makeDemo();
  const pausing = await bf(d, ['pause', '--reason', REASON_1]);
  const pause1 = readJson<PauseJson>(dcPauseFile(d));
  const w0 = world(d);
  const loop = start(BIN, ['--config', d.config, 'loop', '--apply', '--every', `${EVERY}s`, '--max-passes', '3', '--verbose'], d.dir);
  await loop.waitForLines(SLEEPING, 1, PROCESS_LIMIT_MS);
  const w1 = world(d);
  const resumed = await changingFile(d, ['resume'], dcPauseFile(d), false);
  await loop.waitForLines(SLEEPING, 2, PROCESS_LIMIT_MS);
  const w2 = world(d);
  const paused2 = await changingFile(d, ['pause', '--reason', REASON_2], dcPauseFile(d), true);
  const pause2 = readJson<PauseJson>(dcPauseFile(d));
  const loopRan = await loop.done;
  const w3 = world(d);
  return {
    d,
    pausing,
    pause1,
    resuming: resumed.ran,
    resumedAt: resumed.at,
    pausing2: paused2.ran,
    pausedAt: paused2.at,
    pause2,
    loopRan,
    w: [w0, w1, w2, w3],
    plans: [1, 2, 3].map((p) => planOf(d, p)),
    applies: [1, 2, 3].map((p) => applyOf(d, p)),
  };
});

/** Without --reason; paused with --all: a pass --apply, then apply of its saved plan; resume --all. */
const pauseAll = once(async () => {
  const d = await makeDemo();
  const noReason = await bf(d, ['pause']);
  const noReasonFiles = [dcPauseFile(d), homePauseFile(d)].filter((f) => fs.existsSync(f));
  const pausingAll = await bf(d, ['pause', '--all', '--reason', 'network maintenance, every datacenter']);
  const allPause = readJson<PauseJson>(homePauseFile(d));
  const dcFileWhileAll = fs.existsSync(dcPauseFile(d));
  const w0 = world(d);
  const pass1 = await bf(d, ['pass', '--apply']);
  const w1 = world(d);
  const applying = await bf(d, ['apply']);
  const w2 = world(d);
  const resumingAll = await bf(d, ['resume', '--all']);
  return {
    d,
    noReason,
    noReasonFiles,
    pausingAll,
    allPause,
    dcFileWhileAll,
    pass1,
    applying,
    resumingAll,
    homeFileAfterResume: fs.existsSync(homePauseFile(d)),
    w: [w0, w1, w2],
    plan1: planOf(d, 1),
    apply1: applyOf(d, 1),
  };
});

/** A corrupt pause.json, then a pause --for 1s that runs out before the next pass. */
const pauseBroken = once(async () => {
  const d = await makeDemo();
  const w0 = world(d);
  fs.writeFileSync(dcPauseFile(d), '{');
  const pass1 = await bf(d, ['pass', '--apply']);
  const w1 = world(d);
  const corruptAfter = fs.existsSync(dcPauseFile(d)) ? fs.readFileSync(dcPauseFile(d), 'utf8') : null;

  const pausingFor = await bf(d, ['pause', '--reason', 'a short look', '--for', '1s']);
  const shortPause = readJson<PauseJson>(dcPauseFile(d));
  if (shortPause.until !== null) await sleep(Math.max(0, Date.parse(shortPause.until) - Date.now() + 200));
  const pass2 = await bf(d, ['pass', '--apply']);
  const w2 = world(d);
  return {
    d,
    pass1,
    corruptAfter,
    pausingFor,
    shortPause,
    pass2,
    fileAfterExpiry: fs.existsSync(dcPauseFile(d)),
    w: [w0, w1, w2],
    plans: [1, 2].map((p) => planOf(d, p)),
    applies: [1, 2].map((p) => applyOf(d, p)),
  };
});

const DAY_MS = 86_400_000;
const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A pass under a freeze covering today (return: always), then one outside a window that opens tomorrow. */
const windowsScenario = once(async () => {
  const d = await makeDemo();
  const now = Date.now();
  const [yesterday, tomorrow, after] = [now - DAY_MS, now + DAY_MS, now + 2 * DAY_MS].map((t) => new Date(t));
  const freezeDir = policyCopy(d, 'policy-freeze', (doc) =>
    doc.set('windows', doc.createNode({ freeze: [{ from: utcDay(yesterday), to: utcDay(tomorrow), reason: 'test freeze' }], ops: { return: 'always' } })),
  );
  const closedDir = policyCopy(d, 'policy-closed', (doc) =>
    doc.set('windows', doc.createNode({ allow: [{ days: [DOW[tomorrow.getUTCDay()]!.toLowerCase()], hours: '09:00-10:00' }] })),
  );
  const frozenText = `frozen: test freeze (until ${utcDay(tomorrow)}, opens ${DOW[after.getUTCDay()]} 00:00 UTC)`;
  const closedText = `outside window: opens ${DOW[tomorrow.getUTCDay()]} 09:00 UTC`;
  const w0 = world(d);
  const frozen = await bf(d, ['--policy', freezeDir, 'pass', '--apply']);
  const w1 = world(d);
  const closed = await bf(d, ['--policy', closedDir, 'pass', '--apply']);
  const w2 = world(d);
  return {
    d,
    frozenText,
    closedText,
    frozen,
    closed,
    w: [w0, w1, w2],
    plans: [1, 2].map((p) => planOf(d, p)),
    applies: [1, 2].map((p) => applyOf(d, p)),
    planFiles: [1, 2].map((p) => fs.readdirSync(planDir(d, p)).sort()),
  };
});

/** Two passes under `rate: { drain: { dc: 1/1d } }`. */
const ratesScenario = once(async () => {
  const d = await makeDemo((doc) => doc.set('rate', doc.createNode({ drain: { dc: '1/1d' } })));
  const w0 = world(d);
  const pass1 = await bf(d, ['pass', '--apply', '--verbose']);
  const w1 = world(d);
  const pass2 = await bf(d, ['pass', '--apply', '--verbose']);
  const w2 = world(d);
  return { d, pass1, pass2, w: [w0, w1, w2], plans: [1, 2].map((p) => planOf(d, p)), applies: [1, 2].map((p) => applyOf(d, p)) };
});

/** A drain with a 1s timeout that HDFS never finishes; needs-human; release by hand; the next pass. */
const watchdogScenario = once(async () => {
  const d = await makeDemo((doc) => doc.setIn(['operations', 'drain', 'timeout'], '1s'));
  const pass1 = await bf(d, ['pass', '--apply']);
  const drained = okHosts(applyOf(d, 1), 'drain').sort();
  if (drained.length === 0) throw new Error(`the first pass drained nobody:\n${pass1.out}${pass1.err}`);
  const host = drained[0]!;
  await sim(d, 'fault', 'decommission-stuck', host);
  const applied = openOf(d).find((e) => e.host === host && e.op === 'drain');
  if (!applied) throw new Error(`${host} is not in open.json after its drain`);
  await sleep(Math.max(0, Date.parse(applied.applied) + 1_500 - Date.now()));

  const pass2 = await bf(d, ['pass', '--apply']);
  const day = dayDir(d);
  const group = (g: string) => groupLines(path.join(day, g));
  const after2 = {
    stuck: group('stuck.drain'),
    plansDrain: group('plans.drain'),
    dead: group('hdfs-dead'),
    decommissioning: group('hdfs-decommissioning'),
    needsHuman: fs.readFileSync(path.join(day, 'needs-human.tsv'), 'utf8'),
    inventory: fs.readFileSync(path.join(day, 'inventory.tsv'), 'utf8'),
    workers: group('hadoop-workers'),
    shown: show(d.simDir).hosts.get(host),
    plan: planOf(d, 2),
  };
  const open2 = openOf(d);
  const openText2 = fs.readFileSync(path.join(d.dcDir, 'open.json'), 'utf8');
  const notOpen = after2.workers.find((h) => !open2.some((e) => e.host === h))!;

  const releaseNoReason = await bf(d, ['release', host]);
  const openAfterNoReason = fs.readFileSync(path.join(d.dcDir, 'open.json'), 'utf8');
  const releaseNotOpen = await bf(d, ['release', notOpen, '--reason', 'nothing to see']);
  const releasedFile = path.join(d.dcDir, 'released.jsonl');
  const releasedBefore = fs.existsSync(releasedFile) ? fs.readFileSync(releasedFile, 'utf8') : '';
  const release = await bf(d, ['release', host, '--reason', 'looked at it']);
  const releasedAfter = fs.existsSync(releasedFile) ? fs.readFileSync(releasedFile, 'utf8') : '';
  const open3 = openOf(d);

  const pass3 = await bf(d, ['pass', '--apply']);
  const after3 = {
    stuck: group('stuck.drain'),
    needsHuman: fs.readFileSync(path.join(dayDir(d), 'needs-human.tsv'), 'utf8'),
    open: openOf(d),
  };
  const which = await bf(d, ['which', host]);
  return {
    d,
    host,
    cluster: applied.cluster,
    applied: applied.applied,
    drained,
    pass1,
    pass2,
    after2,
    open2,
    openText2,
    notOpen,
    releaseNoReason,
    openAfterNoReason,
    releaseNotOpen,
    releasedBefore,
    release,
    releasedAfter,
    open3,
    pass3,
    after3,
    which,
  };
});

/** A loop holding the lock while another apply and pass --apply try to act; then SIGTERM. */
const racesScenario = once(async () => {
  const d = await makeDemo();
  // --max-passes 2: should the test stop before its SIGTERM, the loop still ends by itself.
  const loop = start(BIN, ['--config', d.config, 'loop', '--apply', '--every', '60s', '--max-passes', '2'], d.dir);
  await loop.waitForLines(/^sleeping 60s until the next pass$/, 1, PROCESS_LIMIT_MS);
  const lockFile = path.join(d.dcDir, 'loop.lock');
  const lock = readJson<{ pid: number; host: string; start: string }>(lockFile);
  const openBefore = fs.readFileSync(path.join(d.dcDir, 'open.json'), 'utf8');
  const w1 = world(d);
  // A plan nobody applied yet: the latest plan of the day, what `apply` would act on.
  const planning = await bf(d, ['plan']);
  const passesBefore = fs.readdirSync(path.join(dayDir(d), 'plans')).sort();
  const applying = await bf(d, ['apply']);
  const passing = await bf(d, ['pass', '--apply']);
  const passesAfter = fs.readdirSync(path.join(dayDir(d), 'plans')).sort();
  const openAfter = fs.readFileSync(path.join(d.dcDir, 'open.json'), 'utf8');
  const w2 = world(d);
  const lockStillHeld = fs.existsSync(lockFile);
  loop.child.kill('SIGTERM');
  const loopRan = await loop.done;
  return {
    d,
    lockFile,
    lock,
    loopPid: loop.child.pid,
    openBefore,
    openAfter,
    planning,
    passesBefore,
    passesAfter,
    applying,
    passing,
    w: [w1, w2],
    lockStillHeld,
    loopRan,
    lockGone: !fs.existsSync(lockFile),
    apply1: applyOf(d, 1),
  };
});

const started: Array<Promise<unknown>> = [];

/** Starts scenarios in the background; the tests of a suite wait for the ones they read. */
const kickOff = (...scenarios: Array<() => Promise<unknown>>) =>
  beforeAll(() => {
    for (const s of scenarios) started.push(s().catch(() => undefined));
  });

// Before the temporary directories go: stop whatever still runs, and let every scenario end.
afterAll(async () => {
  closing = true;
  for (const c of children) c.kill('SIGKILL');
  await Promise.allSettled(started);
}, 30_000);

// The five suites run side by side (at most five run at once), each starting its scenarios first.
describe.concurrent('operator controls', () => {
  // ---------------------------------------------------------------- 1. pause

  describe('pause and resume', () => {
    kickOff(pauseLoop, pauseAll, pauseBroken);

    it('a loop paused before its first pass plans but acts on nothing; resume lets the next pass act; a pause written between passes stops the next', async () => {
      const s = await pauseLoop();
      const [w0, w1, w2, w3] = s.w as [World, World, World, World];
      const [p1, p2, p3] = s.plans as [Plan, Plan, Plan];
      const out = s.loopRan.out;
      expect(s.pausing.code, s.pausing.err).toBe(0);
      expect(s.pause1).toEqual({ by: WHO, reason: REASON_1, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/), until: null });
      expect(s.pausing.out).toContain(`${pauseLine(s.pause1)}\n`);
      expect(s.loopRan.code, out + s.loopRan.err).toBe(0);
      // The pause and the resume were in place before the passes they were meant for began.
      const [sec1, sec2, sec3] = [1, 2, 3].map((p) => passSection(out, p)) as [string, string, string];
      expect(headerTime(sec2), 'resumed before pass 2').toBeGreaterThanOrEqual(s.resumedAt);
      expect(headerTime(sec3), 'paused again before pass 3').toBeGreaterThanOrEqual(s.pausedAt);

      // Pass 1, paused: pulled, derived and planned (hosts chosen), acted on nothing.
      expect(sec1).toMatch(/^hdfs-dw1 +ok /m);
      expect(sec1).toMatch(/^derived /m);
      expect(hasLine(sec1, pauseLine(s.pause1)), sec1).toBe(true);
      expect(hasLine(sec1, `${pauseLine(s.pause1)}: nothing applied`), sec1).toBe(true);
      expect(sec1).not.toMatch(/^applied /m);
      expect(p1.dry_run).toBe(true);
      expect(p1.paused).toMatchObject({ ...s.pause1, file: path.join(s.d.dcDir, 'pause.json') });
      expect(chosenCount(p1)).toBeGreaterThan(0);
      expect(s.applies[0]).toBeNull();
      expect(w1.conf).toEqual(w0.conf);
      expect(w1.hosts).toEqual(w0.hosts);

      // Pass 2, resumed: acts, and the drains reach the exclude files.
      expect(s.resuming.code, s.resuming.err).toBe(0);
      expect(s.resuming.out).toContain(`resumed datacenter demo (${pauseLine(s.pause1)})`);
      expect(sec2).not.toContain('paused by');
      expect(p2.dry_run).toBe(false);
      expect(p2.paused).toBeNull();
      const a2 = s.applies[1]!;
      expect(a2).not.toBeNull();
      const drained = okHosts(a2, 'drain');
      expect(drained.length).toBeGreaterThan(0);
      expect(sec2).toMatch(/^applied \S+\.drain: \d+ ok$/m);
      expect(w2.conf).not.toEqual(w1.conf);
      for (const o of a2.outcomes.filter((x) => x.op === 'drain')) {
        for (const h of o.ok) {
          expect(w2.hdfsOut.get(o.cluster)!.has(h), `${h} out of HDFS`).toBe(true);
          expect(w2.yarnOut.get(o.cluster)!.has(h), `${h} out of YARN`).toBe(true);
        }
      }

      // Pass 3, paused again between passes: nothing more acts.
      expect(s.pausing2.code, s.pausing2.err).toBe(0);
      expect(s.pause2).toMatchObject({ by: WHO, reason: REASON_2, until: null });
      expect(hasLine(sec3, pauseLine(s.pause2)), sec3).toBe(true);
      expect(hasLine(sec3, `${pauseLine(s.pause2)}: nothing applied`), sec3).toBe(true);
      expect(sec3).not.toMatch(/^applied /m);
      expect(p3.dry_run).toBe(true);
      expect(p3.paused).toMatchObject({ reason: REASON_2, by: WHO, since: s.pause2.since });
      expect(s.applies[2]).toBeNull();
      expect(w3.conf).toEqual(w2.conf);
    }, SCENARIO_MS);

    it('pause without --reason is a usage error (exit 2) and pauses nothing', async () => {
      const s = await pauseAll();
      expect(s.noReason.code).toBe(2);
      expect(s.noReason.err).toMatch(/--reason/);
      expect(s.noReasonFiles).toEqual([]);
    }, SCENARIO_MS);

    it('pause --all pauses through <home>/pause.json: pass --apply plans, acts on nothing and exits 0; apply of the saved plan says not applied', async () => {
      const s = await pauseAll();
      const [w0, w1, w2] = s.w as [World, World, World];
      expect(s.pausingAll.code, s.pausingAll.err).toBe(0);
      expect(s.allPause).toEqual({ by: WHO, reason: 'network maintenance, every datacenter', since: expect.any(String), until: null });
      expect(s.dcFileWhileAll).toBe(false);

      expect(s.pass1.code, s.pass1.out + s.pass1.err).toBe(0);
      expect(hasLine(s.pass1.out, pauseLine(s.allPause)), s.pass1.out).toBe(true);
      expect(s.pass1.out).toMatch(/^derived /m);
      expect(s.pass1.out).not.toMatch(/^applied /m);
      expect(s.plan1.dry_run).toBe(true);
      expect(s.plan1.paused).toMatchObject({ ...s.allPause, file: homePauseFile(s.d) });
      expect(chosenCount(s.plan1)).toBeGreaterThan(0);
      expect(w1.conf).toEqual(w0.conf);
      expect(w1.hosts).toEqual(w0.hosts);

      // The saved plan of that pass, applied by hand while still paused.
      expect(s.applying.code, s.applying.out + s.applying.err).toBe(0);
      expect(s.applying.out).toContain(pauseLine(s.allPause));
      expect(s.applying.out).toMatch(/not applied/);
      expect(s.apply1).toBeNull();
      expect(w2.conf).toEqual(w0.conf);

      expect(s.resumingAll.code, s.resumingAll.out + s.resumingAll.err).toBe(0);
      expect(s.homeFileAfterResume).toBe(false);
    }, SCENARIO_MS);

    it('a corrupt pause.json pauses, with an error naming the file, and is left in place', async () => {
      const s = await pauseBroken();
      const [w0, w1] = s.w as [World, World, World];
      const p1 = s.plans[0]!;
      const file = dcPauseFile(s.d);
      expect(s.pass1.code, s.pass1.out + s.pass1.err).toBe(0);
      expect(s.pass1.out + s.pass1.err).toMatch(new RegExp(`^error: .*${esc(file)}`, 'm'));
      expect(s.pass1.out).toMatch(/^derived /m);
      expect(s.pass1.out).not.toMatch(/^applied /m);
      expect(p1.dry_run).toBe(true);
      expect(p1.paused).not.toBeNull();
      expect(p1.paused!.file).toBe(file);
      expect(chosenCount(p1)).toBeGreaterThan(0);
      expect(s.applies[0]).toBeNull();
      expect(w1.conf).toEqual(w0.conf);
      expect(w1.hosts).toEqual(w0.hosts);
      expect(s.corruptAfter).toBe('{');
    }, SCENARIO_MS);

    it('a pause --for that has run out ends by itself: the next pass says so, removes the file and acts', async () => {
      const s = await pauseBroken();
      const [, w1, w2] = s.w as [World, World, World];
      const p2 = s.plans[1]!;
      expect(s.pausingFor.code, s.pausingFor.err).toBe(0);
      expect(s.shortPause).toMatchObject({ by: WHO, reason: 'a short look', until: expect.any(String) });
      expect(s.pass2.code === 0 || s.pass2.code === 3, s.pass2.out + s.pass2.err).toBe(true);
      expect(s.pass2.out).toMatch(new RegExp(`^pause ended by itself at ${esc(s.shortPause.until!)}: ${esc(pauseLine(s.shortPause))}`, 'm'));
      expect(s.pass2.out).not.toContain('nothing applied');
      expect(s.fileAfterExpiry).toBe(false);
      expect(p2.dry_run).toBe(false);
      expect(p2.paused).toBeNull();
      const a2 = s.applies[1];
      expect(a2).not.toBeNull();
      expect(s.pass2.out).toMatch(/^applied \S+: \d+ ok$/m);
      const drained = okHosts(a2, 'drain');
      expect(drained.length).toBeGreaterThan(0);
      for (const h of drained) expect(allOut(w2).has(h) && !allOut(w1).has(h), h).toBe(true);
    }, SCENARIO_MS);

    it('pause --for D records an until D after its since', () => {
      const home = tmp('breakfix-controls-home-');
      const r = breakfix(['--home', home, '--dc', 'demo', 'pause', '--reason', 'two hours of firmware', '--for', '2h'], { cwd: home, env: PERSON });
      expect(r.code, r.err).toBe(0);
      const p = readJson<PauseJson>(path.join(home, 'demo', 'pause.json'));
      expect(p).toMatchObject({ by: WHO, reason: 'two hours of firmware' });
      expect(Date.parse(p.until!) - Date.parse(p.since)).toBe(2 * 3_600_000);
      expect(r.out).toContain(`${pauseLine(p)}\n`);
    });
  });

  // ---------------------------------------------------------------- 2. windows and freezes

  describe('policy windows', () => {
    kickOff(windowsScenario);

    it('a freeze covering today: hosts are still chosen, nothing but the always-open return is applied, exclude files untouched by drains', async () => {
      const s = await windowsScenario();
      const [w0, w1] = s.w as [World, World];
      const p = s.plans[0]!;
      const a = s.applies[0];
      expect(s.frozen.code === 0 || s.frozen.code === 3, s.frozen.out + s.frozen.err).toBe(true);
      expect(p.windows.drain).toMatchObject({ open: false, why: 'frozen', text: s.frozenText });
      expect(p.windows.return).toMatchObject({ open: true, why: 'always' });
      expect(s.frozen.out).toContain(`window drain: ${s.frozenText}`);

      const drains = Object.entries(p.chosen).filter(([k]) => k.endsWith('.drain'));
      expect(drains.length).toBeGreaterThan(0);
      for (const [key, hosts] of drains) {
        expect(hosts.length).toBeGreaterThan(0);
        expect(s.planFiles[0]).toContain(key);
        expect(hasLine(s.frozen.out, `not applied ${key}: ${s.frozenText}`), `${key}\n${s.frozen.out}`).toBe(true);
        for (const h of hosts) {
          expect(allOut(w1).has(h), `${h} excluded`).toBe(false);
          expect(w1.hosts.get(h)?.hdfs ?? 'Normal', h).toBe('Normal');
        }
      }
      // Every windowed op chosen was held back; the return (always) went ahead.
      for (const [key, hosts] of Object.entries(p.chosen)) {
        if (hosts.length === 0) continue;
        const o = a?.outcomes.find((x) => `${x.cluster}.${x.op}` === key);
        if (key.endsWith('.return')) {
          expect(s.frozen.out).toContain(`applied ${key}: ${hosts.length} ok\n`);
          expect(o).toMatchObject({ ok: hosts });
        } else {
          expect(o?.acted ?? [], key).toEqual([]);
          expect(o?.ok ?? [], key).toEqual([]);
        }
      }
      // The exclude files changed only by the return.
      const returned = okHosts(a, 'return');
      expect(returned.length).toBeGreaterThan(0);
      for (const c of s.d.clusters) {
        expect([...w1.hdfsOut.get(c)!].sort(), c).toEqual([...w0.hdfsOut.get(c)!].filter((h) => !returned.includes(h)).sort());
        expect([...w1.yarnOut.get(c)!].sort(), c).toEqual([...w0.yarnOut.get(c)!].filter((h) => !returned.includes(h)).sort());
      }
    }, SCENARIO_MS);

    it('outside the allowed hours: the plan still chooses, nothing is applied, and the output says when the window opens', async () => {
      const s = await windowsScenario();
      const [, w1, w2] = s.w as [World, World, World];
      const p = s.plans[1]!;
      expect(s.closed.code === 0 || s.closed.code === 3, s.closed.out + s.closed.err).toBe(true);
      for (const op of ['drain', 'return']) expect(p.windows[op], op).toMatchObject({ open: false, why: 'outside', text: s.closedText });
      expect(s.closed.out).toContain(`window drain: ${s.closedText}`);
      const chosen = Object.entries(p.chosen).filter(([, hs]) => hs.length > 0);
      expect(chosen.map(([k]) => k)).toContainEqual(expect.stringMatching(/\.drain$/));
      for (const [key] of chosen) expect(hasLine(s.closed.out, `not applied ${key}: ${s.closedText}`), key).toBe(true);
      expect(s.closed.out).not.toMatch(/^applied /m);
      for (const o of s.applies[1]?.outcomes ?? []) expect(o.acted, `${o.cluster}.${o.op}`).toEqual([]);
      expect(w2.conf).toEqual(w1.conf);
    }, SCENARIO_MS);
  });

  // ---------------------------------------------------------------- 3. rates

  describe('rate limits', () => {
    kickOff(ratesScenario);

    it('rate drain dc 1/1d: one drain in all over two passes, the second says limited by rate', async () => {
      const s = await ratesScenario();
      const [w0, , w2] = s.w as [World, World, World];
      const [p1, p2] = s.plans as [Plan, Plan];
      for (const r of [s.pass1, s.pass2]) expect(r.code === 0 || r.code === 3, r.out + r.err).toBe(true);
      const drains = (p: Plan) => p.budgets.filter((b) => b.op === 'drain');
      for (const b of [...drains(p1), ...drains(p2)]) {
        expect(typeof b.rate_left, `${b.cluster}`).toBe('number');
        expect(b.rates.length).toBe(1);
        expect(b.rates[0]).toMatch(/^dc 1\/1d: \d+ used/);
      }
      // Without the rate more than one drain had room in the first pass.
      expect(drains(p1).filter((b) => b.headroom > 0 && b.candidates > 0).length).toBeGreaterThan(1);
      const acted = [...okHosts(s.applies[0], 'drain'), ...okHosts(s.applies[1], 'drain')];
      expect(acted.length).toBe(1);
      expect(drains(p1).reduce((n, b) => n + b.chosen, 0)).toBe(1);
      expect(drains(p2).reduce((n, b) => n + b.chosen, 0)).toBe(0);
      // Only that host went into the exclude files.
      const newlyOut = [...allOut(w2)].filter((h) => !allOut(w0).has(h));
      expect(newlyOut).toEqual(acted);

      const limited = drains(p2).filter((b) => b.headroom > 0 && b.candidates > 0);
      expect(limited.length).toBeGreaterThan(0);
      for (const b of limited) expect(b.why, b.cluster).toBe('limited by rate (dc 1/1d: 1 used)');
      for (const b of drains(p2)) {
        expect(b.rate_left).toBe(0);
        expect(b.rates).toEqual(['dc 1/1d: 1 used']);
      }
      for (const b of limited) expect(s.pass2.out).toMatch(new RegExp(`^${esc(b.cluster)} +\\S+ +drain .* limited by rate \\(dc 1/1d: 1 used\\)$`, 'm'));
    }, SCENARIO_MS);
  });

  // ---------------------------------------------------------------- 4. watchdog, needs-human, release

  describe('stuck plans', () => {
    kickOff(watchdogScenario);

    it('a drain open past its timeout is stuck: stuck.drain, needs-human.tsv, a warning, and it still holds its slot', async () => {
      const s = await watchdogScenario();
      const a = s.after2;
      expect(s.pass1.code === 0 || s.pass1.code === 3, s.pass1.out + s.pass1.err).toBe(true);
      expect(s.pass2.code === 0 || s.pass2.code === 3, s.pass2.out + s.pass2.err).toBe(true);
      expect(a.shown?.hdfs).toBe('Decommission in progress');
      expect(a.stuck).toContain(s.host);
      // Only open drains can be stuck.
      for (const h of a.stuck) expect(s.open2.some((e) => e.host === h && e.op === 'drain'), h).toBe(true);
      expect(s.pass2.out).toMatch(new RegExp(`^warning stuck: drain ${esc(s.host)}\\b`, 'm'));

      const [header, ...rows] = a.needsHuman.trimEnd().split('\n');
      expect(header).toBe('host\tcluster\top\treason\tsince');
      const row = rows.map((r) => r.split('\t')).find((f) => f[0] === s.host);
      expect(row, a.needsHuman).toBeDefined();
      expect(row!.length).toBe(5);
      expect(row!.slice(1, 3)).toEqual([s.cluster, 'drain']);
      expect(row![3]).toMatch(/timeout/);
      expect(row![3]).toContain(`breakfix release ${s.host}`);
      expect(row![4]).toBe(s.applied);

      // Still busy for drain: its budget row counts it.
      expect(a.plansDrain).toContain(s.host);
      const clusterOf = new Map(a.inventory.trimEnd().split('\n').slice(1).map((l) => l.split('\t')).map((f) => [f[0]!, f[1]!]));
      const busy = new Set([...a.dead, ...a.decommissioning, ...a.plansDrain].filter((h) => clusterOf.get(h) === s.cluster));
      expect(busy.has(s.host)).toBe(true);
      const rowOf = a.plan.budgets.find((b) => b.cluster === s.cluster && b.op === 'drain')!;
      expect(rowOf.busy).toBe(busy.size);
    }, SCENARIO_MS);

    it('release needs a reason (exit 2) and an open plan (exit 1); with both it closes the plan and records who and why', async () => {
      const s = await watchdogScenario();
      expect(s.releaseNoReason.code).toBe(2);
      expect(s.releaseNoReason.err).toMatch(/--reason/);
      expect(s.openAfterNoReason).toBe(s.openText2);

      expect(s.releaseNotOpen.code).toBe(1);
      expect(s.releaseNotOpen.err + s.releaseNotOpen.out).toContain(`${s.notOpen} has no open plan`);

      expect(s.release.code, s.release.out + s.release.err).toBe(0);
      expect(s.release.out).toMatch(new RegExp(`^released ${esc(s.host)} by ${esc(WHO)}: looked at it`, 'm'));
      expect(s.open3.some((e) => e.host === s.host)).toBe(false);
      expect(s.open3).toEqual(s.open2.filter((e) => e.host !== s.host));
      expect(s.releasedAfter.startsWith(s.releasedBefore)).toBe(true);
      const added = s.releasedAfter.slice(s.releasedBefore.length).split('\n').filter(Boolean);
      expect(added.length).toBe(1);
      expect(JSON.parse(added[0]!)).toMatchObject({ host: s.host, by: WHO, reason: 'looked at it', ops: ['drain'] });
    }, SCENARIO_MS);

    it('after the release the next pass no longer has the host stuck or in needs-human, and which shows the release', async () => {
      const s = await watchdogScenario();
      expect(s.pass3.code === 0 || s.pass3.code === 3, s.pass3.out + s.pass3.err).toBe(true);
      expect(s.after3.stuck).not.toContain(s.host);
      expect(s.after3.needsHuman.split('\n').some((l) => l.split('\t')[0] === s.host)).toBe(false);
      expect(s.pass3.out).not.toContain(`warning stuck: drain ${s.host} `);
      expect(s.after3.open.some((e) => e.host === s.host)).toBe(false);
      // The watchdog still watches the other drains of the first pass that are open.
      const othersOpen = s.after3.open.filter((e) => e.op === 'drain' && s.drained.includes(e.host)).map((e) => e.host);
      for (const h of othersOpen) expect(s.after3.stuck).toContain(h);
      expect(s.which.code, s.which.err).toBe(0);
      expect(s.which.out).toContain(`released ${s.host} by ${WHO}: looked at it`);
    }, SCENARIO_MS);
  });

  // ---------------------------------------------------------------- 5. one actor at a time

  describe('the loop lock', () => {
    kickOff(racesScenario);

    it('while a loop --apply holds the lock, apply and pass --apply are refused naming the holder; SIGTERM stops the loop with 143', async () => {
      const s = await racesScenario();
      expect(s.lock.pid).toBe(s.loopPid);
      expect(s.lock.host).toBe(os.hostname());
      expect(s.planning.code === 0 || s.planning.code === 3, s.planning.out + s.planning.err).toBe(true);
      const latest = Math.max(...s.passesBefore.map(Number));
      expect(latest).toBeGreaterThan(1);

      for (const [what, r] of [
        ['apply', s.applying],
        ['pass --apply', s.passing],
      ] as const) {
        expect(r.code, `${what}: ${r.out}${r.err}`).not.toBe(0);
        expect(r.err, what).toContain(s.lockFile);
        expect(r.err, what).toContain(`pid ${s.loopPid} on ${os.hostname()}`);
        expect(r.out, what).not.toMatch(/^applied /m);
      }
      // Neither acted nor planned: no apply record, no new pass, open.json and the exclude files as they were.
      expect(fs.existsSync(path.join(planDir(s.d, latest), 'apply.json'))).toBe(false);
      expect(s.passesAfter).toEqual(s.passesBefore);
      expect(s.openAfter).toBe(s.openBefore);
      expect(s.w[1]!.conf).toEqual(s.w[0]!.conf);
      // open.json holds exactly what the loop applied.
      const open = (JSON.parse(s.openAfter) as { entries: OpenEntry[] }).entries.map((e) => `${e.op} ${e.host}`).sort();
      expect(open).toEqual((s.apply1?.outcomes ?? []).flatMap((o) => o.ok.map((h) => `${o.op} ${h}`)).sort());
      expect(open.length).toBeGreaterThan(0);

      expect(s.lockStillHeld).toBe(true);
      expect(s.loopRan.code, s.loopRan.out + s.loopRan.err).toBe(143);
      expect(s.loopRan.out).toMatch(/^SIGTERM: /m);
      expect(s.lockGone).toBe(true);
    }, SCENARIO_MS);
  });
});
