import fs from 'node:fs';
import path from 'node:path';
import type { ClusterConfig, DatacenterConfig, ExecConfig } from '../config/config.js';
import type { OpenEntry } from '../policy/open.js';
import type { FleetState } from '../policy/plan.js';
import { recheck, startTally, type ClusterTally } from '../policy/recheck.js';
import { OPS, type Op, type Policy } from '../policy/types.js';
import { changeDecommission, enterMaintenance } from './maintenance.js';
import type { Refusal } from '../safety/invariants.js';
import { readGroupLines } from '../store/group.js';
import { writeFileAtomic } from '../store/atomic.js';
import { adapterFor, fanOut, writeExecGroups } from './exec.js';
import { isCanonicalHost } from '../sources/hostnames.js';
import { withHost } from './quote.js';
import { StepError, step, WRITE_SCRIPT, kerberized } from './steps.js';
import type { HostResult } from './types.js';

export interface ApplyInput {
  dayDir: string;
  day: string;
  planDir: string;
  pass: number;
  policy: Policy;
  dc: DatacenterConfig;
  exec: ExecConfig;
  state: FleetState;
  now: Date;
  signal: AbortSignal;
  say: (line: string) => void;
  /** hostnames.domain of the config, to match names in the NameNodes' files. */
  domain: string | null;
  /** Why an op may not act now (a closed window, a freeze), or null: read at apply time. */
  blocked?: (op: Op) => string | null;
}

export interface OpOutcome {
  cluster: string;
  op: Op;
  planned: string[];
  acted: string[];
  ok: string[];
  failed: string[];
  /** Ops that take hosts down: the command ended unreachable (the connection dropped as the host went down); kept open. */
  unreachable?: string[];
  error?: string;
}

export interface ApplyReport {
  outcomes: OpOutcome[];
  refusals: Refusal[];
  opened: OpenEntry[];
}

/** How long a host stays in maintenance when the op does not say (maintenance_expiry). */
export const DEFAULT_MAINTENANCE_EXPIRY_MS = 30 * 60_000;

interface SavedPlanJson {
  budgets: Array<{ cluster: string; op: Op; cap: number }>;
  chosen: Record<string, string[]>;
}

/** The hosts-file rules HDFS uses: whitespace-separated names, `#` starts a comment. */
export function parseHostsFile(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const tok of line.split(/[ \t\f\r]+/)) {
      if (!tok) continue;
      if (tok.startsWith('#')) break;
      out.push(tok);
    }
  }
  return out;
}

/**
 * The NameNode side of a cluster: the cluster itself, or in a federated
 * cluster each namespace, with its own NameNodes, files and command; every
 * namespace gets the exclude (or combined hosts) file and a refresh of its own.
 */
export interface HdfsTarget {
  /** The namespace, or null for a cluster with one. */
  namespace: string | null;
  name: string;
  namenodes: string[];
  hdfsCommand: string[];
  hdfsExclude: string;
  hdfsHostsJson: string | null;
  /** `-fs hdfs://NS` before the dfsadmin command of a namespace; nothing otherwise. */
  fsArgs: string[];
}

export function hdfsTargets(c: ClusterConfig): HdfsTarget[] {
  if (c.namespaces.length === 0) {
    return [{ namespace: null, name: c.name, namenodes: c.namenodes, hdfsCommand: c.hdfsCommand, hdfsExclude: c.hdfsExclude, hdfsHostsJson: c.hdfsHostsJson, fsArgs: [] }];
  }
  return c.namespaces.map((ns) => ({
    namespace: ns.name,
    name: `${c.name} namespace ${ns.name}`,
    namenodes: ns.namenodes,
    hdfsCommand: ns.hdfsCommand,
    hdfsExclude: ns.hdfsExclude,
    hdfsHostsJson: ns.hdfsHostsJson,
    fsArgs: ['-fs', `hdfs://${ns.name}`],
  }));
}

/** Some namespaces of a federated cluster took the change and some did not: the hosts are in flight, and the rest is retried. */
export class NamespaceStepError extends StepError {
  constructor(
    readonly done: string[],
    readonly failed: Array<{ namespace: string; why: string }>,
  ) {
    super(failed.map((f) => `namespace ${f.namespace}: ${f.why}`).join('; '));
  }
}

/** The HDFS half of a drain (`add`) or return (`remove`) on one namespace (or one-namespace cluster): its file, then its refresh. */
export async function changeHdfsSide(input: ApplyInput | (StepContextLike & { domain: string | null }), t: HdfsTarget, hosts: string[], mode: 'add' | 'remove', base: string): Promise<void> {
  if (t.namenodes.length === 0) throw new StepError(`${t.name} has no namenodes in the config: cannot write its exclude file`);
  if (t.hdfsHostsJson) return changeDecommission(input, t, hosts, mode, base);
  const current = parseHostsFile(await step(input, [t.namenodes[0]!], ['sh', '-c', 'cat "$1" 2>/dev/null || true', 'sh', t.hdfsExclude], path.join(base, 'read-exclude'), `read ${t.hdfsExclude}`));
  const next = withHosts(current, hosts, mode);
  await step(input, t.namenodes, ['sh', '-c', WRITE_SCRIPT, 'sh', t.hdfsExclude, ...next], path.join(base, 'write-hdfs-exclude'), `write ${t.hdfsExclude}`);
  await step(input, t.namenodes, kerberized(input.dc, [...t.hdfsCommand, 'dfsadmin', ...t.fsArgs, '-refreshNodes']), path.join(base, 'refresh-hdfs'), `hdfs dfsadmin ${t.fsArgs.length ? `${t.fsArgs.join(' ')} ` : ''}-refreshNodes`);
}

type StepContextLike = Pick<ApplyInput, 'dc' | 'exec' | 'signal'>;

/**
 * The drain workflow's one action per pass: the exclude files on the
 * NameNodes (of every namespace) and ResourceManagers become what is already
 * excluded plus (drain) or minus (return) the hosts, then each is told to
 * re-read them. Progress (decommissioning → decommissioned) is read from the
 * sources in later passes. In a federated cluster a namespace that failed
 * does not stop the others: the error names it, and the caller keeps the
 * hosts open with that namespace to retry.
 */
async function changeExcludes(input: ApplyInput, c: ClusterConfig, hosts: string[], mode: 'add' | 'remove', base: string): Promise<void> {
  const targets = hdfsTargets(c);
  if (targets.length === 1 && targets[0]!.namespace === null) {
    if (c.namenodes.length === 0) throw new StepError(`cluster ${c.name} has no namenodes in the config: cannot write its exclude file`);
    if (c.hdfsHostsJson) return changeCombined(input, c, hosts, mode, base);
    const t = targets[0]!;
    const current = parseHostsFile(await step(input, [c.namenodes[0]!], ['sh', '-c', 'cat "$1" 2>/dev/null || true', 'sh', c.hdfsExclude], path.join(base, 'read-exclude'), `read ${c.hdfsExclude}`));
    const next = withHosts(current, hosts, mode);
    await step(input, c.namenodes, ['sh', '-c', WRITE_SCRIPT, 'sh', c.hdfsExclude, ...next], path.join(base, 'write-hdfs-exclude'), `write ${c.hdfsExclude}`);
    if (c.resourcemanagers.length > 0) {
      await step(input, c.resourcemanagers, ['sh', '-c', WRITE_SCRIPT, 'sh', c.yarnExclude, ...next], path.join(base, 'write-yarn-exclude'), `write ${c.yarnExclude}`);
    }
    await step(input, t.namenodes, kerberized(input.dc, [...t.hdfsCommand, 'dfsadmin', '-refreshNodes']), path.join(base, 'refresh-hdfs'), 'hdfs dfsadmin -refreshNodes');
    if (c.resourcemanagers.length > 0) await refreshYarn(input, c, base);
    return;
  }
  const done: string[] = [];
  const failed: Array<{ namespace: string; why: string }> = [];
  for (const t of targets) {
    try {
      await changeHdfsSide(input, t, hosts, mode, path.join(base, t.namespace!));
      done.push(t.namespace!);
    } catch (e) {
      if (!(e instanceof StepError) && !(e instanceof Error && e.name === 'AdapterError')) throw e;
      failed.push({ namespace: t.namespace!, why: e.message });
    }
  }
  // YARN has one ResourceManager per cluster whatever HDFS has: its exclude file once, read from it.
  if (done.length > 0 && c.resourcemanagers.length > 0) await changeYarn(input, c, hosts, mode, base);
  if (failed.length > 0) throw new NamespaceStepError(done, failed);
}

async function changeYarn(input: ApplyInput, c: ClusterConfig, hosts: string[], mode: 'add' | 'remove', base: string): Promise<void> {
  const current = parseHostsFile(await step(input, [c.resourcemanagers[0]!], ['sh', '-c', 'cat "$1" 2>/dev/null || true', 'sh', c.yarnExclude], path.join(base, 'read-yarn-exclude'), `read ${c.yarnExclude}`));
  const next = withHosts(current, hosts, mode);
  await step(input, c.resourcemanagers, ['sh', '-c', WRITE_SCRIPT, 'sh', c.yarnExclude, ...next], path.join(base, 'write-yarn-exclude'), `write ${c.yarnExclude}`);
  await refreshYarn(input, c, base);
}

/** A graceful decommission (or recommission) on the ResourceManagers, after their exclude file changed. */
async function refreshYarn(input: ApplyInput, c: ClusterConfig, base: string): Promise<void> {
  await step(
    input,
    c.resourcemanagers,
    kerberized(input.dc, [...c.yarnCommand, 'rmadmin', '-refreshNodes', '-g', String(c.decommissionTimeoutS), '-client']),
    path.join(base, 'refresh-yarn'),
    'yarn rmadmin -refreshNodes',
  );
}

/** What an exclude file holds once hosts are added (a drain) or taken out (a return), sorted. */
function withHosts(current: string[], hosts: string[], mode: 'add' | 'remove'): string[] {
  const set = new Set(current);
  for (const h of hosts) mode === 'add' ? set.add(h) : set.delete(h);
  return [...set].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The same on a cluster whose NameNodes read the combined hosts file (which
 * replaces their exclude file): DECOMMISSIONED there, and the ResourceManagers'
 * exclude file read from them, since no NameNode file lists the drains any more.
 */
async function changeCombined(input: ApplyInput, c: ClusterConfig, hosts: string[], mode: 'add' | 'remove', base: string): Promise<void> {
  await changeDecommission(input, hdfsTargets(c)[0]!, hosts, mode, base);
  if (c.resourcemanagers.length === 0) return;
  await changeYarn(input, c, hosts, mode, base);
}

/** Runs an op's command: on each host (`on: host`), or on a controller with `{host}` filled in, once per host. */
export async function runCommandOp(input: Pick<ApplyInput, 'policy' | 'exec' | 'dayDir' | 'signal'>, op: Op, hosts: string[], dir: string): Promise<HostResult[]> {
  const o = input.policy.operations.get(op)!;
  if (o.on === 'host') return (await fanOut({ cfg: input.exec, hosts, argv: o.run!, outDir: dir, signal: input.signal, label: op, writeGroups: false })).results;
  const target = o.on!.includes('.') ? o.on! : (() => {
    const f = path.join(input.dayDir, o.on!);
    const members = fs.existsSync(f) ? readGroupLines(f) : [];
    if (members.length === 0) throw new StepError(`${op} runs on ${o.on}, but there is no such host, or the group ${o.on} is empty today`);
    return members[0]!;
  })();
  // Invariant 7 holds for the controller too: only a canonical name reaches the adapter.
  if (!isCanonicalHost(target)) throw new StepError(`${op} runs on "${target}", which is not a canonical host name`);
  fs.mkdirSync(dir, { recursive: true });
  const adapter = adapterFor(input.exec);
  const results: HostResult[] = [];
  for (const h of hosts) {
    const sub = path.join(dir, `.via-${h}`);
    fs.mkdirSync(sub, { recursive: true });
    const [r] = await adapter.run({
      hosts: [target],
      argv: withHost(o.run!, h),
      outDir: sub,
      concurrency: 1,
      timeoutMs: input.exec.timeoutMs,
      connectTimeoutMs: input.exec.connectTimeoutMs,
      signal: input.signal,
    });
    fs.renameSync(path.join(sub, `${target}.out`), path.join(dir, `${h}.out`));
    fs.rmSync(sub, { recursive: true, force: true });
    results.push({ ...r!, host: h });
  }
  return results;
}

/**
 * Acts on a saved plan: every chosen host is checked again against every
 * invariant on fresh state; refused hosts are dropped, never replaced. Returns
 * what was done, and the entries that are now open.
 */
export async function applyPlan(input: ApplyInput): Promise<ApplyReport> {
  const plan = JSON.parse(fs.readFileSync(path.join(input.planDir, 'plan.json'), 'utf8')) as SavedPlanJson;
  const outcomes: OpOutcome[] = [];
  const refusals: Refusal[] = [];
  const opened: OpenEntry[] = [];
  /** Each op's host results over every cluster: `exec/<pass>/<op>/<host>.out` and one set of exec-* groups. */
  const ran = new Map<Op, HostResult[]>();
  // Cluster by cluster, each in OPS order, so that the rules across ops are checked on the sum again.
  const keys = Object.entries(plan.chosen ?? {}).map(([key, planned]) => {
    const dot = key.lastIndexOf('.');
    return { cluster: key.slice(0, dot), op: key.slice(dot + 1) as Op, planned };
  });
  keys.sort((a, b) => (a.cluster === b.cluster ? OPS.indexOf(a.op) - OPS.indexOf(b.op) : a.cluster < b.cluster ? -1 : 1));
  const tallies = new Map<string, ClusterTally>();
  for (const { cluster, op, planned } of keys) {
    const budget = plan.budgets.find((b) => b.cluster === cluster && b.op === op);
    const outcome: OpOutcome = { cluster, op, planned, acted: [], ok: [], failed: [] };
    outcomes.push(outcome);
    if (!budget || !input.policy.operations.has(op)) {
      outcome.error = `no budget row or no operation ${op} in the policy: not applied`;
      continue;
    }
    const block = input.blocked?.(op) ?? null;
    if (block) {
      outcome.error = `not applied: ${block}`;
      input.say(`not applied ${cluster}.${op}: ${block}`);
      continue;
    }
    let tally = tallies.get(cluster);
    if (!tally) {
      // Every op's cap in the cluster, also of ops that chose nobody: an offline op's hosts may draw on their budgets.
      const caps = new Map(plan.budgets.filter((b) => b.cluster === cluster).map((b) => [b.op, b.cap]));
      tallies.set(cluster, (tally = startTally(cluster, input.state, input.policy, caps)));
    }
    const r = recheck(op, cluster, planned, budget.cap, input.state, input.policy, input.now, tally);
    refusals.push(...r.refusals);
    if (r.keep.length === 0) {
      outcome.error = r.refusals.length ? 'every host refused on fresh state' : 'nothing to do';
      continue;
    }
    outcome.acted = r.keep;
    const opDir = path.join(input.dayDir, 'exec', String(input.pass), op);
    const operation = input.policy.operations.get(op)!;
    const cfg = input.dc.clusters.get(cluster);
    // Every namespace of a federated cluster must read a combined hosts file for maintenance to mean anything.
    const viaMaintenance = operation.effect === 'down' && !!cfg && hdfsTargets(cfg).every((t) => !!t.hdfsHostsJson);
    let unreachable: string[] = [];
    try {
      if (viaMaintenance) {
        // The command runs in a later pass, once HDFS reports the host In maintenance.
        const expires = input.now.getTime() + (operation.maintenanceExpiryMs ?? DEFAULT_MAINTENANCE_EXPIRY_MS);
        // Namespace by namespace; one that fails stops the rest, and those already changed end it at the expiry.
        for (const t of hdfsTargets(cfg!)) {
          await enterMaintenance({ ...input, domain: input.domain }, t, r.keep, expires, path.join(opDir, cluster, 'enter-maintenance', ...(t.namespace ? [t.namespace] : [])));
        }
        outcome.ok = r.keep;
        for (const host of r.keep) {
          opened.push({ host, cluster, op, day: input.day, pass: input.pass, applied: input.now.toISOString(), maintenance: { expires: new Date(expires).toISOString() }, ran: null });
        }
        input.say(`applied ${cluster}.${op}: ${r.keep.length} host(s) entering HDFS maintenance until ${new Date(expires).toISOString()}; ${op} runs once HDFS reports them In maintenance: ${r.keep.join(' ')}`);
        continue;
      } else if (op === 'drain' || op === 'return') {
        const c = input.dc.clusters.get(cluster);
        if (!c) throw new StepError(`cluster ${cluster} is not in the config's clusters: cannot reach its NameNodes`);
        // The head-node steps of this cluster: exec/<pass>/<op>/<cluster>/<step>/<head node>.out
        try {
          await changeExcludes(input, c, r.keep, op === 'drain' ? 'add' : 'remove', path.join(opDir, cluster));
        } catch (e) {
          if (!(e instanceof NamespaceStepError) || e.done.length === 0) throw e;
          // Some namespaces took it: the hosts are on their way, so the plan is open; the rest is retried each pass.
          const pending = e.failed.map((f) => f.namespace);
          outcome.ok = r.keep;
          outcome.error = `${e.message}; open until namespace ${pending.join(', ')} takes it (retried each pass)`;
          for (const host of r.keep) opened.push({ host, cluster, op, day: input.day, pass: input.pass, applied: input.now.toISOString(), pending });
          input.say(`applied ${cluster}.${op} in namespace ${e.done.join(', ')} only: ${r.keep.length} host(s) open; ${outcome.error}`);
          continue;
        }
        outcome.ok = r.keep;
      } else if (input.policy.operations.get(op)!.run) {
        const results = await runCommandOp(input, op, r.keep, opDir);
        ran.set(op, [...(ran.get(op) ?? []), ...results]);
        // A host taken down may drop the connection that took it down (ssh exits 255): it is
        // still on its way down, so it stays open and busy until it is back or its timeout passes.
        if (operation.effect === 'down') unreachable = results.filter((x) => x.status === 'unreachable').map((x) => x.host);
        outcome.ok = results.filter((x) => x.status === 'ok').map((x) => x.host);
        outcome.failed = results.filter((x) => x.status !== 'ok' && !unreachable.includes(x.host)).map((x) => x.host);
        if (unreachable.length > 0) outcome.unreachable = unreachable;
      } else {
        throw new StepError(`${op} has no run: command in the policy and no built-in workflow`);
      }
    } catch (e) {
      if (!(e instanceof StepError) && !(e instanceof Error && e.name === 'AdapterError')) throw e;
      outcome.error = e.message;
      outcome.failed = r.keep.filter((h) => !outcome.ok.includes(h));
      // A step that failed before the hosts were touched (a head node's file, a controller) acted on
      // none of them: it must not count as a remediation attempt (invariant 8) or against a rate.
      outcome.acted = outcome.ok;
    }
    for (const host of outcome.ok) opened.push({ host, cluster, op, day: input.day, pass: input.pass, applied: input.now.toISOString() });
    for (const host of unreachable) opened.push({ host, cluster, op, day: input.day, pass: input.pass, applied: input.now.toISOString(), result: 'unreachable' });
    input.say(
      `applied ${cluster}.${op}: ${outcome.ok.length} ok${outcome.failed.length ? `, ${outcome.failed.length} failed` : ''}${unreachable.length ? ` (${unreachable.length} unreachable after the command: kept open until back)` : ''}${outcome.error ? ` (${outcome.error})` : ''}`,
    );
  }
  const time = new Date().toISOString();
  for (const [op, results] of ran) writeExecGroups(path.join(input.dayDir, 'exec', String(input.pass), op), results, input.exec.adapter, op, time);
  writeFileAtomic(
    path.join(input.planDir, 'apply.json'),
    JSON.stringify({ applied: input.now.toISOString(), outcomes, refusals }, null, 2) + '\n',
  );
  return { outcomes, refusals, opened };
}
