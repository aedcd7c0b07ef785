import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';
import { HistoryStore, HISTORY, sha256 } from '../store/history.js';
import { listDays, listEntries } from '../store/layout.js';
import { metaIsFresh, readMeta, type Meta } from '../store/meta.js';
import { listParts, type PartInfo } from '../store/parts.js';
import { PLANS } from '../store/plans.js';
import type { Op, Policy } from '../policy/types.js';
import { operandsOf, parseExpression, type Leaf } from '../sets/parse.js';
import type { DcFacts, PlanHistory, SourceRun } from './state.js';

/** Beside plan.json: each input of the pass by name, to the address of its content in the history store. */
export const INPUTS = 'inputs.json';
export const INPUTS_VERSION = 1;

export interface InputsJson {
  version: number;
  pass: number;
  time: string;
  seed: string;
  dry_run: boolean;
  ops: Op[];
  /** The store, relative to the datacenter's directory. */
  store: string;
  /** `day/<name>` (groups and tables), `path/<operand>` (files the policy's expressions name by path), `policy/<file>`, `config`, `state`. */
  inputs: Record<string, string>;
  /** The sha256 of the breakfix code that planned (its bundle), so a replay knows whether it runs the same planner. */
  build?: string | null;
}

let build: string | null | undefined;

/** The sha256 of the file this code runs from: dist/ops.cjs when installed, a source file in tests. */
export function buildId(): string | null {
  if (build === undefined) {
    try {
      build = typeof __filename === 'string' ? sha256(fs.readFileSync(__filename)) : null;
    } catch {
      build = null;
    }
  }
  return build;
}

/** What a pass read besides its files: provenance, parts, the past, the sources' outcome, the config. */
export interface RecordedState {
  version: number;
  day: string;
  metas: Record<string, Meta>;
  parts: PartInfo[];
  history: PlanHistory;
  sources: { failed: Array<[string, string]>; max_age: Array<[string, number | null]>; cluster_of: Array<[string, string | null]> };
  facts: DcFacts;
  /** The keys plan.json has beside the planner's (pause, stuck plans). */
  extra: Record<string, unknown>;
  /** Where the policy was read from when the pass ran. */
  policy_dir: string;
}

export interface RecordStats {
  inputs: number;
  full: number;
  delta: number;
  same: number;
  bytes: number;
}

/**
 * Stores every group and table of the day directory, the policy files, the
 * config and the rest of what the planner read, then writes
 * plans/<pass>/inputs.json naming them: every object is on disk before the
 * file that names it. Runs before plan.json is written, so a plan.json
 * without inputs.json is a pass that was not recorded.
 */
export function recordPass(o: {
  dcDir: string;
  dayDir: string;
  pass: number;
  time: string;
  seed: string;
  dryRun: boolean;
  ops: Op[];
  policy: Policy;
  configFile: string | null;
  /** Where the pass ran: path operands resolve from here. */
  cwd: string;
  sources: SourceRun;
  history: PlanHistory;
  facts: DcFacts;
  extra: Record<string, unknown>;
}): RecordStats {
  const store = new HistoryStore(o.dcDir);
  const inputs: Record<string, string> = {};
  const stats: RecordStats = { inputs: 0, full: 0, delta: 0, same: 0, bytes: 0 };
  const count = (r: { address: string; stored: 'same' | 'full' | 'delta'; bytes: number }, name: string) => {
    inputs[name] = r.address;
    stats.inputs++;
    stats[r.stored]++;
    stats.bytes += r.bytes;
  };
  const metas: Record<string, Meta> = {};
  for (const e of listEntries(o.dayDir)) {
    const m = readMeta(o.dayDir, e.name);
    if (m) metas[e.name] = m;
    const known = m?.sha256 && metaIsFresh(o.dayDir, e.name) ? m.sha256 : undefined;
    count(store.putFile(e.name, path.join(o.dayDir, e.name), e.kind === 'table' ? 1 : 0, known), `day/${e.name}`);
  }
  for (const f of policyFiles(o.policy.dir)) count(store.putWhole(fs.readFileSync(path.join(o.policy.dir, f))), `policy/${f}`);
  // Files outside the day directory that the policy's expressions name by path: what they held then.
  for (const p of pathOperands(o.policy)) {
    const file = path.resolve(o.cwd, p);
    let bytes: Buffer;
    try {
      if (!fs.statSync(file).isFile()) continue; // a pipe or a device (/dev/stdin) cannot be kept
      bytes = fs.readFileSync(file);
    } catch {
      continue; // the planner could not read it either, and said so
    }
    count(store.putWhole(bytes), `path/${p}`);
  }
  if (o.configFile) count(store.putWhole(fs.readFileSync(o.configFile)), 'config');
  const state: RecordedState = {
    version: INPUTS_VERSION,
    day: path.basename(fs.realpathSync(o.dayDir)),
    metas,
    parts: listParts(o.dayDir),
    history: o.history,
    sources: { failed: [...o.sources.failed], max_age: [...o.sources.maxAge], cluster_of: [...(o.sources.clusterOf ?? [])] },
    facts: o.facts,
    extra: o.extra,
    policy_dir: o.policy.dir,
  };
  count(store.putWhole(Buffer.from(JSON.stringify(state) + '\n')), 'state');
  store.flush();
  const json: InputsJson = { version: INPUTS_VERSION, pass: o.pass, time: o.time, seed: o.seed, dry_run: o.dryRun, ops: o.ops, store: HISTORY, inputs, build: buildId() };
  const dir = path.join(o.dayDir, PLANS, String(o.pass));
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, INPUTS), JSON.stringify(json, null, 1) + '\n');
  return stats;
}

/** The path operands (`./never-touch`, `/etc/breakfix/hold`) of every expression a policy has, as written. */
export function pathOperands(policy: Policy): string[] {
  const exprs = [policy.down, policy.workers, ...policy.recipes.map((r) => r.expression)];
  for (const o of policy.operations.values()) exprs.push(o.candidates, o.busy, ...(o.inFlight ? [o.inFlight] : []));
  const out = new Set<string>();
  for (const text of exprs) {
    let operands: Leaf[];
    try {
      operands = operandsOf(parseExpression(text));
    } catch {
      continue; // policy check refuses it; nothing to keep
    }
    for (const op of operands) {
      if (op.kind === 'path') out.add(op.path);
      else if (op.kind === 'select' && op.table.kind === 'path') out.add(op.table.path);
    }
  }
  return [...out].sort();
}

/** The files of a policy directory that are read (its YAML), in byte order. */
export function policyFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.') && /\.ya?ml$/.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

const DAY_MS = 86_400_000;

/**
 * Removes what no kept pass needs once a whole day has passed out of
 * `history.keep`: the first pass that finds a newly expired day reads the
 * inputs.json of every kept pass and removes every other object (objects
 * younger than an hour stay: a pass recording right now has not named them
 * yet). Nothing else is ever removed. Returns what it did, or null when no
 * day newly expired.
 */
export function expireHistory(dcDir: string, now: Date, keepMs: number): { through: string; removed: number; bytes: number } | null {
  if (keepMs <= 0) return null;
  const cutoff = now.getTime() - keepMs;
  const days = listDays(dcDir);
  const expired = days.filter((d) => Date.parse(`${d}T00:00:00Z`) + DAY_MS <= cutoff);
  if (expired.length === 0) return null;
  const store = new HistoryStore(dcDir);
  const marker = path.join(store.dir, 'collected.json');
  let through = '';
  try {
    through = (JSON.parse(fs.readFileSync(marker, 'utf8')) as { through: string }).through ?? '';
  } catch {
    through = '';
  }
  const newest = expired[expired.length - 1]!;
  if (newest <= through) return null;
  const keep: string[] = [];
  for (const d of days.filter((x) => x > newest)) {
    let passes: string[] = [];
    try {
      passes = fs.readdirSync(path.join(dcDir, d, PLANS));
    } catch {
      continue;
    }
    for (const p of passes) {
      try {
        const j = JSON.parse(fs.readFileSync(path.join(dcDir, d, PLANS, p, INPUTS), 'utf8')) as InputsJson;
        keep.push(...Object.values(j.inputs));
      } catch {
        // not recorded, or cut short before inputs.json: it names nothing
      }
    }
  }
  const r = store.collect(keep, now.getTime(), 3_600_000);
  writeFileAtomic(marker, JSON.stringify({ through: newest, at: now.toISOString(), removed: r.removed, bytes: r.bytes }) + '\n');
  return { through: newest, ...r };
}
