import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBuffers, compareBytes, compareStrings, compareWords, sortUniqueStrings } from '../../src/sets/compare.js';

const sign = (n: number) => Math.sign(n);
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
// Few distinct bytes make long common prefixes likely; 0x00, 0x7f, 0x80 and 0xff sit at the edges of signedness.
const byte = fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xc3, 0xfe, 0xff);
const bytes = fc.array(byte, { maxLength: 24 }).map((a) => Uint8Array.from(a));

describe('compareBytes and compareWords', () => {
  it('agree with Buffer.compare on whole arrays', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        const want = Buffer.compare(Buffer.from(a), Buffer.from(b));
        expect(sign(compareBuffers(a, b))).toBe(want);
        expect(sign(compareWords(view(a), 0, a.length, view(b), 0, b.length))).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('agree with Buffer.compare on ranges at any offset', () => {
    const withRange = bytes.chain((a) =>
      fc.tuple(fc.constant(a), fc.nat(a.length)).chain(([arr, s]) => fc.tuple(fc.constant(arr), fc.constant(s), fc.integer({ min: s, max: arr.length }))),
    );
    fc.assert(
      fc.property(withRange, withRange, ([a, as, ae], [b, bs, be]) => {
        const want = Buffer.compare(Buffer.from(a.subarray(as, ae)), Buffer.from(b.subarray(bs, be)));
        expect(sign(compareBytes(a, as, ae, b, bs, be))).toBe(want);
        expect(sign(compareWords(view(a), as, ae, view(b), bs, be))).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('put a prefix first and high bytes after low ones', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    expect(compareBuffers(b('ab'), b('abc'))).toBeLessThan(0);
    expect(compareBuffers(b('a\xff'), b('b'))).toBeLessThan(0);
    expect(compareBuffers(b('\x7f'), b('\x80'))).toBeLessThan(0);
    expect(compareBuffers(b('B'), b('a'))).toBeLessThan(0);
    expect(compareBuffers(b('abcd\x80'), b('abcd\x7f'))).toBeGreaterThan(0);
    expect(compareWords(view(b('abcd\x80xyz')), 0, 8, view(b('abcd\x7fxyz')), 0, 8)).toBeGreaterThan(0);
    expect(compareWords(view(b('\xff\x00\x00\x00')), 0, 4, view(b('\x00\xff\xff\xff')), 0, 4)).toBeGreaterThan(0);
  });
});

describe('strings in byte order', () => {
  it('compares strings by their UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E is one UTF-16 unit above U+D83D, but its UTF-8 bytes (EF ..) sort before F0 (an emoji).
    expect(compareStrings('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
  });

  it('sorts and dedupes as LC_ALL=C sort -u', () => {
    expect(sortUniqueStrings(['b', 'a', 'B', 'a', 'é', 'e', '\u{1f600}', '\uff5e'])).toEqual(['B', 'a', 'b', 'e', 'é', '\uff5e', '\u{1f600}']);
  });
});
