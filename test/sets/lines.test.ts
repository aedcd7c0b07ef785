import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { ByteOrderMarkError } from '../../src/sets/errors.js';
import { LineCursor, memorySource, type ByteSource } from '../../src/sets/lines.js';
import { chunkySource, groupBytes, notSorted } from '../support/engine.js';

/** Reads every line of a cursor as a copy. */
function linesOf(c: LineCursor): Buffer[] {
  const out: Buffer[] = [];
  while (c.next()) out.push(Buffer.from(c.buf.subarray(c.start, c.end)));
  return out;
}

/** Ways to feed bytes to a cursor: all at once, in tiny reads, and into a tiny first buffer. */
const feeds: Array<[string, (label: string, data: Uint8Array) => LineCursor]> = [
  ['whole reads', (label, data) => new LineCursor(memorySource(label, data))],
  ['reads of 1-7 bytes', (label, data) => new LineCursor(chunkySource(label, data, seedrandom('lines'), 7))],
  ['reads of 1 byte', (label, data) => new LineCursor(chunkySource(label, data, seedrandom('one'), 1))],
  ['a 4-byte first buffer', (label, data) => new LineCursor(memorySource(label, data), false, false, 4)],
  ['tiny reads into a 1-byte first buffer', (label, data) => new LineCursor(chunkySource(label, data, seedrandom('t'), 3), false, false, 1)],
];

describe.each(feeds)('LineCursor with %s', (_name, open) => {
  it('reads lines without their newlines', () => {
    const lines = ['a', 'b', 'c.example.com'].map((s) => Buffer.from(s));
    expect(linesOf(open('g', groupBytes(lines)))).toEqual(lines);
  });

  it('reads a last line that has no newline', () => {
    const lines = ['a', 'bb', 'ccc'].map((s) => Buffer.from(s));
    expect(linesOf(open('g', groupBytes(lines, false)))).toEqual(lines);
  });

  it('gives the last line a newline in its buffer, so it can be passed on whole', () => {
    const c = open('g', Buffer.from('a\nlast'));
    expect(c.next()).toBe(true);
    expect(c.next()).toBe(true);
    expect(c.buf.subarray(c.start, c.end + 1).toString()).toBe('last\n');
  });

  it('reads an empty input as no lines', () => {
    const c = open('g', Buffer.alloc(0));
    expect(c.next()).toBe(false);
    expect(c.done).toBe(true);
    expect(c.next()).toBe(false);
  });

  const BOM = '\xef\xbb\xbf';
  const bomCases: Array<[name: string, data: string, refused: boolean]> = [
    ['a byte-order mark before the first line', `${BOM}a\nb\n`, true],
    ['a byte-order mark that is the whole first line', `${BOM}\na\n`, true],
    ['a byte-order mark on a one-line file without a newline', `${BOM}a`, true],
    ['a byte-order mark on a later line', `a\n${BOM}b\n`, false],
    ['the first two bytes of one only', '\xef\xbba\n', false],
  ];
  it.each(bomCases)('%s: refused %s', (_name, data, refused) => {
    const read = () => linesOf(open('g', Buffer.from(data, 'latin1')));
    if (!refused) {
      expect(read()).toHaveLength(data.split('\n').filter(Boolean).length);
      return;
    }
    expect(read).toThrow(ByteOrderMarkError);
    expect(read).toThrow("g:1: starts with a UTF-8 byte-order mark (EF BB BF); strip it: sed -i '1s/^\\xEF\\xBB\\xBF//' g");
  });

  it('keeps every byte: high bytes, invalid UTF-8, NUL, spaces, CR, tabs', () => {
    const lines = sortedBuffers([
      [0x00],
      [0x20, 0x61, 0x20],
      [0x61, 0x0d],
      [0x61, 0x09, 0x62],
      [0x7f],
      [0x80],
      [0xc3, 0x28],
      [0xc3, 0xa9],
      [0xe6, 0x97, 0xa5],
      [0xff],
      [0xff, 0xfe, 0xff],
    ]);
    expect(linesOf(open('g', groupBytes(lines)))).toEqual(lines);
  });

  it('reads an empty line (it sorts first)', () => {
    expect(linesOf(open('g', Buffer.from('\na\n'))).map(String)).toEqual(['', 'a']);
  });

  it('reads lines far longer than its first buffer (100 KB and 1.5 MiB)', () => {
    const lines = [
      Buffer.alloc(100_003, 'a'),
      Buffer.concat([Buffer.alloc(100_003, 'a'), Buffer.from('b')]),
      Buffer.from('b'),
      Buffer.alloc(1_500_000, 'c'),
      Buffer.concat([Buffer.alloc(1_500_000, 'c'), Buffer.from([0x80])]),
      Buffer.from('d'),
    ];
    const got = linesOf(open('big', groupBytes(lines, false)));
    expect(got.length).toBe(lines.length);
    got.forEach((l, i) => expect(l.equals(lines[i]!), `line ${i + 1}`).toBe(true));
  });

  it('numbers lines from 1', () => {
    const c = open('g', Buffer.from('a\nb\nc\n'));
    const seen: number[] = [];
    while (c.next()) seen.push(c.lineNo);
    expect(seen).toEqual([1, 2, 3]);
  });

  // [input, 1-based line of the fault, the line before it, repeated?]
  const faults: Array<[string, number, string, boolean]> = [
    ['b\na\n', 2, 'b', false],
    ['a\na\n', 2, 'a', true],
    ['a\nb\nc\nb\n', 4, 'c', false],
    ['a\nb\nb', 3, 'b', true],
    ['a\nc\nb', 3, 'c', false],
    ['ab\na\n', 2, 'ab', false],
    ['a\n\n', 2, 'a', false],
    ['\n\n', 2, '', true],
    ['b\nB\n', 2, 'b', false],
    ['\xff\n\x80\n', 2, '\ufffd', false],
  ];
  it.each(faults)('stops at the first line out of order in %j', (text, line, prev, repeated) => {
    const c = open('hosts/file', Buffer.from(text, 'latin1'));
    const e = notSorted(() => linesOf(c));
    expect(e.file).toBe('hosts/file');
    expect(e.line).toBe(line);
    expect(e.repeated).toBe(repeated);
    expect(e.previous).toBe(prev);
    expect(e.message).toBe(`hosts/file:${line}: not sorted after "${prev}"`);
    expect(e.hint).toContain('LC_ALL=C sort -u hosts/file');
  });

  it('checks order across a refill, with both lines longer than the first buffer', () => {
    const big = Buffer.alloc(70_000, 'm');
    const data = Buffer.concat([Buffer.from('a\n'), big, Buffer.from('\n'), big, Buffer.from('\n')]);
    const e = notSorted(() => linesOf(open('g', data)));
    expect(e.line).toBe(3);
    expect(e.repeated).toBe(true);
    expect(e.message).toMatch(/^g:3: not sorted after "m{200}\.\.\."$/);
  });
});

describe('LineCursor over a table', () => {
  const table = 'host\tcluster\na\tdw2\nb\tdw1\nb.x\tdw1\n';

  it('skips the header in the order check and compares keys only', () => {
    // "host" > "a", and "b\tdw1" > "b.x\tdw1" as whole lines, but the keys b < b.x are in order.
    const c = new LineCursor(memorySource('t.tsv', Buffer.from(table)), true, true);
    const keys: string[] = [];
    while (c.next()) keys.push(c.buf.toString('utf8', c.start, c.keyStop));
    expect(keys).toEqual(['host', 'a', 'b', 'b.x']);
  });

  it('refuses a repeated key even when the rows differ', () => {
    const c = new LineCursor(memorySource('t.tsv', Buffer.from('host\tc\na\t1\na\t2\n')), true, true);
    const e = notSorted(() => linesOf(c));
    expect(e.message).toBe('t.tsv:3: not sorted after "a\\t1"');
    expect(e.repeated).toBe(true);
  });

  it('counts the header as line 1', () => {
    const c = new LineCursor(memorySource('t.tsv', Buffer.from('host\nb\na\n')), true, true);
    expect(notSorted(() => linesOf(c)).line).toBe(3);
  });
});

describe('LineCursor and its source', () => {
  it('closes the source once at the end', () => {
    let closes = 0;
    const inner = memorySource('g', Buffer.from('a\nb\n'));
    const src: ByteSource = { label: 'g', read: (b, o, l) => inner.read(b, o, l), close: () => void closes++ };
    const c = new LineCursor(src);
    linesOf(c);
    expect(c.next()).toBe(false);
    expect(closes).toBe(1);
  });

  it('calls beforeMove before it moves bytes, while the old line is still in place', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `host${String(i).padStart(3, '0')}`);
    const c = new LineCursor(chunkySource('g', groupBytes(lines), seedrandom('mv'), 5), false, false, 8);
    let last: string | null = null;
    let moves = 0;
    c.beforeMove = () => {
      moves++;
      // The line handed out last must still be readable when a move is announced.
      if (last !== null) expect(c.buf.toString('utf8', c.start, c.end)).toBe(last);
    };
    const got: string[] = [];
    while (c.next()) {
      last = c.buf.toString('utf8', c.start, c.end);
      got.push(last);
    }
    expect(got).toEqual(lines);
    expect(moves).toBeGreaterThan(10);
  });
});

function sortedBuffers(bytes: number[][]): Buffer[] {
  return bytes.map((b) => Buffer.from(b)).sort(Buffer.compare);
}

describe('LineCursor reading in short reads', () => {
  it('reads megabyte lines arriving one byte at a time', () => {
    const data = Buffer.concat([Buffer.alloc(1_500_000, 'c'), Buffer.from('\n'), Buffer.alloc(1_500_000, 'd')]);
    const c = new LineCursor(chunkySource('g', data, () => 0, 1));
    const got = linesOf(c);
    expect(got.map((l) => l.length)).toEqual([1_500_000, 1_500_000]);
  });
});
