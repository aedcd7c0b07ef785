/**
 * Line deltas between two versions of a sorted file: what `comm -3 OLD NEW`
 * says, with an explicit `-` (only in the old version) or `+` (only in the
 * new one) in front of each line instead of comm's column tabs, because a
 * table row may itself hold tabs. A group is sorted and unique in byte order,
 * so a pass that changes 1% of its hosts stores a delta of about 1% of it.
 * A table keeps its header line: the delta applies to the lines after it.
 *
 * Pure: bytes in, bytes out. Lines are handled as latin1 strings, whose code
 * unit order is byte order.
 */

export const DELTA_MAGIC = 'breakfix-delta 1';

export interface Delta {
  base: string;
  /** Lines at the top copied from the base as they are (a table's header). */
  head: number;
  /** Lines only in the base (`-`) and only in the new version (`+`), in byte order. */
  lines: string[];
}

/** The lines of a file that ends with a newline (or is empty); null otherwise. */
function splitLines(buf: Buffer): string[] | null {
  if (buf.length === 0) return [];
  if (buf[buf.length - 1] !== 0x0a) return null;
  return buf.toString('latin1', 0, buf.length - 1).split('\n');
}

function strictlySorted(lines: string[], from: number): boolean {
  for (let i = from + 1; i < lines.length; i++) if (!(lines[i - 1]! < lines[i]!)) return false;
  return true;
}

/**
 * The delta from `base` to `next`, or null when one cannot be made: a file
 * that does not end with a newline, lines that are not sorted and unique
 * after the head, or a head that differs.
 */
export function makeDelta(baseAddress: string, base: Buffer, next: Buffer, head: number): Delta | null {
  const a = splitLines(base);
  const b = splitLines(next);
  if (!a || !b) return null;
  const h = head;
  if (a.length < h || b.length < h) return null;
  for (let i = 0; i < h; i++) if (a[i] !== b[i]) return null;
  if (!strictlySorted(a, h) || !strictlySorted(b, h)) return null;
  const lines: string[] = [];
  let i = h;
  let j = h;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      i++;
      j++;
    } else if (x < y) {
      lines.push(`-${x}`);
      i++;
    } else {
      lines.push(`+${y}`);
      j++;
    }
  }
  while (i < a.length) lines.push(`-${a[i++]}`);
  while (j < b.length) lines.push(`+${b[j++]}`);
  return { base: baseAddress, head: h, lines };
}

export function formatDelta(d: Delta): Buffer {
  const text = `${DELTA_MAGIC}\nbase ${d.base}\nhead ${d.head}\n${d.lines.map((l) => `${l}\n`).join('')}`;
  return Buffer.from(text, 'latin1');
}

export class DeltaFormatError extends Error {}

export function parseDelta(buf: Buffer): Delta {
  const text = buf.toString('latin1');
  if (!text.endsWith('\n')) throw new DeltaFormatError('the delta does not end with a newline (cut short)');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== DELTA_MAGIC) throw new DeltaFormatError(`the first line is not "${DELTA_MAGIC}"`);
  const base = /^base ([0-9a-f]{64})$/.exec(lines[1] ?? '');
  const head = /^head (\d+)$/.exec(lines[2] ?? '');
  if (!base || !head) throw new DeltaFormatError('expected "base <sha256>" and "head <n>" on lines 2 and 3');
  const body = lines.slice(3);
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!.charCodeAt(0);
    if (c !== 0x2b && c !== 0x2d) throw new DeltaFormatError(`line ${k + 4} starts with neither "+" nor "-"`);
  }
  return { base: base[1]!, head: Number(head[1]), lines: body };
}

/**
 * Applies deltas made one after another (each against the version before it)
 * to the oldest version, in one merge: for each line the last delta to name
 * it says whether it is there.
 */
export function applyDeltas(base: Buffer, deltas: Delta[]): Buffer {
  if (deltas.length === 0) return base;
  const a = splitLines(base);
  if (!a) throw new DeltaFormatError('the base of a delta does not end with a newline');
  const head = deltas[0]!.head;
  const net = new Map<string, boolean>();
  for (const d of deltas) {
    if (d.head !== head) throw new DeltaFormatError('deltas of one chain disagree on the head');
    for (const l of d.lines) net.set(l.slice(1), l.charCodeAt(0) === 0x2b);
  }
  const changes = [...net.keys()].sort();
  const out: string[] = a.slice(0, head);
  let i = head;
  let j = 0;
  while (i < a.length || j < changes.length) {
    const x = i < a.length ? a[i]! : null;
    const y = j < changes.length ? changes[j]! : null;
    if (y === null || (x !== null && x < y)) {
      out.push(x!);
      i++;
    } else {
      if (net.get(y)) out.push(y);
      if (x === y) i++;
      j++;
    }
  }
  return out.length === 0 ? Buffer.alloc(0) : Buffer.from(`${out.join('\n')}\n`, 'latin1');
}
