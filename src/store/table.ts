import fs from 'node:fs';
import path from 'node:path';
import { compareBuffers } from '../sets/compare.js';
import { AtomicFile } from './atomic.js';
import { GroupWriteError } from './group.js';
import { writeMeta, type Meta } from './meta.js';

export type Row = Record<string, string>;

/**
 * Writes a table: a header, then one row per key sorted and unique by key
 * (the first column), so `LC_ALL=C join --header -t $'\t'` works on it.
 * Rows are sorted here; a repeated key or a field with a tab or newline is refused.
 */
export function writeTable(
  dir: string,
  name: string,
  columns: string[],
  rows: Row[],
  meta: Omit<Meta, 'count' | 'sha256'>,
  syncDir = true,
): Meta {
  const file = name.endsWith('.tsv') ? name : `${name}.tsv`;
  const keyed = rows.map((r) => ({ key: Buffer.from(r[columns[0]!] ?? ''), row: r }));
  keyed.sort((a, b) => compareBuffers(a.key, b.key));
  const out = new AtomicFile(path.join(dir, file), syncDir);
  try {
    out.write(Buffer.from(columns.join('\t') + '\n'));
    for (let i = 0; i < keyed.length; i++) {
      const { key, row } = keyed[i]!;
      if (key.length === 0) throw new GroupWriteError(`${file}: a row has an empty ${columns[0]}`);
      if (i > 0 && compareBuffers(keyed[i - 1]!.key, key) === 0) {
        throw new GroupWriteError(`${file}: two rows for ${columns[0]} "${key.toString()}"`);
      }
      const values = columns.map((c) => {
        const v = row[c] ?? '';
        if (/[\t\n\r]/.test(v)) throw new GroupWriteError(`${file}: ${columns[0]} "${key.toString()}": column ${c} holds a tab or newline`);
        return v;
      });
      out.write(Buffer.from(values.join('\t') + '\n'));
    }
  } catch (e) {
    out.abort();
    throw e;
  }
  const sha256 = out.commit();
  const full: Meta = { ...meta, count: keyed.length, sha256 };
  writeMeta(dir, file, full, syncDir);
  return full;
}

/** Reads a whole table (small per-cluster tables; big ones are streamed by the set engine). */
export function readTable(file: string): { columns: string[]; rows: Row[] } {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const columns = (lines.shift() ?? '').split('\t');
  const rows = lines.map((l) => {
    const f = l.split('\t');
    const r: Row = {};
    columns.forEach((c, i) => (r[c] = f[i] ?? ''));
    return r;
  });
  return { columns, rows };
}
