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
