import os from 'node:os';
import { shellCommand } from '../actions/quote.js';
import { writeOut } from '../store/fsio.js';
import { appendTranscript } from '../store/transcript.js';
import type { Deps } from './context.js';

/** user@host: who ran a command, as the transcript and pause.json record it. */
export function whoAmI(env: NodeJS.ProcessEnv): string {
  let user = env.SUDO_USER || env.USER || env.LOGNAME || '';
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}

/** The first word of a command's header line in transcript.log; `passBlock` ends a pass's lines there. */
export const COMMAND_MARK = '$ breakfix';

/**
 * The header of a command in the transcript: the command line quoted as a
 * shell would take it back, then who ran it and from where, so
 * `$ breakfix --config ./b.yaml pass --apply  # oncall@bastion1 in /home/oncall`
 * can be read, and run again from that directory.
 */
export function commandHeader(argv: readonly string[], who: string, cwd: string): string {
  return `${COMMAND_MARK}${argv.length ? ` ${shellCommand(argv)}` : ''}  # ${who} in ${cwd}`;
}

function headerLine(deps: Deps): string {
  return `${commandHeader(deps.argv ?? [], whoAmI(deps.env), deps.cwd)}\n`;
}

/**
 * The header alone, for a command whose lines are recorded elsewhere: the
 * loop writes each pass's lines itself, and says here who started it.
 */
export function transcribeStart(dayDir: string, deps: Deps): void {
  try {
    appendTranscript(dayDir, headerLine(deps), deps.now());
  } catch {
    // the loop reports a day directory it cannot write to itself
  }
}

export interface Transcriber {
  /** Prints to standard output and appends to the transcript(s). */
  say: (text: string) => void;
  /** Appends to the transcript(s) only: what a terminal got as a progress bar instead. */
  note: (text: string) => void;
}

/**
 * Runs a command that plans or changes something with its lines recorded in
 * the transcript of each day directory in `dayDirs` (the day it acts in;
 * several for `pause --all`): a header naming the command line, the user and
 * the host, every line it prints, and how it ended. Like the loop's, the
 * transcript never stops the command: a line that cannot be appended is lost
 * from the transcript alone.
 */
export async function transcribed(dayDirs: readonly string[], deps: Deps, act: (r: Transcriber) => Promise<number> | number): Promise<number> {
  const now = deps.now;
  const note = (text: string) => {
    for (const d of dayDirs) {
      try {
        appendTranscript(d, text, now());
      } catch {
        // the act counts, not its record
      }
    }
  };
  const say = (text: string) => {
    writeOut(text);
    note(text);
  };
  note(headerLine(deps));
  try {
    const code = await act({ say, note });
    note(`exit ${code}\n`);
    return code;
  } catch (e) {
    const err = e as Error & { code?: unknown };
    note(`failed: ${(err?.message ?? String(e)).split('\n')[0]}\n`);
    throw e;
  }
}
