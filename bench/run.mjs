// Benchmarks breakfix side by side with the GNU tools it replaces, in one run,
// and prints the ratios against the targets. It measures and reports; it never
// fails on timing.
//
//   node bench/run.mjs                 full run (5,000,000 hosts)
//   node bench/run.mjs --quick         smoke run (500,000 hosts)
//   node bench/run.mjs --only minus    one case (comma-separated names allowed)
//   node bench/run.mjs --runs 5        median of 5 runs per side
//   node bench/run.mjs --keep DIR      generate into DIR (or reuse it) and leave it there
//
// Wall time is measured here around each child; peak RSS comes from
// /usr/bin/time (%M). For a shell pipeline that is the largest stage, not the sum.
//
// A case is an object in CASES: a name, a setup that writes its inputs, and
// two commands (`ours`, `theirs`) run from the data directory. Add a case by
// appending one. A case with no GNU peer has `theirs: null` and a target in
// seconds (`target.secs`); `beforeEach` runs before every run of it, untimed,
// and `check` looks at what its first run wrote. A setup may return
// `{ skip: reason }` (a tool is missing); `aim` measures a further breakfix
// variant against the same baseline, reported as a stretch goal.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'breakfix');
const DIST = path.join(ROOT, 'dist', 'main.cjs');
const TIME = '/usr/bin/time';
const RSS_LIMIT_MB = 150;

// ---------------------------------------------------------------- options

function usage() {
  const names = CASES.map((c) => c.name).join(', ');
  return `usage: node bench/run.mjs [--quick] [--runs N] [--only NAME[,NAME]] [--keep DIR] [--lines N]
  --quick       500,000 hosts instead of 5,000,000
  --runs N      runs per side for the big cases (median reported; default 3)
  --only NAMES  run only these cases: ${names}
  --keep DIR    generate inputs into DIR, or reuse them when present; DIR is not removed
  --lines N     hosts in the big input (overrides --quick)`;
}

function parseArgs(argv) {
  const o = { quick: false, runs: 3, only: null, keep: null, lines: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value\n${usage()}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = positiveInt(a, val());
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--keep') o.keep = path.resolve(val());
    else if (a === '--lines') o.lines = positiveInt(a, val());
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else die(`unknown argument ${a}\n${usage()}`);
  }
  if (o.only) {
    const known = new Set(CASES.map((c) => c.name));
    for (const n of o.only) if (!known.has(n)) die(`unknown case ${n}; known: ${[...known].join(', ')}`);
  }
  return o;
}

function positiveInt(flag, s) {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) die(`${flag} wants a positive integer, not ${s}`);
  return n;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- inputs

/** Host number i as `dn0001234.r123.dc1.example.com`; zero padding keeps byte order = numeric order. */
function host(i) {
  const n = String(i).padStart(7, '0');
  const rack = String(Math.floor(i / 40) % 1000).padStart(3, '0');
  const dc = 1 + (Math.floor(i / 1_000_000) % 4);
  return `dn${n}.r${rack}.dc${dc}.example.com\n`;
}

/**
 * Writes `count` hosts to several files in one pass: every file gets the
 * lines (1-based line number k) that its `keep(k)` accepts.
 */
function writeHosts(dir, count, files) {
  const outs = Object.entries(files).map(([name, keep]) => ({
    fd: fs.openSync(path.join(dir, name), 'w'),
    keep,
    chunk: [],
  }));
  const CHUNK = 65536;
  const flush = (o) => {
    if (o.chunk.length) fs.writeSync(o.fd, o.chunk.join(''));
    o.chunk = [];
  };
  for (let k = 1; k <= count; k++) {
    const line = host(k);
    for (const o of outs) {
      if (o.keep(k)) {
        o.chunk.push(line);
        if (o.chunk.length >= CHUNK) flush(o);
      }
    }
  }
  for (const o of outs) {
    flush(o);
    fs.closeSync(o.fd);
  }
}

/** Fails unless the file is strictly increasing in byte order (what `LC_ALL=C sort -u` would leave). */
function verifySorted(file) {
  const r = spawnSync('sort', ['-c', '-u', file], { env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  if (r.status !== 0) die(`${file} is not sorted and unique in byte order: ${r.stderr.trim()}`);
}

/**
 * Generates `files` in `dir` unless a stamp says the same set is already
 * there; says whether they were generated, found (--keep) or made earlier in this run.
 */
function ensureInputs(ctx, stamp, count, files) {
  if (ctx.prepared.has(stamp)) return 'as above';
  ctx.prepared.add(stamp);
  const stampFile = path.join(ctx.dir, `.stamp-${stamp}`);
  if (fs.existsSync(stampFile) && Object.keys(files).every((f) => fs.existsSync(path.join(ctx.dir, f)))) {
    return 'reused';
  }
  const t0 = process.hrtime.bigint();
  writeHosts(ctx.dir, count, files);
  for (const f of Object.keys(files)) verifySorted(path.join(ctx.dir, f));
  fs.writeFileSync(stampFile, `${count}\n`);
  return `generated and checked sorted in ${fmtSecs(Number(process.hrtime.bigint() - t0) / 1e9)}`;
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

// ---------------------------------------------------------------- cases

const every = (n) => (k) => k % n === 0;
const allBut = (n) => (k) => k % n !== 0;
const all = () => true;

/** The big host list and its subsets, shared by the `minus` and `pipeline` cases. */
function bigInputs(ctx) {
  const files = { a: all, b: every(3), c: every(2), d: allBut(5) };
  const how = ensureInputs(ctx, `big-${ctx.lines}`, ctx.lines, files);
  // The pipeline case reads the same files under the names of its story.
  for (const [alias, target] of [['all', 'a'], ['excl', 'b'], ['resp', 'c'], ['ok', 'd']]) {
    const p = path.join(ctx.dir, alias);
    fs.rmSync(p, { force: true });
    fs.linkSync(path.join(ctx.dir, target), p);
  }
  const size = mb(fs.statSync(path.join(ctx.dir, 'a')).size);
  return `a = ${ctx.lines.toLocaleString('en-US')} hosts (${size}), b = every 3rd, c = every 2nd, d = all but every 5th; ${how}`;
}

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

// ---------------------------------------------------------------- exec inputs: a real sshd on 127.0.0.1

const EXEC_HOSTS = 100;
const EXEC_FANOUT = 32;
const SSHD = '/usr/sbin/sshd';

function onPath(name) {
  if (path.isAbsolute(name)) return fs.existsSync(name);
  return [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin'].some((d) => d && fs.existsSync(path.join(d, name)));
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A port nothing listens on now, from the kernel (asked in a child: this file stays synchronous). */
function freePort() {
  const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  const port = Number(r.stdout.trim());
  if (!Number.isInteger(port) || port <= 0) die(`no free port: ${r.stderr}`);
  return port;
}

/** Every process below `pid`, from /proc. */
function descendants(pid) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * exec/: an OpenSSH server on a free port of 127.0.0.1 with its own host key
 * and authorized key, an ssh_config that sends dn001..dn100.bench.example.com
 * to it (BatchMode, one key exchange for both sides), the host list, and two
 * breakfix configs: no connection reuse, and ControlPersist. The server and
 * any ControlMaster left are stopped when the bench exits.
 */
function execInputs(ctx) {
  const need = [
    [SSHD, 'openssh-server'],
    ['ssh', 'openssh-client'],
    ['ssh-keygen', 'openssh-client'],
    ['timeout', 'coreutils'],
    ['pdsh', 'pdsh'],
  ];
  const missing = need.filter(([bin]) => !onPath(bin));
  if (missing.length) return { skip: `${missing.map((m) => m[0]).join(', ')} not found; install with: apt-get install ${[...new Set(missing.map((m) => m[1]))].join(' ')}` };
  const dir = path.join(ctx.dir, 'exec');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const identity = path.join(dir, 'id_ed25519');
  for (const key of [hostKey, identity]) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'breakfix-bench', '-f', key], { encoding: 'utf8' });
    if (r.status !== 0) die(`ssh-keygen: ${r.stderr}`);
  }
  fs.copyFileSync(`${identity}.pub`, path.join(dir, 'authorized_keys'));
  const port = freePort();
  const pidFile = path.join(dir, 'sshd.pid');
  const log = path.join(dir, 'sshd.log');
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PermitUserRC no',
      // bash skips ~/.bashrc at shell level 2: the machine's rc files stay out of the timing.
      'SetEnv SHLVL=1',
      'MaxStartups 200',
      'MaxSessions 200',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    [
      'Host *.bench.example.com',
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${os.userInfo().username}`,
      `  IdentityFile ${identity}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '  KexAlgorithms curve25519-sha256',
      '',
    ].join('\n'),
  );
  const hosts = Array.from({ length: EXEC_HOSTS }, (_, i) => `dn${String(i + 1).padStart(3, '0')}.bench.example.com`);
  fs.writeFileSync(path.join(dir, 'hosts'), hosts.map((h) => `${h}\n`).join(''));
  const config = (persist) =>
    `home: ./home\ndatacenters:\n  bench:\n    exec:\n      adapter: ssh\n      ssh_config: ./ssh_config\n      concurrency: ${EXEC_FANOUT}\n      connect_timeout: 10s\n      timeout: 300s\n      control_persist: ${persist}\n`;
  fs.writeFileSync(path.join(dir, 'breakfix.yaml'), config('0'));
  fs.writeFileSync(path.join(dir, 'breakfix-reuse.yaml'), config('120s'));

  try {
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // not root: sshd runs without privilege separation
  }
  const started = spawnSync(SSHD, ['-f', path.join(dir, 'sshd_config'), '-E', log], { encoding: 'utf8' });
  if (started.status !== 0) die(`sshd did not start: ${started.stderr}${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  // The socket the reused connection listens on: breakfix's ControlPath (its own directory, %C).
  const controlPath = path.join(os.tmpdir(), `breakfix-ssh-${process.getuid?.() ?? 'u'}`, '%C');
  const socket = spawnSync('ssh', ['-G', '-F', sshConfig, '-o', `ControlPath=${controlPath}`, hosts[0]], { encoding: 'utf8' })
    .stdout.split('\n')
    .find((l) => l.startsWith('controlpath '))
    ?.slice('controlpath '.length);
  let pid = null;
  process.on('exit', () => {
    if (socket) spawnSync('ssh', ['-S', socket, '-O', 'exit', hosts[0]], { stdio: 'ignore' });
    if (pid === null) return;
    for (const p of [pid, ...descendants(pid)]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (pid === null && fs.existsSync(pidFile)) pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || null;
    const probe = spawnSync('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', hosts[0], 'true'], { encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0 && pid !== null) break;
    if (Date.now() > deadline) die(`sshd on 127.0.0.1:${port} did not let ssh in within 15 s: ${probe.stderr}${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    sleepMs(100);
  }
  return (
    `${EXEC_HOSTS} host names on one OpenSSH server at 127.0.0.1:${port} (${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}); ` +
    `both sides: the same ssh_config, BatchMode, ${EXEC_FANOUT} at once`
  );
}

/** breakfix with ControlPersist: one pass opens the connection, then passes that reuse it are timed. */
function execReuse(ctx, runs) {
  const argv = ['breakfix', '--config', 'exec/breakfix-reuse.yaml', 'exec', './exec/hosts', '--', 'true'];
  const first = runOnce(ctx, argv, '/dev/null');
  const again = [];
  for (let i = 0; i < runs; i++) again.push(runOnce(ctx, argv, '/dev/null'));
  return {
    label: 'reuse',
    argv,
    note: `first pass (opens the connection) ${fmtSecs(first.secs)}; every host name maps to 127.0.0.1, so all sessions share one master here`,
    secs: median(again.map((r) => r.secs)),
    rssMB: again[0].rssMB === null ? null : Math.max(...again.map((r) => r.rssMB)),
    target: 1.0,
  };
}

// ---------------------------------------------------------------- a whole pass over a simulated datacenter

const PASS_CLUSTERS = 40;
const PASS_WORKERS = 2500;
const PASS_SIM = path.join(ROOT, 'fixtures', 'sim', 'bin');
const clusterName = (i) => `c${String(i + 1).padStart(2, '0')}`;

/** 23 recipes an operator adds over time, on top of the shipped 7: 30 in all. */
const PASS_RECIPES = `
# ---- added for the benchmark: 23 more recipes (30 in all)
yarn-trouble: yarn-unhealthy | yarn-lost
unresponsive-workers: hadoop-workers - responsive
puppet-failing: hadoop-workers - puppet_ok
dead-datanodes: hadoop-workers & hdfs-dead
decommissioned-workers: hadoop-workers & hdfs-decommissioned
in-service-not-running: (hadoop-workers & hdfs-in-service) - yarn-running
not-in-hdfs: hadoop-workers - hdfs-live - hdfs-dead
hdfs-yarn-disagree: (hdfs-in-service & yarn-decommissioned) | (hdfs-decommissioned & yarn-running)
healthy-workers: hadoop-workers & hdfs-in-service & responsive & puppet_ok & yarn-running
dg1-workers: hadoop-workers & inventory[datagroup=dg1]
dg2-workers: hadoop-workers & inventory[datagroup=dg2]
dg3-workers: hadoop-workers & inventory[datagroup=dg3]
ticketed: inventory[ticket~.]
hands-off-without-ticket: hands-off - ticketed
head-nodes: inventory[role=namenode] | inventory[role=resourcemanager]
head-nodes-unresponsive: head-nodes - responsive
c01-broken: broken-in-service & inventory[cluster=c01]
c02-broken: broken-in-service & inventory[cluster=c02]
first-racks: hadoop-workers & inventory[rack~-r00[1-5]$]
rekick-done-not-returned: rekicked - ready-to-return - rekick-in-progress
candidate-firmware: (hadoop-workers & hdfs-decommissioned) - hands-off - rekick-in-progress
unhealthy-anywhere: yarn-trouble | unresponsive-workers | puppet-failing | dead-datanodes
needs-look: unhealthy-anywhere - candidate-drain - candidate-rekick - candidate-reboot
`;

/** The fifth operation, beside drain, rekick, reboot and return. */
const PASS_FIRMWARE_OP = `  firmware:
    candidates: candidate-firmware
    busy: "plans.firmware"
    run: [fwupdate, --apply, "{host}"]
    on: host
`;

function passConfig() {
  const out = ['home: ./home', 'policy: ./policy', 'hostnames: { domain: dc1.example.com }', 'datacenters:', '  dc1:', '    clusters:'];
  for (let i = 0; i < PASS_CLUSTERS; i++) {
    const c = clusterName(i);
    out.push(`      ${c}: { namenodes: [${c}-nn1.dc1.example.com, ${c}-nn2.dc1.example.com], resourcemanagers: [${c}-rm1.dc1.example.com] }`);
  }
  out.push(
    '    sources:',
    '      inventory:',
    '        type: inventory',
    '        file: ./in/inventory.csv',
    '        format: csv',
    '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
    '        flags: [hadoop_exclude, responsive, puppet_ok, rekick-in-progress, rekicked]',
  );
  for (let i = 0; i < PASS_CLUSTERS; i++) {
    const c = clusterName(i);
    out.push(
      `      hdfs-${c}:`,
      '        type: hdfs',
      `        cluster: ${c}`,
      `        report: { file: ./in/hdfs-${c}.txt }`,
      `      yarn-${c}:`,
      '        type: yarn',
      `        cluster: ${c}`,
      `        nodes: { file: ./in/yarn-${c}.txt }`,
    );
  }
  return out.join('\n') + '\n';
}

function simRun(args, outFile) {
  const r = spawnSync(path.join(PASS_SIM, args[0]), args.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) die(`sim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (outFile) fs.writeFileSync(outFile, r.stdout);
  return r.stdout;
}

/**
 * The simulator's 100,000-host datacenter, its inventory, dfsadmin reports and
 * yarn node lists captured once into files (untimed), a config whose sources
 * read those files, and a policy directory: the shipped one with 30 recipes
 * and 5 operations.
 */
function passInputs(ctx) {
  const dir = path.join(ctx.dir, 'pass');
  const stampFile = path.join(dir, '.stamp');
  let how = 'reused';
  if (!fs.existsSync(stampFile)) {
    const t0 = process.hrtime.bigint();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
    const simDir = path.join(dir, 'sim');
    const clusters = Array.from({ length: PASS_CLUSTERS }, (_, i) => `${clusterName(i)}:${PASS_WORKERS}`).join(',');
    const summary = simRun(['sim', 'init', '--sim', simDir, '--seed', '1', '--domain', 'dc1.example.com', '--clusters', clusters]).trim();
    simRun(['inventory', '--sim', simDir], path.join(dir, 'in', 'inventory.csv'));
    for (let i = 0; i < PASS_CLUSTERS; i++) {
      const c = clusterName(i);
      const conf = path.join(simDir, 'clusters', c, 'conf');
      simRun(['hdfs', '--config', conf, 'dfsadmin', '-report'], path.join(dir, 'in', `hdfs-${c}.txt`));
      simRun(['yarn', '--config', conf, 'node', '-list', '-all'], path.join(dir, 'in', `yarn-${c}.txt`));
    }
    fs.cpSync(path.join(ROOT, 'policy'), path.join(dir, 'policy'), { recursive: true });
    fs.appendFileSync(path.join(dir, 'policy', 'groups.yaml'), PASS_RECIPES);
    const policyFile = path.join(dir, 'policy', 'policy.yaml');
    fs.writeFileSync(policyFile, fs.readFileSync(policyFile, 'utf8').replace(/\n*$/, '\n') + PASS_FIRMWARE_OP);
    fs.writeFileSync(path.join(dir, 'breakfix.yaml'), passConfig());
    // The same datacenter with the day's HTML report rewritten by every pass, in a home of its own.
    fs.writeFileSync(
      path.join(dir, 'breakfix-report.yaml'),
      passConfig().replace('home: ./home', 'home: ./home-report').replace(/^(  dc1:\n)/m, '$1    report: true\n'),
    );
    fs.writeFileSync(stampFile, `${summary.replace(/ \(c01 [^)]*\)/, '')}\n`);
    how = `generated in ${fmtSecs(Number(process.hrtime.bigint() - t0) / 1e9)}`;
  }
  const summary = fs.readFileSync(stampFile, 'utf8').trim();
  const bytes = fs.readdirSync(path.join(dir, 'in')).reduce((n, f) => n + fs.statSync(path.join(dir, 'in', f)).size, 0);
  return `${summary}; captured into ${1 + 2 * PASS_CLUSTERS} files (${mb(bytes)}); ${how}`;
}

function freshPassHome(ctx) {
  fs.rmSync(path.join(ctx.dir, 'pass', 'home'), { recursive: true, force: true });
  fs.rmSync(path.join(ctx.dir, 'pass', 'home-report'), { recursive: true, force: true });
}

/** The pass with report: true wrote the day's report beside its plan. */
function checkPassReport(ctx) {
  const day = path.join(ctx.dir, 'pass', 'home-report', 'dc1', 'today');
  const file = path.join(day, 'report.html');
  if (!fs.existsSync(file)) return { ok: false, detail: 'no report.html in the day directory' };
  const html = fs.readFileSync(file, 'utf8');
  if (!html.includes('<svg') || /<script\b/i.test(html)) return { ok: false, detail: 'report.html has no chart, or a script' };
  return { ok: true, detail: `report.html ${mb(Buffer.byteLength(html))}, with charts, no script` };
}

/** After the warm-up run: every source pulled, the 30 recipes derived, a budget row for every cluster and op. */
function checkPass(ctx) {
  const day = path.join(ctx.dir, 'pass', 'home', 'dc1', 'today');
  const wrong = [];
  const lines = (g) => {
    try {
      return countLines(path.join(day, g));
    } catch {
      return 'missing';
    }
  };
  const workers = PASS_CLUSTERS * PASS_WORKERS;
  const heads = PASS_CLUSTERS * 3;
  if (lines('all') !== workers + heads) wrong.push(`all ${lines('all')}, expected ${workers + heads}`);
  if (lines('hadoop-workers') !== workers) wrong.push(`hadoop-workers ${lines('hadoop-workers')}, expected ${workers}`);
  const live = lines('hdfs-live');
  const dead = lines('hdfs-dead');
  if (live + dead !== workers) wrong.push(`hdfs-live ${live} + hdfs-dead ${dead}, expected ${workers} DataNodes`);
  const kindOf = (g) => JSON.parse(fs.readFileSync(path.join(day, '.meta', `${g}.json`), 'utf8')).kind;
  const yarn = fs
    .readdirSync(day)
    .filter((f) => f.startsWith('yarn-') && kindOf(f) === 'source')
    .reduce((n, f) => n + countLines(path.join(day, f)), 0);
  if (yarn !== workers) wrong.push(`yarn groups hold ${yarn} NodeManagers, expected ${workers}`);
  const parts = fs.readdirSync(path.join(day, '.parts')).filter((f) => !f.startsWith('.'));
  if (parts.length !== 1 + 2 * PASS_CLUSTERS) wrong.push(`${parts.length} sources pulled, expected ${1 + 2 * PASS_CLUSTERS}`);
  const recipes = fs.readdirSync(path.join(day, '.meta')).filter((f) => JSON.parse(fs.readFileSync(path.join(day, '.meta', f), 'utf8')).kind === 'recipe');
  if (recipes.length !== 30) wrong.push(`${recipes.length} recipes derived, expected 30`);
  let plan = null;
  try {
    plan = JSON.parse(fs.readFileSync(path.join(day, 'plans', '1', 'plan.json'), 'utf8'));
  } catch {
    wrong.push('no plans/1/plan.json');
  }
  if (plan && plan.budgets.length !== PASS_CLUSTERS * 5) wrong.push(`${plan.budgets.length} budget rows, expected ${PASS_CLUSTERS * 5}`);
  // The only refusals expected: with 1.5% of each cluster dead across every data group, the rule
  // across ops (invariant 4, max_down_datagroups 2) lets no reboot take another host down.
  const unexpected = plan ? plan.refusals.filter((r) => !(r.op === 'reboot' && r.invariant === 4 && r.message.includes('already span'))) : [];
  if (unexpected.length !== 0) wrong.push(`${unexpected.length} unexpected refusals: ${unexpected[0].message}`);
  const chosen = plan ? plan.budgets.reduce((n, b) => n + b.chosen, 0) : 0;
  // The one-screen summary: what a pass printed, however big the datacenter.
  const printed = fs.readFileSync(path.join(ctx.dir, 'pass.out'), 'utf8').split('\n').filter(Boolean).length;
  if (printed > 42) wrong.push(`the pass printed ${printed} lines, more than one screen (40 and its header)`);
  const prom = path.join(ctx.dir, 'pass', 'home', 'dc1', 'metrics.prom');
  if (!fs.existsSync(prom) || !fs.readFileSync(prom, 'utf8').includes('breakfix_group_hosts{dc="dc1",group="all"}')) wrong.push('no metrics.prom with breakfix_group_hosts of all');
  return wrong.length
    ? { ok: false, detail: wrong.join('; ') }
    : { ok: true, detail: `all ${workers + heads}, hdfs-live ${live}, hdfs-dead ${dead}, ${parts.length} sources, ${recipes.length} recipes, ${plan.budgets.length} budgets, ${chosen} hosts chosen, ${printed} lines printed, metrics.prom written` };
}

const STARTUP_HOSTS = 50_000;

const CASES = [
  {
    name: 'minus',
    title: 'a - b',
    setup: bigInputs,
    ours: ['breakfix', 'q', './a - ./b'],
    theirs: ['comm', '-23', 'a', 'b'],
    theirsLabel: 'comm -23',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  },
  {
    name: 'pipeline',
    title: 'all - excl & resp & ok',
    setup: bigInputs,
    ours: ['breakfix', 'q', './all - ./excl & ./resp & ./ok'],
    theirs: ['bash', '-c', 'comm -23 all excl | comm -12 - resp | comm -12 - ok'],
    theirsLabel: '3x comm',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  },
  {
    name: 'startup',
    title: `start-up, ${STARTUP_HOSTS / 1000}k hosts`,
    setup(ctx) {
      const how = ensureInputs(ctx, `startup-${STARTUP_HOSTS}`, STARTUP_HOSTS, { x: all, y: every(2) });
      return `x = ${STARTUP_HOSTS.toLocaleString('en-US')} hosts, y = every 2nd; ${how}`;
    },
    ours: ['breakfix', 'q', './x - ./y'],
    theirs: ['node', '-e', '0'],
    theirsLabel: 'node -e 0',
    runs: 20,
    target: { ratio: 1.6 },
    verify: false,
  },
  {
    name: 'pull',
    title: 'pull: 100,000-host inventory CSV + 20,000-node dfsadmin report from files',
    setup: pullInputs,
    ours: ['breakfix', '--config', 'pull/breakfix.yaml', 'pull', '--force'],
    // No GNU tool does this: the wall time is measured against the target alone.
    theirs: null,
    beforeEach: freshPullHome,
    check: checkPull,
    target: { secs: 2 },
  },
  {
    name: 'exec',
    title: `exec true on ${EXEC_HOSTS} hosts: built-in ssh adapter vs pdsh -f ${EXEC_FANOUT}`,
    setup: execInputs,
    ours: ['breakfix', '--config', 'exec/breakfix.yaml', 'exec', './exec/hosts', '--', 'true'],
    theirs: ['env', 'PDSH_SSH_ARGS_APPEND=-o BatchMode=yes -o ConnectTimeout=10 -F exec/ssh_config', 'pdsh', '-R', 'ssh', '-w', '^exec/hosts', '-f', String(EXEC_FANOUT), 'true'],
    theirsLabel: `pdsh -f ${EXEC_FANOUT}`,
    runs: 5,
    target: { ratio: 1.3 },
    verify: false,
    // The aim: the second pass of breakfix with ControlMaster reuse, against the same pdsh runs.
    aim: execReuse,
  },
  {
    name: 'pass',
    title: 'a dry pass over a simulated 100,000-host datacenter (inventory, HDFS and YARN for 40 clusters, 30 recipes, 5 ops)',
    setup: passInputs,
    ours: ['breakfix', '--config', 'pass/breakfix.yaml', 'pass', '--seed', '1'],
    // No GNU tool does this: the wall time is measured against the target (the aim is 2 s).
    theirs: null,
    beforeEach: freshPassHome,
    check: checkPass,
    // 3: the reboots refused by the rule across ops (checkPass says which refusals are expected).
    okCodes: [0, 3],
    target: { secs: 5 },
  },
  {
    name: 'pass-report',
    title: 'the same dry pass with report: true (the day\'s HTML report rewritten) against the pass without it',
    setup: passInputs,
    ours: ['breakfix', '--config', 'pass/breakfix-report.yaml', 'pass', '--seed', '1'],
    theirs: ['breakfix', '--config', 'pass/breakfix.yaml', 'pass', '--seed', '1'],
    theirsLabel: 'pass without report',
    theirsOkCodes: [0, 3],
    beforeEach: freshPassHome,
    check: checkPassReport,
    okCodes: [0, 3],
    runs: 3,
    target: { ratio: 1.1 },
    verify: false,
  },
];

// ---------------------------------------------------------------- measuring

/** The environment children run in: byte order for the GNU tools, and no config or home of the caller's. */
function childEnv() {
  const env = { ...process.env, LC_ALL: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('BREAKFIX_')) delete env[k];
  return env;
}

function resolveArgv(argv) {
  return argv[0] === 'breakfix' ? [BIN, ...argv.slice(1)] : argv;
}

/**
 * Runs one command once with stdout to `outPath`; returns wall seconds and
 * peak RSS in MB (null without /usr/bin/time).
 */
function runOnce(ctx, argv, outPath, okCodes = [0]) {
  const out = fs.openSync(outPath, 'w');
  const rssFile = path.join(ctx.dir, '.rss');
  const full = ctx.haveTime ? [TIME, '-f', '%M', '-o', rssFile, ...resolveArgv(argv)] : resolveArgv(argv);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), {
    cwd: ctx.dir,
    env: ctx.env,
    stdio: ['ignore', out, 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(out);
  if (r.error) die(`${argv.join(' ')}: ${r.error.message}`);
  if (!okCodes.includes(r.status)) die(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
  let rssMB = null;
  if (ctx.haveTime) {
    const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(kb)) rssMB = kb / 1024;
  }
  return { secs, rssMB };
}

function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Checks once that both sides print the same bytes; that run also warms the page cache. */
function verifyOutputs(ctx, c) {
  const ours = path.join(ctx.dir, `.out-${c.name}-breakfix`);
  const theirs = path.join(ctx.dir, `.out-${c.name}-gnu`);
  runOnce(ctx, c.ours, ours);
  runOnce(ctx, c.theirs, theirs);
  const r = spawnSync('cmp', [ours, theirs], { encoding: 'utf8' });
  const lines = countLines(theirs);
  const ok = r.status === 0;
  fs.rmSync(ours, { force: true });
  fs.rmSync(theirs, { force: true });
  return { ok, lines, detail: ok ? '' : (r.stdout || r.stderr).trim() };
}

function countLines(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (;;) {
    const got = fs.readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    for (let i = 0; i < got; i++) if (buf[i] === 10) n++;
  }
  fs.closeSync(fd);
  return n;
}

function runCase(ctx, c) {
  const runs = c.runs ?? ctx.runs;
  const note = c.setup(ctx);
  if (note?.skip) {
    console.log(`\n[${c.name}] ${c.title}: skipped: ${note.skip}`);
    return null;
  }
  console.log(`\n[${c.name}] ${c.title}: ${note}`);
  console.log(`  breakfix: ${c.ours.slice(1).map(shellQuote).join(' ')}`);
  if (c.theirs) console.log(`  GNU:      ${c.theirs[0] === 'bash' ? c.theirs[2] : c.theirs.join(' ')}`);
  else console.log(`  GNU:      none; measured against the ${fmtSecs(c.target.secs)} target`);
  let check = null;
  if (c.verify) {
    check = verifyOutputs(ctx, c);
    console.log(`  output:   ${check.ok ? `identical (${check.lines.toLocaleString('en-US')} lines)` : `DIFFERENT: ${check.detail}`}`);
  } else {
    c.beforeEach?.(ctx);
    runOnce(ctx, c.ours, path.join(ctx.dir, `${c.name}.out`), c.okCodes); // warm-up, its output kept for the check
    if (c.theirs) runOnce(ctx, c.theirs, '/dev/null', c.theirsOkCodes);
  }
  if (c.check) {
    // The case's own check of what the warm-up run wrote.
    check = c.check(ctx);
    console.log(`  output:   ${check.ok ? check.detail : `WRONG: ${check.detail}`}`);
  }
  const ours = [];
  const theirs = [];
  // Alternate the sides so drift in the machine's load hits both alike.
  for (let i = 0; i < runs; i++) {
    c.beforeEach?.(ctx);
    ours.push(runOnce(ctx, c.ours, '/dev/null', c.okCodes));
    if (c.theirs) theirs.push(runOnce(ctx, c.theirs, '/dev/null', c.theirsOkCodes));
  }
  const sum = (rs) => ({
    secs: median(rs.map((r) => r.secs)),
    rssMB: rs[0].rssMB === null ? null : Math.max(...rs.map((r) => r.rssMB)),
  });
  const result = { case: c, runs, ours: sum(ours), theirs: c.theirs ? sum(theirs) : null, check };
  if (result.theirs) {
    console.log(
      `  median of ${runs} runs: breakfix ${fmtSecs(result.ours.secs)}, ${c.theirsLabel} ${fmtSecs(result.theirs.secs)}` +
        (result.ours.rssMB === null ? '' : `; peak RSS ${fmtMB(result.ours.rssMB)} vs ${fmtMB(result.theirs.rssMB)}`),
    );
  } else {
    console.log(
      `  median of ${runs} runs: breakfix ${fmtSecs(result.ours.secs)} (target ${fmtSecs(c.target.secs)})` +
        (result.ours.rssMB === null ? '' : `; peak RSS ${fmtMB(result.ours.rssMB)}`),
    );
  }
  if (c.aim) {
    result.aim = c.aim(ctx, runs);
    console.log(`  aim:      ${result.aim.argv.slice(1).map(shellQuote).join(' ')}`);
    console.log(`  median of ${runs} runs: breakfix (${result.aim.label}) ${fmtSecs(result.aim.secs)}; ${result.aim.note}`);
  }
  return result;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- report

function fmtSecs(s) {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}

function fmtMB(m) {
  return m === null ? 'n/a' : `${m.toFixed(1)} MB`;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => cell.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

function report(ctx, results) {
  const rows = [['case', 'breakfix', 'baseline', 'ratio', 'target', 'verdict']];
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  for (const r of results) {
    const c = r.case;
    if (r.theirs === null) {
      // No baseline: the ratio is the time over the target.
      const ratio = r.ours.secs / c.target.secs;
      rows.push([
        `${c.name} time (vs target)`,
        fmtSecs(r.ours.secs),
        `target ${fmtSecs(c.target.secs)}`,
        `${ratio.toFixed(2)}x`,
        `<= ${fmtSecs(c.target.secs)}`,
        verdict(ratio <= 1),
      ]);
      rows.push([
        `${c.name} peak RSS`,
        fmtMB(r.ours.rssMB),
        '',
        '',
        c.target.rssMB === undefined ? '(reported)' : `<= ${c.target.rssMB} MB`,
        c.target.rssMB === undefined || r.ours.rssMB === null ? '' : verdict(r.ours.rssMB <= c.target.rssMB),
      ]);
      if (r.check && !r.check.ok) rows.push([`${c.name} output`, 'wrong', '', '', 'as generated', 'MISS']);
      continue;
    }
    const ratio = r.ours.secs / r.theirs.secs;
    rows.push([
      `${c.name} time (vs ${c.theirsLabel})`,
      fmtSecs(r.ours.secs),
      fmtSecs(r.theirs.secs),
      `${ratio.toFixed(2)}x`,
      `<= ${c.target.ratio}x`,
      verdict(ratio <= c.target.ratio),
    ]);
    if (c.target.rssMB !== undefined) {
      rows.push([
        `${c.name} peak RSS`,
        fmtMB(r.ours.rssMB),
        fmtMB(r.theirs.rssMB),
        r.ours.rssMB === null ? 'n/a' : `${(r.ours.rssMB / r.theirs.rssMB).toFixed(1)}x`,
        `<= ${c.target.rssMB} MB`,
        r.ours.rssMB === null ? 'n/a' : verdict(r.ours.rssMB <= c.target.rssMB),
      ]);
    }
    if (r.check && !r.check.ok) rows.push([`${c.name} output`, 'differs', '', '', 'identical', 'MISS']);
    if (r.aim) {
      const aimRatio = r.aim.secs / r.theirs.secs;
      rows.push([
        `${c.name} ${r.aim.label} time (vs ${c.theirsLabel})`,
        fmtSecs(r.aim.secs),
        fmtSecs(r.theirs.secs),
        `${aimRatio.toFixed(2)}x`,
        `aim <= ${r.aim.target.toFixed(1)}x`,
        verdict(aimRatio <= r.aim.target),
      ]);
    }
  }
  console.log(`\n${table(rows)}`);
  if (!ctx.haveTime) console.log('\npeak RSS needs GNU time: apt-get install time');
  if (results.some((r) => r.ours.rssMB !== null && r.case.theirs?.[0] === 'bash' && /\|/.test(r.case.theirs[2]))) {
    console.log('GNU RSS of a pipeline is its largest stage.');
  }
}

// ---------------------------------------------------------------- main

function machineFacts() {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    cpu = os.cpus()[0]?.model ?? 'unknown';
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(os.availableParallelism());
  const comm = spawnSync('comm', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'comm: unknown';
  return [
    `cpu:  ${cpu}, nproc ${nproc}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `node: ${process.version}; ${comm}; ${os.type()} ${os.release()}; peak RSS ${fs.existsSync(TIME) ? 'by /usr/bin/time' : 'n/a'}`,
  ];
}

/** Builds dist/main.cjs when it is missing or older than a source file. */
function ensureBuilt() {
  const newest = (dir) => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return t;
  };
  const built = fs.existsSync(DIST) ? fs.statSync(DIST).mtimeMs : 0;
  if (built >= newest(path.join(ROOT, 'src'))) return;
  console.log('building dist/main.cjs');
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) die('build failed');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureBuilt();
  const haveTime = fs.existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  const lines = opts.lines ?? (opts.quick ? 500_000 : 5_000_000);
  let dir;
  if (opts.keep) {
    fs.mkdirSync(opts.keep, { recursive: true });
    dir = opts.keep;
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-bench-'));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    process.on('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => {
        cleanup();
        process.exit(130);
      });
    }
  }
  const ctx = { dir, lines, runs: opts.runs, haveTime, env: childEnv(), prepared: new Set() };
  const cases = CASES.filter((c) => !opts.only || opts.only.includes(c.name));

  console.log('breakfix bench');
  for (const f of machineFacts()) console.log(f);
  console.log(`data: ${dir}${opts.keep ? ' (kept)' : ' (removed at the end)'}; ${lines.toLocaleString('en-US')} hosts; median of ${opts.runs} runs per side`);

  const results = cases.map((c) => runCase(ctx, c)).filter((r) => r !== null);
  report(ctx, results);
}

main();
