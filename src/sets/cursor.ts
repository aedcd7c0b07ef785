import { LineCursor } from './lines.js';

/**
 * What the merge reads from: the current line is `buf[start, end)`.
 * `whole` says the byte at `buf[end]` is that line's newline, so the line can
 * be passed on as it stands; otherwise the output adds a newline.
 */
export interface Cursor {
  readonly buf: Buffer;
  /** A view of `buf`, for compareWords. */
  readonly dv: DataView;
  /** `buf` as a plain Uint8Array. */
  readonly u8: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly done: boolean;
  readonly whole: boolean;
  readonly label: string;
  beforeMove: (() => void) | null;
  next(): boolean;
}

/** A group or any file of sorted, unique lines. */
export class PlainCursor extends LineCursor implements Cursor {
  readonly whole = true;
}

export class TableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableError';
  }
}

export type RowTest = (field: Uint8Array) => boolean;

/**
 * The keys of a table's rows whose column passes a test: `inventory[cluster=dw1]`.
 * The header names the columns; rows must be sorted and unique by key.
 */
export class SelectCursor implements Cursor {
  readonly whole = false;
  private column = -1;
  start = 0;
  end = 0;
  done = false;

  constructor(
    private readonly rows: LineCursor,
    private readonly columnName: string,
    private readonly test: RowTest,
  ) {}

  get buf(): Buffer {
    return this.rows.buf;
  }
  get dv(): DataView {
    return this.rows.dv;
  }
  get u8(): Uint8Array {
    return this.rows.u8;
  }
  get label(): string {
    return this.rows.label;
  }
  get beforeMove(): (() => void) | null {
    return this.rows.beforeMove;
  }
  set beforeMove(fn: (() => void) | null) {
    this.rows.beforeMove = fn;
  }

  next(): boolean {
    const rows = this.rows;
    if (this.column < 0) {
      if (!rows.next()) throw new TableError(`${rows.label}: the table is empty; it needs a header line naming its columns`);
      const header = rows.buf.subarray(rows.start, rows.end).toString('utf8').split('\t');
      this.column = header.indexOf(this.columnName);
      if (this.column < 0) {
        throw new TableError(`${rows.label}: no column "${this.columnName}"; its columns are: ${header.join(', ')}`);
      }
    }
    while (rows.next()) {
      const buf = rows.buf;
      let fs = rows.start;
      for (let i = 0; i < this.column && fs <= rows.end; i++) {
        const tab = buf.indexOf(9, fs);
        fs = tab >= 0 && tab < rows.end ? tab + 1 : rows.end + 1;
      }
      let fe = fs;
      if (fs > rows.end) {
        fs = fe = rows.end; // a short row: the field is empty
      } else {
        const tab = buf.indexOf(9, fs);
        fe = tab >= 0 && tab < rows.end ? tab : rows.end;
      }
      if (this.test(buf.subarray(fs, fe))) {
        this.start = rows.start;
        this.end = rows.keyStop;
        return true;
      }
    }
    this.done = true;
    return false;
  }
}

/** Builds the test of a selector: `=` and `!=` compare bytes, `~` matches a regular expression on the text. */
export function rowTest(test: '=' | '!=' | '~', value: string): RowTest {
  if (test === '~') {
    const re = new RegExp(value);
    return (field) => re.test(Buffer.from(field.buffer, field.byteOffset, field.length).toString('utf8'));
  }
  const want = Buffer.from(value);
  const eq = (field: Uint8Array) => field.length === want.length && want.equals(field);
  return test === '=' ? eq : (field) => !eq(field);
}
