import { writeErr } from '../store/fsio.js';

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
 * Errors that carry a message a person can act on, by name, with their exit
 * code. Matching the name rather than the class keeps this map valid for the
 * commands that live in the second bundle (dist/ops.cjs), which has its own
 * copies of the classes.
 */
const KNOWN: Record<string, number> = {
  ExpressionError: 2,
  UsageError: 2,
  DayError: 2,
  MissingInputError: 1,
  UnknownNameError: 1,
  ConfigError: 1,
  TableError: 1,
  GroupWriteError: 1,
  RecipeError: 1,
  LockHeldError: 1,
  SourceError: 1,
  AdapterError: 1,
  TableUnionError: 1,
  NameNotUtf8Error: 2,
  OutputWriteError: 1,
  ByteOrderMarkError: 1,
  HistoryError: 1,
  GitError: 1,
};

/**
 * The one place errors become exit codes: 0 done (a closed pipe is done),
 * 1 failure, 2 usage, 3 refused by a safety invariant or a failed source.
 */
export function exitCodeOf(e: unknown, trace = false): number {
  const say = (msg: string) => writeErr(`breakfix: ${msg}\n`);
  const err = e as (NodeJS.ErrnoException & { hint?: string; exitCode?: number }) | null;
  const name = err?.name ?? '';
  if (name === 'BrokenPipe' || err?.code === 'EPIPE') return 0;
  if (name === 'ExitError') {
    if (err!.message) say(err!.message);
    return (e as ExitError).code;
  }
  if (name === 'NotSortedError') {
    say(err!.message);
    writeErr(`  hint: ${err!.hint}\n`);
    return 1;
  }
  if (name in KNOWN) {
    say(err!.message);
    return KNOWN[name]!;
  }
  if (err?.code === 'EROFS' || err?.code === 'ENOSPC' || err?.code === 'EACCES') {
    say(`${err.message} (nothing was half-written: each file is the old one or the new one)`);
    return 1;
  }
  say(trace && err?.stack ? err.stack : `${err?.message ?? String(e)} (run with --trace for details)`);
  return 1;
}
