// `breakfix status` end to end: bin/breakfix against the simulated datacenter
// (buildDemo, fixtures/sim). One datacenter goes healthy → paused → a failed
// HDFS source; another gets a drain that HDFS never finishes under a 1s
// timeout. Copies of their homes at each point make a home of several
// datacenters for `--all`. The scenarios run side by side: they spend their
// time waiting for child processes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoHome } from '../support/demo.js';
import { BIN, cleanEnv, tempDirs } from '../support/cli.js';
import { readJson, simOk, type ApplyJson, type OpenJson } from '../support/simdc.js';

const tmp = tempDirs();

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** bin/breakfix without blocking, so the scenarios overlap. */
function bf(args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: cleanEnv({ USER: 'oncall', LOGNAME: 'oncall', SUDO_USER: '' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const limit = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, out, err });
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Demo {
  dir: string;
  config: string;
  simDir: string;
  dcDir: string;
}

const demo = (prefix: string): Demo => demoHome(tmp(prefix));

const run = (d: Demo, args: string[]) => bf(['--config', d.config, ...args], d.dir);
const sim = (d: Demo, ...args: string[]) => simOk('sim', [args[0]!, '--sim', d.simDir, ...args.slice(1)]);
const today = (d: Demo) => fs.realpathSync(path.join(d.dcDir, 'today'));

/** Passes that must have run: a pass exits 0, or 3 for a refusal or a failed source. Seeded, so every run chooses the same hosts. */
async function pass(d: Demo, seed: string, extra: string[] = []): Promise<Ran> {
  const r = await run(d, [...extra, 'pass', '--apply', '--seed', seed]);
  if (r.code !== 0 && r.code !== 3) throw new Error(`pass exited ${r.code}:\n${r.out}\n${r.err}`);
  return r;
}

/** A datacenter directory copied into the home of the `--all` test under another name. */
function keep(d: Demo, home: string, name: string): void {
  fs.cpSync(d.dcDir, path.join(home, name), { recursive: true, verbatimSymlinks: true });
}

interface Json {
  dc: string;
  health: string;
  needs_person: boolean;
  problems: string[];
  last_pass: { pass: number; day: string; mode: string; exit_code: number; sources_from: string } | null;
  pause: { paused: boolean; by: string | null; reason: string | null };
  open: Array<{ op: string; count: number }>;
  stuck: Array<{ host: string; op: string }>;
  needs_human: Array<{ host: string }>;
  failing_sources: Array<{ name: string; reason: string }>;
}

const allHome = tmp('breakfix-status-all-');

/** Healthy after two passes, then paused, resumed, and a pass whose HDFS source for dw1 failed. */
const lifecycle = (async () => {
  const d = demo('breakfix-status-');
  const before = await run(d, ['status']);
  const beforeAllDcs = await run(d, ['status', '--all']);
  const passes = [await pass(d, '1'), await pass(d, '2')];
  const healthy = await run(d, ['status']);
  const healthyJson = await run(d, ['status', '--json']);
  const openAtHealthy = readJson<OpenJson>(path.join(d.dcDir, 'open.json')).entries;
  keep(d, allHome, 'east');
  const paused = await run(d, ['pause', '--reason', 'x']);
  const pausedStatus = await run(d, ['status']);
  const pausedJson = await run(d, ['status', '--json']);
  const resumed = await run(d, ['resume']);
  sim(d, 'fault', 'fail', 'hdfs', 'dw1');
  const failedPass = await pass(d, '3');
  const failing = await run(d, ['status']);
  const failingJson = await run(d, ['status', '--json']);
  keep(d, allHome, 'west');
  return { d, before, beforeAllDcs, passes, healthy, healthyJson, openAtHealthy, paused, pausedStatus, pausedJson, resumed, failedPass, failing, failingJson };
})();

/** A drain past a 1s timeout that HDFS never finishes: stuck, and needs-human. */
const stuckScenario = (async () => {
  const d = demo('breakfix-status-stuck-');
  const policy = path.join(d.dir, 'policy-1s');
  fs.cpSync(path.join(d.dir, 'demo', 'policy'), policy, { recursive: true });
  const file = path.join(policy, 'policy.yaml');
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  doc.setIn(['operations', 'drain', 'timeout'], '1s');
  fs.writeFileSync(file, doc.toString());
  const first = await pass(d, '1', ['--policy', policy]);
  const apply = readJson<ApplyJson>(path.join(today(d), 'plans', '1', 'apply.json'));
  const host = apply.outcomes.filter((o) => o.op === 'drain').flatMap((o) => o.ok).sort()[0];
  if (!host) throw new Error(`the first pass drained nobody:\n${first.out}`);
  sim(d, 'fault', 'decommission-stuck', host);
  const entry = readJson<OpenJson>(path.join(d.dcDir, 'open.json')).entries.find((e) => e.host === host && e.op === 'drain')!;
  await sleep(Math.max(0, Date.parse(entry.applied) + 1_500 - Date.now()));
  const second = await pass(d, '2', ['--policy', policy]);
  const status = await run(d, ['status']);
  const json = await run(d, ['status', '--json']);
  keep(d, allHome, 'north');
  return { d, host, second, status, json };
})();

/** The copies as one home, a copy of the healthy one paused, and a datacenter directory with no day yet. */
const allScenario = (async () => {
  await Promise.all([lifecycle, stuckScenario]);
  fs.cpSync(path.join(allHome, 'east'), path.join(allHome, 'south'), { recursive: true, verbatimSymlinks: true });
  const cwd = tmp('breakfix-status-cwd-');
  const pause = await bf(['--home', allHome, '--dc', 'south', 'pause', '--reason', 'disk swap in row 4'], cwd);
  fs.mkdirSync(path.join(allHome, 'not-a-dc'));
  const text = await bf(['--home', allHome, 'status', '--all'], cwd);
  const json = await bf(['--home', allHome, 'status', '--all', '--json'], cwd);
  const one = await bf(['--home', allHome, '--dc', 'east', 'status'], cwd);
  const usage = await bf(['--home', allHome, '--dc', 'east', 'status', '--all'], cwd);
  return { pause, text, json, one, usage };
})();

// Keep an unawaited failure from being reported as unhandled before a test awaits it.
for (const p of [lifecycle, stuckScenario, allScenario]) p.catch(() => undefined);

let L: Awaited<typeof lifecycle>;
let S: Awaited<typeof stuckScenario>;
let A: Awaited<typeof allScenario>;
beforeAll(async () => {
  [L, S, A] = await Promise.all([lifecycle, stuckScenario, allScenario]);
}, 240_000);

const parse = (r: Ran) => JSON.parse(r.out) as Json;

describe('status of one datacenter', () => {
  it('says clearly that there is no pass yet, and exits 0', () => {
    expect(L.before.code).toBe(0);
    expect(L.before.out).toMatch(/^datacenter demo: no-pass \(no pass yet\)$/m);
    expect(L.before.out).toMatch(/^last pass +none yet in .*: run `breakfix pass`/m);
    expect(L.beforeAllDcs.code).toBe(0);
    expect(L.beforeAllDcs.out).toMatch(/^demo +no-pass +none /m);
  });

  it('after two passes with --apply: healthy, exit 0, and names the last pass', () => {
    expect(L.passes.map((p) => p.code)).toEqual([0, 0]);
    expect(L.healthy.err).toBe('');
    expect(L.healthy.code).toBe(0);
    const day = path.basename(today(L.d));
    expect(L.healthy.out).toMatch(/^datacenter demo: ok$/m);
    expect(L.healthy.out).toMatch(new RegExp(`^last pass +2 of ${day} at \\S+ \\(\\d+[sm] ago\\): apply, \\d+ chosen, 0 refused; exit 0 \\(clean\\)$`, 'm'));
    expect(L.healthy.out).toMatch(/^loop +none \(no loop\.lock\)$/m);
    expect(L.healthy.out).toMatch(/^pause +not paused$/m);
    // A pass by hand records its lines in the transcript, so status reads its sources there, as a loop pass's.
    expect(L.healthy.out).toMatch(/^sources +none failed in pass 2 \(read from transcript\.log\)$/m);
  });

  it('--json says the same, and counts the open plans of open.json', () => {
    expect(L.healthyJson.code).toBe(0);
    const j = parse(L.healthyJson);
    expect(j).toMatchObject({ dc: 'demo', health: 'ok', needs_person: false, problems: [], failing_sources: [], stuck: [], needs_human: [] });
    expect(j.last_pass).toMatchObject({ pass: 2, day: path.basename(today(L.d)), mode: 'apply', exit_code: 0 });
    const entries = L.openAtHealthy;
    expect(entries.length).toBeGreaterThan(0);
    expect(j.open.reduce((n, o) => n + o.count, 0)).toBe(entries.length);
    for (const o of j.open) expect(o.count).toBe(entries.filter((e) => e.op === o.op).length);
  });

  it('`breakfix pause --reason x` shows as paused, which alone needs nobody: exit 0', () => {
    expect(L.paused.code).toBe(0);
    expect(L.pausedStatus.code).toBe(0);
    expect(L.pausedStatus.out).toMatch(/^datacenter demo: paused \(paused by oncall@\S+ since \S+: x \(until resumed\)\)$/m);
    expect(L.pausedStatus.out).toMatch(/^pause +paused by oncall@\S+ since \S+: x \(until resumed; .*pause\.json\)$/m);
    expect(parse(L.pausedJson)).toMatchObject({ health: 'paused', needs_person: false, pause: { paused: true, reason: 'x' } });
    expect(L.resumed.code).toBe(0);
  });

  it('a pass whose HDFS source failed: exit 1, and the source is named', () => {
    expect(L.failedPass.code).toBe(3);
    expect(L.failing.code).toBe(1);
    expect(L.failing.out).toMatch(/^datacenter demo: FAILING: needs a person \(1 failing source\(s\): hdfs-dw1\)$/m);
    expect(L.failing.out).toMatch(/^  failed source hdfs-dw1: .*exited 255/m);
    // The pass exited 3; status works that out again from what the pass left.
    expect(L.failing.out).toMatch(/^last pass +3 of .*; exit 3 \(1 source\(s\) failed, \d+ refusal\(s\)\)$/m);
    const j = parse(L.failingJson);
    expect(j.failing_sources.map((f) => f.name)).toEqual(['hdfs-dw1']);
    expect(j).toMatchObject({ health: 'failing', needs_person: true, last_pass: { pass: 3, exit_code: 3, sources_from: 'transcript' } });
  });
});

describe('status with a stuck drain', () => {
  it('exits 1 and counts the stuck plans and the needs-human rows of the last pass', () => {
    expect(S.status.code).toBe(1);
    const j = parse(S.json);
    const plan = readJson<{ stuck: Array<{ host: string; op: string }> }>(path.join(today(S.d), 'plans', '2', 'plan.json'));
    const rows = fs.readFileSync(path.join(today(S.d), 'needs-human.tsv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(plan.stuck.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(0);
    expect(j.stuck.map((x) => `${x.op} ${x.host}`)).toEqual(plan.stuck.map((x) => `${x.op} ${x.host}`));
    expect(j.stuck.some((x) => x.op === 'drain' && x.host === S.host)).toBe(true);
    expect(j.needs_human.map((r) => r.host)).toEqual(rows.map((r) => r.split('\t')[0]));
    expect(j).toMatchObject({ health: 'attention', needs_person: true, failing_sources: [] });
    expect(S.status.out).toMatch(new RegExp(`^stuck +${plan.stuck.length} plan\\(s\\) open past their timeout$`, 'm'));
    expect(S.status.out).toMatch(new RegExp(`^needs-human +${rows.length} host\\(s\\) in \\S+/needs-human\\.tsv$`, 'm'));
    expect(S.status.out).toContain(`  stuck drain ${S.host} `);
    expect(S.status.out).toMatch(/^datacenter demo: ATTENTION: needs a person \(\d+ stuck plan\(s\); \d+ host\(s\) need a person\)$/m);
  });
});

describe('status --all', () => {
  it('one line per datacenter of the home, worst first, and exit 1', () => {
    expect(A.pause.code).toBe(0);
    expect(A.text.code).toBe(1);
    const lines = A.text.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^dc +health +last pass +age +exit +loop +open +stuck +needs-human +why$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2).join(' '))).toEqual(['west failing', 'north attention', 'south paused', 'east ok']);
    expect(lines[1]).toMatch(/ 1 failing source\(s\): hdfs-dw1$/);
    expect(lines[3]).toMatch(/paused by oncall@\S+ since \S+: disk swap in row 4 \(until resumed\)$/);
  });

  it('--json parses and keeps the order', () => {
    expect(A.json.code).toBe(1);
    const j = JSON.parse(A.json.out) as { home: string; datacenters: Json[] };
    expect(j.home).toBe(allHome);
    expect(j.datacenters.map((s) => [s.dc, s.health, s.needs_person])).toEqual([
      ['west', 'failing', true],
      ['north', 'attention', true],
      ['south', 'paused', false],
      ['east', 'ok', false],
    ]);
  });

  it('without --all, a healthy datacenter of that home exits 0; --all with --dc is a usage error', () => {
    expect(A.one.code).toBe(0);
    expect(A.one.out).toMatch(/^datacenter east: ok$/m);
    expect(A.usage.code).toBe(2);
    expect(A.usage.err).toMatch(/--dc or --all, not both/);
  });
});
