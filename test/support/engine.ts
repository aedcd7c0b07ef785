// In-memory plumbing for the set engine: sources that hand out a few bytes at a
// time, an opener over named byte arrays, and a way to collect streamed output.
import seedrandom from 'seedrandom';
import { NotSortedError } from '../../src/sets/errors.js';
import { PlainCursor, rowTest, SelectCursor, type Cursor } from '../../src/sets/cursor.js';
import { evaluateTo, prepare, type OperandOpener, type Plan } from '../../src/sets/evaluate.js';
import { LineCursor, memorySource, type ByteSource } from '../../src/sets/lines.js';
import { LineOutput } from '../../src/sets/output.js';
import { operandsOf, parseExpression, type Expr, type Operand } from '../../src/sets/parse.js';

/** A source whose reads return between 1 and `max` bytes, so every refill path runs. */
export function chunkySource(label: string, data: Uint8Array, random: () => number, max = 7): ByteSource {
  let pos = 0;
  let closed = false;
  return {
    label,
    read(buf, offset, length) {
      if (closed) throw new Error(`${label}: read after close`);
      const want = 1 + Math.floor(random() * max);
      const n = Math.min(want, length, data.length - pos);
      buf.set(data.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    close() {
      closed = true;
    },
  };
}

export interface ReadStyle {
  /** Largest read in bytes; undefined reads everything the cursor asks for. */
  chunk?: number;
  /** Seed of the chunk sizes. */
  seed?: string;
  /** The cursor's first buffer size; undefined keeps the engine's own. */
  initialSize?: number;
}

function sourceFor(label: string, data: Uint8Array, style: ReadStyle): ByteSource {
  if (style.chunk === undefined) return memorySource(label, data);
  return chunkySource(label, data, seedrandom(`${style.seed ?? 'chunks'}:${label}`), style.chunk);
}

function operandKey(o: Operand): string {
  switch (o.kind) {
    case 'name':
      return o.name;
    case 'path':
      return o.path;
    case 'select':
      return `${operandKey(o.table)}[${o.column}${o.test}${o.value}]`;
  }
}

/** Opens operands over files held in memory; counts the opens so sharing can be checked. */
export class MemoryOpener implements OperandOpener {
  readonly opened: string[] = [];
  constructor(
    readonly files: Record<string, Uint8Array | string>,
    readonly style: ReadStyle = {},
  ) {}

  private bytes(name: string): Uint8Array {
    const f = this.files[name];
    if (f === undefined) throw new Error(`no such test file: ${name}`);
    return typeof f === 'string' ? Buffer.from(f, 'latin1') : f;
  }

  keyOf(o: Operand): string {
    return operandKey(o);
  }

  open(o: Operand): Cursor {
    this.opened.push(operandKey(o));
    if (o.kind === 'select') {
      const name = operandKey(o.table);
      const rows = new LineCursor(sourceFor(name, this.bytes(name), this.style), true, true, this.style.initialSize);
      return new SelectCursor(rows, o.column, rowTest(o.test, o.value));
    }
    const name = operandKey(o);
    return new PlainCursor(sourceFor(name, this.bytes(name), this.style), false, false, this.style.initialSize);
  }
}

/** Gathers everything written through a LineOutput, copying each write (buffers are reused). */
export function collector(size?: number): { out: LineOutput; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const out = new LineOutput((buf, start, end) => {
    parts.push(Buffer.from(buf.subarray(start, end)));
  }, size);
  return { out, bytes: () => Buffer.concat(parts) };
}

export function planOf(expr: Expr | string, opener: OperandOpener): Plan {
  const e = typeof expr === 'string' ? parseExpression(expr) : expr;
  return prepare(e, opener, operandsOf(e));
}

/** Streams an expression over in-memory files and returns the bytes written. */
export function run(
  expr: Expr | string,
  files: Record<string, Uint8Array | string>,
  style: ReadStyle = {},
  outSize?: number,
): Buffer {
  const plan = planOf(expr, new MemoryOpener(files, style));
  const { out, bytes } = collector(outSize);
  evaluateTo(plan, out);
  return bytes();
}

/** The bytes of a group: each line followed by a newline (the last one optionally not). */
export function groupBytes(lines: Array<Uint8Array | string>, lastNewline = true): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : Buffer.from(l), Buffer.from('\n'));
  if (!lastNewline && parts.length) parts.pop();
  return Buffer.concat(parts);
}

/** The NotSortedError that `fn` throws; fails the test if it throws nothing or something else. */
export function notSorted(fn: () => unknown): NotSortedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NotSortedError) return e;
    throw e;
  }
  throw new Error('expected a NotSortedError, but nothing was thrown');
}
