/**
 * ClusterShell node sets, the notation SREs type to clush and nodeset:
 * `dw1-dn[001-004,010].dc1.example.com`. Pure: `foldNodeset` prints a list of
 * names as `nodeset -f` does, `expandNodeset` lists a node set's names in the
 * order `nodeset -e` prints them.
 *
 * The rules, as the real tool shows them:
 * - a name is split at its runs of digits; the text around them is its
 *   pattern (`dw%s-dn%s.dc%s.example.com`), the runs are its coordinates;
 * - patterns are printed in code-point order, joined by `,`;
 * - the numbers of one coordinate are ordered by length, then value
 *   (`9,01,10,010`); a zero-padded number only joins a range of its own width,
 *   an unpadded one only a range of unpadded numbers (`9-10`, `08-11`);
 * - names with several coordinates are folded as vectors of ranges: vectors
 *   that differ in one coordinate only are merged, biggest vectors first.
 */

export class NodesetError extends Error {
  constructor(
    readonly text: string,
    readonly pos: number,
    readonly reason: string,
  ) {
    super(`${reason} at offset ${pos} of "${text}"`);
    this.name = 'NodesetError';
  }
}

/** A node set written by hand that expands to more names than this is refused. */
const MAX_NAMES = 1_000_000;

/** A set of digit strings, kept in node-set order: shorter first, then by value. */
type Range = string[];

const byNumber = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
const codePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const padded = (s: string): boolean => s.length > 1 && s[0] === '0';

function rangeOf(items: Iterable<string>): Range {
  return [...new Set(items)].sort(byNumber);
}

/** `b` directly follows `a` in one printed range. */
function follows(a: string, b: string): boolean {
  if (BigInt(b) !== BigInt(a) + 1n) return false;
  return padded(a) ? b.length === a.length : !padded(b);
}

/** `01-03,7,10` (no brackets). */
function formatRange(r: Range): string {
  const parts: string[] = [];
  for (let i = 0; i < r.length; ) {
    let j = i;
    while (j + 1 < r.length && follows(r[j]!, r[j + 1]!)) j++;
    parts.push(i === j ? r[i]! : `${r[i]}-${r[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function sameRange(a: Range, b: Range): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Names split into their pattern (text parts) and coordinates (digit runs). */
interface Split {
  key: string;
  texts: string[];
  nums: string[];
}

function split(name: string): Split {
  const texts: string[] = [];
  const nums: string[] = [];
  const re = /[0-9]+/g;
  let last = 0;
  for (let m = re.exec(name); m; m = re.exec(name)) {
    texts.push(name.slice(last, m.index));
    nums.push(m[0]);
    last = m.index + m[0].length;
  }
  texts.push(name.slice(last));
  return { key: texts.join('%s'), texts, nums };
}

type Vector = Range[];

function size(v: Vector): number {
  return v.reduce((n, r) => n * r.length, 1);
}

/** Bigger vectors first, then coordinate by coordinate: longer range, lower first, lower last (as text). */
function compareVectors(a: Vector, b: Vector): number {
  const d = size(b) - size(a);
  if (d) return d;
  for (let i = 0; i < a.length; i++) {
    const ra = a[i]!;
    const rb = b[i]!;
    const c = rb.length - ra.length || codePoint(ra[0]!, rb[0]!) || codePoint(ra[ra.length - 1]!, rb[rb.length - 1]!);
    if (c) return c;
  }
  return 0;
}

function contains(r: Range, x: string): boolean {
  let lo = 0;
  let hi = r.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = byNumber(r[mid]!, x);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** How many numbers two ranges share. */
function commonCount(a: Range, b: Range): number {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  let n = 0;
  for (const x of small) if (contains(large, x)) n++;
  return n;
}

/**
 * Two disjoint ranges as one. The vectors that held them are dropped by the
 * merge, so `a` may be extended in place: folding a long run of names one by
 * one then costs no copy per name.
 */
function union(a: Range, b: Range): Range {
  if (byNumber(a[a.length - 1]!, b[0]!) < 0) {
    for (const x of b) a.push(x);
    return a;
  }
  const out: Range = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byNumber(a[i]!, b[j]!) < 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The two vectors as one, when they differ in one coordinate at most (both are dropped after). */
function merge(a: Vector, b: Vector): Vector | null {
  const out: Vector = [];
  let joined = -1;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const ra = a[i]!;
    const rb = b[i]!;
    if (sameRange(ra, rb)) {
      out.push(ra);
      continue;
    }
    if (++diff > 1) return null;
    const common = commonCount(ra, rb);
    if (common === 0) joined = i;
    else if (common === rb.length) out.push(ra);
    else if (common === ra.length) out.push(rb);
    else return null;
    if (common === 0) out.push(ra);
  }
  // Only now that the merge is certain may a range be extended in place.
  if (joined >= 0) out[joined] = union(a[joined]!, b[joined]!);
  return out;
}

/** Folds single-name vectors of one pattern; first neighbours in sorted order, then every pair. */
function foldVectors(vectors: Vector[]): Vector[] {
  const v = vectors;
  let full = false;
  let changed = true;
  while (changed) {
    changed = false;
    v.sort(compareVectors);
    for (let i = 0; i + 1 < v.length; i++) {
      let j = i + 1;
      while (j < v.length) {
        const m = merge(v[i]!, v[j]!);
        if (m) {
          v[i] = m;
          v.splice(j, 1);
          changed = true;
        } else {
          if (!full) break;
          j++;
        }
      }
    }
    if (!changed && !full) {
      full = true;
      changed = true;
    }
  }
  return v;
}

interface Folded {
  key: string;
  texts: string[];
  vectors: Vector[];
}

function foldAll(names: Iterable<string>): Folded[] {
  const byKey = new Map<string, { texts: string[]; tuples: Map<string, string[]> }>();
  for (const name of new Set(names)) {
    const s = split(name);
    let g = byKey.get(s.key);
    if (!g) byKey.set(s.key, (g = { texts: s.texts, tuples: new Map() }));
    g.tuples.set(s.nums.join(' '), s.nums);
  }
  const out: Folded[] = [];
  for (const key of [...byKey.keys()].sort(codePoint)) {
    const g = byKey.get(key)!;
    const dims = g.texts.length - 1;
    let vectors: Vector[];
    if (dims === 0) vectors = [[]];
    else if (dims === 1) vectors = [[rangeOf([...g.tuples.values()].map((t) => t[0]!))]];
    else vectors = foldVectors([...g.tuples.values()].map((t) => t.map((n) => [n])));
    out.push({ key, texts: g.texts, vectors });
  }
  return out;
}

function render(f: Folded, v: Vector): string {
  let s = f.texts[0]!;
  for (let i = 0; i < v.length; i++) {
    const r = v[i]!;
    s += (r.length === 1 ? r[0]! : `[${formatRange(r)}]`) + f.texts[i + 1]!;
  }
  return s;
}

/** The names folded as `nodeset -f` prints them (without the newline); duplicates count once. */
export function foldNodeset(hosts: Iterable<string>): string {
  return foldedParts(hosts).join(',');
}

/** The comma-separated parts of foldNodeset, one node set each. */
export function foldedParts(hosts: Iterable<string>): string[] {
  const parts: string[] = [];
  for (const f of foldAll(hosts)) for (const v of f.vectors) parts.push(render(f, v));
  return parts;
}

function* product(f: Folded, v: Vector, i = 0, prefix = ''): Generator<string> {
  if (i === v.length) {
    yield prefix + f.texts[i]!;
    return;
  }
  for (const n of v[i]!) yield* product(f, v, i + 1, prefix + f.texts[i]! + n);
}

/** The node set's names in the order `nodeset -e` prints them; syntax errors throw NodesetError. */
export function expandNodeset(text: string): string[] {
  const names: string[] = [];
  for (const [part, at] of topLevelParts(text)) names.push(...expandPart(text, part, at));
  const out: string[] = [];
  for (const f of foldAll(names)) for (const v of f.vectors) out.push(...product(f, v));
  return out;
}

/** Splits at the commas outside brackets; an empty part is an error. */
function topLevelParts(text: string): Array<[string, number]> {
  const parts: Array<[string, number]> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '[') {
      if (depth) throw new NodesetError(text, i, 'a "[" inside brackets');
      depth++;
    } else if (c === ']') {
      if (!depth) throw new NodesetError(text, i, 'a "]" with no "[" before it');
      depth--;
    } else if (i === text.length || (c === ',' && depth === 0)) {
      if (depth) throw new NodesetError(text, text.lastIndexOf('['), 'this "[" is never closed with "]"');
      if (i === start) throw new NodesetError(text, i, 'an empty node name');
      parts.push([text.slice(start, i), start]);
      start = i + 1;
    }
  }
  return parts;
}

/** `dn[001-003,7]x[1-2]` → every combination, in no particular order. */
function expandPart(text: string, part: string, at: number): string[] {
  let names = [''];
  const re = /\[([^\]]*)\]/g;
  let last = 0;
  for (let m = re.exec(part); m; m = re.exec(part)) {
    const lit = part.slice(last, m.index);
    const nums = expandRanges(text, m[1]!, at + m.index + 1);
    if (names.length * nums.length > MAX_NAMES) throw new NodesetError(text, at + m.index, `more than ${MAX_NAMES} names`);
    names = names.flatMap((p) => nums.map((n) => p + lit + n));
    last = m.index + m[0].length;
  }
  const tail = part.slice(last);
  return names.map((p) => p + tail);
}

/** `001-004,010,1-9/2` → the digit strings. */
function expandRanges(text: string, body: string, at: number): string[] {
  const out: string[] = [];
  let pos = at;
  for (const item of body.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+)(?:\/([0-9]+))?)?$/.exec(item);
    if (!m) throw new NodesetError(text, pos, `"${item}" is not a number or a range like 1-4, 001-004 or 1-9/2`);
    const [, a, b, stepText] = m as unknown as [string, string, string | undefined, string | undefined];
    if (b === undefined) {
      out.push(a);
    } else {
      if ((padded(a) || padded(b)) && a.length !== b.length) throw new NodesetError(text, pos, `"${item}": the two ends are not padded to the same width`);
      const lo = BigInt(a);
      const hi = BigInt(b);
      const step = stepText === undefined ? 1n : BigInt(stepText);
      if (hi < lo) throw new NodesetError(text, pos, `"${item}": the range runs backwards`);
      if (step === 0n) throw new NodesetError(text, pos, `"${item}": the step is 0`);
      if ((hi - lo) / step >= BigInt(MAX_NAMES)) throw new NodesetError(text, pos, `"${item}": more than ${MAX_NAMES} names`);
      const width = padded(a) ? a.length : 0;
      for (let n = lo; n <= hi; n += step) out.push(n.toString().padStart(width, '0'));
    }
    pos += item.length + 1;
  }
  return out;
}
