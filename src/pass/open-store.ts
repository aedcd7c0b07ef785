import fs from 'node:fs';
import path from 'node:path';
import { isFinished, type OpenEntry } from '../policy/open.js';
import { OPS, type Policy } from '../policy/types.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readGroupLines, writeGroup } from '../store/group.js';
import { readTable } from '../store/table.js';
import { readReleases } from '../store/released.js';
import { readCountedOn } from './namespaces.js';

/**
 * Applied plans stay open until the sources show the op finished, whatever day
 * they were applied: `<home>/<dc>/open.json`. Each pass writes them into the
 * day directory as the groups `plans.<op>`, which policy expressions read.
 */
export const OPEN_FILE = 'open.json';

export function loadOpen(dcDir: string): OpenEntry[] {
  let entries: OpenEntry[];
  try {
    entries = (JSON.parse(fs.readFileSync(path.join(dcDir, OPEN_FILE), 'utf8')) as { entries: OpenEntry[] }).entries;
  } catch {
    return [];
  }
  // A plan released by hand after it was applied is closed, even if a pass wrote it back since.
  const released = new Map<string, number>();
  for (const r of readReleases(dcDir)) released.set(r.host, Math.max(released.get(r.host) ?? -Infinity, Date.parse(r.time)));
  return entries.filter((e) => !((released.get(e.host) ?? -Infinity) >= Date.parse(e.applied)));
}

export function saveOpen(dcDir: string, entries: OpenEntry[]): void {
  const sorted = [...entries].sort((a, b) => (a.op + a.host < b.op + b.host ? -1 : 1));
  writeFileAtomic(path.join(dcDir, OPEN_FILE), JSON.stringify({ entries: sorted }, null, 2) + '\n');
}

/** Writes plans.<op> for every op (empty ones too, so expressions always find them). */
export function writeOpenGroups(dayDir: string, entries: OpenEntry[], time: string): void {
  for (const op of OPS) {
    const hosts = [...new Set(entries.filter((e) => e.op === op).map((e) => e.host))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    writeGroup(dayDir, `plans.${op}`, hosts, { kind: 'plan', inputs: ['../open.json'], time });
  }
}

/** Membership in the day's groups, each read once; null for a group that does not exist today. */
export function dayGroupView(dayDir: string): { has(group: string, host: string): boolean | null } {
  const cache = new Map<string, Set<string> | null>();
  const group = (name: string) => {
    if (!cache.has(name)) {
      const f = path.join(dayDir, name);
      cache.set(name, fs.existsSync(f) ? new Set(readGroupLines(f)) : null);
    }
    return cache.get(name)!;
  };
  return {
    has: (g, h) => {
      const s = group(g);
      return s === null ? null : s.has(h);
    },
  };
}

/**
 * Closes the entries the day's groups show finished; returns what closed and
 * why. Only an actor holding the datacenter's lock saves it (`persist`): a dry
 * pass beside a running loop must not rewrite open.json under it.
 */
export function closeFinished(dcDir: string, dayDir: string, policy: Policy, persist = true): { closed: Array<{ entry: OpenEntry; why: string }>; open: OpenEntry[] } {
  const entries = loadOpen(dcDir);
  const groups = dayGroupView(dayDir);
  const health = new Map<string, { missing: number; ur: number }>();
  const hf = path.join(dayDir, 'hdfs-health.tsv');
  if (fs.existsSync(hf)) for (const r of readTable(hf).rows) health.set(r.cluster!, { missing: Number(r.missing), ur: Number(r.under_replicated) });
  const counted = readCountedOn(dayDir);
  const view = {
    countedOn: (h: string) => counted.get(h) ?? null,
    has: groups.has,
    healthOk: (c: string) => {
      const h = health.get(c);
      return h !== undefined && h.missing === 0 && h.ur <= policy.safety.maxUnderReplicated;
    },
  };
  const closed: Array<{ entry: OpenEntry; why: string }> = [];
  const open: OpenEntry[] = [];
  for (const e of entries) {
    const r = isFinished(e, view, false);
    if (r.done) closed.push({ entry: e, why: r.why });
    else open.push(e);
  }
  if (closed.length > 0 && persist) saveOpen(dcDir, open);
  return { closed, open };
}
