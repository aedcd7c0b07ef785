import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic.js';

/**
 * Pause files: `<home>/<dc>/pause.json` stops the ops of one datacenter,
 * `<home>/pause.json` those of every datacenter. A person writes one with
 * `breakfix pause` and a loop that has run for weeks reads it at every pass,
 * so the one rule here is that doubt means paused: a file that cannot be read
 * or understood pauses, with an error saying how to fix it, and only an
 * `until` that has passed, or no file at all, lets ops run.
 */

export const PAUSE_FILE = 'pause.json';

export interface Pause {
  /** user@host of whoever paused. */
  by: string;
  reason: string;
  /** ISO 8601 with a zone. */
  since: string;
  /** ISO 8601 with a zone; null: until someone resumes. */
  until: string | null;
}

export interface PauseState {
  paused: boolean;
  /** The pause in force (the datacenter's before the one for all); null when none, or only an unreadable file pauses. */
  pause: Pause | null;
  /** The file that pauses: the pause's, else the first unreadable one. */
  file: string | null;
  /** Pauses whose `until` has passed: they no longer pause; the caller removes them and says so in the transcript. */
  expired: Array<{ file: string; pause: Pause }>;
  /** One line per file that pauses because it cannot be read or understood. */
  errors: string[];
}

export interface PauseFileText {
  file: string;
  /** null: there is no such file. */
  text: string | null;
  /** Why the file could not be read, when it exists but could not be. */
  readError?: string;
  /** true for `<home>/pause.json`, which `breakfix resume --all` removes. */
  all?: boolean;
}

// A zone is required: without one JavaScript reads the time in the local
// zone of whichever machine reads it, and a pause could end hours early.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const isTime = (v: unknown): v is string => typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The pause a file's text holds, or what is wrong with it. */
export function parsePause(text: string): Pause | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (!isText(o.by)) return { problem: '"by" is missing or empty (who paused, user@host)' };
  if (!isText(o.reason)) return { problem: '"reason" is missing or empty' };
  if (!isTime(o.since)) return { problem: `"since" is not an ISO 8601 time with a zone: ${JSON.stringify(o.since)}` };
  // A hand-written pause may leave `until` out; that reads as "until resumed", the cautious meaning.
  const until = o.until ?? null;
  if (until !== null && !isTime(until)) return { problem: `"until" is neither null nor an ISO 8601 time with a zone: ${JSON.stringify(until)}` };
  return { by: o.by, reason: o.reason, since: o.since, until };
}

/** Whether the files pause ops at `now` (pure). Files are given most specific first: the datacenter's, then the one for all. */
export function pauseDecision(files: ReadonlyArray<PauseFileText>, now: Date): PauseState {
  const active: Array<{ file: string; pause: Pause }> = [];
  const expired: Array<{ file: string; pause: Pause }> = [];
  const errors: string[] = [];
  let firstBad: string | null = null;
  for (const f of files) {
    let problem: string | null = f.readError ?? null;
    if (problem === null) {
      if (f.text === null) continue;
      const p = parsePause(f.text);
      if ('problem' in p) problem = p.problem;
      else if (p.until !== null && Date.parse(p.until) <= now.getTime()) expired.push({ file: f.file, pause: p });
      else active.push({ file: f.file, pause: p });
    }
    if (problem !== null) {
      const what = f.all ? 'every datacenter stays paused' : 'the datacenter stays paused';
      errors.push(`${f.file}: ${problem}; ${what}: fix or remove it with \`breakfix resume${f.all ? ' --all' : ''}\``);
      firstBad ??= f.file;
    }
  }
  const first = active[0] ?? null;
  return {
    paused: first !== null || errors.length > 0,
    pause: first?.pause ?? null,
    file: first?.file ?? firstBad,
    expired,
    errors,
  };
}

function readText(file: string): Pick<PauseFileText, 'text' | 'readError'> {
  try {
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { text: null };
    return { text: null, readError: `cannot be read (${err.code ?? err.message})` };
  }
}

/** Reads `<dcDir>/pause.json` and `<homeDir>/pause.json` and decides with pauseDecision. */
export function readPauseState(homeDir: string, dcDir: string, now: Date): PauseState {
  const dcFile = path.join(dcDir, PAUSE_FILE);
  const homeFile = path.join(homeDir, PAUSE_FILE);
  const files: PauseFileText[] = [{ file: dcFile, ...readText(dcFile) }];
  if (path.resolve(homeFile) !== path.resolve(dcFile)) files.push({ file: homeFile, ...readText(homeFile), all: true });
  return pauseDecision(files, now);
}

/** Writes a pause atomically; refuses one that readers would take for a corrupt file. */
export function writePause(file: string, p: Pause): void {
  const text = JSON.stringify({ by: p.by, reason: p.reason, since: p.since, until: p.until }, null, 2) + '\n';
  const check = parsePause(text);
  if ('problem' in check) throw new Error(`not writing ${file}: ${check.problem}`);
  writeFileAtomic(file, text);
}

/** Removes a pause file; false when there was none. */
export function removePause(file: string): boolean {
  try {
    fs.rmSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  // Make the removal durable: a resume undone by a crash would leave ops paused with nobody expecting it.
  fsyncDir(path.dirname(file));
  return true;
}

/** `paused by U since T: REASON (until T2)`, or `(until resumed)`. */
export function pauseLine(p: Pause): string {
  return `paused by ${p.by} since ${p.since}: ${p.reason} (${p.until === null ? 'until resumed' : `until ${p.until}`})`;
}
