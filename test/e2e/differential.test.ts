// bin/breakfix against GNU coreutils in the C locale, byte for byte, on random
// sorted files: comm and sort -m for the operators, join for `breakfix join`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempDirs } from '../support/cli.js';

const tmp = tempDirs();
const CASES = 20;

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const HOST = 'abcdefghijklmnopqrstuvwxyz0123456789.-';
const WORDS = ['é', 'ß', 'Ω', '日本', '🙂', 'a', 'A', ' ', '-', '\r', 'z'];

/** Bytes other than the newline (and the tab, when `tab` is false). */
function rawByte(r: Rand, tab: boolean): number {
  for (;;) {
    const b = int(r, 256);
    if (b !== 0x0a && (tab || b !== 0x09)) return b;
  }
}

/** One random line: a host name, UTF-8 text, raw bytes (above 0x7f, NUL, CR, spaces), or now and then 100 KB. */
function randomLine(r: Rand, tab: boolean, longOk: boolean): Buffer {
  const kind = r();
  if (longOk && kind < 0.01) {
    const prefix = Buffer.from(pick(r, ['', 'a', 'm', '\xff']), 'latin1');
    return Buffer.concat([prefix, Buffer.alloc(100_000 + int(r, 5000), pick(r, ['a', 'm', 'z'])), Buffer.from([rawByte(r, tab)])]);
  }
  if (kind < 0.45) {
    let s = '';
    for (let i = 1 + int(r, 14); i > 0; i--) s += pick(r, [...HOST]);
    return Buffer.from(s);
  }
  if (kind < 0.7) {
    let s = '';
    for (let i = 1 + int(r, 4); i > 0; i--) s += pick(r, WORDS);
    return Buffer.from(s);
  }
  const n = int(r, 9); // an empty line now and then, too
  return Buffer.from(Array.from({ length: n }, () => rawByte(r, tab)));
}

/** A sorted, unique subset of the pool, maybe empty, maybe without its last newline. */
function randomFile(r: Rand, pool: Buffer[]): Buffer {
  if (r() < 0.08) return Buffer.alloc(0);
  const keep = r();
  const chosen = new Map<string, Buffer>();
  for (const l of pool) if (r() < keep) chosen.set(l.toString('latin1'), l);
  const sorted = [...chosen.values()].sort(Buffer.compare);
  const parts = sorted.flatMap((l) => [l, Buffer.from('\n')]);
  // Drop the last newline sometimes (not after an empty last line: that would drop the line).
  if (parts.length && sorted.at(-1)!.length > 0 && r() < 0.3) parts.pop();
  return Buffer.concat(parts);
}

const withoutTabs = (file: Buffer) => {
  const ls = file.toString('latin1').split('\n');
  const last = ls.pop()!;
  const kept = ls.filter((l) => !l.includes('\t')).map((l) => `${l}\n`);
  if (last !== '' && !last.includes('\t')) kept.push(last);
  return Buffer.from(kept.join(''), 'latin1');
};

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runAsync(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: cleanEnv({ LC_ALL: 'C' }), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

/** Runs jobs two or three at a time: one per core, and one waiting on I/O. */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 3): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/** Where two outputs first differ, shown as a line number and the two lines. */
function firstDifference(a: Buffer, b: Buffer): string {
  const la = a.toString('latin1').split('\n');
  const lb = b.toString('latin1').split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: breakfix ${JSON.stringify(la[i]?.slice(0, 80))} vs GNU ${JSON.stringify(lb[i]?.slice(0, 80))}`;
  }
  return 'no difference';
}

interface Check {
  name: string;
  /** Arguments of bin/breakfix. */
  breakfix: string[];
  /** The same through coreutils, as a bash script. */
  gnu: string;
}

const CHECKS: Check[] = [
  { name: 'A - B', breakfix: ['q', './a - ./b'], gnu: 'comm -23 a b' },
  { name: 'A & B', breakfix: ['q', 'a & b'], gnu: 'comm -12 a b' },
  { name: 'A | B', breakfix: ['q', './a | ./b'], gnu: 'sort -m -u a b' },
  { name: 'A ^ B', breakfix: ['q', 'ax ^ bx'], gnu: "comm -3 ax bx | tr -d '\\t'" },
  { name: 'B - A', breakfix: ['q', 'b minus a'], gnu: 'comm -13 a b' },
  { name: 'A - B & C | D', breakfix: ['q', 'a - b & c | d'], gnu: 'sort -m -u <(comm -12 <(comm -23 a b) c) d' },
  { name: 'A | B - C ^ D', breakfix: ['q', './ax | ./bx - ./cx ^ ./dx'], gnu: "sort -m -u ax <(comm -3 <(comm -23 bx cx) dx | tr -d '\\t')" },
  { name: '(A | B) & (C - D)', breakfix: ['q', '(a | b) & (c - d)'], gnu: 'comm -12 <(sort -m -u a b) <(comm -23 c d)' },
  { name: 'A - (B | C | D)', breakfix: ['q', 'a - (b | c | d)'], gnu: 'comm -23 a <(sort -m -u b c d)' },
  { name: 'q ./a minus ./b and ./c', breakfix: ['q', './a', 'minus', './b', 'and', './c'], gnu: 'comm -12 <(comm -23 a b) c' },
  { name: 'A - B -c', breakfix: ['q', '-c', './a - ./b'], gnu: 'comm -23 a b | wc -l | tr -d " "' },
];

describe('differential: bin/breakfix q against comm and sort in the C locale', () => {
  const seeds = Array.from({ length: CASES }, (_, i) => `case-${i}`);
  const dirs = new Map<string, string>();

  beforeAll(() => {
    for (const seed of seeds) {
      const r = seedrandom(seed);
      const tabs = r() < 0.5;
      const poolLines = Array.from({ length: 20 + int(r, 60) }, () => randomLine(r, tabs, true));
      // Whatever chance gives, one case has two long lines, one a prefix of the other.
      if (seed === 'case-1') poolLines.push(Buffer.alloc(150_000, 'q'), Buffer.alloc(120_000, 'q'));
      const dir = tmp('breakfix-diff-');
      for (const name of ['a', 'b', 'c', 'd']) {
        const file = randomFile(r, poolLines);
        fs.writeFileSync(path.join(dir, name), file);
        fs.writeFileSync(path.join(dir, `${name}x`), withoutTabs(file));
      }
      dirs.set(seed, dir);
    }
  });

  it(`agrees on ${CASES} random cases`, async () => {
    const jobs: Array<() => Promise<string | null>> = [];
    for (const seed of seeds) {
      for (const check of CHECKS) {
        jobs.push(async () => {
          const dir = dirs.get(seed)!;
          const [ours, gnu] = await Promise.all([runAsync(BIN, check.breakfix, dir), runAsync('bash', ['-c', `set -eo pipefail; ${check.gnu}`], dir)]);
          if (gnu.code !== 0) return `${seed} ${check.name}: GNU failed (${gnu.code}): ${gnu.stderr}`;
          if (ours.code !== 0 || ours.stderr !== '') return `${seed} ${check.name}: breakfix exited ${ours.code}: ${ours.stderr}`;
          if (!ours.stdout.equals(gnu.stdout)) return `${seed} ${check.name} in ${dir}: ${firstDifference(ours.stdout, gnu.stdout)}`;
          return null;
        });
      }
    }
    const failures = (await pool(jobs)).filter((f) => f !== null);
    expect(failures).toEqual([]);
  });

  it('exercised what it meant to: long lines, bytes above 0x7f, files without a last newline, empty files', () => {
    const all = [...dirs.values()].flatMap((d) => ['a', 'b', 'c', 'd'].map((n) => fs.readFileSync(path.join(d, n))));
    expect(all.some((f) => f.length === 0)).toBe(true);
    expect(all.some((f) => f.length > 0 && f[f.length - 1] !== 0x0a)).toBe(true);
    expect(all.some((f) => f.some((b) => b >= 0x80))).toBe(true);
    expect(all.some((f) => f.includes(0x09))).toBe(true);
    expect(all.some((f) => f.toString('latin1').split('\n').some((l) => l.length >= 100_000))).toBe(true);
  });
});

describe('differential: bin/breakfix join against join --header in the C locale', () => {
  const seeds = Array.from({ length: 10 }, (_, i) => `join-${i}`);
  const dirs = new Map<string, string>();

  /** A key: a host name or raw bytes, never empty and never holding a tab. */
  const key = (r: Rand) => {
    for (;;) {
      const l = randomLine(r, false, false);
      if (l.length > 0) return l;
    }
  };

  /**
   * A group file keyed on its first field: a random subset of the keys in
   * byte order, each line the key alone or followed by 1-3 fields (maybe empty,
   * maybe 70 KB); sometimes without its last newline.
   */
  const groupWithFields = (r: Rand, keys: Buffer[]): Buffer => {
    const chosen = keys.filter(() => r() < 0.7).sort(Buffer.compare);
    const lines = chosen.map((k) => {
      if (r() < 0.25) return k;
      const extra = Array.from({ length: 1 + int(r, 3) }, () =>
        r() < 0.15 ? Buffer.alloc(0) : r() < 0.03 ? Buffer.alloc(70_000, 'w') : randomLine(r, false, false),
      );
      return Buffer.concat([k, ...extra.flatMap((f) => [Buffer.from('\t'), f])]);
    });
    const parts = lines.flatMap((l) => [l, Buffer.from('\n')]);
    if (parts.length && r() < 0.3) parts.pop();
    return Buffer.concat(parts);
  };

  beforeAll(() => {
    for (const seed of seeds) {
      const r = seedrandom(seed);
      const keys = [...new Map(Array.from({ length: 10 + int(r, 50) }, () => key(r)).map((k) => [k.toString('latin1'), k])).values()];
      const group = randomFile(r, keys);
      const rows = keys.filter(() => r() < 0.6).sort(Buffer.compare);
      const columns = 1 + int(r, 4);
      const header = ['host', ...Array.from({ length: columns }, (_, i) => `c${i}`)].join('\t');
      const body = rows.map((k) => {
        // Some rows are short, as a hand-edited table may be.
        const n = r() < 0.15 ? int(r, columns) : columns;
        const fields = Array.from({ length: n }, () => (r() < 0.05 ? Buffer.alloc(70_000, 'v') : randomLine(r, false, false)));
        return Buffer.concat([k, ...fields.flatMap((f) => [Buffer.from('\t'), f])]);
      });
      const table = Buffer.concat([Buffer.from(`${header}\n`), ...body.flatMap((b) => [b, Buffer.from('\n')])]);
      const dir = tmp('breakfix-join-');
      fs.writeFileSync(path.join(dir, 'g'), group);
      fs.writeFileSync(path.join(dir, 'gf'), groupWithFields(r, keys));
      fs.writeFileSync(path.join(dir, 't.tsv'), r() < 0.3 && body.length ? table.subarray(0, table.length - 1) : table);
      dirs.set(seed, dir);
    }
  });

  it(`agrees on ${seeds.length} random group/table pairs`, async () => {
    const jobs = seeds.map((seed) => async () => {
      const dir = dirs.get(seed)!;
      return compareJoin(seed, dir, 'g');
    });
    const failures = (await pool(jobs)).filter((f) => f !== null);
    expect(failures).toEqual([]);
  });

  it(`agrees on ${seeds.length} random group files whose lines have tab-separated fields`, async () => {
    const jobs = seeds.map((seed) => async () => {
      const dir = dirs.get(seed)!;
      return compareJoin(`${seed} (fields)`, dir, 'gf');
    });
    const failures = (await pool(jobs)).filter((f) => f !== null);
    expect(failures).toEqual([]);
  });

  it('exercised group lines with fields, with an empty field, and without fields', () => {
    const all = [...dirs.values()].flatMap((d) => fs.readFileSync(path.join(d, 'gf')).toString('latin1').split('\n'));
    expect(all.some((l) => l.split('\t').length >= 3)).toBe(true);
    expect(all.some((l) => l.includes('\t\t') || l.endsWith('\t'))).toBe(true);
    expect(all.some((l) => l.length > 0 && !l.includes('\t'))).toBe(true);
  });
});

/** bin/breakfix join against GNU join on group file `group` and t.tsv in `dir`; a failure's description, or null. */
async function compareJoin(name: string, dir: string, group: string): Promise<string | null> {
  const [ours, gnu] = await Promise.all([
    runAsync(BIN, ['join', `./${group}`, './t.tsv'], dir),
    runAsync('bash', ['-c', `set -eo pipefail; join --header -t $'\\t' <(printf 'host\\n'; cat ${group}) t.tsv`], dir),
  ]);
  if (gnu.code !== 0) return `${name}: GNU join failed (${gnu.code}): ${gnu.stderr}`;
  if (ours.code !== 0 || ours.stderr !== '') return `${name}: breakfix exited ${ours.code}: ${ours.stderr}`;
  if (!ours.stdout.equals(gnu.stdout)) return `${name} in ${dir}: ${firstDifference(ours.stdout, gnu.stdout)}`;
  return null;
}
