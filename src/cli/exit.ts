import { ConfigError } from '../config/errors.js';
import { TableError } from '../sets/cursor.js';
import { ExpressionError, NotSortedError } from '../sets/errors.js';
import { BrokenPipe, MissingInputError, writeErr } from '../store/fsio.js';
import { GroupWriteError } from '../store/group.js';
import { DayError } from '../store/layout.js';
import { UsageError } from './context.js';
import { UnknownNameError } from './operands.js';
import { RecipeError } from '../policy/recipes.js';
import { LockHeldError } from '../store/lock.js';

/** Thrown by a command that has already said what went wrong. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/**
 * The one place errors become exit codes: 0 done (a closed pipe is done),
 * 1 failure, 2 usage, 3 refused by a safety invariant or a failed source.
 */
export function exitCodeOf(e: unknown, trace = false): number {
  const say = (msg: string) => writeErr(`breakfix: ${msg}\n`);
  if (e instanceof BrokenPipe) return 0;
  if (e instanceof ExitError) {
    if (e.message) say(e.message);
    return e.code;
  }
  if (e instanceof NotSortedError) {
    say(e.message);
    writeErr(`  hint: ${e.hint}\n`);
    return 1;
  }
  if (e instanceof ExpressionError) {
    say(e.message);
    return 2;
  }
  if (e instanceof UsageError || e instanceof DayError) {
    say(e.message);
    return 2;
  }
  if (
    e instanceof MissingInputError ||
    e instanceof UnknownNameError ||
    e instanceof ConfigError ||
    e instanceof TableError ||
    e instanceof GroupWriteError ||
    e instanceof RecipeError ||
    e instanceof LockHeldError
  ) {
    say(e.message);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EPIPE') return 0;
  if (err?.code === 'EROFS' || err?.code === 'ENOSPC' || err?.code === 'EACCES') {
    say(`${err.message} (nothing was half-written: each file is the old one or the new one)`);
    return 1;
  }
  say(trace && err?.stack ? err.stack : `${err?.message ?? String(e)} (run with --trace for details)`);
  return 1;
}
