import fs from 'node:fs';
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import { DayOpener } from '../store/operands.js';
import { evaluateEach, prepare } from '../sets/evaluate.js';
import { operandsOf, parseExpression, type Expr } from '../sets/parse.js';
import { lastPassCounts } from '../store/counts.js';
import { readGroupLines } from '../store/group.js';
import { listDays, previousDay } from '../store/layout.js';
import { readMeta } from '../store/meta.js';
import { listParts } from '../store/parts.js';
import { listSavedPlans } from '../store/plans.js';
import { readTable } from '../store/table.js';
import type { FleetState, OpSets } from '../policy/plan.js';
import { namesIn } from '../policy/recipes.js';
import { OPS, type Op, type Policy } from '../policy/types.js';
import type { AppliedAction } from '../policy/rate.js';
import { readCountedOn, readNamespaceHealth } from './namespaces.js';
import { REMEDIATION_OPS, REPLICA_OPS, WIPING_OPS, type HealthRow, type SourceStatus } from '../safety/invariants.js';

/** Evaluates an expression in the day directory into a set of hosts. */
export function evaluateToSet(dayDir: string, cwd: string, expression: string, paths: ReadonlyMap<string, string> | null = null): Set<string> {
  return evaluateExprToSet(dayDir, cwd, parseExpression(expression), paths);
}

/**
 * An op's busy expression as it would read were a host dead in HDFS: recipes
 * that lead to `hdfs-dead` written out, and `hdfs-dead` itself read as `all`
 * (every host). Membership in a set expression is decided host by host, so a
 * host is in the result exactly when it would be busy if it were dead and
 * nothing else changed. Null when the expression does not lead to `hdfs-dead`.
 */
export function busyIfDeadExpression(expression: string, recipes: ReadonlyMap<string, string>): Expr | null {
  const reads = new Map<string, boolean>();
  const leadsToDead = (name: string, seen: Set<string>): boolean => {
    if (name === 'hdfs-dead') return true;
    const known = reads.get(name);
    if (known !== undefined) return known;
    const expr = recipes.get(name);
    if (!expr || seen.has(name)) return false;
    const r = namesIn(expr).some((n) => leadsToDead(n, new Set([...seen, name])));
    reads.set(name, r);
    return r;
  };
  const rewrite = (e: Expr): Expr => {
    if (e.kind === 'binary') return { ...e, left: rewrite(e.left), right: rewrite(e.right) };
    if (e.kind !== 'name' || !leadsToDead(e.name, new Set())) return e;
    if (e.name === 'hdfs-dead') return { ...e, name: 'all' };
    return rewrite(parseExpression(recipes.get(e.name)!));
  };
  const expr = parseExpression(expression);
  return namesIn(expression).some((n) => leadsToDead(n, new Set())) ? rewrite(expr) : null;
}

function evaluateExprToSet(dayDir: string, cwd: string, expr: Expr, paths: ReadonlyMap<string, string> | null = null): Set<string> {
  const plan = prepare(expr, new DayOpener(dayDir, cwd, false, paths), operandsOf(expr));
  const out = new Set<string>();
  evaluateEach(plan, (buf, start, end) => out.add(buf.toString('latin1', start, end)));
  return out;
}

function groupSet(dayDir: string, name: string): Set<string> | null {
  const file = path.join(dayDir, name);
  return fs.existsSync(file) ? new Set(readGroupLines(file)) : null;
}

const HEAD_ROLE = /namenode|resourcemanager|journalnode|zookeeper|head/i;

/** The groups an op reads, through recipes down to what the sources wrote. */
export function dependencies(policy: Policy, op: Op): { groups: Set<string>; base: Set<string> } {
  const o = policy.operations.get(op)!;
  const recipes = new Map(policy.recipes.map((r) => [r.name, r.expression]));
  const groups = new Set<string>();
  const base = new Set<string>();
  const visit = (name: string) => {
    if (groups.has(name)) return;
    groups.add(name);
    const expr = recipes.get(name);
    if (expr) for (const n of namesIn(expr)) visit(n);
    else base.add(name);
  };
  for (const e of [o.candidates, o.busy, o.inFlight]) if (e) for (const n of namesIn(e)) visit(n);
  if (WIPING_OPS.includes(op) || REPLICA_OPS.includes(op) || o.effect === 'down') for (const n of ['hdfs-live', 'hdfs-health']) visit(n);
  // The rules across ops read what is down and what is in service.
  if (o.effect === 'down' || o.effect === 'drain') {
    for (const n of namesIn(policy.down)) visit(n);
    visit('hdfs-in-service');
  }
  visit(policy.workers);
  visit('inventory');
  return { groups, base };
}

/** What the planner reads of a datacenter's config: head nodes per cluster, each source's type. */
export interface DcFacts {
  clusters: Array<{ name: string; namenodes: string[]; resourcemanagers: string[]; headnodes: string[] }>;
  sourceTypes: Record<string, string>;
}

export function dcFacts(dc: DatacenterConfig | null): DcFacts {
  const sourceTypes: Record<string, string> = {};
  for (const [name, f] of dc?.sources ?? []) sourceTypes[name] = f.map().get('type')?.string() ?? '';
  return {
    clusters: [...(dc?.clusters.values() ?? [])].map((c) => ({ name: c.name, namenodes: c.namenodes, resourcemanagers: c.resourcemanagers, headnodes: c.headnodes })),
    sourceTypes,
  };
}

/** What the planner reads of earlier passes: the swing check's last counts and what was acted on. */
export interface PlanHistory {
  /** Group sizes at the last pass of today (or yesterday), or null on the first pass. */
  before: Record<string, number> | null;
  /** Each plan's apply.json (its time and what it acted on), as far back as the policy's windows reach, oldest first. */
  applies: Array<{ applied: string; outcomes: Array<{ op: string; cluster: string; acted: string[] }> }>;
}

/** Reads PlanHistory from the day directories of a datacenter. */
export function readPlanHistory(dayDir: string, dcDir: string | null, policy: Policy, now: Date): PlanHistory {
  const dayName = path.basename(fs.realpathSync(dayDir));
  const counts = lastPassCounts(dcDir ? [dayDir, path.join(dcDir, previousDay(dayName))] : [dayDir]);
  const applies: PlanHistory['applies'] = [];
  if (dcDir) {
    // Back as far as the attempt window or the longest rate window reaches.
    const longestRate = Math.max(0, ...[...policy.rates.values()].flat().map((r) => r.windowMs));
    const windowStart = now.getTime() - Math.max(policy.safety.attemptWindowMs, longestRate);
    const days = listDays(dcDir).filter((d) => Date.parse(`${d}T23:59:59Z`) >= windowStart);
    for (const saved of listSavedPlans(days.map((d) => ({ day: d, dir: path.join(dcDir, d) })))) {
      // Attempts are what was acted on: the apply record of a plan, not the plan itself.
      try {
        const record = JSON.parse(fs.readFileSync(path.join(saved.dir, 'apply.json'), 'utf8')) as PlanHistory['applies'][number];
        applies.push({ applied: record.applied, outcomes: record.outcomes.map((o) => ({ op: o.op, cluster: o.cluster, acted: o.acted })) });
      } catch {
        // no apply.json: the plan was not acted on
      }
    }
  }
  return { before: counts ? Object.fromEntries(counts) : null, applies };
}

export interface SourceRun {
  /** This pass's pull outcomes, when the pass pulled. */
  failed: Map<string, string>;
  maxAge: Map<string, number | null>;
  /** The cluster of each per-cluster source (absent: the source is about every cluster). */
  clusterOf?: Map<string, string | null>;
}

/**
 * Reads what the planner needs from the day directory: inventory, health,
 * HDFS state, head nodes, each op's sets, the sources each op depends on,
 * group sizes against the last pass, and earlier remediations.
 */
export function readFleetState(opts: {
  dayDir: string;
  dcDir: string | null;
  cwd: string;
  policy: Policy;
  dc: DatacenterConfig | null;
  ops: Op[];
  sources: SourceRun;
  now: Date;
  /** What earlier passes did, already read (a replay gives the recorded one). */
  history?: PlanHistory;
  /** What the planner reads of the datacenter's config (a replay gives the recorded one). */
  facts?: DcFacts;
  /** Path operands read from other files (a replay gives the recorded copies). */
  paths?: ReadonlyMap<string, string> | null;
}): FleetState {
  const { dayDir, cwd, policy } = opts;
  const paths = opts.paths ?? null;
  const history = opts.history ?? readPlanHistory(dayDir, opts.dcDir, policy, opts.now);
  const inventoryFile = path.join(dayDir, 'inventory.tsv');
  const clusterOf = new Map<string, string>();
  const rackOf = new Map<string, string>();
  const datagroupOf = new Map<string, string>();
  const roles = new Map<string, string>();
  if (fs.existsSync(inventoryFile)) {
    for (const r of readTable(inventoryFile).rows) {
      const host = r.host ?? '';
      clusterOf.set(host, r.cluster ?? '');
      rackOf.set(host, r.rack ?? '');
      datagroupOf.set(host, r.datagroup ?? '');
      if (r.role && HEAD_ROLE.test(r.role)) roles.set(host, r.role);
    }
  }
  // HDFS upgrade domains are data groups (BlockPlacementPolicyWithUpgradeDomain puts a block's
  // replicas in distinct ones): they stand in where the inventory has none; where both say, the inventory wins.
  const datagroupDisagreements: Array<{ host: string; cluster: string; inventory: string; upgradeDomain: string }> = [];
  const datanodesFile = path.join(dayDir, 'hdfs-datanodes.tsv');
  if (fs.existsSync(datanodesFile)) {
    for (const r of readTable(datanodesFile).rows) {
      const host = r.host ?? '';
      const ud = r.upgrade_domain ?? '';
      if (!ud || !clusterOf.has(host)) continue;
      const inv = datagroupOf.get(host) ?? '';
      if (!inv) datagroupOf.set(host, ud);
      else if (inv !== ud) datagroupDisagreements.push({ host, cluster: clusterOf.get(host) ?? '', inventory: inv, upgradeDomain: ud });
    }
  }
  const namenodePairs = new Map<string, string[]>();
  const facts = opts.facts ?? dcFacts(opts.dc);
  for (const c of facts.clusters) {
    for (const h of c.namenodes) roles.set(h, 'NameNode');
    for (const h of c.resourcemanagers) roles.set(h, 'ResourceManager');
    for (const h of c.headnodes) roles.set(h, 'head node');
    namenodePairs.set(c.name, c.namenodes);
  }
  const clusterAttrs = new Map<string, Record<string, string>>();
  const clustersFile = path.join(dayDir, 'clusters.tsv');
  if (fs.existsSync(clustersFile)) for (const r of readTable(clustersFile).rows) clusterAttrs.set(r.cluster ?? '', r);
  const health = new Map<string, HealthRow>();
  const healthFile = path.join(dayDir, 'hdfs-health.tsv');
  if (fs.existsSync(healthFile)) {
    for (const r of readTable(healthFile).rows) {
      health.set(r.cluster ?? '', { missing: Number(r.missing), underReplicated: Number(r.under_replicated), corrupt: Number(r.corrupt) });
    }
  }
  // Federated clusters: the namespaces behind each summed row, so a refusal names the one that caused it.
  for (const [cluster, rows] of readNamespaceHealth(dayDir)) {
    const h = health.get(cluster);
    if (h) health.set(cluster, { ...h, namespaces: rows });
  }
  const empty = new Set<string>();
  const g = (n: string) => groupSet(dayDir, n) ?? empty;
  const hdfs = {
    live: g('hdfs-live'),
    inService: g('hdfs-in-service'),
    dead: g('hdfs-dead'),
    decommissioned: g('hdfs-decommissioned'),
    decommissioning: g('hdfs-decommissioning'),
    maintenance: g('hdfs-maintenance'),
    countedOn: readCountedOn(dayDir),
  };

  const opSets = new Map<Op, OpSets>();
  const opSources = new Map<Op, SourceStatus[]>();
  const opGroupCounts = new Map<Op, Array<{ group: string; before: number | null; after: number }>>();
  const parts = listParts(dayDir);
  const typeOf = new Map<string, string>();
  for (const [name, type] of Object.entries(facts.sourceTypes)) typeOf.set(name, type);
  const before = history.before ? new Map(Object.entries(history.before)) : null;
  const recipeExprs = new Map(policy.recipes.map((r) => [r.name, r.expression]));
  for (const op of opts.ops) {
    const o = policy.operations.get(op)!;
    const ifDead = busyIfDeadExpression(o.busy, recipeExprs);
    opSets.set(op, {
      candidates: evaluateToSet(dayDir, cwd, o.candidates, paths),
      busy: evaluateToSet(dayDir, cwd, o.busy, paths),
      inFlight: o.inFlight ? evaluateToSet(dayDir, cwd, o.inFlight, paths) : null,
      busyIfDead: ifDead ? evaluateExprToSet(dayDir, cwd, ifDead, paths) : null,
    });
    const deps = dependencies(policy, op);
    const statuses = new Map<string, SourceStatus>();
    for (const name of deps.base) {
      const file = name === 'inventory' ? 'inventory.tsv' : name === 'hdfs-health' ? 'hdfs-health.tsv' : name;
      if (name.startsWith('plans.')) continue;
      const meta = readMeta(dayDir, file);
      const producers = parts.filter((p) => p.groups.includes(file) || p.tables.includes(file));
      if (producers.length === 0) {
        if (!fs.existsSync(path.join(dayDir, file)) && (name === 'hdfs-live' || name === 'hdfs-health')) {
          statuses.set(`(${name})`, { name: `for ${file}`, ok: false, time: null, maxAgeMs: null, reason: `no ${file} today: HDFS state unknown, configure and pull an hdfs source` });
        }
        if (meta?.kind === 'source' && meta.source) {
          for (const s of meta.source.split(' ')) if (!statuses.has(s)) statuses.set(s, { name: s, ok: !opts.sources.failed.has(s), time: new Date(meta.time), maxAgeMs: opts.sources.maxAge.get(s) ?? null, reason: opts.sources.failed.get(s), cluster: opts.sources.clusterOf?.get(s) ?? null });
        }
        continue;
      }
      for (const p of producers) {
        // A combined part (a federated cluster's namespaces) stands for the sources it was made from.
        for (const name of p.from ?? [p.source]) {
          const own = p.from ? parts.find((q) => q.source === name) : p;
          statuses.set(name, {
            name,
            ok: !opts.sources.failed.has(name),
            time: own ? new Date(own.time) : null,
            maxAgeMs: opts.sources.maxAge.get(name) ?? null,
            reason: opts.sources.failed.get(name),
            cluster: opts.sources.clusterOf?.get(name) ?? null,
          });
        }
      }
    }
    // A source that failed this pass without a part today (its first pull of the day) left
    // nothing on disk that says which groups it writes. Sources of its type write the same
    // names (hdfs-*, yarn-*), so their parts tell; with none to go by, every op depends on it.
    for (const [name, reason] of opts.sources.failed) {
      if (statuses.has(name) || parts.some((p) => p.source === name)) continue;
      const sameType = (s: string) => typeOf.has(name) && typeOf.get(s) === typeOf.get(name);
      const kin = parts.filter((p) => sameType(p.source) || (p.from ?? []).some(sameType));
      const writes = new Set(kin.flatMap((p) => [...p.groups, ...p.tables]));
      const reads = [...deps.base].map((n) => (n === 'inventory' ? 'inventory.tsv' : n === 'hdfs-health' ? 'hdfs-health.tsv' : n));
      if (kin.length > 0 && !reads.some((f) => writes.has(f))) continue;
      statuses.set(name, { name, ok: false, time: null, maxAgeMs: opts.sources.maxAge.get(name) ?? null, reason, cluster: opts.sources.clusterOf?.get(name) ?? null });
    }
    opSources.set(op, [...statuses.values()]);
    const counts: Array<{ group: string; before: number | null; after: number }> = [];
    for (const name of [...deps.base].sort()) {
      if (name.startsWith('plans.') || name === 'inventory' || name === 'hdfs-health') continue;
      const meta = readMeta(dayDir, name);
      if (!meta) continue;
      counts.push({ group: name, before: before?.get(name) ?? null, after: meta.count });
    }
    opGroupCounts.set(op, counts);
  }

  const attempts = new Map<string, Date[]>();
  const applied: AppliedAction[] = [];
  for (const record of history.applies) {
    const when = new Date(record.applied);
    for (const o of record.outcomes) for (const h of o.acted) applied.push({ host: h, cluster: o.cluster, op: o.op, time: when });
    if (opts.now.getTime() - when.getTime() > policy.safety.attemptWindowMs) continue;
    for (const o of record.outcomes) {
      if (!(REMEDIATION_OPS as readonly string[]).includes(o.op)) continue;
      for (const h of o.acted) {
        let l = attempts.get(h);
        if (!l) attempts.set(h, (l = []));
        l.push(when);
      }
    }
  }
  return {
    clusterOf,
    rackOf,
    datagroupOf,
    down: evaluateToSet(dayDir, cwd, policy.down, paths),
    clusterAttrs,
    workers: g(policy.workers),
    health,
    hdfs,
    heads: { roles, namenodePairs },
    opSets,
    opSources,
    opGroupCounts,
    allCount: g('all').size,
    attempts,
    applied,
    datagroupDisagreements,
    inOpenPlan: new Set(OPS.flatMap((op) => [...g(`plans.${op}`)])),
  };
}
