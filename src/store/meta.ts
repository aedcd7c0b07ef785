import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

export type MetaKind = 'source' | 'recipe' | 'plan' | 'exec' | 'table';

/** Provenance of a group or table: `.meta/<name>.json` beside it. */
export interface Meta {
  kind: MetaKind;
  /** The source that wrote it (kind source/exec). */
  source?: string;
  /** The expression that made it (kind recipe). */
  expression?: string;
  inputs: string[];
  pass?: number | null;
  time: string;
  count: number;
  sha256: string;
  volatile?: boolean;
}

export function metaPath(dir: string, name: string): string {
  return path.join(dir, '.meta', `${name}.json`);
}

export function writeMeta(dir: string, name: string, meta: Meta, syncDir = true): void {
  writeFileAtomic(metaPath(dir, name), JSON.stringify(meta, null, 2) + '\n', syncDir);
}

/** The meta of a file, or null when there is none or it cannot be read. */
export function readMeta(dir: string, name: string): Meta | null {
  try {
    return JSON.parse(fs.readFileSync(metaPath(dir, name), 'utf8')) as Meta;
  } catch {
    return null;
  }
}

/**
 * Meta is fresh when it was written after the file it describes (it is always
 * written second); a file replaced by hand, or a pass killed between the two
 * writes, leaves it stale.
 */
export function metaIsFresh(dir: string, name: string): boolean {
  try {
    const f = fs.statSync(path.join(dir, name));
    const m = fs.statSync(metaPath(dir, name));
    return m.mtimeMs >= f.mtimeMs;
  } catch {
    return false;
  }
}
