// `breakfix loop` end to end over the simulated datacenter of `breakfix demo`
// (fixtures/sim): the transcript and counts.tsv of three passes, trend and
// which read back from them, and the loop under faults: a source that hangs or
// fails for one pass, a day rollover between passes (faketime), a read-only or
// full home (a mount namespace), and passes killed with SIGKILL at any moment.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempDirs, utcDay } from '../support/cli.js';

const tempDir = tempDirs();
const CI = process.env.CI === 'true';
const ESC = '\x1b[';
const SIM = path.join(path.dirname(BIN), '..', 'fixtures', 'sim', 'bin', 'sim');
/** The user a command records, by the rule breakfix documents: $SUDO_USER, $USER, $LOGNAME, then the account's name. */
const whoRan = () => process.env.SUDO_USER || process.env.USER || process.env.LOGNAME || os.userInfo().username;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

// ---------------------------------------------------------------- a simulated datacenter

interface Dc {
  dir: string;
  config: string;
  simDir: string;
  /** <home>/demo */
  dcDir: string;
}

/**
 * `breakfix demo --passes 0`: the simulator's state, its config and policy, no
 * pass yet. The inventory is made a stable source (pulled once a day), and
 * sources can be given a short timeout.
 */
function buildDc(timeouts: Record<string, string> = {}): Dc {
  const dir = tempDir('breakfix-loop-');
  const r = spawnSync(BIN, ['demo', '--home', dir, '--passes', '0', '--seed', '1'], { cwd: dir, env: cleanEnv() });
  expect(r.status, r.stderr.toString()).toBe(0);
  const config = path.join(dir, 'breakfix.yaml');
  let text = fs.readFileSync(config, 'utf8');
  const stable = text.replace('        type: inventory\n', '        type: inventory\n        volatile: false\n');
  expect(stable).not.toBe(text);
  text = stable;
  for (const [source, t] of Object.entries(timeouts)) {
    const re = new RegExp(`(\\n      ${source}:\\n(?:        .*\\n)*?        timeout: )\\S+`);
    expect(text).toMatch(re);
    text = text.replace(re, `$1${t}`);
  }
  fs.writeFileSync(config, text);
  return { dir, config, simDir: path.join(dir, 'sim'), dcDir: path.join(dir, 'home', 'demo') };
}

function sim(dc: Dc, ...args: string[]): void {
  const r = spawnSync(SIM, [args[0]!, '--sim', dc.simDir, ...args.slice(1)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

const result = (r: SpawnSyncReturns<Buffer>): Run => {
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
};

/** bin/breakfix against the datacenter; `env` entries set to null are removed. */
function run(dc: Dc, args: string[], env: Record<string, string | null> = {}, wrap: string[] = []): Run {
  const argv = [...wrap, BIN, '--config', dc.config, ...args];
  return result(spawnSync(argv[0]!, argv.slice(1), { cwd: dc.dir, env: envWith(env), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }));
}

function envWith(env: Record<string, string | null>): NodeJS.ProcessEnv {
  const e = cleanEnv();
  for (const [k, v] of Object.entries(env)) {
    if (v === null) delete e[k];
    else e[k] = v;
  }
  return e;
}

const dayDirOf = (dc: Dc, day = 'today') => path.join(dc.dcDir, day);
const transcript = (dc: Dc, day = 'today') => fs.readFileSync(path.join(dayDirOf(dc, day), 'transcript.log'), 'utf8');
const lockGone = (dc: Dc) => !fs.existsSync(path.join(dc.dcDir, 'loop.lock'));

interface PlanJson {
  pass: number;
  seed: string;
  dry_run: boolean;
  budgets: Array<{ cluster: string; op: string; chosen: number }>;
  refusals: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
}
const planJson = (dc: Dc, pass: number, day = 'today') => JSON.parse(fs.readFileSync(path.join(dayDirOf(dc, day), 'plans', String(pass), 'plan.json'), 'utf8')) as PlanJson;

/** The lines of one pass in a transcript, stamps removed: from its `=== pass N` header to the next header. */
function passLines(text: string, pass: number): string[] {
  const lines = text.split('\n').filter(Boolean).map((l) => l.replace(STAMP, ''));
  const start = lines.findIndex((l) => l.startsWith(`=== pass ${pass} `));
  if (start < 0) throw new Error(`no pass ${pass} in the transcript`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('=== pass '));
  return lines.slice(start, end < 0 ? undefined : end);
}

// ---------------------------------------------------------------- what a killed pass may leave

const byteLess = (a: Buffer, b: Buffer) => Buffer.compare(a, b) < 0;

/** Null when the file is a whole group (or table): empty, or lines strictly increasing, each ended by a newline. */
function groupProblem(file: string): string | null {
  const buf = fs.readFileSync(file);
  if (buf.length === 0) return null;
  if (buf[buf.length - 1] !== 0x0a) return `${file}: does not end in a newline (${buf.length} bytes)`;
  let lines: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      lines.push(buf.subarray(from, i));
      from = i + 1;
    }
  }
  if (file.endsWith('.tsv')) lines = lines.slice(1);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.length === 0) return `${file}: blank line ${i + 1}`;
    if (i > 0 && !byteLess(lines[i - 1]!, lines[i]!)) return `${file}: line ${i + 1} is not after "${lines[i - 1]}"`;
  }
  return null;
}

const TEMP = /\.tmp$|^\..+\.\d+\.(new|old)$/;
const NOT_A_SET = /\.(json|out|log)$|^counts\.tsv$/;

/** Every group and table under a day directory (plans, exec results and source parts too); temporary files apart. */
function walk(dir: string, sets: string[], temps: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (TEMP.test(e.name)) temps.push(p);
    else if (e.isDirectory()) walk(p, sets, temps);
    else if (e.isFile() && !e.name.startsWith('.') && !NOT_A_SET.test(e.name)) sets.push(p);
  }
}

function wholeFiles(dayDir: string): { problems: string[]; temps: string[]; sets: number } {
  const sets: string[] = [];
  const temps: string[] = [];
  walk(dayDir, sets, temps);
  return { problems: sets.map(groupProblem).filter((x): x is string => x !== null), temps, sets: sets.length };
}

/** Groups and tables of the day directory whose .meta count or sha256 is not theirs. */
function metaMismatches(dayDir: string): { wrong: string[]; checked: number } {
  const wrong: string[] = [];
  let checked = 0;
  for (const f of fs.readdirSync(path.join(dayDir, '.meta'))) {
    if (!f.endsWith('.json') || TEMP.test(f)) continue;
    const name = f.slice(0, -'.json'.length);
    const file = path.join(dayDir, name);
    if (!fs.existsSync(file)) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(dayDir, '.meta', f), 'utf8')) as { count: number; sha256: string };
    const buf = fs.readFileSync(file);
    let lines = 0;
    for (const b of buf) if (b === 0x0a) lines++;
    const count = name.endsWith('.tsv') ? lines - 1 : lines;
    const sha = createHash('sha256').update(buf).digest('hex');
    checked++;
    if (meta.count !== count) wrong.push(`${name}: .meta count ${meta.count}, file ${count}`);
    if (meta.sha256 !== sha) wrong.push(`${name}: .meta sha256 is not the file's`);
  }
  return { wrong, checked };
}

/** Processes still running whose command line names `dir`. */
function processesUnder(dir: string): string[] {
  const r = spawnSync('pgrep', ['-af', dir], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l && !l.includes('pgrep'));
}

// ---------------------------------------------------------------- optional tools

function have(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

const HAVE_FAKETIME = have('faketime', ['2026-01-01 00:00:00', 'true']);
const HAVE_SCRIPT = have('script', ['-qec', 'true', '/dev/null']);

/** Whether this machine lets a mount namespace mount a tmpfs (root, or user namespaces). */
const UNSHARE: string[] | null = (() => {
  const probe = fs.mkdtempSync(path.join(tempDir(), 'mnt-'));
  for (const u of [['unshare', '-m'], ['unshare', '-rm']]) {
    if (have(u[0]!, [...u.slice(1), 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${probe} && touch ${probe}/x && mount -o remount,ro ${probe}`])) return u;
  }
  return null;
})();

/** A test that needs a tool: under CI its absence fails the test, elsewhere it is skipped with a message. */
function itWith(ok: boolean, what: string, name: string, fn: () => void | Promise<void>, timeout?: number): void {
  if (ok) it(name, fn, timeout);
  else if (CI) it(name, () => expect.fail(`${what} is needed here and missing; scripts/test-all.sh installs it`));
  else {
    console.warn(`skipped "${name}": ${what} is not available on this machine`);
    it.skip(name, fn);
  }
}

// ---------------------------------------------------------------- three passes

describe('loop --max-passes 3 --every 1s --seed 7', () => {
  let dc: Dc;
  let loop: Run;
  beforeAll(() => {
    dc = buildDc();
  });
  let day: string;

  it('runs three passes, prints plain lines when not on a terminal, and releases the lock', () => {
    const t0 = new Date();
    loop = run(dc, ['loop', '--max-passes', '3', '--every', '1s', '--seed', '7', '--apply', '--op', 'drain', '--verbose'], { NO_COLOR: null });
    const t1 = new Date();
    expect(loop.code, loop.out + loop.err).toBe(0);
    expect(loop.err).toBe('');
    expect(loop.out.includes(ESC)).toBe(false);
    expect(lockGone(dc)).toBe(true);
    day = fs.readlinkSync(path.join(dc.dcDir, 'today'));
    expect([utcDay(t0), utcDay(t1)]).toContain(day);
    const headers = loop.out.split('\n').filter((l) => l.startsWith('==='));
    expect(headers).toHaveLength(3);
    headers.forEach((h, i) => expect(h).toMatch(new RegExp(`^=== pass ${i + 1} demo \\S+ apply \\(loop pass ${i + 1} of 3\\) ===$`)));
    expect(loop.out.match(/^sleeping 1s until the next pass$/gm)).toHaveLength(2);
    expect(loop.out.match(/^summary pass \d: /gm)).toHaveLength(3);
    // Pass n uses seed 7.n.
    expect([1, 2, 3].map((p) => planJson(dc, p).seed)).toEqual(['7.1', '7.2', '7.3']);
  });

  it('writes every printed line to transcript.log, time-stamped, in order', () => {
    const text = transcript(dc);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    for (const l of lines) expect(l).toMatch(STAMP);
    const stamps = lines.map((l) => l.slice(0, 24));
    expect([...stamps].sort()).toEqual(stamps);
    // First who started the loop and how, once; then the same lines as the terminal got, each with its time in front.
    const said = lines.map((l) => l.replace(STAMP, ''));
    const started = said.filter((l) => l.startsWith('$ breakfix '));
    expect(started).toEqual([`$ breakfix --config ${dc.config} loop --max-passes 3 --every 1s --seed 7 --apply --op drain --verbose  # ${whoRan()}@${os.hostname()} in ${fs.realpathSync(dc.dir)}`]);
    expect(said[0]).toBe(started[0]);
    const printed = loop.out.split('\n');
    expect(printed.pop()).toBe('');
    expect(said.slice(1)).toEqual(printed);
    expect(lines.filter((l) => / === pass \d /.test(l))).toHaveLength(3);
    expect(text.match(/^\S+ === pass \d /gm)!.map((l) => l.slice(0, 10))).toEqual([day, day, day]);
  });

  it('pulls the stable inventory once a day and the volatile sources every pass', () => {
    const text = transcript(dc);
    expect(passLines(text, 1).find((l) => l.startsWith('inventory '))).toMatch(/^inventory\s+ok\s/);
    for (const p of [2, 3]) {
      expect(passLines(text, p).find((l) => l.startsWith('inventory '))).toMatch(/^inventory\s+skipped\s.*stable source, pulled today/);
      expect(passLines(text, p).find((l) => l.startsWith('hdfs-dw1 '))).toMatch(/^hdfs-dw1\s+ok\s/);
    }
  });

  it('appends one counts.tsv row per group per pass', () => {
    const text = fs.readFileSync(path.join(dayDirOf(dc), 'counts.tsv'), 'utf8');
    const [header, ...rows] = text.split('\n').filter(Boolean);
    expect(header).toBe('pass\ttime\tgroup\tcount');
    const parsed = rows.map((r) => r.split('\t'));
    for (const r of parsed) {
      expect(r).toHaveLength(4);
      expect(r[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(r[3]).toMatch(/^\d+$/);
    }
    const groupsOf = (p: string) => parsed.filter((r) => r[0] === p).map((r) => r[2]!);
    expect(new Set(parsed.map((r) => r[0]))).toEqual(new Set(['1', '2', '3']));
    const g1 = groupsOf('1');
    expect(new Set(g1).size).toBe(g1.length);
    expect(groupsOf('2')).toEqual(g1);
    expect(groupsOf('3')).toEqual(g1);
    for (const g of ['all', 'hdfs-dead', 'hdfs-decommissioning', 'candidate-drain', 'plans.drain', 'yarn-running', 'responsive']) expect(g1).toContain(g);
    // Nothing was chosen in pass 3, so its counts are the groups as they are now.
    expect(planJson(dc, 3).budgets.every((b) => b.chosen === 0)).toBe(true);
    for (const r of parsed.filter((r) => r[0] === '3')) {
      const lines = fs.readFileSync(path.join(dayDirOf(dc), r[2]!), 'utf8').split('\n').filter(Boolean).length;
      expect(Number(r[3]), r[2]).toBe(lines);
    }
  });

  /** group → counts of passes 1..3, from counts.tsv. */
  const countsByGroup = () => {
    const m = new Map<string, number[]>();
    const text = fs.readFileSync(path.join(dayDirOf(dc), 'counts.tsv'), 'utf8');
    for (const line of text.split('\n').slice(1).filter(Boolean)) {
      const [, , g, n] = line.split('\t');
      if (!m.has(g!)) m.set(g!, []);
      m.get(g!)!.push(Number(n));
    }
    return m;
  };

  it('trend prints the groups that moved, with their counts pass by pass', () => {
    const r = run(dc, ['trend']);
    expect(r.code, r.err).toBe(0);
    const rows = r.out.split('\n').filter(Boolean);
    expect(rows[0]).toMatch(/^group\s+first\s+last\s+trend\s+counts$/);
    const counts = countsByGroup();
    const moved = [...counts].filter(([, ns]) => new Set(ns).size > 1).map(([g]) => g).sort();
    expect(moved).toContain('hdfs-decommissioning');
    expect(moved).toContain('plans.drain');
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(moved);
    for (const l of rows.slice(1)) {
      const [g, first, last, spark, ...ns] = l.split(/\s+/);
      expect([first, last]).toEqual(['1', '3']);
      expect(ns.map(Number), g).toEqual(counts.get(g!));
      expect([...spark!], g).toHaveLength(3);
    }
    // Named groups, the last two passes only.
    const two = run(dc, ['trend', 'all', 'hdfs-decommissioning', '--passes', '2']);
    expect(two.code, two.err).toBe(0);
    const dec = counts.get('hdfs-decommissioning')!;
    expect(two.out).toMatch(new RegExp(`^all\\s+2\\s+3\\s+▁▁\\s+${counts.get('all')![1]} ${counts.get('all')![2]}$`, 'm'));
    expect(two.out).toMatch(new RegExp(`^hdfs-decommissioning\\s+2\\s+3\\s+\\S+\\s+${dec[1]} ${dec[2]}$`, 'm'));
    expect(run(dc, ['trend', 'no-such-group']).code).toBe(2);
  });

  it('trend --days 2 reads the last pass of each of two day directories', () => {
    const before = new Date(`${day}T12:00:00Z`);
    before.setUTCDate(before.getUTCDate() - 1);
    const prev = utcDay(before);
    const prevDir = path.join(dc.dcDir, prev);
    fs.mkdirSync(prevDir);
    // Yesterday had two passes; only its last one counts.
    fs.writeFileSync(
      path.join(prevDir, 'counts.tsv'),
      `pass\ttime\tgroup\tcount\n1\t${prev}T10:00:00.000Z\tall\t205\n1\t${prev}T10:00:00.000Z\thdfs-dead\t1\n2\t${prev}T11:00:00.000Z\tall\t207\n2\t${prev}T11:00:00.000Z\thdfs-dead\t9\n`,
    );
    try {
      const counts = countsByGroup();
      const r = run(dc, ['trend', 'all', 'hdfs-dead', '--days', '2']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^all\\s+${prev}\\s+${day}\\s+▁█\\s+207 ${counts.get('all')![2]}$`, 'm'));
      expect(r.out).toMatch(new RegExp(`^hdfs-dead\\s+${prev}\\s+${day}\\s+\\S\\S\\s+9 ${counts.get('hdfs-dead')![2]}$`, 'm'));
      // --days 1 is today alone.
      expect(run(dc, ['trend', 'all', '--days', '1']).out).toMatch(new RegExp(`^all\\s+${day}\\s+${day}\\s+▁\\s+${counts.get('all')![2]}$`, 'm'));
      const json = JSON.parse(run(dc, ['trend', 'all', '--days', '2', '--json']).out) as Record<string, Array<{ label: string; count: number }>>;
      expect(json.all).toEqual([
        { label: prev, count: 207 },
        { label: day, count: counts.get('all')![2] },
      ]);
    } finally {
      fs.rmSync(prevDir, { recursive: true });
    }
  });

  it('which HOST tells a drained host\'s story in time order: exec output, the plan that chose it, the apply, the transcript', () => {
    const plans1 = path.join(dayDirOf(dc), 'plans', '1');
    const drainFile = fs.readdirSync(plans1).find((f) => /^dw\d\.drain$/.test(f));
    expect(drainFile, fs.readdirSync(plans1).join(' ')).toBeDefined();
    const cluster = drainFile!.split('.')[0];
    const host = fs.readFileSync(path.join(plans1, drainFile!), 'utf8').split('\n')[0]!;
    const r = run(dc, ['which', host.split('.')[0]!]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n').filter(Boolean);
    expect(lines).toContain('group\tplans.drain');
    expect(lines).toContain('group\thdfs-decommissioning');
    expect(lines.some((l) => l.startsWith(`table\tinventory.tsv\thost=${host} cluster=${cluster} `))).toBe(true);
    const history = lines.filter((l) => STAMP.test(l.replace('\t', ' '))).map((l) => {
      const [time, kind, ...text] = l.split('\t');
      return { time: time!, kind: kind!, text: text.join('\t') };
    });
    const times = history.map((h) => h.time);
    expect([...times].sort()).toEqual(times);
    const find = (kind: string, re: RegExp) => history.findIndex((h) => h.kind === kind && re.test(h.text));
    const healthcheck = find('exec', /pull-\S+\/healthcheck: /);
    const plan = find('plan', new RegExp(`^${day} pass 1: chosen for ${cluster}\\.drain, seed 7\\.1$`));
    const chosen = find('transcript', new RegExp(`^chosen ${cluster}\\.drain: .*${host.replace(/\./g, '\\.')}`));
    const applied = find('applied', new RegExp(`^${day} pass 1: drain applied in ${cluster}$`));
    const open = find('open', new RegExp(`^drain in ${cluster} still open \\(applied ${day} pass 1\\)$`));
    expect([healthcheck, plan, chosen, applied, open].every((i) => i >= 0), r.out).toBe(true);
    expect(healthcheck).toBeLessThan(plan);
    expect(plan).toBeLessThan(applied);
    // The host's healthcheck output, as the exec adapter kept it.
    const outFile = /\((\/[^)]+\.out)\)$/.exec(history[healthcheck]!.text)![1]!;
    expect(fs.readFileSync(outFile, 'utf8').length).toBeGreaterThan(0);
    // No other host's plan line.
    expect(history.filter((h) => h.kind === 'plan').every((h) => h.text.includes(`${cluster}.drain`))).toBe(true);
  });

  itWith(HAVE_SCRIPT, 'script (util-linux)', 'colours a terminal, and never with NO_COLOR or --no-color', () => {
    const tty = (extra: string[], env: Record<string, string | null>) => {
      const cmd = [BIN, '--config', dc.config, ...extra, 'loop', '--max-passes', '1', '--op', 'drain'].map((a) => `'${a}'`).join(' ');
      return result(spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dc.dir, env: envWith(env), stdio: ['ignore', 'pipe', 'pipe'] }));
    };
    const coloured = tty([], { NO_COLOR: null });
    expect(coloured.code, coloured.out).toBe(0);
    expect(coloured.out).toContain(`${ESC}1m=== pass 4 `);
    const noColor = tty([], { NO_COLOR: '1' });
    expect(noColor.code, noColor.out).toBe(0);
    expect(noColor.out).toContain('=== pass 5 ');
    expect(noColor.out.includes(ESC)).toBe(false);
    const flag = tty(['--no-color'], { NO_COLOR: null });
    expect(flag.code, flag.out).toBe(0);
    expect(flag.out).toContain('=== pass 6 ');
    expect(flag.out.includes(ESC)).toBe(false);
    // The transcript stays plain whatever the terminal got.
    expect(transcript(dc).includes(ESC)).toBe(false);
  });
});


// ---------------------------------------------------------------- faults

describe('a source that hangs or fails for one pass', () => {
  let dc: Dc;
  beforeAll(() => {
    dc = buildDc({ 'hdfs-dw1': '2s' });
  });

  it('does nothing that depends on it in that pass, goes on, and the next pass recovers', () => {
    // A clean first pass, so every source has a part to keep.
    const first = run(dc, ['loop', '--max-passes', '1', '--op', 'drain', '--seed', '5', '--verbose']);
    expect(first.code, first.out + first.err).toBe(0);
    // The demo's dw1 NameNodes read a combined hosts file: a drain is DECOMMISSIONED there.
    const hostsJson = path.join(dc.simDir, 'clusters', 'dw1', 'conf', 'dfs.hosts.json');
    const excludedHosts = () =>
      (JSON.parse(fs.readFileSync(hostsJson, 'utf8')) as Array<{ hostName: string; adminState?: string }>).filter((e) => e.adminState === 'DECOMMISSIONED').map((e) => e.hostName);
    const excludedBefore = excludedHosts();
    sim(dc, 'fault', 'hang', 'hdfs', 'dw1');
    sim(dc, 'fault', 'fail', 'yarn', 'dw2');
    const r = run(dc, ['loop', '--max-passes', '2', '--every', '1s', '--apply', '--op', 'drain', '--seed', '5', '--verbose']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(lockGone(dc)).toBe(true);
    // The hung hdfs was killed at its timeout, not left behind.
    expect(processesUnder(dc.simDir)).toEqual([]);

    const text = transcript(dc);
    const faulty = passLines(text, 2);
    expect(faulty.find((l) => l.startsWith('hdfs-dw1 '))).toMatch(/^hdfs-dw1\s+failed\s.*timed out after 2s/);
    expect(faulty.find((l) => l.startsWith('yarn-dw2 '))).toMatch(/^yarn-dw2\s+failed\s.*exited 255/);
    const plan = planJson(dc, 2);
    const refusedBy = (source: string) => plan.refusals.filter((x) => x.invariant === 6 && x.message.startsWith(`source ${source} failed this pass`));
    expect(refusedBy('hdfs-dw1').map((x) => `${x.cluster} ${x.op}`)).toContain('dw1 drain');
    expect(refusedBy('yarn-dw2').length).toBeGreaterThan(0);
    // Every op refused for a failed source chose nobody and was not applied; the others went ahead.
    const refused = new Set(plan.refusals.filter((x) => x.invariant === 6).map((x) => `${x.cluster}.${x.op}`));
    for (const x of refused) expect(plan.budgets.find((b) => `${b.cluster}.${b.op}` === x)!.chosen, x).toBe(0);
    expect(plan.budgets.find((b) => b.cluster === 'dw1' && b.op === 'drain')!.chosen).toBe(0);
    const appliedThen = faulty.filter((l) => /^applied /.test(l)).map((l) => /^applied (\S+):/.exec(l)![1]!);
    for (const a of appliedThen) expect(refused.has(a), a).toBe(false);
    expect(appliedThen).toEqual(plan.budgets.filter((b) => b.chosen > 0).map((b) => `${b.cluster}.${b.op}`));
    expect(fs.existsSync(path.join(dayDirOf(dc), 'plans', '2', 'dw1.drain'))).toBe(false);
    // The failed sources' groups were not replaced: their hosts are still counted (no false swing).
    const counts = fs.readFileSync(path.join(dayDirOf(dc), 'counts.tsv'), 'utf8');
    const countOf = (pass: number, g: string) => Number(new RegExp(`^${pass}\\t\\S+\\t${g}\\t(\\d+)$`, 'm').exec(counts)![1]);
    expect(countOf(2, 'hdfs-live')).toBe(countOf(1, 'hdfs-live'));
    expect(countOf(2, 'yarn-running')).toBe(countOf(1, 'yarn-running'));

    // The loop went on, and the next pass acted.
    const next = passLines(text, 3);
    expect(next.find((l) => l.startsWith('hdfs-dw1 '))).toMatch(/^hdfs-dw1\s+ok\s/);
    expect(next.find((l) => l.startsWith('yarn-dw2 '))).toMatch(/^yarn-dw2\s+ok\s/);
    const plan3 = planJson(dc, 3);
    expect(plan3.refusals.filter((x) => x.invariant === 6)).toEqual([]);
    expect(plan3.budgets.find((b) => b.cluster === 'dw1' && b.op === 'drain')!.chosen).toBeGreaterThan(0);
    expect(next).toContainEqual(expect.stringMatching(/^applied dw1\.drain: \d+ ok$/));
    const drained = fs.readFileSync(path.join(dayDirOf(dc), 'plans', '3', 'dw1.drain'), 'utf8').split('\n').filter(Boolean);
    // dw1's hosts file gained the hosts of pass 3 and nothing from the pass that failed.
    expect(excludedHosts().sort()).toEqual([...new Set([...excludedBefore, ...drained])].sort());
  });

  it('a pass killed with SIGKILL at any moment leaves whole files, and the next pass runs clean', async () => {
    // How long a pass takes here, to spread the kills over all of it.
    const t0 = Date.now();
    const clean = run(dc, ['loop', '--max-passes', '1', '--op', 'drain']);
    expect(clean.code, clean.out + clean.err).toBe(0);
    const passMs = Date.now() - t0;
    const fractions = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
    const tries: string[] = [];
    let killed = 0;
    for (const [i, f] of fractions.entries()) {
      const delay = Math.round(passMs * f + Math.random() * passMs * 0.1);
      const child = spawn(BIN, ['--config', dc.config, 'loop', '--max-passes', '1', '--op', 'drain'], { cwd: dc.dir, env: cleanEnv(), stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      const signal = await exited;
      if (signal === 'SIGKILL') killed++;
      const what = `try ${i + 1}: ${signal === 'SIGKILL' ? 'killed' : 'finished before the kill'} after ${delay} ms of a ${passMs} ms pass`;
      tries.push(what);
      // Whatever the moment, every group and table is a whole one: the old file or the new.
      const now = wholeFiles(dayDirOf(dc));
      expect(now.problems, what).toEqual([]);
      if (i % 2 === 1) {
        // The next pass: takes over the dead loop's lock, runs, removes what the killed one left.
        const next = run(dc, ['loop', '--max-passes', '1', '--op', 'drain']);
        expect(next.code, `${what}\n${next.out}${next.err}`).toBe(0);
        expect(next.out, what).toMatch(/^summary pass \d+: /m);
        expect(next.out, what).not.toMatch(/^error/m);
        expect(lockGone(dc)).toBe(true);
        const after = wholeFiles(dayDirOf(dc));
        expect(after.problems, what).toEqual([]);
        expect(after.temps, what).toEqual([]);
        const metas = metaMismatches(dayDirOf(dc));
        expect(metas.wrong, what).toEqual([]);
        expect(metas.checked).toBeGreaterThan(40);
      }
    }
    console.log(`SIGKILL ${tries.join('; ')}`);
    expect(killed, tries.join('; ')).toBeGreaterThanOrEqual(4);
  });
});

// ---------------------------------------------------------------- a new day

describe('a day rollover between passes', () => {
  itWith(HAVE_FAKETIME, 'faketime (Debian package faketime)', 'makes a new day directory, moves today and yesterday, pulls the stable sources again', () => {
    const dc = buildDc();
    // Starts eight seconds before midnight UTC (room for a first pass on a loaded machine to end
    // before it); the second pass starts ten seconds after the first, after midnight.
    const r = run(dc, ['loop', '--max-passes', '2', '--every', '10s', '--op', 'drain', '--seed', '2', '--verbose'], { TZ: 'UTC' }, ['faketime', '2026-11-21 23:59:52']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(lockGone(dc)).toBe(true);
    const days = fs.readdirSync(dc.dcDir).filter((n) => /^\d{4}-/.test(n)).sort();
    expect(days).toEqual(['2026-11-21', '2026-11-22']);
    expect(fs.readlinkSync(path.join(dc.dcDir, 'today'))).toBe('2026-11-22');
    expect(fs.readlinkSync(path.join(dc.dcDir, 'yesterday'))).toBe('2026-11-21');

    const before = transcript(dc, '2026-11-21');
    const after = transcript(dc, '2026-11-22');
    expect(before).toMatch(/^2026-11-21T23:59:5\d\.\d{3}Z === pass 1 demo \S+ dry run \(loop pass 1 of 2\) ===$/m);
    expect(before).not.toContain('loop pass 2');
    expect(after).toMatch(/^2026-11-22T00:00:\d\d\.\d{3}Z === pass 1 demo \S+ dry run \(loop pass 2 of 2\) ===$/m);
    for (const l of after.split('\n').filter(Boolean)) expect(l.startsWith('2026-11-22T')).toBe(true);
    // The stable inventory, pulled yesterday, is pulled again for the new day.
    expect(passLines(after, 1).find((l) => l.startsWith('inventory '))).toMatch(/^inventory\s+ok\s/);
    for (const day of days) {
      const meta = JSON.parse(fs.readFileSync(path.join(dc.dcDir, day, '.meta', 'all.json'), 'utf8')) as { time: string; count: number };
      expect(meta.time.startsWith(day)).toBe(true);
      expect(meta.count).toBe(210);
      expect(fs.readFileSync(path.join(dc.dcDir, day, 'counts.tsv'), 'utf8')).toMatch(/^pass\ttime\tgroup\tcount\n1\t/);
      expect(fs.existsSync(path.join(dc.dcDir, day, 'plans', '1', 'plan.json'))).toBe(true);
    }
    // trend --days reads both.
    const t = run(dc, ['trend', 'all', 'hdfs-dead', '--days', '2']);
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/^all\s+2026-11-21\s+2026-11-22\s+▁▁\s+210 210$/m);
    expect(t.out).toMatch(/^hdfs-dead\s+2026-11-21\s+2026-11-22\s+\S\S\s+\d+ \d+$/m);
  });
});

// ---------------------------------------------------------------- a home that cannot be written

describe('a home that turns read-only, or a full disk', () => {
  const why = 'a mount namespace (unshare -m, as root or with user namespaces)';

  itWith(UNSHARE !== null, why, 'read-only: a clear error and a non-zero exit, at the start and mid-loop; the next loop takes over', () => {
    const dc = buildDc();
    const home = path.join(dc.dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    const out = tempDir();
    const loop = (args: string, file: string) => `NO_COLOR=1 '${BIN}' --config '${dc.config}' loop --op drain ${args} > '${out}/${file}' 2>&1`;
    const script = [
      'set -u',
      `mount --bind '${home}' '${home}'`,
      `mount -o remount,ro,bind '${home}'`,
      `${loop('--max-passes 1', 'start')}; echo $? > '${out}/start.rc'`,
      `mount -o remount,rw,bind '${home}'`,
      `(${loop('--max-passes 2 --every 3s', 'mid')}; echo $? > '${out}/mid.rc') &`,
      'n=0',
      `until grep -qs 'sleeping 3s' '${home}/demo/today/transcript.log'; do sleep 0.05; n=$((n+1)); [ $n -lt 600 ] || exit 9; done`,
      `mount -o remount,ro,bind '${home}'`,
      'wait',
    ].join('\n');
    const ns = spawnSync(UNSHARE![0]!, [...UNSHARE!.slice(1), 'sh', '-c', script], { encoding: 'utf8' });
    expect(ns.status, ns.stderr).toBe(0);
    const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');

    // Read-only from the start: not even the lock can be taken.
    expect(read('start.rc').trim()).toBe('1');
    expect(read('start')).toMatch(/read-only file system/i);
    expect(read('start')).not.toContain('=== pass');

    // Read-only after the first pass: the second stops the loop with a clear word.
    expect(read('mid.rc').trim()).toBe('1');
    const mid = read('mid');
    expect(mid).toMatch(/^summary pass 1: /m);
    expect(mid).toMatch(/^stopping: the home directory is read-only under \S+; nothing was half-written$/m);
    expect(mid).not.toMatch(/^summary pass 2/m);
    // A read-only disk keeps the lock file, but its loop is gone: the next loop takes it over.
    expect(wholeFiles(dayDirOf(dc)).problems).toEqual([]);
    const left = !lockGone(dc);
    const next = run(dc, ['loop', '--max-passes', '1', '--op', 'drain']);
    expect(next.code, next.out + next.err).toBe(0);
    if (left) expect(next.out).toMatch(/^warning: took over loop\.lock of pid \d+ \(started \S+\), which is no longer running\n=== pass \d+ /);
    expect(next.out).toMatch(/^summary pass \d+: /m);
    expect(lockGone(dc)).toBe(true);
    expect(wholeFiles(dayDirOf(dc)).temps).toEqual([]);
    expect(metaMismatches(dayDirOf(dc)).wrong).toEqual([]);
  });

  itWith(UNSHARE !== null, why, 'full: a clear error, the lock released, no temporary file and no half-written group left', () => {
    const dc = buildDc();
    const home = path.join(dc.dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    const out = tempDir();
    const copy = path.join(out, 'home');
    // A 400 KiB home: the first pass does not fit.
    const script = [
      `mount -t tmpfs -o size=400k tmpfs '${home}'`,
      `NO_COLOR=1 '${BIN}' --config '${dc.config}' loop --max-passes 2 --every 1s --op drain > '${out}/full' 2>&1; echo $? > '${out}/full.rc'`,
      `cp -a '${home}' '${copy}'`,
    ].join('\n');
    const ns = spawnSync(UNSHARE![0]!, [...UNSHARE!.slice(1), 'sh', '-c', script], { encoding: 'utf8' });
    expect(ns.status, ns.stderr).toBe(0);
    const text = fs.readFileSync(path.join(out, 'full'), 'utf8');
    expect(fs.readFileSync(path.join(out, 'full.rc'), 'utf8').trim()).toBe('1');
    expect(text).toMatch(/^stopping: the disk is full under \S+; nothing was half-written$/m);
    expect(fs.existsSync(path.join(copy, 'demo', 'loop.lock'))).toBe(false);
    const day = path.join(copy, 'demo', fs.readlinkSync(path.join(copy, 'demo', 'today')));
    const whole = wholeFiles(day);
    expect(whole.temps).toEqual([]);
    expect(whole.problems).toEqual([]);
  });
});

// ---------------------------------------------------------------- many clusters

describe('a datacenter of more clusters than an expression has operands', () => {
  it('puts every cluster\'s HDFS and YARN hosts into the shared groups', () => {
    const n = 31;
    const dir = tempDir('breakfix-loop-');
    const simDir = path.join(dir, 'sim');
    const names = Array.from({ length: n }, (_, i) => `k${String(i + 1).padStart(2, '0')}`);
    const init = spawnSync(SIM, ['init', '--sim', simDir, '--seed', '3', '--domain', 'k.example.com', '--clusters', names.map((c) => `${c}:2`).join(',')], { encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const bin = path.dirname(SIM);
    const config = ['home: ./home', `policy: ${JSON.stringify(path.join(path.dirname(BIN), '..', 'policy'))}`, 'hostnames: { domain: k.example.com }', 'datacenters:', '  k:', '    clusters:'];
    for (const c of names) config.push(`      ${c}: { namenodes: [${c}-nn1.k.example.com, ${c}-nn2.k.example.com], resourcemanagers: [${c}-rm1.k.example.com] }`);
    config.push(
      '    sources:',
      '      inventory:',
      '        type: inventory',
      `        command: [${JSON.stringify(path.join(bin, 'inventory'))}, --sim, ${JSON.stringify(simDir)}]`,
      '        format: csv',
      '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
      '        flags: [hadoop_exclude, responsive, puppet_ok, rekick-in-progress, rekicked]',
    );
    for (const c of names) {
      const conf = JSON.stringify(path.join(simDir, 'clusters', c, 'conf'));
      config.push(
        `      hdfs-${c}: { type: hdfs, cluster: ${c}, report: { command: [${JSON.stringify(path.join(bin, 'hdfs'))}, --config, ${conf}, dfsadmin, -report] } }`,
        `      yarn-${c}: { type: yarn, cluster: ${c}, nodes: { command: [${JSON.stringify(path.join(bin, 'yarn'))}, --config, ${conf}, node, -list, -all] } }`,
      );
    }
    fs.writeFileSync(path.join(dir, 'breakfix.yaml'), config.join('\n') + '\n');
    const dc: Dc = { dir, config: path.join(dir, 'breakfix.yaml'), simDir, dcDir: path.join(dir, 'home', 'k') };
    const r = run(dc, ['loop', '--max-passes', '1', '--op', 'drain']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).not.toMatch(/\sfailed\s/);
    const group = (g: string) => fs.readFileSync(path.join(dayDirOf(dc), g), 'utf8').split('\n').filter(Boolean);
    const workers = names.flatMap((c) => [`${c}-dn001.k.example.com`, `${c}-dn002.k.example.com`]);
    expect([...group('hdfs-live'), ...group('hdfs-dead')].sort()).toEqual(workers);
    const yarn = ['yarn-running', 'yarn-unhealthy', 'yarn-lost', 'yarn-decommissioning', 'yarn-decommissioned'].flatMap(group);
    expect(yarn.sort()).toEqual(workers);
    const health = fs.readFileSync(path.join(dayDirOf(dc), 'hdfs-health.tsv'), 'utf8').split('\n').filter(Boolean);
    expect(health.slice(1).map((l) => l.split('\t')[0])).toEqual(names);
  });
});
