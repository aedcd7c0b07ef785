import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryError, HistoryStore, sha256 } from '../store/history.js';
import { metaPath } from '../store/meta.js';
import { PARTS } from '../store/parts.js';
import { PLANS } from '../store/plans.js';
import { buildPlan, type Plan } from '../policy/plan.js';
import { OPS, type Op, type Policy } from '../policy/types.js';
import { deriveRecipes } from './derive.js';
import { loadPolicy } from './policy-files.js';
import { INPUTS, INPUTS_VERSION, type InputsJson, type RecordedState } from './record.js';
import { planJson } from './run-plan.js';
import { readFleetState } from './state.js';
import { importPackage } from '../store/esm.js';

/** A recorded pass: where its plan is, what it named, what it read besides files. */
export interface Recorded {
  day: string;
  pass: number;
  planDir: string;
  inputs: InputsJson;
  state: RecordedState;
}

/**
 * Reads plans/<pass>/inputs.json of a day and the state object it names.
 * A pass that was not recorded, was cut short, or whose records are damaged
 * or expired is a HistoryError that says which.
 */
export function loadRecorded(store: HistoryStore, dcDir: string, day: string, pass: number): Recorded {
  const planDir = path.join(dcDir, day, PLANS, String(pass));
  const at = `${day} pass ${pass}`;
  if (!fs.existsSync(planDir)) throw new HistoryError(`${at}: there is no such pass (no ${planDir})`);
  const hasPlan = fs.existsSync(path.join(planDir, 'plan.json'));
  let text: string;
  try {
    text = fs.readFileSync(path.join(planDir, INPUTS), 'utf8');
  } catch {
    throw new HistoryError(
      hasPlan
        ? `${at} was not recorded: its plan has no ${INPUTS} (made by a breakfix older than recorded inputs, or with history.keep: 0); it cannot be replayed`
        : `${at} has neither plan.json nor ${INPUTS}: it was cut short before it decided anything`,
    );
  }
  if (!hasPlan) throw new HistoryError(`${at} was cut short after recording its inputs and before writing plan.json: it decided nothing, there is nothing to replay`);
  let inputs: InputsJson;
  try {
    inputs = JSON.parse(text) as InputsJson;
  } catch (e) {
    throw new HistoryError(`${path.join(planDir, INPUTS)} is not JSON (${(e as Error).message}): ${at} cannot be replayed`);
  }
  if (inputs.version !== INPUTS_VERSION || typeof inputs.inputs !== 'object' || !inputs.inputs.state) {
    throw new HistoryError(`${path.join(planDir, INPUTS)}: version ${String(inputs.version)} is not one this breakfix reads (${INPUTS_VERSION}): ${at} cannot be replayed`);
  }
  let state: RecordedState;
  try {
    state = JSON.parse(store.read(inputs.inputs.state).toString('utf8')) as RecordedState;
  } catch (e) {
    throw unreplayable(at, e);
  }
  return { day, pass, planDir, inputs, state };
}

function unreplayable(at: string, e: unknown): Error {
  if (e instanceof HistoryError) return new HistoryError(`${at} cannot be replayed: ${e.message}`);
  return e as Error;
}

/**
 * A working copy of recorded passes, one after another: the day directory
 * and policy a pass read, rebuilt in a directory of its own. Moving on to the
 * next pass rewrites only the files whose content changed.
 */
export class Workspace {
  readonly dir: string;
  readonly dayDir: string;
  readonly policyDir: string;
  /** The recorded copies of the files the policy's expressions name by path: operand → file. */
  readonly paths = new Map<string, string>();
  private readonly pathsDir: string;
  private pathsOnDisk = new Map<string, string>();
  /** What is on disk in dayDir, by name: the address it was written from ('' when changed here). */
  private onDisk = new Map<string, string>();
  private policyOnDisk = new Map<string, string>();
  private metasOnDisk = new Map<string, string>();
  private partsOnDisk = new Map<string, string>();

  constructor(readonly store: HistoryStore) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-replay-'));
    this.dayDir = path.join(this.dir, 'day');
    this.policyDir = path.join(this.dir, 'policy');
    this.pathsDir = path.join(this.dir, 'paths');
    fs.mkdirSync(path.join(this.dayDir, '.meta'), { recursive: true });
    fs.mkdirSync(this.pathsDir, { recursive: true });
    fs.mkdirSync(this.policyDir, { recursive: true });
  }

  /** Lays out a recorded pass; every object is checked against its address on the way. */
  load(r: Recorded): void {
    const at = `${r.day} pass ${r.pass}`;
    const want = new Map<string, string>();
    const policy = new Map<string, string>();
    const paths = new Map<string, string>();
    this.paths.clear();
    for (const [name, address] of Object.entries(r.inputs.inputs)) {
      if (name.startsWith('day/')) want.set(name.slice(4), address);
      else if (name.startsWith('policy/')) policy.set(name.slice(7), address);
      else if (name.startsWith('path/')) {
        // Named by a hash of the operand: it may hold any characters, `/` and `..` among them.
        const file = sha256(Buffer.from(name.slice(5))).slice(0, 32);
        paths.set(file, address);
        this.paths.set(name.slice(5), path.join(this.pathsDir, file));
      }
    }
    try {
      sync(this.dayDir, this.onDisk, want, (a) => this.store.read(a));
      sync(this.policyDir, this.policyOnDisk, policy, (a) => this.store.read(a));
      sync(this.pathsDir, this.pathsOnDisk, paths, (a) => this.store.read(a));
    } catch (e) {
      throw unreplayable(at, e);
    }
    // Only what the current versions need stays in memory.
    const live = new Set([...want.values(), ...policy.values(), ...paths.values()]);
    for (const k of this.store.cache.keys()) if (!live.has(k)) this.store.cache.delete(k);
    // Provenance and parts are small, but many: only what changed is written again.
    const itself = (text: string) => text;
    sync(path.join(this.dayDir, '.meta'), this.metasOnDisk, new Map(Object.entries(r.state.metas).map(([n, m]) => [`${n}.json`, JSON.stringify(m)])), itself);
    sync(path.join(this.dayDir, PARTS), this.partsOnDisk, new Map(r.state.parts.map((p) => [path.join(p.source, '.part.json'), JSON.stringify(p)])), itself);
  }

  /** Re-derives the recipes of another policy in place of the recorded ones. */
  derive(r: Recorded, policy: Policy): void {
    for (const [name, meta] of Object.entries(r.state.metas)) {
      if (meta.kind !== 'recipe') continue;
      fs.rmSync(path.join(this.dayDir, name), { force: true });
      fs.rmSync(metaPath(this.dayDir, name), { force: true });
      this.onDisk.delete(name);
      this.metasOnDisk.delete(`${name}.json`);
    }
    const now = new Date(r.inputs.time);
    for (const d of deriveRecipes(this.dayDir, policy, this.dayDir, () => now, null, { paths: this.paths })) {
      this.onDisk.set(d.name, '');
      this.metasOnDisk.set(`${d.name}.json`, '');
    }
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Makes `dir` hold the files of `want` (relative name → a key naming its
 * content: an address, or the text itself) and nothing else `onDisk` knows:
 * a file whose key did not change is left as it is.
 */
function sync(dir: string, onDisk: Map<string, string>, want: Map<string, string>, content: (key: string) => string | Buffer): void {
  for (const [name] of onDisk) {
    if (!want.has(name)) {
      fs.rmSync(path.join(dir, name), { force: true });
      onDisk.delete(name);
    }
  }
  for (const [name, key] of want) {
    if (onDisk.get(name) === key) continue;
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content(key));
    onDisk.set(name, key);
  }
}

/** A plan rebuilt, with the bytes its files would have. */
export interface Rebuilt {
  plan: Plan;
  json: string;
  /** `<cluster>.<op>` → the bytes of plans/<n>/<cluster>.<op>. */
  files: Map<string, string>;
  ops: Op[];
}

/** The ops a replay plans: the recorded ones, or (a pass that planned every op) every op of the policy it runs under. */
export function replayOps(r: Recorded, recordedPolicy: Policy | null, policy: Policy): Op[] {
  if (!recordedPolicy) return r.inputs.ops;
  const all = OPS.filter((op) => recordedPolicy.operations.has(op));
  const every = all.length === r.inputs.ops.length && all.every((op, i) => r.inputs.ops[i] === op);
  return every ? OPS.filter((op) => policy.operations.has(op)) : r.inputs.ops.filter((op) => policy.operations.has(op));
}

/** Runs the pure planner again on the laid-out pass, as runPlan did. */
export async function rebuild(w: Workspace, r: Recorded, policy: Policy, ops: Op[]): Promise<Rebuilt> {
  const { default: seedrandom } = await importPackage<{ default: typeof import('seedrandom') }>('seedrandom');
  const now = new Date(r.inputs.time);
  const s = r.state;
  const state = readFleetState({
    dayDir: w.dayDir,
    dcDir: null,
    cwd: w.dayDir,
    policy,
    dc: null,
    ops,
    sources: { failed: new Map(s.sources.failed), maxAge: new Map(s.sources.max_age), clusterOf: new Map(s.sources.cluster_of) },
    now,
    history: s.history,
    facts: s.facts,
    paths: w.paths,
  });
  const plan = buildPlan({ policy, state, random: seedrandom(r.inputs.seed), now, seed: r.inputs.seed, pass: r.pass, dryRun: r.inputs.dry_run, ops });
  const json = JSON.stringify({ ...planJson(plan), ...s.extra }, null, 2) + '\n';
  const files = new Map<string, string>();
  for (const [name, hosts] of plan.chosen) files.set(name, hosts.map((h) => `${h}\n`).join(''));
  return { plan, json, files, ops };
}

/** The recorded policy of a pass, loaded from the workspace. */
export function recordedPolicy(w: Workspace): Policy {
  return loadPolicy(w.policyDir);
}

/**
 * The first difference between a rebuilt plan and the files the pass wrote,
 * or null when every file is byte for byte the same.
 */
export function firstDifference(r: Recorded, b: Rebuilt): string | null {
  const saved = fs.readFileSync(path.join(r.planDir, 'plan.json'), 'utf8');
  if (saved !== b.json) {
    const a = saved.split('\n');
    const c = b.json.split('\n');
    let i = 0;
    while (i < a.length && a[i] === c[i]) i++;
    return `plan.json line ${i + 1}: recorded ${JSON.stringify(a[i] ?? '(end of file)')}, rebuilt ${JSON.stringify(c[i] ?? '(end of file)')}`;
  }
  const written = savedPlanFiles(r.planDir);
  for (const name of [...new Set([...written, ...b.files.keys()])].sort()) {
    if (!written.includes(name)) return `${name}: rebuilt with ${b.files.get(name)!.split('\n').length - 1} host(s), but the pass wrote no such file`;
    const rebuilt = b.files.get(name);
    if (rebuilt === undefined) return `${name}: written by the pass, not rebuilt`;
    const text = fs.readFileSync(path.join(r.planDir, name), 'latin1');
    if (text !== rebuilt) {
      const a = text.split('\n');
      const c = rebuilt.split('\n');
      let i = 0;
      while (i < a.length && a[i] === c[i]) i++;
      return `${name} line ${i + 1}: recorded ${JSON.stringify(a[i] ?? '(end of file)')}, rebuilt ${JSON.stringify(c[i] ?? '(end of file)')}`;
    }
  }
  return null;
}

/** The host files a pass wrote into its plan directory (`<cluster>.<op>`, with a plan meta). */
export function savedPlanFiles(planDir: string): string[] {
  const out: string[] = [];
  for (const n of fs.readdirSync(planDir)) {
    if (n.startsWith('.') || n.endsWith('.json')) continue;
    try {
      const m = JSON.parse(fs.readFileSync(metaPath(planDir, n), 'utf8')) as { kind?: string };
      if (m.kind === 'plan') out.push(n);
    } catch {
      // not a plan file (exec output, logs)
    }
  }
  return out.sort();
}

/** The recorded passes of the days of a datacenter, in order (unrecorded passes are skipped and counted). */
export function recordedPasses(dcDir: string, days: string[]): { passes: Array<{ day: string; pass: number }>; unrecorded: number } {
  const passes: Array<{ day: string; pass: number }> = [];
  let unrecorded = 0;
  for (const day of days) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(dcDir, day, PLANS));
    } catch {
      continue;
    }
    for (const n of names.filter((x) => /^\d+$/.test(x)).map(Number).sort((a, b) => a - b)) {
      const dir = path.join(dcDir, day, PLANS, String(n));
      if (!fs.existsSync(path.join(dir, 'plan.json'))) continue;
      if (fs.existsSync(path.join(dir, INPUTS))) passes.push({ day, pass: n });
      else unrecorded++;
    }
  }
  return { passes, unrecorded };
}
