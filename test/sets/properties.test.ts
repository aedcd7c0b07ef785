// The streamed engine against a naive model: JS Sets of byte strings, sorted
// with Buffer.compare at the end.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { evaluateCount, evaluateSample } from '../../src/sets/evaluate.js';
import { formatExpression, parseExpression, type SetOp } from '../../src/sets/parse.js';
import { groupBytes, MemoryOpener, planOf, run, type ReadStyle } from '../support/engine.js';

type Tree = { leaf: number } | { op: SetOp; l: Tree; r: Tree };

const NAMES = ['g0', 'all', 'dead-rekick', 'hdfs.live', 'x_1'];
const OPS: SetOp[] = ['-', '&', '^', '|'];
const WORD: Record<SetOp, string> = { '-': 'minus', '&': 'and', '^': 'xor', '|': 'or' };
const PREC: Record<SetOp, number> = { '-': 4, '&': 3, '^': 2, '|': 1 };

// Bytes that matter: NUL, tab, CR, space, ASCII, the 0x7f/0x80 edge, UTF-8 lead and continuation bytes, 0xff. Never a newline.
const byte = fc.constantFrom(0x00, 0x09, 0x0d, 0x20, 0x61, 0x62, 0x7f, 0x80, 0xc3, 0xa9, 0xff);
const shortLine = fc.array(byte, { maxLength: 5 }).map((a) => Buffer.from(a));
// Now and then a line longer than the small buffers some runs use, sharing a long prefix with its neighbours.
const longLine = fc.tuple(fc.integer({ min: 100, max: 3000 }), shortLine).map(([n, tail]) => Buffer.concat([Buffer.alloc(n, 0x6c), tail]));
const line = fc.oneof({ weight: 30, arbitrary: shortLine }, { weight: 1, arbitrary: longLine });
const set = fc.uniqueArray(line, { selector: (b) => b.toString('latin1'), maxLength: 14 });

function treeOf(leaves: number): fc.Arbitrary<Tree> {
  if (leaves === 1) return fc.nat(NAMES.length - 1).map((leaf) => ({ leaf }));
  return fc
    .integer({ min: 1, max: leaves - 1 })
    .chain((k) => fc.record({ op: fc.constantFrom(...OPS), l: treeOf(k), r: treeOf(leaves - k) }));
}
const tree = fc.integer({ min: 1, max: 5 }).chain(treeOf);

/** Writes a tree as text: parentheses only where precedence needs them, or around everything. */
function render(t: Tree, words: boolean, full: boolean): string {
  if ('leaf' in t) return NAMES[t.leaf]!;
  const wrap = (sub: Tree, needed: boolean) => {
    const s = render(sub, words, full);
    return 'leaf' in sub || !(needed || full) ? s : `(${s})`;
  };
  // Left-associative: a right operand of the same precedence needs parentheses, a left one does not.
  const l = wrap(t.l, !('leaf' in t.l) && PREC[t.l.op] < PREC[t.op]);
  const r = wrap(t.r, !('leaf' in t.r) && PREC[t.r.op] <= PREC[t.op]);
  return `${l} ${words ? WORD[t.op] : t.op} ${r}`;
}

function fullyParenthesized(t: Tree): string {
  if ('leaf' in t) return NAMES[t.leaf]!;
  return `(${fullyParenthesized(t.l)} ${t.op} ${fullyParenthesized(t.r)})`;
}

function model(t: Tree, sets: Array<Set<string>>): Set<string> {
  if ('leaf' in t) return sets[t.leaf]!;
  const l = model(t.l, sets);
  const r = model(t.r, sets);
  switch (t.op) {
    case '-':
      return new Set([...l].filter((x) => !r.has(x)));
    case '&':
      return new Set([...l].filter((x) => r.has(x)));
    case '^':
      return new Set([...[...l].filter((x) => !r.has(x)), ...[...r].filter((x) => !l.has(x))]);
    case '|':
      return new Set([...l, ...r]);
  }
}

const sortedLines = (s: Set<string>) => [...s].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);

const style = fc.record({
  chunk: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
  seed: fc.string({ maxLength: 4 }),
  initialSize: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
});
const outSize = fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined });

const world = fc.record({
  sets: fc.array(set, { minLength: NAMES.length, maxLength: NAMES.length }),
  lastNewline: fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length }),
  tree,
  words: fc.boolean(),
  full: fc.boolean(),
});

function filesOf(sets: Buffer[][], lastNewline: boolean[]): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  NAMES.forEach((n, i) => {
    const lines = [...sets[i]!].sort(Buffer.compare);
    // An empty last line is only there if its newline is.
    const keepNewline = lastNewline[i]! || lines.at(-1)?.length === 0;
    files[n] = groupBytes(lines, keepNewline);
  });
  return files;
}

const modelSets = (sets: Buffer[][]) => sets.map((s) => new Set(s.map((b) => b.toString('latin1'))));

describe('the engine against a Set model', () => {
  it('parses what it renders into the intended tree', () => {
    fc.assert(
      fc.property(tree, fc.boolean(), fc.boolean(), (t, words, full) => {
        expect(formatExpression(parseExpression(render(t, words, full)))).toBe(fullyParenthesized(t));
      }),
      { numRuns: 500 },
    );
  });

  it('streams exactly the model\'s result, in byte order', () => {
    fc.assert(
      fc.property(world, style, outSize, (w, st: ReadStyle, os) => {
        const want = groupBytes(sortedLines(model(w.tree, modelSets(w.sets))));
        const got = run(render(w.tree, w.words, w.full), filesOf(w.sets, w.lastNewline), st, os);
        expect(got.toString('hex')).toBe(want.toString('hex'));
      }),
      { numRuns: 1000 },
    );
  });

  it('counts the model\'s result', () => {
    fc.assert(
      fc.property(world, (w) => {
        const plan = planOf(render(w.tree, w.words, w.full), new MemoryOpener(filesOf(w.sets, w.lastNewline)));
        expect(evaluateCount(plan)).toBe(model(w.tree, modelSets(w.sets)).size);
      }),
      { numRuns: 200 },
    );
  });

  it('samples a sorted subset of the result, the same one for the same seed', () => {
    fc.assert(
      fc.property(world, style, fc.integer({ min: 0, max: 12 }), fc.string({ maxLength: 8 }), (w, st: ReadStyle, n, seed) => {
        const expr = render(w.tree, w.words, w.full);
        const files = filesOf(w.sets, w.lastNewline);
        const result = model(w.tree, modelSets(w.sets));
        const first = evaluateSample(planOf(expr, new MemoryOpener(files, st)), n, seedrandom(seed));
        expect(first.total).toBe(result.size);
        expect(first.lines.length).toBe(Math.min(n, result.size));
        for (const l of first.lines) expect(result.has(l.toString('latin1'))).toBe(true);
        for (let i = 1; i < first.lines.length; i++) expect(Buffer.compare(first.lines[i - 1]!, first.lines[i]!)).toBe(-1);
        // Read differently, with the same seed: the same pick.
        const again = evaluateSample(planOf(expr, new MemoryOpener(files)), n, seedrandom(seed));
        expect(again.lines.map((l) => l.toString('hex'))).toEqual(first.lines.map((l) => l.toString('hex')));
      }),
      { numRuns: 200 },
    );
  });
});
