import { NAMESPACE_GROUP_SUFFIXES } from '../config/config.js';
import { sortUniqueStrings } from '../sets/compare.js';

/**
 * HDFS federation: several namespaces (NameNode pairs, block pools) over the
 * same DataNodes, each with its own opinion of every DataNode. The shared
 * groups of a federated cluster are these opinions combined by the rule that
 * never overstates safety (README, "Federation"). Pure: sets in, sets out.
 */

export type NamespaceSuffix = (typeof NAMESPACE_GROUP_SUFFIXES)[number];

/** One namespace's groups, as its source wrote them (`hdfs-<ns>-<suffix>`), keyed by the suffix. */
export interface NamespaceView {
  name: string;
  groups: ReadonlyMap<NamespaceSuffix, ReadonlySet<string>>;
}

export interface Combined {
  /** The pinned HDFS groups (`hdfs-live`, …), each sorted. */
  groups: Map<string, string[]>;
  /** Hosts some namespace lists and another does not, with the namespaces that do not. */
  unlisted: Array<{ host: string; missingFrom: string[] }>;
}

const member = (v: NamespaceView, s: NamespaceSuffix, host: string) => v.groups.get(s)?.has(host) === true;

/** A namespace lists a host when any of its groups holds it (every node is in its live or dead list). */
export function listedIn(v: NamespaceView, host: string): boolean {
  for (const s of NAMESPACE_GROUP_SUFFIXES) if (member(v, s, host)) return true;
  return false;
}

/**
 * The combination rule, host by host, over every namespace of the cluster:
 *
 * - `hdfs-in-service`: in service in every namespace that lists it;
 * - `hdfs-live`: live in every namespace that lists it;
 * - `hdfs-decommissioned`: decommissioned in every namespace (one that does
 *   not list the host has not decommissioned it);
 * - `hdfs-decommissioning`: decommissioning in any, not decommissioned in all;
 * - `hdfs-dead`: dead in any;
 * - `hdfs-maintenance`: in maintenance (entering or in) in any;
 * - `hdfs-in-maintenance`: In maintenance in every namespace, so the op that
 *   waits for it runs only once no namespace needs the host's replicas;
 * - `hdfs-entering-maintenance`: the rest of `hdfs-maintenance`.
 *
 * With one namespace every line gives that namespace's own groups back.
 */
export function combineNamespaces(views: readonly NamespaceView[]): Combined {
  const hosts = new Set<string>();
  for (const v of views) for (const set of v.groups.values()) for (const h of set) hosts.add(h);
  const out = new Map<string, string[]>([
    ['hdfs-live', []],
    ['hdfs-in-service', []],
    ['hdfs-decommissioning', []],
    ['hdfs-decommissioned', []],
    ['hdfs-maintenance', []],
    ['hdfs-dead', []],
    ['hdfs-entering-maintenance', []],
    ['hdfs-in-maintenance', []],
  ]);
  const add = (g: string, h: string) => out.get(g)!.push(h);
  const unlisted: Combined['unlisted'] = [];
  for (const h of sortUniqueStrings([...hosts])) {
    const listing = views.filter((v) => listedIn(v, h));
    const missing = views.filter((v) => !listing.includes(v)).map((v) => v.name);
    if (missing.length > 0) unlisted.push({ host: h, missingFrom: missing });
    const everyListing = (s: NamespaceSuffix) => listing.every((v) => member(v, s, h));
    const every = (s: NamespaceSuffix) => views.every((v) => member(v, s, h));
    const any = (s: NamespaceSuffix) => views.some((v) => member(v, s, h));
    const decommissioned = every('decommissioned');
    const maintenance = any('maintenance') || any('entering-maintenance') || any('in-maintenance');
    const inMaintenance = every('in-maintenance');
    if (everyListing('live')) add('hdfs-live', h);
    if (everyListing('in-service')) add('hdfs-in-service', h);
    if (any('decommissioning') && !decommissioned) add('hdfs-decommissioning', h);
    if (decommissioned) add('hdfs-decommissioned', h);
    if (any('dead')) add('hdfs-dead', h);
    if (maintenance) add('hdfs-maintenance', h);
    if (inMaintenance) add('hdfs-in-maintenance', h);
    if (maintenance && !inMaintenance) add('hdfs-entering-maintenance', h);
  }
  return { groups: out, unlisted };
}

/**
 * The namespaces that still count on a host's replicas: those that list it
 * live and not decommissioned (in service, decommissioning, in or entering
 * maintenance). A host any namespace counts on is not out of HDFS, whatever
 * another namespace says: it is neither released by a drain nor wiped.
 */
export function countingOn(views: readonly NamespaceView[], host: string): Array<{ namespace: string; state: string }> {
  const out: Array<{ namespace: string; state: string }> = [];
  for (const v of views) {
    if (!member(v, 'live', host) || member(v, 'decommissioned', host)) continue;
    const state = member(v, 'decommissioning', host)
      ? 'decommissioning'
      : member(v, 'in-maintenance', host)
        ? 'in maintenance'
        : member(v, 'entering-maintenance', host) || member(v, 'maintenance', host)
          ? 'entering maintenance'
          : 'in service';
    out.push({ namespace: v.name, state });
  }
  return out;
}

/** A namespace's row of hdfs-namespace-health.tsv, as numbers. */
export interface NamespaceHealth {
  namespace: string;
  missing: number;
  underReplicated: number;
  corrupt: number;
}

/**
 * The cluster's row of hdfs-health.tsv: block counters summed (each
 * namespace has blocks of its own, so a sum is how many there are), node
 * counters counted once per DataNode from the combined groups.
 */
export function clusterHealthRow(cluster: string, rows: readonly NamespaceHealth[], combined: Combined): Record<string, string> {
  const sum = (f: (r: NamespaceHealth) => number) => String(rows.reduce((n, r) => n + f(r), 0));
  return {
    cluster,
    missing: sum((r) => r.missing),
    under_replicated: sum((r) => r.underReplicated),
    corrupt: sum((r) => r.corrupt),
    live: String(combined.groups.get('hdfs-live')!.length),
    dead: String(combined.groups.get('hdfs-dead')!.length),
    decommissioning: String(combined.groups.get('hdfs-decommissioning')!.length),
  };
}

/** The `status` word of hdfs-datanodes.tsv for a host, from the combined groups. */
export function combinedStatus(has: (group: string) => boolean): string {
  if (has('hdfs-decommissioned')) return 'decommissioned';
  if (has('hdfs-decommissioning')) return 'decommissioning';
  if (has('hdfs-in-maintenance')) return 'in-maintenance';
  if (has('hdfs-entering-maintenance')) return 'entering-maintenance';
  return 'normal';
}

/** What a namespace's NameNode says it is: both empty where the report shows none (dfsadmin). */
export interface NamespaceIds {
  blockPool: string;
  clusterId: string;
}

/**
 * Whether a namespace's report is the namespace it claims to be. Compared
 * with the same source's last good pull: a block pool or cluster id that
 * changed means the source now reads another namespace (or another
 * cluster). Compared with the cluster's other namespaces: one block pool in
 * two namespaces means two sources read the same NameNode; a different
 * cluster id means a NameNode of another cluster (federated namespaces share
 * one). Ids a report does not show are not compared. Returns the problem, or null.
 */
export function checkNamespaceIds(
  source: string,
  namespace: string,
  now: NamespaceIds,
  last: NamespaceIds | null,
  siblings: ReadonlyArray<{ source: string; namespace: string; ids: NamespaceIds }>,
): string | null {
  if (last) {
    for (const [what, a, b] of [
      ['block pool', last.blockPool, now.blockPool],
      ['cluster id', last.clusterId, now.clusterId],
    ] as const) {
      if (a && b && a !== b) {
        return (
          `namespace ${namespace}: the ${what} is ${b}, but the last pull of ${source} read ${a}; this is another namespace's ` +
          'NameNode (or the namespace was formatted again): check the report URL or command, and if the change is meant, ' +
          `remove .parts/${source} of today and of the last day it was pulled`
        );
      }
    }
  }
  for (const s of siblings) {
    if (s.namespace === namespace) continue;
    if (now.blockPool && s.ids.blockPool === now.blockPool) {
      return (
        `namespace ${namespace}: block pool ${now.blockPool} is also the block pool of namespace ${s.namespace} (source ${s.source}); ` +
        `two sources read the same NameNode: point ${source} at the NameNodes of ${namespace}`
      );
    }
    if (now.clusterId && s.ids.clusterId && s.ids.clusterId !== now.clusterId) {
      return (
        `namespace ${namespace}: cluster id ${now.clusterId}, but namespace ${s.namespace} (source ${s.source}) has ${s.ids.clusterId}; ` +
        'the namespaces of one federated cluster share its cluster id: this NameNode belongs to another cluster'
      );
    }
  }
  return null;
}
