/**
 * The one byte-order comparator. Every operator, every order check and every
 * writer uses it, so "sorted" means exactly what `LC_ALL=C sort` means.
 *
 * A plain loop beats Buffer#compare here: the native call costs more than the
 * few bytes a host-name comparison usually needs to look at.
 */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i]!;
    const y = b[bStart + i]!;
    if (x !== y) return x - y;
  }
  return la - lb;
}

/**
 * The same order as compareBytes, four bytes at a time: a big-endian word
 * compares exactly as its bytes do. For the hot loops, over DataViews that the
 * cursors keep for their buffers.
 */
export function compareWords(a: DataView, aStart: number, aEnd: number, b: DataView, bStart: number, bEnd: number): number {
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  const n = la < lb ? la : lb;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = a.getUint32(aStart + i);
    const y = b.getUint32(bStart + i);
    if (x !== y) return x < y ? -1 : 1;
  }
  for (; i < n; i++) {
    const x = a.getUint8(aStart + i);
    const y = b.getUint8(bStart + i);
    if (x !== y) return x - y;
  }
  return la - lb;
}

export function compareBuffers(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, 0, a.length, b, 0, b.length);
}

/** Byte-order comparison of JS strings, through their UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  return compareBuffers(Buffer.from(a), Buffer.from(b));
}

/** Sorts strings as `LC_ALL=C sort -u` would, dropping repeats. */
export function sortUniqueStrings(values: Iterable<string>): string[] {
  const bufs = [...new Set(values)].map((v) => Buffer.from(v));
  bufs.sort(compareBuffers);
  return bufs.map((b) => b.toString());
}
