/**
 * What the HTML report shows of a datacenter, as plain values: read from the
 * files of the working directory by report-read.ts, drawn by report-html.ts.
 */

/** The latest pass of the day, from its plan.json (and apply.json). */
export interface PassStatus {
  pass: number;
  time: string;
  ageMs: number;
  seed: string;
  dryRun: boolean;
  /** When its plan was applied; null for a dry run, or an apply that did not happen (paused, nothing chosen). */
  applied: string | null;
  /** The plan was made while paused (plan.json `paused`). */
  paused: boolean;
  chosen: number;
  /** Refusals of the plan and of the re-check at apply. */
  refused: number;
}

export interface PauseView {
  paused: boolean;
  /** `datacenter`: <home>/<dc>/pause.json; `home`: <home>/pause.json (every datacenter). */
  scope: 'datacenter' | 'home' | null;
  by: string | null;
  reason: string | null;
  since: string | null;
  until: string | null;
  /** Pause files that pause because they cannot be read or understood. */
  errors: string[];
}

export interface CountPoint {
  group: string;
  pass: number;
  time: string;
  count: number;
}

/** The last count of a group on an earlier (or the same) day, for --days. */
export interface DayPoint {
  group: string;
  day: string;
  pass: number;
  count: number;
}

export interface BudgetRow {
  cluster: string;
  op: string;
  archetype: string;
  workers: number;
  cap: number;
  busy: number;
  headroom: number;
  candidates: number;
  chosen: number;
  why: string;
}

/** Hosts acted on per op in one pass (from its apply.json); `applied` null for a pass that did not apply. */
export interface AppliedPass {
  pass: number;
  time: string;
  dryRun: boolean;
  paused: boolean;
  chosen: number;
  applied: string | null;
  acted: Record<string, number>;
  failed: number;
}

export interface RefusalRow {
  pass: number;
  /** Refused while planning, or by the re-check on fresh state just before acting. */
  stage: 'plan' | 'apply';
  invariant: number;
  cluster: string;
  op: string;
  host: string | null;
  message: string;
}

export interface OpenRow {
  host: string;
  cluster: string;
  op: string;
  day: string;
  pass: number;
  applied: string;
  ageMs: number;
  /** Where it stands, when the record says more than "open". */
  state: string;
  stuck: boolean;
}

import type { NeedsHumanRow } from '../policy/needs-human.js';
export type { NeedsHumanRow };

export interface DatacenterReport {
  dc: string;
  day: string;
  last: PassStatus | null;
  pause: PauseView;
  counts: CountPoint[];
  /** null unless --days was asked for. */
  days: DayPoint[] | null;
  /** From the latest plan.json of the day. */
  budgets: BudgetRow[];
  applied: AppliedPass[];
  refusals: RefusalRow[];
  open: OpenRow[];
  needsHuman: NeedsHumanRow[];
  /** Files that exist but could not be read: said in the page, never silently skipped. */
  problems: string[];
}

export interface Report {
  /** When the report was made (ISO). */
  generated: string;
  /** The home, for a report of every datacenter; null for one datacenter. */
  home: string | null;
  datacenters: DatacenterReport[];
}

/** How a pass ended, in a word or three, and the style the page gives it. */
export function passMode(p: { dryRun: boolean; applied: string | null; paused: boolean; chosen: number }): { label: string; kind: 'dry' | 'applied' | 'paused' | 'quiet' | 'notapplied' } {
  if (p.dryRun) return { label: 'dry run', kind: 'dry' };
  if (p.applied) return { label: 'applied', kind: 'applied' };
  if (p.paused) return { label: 'paused: not applied', kind: 'paused' };
  // An applying pass that chose nobody writes no apply.json: there was nothing to do.
  if (p.chosen === 0) return { label: 'applying, nothing chosen', kind: 'quiet' };
  return { label: 'not applied', kind: 'notapplied' };
}

/** Short names of the safety invariants (DESIGN §6), for the refusals section. */
export const INVARIANTS: ReadonlyArray<readonly [number, string]> = [
  [1, 'no wipe of a live DataNode'],
  [2, 'head nodes and NameNode pairs'],
  [3, 'missing or under-replicated blocks'],
  [4, 'data groups in flight or down'],
  [5, 'budget, recounted'],
  [6, 'failed, old or swinging source'],
  [7, 'canonical host names only'],
  [8, 'attempts: to a person'],
  [9, 'in-service floor'],
  [10, 'candidate storm'],
];

/**
 * Worst first, for the overview of every datacenter: hosts waiting for a
 * person come first (only a person clears them), then refusals in the latest
 * pass (something is unsafe now), then a pause (nothing acts), then the
 * oldest latest pass (a loop that stopped), a datacenter with no pass at all
 * being the oldest of all; ties by name.
 */
export function worstFirst(dcs: readonly DatacenterReport[]): DatacenterReport[] {
  const key = (d: DatacenterReport) => [d.needsHuman.length, d.last?.refused ?? 0, d.pause.paused ? 1 : 0, d.last ? d.last.ageMs : Infinity];
  return [...dcs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! > kb[i]! ? -1 : 1;
    return a.dc < b.dc ? -1 : a.dc > b.dc ? 1 : 0;
  });
}
