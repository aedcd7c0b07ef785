// The WebAssembly merge of two files against the JavaScript engine it stands in
// for: the same bytes out, the same line count, the same first error — over
// random inputs with every trap a group file can hold, read a few bytes at a
// time into windows small enough that every refill and growth path runs.
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateTo, prepare } from '../../src/sets/evaluate.js';
import { memorySource } from '../../src/sets/lines.js';
import { merge2, merge2Available } from '../../src/sets/merge2.js';
import { LineOutput } from '../../src/sets/output.js';
import { operandsOf, parseExpression } from '../../src/sets/parse.js';
import { chunkySource, MemoryOpener } from '../support/engine.js';
// @ts-expect-error a plain .mjs script
import { checkMerge2 } from '../../scripts/wasm.mjs';

const OPS: Array<[string, { onlyA: boolean; onlyB: boolean; both: boolean }, string]> = [
  ['-', { onlyA: true, onlyB: false, both: false }, '-23'],
  ['&', { onlyA: false, onlyB: false, both: true }, '-12'],
  ['|', { onlyA: true, onlyB: true, both: true }, ''],
  ['^', { onlyA: true, onlyB: true, both: false }, '-3'],
];

/** What an engine did: the bytes written, the lines counted, the error if any. */
interface Outcome {
  out: Buffer;
  lines: number;
  error: string | null;
}

function byJs(a: Buffer, b: Buffer, op: string): Outcome {
  const opener = new MemoryOpener({ a, b });
  const expr = parseExpression(`a ${op} b`);
  const chunks: Buffer[] = [];
  const out = new LineOutput((buf, s, e) => chunks.push(Buffer.from(buf.subarray(s, e))));
  let error: string | null = null;
  try {
    evaluateTo(prepare(expr, opener, operandsOf(expr)), out, 'js');
  } catch (e) {
    error = (e as Error).message;
  }
  return { out: Buffer.concat(chunks), lines: out.count, error };
}

function byWasm(a: Buffer, b: Buffer, op: string, random: () => number, window: number, chunk: number): Outcome {
  const which = OPS.find(([o]) => o === op)![1];
  const chunks: Buffer[] = [];
  let lines = 0;
  let error: string | null = null;
  try {
    lines = merge2(chunkySource('a', a, random, chunk), chunkySource('b', b, random, chunk), which, (buf, s, e) => chunks.push(Buffer.from(buf.subarray(s, e))), window);
  } catch (e) {
    error = (e as Error).message;
  }
  return { out: Buffer.concat(chunks), lines, error };
}

// Lines that sort in surprising places: empty, high bytes, tabs, a NUL, shared prefixes longer than a word.
const ATOMS = ['', 'a', 'b', 'dn001', 'dn001.dc1.example.com', 'dn0010', '\x80', '\xff\xfe', 'a\tb', 'x\x00y', 'Z', '0', 'abcdefghijklmnop', 'abcdefghijklmnoq'];

function randomLine(random: () => number): string {
  const n = 1 + Math.floor(random() * 3);
  let s = '';
  for (let i = 0; i < n; i++) s += ATOMS[Math.floor(random() * ATOMS.length)]!;
  // Now and then a line longer than the smallest windows.
  if (random() < 0.05) s += 'L'.repeat(Math.floor(random() * 300));
  return s;
}

/** A group file: sorted unique lines, sometimes broken (out of order, a repeat, a BOM, no last newline). */
function randomFile(random: () => number): { bytes: Buffer; broken: string } {
  const set = new Set<string>();
  const n = Math.floor(random() * 40);
  for (let i = 0; i < n; i++) set.add(randomLine(random));
  const lines = [...set].map((l) => Buffer.from(l, 'latin1')).sort(Buffer.compare);
  let broken = '';
  const r = random();
  if (lines.length > 2 && r < 0.06) {
    const i = 1 + Math.floor(random() * (lines.length - 1));
    [lines[i - 1], lines[i]] = [lines[i]!, lines[i - 1]!];
    broken = 'swapped';
  } else if (lines.length > 1 && r < 0.12) {
    const i = Math.floor(random() * lines.length);
    lines.splice(i, 0, lines[i]!);
    broken = 'repeat';
  } else if (r < 0.15) {
    lines.unshift(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lines.shift() ?? Buffer.from('h')]));
    broken = 'bom';
  }
  let bytes = Buffer.concat(lines.map((l) => Buffer.concat([l, Buffer.from('\n')])));
  if (bytes.length > 0 && random() < 0.2) bytes = bytes.subarray(0, bytes.length - 1);
  return { bytes, broken };
}

describe('the WebAssembly merge', () => {
  it('runs on this Node (else every two-file query would take the slower JavaScript path)', () => {
    expect(merge2Available()).toBe(true);
  });

  it('holds the bytes merge2.wat compiles to', async () => {
    await expect(checkMerge2()).resolves.toBeUndefined();
  });

  it('matches the JavaScript engine on random inputs, read 1-N bytes at a time into windows of every size', () => {
    const seed = 'merge2-1';
    const random = seedrandom(seed);
    let errors = 0;
    let grown = 0;
    for (let t = 0; t < 3000; t++) {
      const a = randomFile(random);
      const b = randomFile(random);
      const op = OPS[Math.floor(random() * OPS.length)]![0];
      const window = [8, 16, 64, 1024, 65536][Math.floor(random() * 5)]!;
      const chunk = [1, 3, 17, 4096, 1 << 20][Math.floor(random() * 5)]!;
      const js = byJs(a.bytes, b.bytes, op);
      const wasm = byWasm(a.bytes, b.bytes, op, random, window, chunk);
      const what = `seed ${seed} case ${t}: a ${JSON.stringify(a.bytes.toString('latin1'))} (${a.broken || 'sorted'}) ${op} b ${JSON.stringify(b.bytes.toString('latin1'))} (${b.broken || 'sorted'}), window ${window}, reads of up to ${chunk}`;
      expect(wasm.error, what).toBe(js.error);
      if (js.error === null) {
        expect(wasm.out.equals(js.out), what).toBe(true);
        expect(wasm.lines, what).toBe(js.lines);
      } else {
        errors++;
      }
      if (Math.max(a.bytes.length, b.bytes.length) > window) grown++;
    }
    // The generator reached the error paths and the window growth, not only the happy one.
    expect(errors).toBeGreaterThan(200);
    expect(grown).toBeGreaterThan(500);
  });

  it('names the file, the line and the line before it, as the line cursor does', () => {
    const a = Buffer.from('a\nc\nb\n');
    const out = byWasm(a, Buffer.from(''), '-', seedrandom('x'), 16, 2);
    expect(out.error).toBe('a:3: not sorted after "c"');
    const bom = byWasm(Buffer.from('a\n'), Buffer.from('\xef\xbb\xbfb\n', 'latin1'), '|', seedrandom('x'), 16, 2);
    expect(bom.error).toMatch(/^b:1: starts with a UTF-8 byte-order mark/);
  });

  it('writes a span longer than its output buffer (a 200,000-byte line) as it stands', () => {
    const long = 'h' + 'x'.repeat(200_000);
    const a = Buffer.from(`a\n${long}\nz\n`);
    const chunks: Buffer[] = [];
    const n = merge2(memorySource('a', a), memorySource('b', Buffer.from('z\n')), OPS[0]![1], (buf, s, e) => chunks.push(Buffer.from(buf.subarray(s, e))));
    expect(n).toBe(2);
    expect(Buffer.concat(chunks).toString()).toBe(`a\n${long}\n`);
  });

  it('gives what GNU comm gives on 200,000-host files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'merge2-'));
    try {
      const all: string[] = [];
      for (let i = 0; i < 200_000; i++) all.push(`dn${String(i).padStart(6, '0')}.dc${i % 3}.example.com`);
      all.sort();
      const random = seedrandom('comm');
      const a = all.filter(() => random() < 0.7);
      const b = all.filter(() => random() < 0.4);
      fs.writeFileSync(path.join(dir, 'a'), `${a.join('\n')}\n`);
      fs.writeFileSync(path.join(dir, 'b'), `${b.join('\n')}\n`);
      for (const [op, which, flags] of OPS) {
        const chunks: Buffer[] = [];
        merge2(memorySource('a', fs.readFileSync(path.join(dir, 'a'))), memorySource('b', fs.readFileSync(path.join(dir, 'b'))), which, (buf, s, e) => chunks.push(Buffer.from(buf.subarray(s, e))));
        const args = flags ? ['comm', flags, 'a', 'b'] : ['comm', 'a', 'b'];
        const r = spawnSync(args[0]!, args.slice(1), { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1 << 26 });
        // comm indents lines by column with tabs; host names hold none.
        const want = Buffer.from(r.stdout.toString('latin1').replace(/^\t+/gm, ''), 'latin1');
        expect(Buffer.concat(chunks).equals(want), `a ${op} b`).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
