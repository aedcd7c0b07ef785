import fs from 'node:fs';
import path from 'node:path';
import { compareBytes } from '../sets/compare.js';
import { showLine } from '../sets/errors.js';
import { AtomicFile } from './atomic.js';
import { LineOutput } from '../sets/output.js';
import { writeMeta, type Meta } from './meta.js';

export class GroupWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupWriteError';
  }
}

/**
 * Writes a group: one line per entry, strictly increasing in byte order, no
 * blank lines, no CR, no tab. Anything else is refused and nothing is written:
 * the file that was there stays as it was.
 */
export class GroupWriter {
  private readonly file: AtomicFile;
  private prev: Buffer | null = null;
  count = 0;

  constructor(
    readonly target: string,
    private readonly what = path.basename(target),
    syncDir = true,
  ) {
    this.file = new AtomicFile(target, syncDir);
  }

  add(line: string | Buffer): void {
    const b = typeof line === 'string' ? Buffer.from(line) : line;
    const bad = b.length === 0 ? 'an empty line' : b.includes(10) ? 'a newline' : b.includes(13) ? 'a carriage return' : b.includes(9) ? 'a tab' : null;
    if (bad) {
      this.file.abort();
      throw new GroupWriteError(`${this.what}: refusing to write ${bad} as entry ${this.count + 1}`);
    }
    if (this.prev && compareBytes(this.prev, 0, this.prev.length, b, 0, b.length) >= 0) {
      this.file.abort();
      throw new GroupWriteError(
        `${this.what}: refusing to write "${showLine(b)}" after "${showLine(this.prev)}": a group is sorted and unique (LC_ALL=C sort -u)`,
      );
    }
    this.file.write(b);
    this.file.write(NEWLINE);
    this.prev = b;
    this.count++;
  }

  /** Renames the group into place; returns its sha256. */
  commit(): string {
    return this.file.commit();
  }

  abort(): void {
    this.file.abort();
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Writes a group of canonical host names (ASCII, where code-unit order is byte
 * order) in one piece: no Buffer per line. The order is still checked.
 */
export function writeHostGroup(target: string, hosts: readonly string[], syncDir = true): { sha256: string; count: number } {
  for (let i = 1; i < hosts.length; i++) {
    if (!(hosts[i - 1]! < hosts[i]!)) throw new GroupWriteError(`${path.basename(target)}: refusing to write "${hosts[i]}" after "${hosts[i - 1]}": a group is sorted and unique`);
  }
  for (const h of hosts) {
    // eslint-disable-next-line no-control-regex
    if (h === '' || /[\t\n\r\x80-\uffff]/.test(h)) throw new GroupWriteError(`${path.basename(target)}: refusing to write "${h}": not a host name`);
  }
  const f = new AtomicFile(target, syncDir);
  try {
    if (hosts.length > 0) f.write(Buffer.from(hosts.join('\n') + '\n', 'latin1'));
    return { sha256: f.commit(), count: hosts.length };
  } catch (e) {
    f.abort();
    throw e;
  }
}

/**
 * Writes what a merge produces straight from its input buffers (spans, not a
 * Buffer per line). The merge checked its inputs' order, so its output is
 * sorted and unique by construction.
 */
export function writeMerged(target: string, syncDir: boolean, produce: (out: LineOutput) => void): { sha256: string; count: number } {
  const f = new AtomicFile(target, syncDir);
  try {
    const out = new LineOutput((buf, start, end) => f.write(buf, start, end));
    produce(out);
    out.flush();
    return { sha256: f.commit(), count: out.count };
  } catch (e) {
    f.abort();
    throw e;
  }
}

/** Writes a whole group, then its meta. `lines` must already be sorted and unique. */
export function writeGroup(dir: string, name: string, lines: Iterable<string | Buffer>, meta: Omit<Meta, 'count' | 'sha256'>): Meta {
  const w = new GroupWriter(path.join(dir, name), name);
  try {
    for (const l of lines) w.add(l);
  } catch (e) {
    w.abort();
    throw e;
  }
  const sha256 = w.commit();
  const full: Meta = { ...meta, count: w.count, sha256 };
  writeMeta(dir, name, full);
  return full;
}

/** Reads a small group into strings (for policy and reports; the set engine streams instead). */
export function readGroupLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Counts the lines of a file without holding it in memory. */
export function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  let last = 10;
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      let i = buf.indexOf(10, 0);
      while (i >= 0 && i < got) {
        n++;
        i = buf.indexOf(10, i + 1);
      }
      last = buf[got - 1]!;
    }
  } finally {
    fs.closeSync(fd);
  }
  return last === 10 ? n : n + 1;
}
