import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { countLines, GroupWriteError, readGroupLines, writeGroup } from '../../src/store/group.js';
import { metaPath, readMeta } from '../../src/store/meta.js';
import { tempDirs } from '../support/cli.js';

const tempDir = tempDirs();

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const META = { kind: 'source' as const, source: 'inventory', inputs: [], time: '2026-01-02T03:04:05.000Z' };

describe('writeGroup', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });

  it('writes one line per host with a newline after each, then meta with the count and sha256 of the file', () => {
    const meta = writeGroup(dir, 'all', ['a.x', 'b.x', 'c.x'], META);
    const bytes = fs.readFileSync(path.join(dir, 'all'));
    expect(bytes.toString()).toBe('a.x\nb.x\nc.x\n');
    expect(meta.count).toBe(3);
    expect(meta.sha256).toBe(sha256(bytes));
    const stored = JSON.parse(fs.readFileSync(metaPath(dir, 'all'), 'utf8'));
    expect(stored).toEqual({ ...META, count: 3, sha256: sha256(bytes) });
    expect(readMeta(dir, 'all')).toEqual(stored);
  });

  it('writes an empty group as an empty file', () => {
    const meta = writeGroup(dir, 'none', [], META);
    expect(fs.readFileSync(path.join(dir, 'none')).length).toBe(0);
    expect(meta).toMatchObject({ count: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  it('takes bytes and orders them as bytes', () => {
    const lines = [Buffer.from('Z'), Buffer.from('a'), Buffer.from([0x61, 0x80]), Buffer.from([0xc3, 0xa9]), Buffer.from([0xff])];
    const meta = writeGroup(dir, 'bytes', lines, META);
    const bytes = fs.readFileSync(path.join(dir, 'bytes'));
    expect(bytes.equals(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])))).toBe(true);
    expect(meta.sha256).toBe(sha256(bytes));
  });

  // [what, lines, the part of the message that says why]
  const refused: Array<[string, Array<string | Buffer>, RegExp]> = [
    ['unsorted lines', ['a', 'c', 'b'], /refusing to write "b" after "c".*LC_ALL=C sort -u/],
    ['a repeated line', ['a', 'b', 'b'], /refusing to write "b" after "b"/],
    ['upper case after lower case', ['b', 'B'], /refusing to write "B" after "b"/],
    ['an empty line', ['a', '', 'b'], /an empty line as entry 2/],
    ['an empty line first', [''], /an empty line as entry 1/],
    ['a carriage return', ['a\r'], /a carriage return/],
    ['a newline inside a line', ['a\nb'], /a newline/],
    ['a tab', ['a\tb'], /a tab/],
    ['high bytes out of order', [Buffer.from([0xff]), Buffer.from([0x80])], /refusing to write/],
  ];
  it.each(refused)('refuses %s and leaves the existing file and meta as they were', (_what, lines, why) => {
    writeGroup(dir, 'g', ['keep.x', 'me.x'], META);
    const before = fs.readFileSync(path.join(dir, 'g'));
    const metaBefore = fs.readFileSync(metaPath(dir, 'g'));
    let err: unknown;
    try {
      writeGroup(dir, 'g', lines, { ...META, source: 'other' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GroupWriteError);
    expect((err as Error).message).toMatch(/^g: /);
    expect((err as Error).message).toMatch(why);
    expect(fs.readFileSync(path.join(dir, 'g')).equals(before)).toBe(true);
    expect(fs.readFileSync(metaPath(dir, 'g')).equals(metaBefore)).toBe(true);
    // No temporary file is left behind.
    expect(fs.readdirSync(dir).sort()).toEqual(['.meta', 'g']);
    expect(fs.readdirSync(path.join(dir, '.meta'))).toEqual(['g.json']);
  });

  it('refuses without creating a file that was not there', () => {
    expect(() => writeGroup(dir, 'new', ['b', 'a'], META)).toThrow(GroupWriteError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('reading groups back', () => {
  it('reads lines and counts them, with or without a last newline', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a'), 'x\ny\n');
    fs.writeFileSync(path.join(dir, 'b'), 'x\ny');
    fs.writeFileSync(path.join(dir, 'c'), '');
    expect(readGroupLines(path.join(dir, 'a'))).toEqual(['x', 'y']);
    expect(readGroupLines(path.join(dir, 'b'))).toEqual(['x', 'y']);
    expect(readGroupLines(path.join(dir, 'c'))).toEqual([]);
    expect(countLines(path.join(dir, 'a'))).toBe(2);
    expect(countLines(path.join(dir, 'b'))).toBe(2);
    expect(countLines(path.join(dir, 'c'))).toBe(0);
  });

  it('counts the lines of a file larger than its read buffer', () => {
    const dir = tempDir();
    const n = 300_000;
    fs.writeFileSync(path.join(dir, 'big'), 'host.example.com\n'.repeat(n));
    expect(countLines(path.join(dir, 'big'))).toBe(n);
  });
});
