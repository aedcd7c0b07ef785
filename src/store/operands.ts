import fs from 'node:fs';
import path from 'node:path';
import type { Cursor } from '../sets/cursor.js';
import { PlainCursor, rowTest, SelectCursor } from '../sets/cursor.js';
import type { OperandOpener } from '../sets/evaluate.js';
import { LineCursor, memorySource } from '../sets/lines.js';
import type { Operand } from '../sets/parse.js';
import { displayPath, fileSource } from './fsio.js';
import { listEntries } from './layout.js';

export const OPS = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'] as const;

export class UnknownNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownNameError';
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The known names closest to `name`: small edit distance, or containing it. */
export function nearestNames(name: string, known: string[], max = 3): string[] {
  const scored = known
    .map((k) => ({ k, d: k.includes(name) || name.includes(k) ? Math.min(distance(name, k), 2) : distance(name, k) }))
    .filter((s) => s.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1));
  return scored.slice(0, max).map((s) => s.k);
}

/** A table named in a day directory: `inventory` is inventory.tsv when that exists; a name with .tsv is as written. */
export function tableFileIn(dayDir: string, name: string): string {
  if (name.endsWith('.tsv')) return path.join(dayDir, name);
  const tsv = path.join(dayDir, `${name}.tsv`);
  return fs.existsSync(tsv) ? tsv : path.join(dayDir, name);
}

/**
 * Opens the operands of an expression in a day directory: names are groups
 * (or tables, for `name[col=value]`), paths are files as given.
 */
export class DayOpener implements OperandOpener {
  /**
   * @param keyed groups and paths are read as join reads its first file: in
   *   order, and unique, by their first tab-separated field
   */
  constructor(
    readonly dayDir: string,
    readonly cwd: string,
    readonly keyed = false,
    /** Path operands, as written, read from another file instead: a replay's recorded copies. */
    readonly paths: ReadonlyMap<string, string> | null = null,
  ) {}

  private fileOf(o: Operand): string {
    switch (o.kind) {
      case 'path':
        return this.pathFile(o.path);
      case 'name':
        return path.join(this.dayDir, o.name);
      case 'select':
        return o.table.kind === 'path' ? this.pathFile(o.table.path) : tableFileIn(this.dayDir, o.table.name);
    }
  }

  private pathFile(operand: string): string {
    return this.paths?.get(operand) ?? path.resolve(this.cwd, operand);
  }

  keyOf(o: Operand): string {
    const file = this.fileOf(o);
    return o.kind === 'select' ? `${file}[${o.column}${o.test}${o.value}]` : file;
  }

  private unknown(name: string, pos: number, table: boolean): never {
    const entries = listEntries(this.dayDir);
    const known = entries.filter((e) => (table ? e.kind === 'table' : e.kind === 'group')).map((e) => (table ? e.name.replace(/\.tsv$/, '') : e.name));
    const near = nearestNames(name, known);
    const where = displayPath(this.dayDir, this.cwd) || '.';
    let msg = `unknown ${table ? 'table' : 'group'} "${name}" in ${where}`;
    if (near.length) msg += `; did you mean: ${near.join(', ')}?`;
    else if (known.length === 0) msg += ' (it holds no groups: is this the right --home, --dc and --day?)';
    if (!table && name.includes('-')) {
      const parts = name.split('-');
      if (parts.every((p) => p && known.includes(p))) msg += `\n  for a difference, put spaces around the minus: ${parts.join(' - ')}`;
    }
    void pos;
    throw new UnknownNameError(msg);
  }

  open(o: Operand): Cursor {
    if (o.kind === 'name') {
      const file = this.fileOf(o);
      if (!fs.existsSync(file)) {
        if (o.name.startsWith('plans.') && (OPS as readonly string[]).includes(o.name.slice(6))) {
          // No plan for this op has been applied and left open: the set is empty.
          return new PlainCursor(memorySource(o.name, new Uint8Array(0)), this.keyed);
        }
        this.unknown(o.name, o.pos, false);
      }
      return new PlainCursor(fileSource(file, displayPath(file, this.cwd)), this.keyed);
    }
    if (o.kind === 'path') {
      const file = this.fileOf(o);
      return new PlainCursor(fileSource(file, o.path), this.keyed);
    }
    const file = this.fileOf(o);
    if (o.table.kind === 'name' && !fs.existsSync(file)) this.unknown(o.table.name, o.pos, true);
    const label = o.table.kind === 'path' ? o.table.path : displayPath(file, this.cwd);
    return new SelectCursor(new LineCursor(fileSource(file, label), true, true), o.column, rowTest(o.test, o.value));
  }
}
