/** Errors raised by the set engine; the CLI maps them to exit codes. */

/** Shows a line in an error message: printable, bounded, quotes escaped. */
export function showLine(bytes: Uint8Array): string {
  const max = 200;
  const text = Buffer.from(bytes.subarray(0, max)).toString('utf8');
  const escaped = JSON.stringify(text).slice(1, -1);
  return bytes.length > max ? `${escaped}...` : escaped;
}

export class NotSortedError extends Error {
  readonly file: string;
  readonly line: number;
  readonly previous: string;
  readonly repeated: boolean;
  constructor(file: string, line: number, previous: Uint8Array, repeated: boolean) {
    const prev = showLine(previous);
    super(`${file}:${line}: not sorted after "${prev}"`);
    this.name = 'NotSortedError';
    this.file = file;
    this.line = line;
    this.previous = prev;
    this.repeated = repeated;
  }
  get hint(): string {
    const what = this.repeated ? 'the line repeats the one before it' : 'the line sorts before the one above it';
    return `${what}; sets need sorted, unique lines: LC_ALL=C sort -u ${this.file} -o ${this.file}`;
  }
}

/**
 * An input that starts with a UTF-8 byte-order mark: its first line would
 * compare as bytes EF BB BF + the host, and fail the order check or match nothing.
 */
export class ByteOrderMarkError extends Error {
  constructor(readonly file: string) {
    super(`${file}:1: starts with a UTF-8 byte-order mark (EF BB BF); strip it: sed -i '1s/^\\xEF\\xBB\\xBF//' ${file}`);
    this.name = 'ByteOrderMarkError';
  }
}

/** A parse error that knows where in the expression it happened. */
export class ExpressionError extends Error {
  readonly expression: string;
  readonly position: number;
  readonly reason: string;
  constructor(expression: string, position: number, reason: string) {
    super(`${reason}\n  ${expression}\n  ${' '.repeat(Math.max(0, position))}^`);
    this.name = 'ExpressionError';
    this.expression = expression;
    this.position = position;
    this.reason = reason;
  }
}
