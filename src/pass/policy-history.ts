import fs from 'node:fs';
import path from 'node:path';
import { yamlLineRanges } from '../config/yamlsrc.js';
import { blameFile, workTreeTop, type LineCommit } from './policy-git.js';

/** Where one number or rule of the policy comes from, and the commit that last changed it. */
export interface Provenance {
  /** What it is, as the output shows it: `pct 6`, `rule 4`. */
  what: string;
  /** The file, relative to the policy directory, and its lines. */
  file: string;
  line: number;
  lastLine: number;
  /** The latest commit among its lines; null when git cannot say (the reason is in `note`). */
  commit: LineCommit | null;
  note: string | null;
}

/** A number or rule to look up: what to call it and its dotted path in the file. */
export interface Wanted {
  what: string;
  file: string;
  at: string;
}

/**
 * The history of a policy directory in a git work tree: each file's lines by
 * dotted path, and `git blame` of each file, run once per file.
 */
export class PolicyHistory {
  private readonly ranges = new Map<string, Map<string, [number, number]>>();
  private readonly blames = new Map<string, { lines: Array<LineCommit | undefined> } | { error: string }>();

  private constructor(
    readonly dir: string,
    readonly top: string,
  ) {}

  /** Null outside a git work tree. */
  static open(dir: string): PolicyHistory | null {
    const top = workTreeTop(dir);
    return top ? new PolicyHistory(dir, top) : null;
  }

  private rangesOf(file: string): Map<string, [number, number]> {
    let r = this.ranges.get(file);
    if (!r) {
      const full = path.join(this.dir, file);
      r = fs.existsSync(full) ? yamlLineRanges(fs.readFileSync(full, 'utf8')) : new Map();
      this.ranges.set(file, r);
    }
    return r;
  }

  private blameOf(file: string) {
    let b = this.blames.get(file);
    if (!b) {
      b = blameFile(path.join(this.dir, file));
      this.blames.set(file, b);
    }
    return b;
  }

  /** Null when the path is not in the file: a default, not a line anyone wrote. */
  find(w: Wanted): Provenance | null {
    const range = this.rangesOf(w.file).get(w.at);
    if (!range) return null;
    const [line, lastLine] = range;
    const b = this.blameOf(w.file);
    if ('error' in b) return { what: w.what, file: w.file, line, lastLine, commit: null, note: b.error };
    let latest: LineCommit | null = null;
    for (let l = line; l <= lastLine; l++) {
      const c = b.lines[l];
      if (!c) continue;
      // A line changed in the work tree is newer than any commit.
      if (!latest || (!c.committed && latest.committed) || (c.committed === latest.committed && c.time > latest.time)) latest = c;
    }
    return { what: w.what, file: w.file, line, lastLine, commit: latest, note: latest ? null : 'no blame for these lines' };
  }

  /** Each wanted number found, those sharing lines (`{ pct: 6, floor: 1 }` on one line) together. */
  findAll(wanted: readonly Wanted[]): Provenance[] {
    const out: Provenance[] = [];
    for (const w of wanted) {
      const p = this.find(w);
      if (!p) continue;
      const same = out.find((o) => o.file === p.file && o.line === p.line && o.lastLine === p.lastLine);
      if (same) same.what += `, ${p.what}`;
      else out.push(p);
    }
    return out;
  }
}

/** `policy.yaml:11  3f2a1bc 2026-11-20 Alice Smith: raise dense drain pct 6 → 8: INC-1234` */
export function formatProvenance(p: Provenance): string {
  const where = p.line === p.lastLine ? `${p.file}:${p.line}` : `${p.file}:${p.line}-${p.lastLine}`;
  if (!p.commit) return `${p.what}  ${where}  (${p.note})`;
  const c = p.commit;
  return c.committed ? `${p.what}  ${where}  ${c.short} ${c.date} ${c.author}: ${c.subject}` : `${p.what}  ${where}  not committed yet (changed in the work tree)`;
}

/** The JSON of a provenance: where, and the commit's short hash, date, author and subject. */
export function provenanceJson(p: Provenance): Record<string, unknown> {
  return {
    what: p.what,
    file: p.file,
    line: p.line,
    last_line: p.lastLine,
    commit: p.commit ? (p.commit.committed ? p.commit.commit : null) : null,
    short: p.commit?.committed ? p.commit.short : null,
    date: p.commit?.committed ? p.commit.date : null,
    author: p.commit?.committed ? p.commit.author : null,
    subject: p.commit?.committed ? p.commit.subject : null,
    committed: p.commit?.committed ?? false,
    note: p.commit ? (p.commit.committed ? null : 'not committed yet') : p.note,
  };
}
