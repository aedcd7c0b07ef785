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
// A case is an object in CASES: a name, a setup that writes its inputs, and
// two commands (`ours`, `theirs`) run from the data directory. Add a case by
// appending one.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'breakfix');
const DIST = path.join(ROOT, 'dist', 'main.cjs');
const TIME = '/usr/bin/time';
const RSS_LIMIT_MB = 150;

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

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- inputs

/** Host number i as `dn0001234.r123.dc1.example.com`; zero padding keeps byte order = numeric order. */
function host(i) {
  const n = String(i).padStart(7, '0');
  const rack = String(Math.floor(i / 40) % 1000).padStart(3, '0');
  const dc = 1 + (Math.floor(i / 1_000_000) % 4);
  return `dn${n}.r${rack}.dc${dc}.example.com\n`;
}

/**
 * Writes `count` hosts to several files in one pass: every file gets the
 * lines (1-based line number k) that its `keep(k)` accepts.
 */
function writeHosts(dir, count, files) {
  const outs = Object.entries(files).map(([name, keep]) => ({
    fd: fs.openSync(path.join(dir, name), 'w'),
    keep,
    chunk: [],
  }));
  const CHUNK = 65536;
  const flush = (o) => {
    if (o.chunk.length) fs.writeSync(o.fd, o.chunk.join(''));
    o.chunk = [];
  };
  for (let k = 1; k <= count; k++) {
    const line = host(k);
    for (const o of outs) {
      if (o.keep(k)) {
        o.chunk.push(line);
        if (o.chunk.length >= CHUNK) flush(o);
      }
    }
  }
  for (const o of outs) {
    flush(o);
    fs.closeSync(o.fd);
  }
}

/** Fails unless the file is strictly increasing in byte order (what `LC_ALL=C sort -u` would leave). */
function verifySorted(file) {
  const r = spawnSync('sort', ['-c', '-u', file], { env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  if (r.status !== 0) die(`${file} is not sorted and unique in byte order: ${r.stderr.trim()}`);
}

/**
 * Generates `files` in `dir` unless a stamp says the same set is already
 * there; says whether they were generated, found (--keep) or made earlier in this run.
 */
function ensureInputs(ctx, stamp, count, files) {
  if (ctx.prepared.has(stamp)) return 'as above';
  ctx.prepared.add(stamp);
  const stampFile = path.join(ctx.dir, `.stamp-${stamp}`);
  if (fs.existsSync(stampFile) && Object.keys(files).every((f) => fs.existsSync(path.join(ctx.dir, f)))) {
    return 'reused';
  }
  const t0 = process.hrtime.bigint();
  writeHosts(ctx.dir, count, files);
  for (const f of Object.keys(files)) verifySorted(path.join(ctx.dir, f));
  fs.writeFileSync(stampFile, `${count}\n`);
  return `generated and checked sorted in ${fmtSecs(Number(process.hrtime.bigint() - t0) / 1e9)}`;
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

// ---------------------------------------------------------------- cases

const every = (n) => (k) => k % n === 0;
const allBut = (n) => (k) => k % n !== 0;
const all = () => true;

/** The big host list and its subsets, shared by the `minus` and `pipeline` cases. */
function bigInputs(ctx) {
  const files = { a: all, b: every(3), c: every(2), d: allBut(5) };
  const how = ensureInputs(ctx, `big-${ctx.lines}`, ctx.lines, files);
  // The pipeline case reads the same files under the names of its story.
  for (const [alias, target] of [['all', 'a'], ['excl', 'b'], ['resp', 'c'], ['ok', 'd']]) {
    const p = path.join(ctx.dir, alias);
    fs.rmSync(p, { force: true });
    fs.linkSync(path.join(ctx.dir, target), p);
  }
  const size = mb(fs.statSync(path.join(ctx.dir, 'a')).size);
  return `a = ${ctx.lines.toLocaleString('en-US')} hosts (${size}), b = every 3rd, c = every 2nd, d = all but every 5th; ${how}`;
}

const STARTUP_HOSTS = 50_000;

const CASES = [
  {
    name: 'minus',
    title: 'a - b',
    setup: bigInputs,
    ours: ['breakfix', 'q', './a - ./b'],
    theirs: ['comm', '-23', 'a', 'b'],
    theirsLabel: 'comm -23',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  },
  {
    name: 'pipeline',
    title: 'all - excl & resp & ok',
    setup: bigInputs,
    ours: ['breakfix', 'q', './all - ./excl & ./resp & ./ok'],
    theirs: ['bash', '-c', 'comm -23 all excl | comm -12 - resp | comm -12 - ok'],
    theirsLabel: '3x comm',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  },
  {
    name: 'startup',
    title: `start-up, ${STARTUP_HOSTS / 1000}k hosts`,
    setup(ctx) {
      const how = ensureInputs(ctx, `startup-${STARTUP_HOSTS}`, STARTUP_HOSTS, { x: all, y: every(2) });
      return `x = ${STARTUP_HOSTS.toLocaleString('en-US')} hosts, y = every 2nd; ${how}`;
    },
    ours: ['breakfix', 'q', './x - ./y'],
    theirs: ['node', '-e', '0'],
    theirsLabel: 'node -e 0',
    runs: 20,
    target: { ratio: 1.6 },
    verify: false,
  },
];

// ---------------------------------------------------------------- measuring

/** The environment children run in: byte order for the GNU tools, and no config or home of the caller's. */
function childEnv() {
  const env = { ...process.env, LC_ALL: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('BREAKFIX_')) delete env[k];
  return env;
}

function resolveArgv(argv) {
  return argv[0] === 'breakfix' ? [BIN, ...argv.slice(1)] : argv;
}

/**
 * Runs one command once with stdout to `outPath`; returns wall seconds and
 * peak RSS in MB (null without /usr/bin/time).
 */
function runOnce(ctx, argv, outPath) {
  const out = fs.openSync(outPath, 'w');
  const rssFile = path.join(ctx.dir, '.rss');
  const full = ctx.haveTime ? [TIME, '-f', '%M', '-o', rssFile, ...resolveArgv(argv)] : resolveArgv(argv);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), {
    cwd: ctx.dir,
    env: ctx.env,
    stdio: ['ignore', out, 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(out);
  if (r.error) die(`${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) die(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
  let rssMB = null;
  if (ctx.haveTime) {
    const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(kb)) rssMB = kb / 1024;
  }
  return { secs, rssMB };
}

function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

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

function countLines(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (;;) {
    const got = fs.readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    for (let i = 0; i < got; i++) if (buf[i] === 10) n++;
  }
  fs.closeSync(fd);
  return n;
}

function runCase(ctx, c) {
  const runs = c.runs ?? ctx.runs;
  const note = c.setup(ctx);
  console.log(`\n[${c.name}] ${c.title}: ${note}`);
  console.log(`  breakfix: ${c.ours.slice(1).map(shellQuote).join(' ')}`);
  console.log(`  GNU:      ${c.theirs[0] === 'bash' ? c.theirs[2] : c.theirs.join(' ')}`);
  let check = null;
  if (c.verify) {
    check = verifyOutputs(ctx, c);
    console.log(`  output:   ${check.ok ? `identical (${check.lines.toLocaleString('en-US')} lines)` : `DIFFERENT: ${check.detail}`}`);
  } else {
    runOnce(ctx, c.ours, '/dev/null'); // warm-up
    runOnce(ctx, c.theirs, '/dev/null');
  }
  const ours = [];
  const theirs = [];
  // Alternate the sides so drift in the machine's load hits both alike.
  for (let i = 0; i < runs; i++) {
    ours.push(runOnce(ctx, c.ours, '/dev/null'));
    theirs.push(runOnce(ctx, c.theirs, '/dev/null'));
  }
  const sum = (rs) => ({
    secs: median(rs.map((r) => r.secs)),
    rssMB: rs[0].rssMB === null ? null : Math.max(...rs.map((r) => r.rssMB)),
  });
  const result = { case: c, runs, ours: sum(ours), theirs: sum(theirs), check };
  console.log(
    `  median of ${runs} runs: breakfix ${fmtSecs(result.ours.secs)}, ${c.theirsLabel} ${fmtSecs(result.theirs.secs)}` +
      (result.ours.rssMB === null ? '' : `; peak RSS ${fmtMB(result.ours.rssMB)} vs ${fmtMB(result.theirs.rssMB)}`),
  );
  return result;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- report

function fmtSecs(s) {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

function fmtMB(m) {
  return m === null ? 'n/a' : `${m.toFixed(1)} MB`;
}

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
  }
  console.log(`\n${table(rows)}`);
  if (!ctx.haveTime) console.log('\npeak RSS needs GNU time: apt-get install time');
  if (results.some((r) => r.ours.rssMB !== null && r.case.theirs[0] === 'bash' && /\|/.test(r.case.theirs[2]))) {
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

  const results = cases.map((c) => runCase(ctx, c));
  report(ctx, results);
}

main();
