/**
 * Collects output lines into large writes. Consecutive lines that already sit
 * next to each other in an input buffer are passed on as one span, without
 * copying them line by line; the caller flushes before that buffer changes.
 */
export type WriteFn = (buf: Buffer, start: number, end: number) => void;

export class LineOutput {
  private readonly out: Buffer;
  private pos = 0;
  private spanBuf: Uint8Array | null = null;
  private spanStart = 0;
  private spanEnd = 0;
  /** Lines written so far. */
  count = 0;

  constructor(
    private readonly writeFn: WriteFn,
    size = 1 << 16,
  ) {
    this.out = Buffer.allocUnsafe(size);
  }

  /**
   * A line `buf[start, end)` whose newline is at `buf[end]`. Pass a plain
   * Uint8Array view (not a Buffer): its subarrays are cheaper to make.
   */
  spanLine(buf: Uint8Array, start: number, end: number): void {
    this.count++;
    if (this.spanBuf === buf && this.spanEnd === start) {
      this.spanEnd = end + 1;
      return;
    }
    this.flushSpan();
    this.spanBuf = buf;
    this.spanStart = start;
    this.spanEnd = end + 1;
  }

  /** A line `buf[start, end)` to be written with a newline added. */
  line(buf: Uint8Array, start: number, end: number): void {
    this.count++;
    this.flushSpan();
    this.put(buf, start, end);
    this.byte(10);
  }

  /** Raw bytes, no newline added. */
  put(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.out.length) this.drain();
    if (n > this.out.length) {
      this.writeFn(Buffer.from(buf.buffer, buf.byteOffset + start, n), 0, n);
      return;
    }
    this.out.set(buf.subarray(start, end), this.pos);
    this.pos += n;
  }

  text(s: string): void {
    this.flushSpan();
    const b = Buffer.from(s);
    this.put(b, 0, b.length);
  }

  byte(b: number): void {
    if (this.pos >= this.out.length) this.drain();
    this.out[this.pos++] = b;
  }

  /** Moves a pending span out of its input buffer. Call before that buffer changes. */
  flushSpan(): void {
    const buf = this.spanBuf;
    if (buf === null) return;
    this.spanBuf = null;
    const n = this.spanEnd - this.spanStart;
    if (n > this.out.length - this.pos) {
      this.drain();
      if (n > this.out.length) {
        this.writeFn(Buffer.from(buf.buffer, buf.byteOffset, buf.length), this.spanStart, this.spanEnd);
        return;
      }
    }
    // Buffer#copy costs more than a short loop for the few-line spans that
    // interleaved results make; long spans go through the native copy.
    const out = this.out;
    out.set(buf.subarray(this.spanStart, this.spanEnd), this.pos);
    this.pos += n;
  }

  private drain(): void {
    if (this.pos > 0) this.writeFn(this.out, 0, this.pos);
    this.pos = 0;
  }

  /** Bytes that already are whole lines, written as they stand after anything pending. */
  writeThrough(buf: Buffer, start: number, end: number): void {
    this.flush();
    if (end > start) this.writeFn(buf, start, end);
  }

  /** Writes out everything pending. */
  flush(): void {
    this.flushSpan();
    this.drain();
  }
}
