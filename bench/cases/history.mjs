// Recorded inputs on the simulated 100,000-host datacenter: what recording adds
// to a pass, how fast the store grows at 1% churn a pass, how long replay and
// simulate take.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { die, fmtSecs, mb, median, resolveArgv, runOnce } from '../lib.mjs';
import { passInputs } from './pass.mjs';

/** Recorded passes in the run (a day has 144 ten-minute passes; its figures are projected from these). */
const PASSES = 12;
const DAY = 144;
/** MAX_CHAIN in src/store/history.ts: a whole copy of a changed file after this many deltas. */
const MAX_CHAIN = 48;

function duSize(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? duSize(p) : fs.lstatSync(p).size;
  }
  return n;
}

/** Objects only: last/ holds hard links to the day's own files, which cost no bytes of their own. */
const storeBytes = (dcDir) => (fs.existsSync(path.join(dcDir, 'history', 'objects')) ? duSize(path.join(dcDir, 'history', 'objects')) : 0) + (fs.existsSync(path.join(dcDir, 'history', 'bases.log')) ? fs.statSync(path.join(dcDir, 'history', 'bases.log')).size : 0);

function setup(ctx) {
  const note = passInputs(ctx);
  const dir = path.join(ctx.dir, 'pass');
  const base = fs.readFileSync(path.join(dir, 'breakfix.yaml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'breakfix-hist.yaml'), base.replace('home: ./home', 'home: ./home-hist').replace(/^policy: .*$/m, 'policy: ./policy-hist'));
  fs.writeFileSync(
    path.join(dir, 'breakfix-nohist.yaml'),
    base.replace('home: ./home', 'home: ./home-nohist').replace(/^policy: .*$/m, 'policy: ./policy-hist') + 'history: { keep: 0 }\n',
  );
  return `${note}; ${PASSES} passes with and without recording, 1% of the hosts changing (responsive) before each`;
}

/** Rewrites inventory.csv with the hosts of the first `k` percent-buckets unresponsive: 1% more each pass. */
function churn(file, original, k) {
  const lines = original.split('\n');
  const head = lines[0].split(',');
  const col = head.indexOf('responsive');
  let bucket = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const f = lines[i].split(',');
    if (f[2] !== 'hadoop-worker') continue;
    // A fixed scatter of the workers into 100 buckets.
    bucket = (i * 7919) % 100;
    if (bucket < k) {
      f[col] = 'no';
      lines[i] = f.join(',');
    }
  }
  fs.writeFileSync(file, lines.join('\n'));
}

function measure(ctx) {
  const dir = path.join(ctx.dir, 'pass');
  const inv = path.join(dir, 'in', 'inventory.csv');
  const original = fs.readFileSync(inv, 'utf8');
  for (const h of ['home-hist', 'home-nohist', 'policy-hist', 'policy-wide']) fs.rmSync(path.join(dir, h), { recursive: true, force: true });
  fs.cpSync(path.join(dir, 'policy'), path.join(dir, 'policy-hist'), { recursive: true });
  const dcDir = path.join(dir, 'home-hist', 'dc1');
  const withRec = [];
  const without = [];
  const sizes = [];
  try {
    for (let i = 1; i <= PASSES; i++) {
      churn(inv, original, i - 1);
      // Alternated, so the machine's load hits both alike.
      withRec.push(runOnce(ctx, ['breakfix', '--config', 'pass/breakfix-hist.yaml', 'pass', '--seed', `h${i}`], '/dev/null', [0, 3]).secs);
      without.push(runOnce(ctx, ['breakfix', '--config', 'pass/breakfix-nohist.yaml', 'pass', '--seed', `h${i}`], '/dev/null', [0, 3]).secs);
      sizes.push(storeBytes(dcDir));
    }
  } finally {
    fs.writeFileSync(inv, original);
  }
  // Steady state: every pass after the first, which stores everything once.
  const on = median(withRec.slice(1));
  const off = median(without.slice(1));
  const firstBytes = sizes[0];
  const perPass = median(sizes.slice(1).map((s, i) => s - sizes[i]));
  const wholeCopies = Math.ceil(DAY / (MAX_CHAIN + 1));
  const dayBytes = perPass * (DAY - 1) + firstBytes * wholeCopies;
  const kb = (b) => `${(b / 1024).toFixed(0)} kB`;
  console.log(`  record:   pass ${fmtSecs(on)} recorded vs ${fmtSecs(off)} not (medians of passes 2-${PASSES}); store ${mb(firstBytes)} after the first pass, then ${kb(perPass)} a pass`);
  console.log(`  a day:    ${DAY} passes ≈ ${kb(perPass)} × ${DAY - 1} + ${mb(firstBytes)} × ${wholeCopies} (whole copies where chains of ${MAX_CHAIN} deltas are cut, counting every file as changed) = ${mb(dayBytes)}`);

  // Replay of the last pass, which must come out byte for byte.
  const replayArgv = ['breakfix', '--config', 'pass/breakfix-hist.yaml', 'replay', '--pass', String(PASSES)];
  const rp = spawnSync(resolveArgv(replayArgv)[0], resolveArgv(replayArgv).slice(1), { cwd: ctx.dir, env: ctx.env, encoding: 'utf8' });
  if (rp.status !== 0) die(`replay of pass ${PASSES} did not rebuild it byte for byte: ${rp.stdout}${rp.stderr}`);
  const replay = median([1, 2, 3].map(() => runOnce(ctx, replayArgv, '/dev/null').secs));
  console.log(`  replay:   ${rp.stdout.trim()}`);

  // simulate over the recorded passes under a policy with wider drains.
  fs.cpSync(path.join(dir, 'policy-hist'), path.join(dir, 'policy-wide'), { recursive: true });
  const pf = path.join(dir, 'policy-wide', 'policy.yaml');
  fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace(/drain: \{ pct: (\d+),/g, (_, p) => `drain: { pct: ${Number(p) + 2},`));
  const simArgv = ['breakfix', '--config', 'pass/breakfix-hist.yaml', 'simulate', '--policy', 'pass/policy-wide', '--days', '1', '--json'];
  const simOut = path.join(ctx.dir, 'simulate.json');
  const sim = runOnce(ctx, simArgv, simOut);
  const sj = JSON.parse(fs.readFileSync(simOut, 'utf8'));
  if (sj.passes !== PASSES) die(`simulate replayed ${sj.passes} passes, expected ${PASSES}`);
  const drain = sj.rows.filter((r) => r.op === 'drain');
  const chosen = drain.reduce((s, r) => [s[0] + r.chosen[0], s[1] + r.chosen[1]], [0, 0]);
  // A day from the cost of one process: its first pass lays out every file, each later one only what changed.
  const shard = (spec) => runOnce(ctx, [...simArgv.slice(0, -1), '--shard', spec], '/dev/null').secs;
  const first = shard(`0/${PASSES}`);
  const all = shard('0/1');
  const each = (all - first) / (PASSES - 1);
  const procs = Math.min(os.availableParallelism(), 4);
  const simDay = first + each * (Math.ceil(DAY / procs) - 1);
  console.log(`  simulate: ${PASSES} passes in ${fmtSecs(sim.secs)} in ${procs} processes (peak RSS ${sim.rssMB === null ? 'n/a' : `${sim.rssMB.toFixed(0)} MB`} each); drains chosen ${chosen[0]} → ${chosen[1]}`);
  console.log(`  a day:    one process: the first pass ${fmtSecs(first)}, each later one ${fmtSecs(each)}; ${DAY} passes in ${procs} processes ≈ ${fmtSecs(first)} + ${fmtSecs(each)} × ${Math.ceil(DAY / procs) - 1} = ${fmtSecs(simDay)}`);
  const v = (ok) => (ok ? 'PASS' : 'MISS');
  return {
    rows: [
      ['history: pass recorded (vs not)', fmtSecs(on), fmtSecs(off), `${(on / off).toFixed(2)}x`, '<= 1.10x', v(on / off <= 1.1)],
      ['history: store a day (projected)', mb(dayBytes), `${(perPass / 1024).toFixed(0)} kB/pass`, '', '<= 50 MB', v(dayBytes <= 50 * 2 ** 20)],
      ['history: replay one pass', fmtSecs(replay), 'target 3.00 s', `${(replay / 3).toFixed(2)}x`, '<= 3.00 s', v(replay <= 3)],
      [`history: simulate a day (projected)`, fmtSecs(simDay), 'target 60.00 s', `${(simDay / 60).toFixed(2)}x`, '<= 60.00 s', v(simDay <= 60)],
    ],
  };
}

export const historyCase = {
  name: 'history',
  title: 'recorded inputs on the 100,000-host datacenter: recording cost, store growth at 1% churn, replay and simulate',
  setup,
  measure,
};
