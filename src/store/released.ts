import fs from 'node:fs';
import path from 'node:path';

/**
 * Hand releases (`breakfix release HOST --reason R`): `<home>/<dc>/released.jsonl`,
 * one JSON object a line, appended in one write each. An open plan applied
 * before a release of its host is closed, whoever reads open.json next, so a
 * pass that loaded the plans before the release cannot bring it back.
 */
export const RELEASED_FILE = 'released.jsonl';

export interface Release {
  host: string;
  /** The ops whose open plans it closed (empty: the host had none, e.g. a needs-human row only). */
  ops: string[];
  by: string;
  reason: string;
  time: string;
}

export function appendRelease(dcDir: string, r: Release): void {
  fs.appendFileSync(path.join(dcDir, RELEASED_FILE), `${JSON.stringify(r)}\n`);
}

/** Every release; a line that is not a release (a torn write) is skipped. */
export function readReleases(dcDir: string): Release[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dcDir, RELEASED_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: Release[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as Release;
      if (typeof r.host === 'string' && typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time))) out.push(r);
    } catch {
      // a line cut by a crash mid-write
    }
  }
  return out;
}
