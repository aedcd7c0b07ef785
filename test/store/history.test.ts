// The history store: line deltas checked against GNU comm, versions rebuilt
// exactly, unchanged files stored once, damage named, expiry keeping what a
// kept delta needs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeltas, formatDelta, makeDelta, parseDelta } from '../../src/store/delta.js';
import { HistoryError, HistoryStore, MAX_CHAIN, sha256 } from '../../src/store/history.js';
import { tempDirs } from '../support/cli.js';

const tmp = tempDirs();
const byteSorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
const file = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
const hostArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,12}$/);

describe('line deltas', () => {
  it('say what comm -23 and comm -13 say: the lines only in the old version and only in the new one', () => {
    const dir = tmp();
    fc.assert(
      fc.property(fc.array(hostArb, { maxLength: 60 }), fc.array(hostArb, { maxLength: 60 }), (x, y) => {
        const a = byteSorted(x);
        const b = byteSorted(y);
        fs.writeFileSync(path.join(dir, 'a'), file(a));
        fs.writeFileSync(path.join(dir, 'b'), file(b));
        const comm = (flag: string) => spawnSync('comm', [flag, 'a', 'b'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' } }).stdout.toString('latin1');
        const d = makeDelta('0'.repeat(64), file(a), file(b), 0)!;
        expect(d).not.toBeNull();
        expect(d.lines.filter((l) => l[0] === '-').map((l) => `${l.slice(1)}\n`).join('')).toBe(comm('-23'));
        expect(d.lines.filter((l) => l[0] === '+').map((l) => `${l.slice(1)}\n`).join('')).toBe(comm('-13'));
      }),
      { numRuns: 60 },
    );
  });

  it('rebuild every version of a chain exactly, however the lines come and go', () => {
    fc.assert(
      fc.property(fc.array(fc.array(hostArb, { maxLength: 30 }), { minLength: 1, maxLength: 8 }), (versions) => {
        const files = versions.map((v) => file(byteSorted(v)));
        const deltas = [];
        for (let i = 1; i < files.length; i++) {
          const d = makeDelta(sha256(files[i - 1]!), files[i - 1]!, files[i]!, 0)!;
          deltas.push(parseDelta(formatDelta(d)));
          expect(applyDeltas(files[0]!, deltas).equals(files[i]!)).toBe(true);
        }
      }),
    );
  });

  it('keep a table header: the delta applies to the rows after it, and a changed header makes no delta', () => {
    const a = file(['host\tcluster', 'a\tc1', 'b\tc1']);
    const b = file(['host\tcluster', 'a\tc1', 'c\tc2']);
    const d = makeDelta(sha256(a), a, b, 1)!;
    expect(d.lines).toEqual(['-b\tc1', '+c\tc2']);
    expect(applyDeltas(a, [parseDelta(formatDelta(d))]).equals(b)).toBe(true);
    expect(makeDelta(sha256(a), a, file(['host\track', 'a\tc1']), 1)).toBeNull();
  });

  it('are not made for lines out of order, repeated, or a last line without a newline', () => {
    const a = file(['a', 'b']);
    expect(makeDelta('x', a, file(['b', 'a']), 0)).toBeNull();
    expect(makeDelta('x', a, file(['a', 'a']), 0)).toBeNull();
    expect(makeDelta('x', a, Buffer.from('a\nb'), 0)).toBeNull();
  });
});

function hosts(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `dn${String(i + from).padStart(6, '0')}.dc1.example.com`);
}

describe('the history store', () => {
  it('stores an unchanged file once, a 1% change as a delta of about 1%, and rebuilds each version by its address', () => {
    const dc = tmp();
    const day = path.join(dc, 'day');
    fs.mkdirSync(day);
    const store = new HistoryStore(dc);
    const v1 = hosts(10_000);
    fs.writeFileSync(path.join(day, 'all'), file(v1));
    const r1 = store.putFile('all', path.join(day, 'all'), 0);
    expect(r1.stored).toBe('full');
    // The day's file is replaced (a new inode) by the next pull, as every group write is.
    const same = path.join(day, '.all.new');
    fs.writeFileSync(same, file(v1));
    fs.renameSync(same, path.join(day, 'all'));
    expect(store.putFile('all', path.join(day, 'all'), 0)).toEqual({ address: r1.address, stored: 'same', bytes: 0 });
    const v2 = byteSorted([...v1.slice(100), ...hosts(100, 20_000)]);
    fs.writeFileSync(same, file(v2));
    fs.renameSync(same, path.join(day, 'all'));
    const r2 = store.putFile('all', path.join(day, 'all'), 0);
    expect(r2.stored).toBe('delta');
    expect(r2.bytes).toBeLessThan(r1.bytes * 0.05);
    store.flush();
    const fresh = new HistoryStore(dc);
    expect(fresh.read(r1.address).equals(file(v1))).toBe(true);
    expect(fresh.read(r2.address).equals(file(v2))).toBe(true);
    // Plain files: zcat reads both, the delta names its base.
    const zcat = (a: string, kind: 'full' | 'delta') => spawnSync('zcat', [fresh.objectPath(a, kind)]).stdout.toString();
    expect(zcat(r1.address, 'full')).toBe(file(v1).toString());
    expect(zcat(r2.address, 'delta').split('\n').slice(0, 3)).toEqual(['breakfix-delta 1', `base ${r1.address}`, 'head 0']);
  });

  it('cuts a chain with a whole copy after MAX_CHAIN deltas', () => {
    const dc = tmp();
    const f = path.join(dc, 'g');
    const store = new HistoryStore(dc);
    const kinds: string[] = [];
    let current = hosts(200);
    for (let i = 0; i <= MAX_CHAIN + 1; i++) {
      current = byteSorted([...current.slice(1), `zz${String(i).padStart(4, '0')}.x`]);
      fs.writeFileSync(`${f}.new`, file(current));
      fs.renameSync(`${f}.new`, f);
      kinds.push(store.putFile('g', f, 0).stored);
    }
    expect(kinds[0]).toBe('full');
    expect(kinds.slice(1, MAX_CHAIN + 1).every((k) => k === 'delta')).toBe(true);
    expect(kinds[MAX_CHAIN + 1]).toBe('full');
  });

  it('names an object that is missing or whose content is not what its address says', () => {
    const dc = tmp();
    const store = new HistoryStore(dc);
    const a = store.putWhole(Buffer.from('a\nb\n')).address;
    const missing = 'f'.repeat(64);
    expect(() => new HistoryStore(dc).read(missing)).toThrow(HistoryError);
    expect(() => new HistoryStore(dc).read(missing)).toThrow(`object ${missing} is missing`);
    fs.writeFileSync(store.objectPath(a, 'full'), gzipSync(Buffer.from('a\nc\n')));
    expect(() => new HistoryStore(dc).read(a)).toThrow(/does not hold what its name says/);
    fs.writeFileSync(store.objectPath(a, 'full'), Buffer.from('not gzip'));
    expect(() => new HistoryStore(dc).read(a)).toThrow(/cannot be read/);
  });

  it('expiry removes what no kept address needs, keeps the bases of kept deltas and anything younger than the grace', () => {
    const dc = tmp();
    const f = path.join(dc, 'g');
    const store = new HistoryStore(dc);
    const put = (lines: string[]) => {
      fs.writeFileSync(`${f}.new`, file(lines));
      fs.renameSync(`${f}.new`, f);
      return store.putFile('g', f, 0);
    };
    const base = put(hosts(1000));
    const delta = put(hosts(1001));
    const lone = store.putWhole(Buffer.from('only an old pass needed this\n'));
    store.flush();
    const later = Date.now() + 10 * 86_400_000;
    // Young objects stay whatever is kept.
    expect(store.collect([], Date.now(), 3_600_000).removed).toBe(0);
    const r = store.collect([delta.address], later, 3_600_000);
    expect(r.removed).toBe(1);
    expect(store.find(lone.address)).toBeNull();
    expect(store.find(base.address)?.kind).toBe('full');
    expect(new HistoryStore(dc).read(delta.address).equals(file(hosts(1001)))).toBe(true);
    expect(gunzipSync(fs.readFileSync(store.objectPath(delta.address, 'delta'))).toString()).toContain(`base ${base.address}`);
  });
});
