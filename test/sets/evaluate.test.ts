import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { NotSortedError } from '../../src/sets/errors.js';
import { evaluateCount, evaluateEach, evaluateSample, evaluateTo, prepare } from '../../src/sets/evaluate.js';
import { operandsOf, parseExpression } from '../../src/sets/parse.js';
import { collector, groupBytes, MemoryOpener, notSorted, planOf, run, type ReadStyle } from '../support/engine.js';

// Small sets whose results are worked out by hand below.
const files = {
  a: 'a\nb\nc\nd\n',
  b: 'b\nd\ne\n',
  c: 'c\nd\nf\n',
  e: '',
  nonl: 'a\nb\nc', // the last line has no newline
  x: 'x\n',
};

/** Ways to read: whole, 1-7 bytes at a time, into a tiny first buffer, and into a tiny output buffer. */
const styles: Array<[string, ReadStyle, number | undefined]> = [
  ['whole reads', {}, undefined],
  ['reads of 1-7 bytes', { chunk: 7, seed: 'ops' }, undefined],
  ['reads of 1 byte into a 2-byte buffer', { chunk: 1, initialSize: 2 }, undefined],
  ['a 3-byte output buffer', { chunk: 3, initialSize: 5 }, 3],
];

// [expression, the result as lines]
const cases: Array<[string, string[]]> = [
  ['a', ['a', 'b', 'c', 'd']],
  ['a - b', ['a', 'c']],
  ['a & b', ['b', 'd']],
  ['a ^ b', ['a', 'c', 'e']],
  ['a | b', ['a', 'b', 'c', 'd', 'e']],
  ['b - a', ['e']],
  ['b ^ a', ['a', 'c', 'e']],
  ['a minus b', ['a', 'c']],
  ['a and b', ['b', 'd']],
  ['a xor b', ['a', 'c', 'e']],
  ['a or b', ['a', 'b', 'c', 'd', 'e']],
  // three or more operands, precedence and parentheses
  ['a - b - c', ['a']],
  ['a - (b - c)', ['a', 'c', 'd']],
  ['a | b & c', ['a', 'b', 'c', 'd']],
  ['(a | b) & c', ['c', 'd']],
  ['a ^ b ^ c', ['a', 'd', 'e', 'f']],
  ['a & b | c', ['b', 'c', 'd', 'f']],
  ['a - b & c', ['c']],
  ['a ^ b - c', ['a', 'c', 'd', 'e']],
  ['a & b & c', ['d']],
  ['a | b | c | x', ['a', 'b', 'c', 'd', 'e', 'f', 'x']],
  ['(a ^ b) - (c | x) | e', ['a', 'e']],
  ['a & (b | c) - (b & c)', ['b', 'c']],
  // an empty operand
  ['a - e', ['a', 'b', 'c', 'd']],
  ['e - a', []],
  ['a & e', []],
  ['a | e', ['a', 'b', 'c', 'd']],
  ['a ^ e', ['a', 'b', 'c', 'd']],
  ['e | e', []],
  ['e', []],
  // the same operand more than once
  ['a - a', []],
  ['a & a', ['a', 'b', 'c', 'd']],
  ['a | a', ['a', 'b', 'c', 'd']],
  ['a ^ a', []],
  ['(a - b) | (a & b)', ['a', 'b', 'c', 'd']],
  ['a - b - a', []],
  ['(a ^ b) ^ b', ['a', 'b', 'c', 'd']],
  // a last line without its newline still comes out with one
  ['nonl', ['a', 'b', 'c']],
  ['nonl - b', ['a', 'c']],
  ['nonl & a', ['a', 'b', 'c']],
  ['b | nonl', ['a', 'b', 'c', 'd', 'e']],
  ['nonl ^ c', ['a', 'b', 'd', 'f']],
];

describe.each(styles)('operators, %s', (_name, style, outSize) => {
  it.each(cases)('%s', (expr, want) => {
    expect(run(expr, files, style, outSize).toString('latin1')).toBe(want.map((l) => `${l}\n`).join(''));
  });
});

describe('operands', () => {
  it('opens an operand used twice only once', () => {
    const opener = new MemoryOpener(files);
    const e = parseExpression('a - b | a & b - a');
    const plan = prepare(e, opener, operandsOf(e));
    expect(opener.opened).toEqual(['a', 'b']);
    expect(plan.cursors.length).toBe(2);
  });

  it('handles more than 16 distinct operands', () => {
    const many: Record<string, string> = {};
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const n = `g${String(i).padStart(2, '0')}`;
      names.push(n);
      many[n] = `h${String(i).padStart(2, '0')}\nshared\n`;
    }
    const want = [...names.map((n) => `h${n.slice(1)}`), 'shared'];
    expect(run(names.join(' | '), many).toString()).toBe(want.map((l) => `${l}\n`).join(''));
    expect(run(names.join(' & '), many).toString()).toBe('shared\n');
    expect(run(`(${names.slice(0, 19).join(' | ')}) - g19`, many).toString()).toBe(
      want.slice(0, 19).map((l) => `${l}\n`).join(''),
    );
  });

  it('refuses more than 30 distinct operands', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 31; i++) many[`g${i}`] = 'a\n';
    expect(() => run(Object.keys(many).join(' | '), many)).toThrow(/at most 30/);
  });
});

describe('lines are bytes', () => {
  // Sorted by bytes: 0x20 < 0x61 0x0d < 0x80 < 0xc3 0x28 < 0xfe < 0xff
  const sp = [0x20];
  const aCR = [0x61, 0x0d];
  const hi = [0x80];
  const badUtf8 = [0xc3, 0x28];
  const fe = [0xfe];
  const ff = [0xff];
  const bytes = {
    x: groupBytes([sp, aCR, hi, badUtf8, ff].map((b) => Buffer.from(b))),
    y: groupBytes([aCR, badUtf8, fe].map((b) => Buffer.from(b)), false),
  };
  const lines = (...ls: number[][]) => groupBytes(ls.map((b) => Buffer.from(b)));
  const table: Array<[string, Buffer]> = [
    ['x - y', lines(sp, hi, ff)],
    ['x & y', lines(aCR, badUtf8)],
    ['x ^ y', lines(sp, hi, fe, ff)],
    ['x | y', lines(sp, aCR, hi, badUtf8, fe, ff)],
  ];
  it.each(table)('%s', (expr, want) => {
    for (const [, style, outSize] of styles) expect(run(expr, bytes, style, outSize).equals(want)).toBe(true);
  });

  it('orders high bytes after ASCII and a prefix before its extensions', () => {
    const f = {
      p: groupBytes(['ab', 'abc', 'ab\xff'].map((s) => Buffer.from(s, 'latin1'))),
      q: groupBytes(['a', 'ab\x00', 'abc'].map((s) => Buffer.from(s, 'latin1'))),
    };
    expect(run('p | q', f).toString('latin1')).toBe('a\nab\nab\x00\nabc\nab\xff\n');
  });
});

describe('long lines', () => {
  // Lines past the first buffer, sharing long prefixes so the comparison runs deep.
  const A100 = Buffer.alloc(100_000, 'a');
  const A100x = Buffer.concat([A100, Buffer.from('x')]);
  const B1M = Buffer.alloc((1 << 20) + 123, 'b');
  const B1My = Buffer.concat([B1M.subarray(0, B1M.length - 1), Buffer.from([0xff])]);
  const f = {
    p: groupBytes([A100, A100x, Buffer.from('b'), B1M, Buffer.from('c')]),
    q: groupBytes([A100x, B1M, B1My], false),
  };
  const table: Array<[string, Buffer[]]> = [
    ['p - q', [A100, Buffer.from('b'), Buffer.from('c')]],
    ['p & q', [A100x, B1M]],
    ['p ^ q', [A100, Buffer.from('b'), B1My, Buffer.from('c')]],
    ['p | q', [A100, A100x, Buffer.from('b'), B1M, B1My, Buffer.from('c')]],
  ];
  const longStyles: Array<[string, ReadStyle, number | undefined]> = [
    ['whole reads', {}, undefined],
    ['a 64 KiB first buffer', { initialSize: 1 << 16 }, undefined],
    ['reads of 1-7 bytes into a 16-byte buffer', { chunk: 7, initialSize: 16 }, 100],
  ];
  describe.each(longStyles)('%s', (_n, style, outSize) => {
    it.each(table)('%s', (expr, want) => {
      const got = run(expr, f, style, outSize);
      expect(got.length).toBe(groupBytes(want).length);
      expect(got.equals(groupBytes(want))).toBe(true);
    });
  });
});

describe('order errors', () => {
  const f = {
    ...files,
    u: 'a\nc\nb\n', // line 3 sorts before line 2
    r: 'a\nb\nb\n', // line 3 repeats line 2
    late: 'a\nb\nc\nd\ne\nf\ng\nh\nb\n', // out of order only after the result is settled
  };
  // [expression, file, line, previous line, repeated]
  const table: Array<[string, string, number, string, boolean]> = [
    ['u', 'u', 3, 'c', false],
    ['a - u', 'u', 3, 'c', false],
    ['u - a', 'u', 3, 'c', false],
    ['e - u', 'u', 3, 'c', false],
    ['e & u', 'u', 3, 'c', false],
    ['a & b & u', 'u', 3, 'c', false],
    ['e & e & u', 'u', 3, 'c', false],
    ['r', 'r', 3, 'b', true],
    ['a | r', 'r', 3, 'b', true],
    ['a - late', 'late', 9, 'h', false],
    ['x & late', 'late', 9, 'h', false],
    ['late - late', 'late', 9, 'h', false],
  ];
  describe.each(styles)('%s', (_n, style, outSize) => {
    it.each(table)('%s', (expr, file, line, prev, repeated) => {
      const e = notSorted(() => run(expr, f, style, outSize));
      expect(e.file).toBe(file);
      expect(e.line).toBe(line);
      expect(e.repeated).toBe(repeated);
      expect(e.message).toBe(`${file}:${line}: not sorted after "${prev}"`);
    });
  });

  it('is raised by counting and sampling too', () => {
    expect(() => evaluateCount(planOf('e - late', new MemoryOpener(f)))).toThrow(NotSortedError);
    expect(() => evaluateSample(planOf('late & e', new MemoryOpener(f)), 2, seedrandom('s'))).toThrow(/late:9: not sorted after "h"/);
  });
});

describe('count, each and sample', () => {
  it('counts without writing', () => {
    for (const [expr, want] of cases) expect(evaluateCount(planOf(expr, new MemoryOpener(files))), expr).toBe(want.length);
  });

  it('visits each line of the result', () => {
    const seen: string[] = [];
    evaluateEach(planOf('a ^ b', new MemoryOpener(files)), (buf, s, e) => seen.push(buf.toString('latin1', s, e)));
    expect(seen).toEqual(['a', 'c', 'e']);
  });

  it('samples every line when asked for more than there are', () => {
    const { lines, total } = evaluateSample(planOf('a | b', new MemoryOpener(files)), 10, seedrandom('x'));
    expect(total).toBe(5);
    expect(lines.map(String)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('samples nothing for size 0', () => {
    const { lines, total } = evaluateSample(planOf('a | b', new MemoryOpener(files)), 0, seedrandom('x'));
    expect(lines).toEqual([]);
    expect(total).toBe(5);
  });

  it('keeps sampled lines intact across buffer moves', () => {
    const big: string[] = [];
    for (let i = 0; i < 500; i++) big.push(`host${String(i).padStart(4, '0')}.dc1.example.com`);
    const f = { big: big.join('\n') + '\n' };
    const { lines } = evaluateSample(planOf('big', new MemoryOpener(f, { chunk: 7, initialSize: 8 })), 50, seedrandom('m'));
    expect(lines.length).toBe(50);
    for (const l of lines) expect(big).toContain(l.toString());
  });

  it('picks each line with equal chance', () => {
    // 5 lines, 2 picked, 4000 seeds: each line is expected 1600 times (sd about 31).
    const hits = new Map<string, number>();
    for (let s = 0; s < 4000; s++) {
      const { lines } = evaluateSample(planOf('a | b', new MemoryOpener(files)), 2, seedrandom(`u${s}`));
      for (const l of lines) hits.set(l.toString(), (hits.get(l.toString()) ?? 0) + 1);
    }
    expect([...hits.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [line, n] of hits) expect(Math.abs(n - 1600), line).toBeLessThan(160);
  });
});

describe('output', () => {
  it('writes through the output it is given, and counts lines', () => {
    const { out, bytes } = collector(4);
    evaluateTo(planOf('a | b | c', new MemoryOpener(files, { chunk: 2, initialSize: 3 })), out);
    expect(bytes().toString()).toBe('a\nb\nc\nd\ne\nf\n');
    expect(out.count).toBe(6);
  });
});

describe('@node set operands', () => {
  const hosts = { all: 'n1.x\nn2.x\nn3.x\nn4.x\n', dead: 'n2.x\n' };
  it.each([
    ['all - @n[3-4].x', 'n1.x\nn2.x\n'],
    ['@n[1-5].x - all', 'n5.x\n'],
    ['@n[2,4].x & all - dead', 'n4.x\n'],
    ['@n[09-11].x | dead', 'n09.x\nn10.x\nn11.x\nn2.x\n'],
    ['@n[1-2].x ^ @n[2-3].x', 'n1.x\nn3.x\n'],
  ])('%s', (expr, want) => {
    expect(run(expr, hosts).toString()).toBe(want);
  });

  it('reads the same node set once, without asking the opener', () => {
    const opener = new MemoryOpener(hosts);
    const e = parseExpression('@n[1-2].x - dead | @n[1-2].x');
    const plan = prepare(e, opener, operandsOf(e));
    expect(opener.opened).toEqual(['dead']);
    expect(plan.cursors.length).toBe(2);
  });
});
