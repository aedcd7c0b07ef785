// Benchmarks breakfix side by side with the GNU tools it replaces, in one run,
// and prints the ratios against the targets. It measures and reports; it never
// fails on timing.
//
//   node bench/run.mjs                 full run (5,000,000 hosts)
//   node bench/run.mjs --quick         smoke run (500,000 hosts)
//   node bench/run.mjs --only minus    one case (comma-separated names allowed)
//   node bench/run.mjs --runs 5        median of 5 runs per side
//   node bench/run.mjs --keep DIR      generate into DIR (or reuse it) and leave it there
//
// Wall time is measured here around each child; peak RSS comes from
// /usr/bin/time (%M). For a shell pipeline that is the largest stage, not the sum.
//
// A case is an object in cases/<file>.mjs, listed in CASES below: a name, a setup that writes its inputs, and
// two commands (`ours`, `theirs`) run from the data directory. Add a case by
// appending one. A case with no GNU peer has `theirs: null` and a target in
// seconds (`target.secs`); `beforeEach` runs before every run of it, untimed,
// and `check` looks at what its first run wrote. A setup may return
// `{ skip: reason }` (a tool is missing); `aim` measures a further breakfix
// variant against the same baseline, reported as a stretch goal. A case with
// `measure(ctx)` runs and reports its own figures and returns its table rows.


import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST, ROOT, TIME, childEnv, countLines, die, fmtMB, fmtSecs, median, runOnce } from './lib.mjs';
import { minusCase, pipelineCase, startupCase, startupConfigCase } from './cases/sets.mjs';
import { pullCase } from './cases/pull.mjs';
import { execCase } from './cases/exec.mjs';
import { passCase, pass_reportCase } from './cases/pass.mjs';
import { historyCase } from './cases/history.mjs';

// One file per case under cases/; this is the order they run and report in.
const CASES = [minusCase, pipelineCase, startupCase, startupConfigCase, pullCase, execCase, passCase, pass_reportCase, historyCase];

// ---------------------------------------------------------------- options

function usage() {
  const names = CASES.map((c) => c.name).join(', ');
  return `usage: node bench/run.mjs [--quick] [--runs N] [--only NAME[,NAME]] [--keep DIR] [--lines N]
  --quick       500,000 hosts instead of 5,000,000
  --runs N      runs per side for the big cases (median reported; default 3)
  --only NAMES  run only these cases: ${names}
  --keep DIR    generate inputs into DIR, or reuse them when present; DIR is not removed
  --lines N     hosts in the big input (overrides --quick)`;
}

function parseArgs(argv) {
  const o = { quick: false, runs: 3, only: null, keep: null, lines: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value\n${usage()}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = positiveInt(a, val());
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--keep') o.keep = path.resolve(val());
    else if (a === '--lines') o.lines = positiveInt(a, val());
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else die(`unknown argument ${a}\n${usage()}`);
  }
  if (o.only) {
    const known = new Set(CASES.map((c) => c.name));
    for (const n of o.only) if (!known.has(n)) die(`unknown case ${n}; known: ${[...known].join(', ')}`);
  }
  return o;
}

function positiveInt(flag, s) {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) die(`${flag} wants a positive integer, not ${s}`);
  return n;
}


// ---------------------------------------------------------------- measuring





/** Checks once that both sides print the same bytes; that run also warms the page cache. */
function verifyOutputs(ctx, c) {
  const ours = path.join(ctx.dir, `.out-${c.name}-breakfix`);
  const theirs = path.join(ctx.dir, `.out-${c.name}-gnu`);
  runOnce(ctx, c.ours, ours);
  runOnce(ctx, c.theirs, theirs);
  const r = spawnSync('cmp', [ours, theirs], { encoding: 'utf8' });
  const lines = countLines(theirs);
  const ok = r.status === 0;
  fs.rmSync(ours, { force: true });
  fs.rmSync(theirs, { force: true });
  return { ok, lines, detail: ok ? '' : (r.stdout || r.stderr).trim() };
}


function runCase(ctx, c) {
  const runs = c.runs ?? ctx.runs;
  const note = c.setup(ctx);
  if (note?.skip) {
    console.log(`\n[${c.name}] ${c.title}: skipped: ${note.skip}`);
    return null;
  }
  console.log(`\n[${c.name}] ${c.title}: ${note}`);
  // A case that measures several things itself hands back its own rows of the table.
  if (c.measure) return { case: c, custom: c.measure(ctx) };
  console.log(`  breakfix: ${c.ours.slice(1).map(shellQuote).join(' ')}`);
  if (c.theirs) console.log(`  GNU:      ${c.theirs[0] === 'bash' ? c.theirs[2] : c.theirs.join(' ')}`);
  else console.log(`  GNU:      none; measured against the ${fmtSecs(c.target.secs)} target`);
  let check = null;
  if (c.verify) {
    check = verifyOutputs(ctx, c);
    console.log(`  output:   ${check.ok ? `identical (${check.lines.toLocaleString('en-US')} lines)` : `DIFFERENT: ${check.detail}`}`);
  } else {
    c.beforeEach?.(ctx);
    runOnce(ctx, c.ours, path.join(ctx.dir, `${c.name}.out`), c.okCodes); // warm-up, its output kept for the check
    if (c.theirs) runOnce(ctx, c.theirs, '/dev/null', c.theirsOkCodes);
  }
  if (c.check) {
    // The case's own check of what the warm-up run wrote.
    check = c.check(ctx);
    console.log(`  output:   ${check.ok ? check.detail : `WRONG: ${check.detail}`}`);
  }
  const ours = [];
  const theirs = [];
  // Alternate the sides so drift in the machine's load hits both alike.
  for (let i = 0; i < runs; i++) {
    c.beforeEach?.(ctx);
    ours.push(runOnce(ctx, c.ours, '/dev/null', c.okCodes));
    if (c.theirs) theirs.push(runOnce(ctx, c.theirs, '/dev/null', c.theirsOkCodes));
  }
  const sum = (rs) => ({
    secs: median(rs.map((r) => r.secs)),
    rssMB: rs[0].rssMB === null ? null : Math.max(...rs.map((r) => r.rssMB)),
  });
  const result = { case: c, runs, ours: sum(ours), theirs: c.theirs ? sum(theirs) : null, check };
  if (result.theirs) {
    console.log(
      `  median of ${runs} runs: breakfix ${fmtSecs(result.ours.secs)}, ${c.theirsLabel} ${fmtSecs(result.theirs.secs)}` +
        (result.ours.rssMB === null ? '' : `; peak RSS ${fmtMB(result.ours.rssMB)} vs ${fmtMB(result.theirs.rssMB)}`),
    );
  } else {
    console.log(
      `  median of ${runs} runs: breakfix ${fmtSecs(result.ours.secs)} (target ${fmtSecs(c.target.secs)})` +
        (result.ours.rssMB === null ? '' : `; peak RSS ${fmtMB(result.ours.rssMB)}`),
    );
  }
  if (c.aim) {
    result.aim = c.aim(ctx, runs);
    console.log(`  aim:      ${result.aim.argv.slice(1).map(shellQuote).join(' ')}`);
    console.log(`  median of ${runs} runs: breakfix (${result.aim.label}) ${fmtSecs(result.aim.secs)}; ${result.aim.note}`);
  }
  return result;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- report



function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => cell.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

function report(ctx, results) {
  const rows = [['case', 'breakfix', 'baseline', 'ratio', 'target', 'verdict']];
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  for (const r of results) {
    const c = r.case;
    if (r.custom) {
      rows.push(...r.custom.rows);
      continue;
    }
    if (r.theirs === null) {
      // No baseline: the ratio is the time over the target.
      const ratio = r.ours.secs / c.target.secs;
      rows.push([
        `${c.name} time (vs target)`,
        fmtSecs(r.ours.secs),
        `target ${fmtSecs(c.target.secs)}`,
        `${ratio.toFixed(2)}x`,
        `<= ${fmtSecs(c.target.secs)}`,
        verdict(ratio <= 1),
      ]);
      rows.push([
        `${c.name} peak RSS`,
        fmtMB(r.ours.rssMB),
        '',
        '',
        c.target.rssMB === undefined ? '(reported)' : `<= ${c.target.rssMB} MB`,
        c.target.rssMB === undefined || r.ours.rssMB === null ? '' : verdict(r.ours.rssMB <= c.target.rssMB),
      ]);
      if (r.check && !r.check.ok) rows.push([`${c.name} output`, 'wrong', '', '', 'as generated', 'MISS']);
      continue;
    }
    const ratio = r.ours.secs / r.theirs.secs;
    rows.push([
      `${c.name} time (vs ${c.theirsLabel})`,
      fmtSecs(r.ours.secs),
      fmtSecs(r.theirs.secs),
      `${ratio.toFixed(2)}x`,
      `<= ${c.target.ratio}x`,
      verdict(ratio <= c.target.ratio),
    ]);
    if (c.target.rssMB !== undefined) {
      rows.push([
        `${c.name} peak RSS`,
        fmtMB(r.ours.rssMB),
        fmtMB(r.theirs.rssMB),
        r.ours.rssMB === null ? 'n/a' : `${(r.ours.rssMB / r.theirs.rssMB).toFixed(1)}x`,
        `<= ${c.target.rssMB} MB`,
        r.ours.rssMB === null ? 'n/a' : verdict(r.ours.rssMB <= c.target.rssMB),
      ]);
    }
    if (r.check && !r.check.ok) rows.push([`${c.name} output`, 'differs', '', '', 'identical', 'MISS']);
    if (r.aim) {
      const aimRatio = r.aim.secs / r.theirs.secs;
      rows.push([
        `${c.name} ${r.aim.label} time (vs ${c.theirsLabel})`,
        fmtSecs(r.aim.secs),
        fmtSecs(r.theirs.secs),
        `${aimRatio.toFixed(2)}x`,
        `aim <= ${r.aim.target.toFixed(1)}x`,
        verdict(aimRatio <= r.aim.target),
      ]);
    }
  }
  console.log(`\n${table(rows)}`);
  if (!ctx.haveTime) console.log('\npeak RSS needs GNU time: apt-get install time');
  if (results.some((r) => r.ours && r.ours.rssMB !== null && r.case.theirs?.[0] === 'bash' && /\|/.test(r.case.theirs[2]))) {
    console.log('GNU RSS of a pipeline is its largest stage.');
  }
}

// ---------------------------------------------------------------- main

function machineFacts() {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    cpu = os.cpus()[0]?.model ?? 'unknown';
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(os.availableParallelism());
  const comm = spawnSync('comm', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'comm: unknown';
  return [
    `cpu:  ${cpu}, nproc ${nproc}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `node: ${process.version}; ${comm}; ${os.type()} ${os.release()}; peak RSS ${fs.existsSync(TIME) ? 'by /usr/bin/time' : 'n/a'}`,
  ];
}

/** Builds dist/main.cjs when it is missing or older than a source file. */
function ensureBuilt() {
  const newest = (dir) => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return t;
  };
  const built = fs.existsSync(DIST) ? fs.statSync(DIST).mtimeMs : 0;
  if (built >= newest(path.join(ROOT, 'src'))) return;
  console.log('building dist/main.cjs');
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) die('build failed');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureBuilt();
  const haveTime = fs.existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  const lines = opts.lines ?? (opts.quick ? 500_000 : 5_000_000);
  let dir;
  if (opts.keep) {
    fs.mkdirSync(opts.keep, { recursive: true });
    dir = opts.keep;
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-bench-'));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    process.on('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => {
        cleanup();
        process.exit(130);
      });
    }
  }
  const ctx = { dir, lines, runs: opts.runs, haveTime, env: childEnv(), prepared: new Set() };
  const cases = CASES.filter((c) => !opts.only || opts.only.includes(c.name));

  console.log('breakfix bench');
  for (const f of machineFacts()) console.log(f);
  console.log(`data: ${dir}${opts.keep ? ' (kept)' : ' (removed at the end)'}; ${lines.toLocaleString('en-US')} hosts; median of ${opts.runs} runs per side`);

  const results = cases.map((c) => runCase(ctx, c)).filter((r) => r !== null);
  report(ctx, results);
}

main();
