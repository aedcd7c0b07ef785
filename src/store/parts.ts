import fs from 'node:fs';
import path from 'node:path';
import { PlainCursor } from '../sets/cursor.js';
import { unionCursors } from '../sets/evaluate.js';
import { fileSource } from './fsio.js';
import { writeHostGroup, writeMerged } from './group.js';
import { writeMeta, type Meta } from './meta.js';
import { readTable, writeTable, type Row } from './table.js';
import { fsyncDir, tempNameFor, writeFileAtomic } from './atomic.js';

/**
 * Each source's own output is kept under `.parts/<source>/`; a shared group or
 * table in the day directory is the union of the latest parts, so pulling one
 * source alone never drops another source's hosts (DESIGN §4).
 */
export const PARTS = '.parts';

export interface PartInfo {
  source: string;
  time: string;
  volatile: boolean;
  groups: string[];
  tables: string[];
  counts: Record<string, number>;
  /** sha256 of each file of the part, so a shared file made from this part alone needs no rereading. */
  shas?: Record<string, string>;
  /**
   * A part made from other parts rather than pulled (a federated cluster's
   * namespaces combined): the sources it was made from, which are what a
   * failure or an age is checked on.
   */
  from?: string[];
}

function partsDir(dayDir: string): string {
  return path.join(dayDir, PARTS);
}

/** Finishes a part swap a killed pull left half-done: the old part comes back. */
export function recoverParts(dayDir: string): void {
  const dir = partsDir(dayDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const old = /^\.(.+)\.(\d+)\.old$/.exec(n);
    if (old) {
      const live = path.join(dir, old[1]!);
      if (fs.existsSync(live)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
      else fs.renameSync(path.join(dir, n), live);
    } else if (/^\..+\.\d+\.new$/.test(n)) {
      fs.rmSync(path.join(dir, n), { recursive: true, force: true });
    }
  }
}

export function readPartInfo(dayDir: string, source: string): PartInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(partsDir(dayDir), source, '.part.json'), 'utf8')) as PartInfo;
  } catch {
    return null;
  }
}

export function listParts(dayDir: string): PartInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(partsDir(dayDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => readPartInfo(dayDir, n))
    .filter((p): p is PartInfo => p !== null);
}

export interface PartData {
  groups: Map<string, string[]>;
  tables: Map<string, { columns: string[]; rows: Row[] }>;
}

/**
 * Writes a source's new part beside the old one, then swaps them. Every
 * group is sorted and deduplicated here; a bad host list aborts before the
 * swap, leaving the old part in place.
 */
export function replacePart(dayDir: string, source: string, data: PartData, time: string, volatile: boolean, from?: string[]): PartInfo {
  const dir = partsDir(dayDir);
  fs.mkdirSync(dir, { recursive: true });
  const fresh = path.join(dir, `.${source}.${process.pid}.new`);
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.mkdirSync(path.join(fresh, '.meta'), { recursive: true });
  const counts: Record<string, number> = {};
  const shas: Record<string, string> = {};
  try {
    for (const [name, hosts] of data.groups) {
      // Sources hand over canonical (ASCII) host names: plain sort is byte order.
      const sorted = [...new Set(hosts)].sort();
      const w = writeHostGroup(path.join(fresh, name), sorted, false);
      shas[name] = w.sha256;
      counts[name] = w.count;
    }
    for (const [name, t] of data.tables) {
      const m = writeTable(fresh, name, t.columns, t.rows, { kind: 'table', source, inputs: [], time }, false);
      counts[name] = m.count;
      shas[name] = m.sha256;
    }
  } catch (e) {
    fs.rmSync(fresh, { recursive: true, force: true });
    throw e;
  }
  const info: PartInfo = {
    source,
    time,
    volatile,
    groups: [...data.groups.keys()].sort(),
    tables: [...data.tables.keys()].sort(),
    counts,
    shas,
    ...(from ? { from } : {}),
  };
  writeFileAtomic(path.join(fresh, '.part.json'), JSON.stringify(info, null, 2) + '\n', false);
  // Every file in it was fsynced; the directory once, before it becomes visible.
  fsyncDir(path.join(fresh, '.meta'));
  fsyncDir(fresh);
  const live = path.join(dir, source);
  const old = path.join(dir, `.${source}.${process.pid}.old`);
  if (fs.existsSync(live)) fs.renameSync(live, old);
  fs.renameSync(fresh, live);
  fsyncDir(dir);
  fs.rmSync(old, { recursive: true, force: true });
  return info;
}

/**
 * A shared file that one part alone makes is that part's file: it is linked
 * into place (a new name, then renamed over the old one, so readers see the
 * old file or the new one), not read and written again.
 */
function linkFromPart(dayDir: string, name: string, p: PartInfo, file: string, kind: Meta['kind'], syncDir: boolean): Meta | null {
  const sha256 = p.shas?.[file];
  const count = p.counts[file];
  if (sha256 === undefined || count === undefined) return null;
  const target = path.join(dayDir, file);
  const tmp = tempNameFor(target);
  fs.linkSync(path.join(partsDir(dayDir), p.source, file), tmp);
  fs.renameSync(tmp, target);
  const meta: Meta = { kind, source: p.source, inputs: [`${PARTS}/${p.source}/${file}`], time: p.time, count, sha256, volatile: p.volatile };
  writeMeta(dayDir, file, meta, syncDir);
  if (syncDir) fsyncDir(dayDir);
  void name;
  return meta;
}

/**
 * Rewrites the shared group `name` as the union of every part that has it,
 * in one merge pass, then its meta.
 */
/** With `syncDir` false the caller fsyncs the day directory and .meta once, after a batch. */
export function rebuildGroup(dayDir: string, name: string, parts: PartInfo[], syncDir = true): Meta {
  const having = parts.filter((p) => p.groups.includes(name));
  if (having.length === 1) {
    const linked = linkFromPart(dayDir, name, having[0]!, name, 'source', syncDir);
    if (linked) return linked;
  }
  const files = having.map((p) => path.join(partsDir(dayDir), p.source, name));
  const cursors = files.map((f) => new PlainCursor(fileSource(f)));
  const { sha256, count } = writeMerged(path.join(dayDir, name), syncDir, (out) => {
    for (const c of cursors) c.beforeMove = () => out.flushSpan();
    unionCursors(cursors, (from) => {
      const c = cursors[from]!;
      out.spanLine(c.u8, c.start, c.end);
    });
  });
  const meta: Meta = {
    kind: 'source',
    source: having.map((p) => p.source).join(' '),
    inputs: having.map((p) => `${PARTS}/${p.source}/${name}`),
    time: having.map((p) => p.time).sort().pop() ?? new Date(0).toISOString(),
    count,
    sha256,
    volatile: having.some((p) => p.volatile),
  };
  writeMeta(dayDir, name, meta, syncDir);
  return meta;
}

export class TableUnionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableUnionError';
  }
}

/**
 * Rewrites a shared table as the union of the parts' rows. Whatever the key
 * (`cluster` in hdfs-health.tsv, `host` in hdfs-datanodes.tsv), each row comes
 * from exactly one source: a key in two parts is an error naming the key and
 * both sources, since picking one row would hide that two systems disagree
 * about the same host or cluster.
 */
export function rebuildTable(dayDir: string, name: string, parts: PartInfo[], syncDir = true): Meta {
  const having = parts.filter((p) => p.tables.includes(name));
  if (having.length === 1) {
    const linked = linkFromPart(dayDir, name, having[0]!, name, 'source', syncDir);
    if (linked) return linked;
  }
  let columns: string[] | null = null;
  const rows: Row[] = [];
  const owner = new Map<string, string>();
  const clashes: Array<{ key: string; first: string; second: string }> = [];
  for (const p of having) {
    const t = readTable(path.join(partsDir(dayDir), p.source, name));
    if (!columns) columns = t.columns;
    else if (t.columns.join('\t') !== columns.join('\t')) {
      throw new TableUnionError(`${name}: sources ${having[0]!.source} and ${p.source} write different columns`);
    }
    for (const r of t.rows) {
      const key = r[columns[0]!]!;
      const prev = owner.get(key);
      if (prev) {
        clashes.push({ key, first: prev, second: p.source });
        continue;
      }
      owner.set(key, p.source);
      rows.push(r);
    }
  }
  if (clashes.length > 0) {
    const col = columns![0]!;
    const [c, ...rest] = clashes;
    // All of them at once: sources that overlap usually overlap by many keys, and one per pass hides how many.
    const others = rest.length === 0 ? '' : ` (and ${rest.length} more: ${rest.slice(0, 3).map((x) => `"${x.key}"`).join(', ')}${rest.length > 3 ? ', …' : ''})`;
    throw new TableUnionError(
      `${name}: ${col} "${c!.key}" comes from both ${c!.first} and ${c!.second}${others}; each ${col} may come from one source only: ` +
        'check that the two sources do not pull the same system under two names, ' +
        'and that a system no longer lists what has moved away from it',
    );
  }
  return writeTable(dayDir, name, columns ?? ['key'], rows, {
    kind: 'source',
    source: having.map((p) => p.source).join(' '),
    inputs: having.map((p) => `${PARTS}/${p.source}/${name}`),
    time: having.map((p) => p.time).sort().pop() ?? new Date(0).toISOString(),
    volatile: having.some((p) => p.volatile),
  }, syncDir);
}
