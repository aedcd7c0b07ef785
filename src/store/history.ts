import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fsyncDir, writeFileAtomic } from './atomic.js';
import { applyDeltas, formatDelta, makeDelta, parseDelta, type Delta } from './delta.js';

/**
 * The record of every pass's inputs: a content-addressed store under
 * `<home>/<dc>/history/`, plain files that `ls` and `zcat` read.
 *
 *   objects/<aa>/<sha256>.gz        a whole version, gzip
 *   objects/<aa>/<sha256>.delta.gz  a version as lines removed (-) and added (+)
 *                                   against an earlier version named on its
 *                                   second line (`base <sha256>`)
 *   bases.log                       `<sha256> <base sha256>` of every delta, so
 *                                   expiry knows what a kept delta still needs
 *   last/<name>                     a hard link to the last recorded version of
 *                                   each day-directory file: the base of the next
 *                                   delta, read without rebuilding it
 *   last/.index.json                the address and chain depth of each of them
 *   collected.json                  the last day whose expired records were removed
 *
 * The address of an object is the sha256 of the version it gives back, however
 * it is stored; reading one checks it. A version is stored once: a file that
 * did not change since the last pass costs no new bytes.
 */
export const HISTORY = 'history';
const OBJECTS = 'objects';
const LAST = 'last';
const INDEX = '.index.json';
const BASES = 'bases.log';

/** A chain of deltas is cut by a whole copy after this many: a version is rebuilt from at most this many deltas. */
export const MAX_CHAIN = 48;
/** A delta bigger than this share of the whole version is not worth keeping as a delta. */
export const MAX_DELTA_SHARE = 0.5;

export class HistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryError';
  }
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

interface IndexEntry {
  address: string;
  depth: number;
}

export interface PutResult {
  address: string;
  /** 'same' (already stored), 'full' or 'delta': what this put wrote. */
  stored: 'same' | 'full' | 'delta';
  bytes: number;
}

export class HistoryStore {
  readonly dir: string;
  private index: Record<string, IndexEntry> | null = null;
  private indexDirty = false;
  private readonly touched = new Set<string>();
  /** Versions already rebuilt, by address (the caller may share one across reads). */
  readonly cache = new Map<string, Buffer>();

  constructor(dcDir: string) {
    this.dir = path.join(dcDir, HISTORY);
  }

  objectPath(address: string, kind: 'full' | 'delta'): string {
    return path.join(this.dir, OBJECTS, address.slice(0, 2), `${address}${kind === 'full' ? '.gz' : '.delta.gz'}`);
  }

  /** Where an object is, or null when it is not stored. */
  find(address: string): { file: string; kind: 'full' | 'delta' } | null {
    for (const kind of ['full', 'delta'] as const) {
      const file = this.objectPath(address, kind);
      if (fs.existsSync(file)) return { file, kind };
    }
    return null;
  }

  private loadIndex(): Record<string, IndexEntry> {
    if (this.index) return this.index;
    try {
      this.index = JSON.parse(fs.readFileSync(path.join(this.dir, LAST, INDEX), 'utf8')) as Record<string, IndexEntry>;
    } catch {
      this.index = {};
    }
    return this.index;
  }

  private writeObject(address: string, kind: 'full' | 'delta', body: Buffer): number {
    const gz = gzipSync(body, { level: kind === 'full' ? 4 : 6 });
    const file = this.objectPath(address, kind);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, gz, false);
    this.touched.add(path.dirname(file));
    return gz.length;
  }

  /** Stores a version that is not a day-directory file (policy files, the state), whole. */
  putWhole(content: Buffer): PutResult {
    const address = sha256(content);
    if (this.find(address)) return { address, stored: 'same', bytes: 0 };
    return { address, stored: 'full', bytes: this.writeObject(address, 'full', content) };
  }

  /**
   * Stores the current version of a day-directory file: nothing when it is
   * stored already, else a delta against the last recorded version of the same
   * name where the lines are sorted, else the whole file. `head` lines at the
   * top (a table's header) must match for a delta.
   */
  putFile(name: string, file: string, head: number, knownSha?: string): PutResult {
    const index = this.loadIndex();
    const last = index[name];
    // The writer's own sha256 (a fresh .meta) spares reading a file that did not change.
    if (knownSha && last?.address === knownSha && this.find(knownSha)) return { address: knownSha, stored: 'same', bytes: 0 };
    const content = fs.readFileSync(file);
    const address = sha256(content);
    // The index is a shortcut, not a promise: expiry may have removed what it names.
    const stored = this.find(address) !== null;
    if (last?.address === address && stored) return { address, stored: 'same', bytes: 0 };
    let result: PutResult;
    if (stored) {
      // Stored before (an earlier version came back): how deep its chain is is not known here, so the next version starts a new one.
      result = { address, stored: 'same', bytes: 0 };
      index[name] = { address, depth: MAX_CHAIN };
    } else {
      let delta: Delta | null = null;
      if (last && last.depth < MAX_CHAIN && this.find(last.address)) {
        let base: Buffer | null = null;
        try {
          base = fs.readFileSync(path.join(this.dir, LAST, name));
        } catch {
          base = null;
        }
        // The link is only a shortcut: it is used when it still is the version the index names.
        if (base && sha256(base) === last.address) delta = makeDelta(last.address, base, content, head);
      }
      const body = delta ? formatDelta(delta) : null;
      if (delta && body && body.length < content.length * MAX_DELTA_SHARE) {
        // Named before it is written: expiry never removes a base a delta on disk needs.
        fs.mkdirSync(this.dir, { recursive: true });
        fs.appendFileSync(path.join(this.dir, BASES), `${address} ${delta.base}\n`);
        result = { address, stored: 'delta', bytes: this.writeObject(address, 'delta', body) };
        index[name] = { address, depth: last!.depth + 1 };
      } else {
        result = { address, stored: 'full', bytes: this.writeObject(address, 'full', content) };
        index[name] = { address, depth: 0 };
      }
    }
    this.indexDirty = true;
    this.link(file, name);
    return result;
  }

  private link(file: string, name: string): void {
    const dir = path.join(this.dir, LAST);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${name}.${process.pid}.link`);
    fs.rmSync(tmp, { force: true });
    try {
      fs.linkSync(file, tmp);
    } catch {
      fs.copyFileSync(file, tmp);
    }
    fs.renameSync(tmp, path.join(dir, name));
  }

  /** Makes what was put durable: object directories fsynced once each, the index of last versions written. */
  flush(): void {
    for (const d of this.touched) fsyncDir(d);
    this.touched.clear();
    if (this.indexDirty && this.index) {
      writeFileAtomic(path.join(this.dir, LAST, INDEX), JSON.stringify(this.index) + '\n');
      this.indexDirty = false;
    }
  }

  /**
   * The version stored under an address, rebuilt through its deltas and
   * checked against the address. A missing object or one whose content does
   * not match is a HistoryError naming it.
   */
  read(address: string): Buffer {
    const cached = this.cache.get(address);
    if (cached) return cached;
    const chain: Delta[] = [];
    let at = address;
    let base: Buffer | null = null;
    for (let n = 0; ; n++) {
      const hit = this.cache.get(at);
      if (hit) {
        base = hit;
        break;
      }
      const found = this.find(at);
      if (!found) throw new HistoryError(`object ${at} is missing from ${path.join(this.dir, OBJECTS)}${at === address ? '' : ` (the base of ${address})`}`);
      let body: Buffer;
      try {
        body = gunzipSync(fs.readFileSync(found.file));
      } catch (e) {
        throw new HistoryError(`${found.file} cannot be read: ${(e as Error).message}`);
      }
      if (found.kind === 'full') {
        if (sha256(body) !== at) throw new HistoryError(`${found.file} does not hold what its name says: its content's sha256 is ${sha256(body)}`);
        base = body;
        break;
      }
      let d: Delta;
      try {
        d = parseDelta(body);
      } catch (e) {
        throw new HistoryError(`${found.file}: ${(e as Error).message}`);
      }
      chain.push(d);
      at = d.base;
      if (n > MAX_CHAIN * 4) throw new HistoryError(`${found.file}: a chain of deltas longer than ${MAX_CHAIN * 4}; the store is damaged`);
    }
    const out = applyDeltas(base, chain.reverse());
    if (chain.length > 0 && sha256(out) !== address) throw new HistoryError(`${this.objectPath(address, 'delta')} does not rebuild what its name says (sha256 ${sha256(out)})`);
    this.cache.set(address, out);
    return out;
  }

  /** The base each delta names, from bases.log. */
  bases(): Map<string, string> {
    const out = new Map<string, string>();
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.dir, BASES), 'utf8');
    } catch {
      return out;
    }
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{64}) ([0-9a-f]{64})$/.exec(line);
      if (m) out.set(m[1]!, m[2]!);
    }
    return out;
  }

  /**
   * Removes every object that none of `keep` needs (directly or as the base of
   * a delta it needs). Objects younger than `graceMs` stay: a pass recording
   * right now has not named them yet. Returns how many were removed.
   */
  collect(keep: Iterable<string>, nowMs: number, graceMs: number): { removed: number; bytes: number } {
    const bases = this.bases();
    const live = new Set<string>();
    for (const a of keep) {
      for (let at: string | undefined = a; at && !live.has(at); at = bases.get(at)) live.add(at);
    }
    let removed = 0;
    let bytes = 0;
    const root = path.join(this.dir, OBJECTS);
    let subdirs: string[] = [];
    try {
      subdirs = fs.readdirSync(root);
    } catch {
      return { removed, bytes };
    }
    for (const s of subdirs) {
      const d = path.join(root, s);
      let names: string[] = [];
      try {
        names = fs.readdirSync(d);
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /^([0-9a-f]{64})\.(gz|delta\.gz)$/.exec(n);
        if (!m || live.has(m[1]!)) continue;
        const f = path.join(d, n);
        const st = fs.statSync(f);
        if (nowMs - st.mtimeMs < graceMs) continue;
        fs.rmSync(f, { force: true });
        removed++;
        bytes += st.size;
      }
    }
    // bases.log keeps only what is still stored.
    const kept = [...bases].filter(([a]) => this.find(a)).map(([a, b]) => `${a} ${b}\n`).join('');
    writeFileAtomic(path.join(this.dir, BASES), kept);
    return { removed, bytes };
  }
}
