import path from 'node:path';
import type { DatacenterConfig, ExecConfig } from '../config/config.js';
import type { OpenEntry } from '../policy/open.js';
import type { Op, Policy } from '../policy/types.js';
import { changeHdfsSide, hdfsTargets, runCommandOp } from './apply.js';
import { leaveMaintenance } from './maintenance.js';
import { StepError } from './steps.js';

/** Membership tests on this pass's groups; null when the group does not exist today. */
export interface GroupView {
  has(group: string, host: string): boolean | null;
}

export interface AdvanceInput {
  dayDir: string;
  pass: number;
  policy: Policy;
  dc: DatacenterConfig;
  exec: ExecConfig;
  domain: string | null;
  now: Date;
  signal: AbortSignal;
  /** false: a dry run, which says what it would do and changes nothing. */
  act: boolean;
  say: (line: string) => void;
  /** Why an op may not act now (a closed window, a freeze), or null. */
  blocked?: (op: Op) => string | null;
}

export interface Advanced {
  /** The open entries after this step (changed ones replaced, closed ones gone). */
  open: OpenEntry[];
  closed: Array<{ entry: OpenEntry; why: string }>;
  /** Entries past their op's timeout while waiting for HDFS: never acted on, a person looks. */
  waiting: Array<{ entry: OpenEntry; why: string }>;
  /** Entries whose command failed: closed, and a person looks. */
  failed: Array<{ entry: OpenEntry; why: string }>;
}

function ageText(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m}m` : `${Math.round(m / 60)}h`;
}

/**
 * One step of the HDFS maintenance workflow of every open entry that is in it,
 * its state read from this pass's groups, never kept in memory:
 * entering maintenance → (HDFS reports In maintenance) run the op's command →
 * (the host is back: answering and live in HDFS) out of maintenance, closed.
 * Maintenance that ended before the command ran (the expiry passed while
 * nothing acted, or a person ended it) closes the entry without running the
 * command. A host that never reaches In maintenance never gets the command.
 */
export async function advanceMaintenance(open: OpenEntry[], v: GroupView, input: AdvanceInput): Promise<Advanced> {
  const now = input.now.toISOString();
  const closed: Advanced['closed'] = [];
  const waiting: Advanced['waiting'] = [];
  const failed: Advanced['failed'] = [];
  const keep: OpenEntry[] = [];
  const toRun = new Map<Op, OpenEntry[]>();
  const toLeave = new Map<string, Array<{ entry: OpenEntry; why: string; close: boolean }>>();
  const leave = (entry: OpenEntry, why: string, close: boolean) => {
    const l = toLeave.get(entry.cluster) ?? [];
    l.push({ entry, why, close });
    toLeave.set(entry.cluster, l);
  };

  for (const e of open) {
    if (!e.maintenance) {
      keep.push(e);
      continue;
    }
    const inMaintenance = v.has('hdfs-in-maintenance', e.host) === true;
    const entering = !inMaintenance && (v.has('hdfs-entering-maintenance', e.host) === true || v.has('hdfs-maintenance', e.host) === true);
    const timeout = input.policy.operations.get(e.op)?.timeoutMs ?? null;
    const age = input.now.getTime() - Date.parse(e.applied);
    if (!e.ran) {
      if (inMaintenance) {
        const l = toRun.get(e.op) ?? [];
        l.push(e);
        toRun.set(e.op, l);
      } else if (entering) {
        keep.push(e);
        if (timeout !== null && age > timeout) {
          waiting.push({ entry: e, why: `entering HDFS maintenance for ${ageText(age)}, past its ${e.op} timeout: a block may have no other replica; ${e.op} does not run while it waits (see hdfs fsck, or release it)` });
        } else input.say(`waiting ${e.op} ${e.host}: entering HDFS maintenance (${ageText(age)})`);
      } else {
        // Maintenance ended before the command ran: nothing was done to the host, and nothing will be.
        leave(e, `HDFS maintenance ended before ${e.op} ran (expired at ${e.maintenance.expires}, or ended by hand): closed without running ${e.op}`, true);
      }
      continue;
    }
    const back = v.has('responsive', e.host) !== false && v.has('hdfs-live', e.host) === true && v.has('hdfs-dead', e.host) !== true;
    if (back && e.ran !== now) leave(e, `${e.op} done and the host is back: out of HDFS maintenance`, true);
    else {
      keep.push(e);
      input.say(`waiting ${e.op} ${e.host}: ${e.op} ran ${ageText(input.now.getTime() - Date.parse(e.ran))} ago, not back yet`);
    }
  }

  // In maintenance: now the command runs, each op's hosts in one fan-out.
  for (const [op, entries] of toRun) {
    const hosts = entries.map((e) => e.host);
    const block = input.blocked?.(op) ?? null;
    if (block) {
      // Left waiting in maintenance; should the expiry come first, the entry closes without the command.
      input.say(`not running ${op} on ${hosts.join(' ')} (In maintenance): ${block}`);
      keep.push(...entries);
      continue;
    }
    if (!input.act) {
      input.say(`would run ${op} on ${hosts.join(' ')} (In maintenance); a dry run changes nothing`);
      keep.push(...entries);
      continue;
    }
    const dir = path.join(input.dayDir, 'exec', String(input.pass), op);
    let results;
    try {
      results = await runCommandOp(input, op, hosts, dir);
    } catch (e) {
      if (!(e instanceof StepError) && !(e instanceof Error && e.name === 'AdapterError')) throw e;
      input.say(`${op} could not run on ${hosts.join(' ')}: ${e.message}; they stay in maintenance and are tried next pass`);
      keep.push(...entries);
      continue;
    }
    for (const e of entries) {
      const r = results.find((x) => x.host === e.host);
      if (r && (r.status === 'ok' || r.status === 'unreachable')) {
        keep.push({ ...e, ran: now, ...(r.status === 'unreachable' ? { result: 'unreachable' } : {}) });
        input.say(`ran ${op} ${e.host} (In maintenance)${r.status === 'unreachable' ? ': the connection dropped as it went down' : ''}`);
      } else {
        const why = `${op} failed on ${e.host}: ${r ? r.status : 'no result'}${r?.exitCode != null ? ` (exit ${r.exitCode})` : ''}; out of maintenance, see ${path.relative(input.dayDir, dir)}/${e.host}.out`;
        // Recorded as run: should ending maintenance fail now, the next pass must not run it again.
        const ranEntry = { ...e, ran: now, result: r?.status ?? 'failed' };
        failed.push({ entry: ranEntry, why });
        leave(ranEntry, why, true);
      }
    }
  }

  // Out of maintenance, one read-change-write of the hosts file per cluster.
  for (const [cluster, items] of toLeave) {
    const c = input.dc.clusters.get(cluster);
    if (!input.act) {
      for (const i of items) input.say(`would end HDFS maintenance of ${i.entry.host} (${i.why}); a dry run changes nothing`);
      keep.push(...items.map((i) => i.entry));
      continue;
    }
    try {
      if (!c || !hdfsTargets(c).every((t) => t.hdfsHostsJson)) throw new StepError(`cluster ${cluster} has no hdfs_hosts_json in the config any more`);
      for (const t of hdfsTargets(c)) {
        await leaveMaintenance(input, t, items.map((i) => i.entry.host), path.join(input.dayDir, 'exec', String(input.pass), 'maintenance', cluster, ...(t.namespace ? [t.namespace] : [])));
      }
    } catch (e) {
      if (!(e instanceof StepError) && !(e instanceof Error && e.name === 'AdapterError')) throw e;
      input.say(`could not end HDFS maintenance in ${cluster}: ${e.message}; tried again next pass (the expiry ends it anyway)`);
      keep.push(...items.map((i) => i.entry));
      continue;
    }
    for (const i of items) {
      if (i.close) closed.push({ entry: i.entry, why: i.why });
    }
  }
  return { open: keep, closed, waiting, failed };
}

/**
 * Drains and returns that some namespaces of a federated cluster did not
 * take (their exclude file or refresh failed): each pass tries those
 * namespaces again, one fan-out per cluster, op and namespace, until they
 * take it. The entry stays open meanwhile, and its drain cannot finish, since
 * the namespace that never heard of it does not report it decommissioned.
 */
export async function retryPendingNamespaces(open: OpenEntry[], input: AdvanceInput): Promise<OpenEntry[]> {
  const groups = new Map<string, { cluster: string; op: Op; namespace: string; entries: OpenEntry[] }>();
  for (const e of open) {
    for (const ns of e.pending ?? []) {
      const key = `${e.cluster}\t${e.op}\t${ns}`;
      const g = groups.get(key) ?? { cluster: e.cluster, op: e.op, namespace: ns, entries: [] };
      g.entries.push(e);
      groups.set(key, g);
    }
  }
  const took = new Map<OpenEntry, Set<string>>();
  for (const g of groups.values()) {
    const hosts = g.entries.map((e) => e.host);
    const what = `${g.op} of ${hosts.join(' ')} in ${g.cluster} namespace ${g.namespace}`;
    const t = input.dc.clusters.get(g.cluster) ? hdfsTargets(input.dc.clusters.get(g.cluster)!).find((x) => x.namespace === g.namespace) : undefined;
    if (!t) {
      input.say(`cannot retry the ${what}: the config no longer has that namespace; release the hosts by hand`);
      continue;
    }
    if (!input.act) {
      input.say(`would retry the ${what}; a dry run changes nothing`);
      continue;
    }
    try {
      await changeHdfsSide(input, t, hosts, g.op === 'return' ? 'remove' : 'add', path.join(input.dayDir, 'exec', String(input.pass), g.op, g.cluster, `${g.namespace}-retry`));
    } catch (e) {
      if (!(e instanceof StepError) && !(e instanceof Error && e.name === 'AdapterError')) throw e;
      input.say(`retried the ${what}: failed again (${e.message}); still open, tried again next pass`);
      continue;
    }
    input.say(`retried the ${what}: done`);
    for (const e of g.entries) {
      const s = took.get(e) ?? new Set<string>();
      s.add(g.namespace);
      took.set(e, s);
    }
  }
  return open.map((e) => {
    const done = took.get(e);
    if (!done) return e;
    const pending = (e.pending ?? []).filter((ns) => !done.has(ns));
    const { pending: _p, ...rest } = e;
    return pending.length > 0 ? { ...rest, pending } : rest;
  });
}
