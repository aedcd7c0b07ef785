import { namespaceGroup, NAMESPACE_GROUP_SUFFIXES, type ClusterConfig, type NamespaceConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import { sortUniqueStrings } from '../sets/compare.js';
import { httpGet, parseJson } from './fetch.js';
import { HostCollector } from './hostnames.js';
import { configuredCluster, describeSpec, fetchText, fromOrigin, inputSpec, isObject, type InputSpec } from './spec.js';
import { SourceError, type HostRule, type Rejected, type SourceContext, type SourceResult, type SourceType } from './types.js';

/**
 * The `hdfs` source: which DataNodes of one cluster are live, dead,
 * decommissioning, decommissioned or in maintenance, their upgrade domains,
 * and the cluster's block health, from `hdfs dfsadmin -report` (a command or
 * a saved file) or from the NameNode's JMX servlet.
 */

export interface HdfsConfig {
  cluster: ClusterConfig;
  /** In a federated cluster, the namespace this source reads; null for a cluster with one namespace. */
  namespace: NamespaceConfig | null;
  /** `command` / `file`: dfsadmin text (or JMX JSON); `http` (key `jmx`): the NameNode's /jmx base URL. */
  report: InputSpec;
}

/**
 * Pinned group names (DESIGN §4); every pull writes all of them, empty or not.
 * `hdfs-maintenance` is the union of the two maintenance groups after it,
 * which tell them apart: the NameNode moves a node from entering to in
 * maintenance once its blocks have enough replicas elsewhere, and only then
 * may the node be stopped without blocks going missing.
 */
export const HDFS_GROUPS = [
  'hdfs-live',
  'hdfs-in-service',
  'hdfs-decommissioning',
  'hdfs-decommissioned',
  'hdfs-maintenance',
  'hdfs-dead',
  'hdfs-entering-maintenance',
  'hdfs-in-maintenance',
] as const;

export const HDFS_HEALTH_TABLE = 'hdfs-health.tsv';
export const HDFS_HEALTH_COLUMNS = ['cluster', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning'];

/**
 * One row per DataNode host: its cluster, admin state and upgrade domain.
 * Host-keyed, and written by every hdfs source: the shared table is the union
 * of the clusters' parts, and a host two sources both report is an error.
 */
export const HDFS_DATANODES_TABLE = 'hdfs-datanodes.tsv';
export const HDFS_DATANODES_COLUMNS = ['host', 'cluster', 'status', 'upgrade_domain'];

/**
 * A federated cluster's namespace sources write their own groups
 * (`hdfs-<ns>-live`, …), their DataNodes as `hdfs-<ns>-datanodes.tsv`, and
 * a row of this table keyed by `<cluster>/<namespace>`; the cluster's
 * shared groups and its hdfs-health.tsv row are the namespaces combined
 * (src/sources/federation.ts). `block_pool` and `cluster_id` are what the
 * NameNode's JMX shows (NameNodeInfo.BlockPoolId, ClusterId); empty for a
 * dfsadmin report, which prints neither.
 */
export const HDFS_NAMESPACE_HEALTH_TABLE = 'hdfs-namespace-health.tsv';
export const HDFS_NAMESPACE_HEALTH_COLUMNS = ['namespace', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning', 'block_pool', 'cluster_id'];

export function namespaceDatanodesTable(ns: string): string {
  return `hdfs-${ns}-datanodes.tsv`;
}

export const NAMENODE_INFO_BEAN = 'Hadoop:service=NameNode,name=NameNodeInfo';
export const FSNAMESYSTEM_BEAN = 'Hadoop:service=NameNode,name=FSNamesystem';
export const FSNAMESYSTEM_STATE_BEAN = 'Hadoop:service=NameNode,name=FSNamesystemState';

/**
 * An admin state, whatever spelling the NameNode used for it. These words are
 * also the `status` column of hdfs-datanodes.tsv: one spelling for the two
 * formats, with no spaces, so `hdfs-datanodes[status=in-maintenance]` works.
 */
export type DataNodeStatus = 'normal' | 'decommissioning' | 'decommissioned' | 'entering-maintenance' | 'in-maintenance';

/** `Decommission Status : …` in dfsadmin (note the lower-case "m"). */
const REPORT_STATUS: Record<string, DataNodeStatus> = {
  Normal: 'normal',
  'Decommission in progress': 'decommissioning',
  Decommissioned: 'decommissioned',
  'Entering maintenance': 'entering-maintenance',
  'In maintenance': 'in-maintenance',
};

/** `adminState` in JMX (DatanodeInfo.AdminStates.toString()). */
const JMX_STATE: Record<string, DataNodeStatus> = {
  'In Service': 'normal',
  'Decommission In Progress': 'decommissioning',
  Decommissioned: 'decommissioned',
  'Entering Maintenance': 'entering-maintenance',
  'In Maintenance': 'in-maintenance',
};

/** Where a node was listed: only the live and dead lists decide `hdfs-live` / `hdfs-dead`. */
type Listing = 'live' | 'dead' | 'other';

interface NodeFact {
  host: string;
  listing: Listing;
  state: DataNodeStatus;
  /** Null when the NameNode knows none (no combined hosts file, or none set for the node). */
  upgradeDomain: string | null;
}

/**
 * Which listing speaks for a host in hdfs-datanodes.tsv when it has several
 * entries: the live one, as the node is now; then the dead one; the
 * Decommissioning and maintenance lists repeat a live or dead node. A host
 * can be live and dead at once when it re-registered on another port, and
 * its dead entry is the stale one.
 */
const LISTING_RANK: Record<Listing, number> = { live: 0, dead: 1, other: 2 };

interface BlockCounts {
  missing: number;
  underReplicated: number;
  corrupt: number;
}

const RERUN = 'run it again; if it repeats, look for what truncates the output (a pipe, a size or time limit)';

/** Turns the nodes and counters of either format into the pinned groups and the health row. */
function hdfsResult(facts: NodeFact[], blocks: BlockCounts, cluster: string, rejected: Rejected[], nodeCount: number): SourceResult {
  if (facts.length === 0) {
    const eg = rejected.slice(0, 3).map((r) => `"${r.raw}" (${r.reason})`).join(', ');
    throw new SourceError(
      `none of the ${nodeCount} DataNodes has a usable host name, e.g. ${eg}; ` +
        'check hostnames.domain in the config, or that the DataNodes register with their host names',
    );
  }
  const groups = new Map<string, string[]>(HDFS_GROUPS.map((g) => [g, []]));
  const add = (g: (typeof HDFS_GROUPS)[number], host: string) => groups.get(g)!.push(host);
  for (const f of facts) {
    if (f.listing === 'live') add('hdfs-live', f.host);
    if (f.listing === 'dead') add('hdfs-dead', f.host);
    if (f.listing === 'live' && f.state === 'normal') add('hdfs-in-service', f.host);
    if (f.state === 'decommissioning') add('hdfs-decommissioning', f.host);
    if (f.state === 'decommissioned') add('hdfs-decommissioned', f.host);
    if (f.state === 'entering-maintenance') add('hdfs-entering-maintenance', f.host);
    if (f.state === 'in-maintenance') add('hdfs-in-maintenance', f.host);
    if (f.state === 'entering-maintenance' || f.state === 'in-maintenance') add('hdfs-maintenance', f.host);
  }
  for (const [g, hosts] of groups) groups.set(g, sortUniqueStrings(hosts));
  const live = groups.get('hdfs-live')!.length;
  const dead = groups.get('hdfs-dead')!.length;
  const decommissioning = groups.get('hdfs-decommissioning')!.length;
  const row = {
    cluster,
    missing: String(blocks.missing),
    under_replicated: String(blocks.underReplicated),
    corrupt: String(blocks.corrupt),
    live: String(live),
    dead: String(dead),
    decommissioning: String(decommissioning),
  };
  return {
    groups,
    tables: new Map([
      [HDFS_HEALTH_TABLE, { columns: [...HDFS_HEALTH_COLUMNS], rows: [row] }],
      [HDFS_DATANODES_TABLE, { columns: [...HDFS_DATANODES_COLUMNS], rows: dataNodeRows(facts, cluster) }],
    ]),
    rejected: uniqueRejected(rejected),
    notes: [`live ${live} dead ${dead} decommissioning ${decommissioning}`],
  };
}

/** One row per host (the table's key), however many entries the report has for it. */
function dataNodeRows(facts: NodeFact[], cluster: string): Array<Record<string, string>> {
  const best = new Map<string, NodeFact>();
  const domain = new Map<string, string>();
  for (const f of facts) {
    const prev = best.get(f.host);
    if (!prev || LISTING_RANK[f.listing] < LISTING_RANK[prev.listing]) best.set(f.host, f);
    // JMX's DecomNodes and EnteringMaintenanceNodes carry no upgrade domain: any entry that has one tells it.
    if (f.upgradeDomain !== null && !domain.has(f.host)) domain.set(f.host, f.upgradeDomain);
  }
  return [...best.values()].map((f) => ({
    host: f.host,
    cluster,
    status: f.state,
    upgrade_domain: f.upgradeDomain ?? domain.get(f.host) ?? '',
  }));
}

/**
 * An upgrade domain goes into a TSV cell: one with a tab or a line break
 * would shift the columns, so the report is refused rather than the cell
 * changed (the name must match the combined hosts file's exactly).
 */
function checkUpgradeDomain(ud: string, where: string): string | null {
  if (/[\t\n\r]/.test(ud)) {
    throw new SourceError(`${where}: upgrade domain ${JSON.stringify(ud)} holds a tab or line break; fix it in the combined hosts file (dfs.hosts)`);
  }
  return ud === '' ? null : ud;
}

/** A node listed in several sections is rejected once. */
function uniqueRejected(rejected: Rejected[]): Rejected[] {
  const seen = new Set<string>();
  return rejected.filter((r) => {
    const k = `${r.raw}\n${r.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------
// hdfs dfsadmin -report

const SECTION = /^(Live|Dead|Decommissioning|Entering maintenance|In maintenance) datanodes \((\d+)\):\s*$/;
/** Hadoop 2.0–2.4: the two lists are titled without a count; the totals line before them has the counts. */
const UNCOUNTED_SECTION = /^(Live|Dead) datanodes:\s*$/;
const AVAILABLE = /^Datanodes available:\s*(\d+)\s*\((\d+) total,\s*(\d+) dead\)\s*$/;
const COUNTER = /^\s*(Under replicated blocks|Blocks with corrupt replicas|Missing blocks):\s*(\d+)\s*$/;

interface Section {
  title: string;
  listing: Listing;
  /** The `(N)` of the title; null for a Hadoop 2.0–2.4 title, checked against `Datanodes available:` instead. */
  announced: number | null;
  found: number;
  line: number;
}

interface NodeBlock {
  line: number;
  name: string;
  hostname: string | null;
  /** `Upgrade domain:` — printed (Hadoop 3) only when one is set for the node. */
  upgradeDomain: string | null;
  status: string | null;
  statusLine: number;
  section: Section;
}

/**
 * Parses the text of `hdfs dfsadmin -report` (Hadoop 2 flat header or
 * Hadoop 3 `Replicated Blocks:` header). Lines before the first
 * `Configured Capacity:` (log4j, WARNING, `Safe mode is ON`) are skipped.
 * Hadoop 2.0–2.4 title the lists `Live datanodes:` and `Dead datanodes:`
 * without a count, after a `Datanodes available: L (T total, D dead)` line;
 * 2.5 and later print `Live datanodes (N):` and no totals line.
 *
 * The report is refused, rather than read as fewer hosts, when it was cut
 * off: a node block with no `Decommission Status :` line, a status that is
 * not one of the five known ones (a line cut mid-word), a section whose
 * `(N)` does not match the node blocks under it, or (Hadoop 2.0–2.4) lists
 * that do not add up to the `Datanodes available:` totals. A cut that falls exactly
 * between two sections cannot be seen in the text (empty sections are not
 * printed); the swing check of DESIGN §6.6 is the guard for that.
 */
export function parseDfsadminReport(text: string, cluster: string, rule: HostRule): SourceResult {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let start = -1;
  for (let i = 0; i < lines.length && start < 0; i++) {
    const l = lines[i]!;
    if (/^Configured Capacity:/.test(l)) start = i;
    else if (SECTION.test(l) || /^Name:/.test(l)) {
      throw new SourceError(
        `line ${i + 1}: a DataNode section comes before the report's "Configured Capacity:" header; ` +
          `the start of the report is missing: ${RERUN}`,
      );
    }
  }
  if (start < 0) {
    throw new SourceError(
      'not an "hdfs dfsadmin -report": no "Configured Capacity:" line; check that the command prints the report ' +
        '(run it by hand: a Kerberos ticket, HADOOP_CONF_DIR, a NameNode that is down)',
    );
  }

  const counters = new Map<string, number>();
  const sections: Section[] = [];
  const blocks: NodeBlock[] = [];
  let section: Section | null = null;
  let block: NodeBlock | null = null;
  let totals: { live: number; total: number; dead: number; line: number } | null = null;

  const close = () => {
    if (block && block.status === null) {
      throw new SourceError(
        `line ${block.line}: the DataNode block "Name: ${block.name}" ends without a "Decommission Status :" line; ` +
          `the report was cut off: ${RERUN}`,
      );
    }
    block = null;
  };

  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    const lineNo = i + 1;
    const sec = SECTION.exec(l) ?? UNCOUNTED_SECTION.exec(l);
    if (sec) {
      close();
      const title = sec[1]!;
      const listing: Listing = title === 'Live' ? 'live' : title === 'Dead' ? 'dead' : 'other';
      const announced = sec[2] === undefined ? null : Number(sec[2]);
      if (announced === null && totals === null) {
        throw new SourceError(
          `line ${lineNo}: "${l.trim()}" has no "(N)" count, and no "Datanodes available: L (T total, D dead)" line ` +
            `comes before it, as Hadoop 2.0–2.4 print; the report is garbled or its header was cut: ${RERUN}`,
        );
      }
      if (announced !== null && totals !== null) {
        throw new SourceError(
          `line ${lineNo}: "${l.trim()}" has a count, but line ${totals.line} is the "Datanodes available:" line of ` +
            `Hadoop 2.0–2.4, whose sections have none; no Hadoop prints both: is this two reports run together? ${RERUN}`,
        );
      }
      section = { title, listing, announced, found: 0, line: lineNo };
      sections.push(section);
      continue;
    }
    if (section === null) {
      // The header: Hadoop 3 indents the counters under "Replicated Blocks:", Hadoop 2 prints
      // them flat; the erasure-coded counters that follow have names of their own.
      if (/^Name:/.test(l)) {
        throw new SourceError(
          `line ${lineNo}: a DataNode block outside any "... datanodes (N):" or "Live/Dead datanodes:" section; ${RERUN}`,
        );
      }
      const av = AVAILABLE.exec(l);
      if (av) {
        totals = { live: Number(av[1]), total: Number(av[2]), dead: Number(av[3]), line: lineNo };
        continue;
      }
      const c = COUNTER.exec(l);
      if (c && !counters.has(c[1]!)) counters.set(c[1]!, Number(c[2]));
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^Name:\s*(.*)$/.exec(l))) {
      close();
      section.found++;
      const b: NodeBlock = { line: lineNo, name: m[1]!.trim(), hostname: null, upgradeDomain: null, status: null, statusLine: 0, section };
      blocks.push(b);
      block = b;
    } else if (block && (m = /^Hostname:\s*(.*)$/.exec(l))) {
      block.hostname ??= m[1]!.trim();
    } else if (block && block.upgradeDomain === null && (m = /^Upgrade domain:\s*(.*)$/.exec(l))) {
      block.upgradeDomain = checkUpgradeDomain(m[1]!.trim(), `line ${lineNo}`);
    } else if (block && block.status === null && (m = /^Decommission Status\s*:\s*(.*)$/.exec(l))) {
      block.status = m[1]!.trim();
      block.statusLine = lineNo;
    }
  }
  close();

  for (const s of sections) {
    if (s.announced !== null && s.found !== s.announced) {
      throw new SourceError(
        `line ${s.line}: "${s.title} datanodes (${s.announced}):" announces ${s.announced} DataNodes but ${s.found} ` +
          `${s.found === 1 ? 'follows' : 'follow'}; the report was cut off or garbled: ${RERUN}`,
      );
    }
  }
  if (totals !== null) checkTotals(totals, sections);
  const need = (key: string): number => {
    const v = counters.get(key);
    if (v === undefined) {
      throw new SourceError(`no "${key}:" line in the report's header; the header is incomplete: ${RERUN}`);
    }
    return v;
  };
  const counts: BlockCounts = {
    missing: need('Missing blocks'),
    underReplicated: need('Under replicated blocks'),
    corrupt: need('Blocks with corrupt replicas'),
  };
  if (blocks.length === 0) {
    throw new SourceError(
      'the report lists no DataNodes (no "Live datanodes (N):" or "Dead datanodes (N):" section); ' +
        'expected hosts: is this the right cluster, and has the NameNode just started?',
    );
  }

  const hosts = new HostCollector(rule);
  const facts: NodeFact[] = [];
  for (const b of blocks) {
    // close() saw a status line in every block.
    const state = REPORT_STATUS[b.status!];
    if (state === undefined) {
      throw new SourceError(
        `line ${b.statusLine}: unknown "Decommission Status : ${b.status}" (expected one of ` +
          `${Object.keys(REPORT_STATUS).join(', ')}); the report was cut off mid-line, or comes from a Hadoop ` +
          'version this parser does not know',
      );
    }
    const host = reportHost(b, hosts);
    if (host !== null) facts.push({ host, listing: b.section.listing, state, upgradeDomain: b.upgradeDomain });
  }
  return hdfsResult(facts, counts, cluster, hosts.rejected, blocks.length);
}

/**
 * Hadoop 2.0–2.4 count the lists once, in `Datanodes available: L (T total,
 * D dead)`: the Live and Dead lists must hold L and D blocks, and T = L + D.
 */
function checkTotals(totals: { live: number; total: number; dead: number; line: number }, sections: Section[]): void {
  const at = `line ${totals.line}: "Datanodes available: ${totals.live} (${totals.total} total, ${totals.dead} dead)"`;
  if (totals.live + totals.dead !== totals.total) {
    throw new SourceError(`${at}: ${totals.live} live and ${totals.dead} dead do not make ${totals.total}; the line is garbled: ${RERUN}`);
  }
  const found = (listing: Listing) => sections.filter((s) => s.listing === listing).reduce((n, s) => n + s.found, 0);
  for (const [what, listing, want] of [['live', 'live', totals.live], ['dead', 'dead', totals.dead]] as const) {
    const n = found(listing);
    if (n !== want) {
      throw new SourceError(
        `${at} announces ${want} ${what} DataNodes but the "${what === 'live' ? 'Live' : 'Dead'} datanodes:" list holds ${n}; ` +
          `the report was cut off or garbled: ${RERUN}`,
      );
    }
  }
}

/**
 * A DataNode's host is the name it registered with (`Hostname:`), never the
 * `ip:port` of `Name:`; without a `Hostname:` line, the reverse-DNS name in
 * the parentheses of `Name:` stands in, unless that is just the IP again.
 */
function reportHost(b: NodeBlock, hosts: HostCollector): string | null {
  const addr = b.name.split(/\s/, 1)[0]!;
  if (b.hostname) return hosts.take(b.hostname, `Hostname of DataNode ${addr}`);
  const rdns = /\(([^()]*)\)\s*$/.exec(b.name)?.[1]?.trim();
  if (rdns) return hosts.take(rdns, `no Hostname: line; reverse DNS in "Name: ${b.name}"`);
  hosts.rejected.push({ raw: b.name, reason: 'no Hostname: line, and Name: holds no host name' });
  return null;
}

// ---------------------------------------------------------------------------
// NameNode JMX

type Bean = Record<string, unknown>;

function shortBean(name: string): string {
  return name.replace(/^Hadoop:service=NameNode,name=/, '');
}

/**
 * One of the node lists of NameNodeInfo: a JSON string holding an object
 * keyed by `host:port`. Absent lists are empty when `optional` (Hadoop 2 has
 * no EnteringMaintenanceNodes).
 */
function nodeList(info: Bean, attr: string, optional: boolean): Map<string, Record<string, unknown>> {
  const v = info[attr];
  const what = `NameNodeInfo.${attr}`;
  if (v === undefined || v === null) {
    if (optional) return new Map();
    throw new SourceError(`${what} is missing from the NameNodeInfo bean; is this a NameNode (not a Router or a DataNode)?`);
  }
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new SourceError(
        `${what} is not valid JSON (${(e as Error).message}); the NameNode's answer was cut off or mangled on the way`,
      );
    }
  }
  if (!isObject(parsed)) throw new SourceError(`${what}: expected a JSON object keyed by host:port, found ${JSON.stringify(v).slice(0, 80)}`);
  const out = new Map<string, Record<string, unknown>>();
  for (const [key, entry] of Object.entries(parsed)) {
    if (!isObject(entry)) throw new SourceError(`${what}["${key}"]: expected an object, found ${JSON.stringify(entry)}`);
    out.set(key, entry);
  }
  return out;
}

function jmxState(attr: string, key: string, entry: Record<string, unknown>): DataNodeStatus {
  let s = entry['adminState'];
  // Dead entries of old NameNodes carry only `decommissioned`.
  if (s === undefined && attr === 'DeadNodes' && typeof entry['decommissioned'] === 'boolean') {
    s = entry['decommissioned'] ? 'Decommissioned' : 'In Service';
  }
  const state = typeof s === 'string' ? JMX_STATE[s] : undefined;
  if (state === undefined) {
    throw new SourceError(
      `NameNodeInfo.${attr}["${key}"]: ${s === undefined ? 'no adminState' : `unknown adminState ${JSON.stringify(s)}`} ` +
        `(expected one of ${Object.keys(JMX_STATE).join(', ')})`,
    );
  }
  return state;
}

/**
 * `upgradeDomain` of a LiveNodes or DeadNodes entry: the NameNode adds the key
 * only when the node has one (TestNameNodeMXBean checks that it is absent
 * otherwise). A null is read as none; anything else but a string is refused.
 */
function jmxUpgradeDomain(attr: string, key: string, entry: Record<string, unknown>): string | null {
  const v = entry['upgradeDomain'];
  if (v === undefined || v === null) return null;
  const where = `NameNodeInfo.${attr}["${key}"]`;
  if (typeof v !== 'string') throw new SourceError(`${where}: upgradeDomain is ${JSON.stringify(v)}, expected a string`);
  return checkUpgradeDomain(v.trim(), where);
}

/**
 * Parses one or more NameNode `/jmx` answers (`{"beans":[...]}`); beans are
 * found by name, wherever they are. NameNodeInfo gives the nodes;
 * FSNamesystem (or FSNamesystemState, or NameNodeInfo) the block counts.
 * A count that cannot be found is an error, never a zero: the safety checks
 * read the missing and under-replicated blocks.
 */
export function parseNameNodeJmx(docs: unknown[], cluster: string, rule: HostRule): SourceResult {
  const beans = new Map<string, Bean>();
  docs.forEach((doc, i) => {
    const list = isObject(doc) ? doc['beans'] : undefined;
    if (!Array.isArray(list)) {
      throw new SourceError(`JMX answer ${i + 1} of ${docs.length}: expected {"beans": [...]}, as the NameNode's /jmx returns`);
    }
    for (const b of list) {
      if (isObject(b) && typeof b['name'] === 'string' && !beans.has(b['name'])) beans.set(b['name'], b);
    }
  });
  const info = beans.get(NAMENODE_INFO_BEAN);
  if (!info) {
    throw new SourceError(
      `no bean "${NAMENODE_INFO_BEAN}" in the JMX answer; is the URL a NameNode's /jmx (port 9870, or 50070 on Hadoop 2)?`,
    );
  }

  const number = (bean: string, attr: string): number | undefined => {
    const v = beans.get(bean)?.[attr];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new SourceError(`${shortBean(bean)}.${attr}: expected a count, found ${JSON.stringify(v)}`);
    }
    return v;
  };
  const need = (what: string, from: Array<[string, string]>): number => {
    for (const [bean, attr] of from) {
      const v = number(bean, attr);
      if (v !== undefined) return v;
    }
    throw new SourceError(
      `no ${what} count: none of ${from.map(([b, a]) => `${shortBean(b)}.${a}`).join(', ')} is in the JMX answer; ` +
        `query ${FSNAMESYSTEM_BEAN} too`,
    );
  };
  const counts: BlockCounts = {
    missing: need('missing-block', [
      [FSNAMESYSTEM_BEAN, 'MissingBlocks'],
      [NAMENODE_INFO_BEAN, 'NumberOfMissingBlocks'],
    ]),
    underReplicated: need('under-replicated-block', [
      [FSNAMESYSTEM_BEAN, 'UnderReplicatedBlocks'],
      [FSNAMESYSTEM_BEAN, 'LowRedundancyBlocks'],
      [FSNAMESYSTEM_STATE_BEAN, 'UnderReplicatedBlocks'],
    ]),
    corrupt: need('corrupt-block', [[FSNAMESYSTEM_BEAN, 'CorruptBlocks']]),
  };

  const lists: Array<[attr: string, listing: Listing, optional: boolean, fixed: DataNodeStatus | null]> = [
    ['LiveNodes', 'live', false, null],
    ['DeadNodes', 'dead', false, null],
    ['DecomNodes', 'other', true, 'decommissioning'],
    ['EnteringMaintenanceNodes', 'other', true, 'entering-maintenance'],
  ];
  const hosts = new HostCollector(rule);
  const facts: NodeFact[] = [];
  let nodeCount = 0;
  for (const [attr, listing, optional, fixed] of lists) {
    for (const [key, entry] of nodeList(info, attr, optional)) {
      const state = fixed ?? jmxState(attr, key, entry);
      if (listing !== 'other') nodeCount++;
      const upgradeDomain = jmxUpgradeDomain(attr, key, entry);
      const host = hosts.take(key);
      if (host !== null) facts.push({ host, listing, state, upgradeDomain });
    }
  }
  if (nodeCount === 0) {
    throw new SourceError(
      'NameNodeInfo lists no DataNodes (LiveNodes and DeadNodes are empty); expected hosts: ' +
        'is this the right cluster, and has the NameNode just started?',
    );
  }
  return hdfsResult(facts, counts, cluster, hosts.rejected, nodeCount);
}

// ---------------------------------------------------------------------------
// the source

/**
 * `namespace:` of an hdfs source: required when its cluster declares
 * `namespaces:` (which one does it read?), refused when the cluster has none
 * or does not have that one.
 */
function configuredNamespace(m: Map<string, Field>, where: Field, cluster: ClusterConfig): NamespaceConfig | null {
  const f: Field | undefined = m.get('namespace');
  const names = cluster.namespaces.map((n) => n.name);
  if (!f || !f.present) {
    if (names.length === 0) return null;
    return where.fail(
      `cluster ${cluster.name} is federated (namespaces: ${names.join(', ')}): say which namespace this source reads, ` +
        `namespace: ${names[0]}, and give each namespace a source of its own`,
    );
  }
  const name = f.string();
  const ns = cluster.namespaces.find((n) => n.name === name);
  if (ns) return ns;
  if (names.length === 0) {
    return f.fail(`unknown namespace "${name}": cluster ${cluster.name} declares no namespaces; add namespaces: { ${name}: { namenodes: [...] } } to it, or remove namespace:`);
  }
  return f.fail(`unknown namespace "${name}" of cluster ${cluster.name}; it has ${names.join(', ')} (declare it under clusters.${cluster.name}.namespaces)`);
}

interface Parsed {
  result: SourceResult;
  ids: { blockPool: string; clusterId: string };
}

const NO_IDS = { blockPool: '', clusterId: '' };

/** Text from a command or a file: dfsadmin output, or JMX JSON (`curl …/jmx`). */
function parseReportText(text: string, cluster: string, rule: HostRule): Parsed {
  if (text.trimStart().startsWith('{')) {
    const docs = [parseJson(text, 'JMX answer')];
    return { result: parseNameNodeJmx(docs, cluster, rule), ids: jmxIds(docs) };
  }
  // dfsadmin -report prints no block pool or cluster id (DFSAdmin.report()): nothing to compare.
  return { result: parseDfsadminReport(text, cluster, rule), ids: NO_IDS };
}

/**
 * NameNodeInfo's `BlockPoolId` and `ClusterId`: which namespace (block pool)
 * of which cluster answered. Empty when the answer has none.
 */
export function jmxIds(docs: unknown[]): { blockPool: string; clusterId: string } {
  for (const doc of docs) {
    const beans = isObject(doc) && Array.isArray(doc['beans']) ? doc['beans'] : [];
    for (const b of beans) {
      if (!isObject(b) || b['name'] !== NAMENODE_INFO_BEAN) continue;
      const str = (v: unknown) => (typeof v === 'string' && !/[\t\n\r]/.test(v) ? v.trim() : '');
      return { blockPool: str(b['BlockPoolId']), clusterId: str(b['ClusterId']) };
    }
  }
  return NO_IDS;
}

/**
 * One namespace's result: the pinned groups under the namespace's own names,
 * its DataNodes in its own table, and its health row in
 * hdfs-namespace-health.tsv; nothing shared is written directly, since the
 * cluster's shared groups are the namespaces combined.
 */
export function asNamespaceResult(r: SourceResult, cluster: string, ns: string, ids: { blockPool: string; clusterId: string }): SourceResult {
  const groups = new Map<string, string[]>();
  for (const suffix of NAMESPACE_GROUP_SUFFIXES) groups.set(namespaceGroup(ns, suffix), r.groups.get(`hdfs-${suffix}`) ?? []);
  const health = r.tables.get(HDFS_HEALTH_TABLE)!.rows[0]!;
  const { cluster: _c, ...counters } = health;
  const row = { namespace: `${cluster}/${ns}`, ...counters, block_pool: ids.blockPool, cluster_id: ids.clusterId };
  const datanodes = r.tables.get(HDFS_DATANODES_TABLE)!;
  return {
    groups,
    tables: new Map([
      [HDFS_NAMESPACE_HEALTH_TABLE, { columns: [...HDFS_NAMESPACE_HEALTH_COLUMNS], rows: [row] }],
      [namespaceDatanodesTable(ns), datanodes],
    ]),
    rejected: r.rejected,
    notes: r.notes.map((n) => `${ns}: ${n}`),
  };
}

/** The two JMX queries: the nodes (NameNodeInfo) and the block counts (FSNamesystem). */
export function jmxQueryUrls(base: string): string[] {
  return [NAMENODE_INFO_BEAN, FSNAMESYSTEM_BEAN].map((bean) => {
    const u = new URL(base);
    u.searchParams.set('qry', bean);
    return u.toString();
  });
}

async function pullJmx(base: string, cluster: string, ctx: SourceContext): Promise<Parsed> {
  const urls = jmxQueryUrls(base);
  const docs = await Promise.all(urls.map(async (url) => parseJson(await httpGet(url, ctx), `GET ${url}`)));
  const first = docs[0];
  if (isObject(first) && Array.isArray(first['beans']) && first['beans'].length === 0) {
    throw new SourceError(
      `GET ${urls[0]}: the NameNode returned no beans for ${NAMENODE_INFO_BEAN}; ` +
        'is the URL a NameNode\'s /jmx (port 9870, or 50070 on Hadoop 2), and is the NameNode up?',
    );
  }
  return fromOrigin(`NameNode JMX ${base}`, () => ({ result: parseNameNodeJmx(docs, cluster, ctx.hostRule), ids: jmxIds(docs) }));
}

/**
 * A namespace source that runs `dfsadmin -report` must name its namespace
 * (`-fs hdfs://NAME`): without it the client reads fs.defaultFS, which is
 * one namespace for every source, and dfsadmin's report shows no id that
 * would tell them apart. A command that is not plainly dfsadmin is taken as
 * it is.
 */
function checkNamespaceCommand(argv: string[], ns: string): string | null {
  const i = argv.indexOf('dfsadmin');
  if (i < 0 || !argv.includes('-report')) return null;
  const named: string[] = [];
  for (let k = i; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '-fs' && argv[k + 1] !== undefined) named.push(argv[k + 1]!);
    else if (a.startsWith('-fs=')) named.push(a.slice(4));
    else if (a === '-D' && argv[k + 1]?.startsWith('fs.defaultFS=')) named.push(argv[k + 1]!.slice('fs.defaultFS='.length));
    else if (a.startsWith('-Dfs.defaultFS=')) named.push(a.slice('-Dfs.defaultFS='.length));
  }
  if (named.length === 0) return `reads the default namespace (fs.defaultFS), not ${ns}: add -fs hdfs://${ns} after dfsadmin`;
  const host = (u: string) => /^hdfs:\/\/([^/:]+)/.exec(u)?.[1] ?? u;
  const other = named.find((u) => host(u) !== ns);
  return other === undefined ? null : `reads ${other}, not namespace ${ns}: use -fs hdfs://${ns}`;
}

export const source: SourceType<HdfsConfig> = {
  type: 'hdfs',
  keys: ['cluster', 'namespace', 'report'],

  configure(m, where: Field, configDir, dc) {
    const cluster = configuredCluster(m, where, dc);
    const namespace = configuredNamespace(m, where, cluster);
    const f: Field | undefined = m.get('report');
    if (namespace && (!f || !f.present)) {
      // The namespace's own report, by its hdfs_command: what an operator would type.
      return { cluster, namespace, report: { kind: 'command', argv: [...namespace.hdfsCommand, 'dfsadmin', '-fs', `hdfs://${namespace.name}`, '-report'] } };
    }
    if (!f || !f.present) {
      where.fail(
        'missing "report": { command: [hdfs, dfsadmin, -report] }, { file: ./report.txt } or { jmx: "http://nn1:9870/jmx" }',
      );
    }
    const report = inputSpec(f, configDir, ['jmx']);
    if (report.kind === 'http') {
      try {
        new URL(report.url);
      } catch {
        f.fail(`jmx: "${report.url}" is not a URL`);
      }
    }
    if (namespace && report.kind === 'command') {
      const bad = checkNamespaceCommand(report.argv, namespace.name);
      if (bad) f.fail(`this command ${bad}`);
    }
    return { cluster, namespace, report };
  },

  async pull(config, ctx) {
    const cluster = config.cluster.name;
    let parsed: Parsed;
    if (config.report.kind === 'http') parsed = await pullJmx(config.report.url, cluster, ctx);
    else {
      const text = await fetchText(config.report, ctx);
      parsed = fromOrigin(describeSpec(config.report), () => parseReportText(text, cluster, ctx.hostRule));
    }
    if (!config.namespace) return parsed.result;
    return asNamespaceResult(parsed.result, cluster, config.namespace.name, parsed.ids);
  },

  clusterOf(config) {
    return config.cluster;
  },

  namespaceOf(config) {
    return config.namespace ? { cluster: config.cluster.name, namespace: config.namespace.name } : null;
  },
};
