// Every pass replayable: passes of the simulated datacenter (fixtures/sim)
// record their inputs; replay rebuilds each byte for byte, says what another
// policy would have done, simulate sums that over the range, which shows the
// groups a host was in when it was chosen; damage, a killed pass, an
// unrecorded pass and expiry (faketime) are named, never replayed wrongly.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoHome } from '../support/demo.js';
import { breakfix, cleanEnv, BIN, ROOT, tempDirs } from '../support/cli.js';
import { simOk } from '../support/simdc.js';
import { HistoryStore } from '../../src/store/history.js';
import { loadPolicy } from '../../src/pass/policy-files.js';
import { mergeResults, simulate } from '../../src/pass/simulate.js';

const tmp = tempDirs();
const IN_CI = process.env.CI === 'true';

interface Home {
  dir: string;
  config: string;
  simDir: string;
  dcDir: string;
}

const home = (prefix: string): Home => demoHome(tmp(prefix));

const bf = (h: Home, args: string[], env: Record<string, string> = {}) => breakfix(['--config', h.config, ...args], { cwd: h.dir, env });
const today = (h: Home) => fs.realpathSync(path.join(h.dcDir, 'today'));
const inputsOf = (h: Home, pass: number) => JSON.parse(fs.readFileSync(path.join(today(h), 'plans', String(pass), 'inputs.json'), 'utf8')) as { inputs: Record<string, string>; seed: string; time: string };
const objects = (h: Home) => {
  const root = path.join(h.dcDir, 'history', 'objects');
  return fs.existsSync(root) ? fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d))) : [];
};

function pass(h: Home, seed: string, extra: string[] = []): void {
  const r = bf(h, ['pass', '--apply', '--seed', seed, ...extra]);
  if (r.code !== 0 && r.code !== 3) throw new Error(`pass exited ${r.code}:\n${r.out}\n${r.err}`);
}

/** A copy of the policy with the drain percentage of every archetype raised to 20. */
function widerDrain(h: Home): string {
  const dir = path.join(h.dir, 'policy-wide');
  fs.cpSync(path.join(h.dir, 'demo', 'policy'), dir, { recursive: true });
  const f = path.join(dir, 'policy.yaml');
  const text = fs.readFileSync(f, 'utf8');
  const wide = text.replace(/drain: \{ pct: \d+,/g, 'drain: { pct: 20,');
  expect(wide).not.toBe(text);
  fs.writeFileSync(f, wide);
  return dir;
}

const copyHome = (h: Home, prefix: string): Home => {
  const dir = tmp(prefix);
  fs.cpSync(h.dir, dir, { recursive: true, verbatimSymlinks: true });
  // The config names its directory's files by absolute path: point it at the copy.
  const config = path.join(dir, 'demo', 'breakfix.yaml');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').split(h.dir).join(dir));
  return { dir, config, simDir: path.join(dir, 'demo', 'sim'), dcDir: path.join(dir, 'demo', 'home', 'demo') };
};

describe('recorded passes', () => {
  let h: Home;
  const passes = [1, 2, 3, 4, 5];
  beforeAll(() => {
    h = home('breakfix-replay-');
    pass(h, 'r1');
    simOk('sim', ['fault', '--sim', h.simDir, 'kill', 'dw1-dn007']);
    pass(h, 'r2');
    simOk('sim', ['tick', '--sim', h.simDir, 'dw1', '-n', '3']);
    pass(h, 'r3');
    // A plan without a pull: nothing in the day directory changed since pass 3.
    expect(bf(h, ['plan', '--seed', 'r4']).code).not.toBe(2);
    pass(h, 'r5');
  }, 240_000);

  it('replays every pass byte for byte from its recorded inputs', () => {
    for (const n of passes) {
      const r = bf(h, ['replay', '--pass', String(n)]);
      expect(r.err).toBe('');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(new RegExp(`^replay \\d{4}-\\d\\d-\\d\\d pass ${n} \\(seed r${n}, .*byte for byte the same\\n$`));
      const j = JSON.parse(bf(h, ['replay', '--pass', String(n), '--json']).out);
      expect(j).toMatchObject({ pass: n, seed: `r${n}`, same: true, difference: null });
    }
  });

  it('finds a rebuilt plan that differs from the one on disk, and says so with exit 1', () => {
    const c = copyHome(h, 'breakfix-replay-edit-');
    const file = path.join(today(c), 'plans', '1', 'plan.json');
    const plan = JSON.parse(fs.readFileSync(file, 'utf8'));
    plan.budgets[0].cap += 1;
    fs.writeFileSync(file, JSON.stringify(plan, null, 2) + '\n');
    const r = bf(c, ['replay', '--pass', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/plan\.json line \d+: recorded "\s+\\"cap\\": \d+,", rebuilt "\s+\\"cap\\": \d+,"/);
    expect(r.out).toContain('this is a bug in breakfix');
    // The pass names the build that planned it: the bundle breakfix runs from.
    const inputsFile = path.join(today(c), 'plans', '1', 'inputs.json');
    const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8')) as { build: string };
    expect(inputs.build).toBe(createHash('sha256').update(fs.readFileSync(path.join(ROOT, 'dist', 'ops.cjs'))).digest('hex'));
    // Planned by another build: the difference may be a change of the planner, not a bug.
    fs.writeFileSync(inputsFile, JSON.stringify({ ...inputs, build: 'f'.repeat(64) }));
    const other = bf(c, ['replay', '--pass', '1']);
    expect(other.code).toBe(1);
    expect(other.out).toContain('the pass was planned by another build of breakfix (ffffffffffff, this one is');
    expect(other.out).not.toContain('this is a bug');
  });

  it('keeps the files the policy names by path, so editing them later changes no replay', () => {
    const c = copyHome(h, 'breakfix-replay-path-');
    const hold = path.join(c.dir, 'hold');
    fs.writeFileSync(hold, '');
    const f = path.join(c.dir, 'demo', 'policy', 'policy.yaml');
    const text = fs.readFileSync(f, 'utf8');
    const held = text.replace(/^(\s+candidates: )(\S+)$/gm, `$1$2 - ${hold}`);
    expect(held).not.toBe(text);
    fs.writeFileSync(f, held);
    pass(c, 'p6');
    const plans = path.join(today(c), 'plans');
    const n = Math.max(...fs.readdirSync(plans).map(Number).filter(Number.isFinite));
    expect(inputsOf(c, n).inputs[`path/${hold}`]).toBeDefined();
    const plan = JSON.parse(fs.readFileSync(path.join(plans, String(n), 'plan.json'), 'utf8')) as { budgets: Array<{ candidates: number }> };
    const candidates = plan.budgets.reduce((sum, b) => sum + b.candidates, 0);
    expect(candidates, 'the pass had no candidates: the test would prove nothing').toBeGreaterThan(0);
    // Every host held now: a replay that read the file as it is today would count no candidates.
    fs.writeFileSync(hold, fs.readFileSync(path.join(today(c), 'all')));
    const r = bf(c, ['replay', '--pass', String(n)]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('byte for byte the same');
  });

  it('stores an unchanged file once: the plan that pulled nothing cost only its own state', () => {
    const a = inputsOf(h, 3).inputs;
    const b = inputsOf(h, 4).inputs;
    const changed = Object.keys(b).filter((k) => a[k] !== b[k]);
    // Pass 3 wrote plans.* and needs-human after it recorded; the plan of pass 4 read those.
    for (const k of changed) expect(k, `${k} changed though nothing was pulled`).toMatch(/^(state|day\/(plans\.|needs-human|stuck\.).*)$/);
    expect(a['day/all']).toBe(b['day/all']);
    // Every address an inputs.json names is a stored object.
    const stored = new Set(objects(h).map((n) => n.slice(0, 64)));
    for (const n of passes) for (const [k, addr] of Object.entries(inputsOf(h, n).inputs)) expect(stored.has(addr), `${k} of pass ${n}`).toBe(true);
    // What changed between pulls was stored as line deltas, readable with zcat.
    const deltas = objects(h).filter((n) => n.endsWith('.delta.gz'));
    expect(deltas.length).toBeGreaterThan(0);
    const one = path.join(h.dcDir, 'history', 'objects', deltas[0]!.slice(0, 2), deltas[0]!);
    expect(spawnSync('zcat', [one]).stdout.toString()).toMatch(/^breakfix-delta 1\nbase [0-9a-f]{64}\nhead [01]\n([-+].*\n)*$/);
  });

  it('says what a pass would have done under another policy, and nothing under the same one', () => {
    const same = path.join(h.dir, 'policy-same');
    fs.cpSync(path.join(h.dir, 'demo', 'policy'), same, { recursive: true });
    for (const n of passes) {
      const r = bf(h, ['replay', '--pass', String(n), '--policy', same, '--json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ rows: [], refusalsAdded: {}, refusalsRemoved: {} });
    }
    const wide = widerDrain(h);
    const r = bf(h, ['replay', '--pass', '1', '--policy', wide, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { rows: Array<{ op: string; cluster: string; cap: [number, number]; busy: [number, number]; added: string[] }> };
    const drains = j.rows.filter((x) => x.op === 'drain');
    expect(drains.length).toBeGreaterThan(0);
    for (const x of j.rows) expect(x.op === 'drain' || x.op === 'reboot', `${x.op} ${x.cluster} changed with only drain numbers changed`).toBe(true);
    for (const x of drains) {
      expect(x.cap[1]).toBeGreaterThan(x.cap[0]);
      expect(x.busy[1]).toBe(x.busy[0]);
    }
    // Hosts it would also choose were drain candidates at that pass, as recorded.
    const added = drains.flatMap((x) => x.added);
    expect(added.length).toBeGreaterThan(0);
    const candidates = new HistoryStore(h.dcDir).read(inputsOf(h, 1).inputs['day/candidate-drain']!).toString().split('\n');
    for (const host of added) expect(candidates).toContain(host);
    const text = bf(h, ['replay', '--pass', '1', '--policy', wide]).out;
    expect(text).toMatch(/^replay .* pass 1 under .*policy-wide .*old → new:\n/);
    expect(text).toMatch(/\bdrain\s+\d+ → \d+/);
    expect(text).toContain(`would also choose drain`);
  });

  it('which HOST shows the groups the host was in at the pass that chose it, with the recipes that put it there', () => {
    const plan = JSON.parse(fs.readFileSync(path.join(today(h), 'plans', '1', 'plan.json'), 'utf8')) as { chosen: Record<string, string[]> };
    const [name, hosts] = Object.entries(plan.chosen).find(([k]) => k.endsWith('.drain'))!;
    const host = hosts[0]!;
    const j = JSON.parse(bf(h, ['which', host, '--json']).out) as { history: Array<{ kind: string; text: string; groups?: string[]; recipes?: Record<string, string> }> };
    const at = j.history.find((e) => e.kind === 'inputs' && e.text.includes('pass 1:'))!;
    expect(at, JSON.stringify(j.history)).toBeDefined();
    expect(at.groups).toContain('candidate-drain');
    expect(at.groups).toContain('all');
    expect(at.recipes?.['candidate-drain']).toMatch(/broken-in-service/);
    // The groups listed are exactly those of the recorded versions that hold the host.
    for (const g of at.groups!) expect(g).not.toMatch(/\.tsv$/);
    expect(name).toMatch(/^dw\d\.drain$/);
  });

  it('simulate sums what each recorded pass would have chosen, says the choices are not fed back, and finds no change under the same policy', () => {
    const wide = widerDrain(h);
    const r = bf(h, ['simulate', '--policy', wide, '--days', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { note: string; passes: number; rows: Array<{ op: string; chosen: [number, number]; peakCap: [number, number] }>; perPass: Array<{ pass: number; difference: number }> };
    expect(j.note).toContain('not fed back');
    expect(j.passes).toBe(passes.length);
    const drain = j.rows.filter((x) => x.op === 'drain');
    expect(drain.reduce((s, x) => s + x.chosen[1], 0)).toBeGreaterThan(drain.reduce((s, x) => s + x.chosen[0], 0));
    for (const x of drain) expect(x.peakCap[1]).toBeGreaterThanOrEqual(x.peakCap[0]);
    expect(drain.some((x) => x.peakCap[1] > x.peakCap[0])).toBe(true);
    // The recorded side is what the passes chose.
    const chosenOnDisk = passes.reduce((s, n) => {
      const p = JSON.parse(fs.readFileSync(path.join(today(h), 'plans', String(n), 'plan.json'), 'utf8')) as { budgets: Array<{ op: string; chosen: number }> };
      return s + p.budgets.filter((b) => b.op === 'drain').reduce((t, b) => t + b.chosen, 0);
    }, 0);
    expect(drain.reduce((s, x) => s + x.chosen[0], 0)).toBe(chosenOnDisk);
    const text = bf(h, ['simulate', '--policy', wide]).out;
    expect(text).toContain("this says what each pass would have chosen, not how the fleet would have evolved");
    expect(text).toMatch(/\ndrain: hosts chosen \d+ → \d+ over the range/);
    expect(text).toContain('passes that differ most');
    const same = bf(h, ['simulate', '--policy', path.join(h.dir, 'demo', 'policy'), '--json']);
    const s = JSON.parse(same.out) as { rows: Array<{ chosen: [number, number]; refusals: Record<string, [number, number]> }>; perPass: Array<{ difference: number }> };
    for (const x of s.rows) {
      expect(x.chosen[0]).toBe(x.chosen[1]);
      for (const [a, b] of Object.values(x.refusals)) expect(a).toBe(b);
    }
    expect(s.perPass.every((p) => p.difference === 0)).toBe(true);
  });

  it('simulate split into consecutive blocks of passes and merged gives what one run over all of them gives', async () => {
    const policy = loadPolicy(widerDrain(h));
    const days = [path.basename(today(h))];
    const whole = await simulate({ dcDir: h.dcDir, days, policy });
    for (const of of [2, 3]) {
      const parts = [];
      for (let index = 0; index < of; index++) parts.push(await simulate({ dcDir: h.dcDir, days, policy, shard: { index, of } }));
      expect(parts.reduce((n, p) => n + p.passes, 0)).toBe(passes.length);
      expect(mergeResults(parts)).toEqual(whole);
    }
  });

  it('simulate with a policy that does not load gives the error policy check gives', () => {
    const bad = path.join(h.dir, 'policy-bad');
    fs.cpSync(path.join(h.dir, 'demo', 'policy'), bad, { recursive: true });
    fs.appendFileSync(path.join(bad, 'policy.yaml'), 'no_such_key: 1\n');
    const r = bf(h, ['simulate', '--policy', bad]);
    const check = bf(h, ['--policy', bad, 'policy', 'check']);
    expect(r.code).not.toBe(0);
    expect(check.code).not.toBe(0);
    const first = (s: string) => s.split('\n').find((l) => l.includes('no_such_key'));
    expect(first(r.err)).toBeDefined();
    expect(first(r.err)).toBe(first(check.err) ?? first(check.out));
  });

  it('names a missing or damaged object and the pass it spoils; other passes replay as before', () => {
    const c = copyHome(h, 'breakfix-replay-damage-');
    const store = path.join(c.dcDir, 'history', 'objects');
    const state2 = inputsOf(c, 2).inputs.state!;
    fs.rmSync(path.join(store, state2.slice(0, 2), `${state2}.gz`));
    let r = bf(c, ['replay', '--pass', '2']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`pass 2 cannot be replayed: object ${state2} is missing`);
    expect(bf(c, ['replay', '--pass', '1']).code).toBe(0);
    // A stored version whose content is not what its address says.
    const inputs3 = inputsOf(c, 3).inputs;
    const name = Object.keys(inputs3).find((k) => k.startsWith('day/') && fs.existsSync(path.join(store, inputs3[k]!.slice(0, 2), `${inputs3[k]}.gz`)) && !Object.values(inputsOf(c, 1).inputs).includes(inputs3[k]!))!;
    expect(name).toBeDefined();
    const addr = inputs3[name]!;
    fs.writeFileSync(path.join(store, addr.slice(0, 2), `${addr}.gz`), spawnSync('gzip', ['-c'], { input: 'someone.else.example.com\n' }).stdout);
    r = bf(c, ['replay', '--pass', '3']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`pass 3 cannot be replayed: .*${addr}\\.gz does not hold what its name says`));
    expect(bf(c, ['replay', '--pass', '1']).code).toBe(0);
    // which still answers, naming what it cannot read.
    expect(bf(c, ['which', 'dw1-dn007']).code).toBe(0);
  });

  it('says a pass was not recorded, or was cut short, instead of replaying it from the wrong inputs', () => {
    const c = copyHome(h, 'breakfix-replay-old-');
    fs.rmSync(path.join(today(c), 'plans', '2', 'inputs.json'));
    let r = bf(c, ['replay', '--pass', '2']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass 2 was not recorded: its plan has no inputs.json (made by a breakfix older than recorded inputs, or with history.keep: 0)');
    fs.rmSync(path.join(today(c), 'plans', '3', 'plan.json'));
    r = bf(c, ['replay', '--pass', '3']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass 3 was cut short after recording its inputs and before writing plan.json');
    r = bf(c, ['replay', '--pass', '99']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass 99: there is no such pass');
    const sim = JSON.parse(bf(c, ['simulate', '--policy', path.join(c.dir, 'demo', 'policy'), '--json']).out) as { passes: number; unrecorded: number };
    expect(sim).toMatchObject({ passes: passes.length - 2, unrecorded: 1 });
  });

  it('a pass killed while it records leaves the store consistent: the next pass and every earlier replay work', async () => {
    const c = copyHome(h, 'breakfix-replay-kill-');
    for (const delayMs of [100, 250, 400, 700]) {
      const child = spawn(BIN, ['--config', c.config, 'pass', '--seed', `k${delayMs}`], { cwd: c.dir, env: cleanEnv(), stdio: 'ignore' });
      const exited = new Promise((res) => child.on('exit', res));
      await new Promise((res) => setTimeout(res, delayMs));
      child.kill('SIGKILL');
      await exited;
    }
    const r = bf(c, ['pass', '--seed', 'after']);
    expect([0, 3]).toContain(r.code);
    const plans = fs.readdirSync(path.join(today(c), 'plans')).map(Number).sort((a, b) => a - b);
    for (const n of plans) {
      const dir = path.join(today(c), 'plans', String(n));
      const rr = bf(c, ['replay', '--pass', String(n)]);
      if (fs.existsSync(path.join(dir, 'plan.json'))) expect(rr.code, `${n}: ${rr.out}${rr.err}`).toBe(0);
      else expect(rr.err).toMatch(/cut short/);
    }
  }, 120_000);

  it('history.keep: 0 records nothing; a keep under a day is refused naming the line', () => {
    const c = copyHome(h, 'breakfix-replay-keep0-');
    fs.appendFileSync(c.config, 'history: { keep: 0 }\n');
    const before = objects(c).length;
    expect(bf(c, ['plan', '--seed', 'z']).code).not.toBe(2);
    const n = Math.max(...fs.readdirSync(path.join(today(c), 'plans')).map(Number));
    expect(fs.existsSync(path.join(today(c), 'plans', String(n), 'inputs.json'))).toBe(false);
    expect(objects(c).length).toBe(before);
    fs.writeFileSync(c.config, fs.readFileSync(c.config, 'utf8').replace('history: { keep: 0 }', 'history: { keep: 2h }'));
    const r = bf(c, ['plan']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/breakfix\.yaml:\d+.*at least 1d/);
  });
});

const HAVE_FAKETIME = spawnSync('faketime', ['2026-01-01 00:00:00', 'true']).status === 0;

describe.skipIf(!HAVE_FAKETIME && !IN_CI)('history.keep', () => {
  it('removes, at the first pass after a day expires, the objects only expired passes needed, and nothing a kept pass needs', () => {
    if (!HAVE_FAKETIME) throw new Error('faketime is missing: apt-get install faketime');
    const h = home('breakfix-expire-');
    pass(h, 'e1');
    pass(h, 'e2');
    const oldDay = today(h);
    const before = objects(h).length;
    // 31 days on: the old day is past keep (30d); a new day's pass records and expires it.
    const later = new Date(Date.now() + 31 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
    const run = (args: string[]) => spawnSync('faketime', [later, BIN, '--config', h.config, ...args], { cwd: h.dir, env: cleanEnv({ TZ: 'UTC' }) });
    const r = run(['pass', '--seed', 'e3', '--verbose']);
    expect([0, 3], r.stderr.toString()).toContain(r.status);
    expect(r.stdout.toString()).toMatch(/history: removed \d+ recorded input\(s\) \(\d+ bytes\) that only passes up to \d{4}-\d\d-\d\d needed/);
    expect(objects(h).length).toBeLessThan(before + 60);
    const newDay = today(h);
    expect(newDay).not.toBe(oldDay);
    // The new pass replays; an expired one names the missing object.
    const rr = run(['replay', '--pass', '1']);
    expect(rr.status, rr.stderr.toString()).toBe(0);
    const old = run(['replay', '--day', path.basename(oldDay), '--pass', '2']);
    expect(old.status).toBe(1);
    expect(old.stderr.toString()).toMatch(/cannot be replayed: object [0-9a-f]{64} is missing/);
    // A second pass the same day removes nothing more.
    const again = run(['pass', '--seed', 'e4', '--verbose']);
    expect(again.stdout.toString()).not.toContain('history: removed');
    expect(run(['replay', '--pass', '2']).status).toBe(0);
  }, 180_000);
});
