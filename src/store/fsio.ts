import path from 'node:path';
import fs from 'node:fs';
import type { ByteSource } from '../sets/lines.js';
import type { WriteFn } from '../sets/output.js';

/** Raised when the reader of our output went away (`| head`): not a failure. */
export class BrokenPipe extends Error {
  constructor() {
    super('broken pipe');
    this.name = 'BrokenPipe';
  }
}

export class MissingInputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingInputError';
  }
}

/**
 * A path operand whose name is not valid UTF-8: Node decoded its bytes from
 * argv with U+FFFD in place of each bad one, and cannot get them back, so the
 * file it would open is not the one named.
 */
export class NameNotUtf8Error extends Error {
  constructor(readonly path: string) {
    super(
      `${path}: the name is not valid UTF-8 (Node cannot open it by its bytes); ` +
        'rename it or pass it on stdin: breakfix q /dev/stdin < FILE',
    );
    this.name = 'NameNotUtf8Error';
  }
}

/** Writing our standard output failed for a reason other than a closed pipe (a full disk, a quota). */
export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EBADF: 'not open for writing',
};

const pause = new Int32Array(new SharedArrayBuffer(4));
/** A non-blocking descriptor said "try again": wait a moment without spinning. */
function waitBriefly(): void {
  Atomics.wait(pause, 0, 0, 2);
}

/** Opens a file for the set engine; `label` is what errors call it. */
export function fileSource(path: string, label = path): ByteSource {
  if (path.includes('\uFFFD')) throw new NameNotUtf8Error(label);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A socket cannot be opened by name; a parent that hands stdin over as one
    // (Node's child_process does) still means "read what I send".
    if (err.code === 'ENXIO' && (path === '/dev/stdin' || path === '/dev/fd/0')) return fdSource(0, label);
    if (err.code === 'ENOENT') throw new MissingInputError(path, `${label}: no such file`);
    if (err.code === 'EACCES') throw new MissingInputError(path, `${label}: permission denied`);
    throw new MissingInputError(path, `${label}: cannot open: ${err.message}`);
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new MissingInputError(path, `${label}: is a directory, not a file of hosts`);
  }
  return fdSource(fd, label);
}

function fdSource(fd: number, label: string): ByteSource {
  let open = true;
  return {
    label,
    read(buf, offset, length) {
      for (;;) {
        try {
          return fs.readSync(fd, buf, offset, length, null);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') waitBriefly();
          else if (code === 'EOF') return 0;
          else throw new Error(`${label}: read failed: ${(e as Error).message}`);
        }
      }
    },
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/**
 * Writes to a descriptor synchronously, riding out EAGAIN; EPIPE becomes
 * BrokenPipe, and any other failure on standard output an OutputWriteError
 * that names it.
 */
export function fdWriter(fd: number): WriteFn {
  return (buf, start, end) => {
    let off = start;
    while (off < end) {
      try {
        off += fs.writeSync(fd, buf, off, end - off);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN') waitBriefly();
        else if (err.code === 'EPIPE') throw new BrokenPipe();
        else if (fd === 1) {
          const what = (err.code && WRITE_ERRORS[err.code]) ?? err.message;
          throw new OutputWriteError(`standard output: ${what}${err.code ? ` (${err.code})` : ''}`);
        } else throw e;
      }
    }
  };
}

/** Writes text to stdout synchronously (so output and exit codes never race). */
export function writeOut(text: string): void {
  const b = Buffer.from(text);
  fdWriter(1)(b, 0, b.length);
}

export function writeErr(text: string): void {
  const b = Buffer.from(text);
  try {
    fdWriter(2)(b, 0, b.length);
  } catch {
    // nowhere left to report to
  }
}

/** A path as a person reads it: relative to `cwd` when it lies below it, absolute otherwise. */
export function displayPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
