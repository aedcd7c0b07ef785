// pull: a 100,000-host inventory and a 20,000-node dfsadmin report, from files.
import fs from 'node:fs';
import path from 'node:path';
import { host, mb, countLines, fmtSecs } from '../lib.mjs';

// ---------------------------------------------------------------- pull inputs

const PULL_HOSTS = 100_000;
const PULL_CLUSTERS = 40;
const PULL_NODES = 20_000;

/** A small deterministic generator (LCG), so every run writes the same inputs. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Host i of the pull inventory: the first PULL_NODES are the workers of the
 * big cluster dw00 (the one the dfsadmin report is about); the rest spread
 * over dw01..dw39.
 */
function pullHost(i) {
  const cluster = i < PULL_NODES ? 0 : 1 + (i % (PULL_CLUSTERS - 1));
  const c = String(cluster).padStart(2, '0');
  return { cluster: `dw${c}`, name: `dw${c}-dn${String(i).padStart(6, '0')}.dc1.example.com`, rack: `r${c}${String(Math.floor(i / 40) % 100).padStart(2, '0')}` };
}

/** inventory.csv: 100,000 rows in no particular order, with the quoting and flag spellings real exports have. */
function writeInventoryCsv(file) {
  const rand = lcg(42);
  const order = Array.from({ length: PULL_HOSTS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const flags = ['no', 'false', '0', '', 'False', 'no', '', '0'];
  const out = ['host,cluster,role,status,rack,datagroup,ticket,hadoop_exclude\n'];
  let exclude = 0;
  for (const i of order) {
    const h = pullHost(i);
    const r = rand();
    const role = i % 2500 < 2 ? 'namenode' : i % 997 === 5 ? 'HBase RegionServer' : 'hadoop-worker';
    const status = r < 0.95 ? 'active' : r < 0.97 ? 'decommissioning' : r < 0.98 ? 'failed' : r < 0.99 ? 'Offline' : 'planned';
    const ticket = status === 'failed' ? (i % 2 ? `"OPS-${i}, OPS-${i + 1}"` : `OPS-${i}`) : '';
    const ex = status === 'failed' || i % 501 === 0;
    if (ex) exclude++;
    const flag = ex ? (i % 3 === 0 ? 'yes' : i % 3 === 1 ? 'TRUE' : '1') : flags[i % flags.length];
    out.push(`${h.name},${h.cluster},${role},${status},${h.rack},dg${1 + (i % 3)},${ticket},${flag}\n`);
  }
  fs.writeFileSync(file, out.join(''));
  return { hosts: PULL_HOSTS, exclude };
}

/** One DataNode block in the Hadoop 3 layout of fixtures/formats/dfsadmin-report.txt. */
function nodeBlock(i, status) {
  const h = pullHost(i);
  const ip = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  const used = 9_000_000_000_000 + i * 1_000_003;
  return (
    `Name: ${ip}:9866 (${h.name})\n` +
    `Hostname: ${h.name}\n` +
    `Rack: /dc1/${h.rack}\n` +
    (i % 2 ? `Upgrade domain: ud${i % 4}\n` : '') +
    `Decommission Status : ${status}\n` +
    'Configured Capacity: 15997807902720 (14.55 TB)\n' +
    `DFS Used: ${used} (8.91 TB)\n` +
    'Non DFS Used: 402653184000 (375 GB)\n' +
    `DFS Remaining: ${15997807902720 - 402653184000 - used} (5.27 TB)\n` +
    'DFS Used%: 61.23%\n' +
    'DFS Remaining%: 36.25%\n' +
    'Configured Cache Capacity: 0 (0 B)\n' +
    'Cache Used: 0 (0 B)\n' +
    'Cache Remaining: 0 (0 B)\n' +
    'Cache Used%: 100.00%\n' +
    'Cache Remaining%: 0.00%\n' +
    `Xceivers: ${i % 80}\n` +
    'Last contact: Fri Apr 12 09:41:06 UTC 2024\n' +
    'Last Block Report: Fri Apr 12 08:03:50 UTC 2024\n' +
    `Num of Blocks: ${400_000 + (i % 20_000)}\n` +
    '\n\n'
  );
}

/**
 * `hdfs dfsadmin -report` of cluster dw00 with 20,000 DataNodes: some dead,
 * some decommissioning, decommissioned or in maintenance, each listed again
 * in its own section as Hadoop does. Returns the expected group sizes.
 */
function writeDfsadminReport(file) {
  const live = [];
  const dead = [];
  for (let i = 0; i < PULL_NODES; i++) {
    if (i % 97 === 13) dead.push({ i, status: i % 5 === 0 ? 'In maintenance' : i % 7 === 0 ? 'Decommissioned' : 'Normal' });
    else live.push({ i, status: i % 211 === 7 ? 'Decommission in progress' : i % 307 === 11 ? 'Decommissioned' : i % 401 === 17 ? 'Entering maintenance' : 'Normal' });
  }
  const section = (title, nodes) => (nodes.length ? [`${title} datanodes (${nodes.length}):\n\n`, ...nodes.map((n) => nodeBlock(n.i, n.status))] : []);
  const decommissioning = live.filter((n) => n.status === 'Decommission in progress');
  const entering = live.filter((n) => n.status === 'Entering maintenance');
  const inMaintenance = [...live, ...dead].filter((n) => n.status === 'In maintenance');
  const text = [
    'Configured Capacity: 319956158054400000 (284.17 PB)\n',
    'Present Capacity: 282084707532800000 (250.54 PB)\n',
    'DFS Remaining: 87429965629440000 (77.65 PB)\n',
    'DFS Used: 194654741903360000 (172.89 PB)\n',
    'DFS Used%: 69.01%\n',
    'Replicated Blocks:\n',
    '\tUnder replicated blocks: 18430\n',
    '\tBlocks with corrupt replicas: 2\n',
    '\tMissing blocks: 1\n',
    '\tMissing blocks (with replication factor 1): 0\n',
    '\tLow redundancy blocks with highest priority to recover: 1\n',
    '\tPending deletion blocks: 0\n',
    'Erasure Coded Block Groups: \n',
    '\tLow redundancy block groups: 0\n',
    '\tBlock groups with corrupt internal blocks: 0\n',
    '\tMissing block groups: 0\n',
    '\tLow redundancy blocks with highest priority to recover: 0\n',
    '\tPending deletion blocks: 0\n',
    '\n-------------------------------------------------\n',
    ...section('Live', live),
    ...section('Dead', dead),
    ...section('Decommissioning', decommissioning),
    ...section('Entering maintenance', entering),
    ...section('In maintenance', inMaintenance),
  ].join('');
  fs.writeFileSync(file, text);
  return {
    'hdfs-live': live.length,
    'hdfs-dead': dead.length,
    'hdfs-decommissioning': decommissioning.length,
    'hdfs-decommissioned': [...live, ...dead].filter((n) => n.status === 'Decommissioned').length,
    'hdfs-maintenance': entering.length + inMaintenance.length,
    bytes: Buffer.byteLength(text),
  };
}

const PULL_CONFIG = `home: ./home
hostnames: { domain: dc1.example.com }
datacenters:
  dc1:
    clusters:
      dw00: { namenodes: [dw00-nn1.dc1.example.com, dw00-nn2.dc1.example.com] }
    sources:
      inventory:
        type: inventory
        file: ./inventory.csv
        format: csv
        volatile: false
        columns: { host: host, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }
        flags: [hadoop_exclude]
      hdfs-dw00:
        type: hdfs
        cluster: dw00
        report: { file: ./dfsadmin-report.txt }
`;

/** Writes pull/{breakfix.yaml, inventory.csv, dfsadmin-report.txt} once; remembers the expected counts. */
function pullInputs(ctx) {
  const dir = path.join(ctx.dir, 'pull');
  const stampFile = path.join(dir, '.stamp');
  let how = 'reused';
  if (!fs.existsSync(stampFile)) {
    const t0 = process.hrtime.bigint();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'breakfix.yaml'), PULL_CONFIG);
    const inv = writeInventoryCsv(path.join(dir, 'inventory.csv'));
    const hdfs = writeDfsadminReport(path.join(dir, 'dfsadmin-report.txt'));
    fs.writeFileSync(stampFile, JSON.stringify({ all: inv.hosts, hadoop_exclude: inv.exclude, ...hdfs }) + '\n');
    how = `generated in ${fmtSecs(Number(process.hrtime.bigint() - t0) / 1e9)}`;
  }
  ctx.pullExpected = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  const { bytes, ...groups } = ctx.pullExpected;
  const size = (f) => mb(fs.statSync(path.join(dir, f)).size);
  return (
    `inventory.csv ${PULL_HOSTS.toLocaleString('en-US')} hosts in ${PULL_CLUSTERS} clusters (${size('inventory.csv')}), ` +
    `dfsadmin-report.txt ${PULL_NODES.toLocaleString('en-US')} DataNodes of dw00 (${mb(bytes)}: ` +
    `${groups['hdfs-dead']} dead, ${groups['hdfs-decommissioning']} decommissioning, ${groups['hdfs-maintenance']} in maintenance); ${how}`
  );
}

/** A fresh home for every run, so nothing is skipped as already pulled today. */
function freshPullHome(ctx) {
  fs.rmSync(path.join(ctx.dir, 'pull', 'home'), { recursive: true, force: true });
}

/** After a run: every group the case expects has the number of hosts the generator wrote. */
function checkPull(ctx) {
  const day = path.join(ctx.dir, 'pull', 'home', 'dc1', 'today');
  const { bytes: _bytes, ...expected } = ctx.pullExpected;
  const wrong = [];
  for (const [g, n] of Object.entries(expected)) {
    let got;
    try {
      got = countLines(path.join(day, g));
    } catch {
      got = 'missing';
    }
    if (got !== n) wrong.push(`${g} ${got}, expected ${n}`);
  }
  const shown = Object.entries(expected)
    .map(([g, n]) => `${g} ${n.toLocaleString('en-US')}`)
    .join(', ');
  return wrong.length ? { ok: false, detail: wrong.join('; ') } : { ok: true, detail: shown };
}


export const pullCase = {
    name: 'pull',
    title: 'pull: 100,000-host inventory CSV + 20,000-node dfsadmin report from files',
    setup: pullInputs,
    ours: ['breakfix', '--config', 'pull/breakfix.yaml', 'pull', '--force'],
    // No GNU tool does this: the wall time is measured against the target alone.
    theirs: null,
    beforeEach: freshPullHome,
    check: checkPull,
    target: { secs: 2 },
  };
