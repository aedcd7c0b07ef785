// What the benchmark cases share: where things are, inputs, running a command once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'breakfix');
export const DIST = path.join(ROOT, 'dist', 'main.cjs');
export const TIME = '/usr/bin/time';
export const RSS_LIMIT_MB = 150;

export function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- inputs

/** Host number i as `dn0001234.r123.dc1.example.com`; zero padding keeps byte order = numeric order. */
export function host(i) {
  const n = String(i).padStart(7, '0');
  const rack = String(Math.floor(i / 40) % 1000).padStart(3, '0');
  const dc = 1 + (Math.floor(i / 1_000_000) % 4);
  return `dn${n}.r${rack}.dc${dc}.example.com\n`;
}

/**
 * Writes `count` hosts to several files in one pass: every file gets the
 * lines (1-based line number k) that its `keep(k)` accepts.
 */
export function writeHosts(dir, count, files) {
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
export function verifySorted(file) {
  const r = spawnSync('sort', ['-c', '-u', file], { env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  if (r.status !== 0) die(`${file} is not sorted and unique in byte order: ${r.stderr.trim()}`);
}

/**
 * Generates `files` in `dir` unless a stamp says the same set is already
 * there; says whether they were generated, found (--keep) or made earlier in this run.
 */
export function ensureInputs(ctx, stamp, count, files) {
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

export function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}


/** The environment children run in: byte order for the GNU tools, and no config or home of the caller's. */
export function childEnv() {
  const env = { ...process.env, LC_ALL: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('BREAKFIX_')) delete env[k];
  return env;
}

export function resolveArgv(argv) {
  return argv[0] === 'breakfix' ? [BIN, ...argv.slice(1)] : argv;
}

/**
 * Runs one command once with stdout to `outPath`; returns wall seconds and
 * peak RSS in MB (null without /usr/bin/time).
 */
export function runOnce(ctx, argv, outPath, okCodes = [0]) {
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
  if (!okCodes.includes(r.status)) die(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
  let rssMB = null;
  if (ctx.haveTime) {
    const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(kb)) rssMB = kb / 1024;
  }
  return { secs, rssMB };
}

export function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function countLines(file) {
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

export function fmtSecs(s) {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

export function fmtMB(m) {
  return m === null ? 'n/a' : `${m.toFixed(1)} MB`;
}
