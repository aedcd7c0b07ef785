// A simulated datacenter, written as the files its systems of record would
// print: an inventory CSV, `hdfs dfsadmin -report` and `yarn node -list -all`
// per cluster, and a breakfix.yaml reading them. The same seed gives the same
// datacenter, byte for byte; each host's ground truth is returned beside the
// files so tests can work out what breakfix should make of them.
import path from 'node:path';
import seedrandom from 'seedrandom';
import { writeFiles } from './cli.js';

export const DOMAIN = 'dc1.example.com';
export const FLAGS = ['hadoop_exclude', 'responsive', 'puppet_ok', 'rekick-in-progress', 'rekicked'] as const;
export type Flag = (typeof FLAGS)[number];

/** Where HDFS lists a DataNode; `none`: not a DataNode of any report. */
export type SimHdfs = 'none' | 'in-service' | 'decommissioning' | 'decommissioned' | 'entering-maintenance' | 'in-maintenance' | 'dead' | 'dead-decommissioned';
export type SimYarn = 'RUNNING' | 'UNHEALTHY' | 'LOST' | 'DECOMMISSIONING' | 'DECOMMISSIONED' | 'SHUTDOWN' | 'NEW';

export interface SimHost {
  /** The canonical name: lower-case FQDN. */
  host: string;
  /** As the inventory writes it (short, or an upper-case FQDN now and then). */
  inventoryName: string;
  cluster: string;
  role: string;
  lifecycle: string;
  rack: string;
  datagroup: string;
  ticket: string;
  flags: Record<Flag, boolean>;
  hdfs: SimHdfs;
  yarn: SimYarn | null;
  ip: string;
}

export interface ClusterSpec {
  name: string;
  /** Worker slots (role hadoop-worker); lifecycle decides which count as workers. */
  workers: number;
  racks: number;
  datagroups: number;
  dead: number;
  /** Decommissioning DataNodes, and how many data groups they are spread over. */
  decommissioning: number;
  decommissioningGroups: number;
  decommissioned: number;
  maintenance: number;
  missingBlocks: number;
  underReplicated: number;
}

export interface SimCluster extends ClusterSpec {
  namenodes: string[];
  resourcemanagers: string[];
}

export interface SimDatacenter {
  seed: string;
  clusters: SimCluster[];
  hosts: SimHost[];
  /** File name → content: inventory.csv, hdfs-<c>.txt, yarn-<c>.txt. */
  files: Record<string, string>;
}

/**
 * The clusters of the simulated datacenter, each there for a reason:
 * dw1 a large default cluster with drains in flight in one data group, a
 * NameNode the inventory calls a worker and a host without a data group;
 * dw2 a drain budget already used up; dw3 missing blocks; dw4 drains in
 * flight over two data groups; dev1 small (< 50 workers); hb-meta the
 * exception rule (max drain 1).
 */
export const CLUSTERS: ClusterSpec[] = [
  { name: 'dw1', workers: 400, racks: 20, datagroups: 3, dead: 5, decommissioning: 2, decommissioningGroups: 1, decommissioned: 14, maintenance: 3, missingBlocks: 0, underReplicated: 37 },
  { name: 'dw2', workers: 100, racks: 10, datagroups: 2, dead: 4, decommissioning: 3, decommissioningGroups: 1, decommissioned: 5, maintenance: 0, missingBlocks: 0, underReplicated: 0 },
  { name: 'dw3', workers: 80, racks: 8, datagroups: 2, dead: 2, decommissioning: 0, decommissioningGroups: 0, decommissioned: 6, maintenance: 1, missingBlocks: 3, underReplicated: 412 },
  { name: 'dw4', workers: 55, racks: 6, datagroups: 3, dead: 1, decommissioning: 2, decommissioningGroups: 2, decommissioned: 4, maintenance: 0, missingBlocks: 0, underReplicated: 12 },
  { name: 'dev1', workers: 30, racks: 4, datagroups: 2, dead: 1, decommissioning: 0, decommissioningGroups: 0, decommissioned: 4, maintenance: 1, missingBlocks: 0, underReplicated: 0 },
  { name: 'hb-meta', workers: 60, racks: 6, datagroups: 2, dead: 0, decommissioning: 0, decommissioningGroups: 0, decommissioned: 5, maintenance: 0, missingBlocks: 0, underReplicated: 3 },
];

/** dw1's second NameNode: role hadoop-worker in the inventory, a NameNode in the config. */
export const NAMENODE_AS_WORKER = `dw1-nn2.${DOMAIN}`;
/** A broken dw1 worker whose data group the inventory does not know. */
export const NO_DATAGROUP = `dw1-dn9999.${DOMAIN}`;

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** `clusters`: only these of CLUSTERS (all by default). */
export function simulateDatacenter(seed: string, opts: { clusters?: string[] } = {}): SimDatacenter {
  const rnd = seedrandom(`fleet:${seed}`);
  const chance = (p: number) => rnd() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  /** k distinct items of xs, at random. */
  const sample = <T>(xs: readonly T[], k: number): T[] => {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, k);
  };

  const hosts: SimHost[] = [];
  const clusters: SimCluster[] = [];
  CLUSTERS.forEach((spec, ci) => {
    if (opts.clusters && !opts.clusters.includes(spec.name)) return;
    const c = spec.name;
    const racks = Array.from({ length: spec.racks }, (_, i) => `${c}-r${pad(i + 1, 2)}`);
    const dgs = Array.from({ length: spec.datagroups }, (_, i) => `${c}-dg${i + 1}`);
    const ip = (i: number) => `10.${ci + 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const base = (host: string, i: number): SimHost => ({
      host,
      inventoryName: host.slice(0, -DOMAIN.length - 1),
      cluster: c,
      role: 'hadoop-worker',
      lifecycle: 'active',
      rack: pick(racks),
      datagroup: pick(dgs),
      ticket: '',
      flags: { hadoop_exclude: false, responsive: true, puppet_ok: true, 'rekick-in-progress': false, rekicked: false },
      hdfs: 'in-service',
      yarn: 'RUNNING',
      ip: ip(i),
    });

    // Head nodes: not workers, not DataNodes.
    const nn1 = { ...base(`${c}-nn1.${DOMAIN}`, 900), role: 'namenode', datagroup: '', hdfs: 'none' as const, yarn: null };
    const rm1 = { ...base(`${c}-rm1.${DOMAIN}`, 901), role: 'resourcemanager', datagroup: '', hdfs: 'none' as const, yarn: null };
    hosts.push(nn1, rm1);
    const namenodes = [nn1.host];

    // Workers: states are drawn for exact counts, then flags at random.
    const workers: SimHost[] = [];
    for (let i = 1; i <= spec.workers; i++) workers.push(base(`${c}-dn${pad(i, 4)}.${DOMAIN}`, i));
    if (c === 'dw1') {
      // the last worker slot is dw1's second NameNode, listed as a worker and broken
      const nn2 = workers.pop()!;
      workers.push({ ...nn2, host: NAMENODE_AS_WORKER, inventoryName: 'dw1-nn2' });
      namenodes.push(NAMENODE_AS_WORKER);
    }
    const pool = workers.filter((w) => w.host !== NAMENODE_AS_WORKER);
    const order = sample(pool, pool.length);
    let at = 0;
    const take = (n: number) => order.slice(at, (at += n));
    for (const w of take(spec.dead)) w.hdfs = chance(0.8) ? 'dead' : 'dead-decommissioned';
    const inFlightGroups = sample(dgs, spec.decommissioningGroups);
    take(spec.decommissioning).forEach((w, i) => {
      w.hdfs = 'decommissioning';
      w.datagroup = inFlightGroups[i % inFlightGroups.length]!;
    });
    for (const w of take(spec.decommissioned)) w.hdfs = 'decommissioned';
    for (const w of take(spec.maintenance)) w.hdfs = chance(0.5) ? 'entering-maintenance' : 'in-maintenance';

    for (const w of workers) {
      const f = w.flags;
      if (w.hdfs === 'in-service') {
        f.responsive = !chance(0.05);
        f.puppet_ok = !chance(0.07);
        w.yarn = chance(0.03) ? 'UNHEALTHY' : chance(0.01) ? 'LOST' : 'RUNNING';
      } else if (w.hdfs === 'dead' || w.hdfs === 'dead-decommissioned') {
        f.responsive = chance(0.3);
        f.puppet_ok = f.responsive && chance(0.5);
        f['rekick-in-progress'] = chance(0.3);
        w.yarn = 'LOST';
        w.lifecycle = chance(0.5) ? 'repair' : 'active';
      } else if (w.hdfs === 'decommissioned') {
        f['rekick-in-progress'] = chance(0.2);
        f.rekicked = !f['rekick-in-progress'] && chance(0.5);
        f.responsive = !chance(0.1);
        f.puppet_ok = !chance(0.1);
        w.yarn = 'DECOMMISSIONED';
      } else if (w.hdfs === 'decommissioning') {
        w.yarn = 'DECOMMISSIONING';
      } else {
        w.yarn = 'SHUTDOWN';
      }
      f.hadoop_exclude = chance(0.03);
      if (f.hadoop_exclude) w.ticket = `OPS-${1000 + Math.floor(rnd() * 9000)}`;
    }
    const nn2 = workers.find((w) => w.host === NAMENODE_AS_WORKER);
    if (nn2) {
      Object.assign(nn2.flags, { responsive: false, hadoop_exclude: false });
      nn2.hdfs = 'in-service';
      nn2.yarn = 'RUNNING';
    }
    hosts.push(...workers);

    // Not workers: hosts on order, and one in repair that still counts.
    for (let i = 1; i <= 2; i++) {
      hosts.push({ ...base(`${c}-new${i}.${DOMAIN}`, 950 + i), lifecycle: 'planned', hdfs: 'none', yarn: null });
    }
    if (c === 'dw1') {
      const h = base(NO_DATAGROUP, 999);
      h.datagroup = '';
      h.flags.puppet_ok = false;
      h.flags.responsive = false;
      hosts.push(h);
    }
    clusters.push({ ...spec, namenodes, resourcemanagers: [rm1.host] });
  });
  // Hosts of no cluster.
  hosts.push({
    host: `edge1.${DOMAIN}`,
    inventoryName: 'edge1',
    cluster: '',
    role: 'edge-node',
    lifecycle: 'active',
    rack: 'core-r01',
    datagroup: '',
    ticket: '',
    flags: { hadoop_exclude: false, responsive: true, puppet_ok: true, 'rekick-in-progress': false, rekicked: false },
    hdfs: 'none',
    yarn: null,
    ip: '10.0.0.5',
  });
  // A few inventory names in upper case, as FQDNs: they are made canonical by the source.
  for (const h of sample(hosts, 10)) h.inventoryName = h.host.toUpperCase();

  const files: Record<string, string> = { 'inventory.csv': inventoryCsv(sample(hosts, hosts.length)) };
  for (const c of clusters) {
    const mine = hosts.filter((h) => h.cluster === c.name).sort((a, b) => (a.ip < b.ip ? -1 : 1));
    files[`hdfs-${c.name}.txt`] = dfsadminReport(mine, c);
    files[`yarn-${c.name}.txt`] = yarnNodeList(mine);
  }
  return { seed, clusters, hosts, files };
}

function inventoryCsv(hosts: SimHost[]): string {
  const out = [['hostname', 'cluster', 'role', 'status', 'rack', 'datagroup', 'ticket', ...FLAGS].join(',')];
  for (const h of hosts) {
    out.push([h.inventoryName, h.cluster, h.role, h.lifecycle, h.rack, h.datagroup, h.ticket, ...FLAGS.map((f) => (h.flags[f] ? 'true' : 'false'))].join(','));
  }
  return out.join('\n') + '\n';
}

const REPORT_STATUS: Record<Exclude<SimHdfs, 'none'>, string> = {
  'in-service': 'Normal',
  decommissioning: 'Decommission in progress',
  decommissioned: 'Decommissioned',
  'entering-maintenance': 'Entering maintenance',
  'in-maintenance': 'In maintenance',
  dead: 'Normal',
  'dead-decommissioned': 'Decommissioned',
};

/** One node block, as DatanodeInfo.getDatanodeReport() prints it (two blank lines after it). */
function nodeBlock(h: SimHost): string {
  const dead = h.hdfs === 'dead' || h.hdfs === 'dead-decommissioned';
  return [
    `Name: ${h.ip}:9866 (${h.host})`,
    `Hostname: ${h.host}`,
    `Rack: /dc1/${h.rack}`,
    `Decommission Status : ${REPORT_STATUS[h.hdfs as Exclude<SimHdfs, 'none'>]}`,
    'Configured Capacity: 15997807902720 (14.55 TB)',
    `DFS Used: ${dead ? 0 : 9795364110336} (${dead ? '0 B' : '8.91 TB'})`,
    'Non DFS Used: 402653184000 (375 GB)',
    'DFS Remaining: 5799790608384 (5.27 TB)',
    'DFS Used%: 61.23%',
    'DFS Remaining%: 36.25%',
    'Configured Cache Capacity: 0 (0 B)',
    'Cache Used: 0 (0 B)',
    'Cache Remaining: 0 (0 B)',
    'Cache Used%: 100.00%',
    'Cache Remaining%: 0.00%',
    `Xceivers: ${dead ? 0 : 31}`,
    `Last contact: ${dead ? 'Wed Apr 10 06:44:05 UTC 2024' : 'Fri Apr 12 09:41:06 UTC 2024'}`,
    'Last Block Report: Fri Apr 12 08:03:50 UTC 2024',
    'Num of Blocks: 412877',
    '',
    '',
  ].join('\n');
}

/** `hdfs dfsadmin -report`, Hadoop 3 layout (fixtures/formats/dfsadmin-report.txt). */
function dfsadminReport(hosts: SimHost[], c: ClusterSpec): string {
  const dn = hosts.filter((h) => h.hdfs !== 'none');
  const live = dn.filter((h) => !['dead', 'dead-decommissioned'].includes(h.hdfs));
  const dead = dn.filter((h) => ['dead', 'dead-decommissioned'].includes(h.hdfs));
  const sections: Array<[string, SimHost[]]> = [
    ['Live', live],
    ['Dead', dead],
    ['Decommissioning', dn.filter((h) => h.hdfs === 'decommissioning')],
    ['Entering maintenance', dn.filter((h) => h.hdfs === 'entering-maintenance')],
    ['In maintenance', dn.filter((h) => h.hdfs === 'in-maintenance')],
  ];
  let out = [
    'Configured Capacity: 63991231610880 (58.20 TB)',
    'Present Capacity: 56416941506560 (51.31 TB)',
    'DFS Remaining: 17485993125888 (15.90 TB)',
    'DFS Used: 38930948380672 (35.41 TB)',
    'DFS Used%: 69.01%',
    'Replicated Blocks:',
    `\tUnder replicated blocks: ${c.underReplicated}`,
    '\tBlocks with corrupt replicas: 0',
    `\tMissing blocks: ${c.missingBlocks}`,
    '\tMissing blocks (with replication factor 1): 0',
    `\tLow redundancy blocks with highest priority to recover: ${c.missingBlocks}`,
    '\tPending deletion blocks: 0',
    'Erasure Coded Block Groups: ',
    '\tLow redundancy block groups: 0',
    '\tBlock groups with corrupt internal blocks: 0',
    '\tMissing block groups: 0',
    '\tLow redundancy blocks with highest priority to recover: 0',
    '\tPending deletion blocks: 0',
    '',
    '-------------------------------------------------',
  ].join('\n');
  out += '\n';
  for (const [title, nodes] of sections) {
    if (nodes.length === 0) continue; // empty sections are not printed
    out += `${title} datanodes (${nodes.length}):\n\n`;
    for (const h of nodes) out += nodeBlock(h) + '\n';
  }
  return out;
}

/** `yarn node -list -all` (fixtures/formats/yarn-node-list-all.txt): "%16s\t%15s\t%17s\t%28s". */
function yarnNodeList(hosts: SimHost[]): string {
  const nodes = hosts.filter((h) => h.yarn !== null);
  const row = (a: string, b: string, c: string, d: string) => `${a.padStart(16)}\t${b.padStart(15)}\t${c.padStart(17)}\t${d.padStart(28)}`;
  const out = [`Total Nodes:${nodes.length}`, row('Node-Id', 'Node-State', 'Node-Http-Address', 'Number-of-Running-Containers')];
  for (const h of nodes) out.push(row(`${h.host}:45454`, h.yarn!, `${h.host}:8042`, h.yarn === 'RUNNING' ? '7' : '0'));
  return out.join('\n') + '\n';
}

export interface ConfigOptions {
  /** Sources to read from a file that does not parse (the source fails). */
  broken?: string[];
  /** `policy:` in the config. */
  policy?: string;
  home?: string;
  /** Head nodes in the config as people type them: short or upper-case names. */
  looseHeadNames?: boolean;
}

/** breakfix.yaml for the datacenter, every source reading a file beside it. */
export function configYaml(dc: SimDatacenter, opts: ConfigOptions = {}): string {
  const out = [`home: ${opts.home ?? './home'}`];
  if (opts.policy) out.push(`policy: ${opts.policy}`);
  out.push(`hostnames: { domain: ${DOMAIN} }`, 'datacenters:', '  dc1:', '    clusters:');
  const loose = (h: string, i: number) => (!opts.looseHeadNames ? h : i % 2 === 0 ? h.slice(0, -DOMAIN.length - 1) : h.toUpperCase());
  for (const c of dc.clusters) {
    out.push(`      ${c.name}: { namenodes: [${c.namenodes.map(loose).join(', ')}], resourcemanagers: [${c.resourcemanagers.map(loose).join(', ')}] }`);
  }
  out.push(
    '    sources:',
    '      inventory:',
    '        type: inventory',
    '        file: ./inventory.csv',
    '        format: csv',
    '        volatile: false',
    '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
    `        flags: [${FLAGS.join(', ')}]`,
  );
  const file = (name: string) => (opts.broken?.includes(name) ? `./broken-${name}.txt` : `./${name}.txt`);
  for (const c of dc.clusters) {
    out.push(`      hdfs-${c.name}: { type: hdfs, cluster: ${c.name}, report: { file: ${file(`hdfs-${c.name}`)} } }`);
    out.push(`      yarn-${c.name}: { type: yarn, cluster: ${c.name}, nodes: { file: ${file(`yarn-${c.name}`)} } }`);
  }
  return out.join('\n') + '\n';
}

/** Writes the datacenter's files and its config into dir; returns the config's path. */
export function writeDatacenter(dir: string, dc: SimDatacenter, opts: ConfigOptions = {}): string {
  const broken: Record<string, string> = {};
  for (const name of opts.broken ?? []) {
    // a report cut off in the middle: the section announces more nodes than follow
    const text = dc.files[`${name}.txt`] ?? '';
    broken[`broken-${name}.txt`] = text.slice(0, Math.floor(text.length / 2));
  }
  writeFiles(dir, { ...dc.files, ...broken, 'breakfix.yaml': configYaml(dc, opts) });
  return path.join(dir, 'breakfix.yaml');
}
