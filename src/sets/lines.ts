import { compareWords } from './compare.js';
import { ByteOrderMarkError, NotSortedError } from './errors.js';

/**
 * Where bytes come from. The engine does no I/O of its own: the caller hands in
 * something that fills a buffer (a file descriptor, a child's stdout, memory).
 * `read` returns 0 at the end.
 */
export interface ByteSource {
  readonly label: string;
  read(buf: Buffer, offset: number, length: number): number;
  close(): void;
}

/** A source over bytes already in memory (tests, small tables, stdin captured). */
export function memorySource(label: string, data: Uint8Array): ByteSource {
  let pos = 0;
  return {
    label,
    read(buf, offset, length) {
      const n = Math.min(length, data.length - pos);
      buf.set(data.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    close() {},
  };
}

const INITIAL = 1 << 16;

/**
 * A cursor over the lines of one sorted input. The current line is
 * `buf[start, end)` without its newline. Lines are bytes: nothing is decoded.
 * Every advance checks the new line against the previous one (the whole line,
 * or with `keyed` only the part before the first tab, as join does), so the
 * first line out of order or repeated stops everything with its file and line.
 * A last line without its newline counts as if it had one.
 */
export class LineCursor {
  buf: Buffer;
  /** A view of `buf` for word-at-a-time comparison. */
  dv: DataView;
  /** `buf` as a plain Uint8Array, for output spans. */
  u8: Uint8Array;
  start = 0;
  end = 0;
  /** 1-based number of the current line. */
  lineNo = 0;
  done = false;
  /** Called before bytes move inside `buf`, so a reader of earlier lines can finish with them. */
  beforeMove: (() => void) | null = null;

  private len = 0;
  private eof = false;
  private prevStart = -1;
  private prevEnd = -1;
  private keyEnd = 0;
  private prevKeyEnd = -1;

  /**
   * @param keyed compare only the key (the text before the first tab), as for tables
   * @param header the first line is a header: it is not part of the order
   */
  constructor(
    readonly source: ByteSource,
    readonly keyed = false,
    readonly header = false,
    initialSize = INITIAL,
  ) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.u8 = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  get label(): string {
    return this.source.label;
  }

  /** End of the key: the first tab, or the end of the line. */
  get keyStop(): number {
    return this.keyEnd;
  }

  /** Moves to the next line; false at the end of the input. */
  next(): boolean {
    if (this.done) return false;
    let lineStart: number;
    if (this.lineNo === 0) {
      lineStart = 0;
      this.prevStart = -1;
    } else if (this.lineNo === 1 && this.header) {
      lineStart = this.end + 1;
      this.prevStart = -1;
    } else {
      this.prevStart = this.start;
      this.prevEnd = this.end;
      this.prevKeyEnd = this.keyEnd;
      lineStart = this.end + 1;
    }
    let scanFrom = lineStart;
    for (;;) {
      const nl = scanFrom < this.len ? this.buf.indexOf(10, scanFrom) : -1;
      if (nl >= 0 && nl < this.len) {
        this.start = lineStart;
        this.end = nl;
        break;
      }
      if (this.eof) {
        if (lineStart < this.len) {
          // A last line without its newline: give it one, so output spans stay whole.
          this.ensureRoom(1);
          this.buf[this.len] = 10;
          this.start = lineStart;
          this.end = this.len;
          this.len += 1;
          break;
        }
        this.done = true;
        this.source.close();
        return false;
      }
      const shift = this.refill(lineStart);
      lineStart -= shift;
      // Bytes up to the old end held no newline: scan only what was just read.
      scanFrom = this.scanResume;
    }
    this.lineNo++;
    if (this.lineNo === 1 && this.startsWithBom()) throw new ByteOrderMarkError(this.source.label);
    this.keyEnd = this.end;
    if (this.keyed) {
      const tab = this.buf.indexOf(9, this.start);
      if (tab >= 0 && tab < this.end) this.keyEnd = tab;
    }
    if (this.prevStart >= 0) {
      const ke = this.keyed ? this.keyEnd : this.end;
      const pke = this.keyed ? this.prevKeyEnd : this.prevEnd;
      const c = compareWords(this.dv, this.prevStart, pke, this.dv, this.start, ke);
      if (c >= 0) {
        throw new NotSortedError(
          this.source.label,
          this.lineNo,
          this.buf.subarray(this.prevStart, this.prevEnd),
          c === 0,
        );
      }
    }
    return true;
  }

  /** The current line starts with EF BB BF, a UTF-8 byte-order mark. */
  private startsWithBom(): boolean {
    const b = this.buf;
    const s = this.start;
    return this.end - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf;
  }

  private scanResume = 0;

  /**
   * Keeps the previous line (for the order check) and the partial current one,
   * moves them to the front, and reads more. Returns how far bytes moved.
   */
  private refill(lineStart: number): number {
    this.beforeMove?.();
    const keep = this.prevStart >= 0 ? this.prevStart : lineStart;
    const scanned = this.len; // everything before len was scanned without a newline
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.len);
      this.len -= keep;
      if (this.prevStart >= 0) {
        this.prevStart -= keep;
        this.prevEnd -= keep;
        this.prevKeyEnd -= keep;
      }
      this.start -= keep;
      this.end -= keep;
    }
    this.scanResume = scanned - keep;
    if (this.len === this.buf.length) this.grow();
    const n = this.source.read(this.buf, this.len, this.buf.length - this.len);
    if (n === 0) this.eof = true;
    this.len += n;
    // A newline just past the data stops the search for the next line there,
    // instead of running through the unused rest of a grown buffer on every short read.
    if (this.len < this.buf.length) this.buf[this.len] = 10;
    return keep;
  }

  private ensureRoom(extra: number): void {
    if (this.len + extra > this.buf.length) this.grow();
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    this.u8 = new Uint8Array(bigger.buffer, bigger.byteOffset, bigger.length);
  }
}
