import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The policy directory's history, read from git: who last changed each line
 * (`git blame --porcelain`, once per file) and the policy files as they were
 * at a revision (`git show REV:path`). Every git is run with an argument
 * array in the directory itself; nothing is written.
 */

/** The commit that last changed a line. */
export interface LineCommit {
  /** The full hash; forty zeros for a line not committed yet. */
  commit: string;
  short: string;
  author: string;
  /** The commit's time, ISO 8601 UTC. */
  time: string;
  /** YYYY-MM-DD (UTC) of the commit. */
  date: string;
  /** The first line of its message: why the line changed, when the convention is kept. */
  subject: string;
  committed: boolean;
}

export const UNCOMMITTED = '0'.repeat(40);

/**
 * Reads `git blame --porcelain`: each line's entry starts with
 * `<hash> <orig> <final> [<count>]`, the commit's headers follow only the
 * first time a commit appears, and the line's text (after a TAB) ends the
 * entry. Returns the commit of each final line, 1-based (index 0 unused).
 */
export function parseBlamePorcelain(text: string): Array<LineCommit | undefined> {
  type Info = { author: string; time: number; tz: string; subject: string };
  const infos = new Map<string, Info>();
  const byLine: Array<LineCommit | undefined> = [];
  let hash: string | null = null;
  let final = 0;
  for (const raw of text.split('\n')) {
    if (hash === null) {
      const m = /^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$/.exec(raw);
      if (!m) continue;
      hash = m[1]!;
      final = Number(m[2]);
      if (!infos.has(hash)) infos.set(hash, { author: '', time: 0, tz: '+0000', subject: '' });
      continue;
    }
    if (raw.startsWith('\t')) {
      const i = infos.get(hash)!;
      const committed = hash !== UNCOMMITTED;
      const when = new Date(i.time * 1000);
      byLine[final] = {
        commit: hash,
        short: committed ? hash.slice(0, 7) : 'uncommitted',
        author: committed ? i.author : 'not committed yet',
        time: when.toISOString(),
        date: when.toISOString().slice(0, 10),
        subject: committed ? i.subject : 'changed in the work tree, not committed',
        committed,
      };
      hash = null;
      continue;
    }
    const sp = raw.indexOf(' ');
    const key = sp < 0 ? raw : raw.slice(0, sp);
    const value = sp < 0 ? '' : raw.slice(sp + 1);
    const i = infos.get(hash)!;
    if (key === 'author') i.author = value;
    else if (key === 'committer-time') i.time = Number(value);
    else if (key === 'author-time' && i.time === 0) i.time = Number(value);
    else if (key === 'summary') i.subject = value;
  }
  return byLine;
}

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

function git(cwd: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new GitError(code === 'ENOENT' ? 'git is not installed (no git on PATH)' : `git ${args[0]}: ${r.error.message}`);
  }
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

/** The top of the git work tree holding `dir`, or null outside one (or without git). */
export function workTreeTop(dir: string): string | null {
  let r;
  try {
    r = git(dir, ['rev-parse', '--show-toplevel']);
  } catch {
    return null;
  }
  if (r.code !== 0) return null;
  const top = r.out.trim();
  return top && fs.existsSync(top) ? top : null;
}

/**
 * What changed each line of `file` last, or why that cannot be said: a file
 * git does not track has no history yet.
 */
export function blameFile(file: string): { lines: Array<LineCommit | undefined> } | { error: string } {
  const r = git(path.dirname(file), ['blame', '--porcelain', '--', path.basename(file)]);
  if (r.code !== 0) {
    const first = r.err.trim().split('\n')[0] ?? '';
    return { error: /no such path|not tracked|no such ref|bad revision|does not have any commits/i.test(r.err) ? `${path.basename(file)} is not committed yet` : first || `git blame exited ${r.code}` };
  }
  return { lines: parseBlamePorcelain(r.out) };
}

/** The full hash `rev` names in the work tree at `top`; null when it names no commit. */
export function resolveRevision(top: string, rev: string): string | null {
  if (rev.startsWith('-')) return null;
  const r = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return r.code === 0 ? r.out.trim() : null;
}

/** A file's text at a commit (`rel` from the top of the work tree), or null when the commit has no such file. */
export function fileAt(top: string, commit: string, rel: string): string | null {
  const r = git(top, ['show', `${commit}:${rel.split(path.sep).join('/')}`]);
  return r.code === 0 ? r.out : null;
}
