import fs from 'node:fs';
import path from 'node:path';
import { namespaceGroup, NAMESPACE_GROUP_SUFFIXES } from '../config/config.js';
import { countingOn, type NamespaceSuffix, type NamespaceView } from '../sources/hdfs-combine.js';
import { readGroupLines } from '../store/group.js';
import { readTable } from '../store/table.js';

/** The table each namespace of a federated cluster has its row in (written by its hdfs source). */
export const NAMESPACE_HEALTH = 'hdfs-namespace-health.tsv';

/** Per cluster, its namespaces' rows of hdfs-namespace-health.tsv; empty without federation. */
export function readNamespaceHealth(dayDir: string): Map<string, Array<{ namespace: string; missing: number; underReplicated: number; corrupt: number }>> {
  const out = new Map<string, Array<{ namespace: string; missing: number; underReplicated: number; corrupt: number }>>();
  const f = path.join(dayDir, NAMESPACE_HEALTH);
  if (!fs.existsSync(f)) return out;
  for (const r of readTable(f).rows) {
    const key = r.namespace ?? '';
    const slash = key.indexOf('/');
    if (slash < 0) continue;
    const cluster = key.slice(0, slash);
    const l = out.get(cluster) ?? [];
    l.push({ namespace: key.slice(slash + 1), missing: Number(r.missing), underReplicated: Number(r.under_replicated), corrupt: Number(r.corrupt) });
    out.set(cluster, l);
  }
  return out;
}

/**
 * Hosts some namespace of a federated cluster still counts on (live there
 * and not decommissioned), each with the first such namespace and its state:
 * `ns2 (decommissioning)`. Read from the day's namespace groups; empty
 * without federation, so a cluster with one namespace is judged as before.
 */
export function readCountedOn(dayDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const names = new Set<string>();
  for (const rows of readNamespaceHealth(dayDir).values()) for (const r of rows) names.add(r.namespace);
  const views: NamespaceView[] = [];
  for (const ns of [...names].sort()) {
    const groups = new Map<NamespaceSuffix, Set<string>>();
    for (const suffix of NAMESPACE_GROUP_SUFFIXES) {
      const f = path.join(dayDir, namespaceGroup(ns, suffix));
      groups.set(suffix, new Set(fs.existsSync(f) ? readGroupLines(f) : []));
    }
    views.push({ name: ns, groups });
  }
  for (const v of views) {
    for (const h of v.groups.get('live') ?? []) {
      if (out.has(h)) continue;
      const c = countingOn(views, h);
      if (c.length > 0) out.set(h, c.map((x) => `${x.namespace} (${x.state})`).join(', '));
    }
  }
  return out;
}
