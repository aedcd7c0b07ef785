import type { Effect, Op } from '../policy/types.js';
import { isCanonicalHost } from '../sources/hostnames.js';

/**
 * The safety invariants of DESIGN §6: plain functions over plain data, kept
 * apart from policy. Each returns a Refusal (or null), carrying its number
 * and a message a person can act on. A refusal is never turned into doing
 * something else.
 */
export interface Refusal {
  host: string | null;
  cluster: string;
  op: Op;
  invariant: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
  message: string;
}

/** Ops that destroy a host's data: never on a live DataNode not yet decommissioned. */
export const WIPING_OPS: readonly Op[] = ['rekick', 'firmware', 'burnin'];
/** Ops that take replicas away: never in a cluster already missing blocks. */
export const REPLICA_OPS: readonly Op[] = ['drain', 'rekick'];
/** Ops that count as a remediation attempt. */
export const REMEDIATION_OPS: readonly Op[] = ['rekick', 'reboot', 'firmware', 'burnin'];

export interface HdfsState {
  live: ReadonlySet<string>;
  inService: ReadonlySet<string>;
  dead: ReadonlySet<string>;
  decommissioned: ReadonlySet<string>;
  decommissioning: ReadonlySet<string>;
  maintenance: ReadonlySet<string>;
  /**
   * Federated clusters: host → the namespaces that still list it live and not
   * decommissioned, e.g. `ns2 (decommissioning)`. The combined groups may
   * call such a host dead (dead in another namespace); it is not out of HDFS
   * while any namespace counts on its replicas.
   */
  countedOn?: ReadonlyMap<string, string>;
}

/** 1. No rekick/firmware/burnin on a DataNode HDFS lists as live and not yet decommissioned. */
export function checkDataNodeState(op: Op, cluster: string, host: string, hdfs: HdfsState): Refusal | null {
  if (!WIPING_OPS.includes(op)) return null;
  const held = hdfs.countedOn?.get(host);
  if (held) {
    return {
      host,
      cluster,
      op,
      invariant: 1,
      message: `${host} is still a live DataNode of namespace ${held}: ${op} would destroy replicas that namespace still counts on; wait until every namespace reports it Decommissioned`,
    };
  }
  if (!hdfs.live.has(host) || hdfs.decommissioned.has(host)) return null;
  const state = hdfs.decommissioning.has(host) ? 'still decommissioning' : hdfs.maintenance.has(host) ? 'in maintenance' : 'in service';
  return {
    host,
    cluster,
    op,
    invariant: 1,
    message: `${host} is a live DataNode ${state}: ${op} would destroy replicas HDFS still counts on; drain it first and wait for Decommissioned`,
  };
}

export interface HeadNodes {
  /** host → what it is (NameNode, ResourceManager, JournalNode, ZooKeeper, head node). */
  roles: ReadonlyMap<string, string>;
  /** Each cluster's NameNodes, for the pair rule. */
  namenodePairs: ReadonlyMap<string, readonly string[]>;
}

/** 2. No worker op on a head node; never both NameNodes of a pair at once. */
export function checkHeadNode(op: Op, cluster: string, host: string, heads: HeadNodes): Refusal | null {
  const role = heads.roles.get(host);
  if (!role) return null;
  return {
    host,
    cluster,
    op,
    invariant: 2,
    message: `${host} is a ${role}: worker ops never touch head nodes; handle it by hand with its HA partner in service`,
  };
}

/** 2 (second half): of a NameNode pair, at most one may be affected at once, counting those already out. */
export function checkNamenodePair(op: Op, cluster: string, affected: ReadonlySet<string>, heads: HeadNodes): Refusal | null {
  const pair = heads.namenodePairs.get(cluster) ?? [];
  const out = pair.filter((h) => affected.has(h));
  if (out.length < 2 || pair.length < 2) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 2,
    message: `both NameNodes of ${cluster} (${out.join(', ')}) would be out at once: refusing ${op} for ${cluster}`,
  };
}

export interface HealthRow {
  missing: number;
  underReplicated: number;
  corrupt: number;
  /** A federated cluster's namespaces, whose counters the cluster's add up; absent or empty otherwise. */
  namespaces?: ReadonlyArray<{ namespace: string; missing: number; underReplicated: number; corrupt: number }>;
}

/** Which namespaces hold what a refusal counts, `(in namespace ns2: 3)`; empty for a cluster with one namespace. */
function byNamespace(health: HealthRow, count: (n: { missing: number; underReplicated: number }) => number): string {
  const ns = (health.namespaces ?? []).filter((n) => count(n) > 0);
  if ((health.namespaces ?? []).length === 0) return '';
  return ns.length === 0 ? '' : ` (${ns.map((n) => `namespace ${n.namespace}: ${count(n)}`).join(', ')})`;
}

/**
 * 3. No drain or rekick — nor any op that takes a live DataNode down — in a
 * cluster with missing blocks, or under-replicated blocks above the limit.
 */
export function checkClusterHealth(op: Op, cluster: string, health: HealthRow | null, maxUnderReplicated: number, effect: Effect | null = null): Refusal | null {
  if (!REPLICA_OPS.includes(op) && effect !== 'down') return null;
  const refuse = (message: string): Refusal => ({ host: null, cluster, op, invariant: 3, message });
  if (!health) return refuse(`no hdfs-health.tsv row for ${cluster}: block health unknown, so no ${op}; check its hdfs source`);
  if (health.missing > 0) return refuse(`${cluster} has ${health.missing} missing block(s)${byNamespace(health, (n) => n.missing)}: no ${op} until they are recovered (hdfs fsck / -list-corruptfileblocks)`);
  if (health.underReplicated > maxUnderReplicated) {
    return refuse(`${cluster} has ${health.underReplicated} under-replicated blocks${byNamespace(health, (n) => n.underReplicated)}, above the limit ${maxUnderReplicated}: no ${op} until replication catches up`);
  }
  return null;
}

/** 4 (per host): a host whose data group is unknown cannot be proven safe to drain. */
export function checkDatagroupKnown(op: Op, cluster: string, host: string, datagroup: string): Refusal | null {
  if (datagroup) return null;
  return {
    host,
    cluster,
    op,
    invariant: 4,
    message: `${host} has no data group in inventory.tsv: cannot prove a ${op} keeps a replica of every block; set its datagroup`,
  };
}

/** 4. Drains in flight plus chosen never span more data groups than allowed. */
export function checkDatagroupSpan(op: Op, cluster: string, groups: ReadonlySet<string>, max: number): Refusal | null {
  if (groups.size <= max) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 4,
    message: `${op} in ${cluster} would span ${groups.size} data groups (${[...groups].sort().join(', ')}), more than ${max}: replicas of a block could all be out`,
  };
}

/**
 * 4 across ops. While a host is down (dead, in maintenance, rebooting) its
 * replicas cannot be read, and a decommissioning replica no longer counts as
 * one of a block's live replicas in HDFS. A block keeps a replica up as long as
 * the hosts down, the drains in flight and this pass's choices together span
 * fewer data groups than it has replicas: `max` says how many may be spanned.
 * A host of no known data group counts as a group of its own.
 */
export function checkDownSpan(op: Op, cluster: string, groups: ReadonlySet<string>, max: number, before: ReadonlySet<string> | null = null): Refusal | null {
  if (groups.size <= max) return null;
  const names = [...groups].map((g) => g || '(no data group)').sort();
  const already = before && before.size > max;
  return {
    host: null,
    cluster,
    op,
    invariant: 4,
    message: already
      ? `hosts down and drains in flight in ${cluster} already span ${groups.size} data groups (${names.join(', ')}), more than max_down_datagroups ${max}: no ${op} takes another host down until some come back`
      : `${op} in ${cluster} would leave ${groups.size} data groups (${names.join(', ')}) with hosts down or draining, more than max_down_datagroups ${max}: a block could have no replica up`,
  };
}

/**
 * 9. How many of a cluster's N workers must stay in service: `pct` of them,
 * rounded up, but never all of them, so that a cluster of N ≥ 1 workers may
 * always lose one host when nothing else is out (a small cluster must still
 * get its maintenance).
 */
export function inServiceFloor(workers: number, pct: number): number {
  if (workers <= 0) return 0;
  return Math.max(0, Math.min(workers - 1, Math.ceil((pct * workers) / 100 - 1e-9)));
}

/** 9. After a pass's choices, at least the floor of the workers stays in service, counting every drain and down op together. */
export function checkInServiceFloor(op: Op, cluster: string, inServiceAfter: number, workers: number, pct: number): Refusal | null {
  const floor = inServiceFloor(workers, pct);
  if (inServiceAfter >= floor) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 9,
    message: `${op} in ${cluster} would leave ${inServiceAfter} of ${workers} workers in service, below the floor ${floor} (min_in_service_pct ${pct}): fewer hosts at once, or wait for some to come back`,
  };
}

/**
 * 10. A storm: when an op's candidates in a cluster are more than `pct` of its
 * workers, one cause (a switch, a bad push, a broken check) is likelier than
 * that many broken hosts, and the op chooses nobody there. A single candidate
 * is never a storm, so a cluster of a few workers can always be fixed one host
 * at a time.
 */
export function checkStorm(op: Op, cluster: string, candidates: number, workers: number, pct: number | null): Refusal | null {
  if (pct === null || candidates <= 1) return null;
  if (workers > 0 && candidates * 100 <= pct * workers) return null;
  const share = workers > 0 ? `${Math.round((candidates * 100) / workers)}%` : `${candidates} hosts`;
  return {
    host: null,
    cluster,
    op,
    invariant: 10,
    message: `storm: ${share} of ${cluster}'s workers are ${op} candidates (${candidates} of ${workers}, limit ${pct}%): more likely one cause than many broken hosts; find the cause, then fix it or raise max_candidates_pct`,
  };
}

/** 5. Never more hosts affected than the budget, recounted on fresh data. */
export function checkBudget(op: Op, cluster: string, chosen: number, busyNow: number, cap: number): Refusal | null {
  if (busyNow + chosen <= cap) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 5,
    message: `${op} in ${cluster}: ${busyNow} already busy + ${chosen} planned exceeds the cap ${cap} on fresh data; plan again`,
  };
}

/**
 * 5 across ops. An op whose effect is `offline` (a reimage) makes its hosts
 * dead in HDFS; where another op's busy set counts dead hosts (the shipped
 * drain's: hdfs-dead), the hosts it would newly count fill that op's budget
 * once this one acts. They must fit what the other op's cap leaves after the
 * hosts it counts already (fresh busy, and hosts earlier ops of the plan take
 * offline) and its own hosts of the plan.
 */
export function checkOfflineBudget(
  op: Op,
  cluster: string,
  other: Op,
  goingDead: number,
  otherBusy: number,
  otherPlanned: number,
  otherCap: number,
): Refusal | null {
  const total = otherBusy + otherPlanned + goingDead;
  if (goingDead === 0 || total <= otherCap) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 5,
    message: `${op} in ${cluster} would exceed the ${other} budget by ${total - otherCap} on fresh data: ${goingDead} host(s) it takes offline would be dead in HDFS, and ${other} counts dead hosts as busy (${otherBusy} busy + ${otherPlanned} ${other} planned + ${goingDead} going dead > cap ${otherCap}); plan again`,
  };
}

export interface SourceStatus {
  name: string;
  ok: boolean;
  /** When its data was pulled; null when never. */
  time: Date | null;
  maxAgeMs: number | null;
  reason?: string;
  /** A per-cluster source (hdfs-dw1) speaks for its own cluster only. */
  cluster?: string | null;
}

/** 6. No op acts on a source that failed or is older than its max_age. */
export function checkSource(op: Op, cluster: string, s: SourceStatus, now: Date): Refusal | null {
  if (s.cluster && s.cluster !== cluster) return null;
  const refuse = (message: string): Refusal => ({ host: null, cluster, op, invariant: 6, message });
  if (!s.ok) return refuse(`source ${s.name} failed this pass${s.reason ? ` (${s.reason.split('\n')[0]})` : ''}: nothing that depends on it is done`);
  if (!s.time) return refuse(`source ${s.name} has never been pulled today: pull it first`);
  if (s.maxAgeMs !== null && now.getTime() - s.time.getTime() > s.maxAgeMs) {
    const mins = Math.round((now.getTime() - s.time.getTime()) / 60_000);
    return refuse(`source ${s.name} is ${mins} minutes old, older than its max_age: pull it again`);
  }
  return null;
}

/**
 * 6. No op acts on a group whose size changed since the last pass by more than
 * `maxSwingPct` percent of the hosts in `all`: an empty or truncated dump is
 * not "all dead", while 5 new drains in a 300-host fleet are not a swing.
 */
export function checkSwing(
  op: Op,
  cluster: string,
  group: string,
  before: number | null,
  after: number,
  allCount: number,
  maxSwingPct: number,
): Refusal | null {
  if (before === null) return null;
  const change = Math.abs(after - before);
  if (allCount <= 0 || (change * 100) / allCount <= maxSwingPct) return null;
  return {
    host: null,
    cluster,
    op,
    invariant: 6,
    message: `${group} went from ${before} to ${after} hosts since the last pass, a swing of ${((change * 100) / allCount).toFixed(1)}% of ${allCount} hosts (limit ${maxSwingPct}%): check its source before acting`,
  };
}

/** 7. Only canonical host names reach a remote command. */
export function checkCanonical(op: Op, cluster: string, host: string): Refusal | null {
  if (isCanonicalHost(host)) return null;
  return { host, cluster, op, invariant: 7, message: `"${host}" is not a canonical host name: it never reaches a command` };
}

/** 8. A host remediated max_attempts times within the window goes to a person instead. */
export function checkAttempts(
  op: Op,
  cluster: string,
  host: string,
  attempts: readonly Date[],
  now: Date,
  maxAttempts: number,
  windowMs: number,
): Refusal | null {
  if (!REMEDIATION_OPS.includes(op)) return null;
  const recent = attempts.filter((t) => now.getTime() - t.getTime() <= windowMs && t.getTime() <= now.getTime());
  if (recent.length < maxAttempts) return null;
  return {
    host,
    cluster,
    op,
    invariant: 8,
    message: `${host} was remediated ${recent.length} times in the last ${Math.round(windowMs / 86_400_000)} days: it goes to needs-human instead of another ${op}`,
  };
}
