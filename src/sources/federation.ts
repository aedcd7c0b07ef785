import fs from 'node:fs';
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import { namespaceGroup, NAMESPACE_GROUP_SUFFIXES } from '../config/config.js';
import { readGroupLines } from '../store/group.js';
import { listDays } from '../store/layout.js';
import { PARTS, readPartInfo, replacePart, type PartInfo } from '../store/parts.js';
import { readTable } from '../store/table.js';
import {
  checkNamespaceIds,
  clusterHealthRow,
  combinedStatus,
  combineNamespaces,
  type NamespaceHealth,
  type NamespaceIds,
  type NamespaceSuffix,
  type NamespaceView,
} from './hdfs-combine.js';
import { SourceError, type SourceResult } from './types.js';

/**
 * The imperative half of federation: each namespace source's part is kept
 * as any source's is, and after one changes, the cluster's namespaces are
 * combined (hdfs-combine.ts) into a part of their own, `.parts/hdfs@<cluster>/`,
 * which holds the cluster's shared HDFS groups, its hdfs-health.tsv row and
 * its hdfs-datanodes.tsv rows. The shared files are then the union of the
 * latest parts as always. `@` is in no source name, so the part cannot clash
 * with one.
 */

const HEALTH = 'hdfs-health.tsv';
const DATANODES = 'hdfs-datanodes.tsv';
const NS_HEALTH = 'hdfs-namespace-health.tsv';

export function combinedPartName(cluster: string): string {
  return `hdfs@${cluster}`;
}

export interface NamespaceSource {
  source: string;
  namespace: string;
}

/**
 * The namespace sources of each federated cluster, in the order the cluster
 * lists its namespaces, read from the config itself so that pulling one
 * source alone still combines it with the others' latest parts.
 */
export function namespaceSources(dc: DatacenterConfig): Map<string, NamespaceSource[]> {
  const out = new Map<string, NamespaceSource[]>();
  for (const c of dc.clusters.values()) {
    if (c.namespaces.length === 0) continue;
    const list: NamespaceSource[] = [];
    for (const ns of c.namespaces) {
      for (const [name, f] of dc.sources) {
        const m = f.map();
        if (m.get('type')?.string() !== 'hdfs' || !m.get('cluster')?.present || !m.get('namespace')?.present) continue;
        if (m.get('cluster')!.string() === c.name && m.get('namespace')!.string() === ns.name) list.push({ source: name, namespace: ns.name });
      }
    }
    out.set(c.name, list);
  }
  return out;
}

function partFile(dayDir: string, source: string, file: string): string {
  return path.join(dayDir, PARTS, source, file);
}

function idsIn(file: string, key: string): NamespaceIds | null {
  if (!fs.existsSync(file)) return null;
  const row = readTable(file).rows.find((r) => r.namespace === key);
  return row ? { blockPool: row.block_pool ?? '', clusterId: row.cluster_id ?? '' } : null;
}

/** The ids of a source's last good pull: today's part, else the part of the latest day before that has one. */
function lastIds(dayDir: string, source: string, key: string): NamespaceIds | null {
  const today = idsIn(partFile(dayDir, source, NS_HEALTH), key);
  if (today) return today;
  const real = fs.realpathSync(dayDir);
  const dcDir = path.dirname(real);
  const day = path.basename(real);
  for (const d of listDays(dcDir).filter((x) => x < day).sort().reverse()) {
    const ids = idsIn(partFile(path.join(dcDir, d), source, NS_HEALTH), key);
    if (ids) return ids;
  }
  return null;
}

/**
 * Refuses a namespace's pull whose NameNode is not the namespace it was
 * (another block pool or cluster id than its last pull), or is another
 * namespace of the same cluster: nothing of it is written, rather than two
 * namespaces' views mixed under one name.
 */
export function checkPulledIds(dayDir: string, source: string, cluster: string, namespace: string, result: SourceResult, members: NamespaceSource[]): void {
  const key = `${cluster}/${namespace}`;
  const row = result.tables.get(NS_HEALTH)?.rows.find((r) => r.namespace === key);
  if (!row) return;
  const now = { blockPool: row.block_pool ?? '', clusterId: row.cluster_id ?? '' };
  if (!now.blockPool && !now.clusterId) return;
  const siblings = members
    .filter((m) => m.source !== source)
    .map((m) => ({ ...m, ids: idsIn(partFile(dayDir, m.source, NS_HEALTH), `${cluster}/${m.namespace}`) }))
    .filter((m): m is NamespaceSource & { ids: NamespaceIds } => m.ids !== null);
  const problem = checkNamespaceIds(source, namespace, now, lastIds(dayDir, source, key), siblings);
  if (problem) throw new SourceError(problem);
}

function view(dayDir: string, m: NamespaceSource): NamespaceView {
  const groups = new Map<NamespaceSuffix, Set<string>>();
  for (const suffix of NAMESPACE_GROUP_SUFFIXES) {
    const f = partFile(dayDir, m.source, namespaceGroup(m.namespace, suffix));
    groups.set(suffix, new Set(fs.existsSync(f) ? readGroupLines(f) : []));
  }
  return { name: m.namespace, groups };
}

/** Whether the cluster's combined part is missing or older than one of its namespaces' parts. */
export function combinedIsStale(dayDir: string, cluster: string, members: NamespaceSource[]): boolean {
  const infos = members.map((m) => readPartInfo(dayDir, m.source));
  if (members.length === 0 || infos.some((i) => i === null)) return false;
  const combined = readPartInfo(dayDir, combinedPartName(cluster));
  if (!combined) return true;
  const newest = infos.map((i) => i!.time).sort().pop()!;
  return combined.time < newest || (combined.from ?? []).join(' ') !== members.map((m) => m.source).join(' ');
}

export interface CombineOutcome {
  /** The combined part before and after; null when it was not (re)written. */
  before: PartInfo | null;
  after: PartInfo | null;
  /** For the pull line. */
  notes: string[];
}

/**
 * Combines the latest parts of a cluster's namespaces into the cluster's
 * part. Until every namespace has a part today, nothing is combined: a
 * namespace that has said nothing yet cannot be taken to agree, and the
 * cluster stays without HDFS state (its ops are refused) rather than with
 * a state that leaves a namespace out.
 */
export function combineCluster(dayDir: string, cluster: string, members: NamespaceSource[], time: string): CombineOutcome {
  const before = readPartInfo(dayDir, combinedPartName(cluster));
  const infos = members.map((m) => ({ m, info: readPartInfo(dayDir, m.source) }));
  const waiting = infos.filter((x) => x.info === null).map((x) => `${x.m.namespace} (${x.m.source})`);
  if (waiting.length > 0) {
    return { before, after: null, notes: [`${cluster}: not combined yet, no pull today of namespace ${waiting.join(', ')}`] };
  }
  const views = members.map((m) => view(dayDir, m));
  const combined = combineNamespaces(views);
  const health: NamespaceHealth[] = members.map((m) => {
    const key = `${cluster}/${m.namespace}`;
    const row = readTable(partFile(dayDir, m.source, NS_HEALTH)).rows.find((r) => r.namespace === key);
    if (!row) throw new SourceError(`.parts/${m.source}/${NS_HEALTH} has no row ${key}`);
    return { namespace: m.namespace, missing: Number(row.missing), underReplicated: Number(row.under_replicated), corrupt: Number(row.corrupt) };
  });
  // A DataNode has one upgrade domain (the combined hosts file's); the first namespace that tells it speaks.
  const domain = new Map<string, string>();
  for (const m of members) {
    const f = partFile(dayDir, m.source, `hdfs-${m.namespace}-datanodes.tsv`);
    if (!fs.existsSync(f)) continue;
    for (const r of readTable(f).rows) if (r.upgrade_domain && !domain.has(r.host!)) domain.set(r.host!, r.upgrade_domain);
  }
  const sets = new Map([...combined.groups].map(([g, hs]) => [g, new Set(hs)]));
  const hosts = [...new Set([...combined.groups.values()].flat())].sort();
  const rows = hosts.map((h) => ({ host: h, cluster, status: combinedStatus((g) => sets.get(g)?.has(h) === true), upgrade_domain: domain.get(h) ?? '' }));
  const data = {
    groups: combined.groups,
    tables: new Map([
      [HEALTH, { columns: ['cluster', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning'], rows: [clusterHealthRow(cluster, health, combined)] }],
      [DATANODES, { columns: ['host', 'cluster', 'status', 'upgrade_domain'], rows }],
    ]),
  };
  const newest = infos.map((x) => x.info!.time).sort().pop() ?? time;
  const after = replacePart(dayDir, combinedPartName(cluster), data, newest, infos.some((x) => x.info!.volatile), members.map((m) => m.source));
  const notes: string[] = [];
  if (combined.unlisted.length > 0) {
    const eg = combined.unlisted.slice(0, 3).map((u) => `${u.host} (not in ${u.missingFrom.join(', ')})`).join(', ');
    notes.push(
      `${cluster}: ${combined.unlisted.length} host(s) not listed by every namespace, kept with the conservative state: ${eg}${combined.unlisted.length > 3 ? ', …' : ''}`,
    );
  }
  return { before, after, notes };
}
