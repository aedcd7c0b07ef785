import fs from 'node:fs';
import path from 'node:path';
import { YamlFile } from '../../config/yamlsrc.js';
import { budgetFor, classify } from '../../policy/budget.js';
import { parsePolicy, parseRecipes } from '../../policy/load.js';
import { OPS, type Op, type Policy } from '../../policy/types.js';
import { renderTable } from '../../report/table.js';
import { writeOut } from '../../store/fsio.js';
import { readTable } from '../../store/table.js';
import { loadPolicy } from '../../pass/policy-files.js';
import { fileAt, resolveRevision, workTreeTop } from '../../pass/policy-git.js';
import { evaluateToSet } from '../../pass/state.js';
import { displayPath, type Deps } from '../context.js';
import { ExitError } from '../exit.js';

/** A cluster's budget for an op under one policy: the cap and what chose it; null cap: the op gets no budget there. */
interface Cap {
  workers: number;
  archetype: string | null;
  rule: number | null;
  cap: number | null;
}

export interface BudgetChange {
  cluster: string;
  op: Op;
  old: Cap;
  new: Cap;
}

/** The clusters of the day's inventory, each with its hosts, and the attributes of clusters.tsv. */
export function fleetOf(dayDir: string): { hostsOf: Map<string, string[]>; attrs: Map<string, Record<string, string>> } {
  const inv = path.join(dayDir, 'inventory.tsv');
  if (!fs.existsSync(inv)) throw new ExitError(1, `no inventory.tsv in ${dayDir}: pull the inventory first (breakfix pull)`);
  const hostsOf = new Map<string, string[]>();
  for (const r of readTable(inv).rows) {
    if (!r.cluster) continue;
    const l = hostsOf.get(r.cluster) ?? [];
    l.push(r.host!);
    hostsOf.set(r.cluster, l);
  }
  const attrs = new Map<string, Record<string, string>>();
  const attrsFile = path.join(dayDir, 'clusters.tsv');
  if (fs.existsSync(attrsFile)) for (const r of readTable(attrsFile).rows) attrs.set(r.cluster!, r);
  return { hostsOf, attrs };
}

/** Every cluster's cap for every op under `policy`, by the budget rule the planner uses (busy does not change a cap). */
export function capsOf(policy: Policy, hostsOf: ReadonlyMap<string, readonly string[]>, attrs: ReadonlyMap<string, Record<string, string>>, workers: ReadonlySet<string>): Map<string, Cap> {
  const out = new Map<string, Cap>();
  for (const [c, hosts] of hostsOf) {
    const n = hosts.filter((h) => workers.has(h)).length;
    const cl = classify(c, n, attrs.get(c) ?? {}, policy.classify, policy.archetypes);
    for (const op of OPS) {
      const b = cl && policy.operations.has(op) ? budgetFor(c, op, cl, n, 0) : null;
      out.set(`${c}\t${op}`, { workers: n, archetype: cl?.archetype.name ?? null, rule: cl?.rule.index ?? null, cap: b?.cap ?? null });
    }
  }
  return out;
}

/** Where the caps differ, in cluster and op order. */
export function budgetChanges(before: ReadonlyMap<string, Cap>, after: ReadonlyMap<string, Cap>): BudgetChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const out: BudgetChange[] = [];
  const none: Cap = { workers: 0, archetype: null, rule: null, cap: null };
  for (const k of keys) {
    const a = before.get(k) ?? none;
    const b = after.get(k) ?? none;
    if (a.cap === b.cap) continue;
    const [cluster, op] = k.split('\t') as [string, Op];
    out.push({ cluster, op, old: a, new: b });
  }
  const opIndex = (op: Op) => OPS.indexOf(op);
  return out.sort((x, y) => (x.cluster < y.cluster ? -1 : x.cluster > y.cluster ? 1 : opIndex(x.op) - opIndex(y.op)));
}

const arrow = (a: string, b: string) => (a === b ? a : `${a} → ${b}`);
const show = (v: string | number | null) => (v === null ? '-' : String(v));

/**
 * `breakfix policy diff REV`: the caps that change, per cluster and op, on the
 * day's fleet, between the policy at a git revision and the work tree: the
 * effect of a policy change, for the person reviewing it.
 */
export async function policyDiff(rev: string | undefined, dir: string, dayDir: string, json: boolean, deps: Deps): Promise<number> {
  if (!rev) throw new ExitError(2, 'policy diff needs a revision to compare the work tree with: breakfix policy diff HEAD (or a branch, a tag, a commit)');
  const top = workTreeTop(dir);
  if (!top) throw new ExitError(2, `policy diff: ${dir} is not in a git work tree, so it has no revision to compare with: keep the policy in git (git init; git add; git commit)`);
  const commit = resolveRevision(top, rev);
  if (!commit) throw new ExitError(2, `policy diff: unknown revision "${rev}" in ${top}: give a commit, a branch or a tag (git log --oneline shows them)`);
  const rel = path.relative(fs.realpathSync(top), fs.realpathSync(dir));
  const relFile = (name: string) => (rel ? `${rel}/${name}` : name);
  const policyText = fileAt(top, commit, relFile('policy.yaml'));
  if (policyText === null) throw new ExitError(1, `${rev}:${relFile('policy.yaml')}: no such file at that revision; the policy directory is ${dir}`);
  const groupsText = fileAt(top, commit, relFile('groups.yaml'));
  // The loader's own errors, with the revision in the file's name: `HEAD~1:policy/policy.yaml:12: ...`.
  const recipes = groupsText === null ? [] : parseRecipes(new YamlFile(`${rev}:${relFile('groups.yaml')}`, groupsText));
  const before = parsePolicy(new YamlFile(`${rev}:${relFile('policy.yaml')}`, policyText), dir, recipes);
  const after = loadPolicy(dir);

  const { hostsOf, attrs } = fleetOf(dayDir);
  const workersOf = (p: Policy) => {
    if (!fs.existsSync(path.join(dayDir, p.workers))) throw new ExitError(1, `no ${p.workers} group in ${dayDir}: run breakfix derive first`);
    return evaluateToSet(dayDir, deps.cwd, p.workers);
  };
  const changes = budgetChanges(capsOf(before, hostsOf, attrs, workersOf(before)), capsOf(after, hostsOf, attrs, workersOf(after)));
  const day = path.basename(fs.realpathSync(dayDir));
  if (json) {
    writeOut(JSON.stringify({ rev, commit, dir, day, clusters: hostsOf.size, changes }, null, 2) + '\n');
    return 0;
  }
  const head = `policy diff ${rev} (${commit.slice(0, 7)}) → work tree, ${displayPath(dir, deps.cwd)} on the fleet of ${day} (${hostsOf.size} cluster(s))`;
  if (changes.length === 0) {
    writeOut(`${head}: no budget changes\n`);
    return 0;
  }
  writeOut(`${head}:\n`);
  const rows = changes.map((c) => [
    c.cluster,
    c.op,
    arrow(String(c.old.workers), String(c.new.workers)),
    arrow(show(c.old.archetype), show(c.new.archetype)),
    arrow(show(c.old.rule), show(c.new.rule)),
    `${show(c.old.cap)} → ${show(c.new.cap)}`,
  ]);
  writeOut(renderTable(['cluster', 'op', 'workers', 'archetype', 'rule', 'cap'], rows, [false, false, true, false, false, false]));
  writeOut(`${changes.length} budget change(s) in ${new Set(changes.map((c) => c.cluster)).size} cluster(s)\n`);
  return 0;
}
