import type { ByteSource } from './lines.js';
import { ByteOrderMarkError, NotSortedError } from './errors.js';
import { MERGE2_WASM } from './merge2-wasm.js';

/**
 * Drives the WebAssembly merge of two sorted inputs (src/sets/merge2.wat):
 * reads each input into its window of the module's memory, runs the merge
 * until it needs more, and writes the output as it fills. The result, the
 * errors and their order are the JavaScript engine's, byte for byte
 * (test/sets/merge2.test.ts checks both against each other and GNU comm).
 */

/** Which lines go out: only in A, only in B, in both. */
export interface Membership {
  onlyA: boolean;
  onlyB: boolean;
  both: boolean;
}

// The state block's words (see merge2.wat).
const A = 0;
const B = 10;
const BASE = 0;
const LEN = 1;
const EOF = 2;
const CUR = 3;
const CUR_END = 4;
const LINE_NO = 5;
const ADV = 7;
const SCAN = 8;
const OUT_BASE = 20;
const OUT_POS = 21;
const OUT_END = 22;
const SPAN_S = 23;
const SPAN_E = 24;
const FLAGS = 25;
const LINES = 26;
const WHICH = 27;
const DUP = 28;

const DONE = 0;
const NEED = 1;
const OUT_FULL = 2;
const UNSORTED = 3;
const BOM = 4;

const PAGE = 65536;
const WINDOW = 1 << 16;
/** Room after each window: the sentinel newline and the eight-byte reads past it. */
const PAD = 64;
const OUT_AT = 128;
const OUT_SIZE = 1 << 16;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly cannot run (node --jitless). */
function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(MERGE2_WASM, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this Node can run the merge (else the JavaScript engine does it all). */
export function merge2Available(): boolean {
  return module() !== null;
}

/**
 * Merges two sorted inputs into `write`. Returns the number of lines written.
 * Throws NotSortedError or ByteOrderMarkError as the line cursors would, after
 * writing what they would have written by then (whole output buffers only).
 */
export function merge2(
  a: ByteSource,
  b: ByteSource,
  which: Membership,
  write: (buf: Buffer, start: number, end: number) => void,
  windowSize = WINDOW,
): number {
  const mod = module();
  if (!mod) throw new Error('merge2: WebAssembly is not available');
  // One instance serves every merge of the process (a derive runs dozens, the tests
  // thousands: each new one reserves gigabytes of address space until a GC frees it),
  // unless a merge starts while another is still running, from its output.
  const instance = idle ?? new WebAssembly.Instance(mod);
  idle = null;
  try {
    return mergeWith(instance, a, b, which, write, windowSize);
  } finally {
    idle = instance;
  }
}

let idle: WebAssembly.Instance | null = null;

function mergeWith(
  instance: WebAssembly.Instance,
  a: ByteSource,
  b: ByteSource,
  which: Membership,
  write: (buf: Buffer, start: number, end: number) => void,
  windowSize: number,
): number {
  const memory = instance.exports.memory as WebAssembly.Memory;
  const run = instance.exports.run as () => number;
  const sources = [a, b];
  const caps = [windowSize, windowSize];
  let u8 = new Uint8Array(memory.buffer);
  let s = new Int32Array(memory.buffer, 0, 32);
  let buf = Buffer.from(memory.buffer);

  const views = () => {
    u8 = new Uint8Array(memory.buffer);
    s = new Int32Array(memory.buffer, 0, 32);
    buf = Buffer.from(memory.buffer);
  };
  const ensure = (bytes: number) => {
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
      views();
    }
  };

  const aBase = OUT_AT + OUT_SIZE + PAD;
  ensure(aBase + caps[0]! + PAD + caps[1]! + PAD);
  s.fill(0); // what an earlier merge left
  for (const [k, base] of [
    [A, aBase],
    [B, aBase + caps[0]! + PAD],
  ] as const) {
    s[k + BASE] = base;
    s[k + LEN] = base;
    s[k + EOF] = 0;
    s[k + CUR] = -1;
    s[k + CUR_END] = -1;
    s[k + ADV] = 1;
    u8[base] = 10;
  }
  s[OUT_BASE] = OUT_AT;
  s[OUT_POS] = OUT_AT;
  s[OUT_END] = OUT_AT + OUT_SIZE;
  s[FLAGS] = (which.onlyA ? 1 : 0) | (which.onlyB ? 2 : 0) | (which.both ? 4 : 0);

  /**
   * Moves input k's bytes from `from` up to its sentinel by `delta`, and every
   * position its state holds with them: to the front of its window (delta < 0),
   * or B's whole window up when A's grows.
   */
  const move = (k: number, from: number, delta: number) => {
    u8.copyWithin(from + delta, from, s[k + LEN]! + 1);
    s[k + LEN] = s[k + LEN]! + delta;
    if (s[k + CUR]! >= 0) {
      s[k + CUR] = s[k + CUR]! + delta;
      s[k + CUR_END] = s[k + CUR_END]! + delta;
    }
    if (s[k + SCAN]! > 0) s[k + SCAN] = s[k + SCAN]! + delta;
  };

  /** Keeps the current line (the next one is checked against it), moves it to the front, reads more. */
  const refill = (i: number) => {
    const k = i === 0 ? A : B;
    const base = s[k + BASE]!;
    const cur = s[k + CUR]!;
    if (s[k + EOF]) throw new Error('merge2: asked for more of an input that has ended');
    if (cur > base) move(k, cur, base - cur);
    if (s[k + LEN] === base + caps[i]!) {
      // One line (and the one before it) fill the window: it doubles.
      const grown = caps[i]! * 2;
      if (i === 0) {
        ensure(base + grown + PAD + caps[1]! + PAD);
        const bBase = s[B + BASE]!;
        move(B, bBase, grown - caps[0]!);
        s[B + BASE] = bBase + grown - caps[0]!;
      } else {
        ensure(base + grown + PAD);
      }
      caps[i] = grown;
    }
    const len = s[k + LEN]!;
    const n = sources[i]!.read(buf, len, base + caps[i]! - len);
    if (n === 0) {
      s[k + EOF] = 1;
      // A last line without its newline gets one, as the line cursor gives it.
      if (len > base && u8[len - 1] !== 10) {
        u8[len] = 10;
        s[k + LEN] = len + 1;
      }
      sources[i]!.close();
    } else {
      s[k + LEN] = len + n;
    }
    u8[s[k + LEN]!] = 10;
  };

  for (;;) {
    const r = run();
    if (r === NEED) {
      refill(s[WHICH]!);
      continue;
    }
    if (r === OUT_FULL) {
      const pos = s[OUT_POS]!;
      if (pos > OUT_AT) {
        write(buf, OUT_AT, pos);
        s[OUT_POS] = OUT_AT;
      } else {
        // A span longer than the whole output buffer goes out as it stands.
        write(buf, s[SPAN_S]!, s[SPAN_E]!);
        s[SPAN_S] = 0;
        s[SPAN_E] = 0;
      }
      continue;
    }
    if (r === DONE) {
      const pos = s[OUT_POS]!;
      if (pos > OUT_AT) write(buf, OUT_AT, pos);
      return s[LINES]!;
    }
    const k = s[WHICH] === 0 ? A : B;
    const label = sources[s[WHICH]!]!.label;
    if (r === BOM) throw new ByteOrderMarkError(label);
    if (r === UNSORTED) {
      const previous = u8.slice(s[k + CUR]!, s[k + CUR_END]!);
      throw new NotSortedError(label, s[k + LINE_NO]! + 1, previous, s[DUP] === 1);
    }
    throw new Error(`merge2: unexpected result ${r}`);
  }
}
