// `breakfix pull` end to end: the real bin/breakfix in temporary directories,
// with sources reading the fixtures from files, from scripts, and over HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, breakfix, cleanEnv, ROOT, tempDirs, utcDay, writeFiles, type Result } from '../support/cli.js';

const tmp = tempDirs();

const fixture = (p: string) => fs.readFileSync(path.join(ROOT, 'fixtures', p), 'utf8');
const REPORT = fixture('formats/dfsadmin-report.txt');
const YARN = fixture('formats/yarn-node-list-all.txt');
const YARN_SHORT = fixture('formats/yarn-node-list-all-short-hosts.txt');
const INVENTORY = fixture('inventory/inventory.csv');

// ---------------------------------------------------------------- expectations, from the fixtures' text

const prod = (...names: string[]) => names.map((n) => `${n}.prod.example.com`);
const dc1 = (...names: string[]) => names.map((n) => `${n}.dc1.example.com`);
const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

/** The DataNodes' states, as fixtures/formats/README.md tabulates them and the report lists them. */
const HDFS: Record<string, string[]> = {
  'hdfs-live': prod('dn01', 'dn02', 'dn03', 'dn04', 'dn05'),
  'hdfs-in-service': prod('dn01', 'dn02'),
  'hdfs-decommissioning': prod('dn03'),
  'hdfs-decommissioned': prod('dn05'),
  'hdfs-maintenance': prod('dn04', 'dn07'),
  'hdfs-dead': prod('dn06', 'dn07', 'dn08'),
  'hdfs-entering-maintenance': prod('dn04'),
  'hdfs-in-maintenance': prod('dn07'),
};
const HEALTH_HEADER = 'cluster\tmissing\tunder_replicated\tcorrupt\tlive\tdead\tdecommissioning\n';

const YARN_GROUPS: Record<string, string[]> = {
  'yarn-new': prod('cn09'),
  'yarn-running': prod('dn01', 'cn10'),
  'yarn-unhealthy': prod('dn02'),
  'yarn-decommissioned': prod('dn05'),
  'yarn-lost': prod('dn06', 'dn07'),
  'yarn-rebooted': prod('cn10'),
  'yarn-decommissioning': prod('dn03'),
  'yarn-shutdown': prod('dn04'),
};

/** The first CSV column (never quoted in the fixture), made canonical by hand. */
const ALL = INVENTORY.trimEnd()
  .split('\n')
  .slice(1)
  .map((l) => l.slice(0, l.indexOf(',')).toLowerCase())
  .map((h) => (h.includes('.') ? h : `${h}.dc1.example.com`));
const NAMENODES = dc1('nn1', 'nn2', 'dw2-nn1');
const HBASE = dc1('hb-meta01', 'hb-meta02', 'hb-meta03', 'hb-meta04');
const EDGE = dc1('edge1');
const OTHER_LIFECYCLE: Record<string, string[]> = {
  'lifecycle.decommissioning': dc1('dw1-dn03'),
  'lifecycle.failed': dc1('dw1-dn07', 'dw2-dn09'),
  'lifecycle.offline': dc1('dw1-dn11'),
  'lifecycle.planned': dc1('dw2-dn02'),
  'lifecycle.inventory': dc1('dev1-dn04'),
};
const INVENTORY_GROUPS: Record<string, string[]> = {
  all: ALL,
  hadoop_exclude: dc1('dw1-dn03', 'dw1-dn07', 'dw2-dn09', 'dev1-dn04'),
  'role.namenode': NAMENODES,
  'role.hbase-regionserver': HBASE,
  'role.edge-node': EDGE,
  'role.hadoop-worker': minus(ALL, [...NAMENODES, ...HBASE, ...EDGE]),
  ...OTHER_LIFECYCLE,
  'lifecycle.active': minus(ALL, Object.values(OTHER_LIFECYCLE).flat()),
};

// ---------------------------------------------------------------- a home with a config

type Source = Record<string, string>;
const COLUMNS = '{ host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }';
const BASE: Record<string, Source> = {
  inventory: { type: 'inventory', file: './inventory.csv', format: 'csv', volatile: 'false', columns: COLUMNS, flags: '[hadoop_exclude]' },
  'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: '{ command: [./print.sh, dfsadmin-report.txt] }' },
  'yarn-prod': { type: 'yarn', cluster: 'prod', nodes: '{ file: ./yarn-node-list-all.txt }' },
};

function config(sources: Record<string, Source>, clusters = ['prod']): string {
  const out = ['home: ./H', 'hostnames: { domain: dc1.example.com }', 'datacenters:', '  dc1:', '    clusters:'];
  for (const c of clusters) out.push(`      ${c}: { namenodes: [nn1.${c}.example.com] }`);
  out.push('    sources:');
  for (const [name, keys] of Object.entries(sources)) {
    out.push(`      ${name}:`);
    for (const [k, v] of Object.entries(keys)) out.push(`        ${k}: ${v}`);
  }
  return out.join('\n') + '\n';
}

const SCRIPTS: Record<string, string> = {
  'print.sh': 'exec cat "$@"',
  'fail.sh': [
    'echo "report: Failed on local exception: javax.security.sasl.SaslException: GSS initiate failed" >&2',
    'echo "(no Kerberos ticket: run kinit)" >&2',
    'exit 1',
  ].join('\n'),
  // Ignores SIGTERM, so only the SIGKILL that follows stops it.
  'hang.sh': [
    'echo $$ > hang.pid',
    'echo "INFO ipc.Client: Retrying connect to server: nn1.prod.example.com/10.20.0.1:8020. Already tried 9 time(s)" >&2',
    "trap '' TERM",
    'exec sleep 60',
  ].join('\n'),
  // Exits at once, leaving a child that holds its stdout open: only killing the group ends it.
  'spawner.sh': ['sleep 60 &', 'echo $! > spawner-child.pid', 'echo $$ > spawner.pid', 'exit 0'].join('\n'),
  'garbage.sh': ['echo "<html><head><title>502 Bad Gateway</title></head>"', 'printf "\\001\\002\\377 binary junk\\n"'].join('\n'),
};

/** A directory with the fixtures, the scripts and a config; returns it and its config path. */
function makeHome(sources: Record<string, Source> = BASE, clusters = ['prod']): { dir: string; cfg: string; day: string } {
  const dir = tmp('breakfix-pull-');
  writeFiles(dir, {
    'dfsadmin-report.txt': REPORT,
    'yarn-node-list-all.txt': YARN,
    'inventory.csv': INVENTORY,
    'breakfix.yaml': config(sources, clusters),
  });
  for (const [name, body] of Object.entries(SCRIPTS)) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    fs.chmodSync(path.join(dir, name), 0o755);
  }
  return { dir, cfg: path.join(dir, 'breakfix.yaml'), day: path.join(dir, 'H', 'dc1', 'today') };
}

/** Runs bin/breakfix without blocking this process, so an in-process HTTP server can answer it. */
function breakfixAsync(args: string[], cwd: string): Promise<Result & { ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(BIN, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString('utf8'), err: Buffer.concat(err).toString('utf8'), ms: Date.now() - t0 });
    });
  });
}

async function serve(handler: http.RequestListener): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------- reading a day directory

interface MetaJson {
  kind: string;
  source: string;
  inputs: string[];
  time: string;
  count: number;
  sha256: string;
  volatile: boolean;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const meta = (day: string, name: string) => JSON.parse(fs.readFileSync(path.join(day, '.meta', `${name}.json`), 'utf8')) as MetaJson;
const hostsOf = (day: string, name: string) => {
  const text = fs.readFileSync(path.join(day, name), 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
};
const sorted = (xs: string[]) => [...xs].sort();
const files = (day: string) =>
  fs
    .readdirSync(day)
    .filter((n) => !n.startsWith('.'))
    .sort();

/**
 * A group is strictly increasing in byte order, every line ends in \n, and
 * its meta's count and sha256 describe exactly these bytes.
 */
function checkGroup(day: string, name: string, source: string): void {
  const bytes = fs.readFileSync(path.join(day, name));
  if (bytes.length > 0) expect(bytes[bytes.length - 1], `${name} ends with a newline`).toBe(0x0a);
  const ls: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      ls.push(bytes.subarray(at, i));
      at = i + 1;
    }
  }
  for (let i = 1; i < ls.length; i++) {
    expect(Buffer.compare(ls[i - 1]!, ls[i]!), `${name}:${i + 1} "${ls[i]}" after "${ls[i - 1]}"`).toBe(-1);
  }
  for (const l of ls) expect(l.length, `${name}: a blank line`).toBeGreaterThan(0);
  const m = meta(day, name);
  expect(m).toMatchObject({ kind: 'source', source, count: ls.length, sha256: sha256(bytes) });
}

/** A table: a header, then rows strictly increasing by key; meta count = rows, sha256 = the bytes. */
function checkTable(day: string, name: string, source: string): string[] {
  const bytes = fs.readFileSync(path.join(day, name));
  const [header, ...rows] = bytes.toString('utf8').slice(0, -1).split('\n');
  const keys = rows.map((r) => Buffer.from(r.split('\t')[0]!));
  for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1]!, keys[i]!), `${name} row ${i + 2}`).toBe(-1);
  expect(meta(day, name)).toMatchObject({ source, count: rows.length, sha256: sha256(bytes) });
  return [header!, ...rows];
}

/** Every group, table and meta file of a day directory, by relative path. */
function snapshot(day: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const n of files(day)) out.set(n, fs.readFileSync(path.join(day, n)));
  for (const n of fs.readdirSync(path.join(day, '.meta'))) out.set(`.meta/${n}`, fs.readFileSync(path.join(day, '.meta', n)));
  return out;
}

/** The groups and tables whose meta names `source`. */
function ownedBy(snap: Map<string, Buffer>, source: string): string[] {
  return [...snap.keys()].filter((k) => !k.startsWith('.') && JSON.parse(snap.get(`.meta/${k}.json`)!.toString()).source === source);
}

const outLine = (r: Result, source: string) => r.out.split('\n').filter((l) => l.startsWith(`${source} `));

/** /proc/<pid> gone, or a zombie nobody reaped: either way it runs no more. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}

// ---------------------------------------------------------------- 1. a clean pull

describe('pull: a clean pull', () => {
  let h: ReturnType<typeof makeHome>;
  let r: Result;
  beforeAll(() => {
    h = makeHome();
    r = breakfix(['pull'], { cwd: h.dir });
  });

  it('exits 0 with one ok line per source', () => {
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const s of Object.keys(BASE)) {
      const ls = outLine(r, s);
      expect(ls, r.out).toHaveLength(1);
      expect(ls[0]).toMatch(new RegExp(`^${s} +ok `));
    }
    expect(r.out).not.toMatch(/failed/);
    expect(fs.realpathSync(h.day)).toBe(path.join(fs.realpathSync(h.dir), 'H', 'dc1', utcDay(new Date())));
  });

  it('writes exactly the pinned groups and the tables', () => {
    expect(files(h.day)).toEqual(sorted([...Object.keys(HDFS), ...Object.keys(YARN_GROUPS), ...Object.keys(INVENTORY_GROUPS), 'hdfs-datanodes.tsv', 'hdfs-health.tsv', 'inventory.tsv']));
  });

  it('puts each DataNode in the hdfs groups of its state', () => {
    for (const [g, hosts] of Object.entries(HDFS)) {
      expect(hostsOf(h.day, g), g).toEqual(sorted(hosts));
      checkGroup(h.day, g, 'hdfs-prod');
    }
    expect(checkTable(h.day, 'hdfs-health.tsv', 'hdfs-prod').join('\n') + '\n').toBe(`${HEALTH_HEADER}prod\t1\t1843\t2\t5\t3\t1\n`);
  });

  it('puts each NodeManager in yarn-<state>, a host with two NodeIds in both', () => {
    for (const [g, hosts] of Object.entries(YARN_GROUPS)) {
      expect(hostsOf(h.day, g), g).toEqual(sorted(hosts));
      checkGroup(h.day, g, 'yarn-prod');
    }
  });

  it('writes all, role.*, lifecycle.*, the flag group and inventory.tsv from the CSV', () => {
    expect(ALL).toHaveLength(42);
    for (const [g, hosts] of Object.entries(INVENTORY_GROUPS)) {
      expect(hostsOf(h.day, g), g).toEqual(sorted(hosts));
      checkGroup(h.day, g, 'inventory');
    }
    expect(hostsOf(h.day, 'role.hadoop-worker')).toHaveLength(34);
    expect(hostsOf(h.day, 'all')).toContain('dw1-dn05.dc1.example.com');
    expect(hostsOf(h.day, 'all')).toContain('dw1-dn06.dc1.example.com');
    const table = checkTable(h.day, 'inventory.tsv', 'inventory');
    expect(table[0]).toBe('host\tcluster\trole\tlifecycle\track\tdatagroup\tticket\thadoop_exclude');
    expect(table.slice(1).map((row) => row.split('\t')[0])).toEqual(sorted(ALL));
    expect(table).toContain('dw1-dn07.dc1.example.com\tdw1\thadoop-worker\tfailed\tr02\tdg1\tOPS-1207, OPS-1290\ttrue');
    expect(table).toContain('dw1-dn05.dc1.example.com\tdw1\thadoop-worker\tactive\tr02\tdg1\t\tfalse');
    expect(table).toContain('dev1-dn04.dc1.example.com\tdev1\thadoop-worker\tinventory\tr31\tdg1\t\ttrue');
  });

  it('keeps each source part under .parts/<source>/', () => {
    expect(fs.readdirSync(path.join(h.day, '.parts')).sort()).toEqual(['hdfs-prod', 'inventory', 'yarn-prod']);
    expect(fs.readFileSync(path.join(h.day, '.parts', 'hdfs-prod', 'hdfs-dead'))).toEqual(fs.readFileSync(path.join(h.day, 'hdfs-dead')));
  });
});

describe('pull: the same facts over HTTP (NameNode JMX, ResourceManager REST)', () => {
  it('gives the same hdfs and yarn groups as the CLI outputs', async () => {
    const nninfo = fixture('formats/namenode-jmx-nninfo.json');
    const fsns = fixture('formats/namenode-jmx-fsnamesystem.json');
    const rm = fixture('formats/rm-nodes.json');
    const srv = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const qry = u.searchParams.get('qry') ?? '';
      const body = u.pathname === '/jmx' ? (qry.endsWith('NameNodeInfo') ? nninfo : qry.endsWith('FSNamesystem') ? fsns : null) : u.pathname === '/ws/v1/cluster/nodes' ? rm : null;
      res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
      res.end(body ?? '{}');
    });
    try {
      const h = makeHome({
        'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: `{ jmx: "${srv.base}/jmx" }` },
        'yarn-prod': { type: 'yarn', cluster: 'prod', nodes: `{ rest: "${srv.base}/ws/v1/cluster/nodes" }` },
      });
      const r = await breakfixAsync(['pull'], h.dir);
      expect(r.err).toBe('');
      expect(r.code, r.out).toBe(0);
      for (const [g, hosts] of Object.entries({ ...HDFS, ...YARN_GROUPS })) {
        expect(hostsOf(h.day, g), g).toEqual(sorted(hosts));
        checkGroup(h.day, g, g.startsWith('hdfs') ? 'hdfs-prod' : 'yarn-prod');
      }
      expect(fs.readFileSync(path.join(h.day, 'hdfs-health.tsv'), 'utf8')).toBe(`${HEALTH_HEADER}prod\t1\t1843\t2\t5\t3\t1\n`);
    } finally {
      await srv.close();
    }
  });
});

// ---------------------------------------------------------------- 2. failures

describe('pull: a failed source replaces none of its groups', () => {
  let h: ReturnType<typeof makeHome>;
  const pids: number[] = [];
  beforeAll(() => {
    h = makeHome();
    writeFiles(h.dir, {
      // Cut off in the middle of dn07's block in the Dead section.
      'cut-report.txt': REPORT.slice(0, REPORT.indexOf('Rack:', REPORT.indexOf('Name: 10.20.1.17'))),
      'inventory-norack.csv': INVENTORY.replace(/^(hostname,cluster,role,status,)rack,/, '$1rack_id,'),
      'inventory-dup.csv': `${INVENTORY}DW1-DN02.DC1.EXAMPLE.COM,dw1,hadoop-worker,active,r01,dg2,,no,\n`,
    });
    const r = breakfix(['pull'], { cwd: h.dir });
    expect(r.code, r.out + r.err).toBe(0);
  });
  afterAll(() => {
    for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
  });

  /** Pulls with `bad` in place of some sources; returns the run and the day before and after. */
  async function pullWith(bad: Record<string, Source>) {
    fs.writeFileSync(h.cfg, config({ ...BASE, ...bad }));
    const before = snapshot(h.day);
    // So that a rewritten meta cannot carry the same time by chance.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const r = await breakfixAsync(['pull', '--force'], h.dir);
    return { r, before, after: snapshot(h.day) };
  }

  function expectUntouched(before: Map<string, Buffer>, after: Map<string, Buffer>, source: string, atLeast: number) {
    const owned = ownedBy(before, source);
    expect(owned.length).toBeGreaterThanOrEqual(atLeast);
    for (const name of owned) {
      for (const k of [name, `.meta/${name}.json`]) {
        expect(after.get(k)?.equals(before.get(k)!), `${k} of ${source} changed`).toBe(true);
      }
    }
  }

  function expectUpdated(before: Map<string, Buffer>, after: Map<string, Buffer>, source: string) {
    const owned = ownedBy(before, source);
    expect(owned.length).toBeGreaterThan(0);
    for (const name of owned) {
      const t0 = JSON.parse(before.get(`.meta/${name}.json`)!.toString()).time as string;
      const t1 = JSON.parse(after.get(`.meta/${name}.json`)!.toString()).time as string;
      expect(t1 > t0, `${name} of ${source} was not rewritten (${t0} -> ${t1})`).toBe(true);
    }
  }

  function expectFailed(r: Result, failed: string[], ok: string[]) {
    expect(r.code, r.out + r.err).toBe(3);
    for (const s of failed) expect(outLine(r, s)[0], r.out).toMatch(new RegExp(`^${s} +failed `));
    for (const s of ok) expect(outLine(r, s)[0], r.out).toMatch(new RegExp(`^${s} +ok `));
    expect(r.out).toContain(`${failed.length} source(s) failed: `);
    for (const s of failed) expect(r.out.split('\n').find((l) => l.includes('source(s) failed'))).toContain(s);
  }

  it('a command that exits non-zero: names the command and shows its stderr', async () => {
    const { r, before, after } = await pullWith({
      'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: '{ command: [./fail.sh, dfsadmin, -report] }' },
    });
    expectFailed(r, ['hdfs-prod'], ['inventory', 'yarn-prod']);
    expect(r.out).toContain('command ./fail.sh dfsadmin -report exited 1');
    expect(r.out).toContain('GSS initiate failed');
    expect(r.out).toContain('(no Kerberos ticket: run kinit)');
    expectUntouched(before, after, 'hdfs-prod', 7);
    expectUpdated(before, after, 'inventory');
    expectUpdated(before, after, 'yarn-prod');
  });

  it('commands that hang: killed at the timeout with their whole process group', async () => {
    for (const f of ['hang.pid', 'spawner.pid', 'spawner-child.pid']) fs.rmSync(path.join(h.dir, f), { force: true });
    const { r, before, after } = await pullWith({
      'hdfs-prod': { type: 'hdfs', cluster: 'prod', timeout: '2s', report: '{ command: [./hang.sh] }' },
      'yarn-prod': { type: 'yarn', cluster: 'prod', timeout: '2s', nodes: '{ command: [./spawner.sh] }' },
    });
    const pidOf = (f: string) => Number(fs.readFileSync(path.join(h.dir, f), 'utf8'));
    const hung = ['hang.pid', 'spawner.pid', 'spawner-child.pid'].map(pidOf);
    pids.push(...hung);
    // SIGTERM at 2 s, SIGKILL 2 s later for what ignores it; `sleep 60` would take a minute.
    expect(r.ms).toBeLessThan(10_000);
    expectFailed(r, ['hdfs-prod', 'yarn-prod'], ['inventory']);
    expect(outLine(r, 'hdfs-prod')[0]).toContain('command ./hang.sh timed out after 2s');
    expect(r.out).toContain('Retrying connect to server: nn1.prod.example.com');
    expect(outLine(r, 'yarn-prod')[0]).toContain('command ./spawner.sh timed out after 2s');
    for (const pid of hung) expect(running(pid), `pid ${pid} still runs`).toBe(false);
    expectUntouched(before, after, 'hdfs-prod', 7);
    expectUntouched(before, after, 'yarn-prod', 8);
    expectUpdated(before, after, 'inventory');
  });

  it('garbage instead of a report or a node list', async () => {
    const { r, before, after } = await pullWith({
      'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: '{ command: [./garbage.sh] }' },
      'yarn-prod': { type: 'yarn', cluster: 'prod', nodes: '{ command: [./garbage.sh] }' },
    });
    expectFailed(r, ['hdfs-prod', 'yarn-prod'], ['inventory']);
    expect(outLine(r, 'hdfs-prod')[0]).toMatch(/command \.\/garbage\.sh: not an "hdfs dfsadmin -report"/);
    expect(outLine(r, 'yarn-prod')[0]).toMatch(/command \.\/garbage\.sh: not the output of "yarn node -list -all"/);
    expectUntouched(before, after, 'hdfs-prod', 7);
    expectUntouched(before, after, 'yarn-prod', 8);
    expectUpdated(before, after, 'inventory');
  });

  it('a report cut off in the middle of a node block', async () => {
    const { r, before, after } = await pullWith({
      'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: '{ command: [./print.sh, cut-report.txt] }' },
    });
    expectFailed(r, ['hdfs-prod'], ['inventory', 'yarn-prod']);
    expect(outLine(r, 'hdfs-prod')[0]).toContain('command ./print.sh cut-report.txt: ');
    expect(outLine(r, 'hdfs-prod')[0]).toContain('Name: 10.20.1.17:9866 (dn07.prod.example.com)');
    expect(outLine(r, 'hdfs-prod')[0]).toContain('cut off');
    expectUntouched(before, after, 'hdfs-prod', 7);
    expectUpdated(before, after, 'yarn-prod');
  });

  it('an HTTP 500 from the NameNode and the ResourceManager: the URL and the status', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body><h1>500 Server Error</h1></body></html>');
    });
    try {
      const { r, before, after } = await pullWith({
        'hdfs-prod': { type: 'hdfs', cluster: 'prod', report: `{ jmx: "${srv.base}/jmx" }` },
        'yarn-prod': { type: 'yarn', cluster: 'prod', nodes: `{ rest: "${srv.base}/ws/v1/cluster/nodes" }` },
      });
      expectFailed(r, ['hdfs-prod', 'yarn-prod'], ['inventory']);
      expect(outLine(r, 'hdfs-prod')[0]).toContain(`GET ${srv.base}/jmx?qry=`);
      expect(outLine(r, 'hdfs-prod')[0]).toContain('HTTP 500');
      expect(outLine(r, 'yarn-prod')[0]).toContain(`GET ${srv.base}/ws/v1/cluster/nodes: HTTP 500`);
      expectUntouched(before, after, 'hdfs-prod', 7);
      expectUntouched(before, after, 'yarn-prod', 8);
      expectUpdated(before, after, 'inventory');
    } finally {
      await srv.close();
    }
  });

  it('an inventory CSV without a mapped column', async () => {
    const { r, before, after } = await pullWith({ inventory: { ...BASE.inventory!, file: './inventory-norack.csv' } });
    expectFailed(r, ['inventory'], ['hdfs-prod', 'yarn-prod']);
    const line = outLine(r, 'inventory')[0]!;
    expect(line).toContain('inventory-norack.csv:1: column "rack" (columns.rack) not in the input');
    expect(line).toContain('"rack_id"');
    expectUntouched(before, after, 'inventory', 13);
    expectUpdated(before, after, 'hdfs-prod');
    expectUpdated(before, after, 'yarn-prod');
  });

  it('an inventory that lists a host twice (after canonicalisation)', async () => {
    const { r, before, after } = await pullWith({ inventory: { ...BASE.inventory!, file: './inventory-dup.csv' } });
    expectFailed(r, ['inventory'], ['hdfs-prod', 'yarn-prod']);
    const line = outLine(r, 'inventory')[0]!;
    expect(line).toContain('inventory-dup.csv:44: host dw1-dn02.dc1.example.com ("DW1-DN02.DC1.EXAMPLE.COM") is listed twice');
    expect(line).toContain('inventory-dup.csv:5');
    expectUntouched(before, after, 'inventory', 13);
    expectUpdated(before, after, 'hdfs-prod');
  });
});

// ---------------------------------------------------------------- 3. stable sources

describe('pull: stable sources', () => {
  it('are pulled once a day, and again with --force', () => {
    const h = makeHome();
    expect(breakfix(['pull'], { cwd: h.dir }).code).toBe(0);
    const before = snapshot(h.day);
    // The inventory changes after the first pull of the day: edge1 is gone.
    fs.writeFileSync(path.join(h.dir, 'inventory.csv'), INVENTORY.replace(/^edge1\..*\n/m, ''));

    const again = breakfix(['pull'], { cwd: h.dir });
    expect(again.code, again.out + again.err).toBe(0);
    expect(outLine(again, 'inventory')[0]).toMatch(/^inventory +skipped .*stable source, pulled today at \d\d:\d\dZ; --force pulls it again/);
    expect(outLine(again, 'hdfs-prod')[0]).toMatch(/^hdfs-prod +ok /);
    const kept = snapshot(h.day);
    for (const name of ownedBy(before, 'inventory')) {
      expect(kept.get(name)?.equals(before.get(name)!), name).toBe(true);
      expect(kept.get(`.meta/${name}.json`)?.equals(before.get(`.meta/${name}.json`)!), name).toBe(true);
    }
    expect(hostsOf(h.day, 'all')).toContain('edge1.dc1.example.com');

    const named = breakfix(['pull', 'inventory'], { cwd: h.dir });
    expect(named.code).toBe(0);
    expect(outLine(named, 'inventory')[0]).toMatch(/skipped/);

    const forced = breakfix(['pull', '--force'], { cwd: h.dir });
    expect(forced.code, forced.out + forced.err).toBe(0);
    expect(outLine(forced, 'inventory')[0]).toMatch(/^inventory +ok /);
    expect(hostsOf(h.day, 'all')).toEqual(sorted(minus(ALL, EDGE)));
    checkGroup(h.day, 'all', 'inventory');
    // A group the source no longer writes is emptied, not left stale (and not deleted).
    expect(fs.readFileSync(path.join(h.day, 'role.edge-node'), 'utf8')).toBe('');
    expect(meta(h.day, 'role.edge-node').count).toBe(0);
  });
});

// ---------------------------------------------------------------- 4, 7. union of parts, and recovery

describe('pull: two clusters into the shared groups', () => {
  const beta = (...names: string[]) => names.map((n) => `${n}.beta.example.com`);
  const sources: Record<string, Source> = {
    'hdfs-a': { type: 'hdfs', cluster: 'prod', report: '{ file: ./report-a.txt }' },
    'hdfs-b': { type: 'hdfs', cluster: 'beta', report: '{ command: [./print.sh, report-b.txt] }' },
  };
  let h: ReturnType<typeof makeHome>;
  beforeAll(() => {
    h = makeHome(sources, ['prod', 'beta']);
    writeFiles(h.dir, {
      'report-a.txt': REPORT,
      // Cluster beta: the same layout with its own host names and no missing block.
      'report-b.txt': REPORT.replaceAll('.prod.example.com', '.beta.example.com').replace('\tMissing blocks: 1\n', '\tMissing blocks: 0\n'),
    });
  });

  it('holds both clusters\' hosts, and one health row per cluster', () => {
    const r = breakfix(['pull'], { cwd: h.dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(hostsOf(h.day, 'hdfs-dead')).toEqual(sorted([...beta('dn06', 'dn07', 'dn08'), ...prod('dn06', 'dn07', 'dn08')]));
    expect(hostsOf(h.day, 'hdfs-maintenance')).toEqual(sorted([...beta('dn04', 'dn07'), ...prod('dn04', 'dn07')]));
    expect(hostsOf(h.day, 'hdfs-live')).toHaveLength(10);
    for (const g of Object.keys(HDFS)) checkGroup(h.day, g, 'hdfs-a hdfs-b');
    const table = checkTable(h.day, 'hdfs-health.tsv', 'hdfs-a hdfs-b');
    expect(table.join('\n') + '\n').toBe(`${HEALTH_HEADER}beta\t0\t1843\t2\t5\t3\t1\nprod\t1\t1843\t2\t5\t3\t1\n`);
    // The host-keyed table of both sources: one row per DataNode of either cluster.
    const dataNodes = checkTable(h.day, 'hdfs-datanodes.tsv', 'hdfs-a hdfs-b');
    expect(dataNodes).toHaveLength(17);
    expect(dataNodes).toContain('dn07.beta.example.com	beta	in-maintenance	');
    expect(dataNodes).toContain('dn01.prod.example.com	prod	normal	ud0');
  });

  it('pulling one source alone keeps the other\'s hosts', () => {
    // Cluster prod's DataNodes are renamed dn -> dm; beta is not pulled.
    fs.writeFileSync(path.join(h.dir, 'report-a.txt'), REPORT.replaceAll('dn0', 'dm0'));
    const r = breakfix(['pull', 'hdfs-a'], { cwd: h.dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(outLine(r, 'hdfs-a')[0]).toMatch(/^hdfs-a +ok /);
    expect(outLine(r, 'hdfs-b')).toEqual([]);
    expect(hostsOf(h.day, 'hdfs-dead')).toEqual(sorted([...beta('dn06', 'dn07', 'dn08'), ...prod('dm06', 'dm07', 'dm08')]));
    expect(hostsOf(h.day, 'hdfs-in-service')).toEqual(sorted([...beta('dn01', 'dn02'), ...prod('dm01', 'dm02')]));
    for (const g of Object.keys(HDFS)) checkGroup(h.day, g, 'hdfs-a hdfs-b');
    expect(checkTable(h.day, 'hdfs-health.tsv', 'hdfs-a hdfs-b').map((row) => row.split('\t')[0])).toEqual(['cluster', 'beta', 'prod']);
  });

  it('recovers the parts a pull killed mid-swap left behind', () => {
    const parts = path.join(h.day, '.parts');
    const dead = deadPid();
    // Killed between moving hdfs-b's part aside and moving the new one in: no live part.
    fs.renameSync(path.join(parts, 'hdfs-b'), path.join(parts, `.hdfs-b.${dead}.old`));
    // Killed after the swap of hdfs-a, before removing the old part; and a half-written new part.
    fs.cpSync(path.join(parts, 'hdfs-a'), path.join(parts, `.hdfs-a.${dead}.old`), { recursive: true });
    fs.writeFileSync(path.join(parts, `.hdfs-a.${dead}.old`, 'hdfs-dead'), 'stale.prod.example.com\n');
    fs.mkdirSync(path.join(parts, `.hdfs-a.${dead}.new`));
    fs.writeFileSync(path.join(parts, `.hdfs-a.${dead}.new`, 'hdfs-dead'), 'half');

    const r = breakfix(['pull', 'hdfs-a'], { cwd: h.dir });
    expect(r.err).toBe('');
    expect(r.code, r.out).toBe(0);
    expect(fs.readdirSync(parts).sort()).toEqual(['hdfs-a', 'hdfs-b']);
    // Without hdfs-b's part back in place, the union would have lost beta's hosts.
    expect(hostsOf(h.day, 'hdfs-dead')).toEqual(sorted([...beta('dn06', 'dn07', 'dn08'), ...prod('dm06', 'dm07', 'dm08')]));
    for (const g of Object.keys(HDFS)) checkGroup(h.day, g, 'hdfs-a hdfs-b');
    expect(hostsOf(h.day, 'hdfs-health.tsv')).toHaveLength(3);
  });
});

// ---------------------------------------------------------------- 5. config errors

describe('pull: config errors', () => {
  /** Writes the config, runs `pull`, and finds the line of `needle` in the config. */
  function withConfig(text: string, needle: string, args = ['pull']) {
    const h = makeHome();
    fs.writeFileSync(h.cfg, text);
    const r = breakfix(args, { cwd: h.dir });
    const line = text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(line).toBeGreaterThan(0);
    return { r, at: `${h.cfg}:${line}: `, h };
  }

  const withKey = (source: string, key: string, value: string) => {
    const s = { ...BASE, [source]: { ...BASE[source]!, [key]: value } };
    return config(s);
  };

  it('an unknown key in a source names the file, the line and the key; nothing runs', () => {
    const { r, at, h } = withConfig(withKey('yarn-prod', 'timout', '5s'), 'timout');
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(3);
    expect(r.err).toContain(at);
    expect(r.err).toContain('datacenters.dc1.sources.yarn-prod.timout: unknown key');
    expect(r.out).toBe('');
    expect(fs.existsSync(path.join(h.dir, 'H'))).toBe(false);
  });

  it('an unknown top-level key', () => {
    const { r, at } = withConfig(config(BASE).replace('datacenters:', 'retries: 3\ndatacenters:'), 'retries');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${at}retries: unknown key`);
  });

  it('a timeout that is not a duration, a volatile that is not a boolean', () => {
    const t = withConfig(withKey('hdfs-prod', 'timeout', 'soon'), 'soon');
    expect(t.r.code).not.toBe(0);
    expect(t.r.err).toContain(`${t.at}datacenters.dc1.sources.hdfs-prod.timeout: expected a duration`);
    expect(t.r.err).toContain('"soon"');
    const v = withConfig(withKey('inventory', 'volatile', 'maybe'), 'maybe');
    expect(v.r.code).not.toBe(0);
    expect(v.r.err).toContain(`${v.at}datacenters.dc1.sources.inventory.volatile: expected true or false`);
    expect(v.r.err).toContain('"maybe"');
  });

  it('an hdfs source naming a cluster that is not in clusters:', () => {
    const { r, at } = withConfig(withKey('hdfs-prod', 'cluster', 'dw9'), 'cluster: dw9');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${at}datacenters.dc1.sources.hdfs-prod.cluster: unknown cluster "dw9"`);
    expect(r.err).toContain('prod');
  });

  it('pull of a source that does not exist: exit 2 with the nearest names', () => {
    const h = makeHome();
    const typo = breakfix(['pull', 'hdfs-prdo'], { cwd: h.dir });
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/no source "hdfs-prdo" in datacenter dc1; did you mean: hdfs-prod/);
    const none = breakfix(['pull', 'nosuch'], { cwd: h.dir });
    expect(none.code).toBe(2);
    expect(none.err).toContain('no source "nosuch"');
    for (const s of Object.keys(BASE)) expect(none.err).toContain(s);
    expect(fs.existsSync(path.join(h.dir, 'H'))).toBe(false);
  });

  it('--dc chooses among two datacenters, and is needed when there are two', () => {
    const h = makeHome();
    const two = config(BASE) + ['  dc2:', '    sources:', '      inv2:', ...Object.entries(BASE.inventory!).map(([k, v]) => `        ${k}: ${v}`)].join('\n') + '\n';
    fs.writeFileSync(h.cfg, two);
    const none = breakfix(['pull'], { cwd: h.dir });
    expect(none.code).toBe(2);
    expect(none.err).toContain('several datacenters (dc1, dc2): choose one with --dc');
    const wrong = breakfix(['--dc', 'dc7', 'pull'], { cwd: h.dir });
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--dc dc7: not in');
    expect(wrong.err).toContain('dc1, dc2');
    expect(fs.existsSync(path.join(h.dir, 'H'))).toBe(false);

    const r = breakfix(['--dc', 'dc2', 'pull'], { cwd: h.dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(outLine(r, 'inv2')[0]).toMatch(/^inv2 +ok /);
    expect(fs.readdirSync(path.join(h.dir, 'H'))).toEqual(['dc2']);
    expect(hostsOf(path.join(h.dir, 'H', 'dc2', 'today'), 'all')).toEqual(sorted(ALL));
  });
});

// ---------------------------------------------------------------- 6. host names

describe('pull: host names are made canonical', () => {
  it('lower-cases, completes short names with hostnames.domain, and leaves out an IP with a report', () => {
    const yarn = YARN_SHORT.replace('Total Nodes:3', 'Total Nodes:5')
      .replace(' hadoop101:35827', ' HADOOP101:35827') +
      ' HADOOP104.DC1.EXAMPLE.COM:35827\t        RUNNING\t   hadoop104:8042\t                           2\n' +
      '10.20.1.99:45454\t           LOST\t10.20.1.99:8042\t                           0\n';
    const h = makeHome({
      inventory: BASE.inventory!,
      'yarn-short': { type: 'yarn', cluster: 'prod', nodes: '{ command: [./print.sh, yarn-short.txt] }' },
    });
    writeFiles(h.dir, { 'yarn-short.txt': yarn });
    const r = breakfix(['pull'], { cwd: h.dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(hostsOf(h.day, 'yarn-running')).toEqual(dc1('hadoop101', 'hadoop104'));
    expect(hostsOf(h.day, 'yarn-unhealthy')).toEqual(dc1('hadoop102'));
    expect(hostsOf(h.day, 'yarn-decommissioned')).toEqual(dc1('hadoop103'));
    expect(hostsOf(h.day, 'yarn-lost')).toEqual([]);
    checkGroup(h.day, 'yarn-running', 'yarn-short');
    checkGroup(h.day, 'yarn-lost', 'yarn-short');
    // The inventory's upper-case FQDN and short name.
    expect(hostsOf(h.day, 'all')).toEqual(expect.arrayContaining(dc1('dw1-dn05', 'dw1-dn06')));
    // Reported on the output, under the source's line, and in no group.
    const ls = r.out.split('\n');
    const at = ls.findIndex((l) => l.startsWith('yarn-short '));
    expect(ls[at]).toMatch(/^yarn-short +ok /);
    expect(ls[at + 1]).toMatch(/left out 1 name\(s\) that are not canonical hosts: "10\.20\.1\.99:45454" \(an IP address/);
    for (const g of files(h.day)) {
      const text = fs.readFileSync(path.join(h.day, g), 'utf8');
      expect(text, g).not.toContain('10.20.1.99');
      expect(text, g).not.toMatch(/HADOOP|DW1-DN05/);
    }
  });
});
