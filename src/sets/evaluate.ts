import { compareBytes, compareWords } from './compare.js';
import { PlainCursor, type Cursor } from './cursor.js';
import { memorySource } from './lines.js';
import type { Expr, Leaf, NodesetOperand, Operand } from './parse.js';
import { LineOutput } from './output.js';
import { merge2, merge2Available } from './merge2.js';

/**
 * Opens operands. Two operands with the same `key` (the same file) share one
 * cursor, so `a - a` reads `a` once.
 */
export interface OperandOpener {
  keyOf(operand: Operand): string;
  open(operand: Operand): Cursor;
}

/**
 * The one merge loop: all cursors advance together in byte order. For every
 * distinct line, `visit` gets the bit mask of the cursors holding it and the
 * index of one of them. Every input is read to its end, so every line of every
 * operand is order-checked even after the result can no longer grow.
 */
export function mergeCursors(cursors: Cursor[], visit: (mask: number, from: number) => void): void {
  const k = cursors.length;
  if (k > 30) throw new Error('an expression may use at most 30 distinct operands');
  if (k === 2) return mergeTwo(cursors[0]!, cursors[1]!, visit);
  let live = 0;
  for (const c of cursors) if (c.next()) live++;
  while (live > 0) {
    let min = -1;
    let mask = 0;
    for (let i = 0; i < k; i++) {
      const c = cursors[i]!;
      if (c.done) continue;
      if (min < 0) {
        min = i;
        mask = 1 << i;
        continue;
      }
      const m = cursors[min]!;
      const cmp = compareWords(c.dv, c.start, c.end, m.dv, m.start, m.end);
      if (cmp < 0) {
        min = i;
        mask = 1 << i;
      } else if (cmp === 0) {
        mask |= 1 << i;
      }
    }
    visit(mask, min);
    for (let i = min; i < k; i++) {
      if (mask & (1 << i) && !cursors[i]!.next()) live--;
    }
  }
}

/**
 * Every distinct line of any number of cursors, in byte order: a union needs
 * no bit mask, so it is not held to mergeCursors' 30 operands (a datacenter
 * with more clusters than that has more parts to a shared group). `from` is
 * a cursor holding the line.
 */
export function unionCursors(cursors: Cursor[], visit: (from: number) => void): void {
  if (cursors.length <= 30) return mergeCursors(cursors, (_mask, from) => visit(from));
  let live = 0;
  for (const c of cursors) if (c.next()) live++;
  const holders: number[] = [];
  while (live > 0) {
    let min = -1;
    holders.length = 0;
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i]!;
      if (c.done) continue;
      if (min >= 0) {
        const m = cursors[min]!;
        const cmp = compareWords(c.dv, c.start, c.end, m.dv, m.start, m.end);
        if (cmp > 0) continue;
        if (cmp === 0) {
          holders.push(i);
          continue;
        }
      }
      min = i;
      holders.length = 0;
      holders.push(i);
    }
    visit(min);
    for (const i of holders) if (!cursors[i]!.next()) live--;
  }
}

/** The common case, `A - B` and friends, without the general loop's bookkeeping. */
function mergeTwo(a: Cursor, b: Cursor, visit: (mask: number, from: number) => void): void {
  let ha = a.next();
  let hb = b.next();
  while (ha && hb) {
    const c = compareWords(a.dv, a.start, a.end, b.dv, b.start, b.end);
    if (c < 0) {
      visit(1, 0);
      ha = a.next();
    } else if (c > 0) {
      visit(2, 1);
      hb = b.next();
    } else {
      visit(3, 0);
      ha = a.next();
      hb = b.next();
    }
  }
  while (ha) {
    visit(1, 0);
    ha = a.next();
  }
  while (hb) {
    visit(2, 1);
    hb = b.next();
  }
}

/** Compiles an expression into a test over "which operands hold this line". */
function compile(expr: Expr, index: (o: Leaf) => number): (mask: number) => boolean {
  if (expr.kind !== 'binary') {
    const bit = 1 << index(expr);
    return (mask) => (mask & bit) !== 0;
  }
  const l = compile(expr.left, index);
  const r = compile(expr.right, index);
  switch (expr.op) {
    case '-':
      return (m) => l(m) && !r(m);
    case '&':
      return (m) => l(m) && r(m);
    case '^':
      return (m) => l(m) !== r(m);
    case '|':
      return (m) => l(m) || r(m);
  }
}

export interface Plan {
  cursors: Cursor[];
  /** member[mask] is 1 when a line held by exactly the operands in mask is in the result. */
  member: (mask: number) => boolean;
}

/** A node set written in the expression is read from memory, as sorted lines. */
function nodesetCursor(o: NodesetOperand): Cursor {
  return new PlainCursor(memorySource(`@${o.text}`, Buffer.from(o.hosts.map((h) => `${h}\n`).join(''))), false);
}

/** Opens every distinct operand once and compiles the expression over them. */
export function prepare(expr: Expr, opener: OperandOpener, operands: Leaf[]): Plan {
  const keys = new Map<string, number>();
  const cursors: Cursor[] = [];
  // "\0" cannot start a file name, so a node set never shares a key with a file.
  const keyOf = (o: Leaf) => (o.kind === 'nodeset' ? `\0@${o.hosts.join(' ')}` : opener.keyOf(o));
  for (const o of operands) {
    const key = keyOf(o);
    if (!keys.has(key)) {
      keys.set(key, cursors.length);
      cursors.push(o.kind === 'nodeset' ? nodesetCursor(o) : opener.open(o));
    }
  }
  const test = compile(expr, (o) => keys.get(keyOf(o))!);
  let member = test;
  if (cursors.length <= 16) {
    const table = new Uint8Array(1 << cursors.length);
    for (let m = 0; m < table.length; m++) table[m] = test(m) ? 1 : 0;
    member = (m) => table[m] === 1;
  }
  return { cursors, member };
}

/**
 * Streams the result of a prepared expression to `out`, one line per host.
 * Two whole files go through the WebAssembly merge unless `engine` is 'js'.
 */
export function evaluateTo(plan: Plan, out: LineOutput, engine: 'any' | 'js' = 'any'): void {
  const { cursors, member } = plan;
  for (const c of cursors) c.beforeMove = () => out.flushSpan();
  if (cursors.length === 2 && cursors[0]!.whole && cursors[1]!.whole) {
    const [a, b] = cursors as [Cursor, Cursor];
    if (engine === 'any' && fresh(a) && fresh(b) && merge2Available()) {
      out.count += merge2(a.source, b.source, { onlyA: member(1), onlyB: member(2), both: member(3) }, (buf, start, end) =>
        out.writeThrough(buf, start, end),
      );
      return;
    }
    twoToOutput(a, b, member(1), member(2), member(3), out);
    out.flush();
    return;
  }
  mergeCursors(cursors, (mask, from) => {
    if (!member(mask)) return;
    const c = cursors[from]!;
    if (c.whole) out.spanLine(c.u8, c.start, c.end);
    else out.line(c.buf, c.start, c.end);
  });
  out.flush();
}

/** A plain cursor that has read nothing yet: the WebAssembly merge can take its source over. */
function fresh(c: Cursor): c is PlainCursor {
  return c instanceof PlainCursor && c.lineNo === 0 && !c.done && !c.keyed && !c.header;
}

/**
 * `A - B`, `A & B`, `A | B`, `A ^ B` over two files, straight to the output
 * (where WebAssembly cannot run; merge2.wat does the same elsewhere):
 * the common case at the shell, with no callback per line, so it is fast
 * from the first line on, before the JIT has warmed up.
 */
function twoToOutput(a: Cursor, b: Cursor, onlyA: boolean, onlyB: boolean, both: boolean, out: LineOutput): void {
  let ha = a.next();
  let hb = b.next();
  while (ha && hb) {
    const c = compareWords(a.dv, a.start, a.end, b.dv, b.start, b.end);
    if (c < 0) {
      if (onlyA) out.spanLine(a.u8, a.start, a.end);
      ha = a.next();
    } else if (c > 0) {
      if (onlyB) out.spanLine(b.u8, b.start, b.end);
      hb = b.next();
    } else {
      if (both) out.spanLine(a.u8, a.start, a.end);
      ha = a.next();
      hb = b.next();
    }
  }
  while (ha) {
    if (onlyA) out.spanLine(a.u8, a.start, a.end);
    ha = a.next();
  }
  while (hb) {
    if (onlyB) out.spanLine(b.u8, b.start, b.end);
    hb = b.next();
  }
}

/** Visits each line of the result (a copy is the caller's to make). */
export function evaluateEach(plan: Plan, visit: (buf: Buffer, start: number, end: number) => void): void {
  const { cursors, member } = plan;
  mergeCursors(cursors, (mask, from) => {
    if (!member(mask)) return;
    const c = cursors[from]!;
    visit(c.buf, c.start, c.end);
  });
}

/** Counts the result without writing it. */
export function evaluateCount(plan: Plan): number {
  let n = 0;
  evaluateEach(plan, () => {
    n++;
  });
  return n;
}

/**
 * Picks `size` lines of the result uniformly (reservoir sampling) with the
 * generator passed in, and returns them in byte order.
 */
export function evaluateSample(plan: Plan, size: number, random: () => number): { lines: Buffer[]; total: number } {
  const picked: Buffer[] = [];
  let seen = 0;
  evaluateEach(plan, (buf, start, end) => {
    seen++;
    if (picked.length < size) {
      picked.push(Buffer.from(buf.subarray(start, end)));
    } else {
      const j = Math.floor(random() * seen);
      if (j < size) picked[j] = Buffer.from(buf.subarray(start, end));
    }
  });
  picked.sort((a, b) => compareBytes(a, 0, a.length, b, 0, b.length));
  return { lines: picked, total: seen };
}
