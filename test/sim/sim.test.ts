// The simulated datacenter of fixtures/sim: its executables run for real in
// temporary directories, and what they print is read back with breakfix's own
// parsers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDfsadminReport } from '../../src/sources/hdfs.js';
import { SourceError, type SourceResult } from '../../src/sources/types.js';
import { parseYarnNodeList } from '../../src/sources/yarn.js';
import { ROOT, tempDirs } from '../support/cli.js';

const SIM_BIN = path.join(ROOT, 'fixtures', 'sim', 'bin');
const RULE = { domain: 'demo.example.com' };
const tmp = tempDirs();

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs one of the sim's executables, as a breakfix `command:` source would. */
function sim(tool: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(path.join(SIM_BIN, tool), args, {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    maxBuffer: 1 << 28,
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(tool: string, args: string[]): string {
  const r = sim(tool, args);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

/** A fresh datacenter (the default clusters unless told). */
function init(seed = '7', extra: string[] = []): string {
  const dir = path.join(tmp('breakfix-sim-'), 'dc');
  ok('sim', ['init', '--sim', dir, '--seed', seed, ...extra]);
  return dir;
}

const conf = (dir: string, c: string) => path.join(dir, 'clusters', c, 'conf');
const fq = (short: string) => `${short}.demo.example.com`;
const report = (dir: string, c: string, ...filters: string[]) => ok('hdfs', ['--config', conf(dir, c), 'dfsadmin', '-report', ...filters]);
const nodes = (dir: string, c: string) => ok('yarn', ['--config', conf(dir, c), 'node', '-list', '-all']);
const refresh = (dir: string, c: string) => ok('hdfs', ['--config', conf(dir, c), 'dfsadmin', '-refreshNodes']);
const rmRefresh = (dir: string, c: string, ...args: string[]) => ok('yarn', ['--config', conf(dir, c), 'rmadmin', '-refreshNodes', ...args]);
const exclude = (dir: string, c: string, text: string, file = 'dfs.exclude') => fs.writeFileSync(path.join(conf(dir, c), file), text);

function hdfsGroups(dir: string, c: string): Record<string, string[]> {
  return groupsOf(parseDfsadminReport(report(dir, c), c, RULE));
}

function groupsOf(r: SourceResult): Record<string, string[]> {
  return Object.fromEntries(r.groups);
}

function yarnGroups(dir: string, c: string): Record<string, string[]> {
  return groupsOf(parseYarnNodeList(nodes(dir, c), RULE));
}

/** The inventory as records keyed by host name. */
function inventory(dir: string): Map<string, Record<string, string>> {
  const [header, ...rows] = ok('inventory', ['--sim', dir]).trimEnd().split('\n');
  const cols = header!.split(',');
  return new Map(
    rows.map((row) => {
      const f = row.split(',');
      const rec = Object.fromEntries(cols.map((c, i) => [c, f[i]!]));
      return [rec['hostname']!, rec];
    }),
  );
}

/** The hosts of one cluster the inventory flags with `yes` in a column. */
function flagged(dir: string, cluster: string, column: string): string[] {
  return [...inventory(dir).values()].filter((r) => r['cluster'] === cluster && r[column] === 'yes').map((r) => r['hostname']!).sort();
}

function statusOf(dir: string, c: string, host: string): string {
  const g = hdfsGroups(dir, c);
  const where = ['hdfs-in-service', 'hdfs-decommissioning', 'hdfs-decommissioned'].filter((k) => g[k]!.includes(host));
  return `${g['hdfs-dead']!.includes(host) ? 'dead' : 'live'} ${where.join(',') || '-'}`;
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function stateOf(dir: string, c: string): { tick: number; hosts: Record<string, Record<string, unknown>> } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'clusters', c, 'state.json'), 'utf8'));
}

describe('sim init', () => {
  it('is deterministic for a seed, and another seed breaks other hosts', () => {
    const a = init('42');
    const b = init('42');
    const c = init('43');
    expect(readTree(b)).toEqual(readTree(a));
    expect(report(b, 'dw1')).toBe(report(a, 'dw1'));
    expect(nodes(b, 'dw1')).toBe(nodes(a, 'dw1'));
    expect(ok('inventory', ['--sim', b])).toBe(ok('inventory', ['--sim', a]));
    expect(readTree(c)['clusters/dw1/state.json']).not.toBe(readTree(a)['clusters/dw1/state.json']);
  });

  it('lays out clusters, head nodes, racks, data groups and empty exclude files', () => {
    const dir = init();
    const inv = inventory(dir);
    expect(ok('inventory', ['--sim', dir]).split('\n')[0]).toBe(
      'hostname,cluster,role,status,rack,datagroup,ticket,hadoop_exclude,responsive,puppet_ok,rekick-in-progress,rekicked',
    );
    expect(inv.size).toBe(120 + 60 + 8 + 10 + 4 * 3);
    for (const c of ['dw1', 'dw2', 'hb-meta', 'dev1']) {
      expect(inv.get(fq(`${c}-nn1`))).toMatchObject({ cluster: c, role: 'namenode', status: 'active', datagroup: '' });
      expect(inv.get(fq(`${c}-nn2`))).toMatchObject({ role: 'namenode' });
      expect(inv.get(fq(`${c}-rm1`))).toMatchObject({ role: 'resourcemanager' });
      expect(fs.readFileSync(path.join(conf(dir, c), 'dfs.exclude'), 'utf8')).toBe('');
      expect(fs.readFileSync(path.join(conf(dir, c), 'yarn.exclude'), 'utf8')).toBe('');
    }
    expect(inv.get(fq('dw1-dn001'))).toMatchObject({ role: 'hadoop-worker', rack: 'dw1-r01', datagroup: 'dg1' });
    expect(inv.get(fq('dw1-dn010'))).toMatchObject({ rack: 'dw1-r01' });
    expect(inv.get(fq('dw1-dn011'))).toMatchObject({ rack: 'dw1-r02', datagroup: 'dg1' });
    expect(inv.get(fq('dw1-dn120'))).toMatchObject({ rack: 'dw1-r12' });
    // Every rack of ten spreads over the three data groups.
    const perRack = new Map<string, Set<string>>();
    for (const r of inv.values()) {
      if (r['role'] !== 'hadoop-worker') continue;
      if (!perRack.has(r['rack']!)) perRack.set(r['rack']!, new Set());
      perRack.get(r['rack']!)!.add(r['datagroup']!);
    }
    expect(perRack.size).toBe(12 + 6 + 1 + 1);
    for (const dgs of perRack.values()) expect([...dgs].sort()).toEqual(['dg1', 'dg2', 'dg3']);
  });

  it('starts broken: dead, Puppet-failing, unresponsive and YARN-unhealthy hosts; dw2 has used up its drain budget', () => {
    const dir = init();
    let dead = 0;
    for (const c of ['dw1', 'dw2', 'hb-meta', 'dev1']) dead += hdfsGroups(dir, c)['hdfs-dead']!.length;
    expect(dead).toBeGreaterThanOrEqual(3);
    const workers = [...inventory(dir).values()].filter((r) => r['role'] === 'hadoop-worker');
    expect(workers.filter((r) => r['puppet_ok'] === 'no' && r['responsive'] === 'yes').length).toBeGreaterThanOrEqual(2);
    expect(workers.filter((r) => r['responsive'] === 'no').length).toBeGreaterThan(dead);
    expect(yarnGroups(dir, 'dw1')['yarn-unhealthy']!.length).toBe(1);
    // 6% of 60 workers, rounded down: 3 hosts may be out, and 3 are dead already.
    expect(hdfsGroups(dir, 'dw2')['hdfs-dead']!.length).toBeGreaterThanOrEqual(Math.floor((60 * 6) / 100));
    expect(ok('sim', ['show', '--sim', dir])).toMatch(/^dw2: tick \d+ .* 3 dead,/m);
  });

  it('refuses to overwrite a datacenter without --force', () => {
    const dir = init();
    const r = sim('sim', ['init', '--sim', dir, '--seed', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--force/);
    expect(sim('sim', ['init', '--sim', dir, '--seed', '1', '--force']).code).toBe(0);
  });
});

describe('printed formats', () => {
  it('every report and node list parses with breakfix\'s parsers, with the right section counts', () => {
    const dir = init('3');
    const inv = inventory(dir);
    for (const c of ['dw1', 'dw2', 'hb-meta', 'dev1']) {
      const text = report(dir, c);
      const g = groupsOf(parseDfsadminReport(text, c, RULE));
      const workers = [...inv.values()].filter((r) => r['cluster'] === c && r['role'] === 'hadoop-worker').map((r) => r['hostname']!);
      expect([...g['hdfs-live']!, ...g['hdfs-dead']!].sort()).toEqual(workers.sort());
      expect(text).toContain(`Live datanodes (${g['hdfs-live']!.length}):`);
      if (g['hdfs-dead']!.length) expect(text).toContain(`Dead datanodes (${g['hdfs-dead']!.length}):`);
      else expect(text).not.toContain('Dead datanodes');
      expect(g['hdfs-in-service']).toEqual(g['hdfs-live']);
      const y = yarnGroups(dir, c);
      expect(y['yarn-lost']).toEqual(g['hdfs-dead']);
      expect([...y['yarn-running']!, ...y['yarn-unhealthy']!, ...y['yarn-lost']!].sort()).toEqual(workers.sort());
    }
  });

  it('prints the fixture\'s layout: header, node block keys, blank lines, printf-padded tab-separated rows', () => {
    const dir = init();
    const fixture = fs.readFileSync(path.join(ROOT, 'fixtures', 'formats', 'dfsadmin-report.txt'), 'utf8');
    const text = report(dir, 'dw1');
    const keys = (t: string) => t.split('\n').map((l) => /^\t?[^:]*:/.exec(l)?.[0] ?? l);
    const headerOf = (t: string) => keys(t.slice(0, t.indexOf('-------')));
    expect(headerOf(text)).toEqual(headerOf(fixture));
    // A node block: the keys of the fixture's dn03 block (it has a rack and no upgrade domain).
    const blockOf = (t: string, host: string) => {
      const start = t.indexOf(`Name: `, t.indexOf(`(${host})`) - 40);
      return keys(t.slice(start, t.indexOf('\n\n\n', start) + 3));
    };
    expect(blockOf(text, fq('dw1-dn001'))).toEqual(blockOf(fixture, 'dn03.prod.example.com'));
    expect(text).toMatch(/^Erasure Coded Block Groups: \n/m);
    expect(text).toMatch(/^Name: 10\.1\.0\.1:9866 \(dw1-dn001\.demo\.example\.com\)\nHostname: dw1-dn001\.demo\.example\.com\nRack: \/dw1-r01\nDecommission Status : Normal\n/m);
    expect(text).toMatch(/^Last contact: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}$/m);
    expect(text.endsWith('\n\n\n')).toBe(true);

    const list = nodes(dir, 'dw1').split('\n');
    expect(list[0]).toBe('Total Nodes:120');
    expect(list[1]).toBe('         Node-Id\t     Node-State\tNode-Http-Address\tNumber-of-Running-Containers');
    expect(list[2]).toMatch(/^dw1-dn001\.demo\.example\.com:45454\t {8}RUNNING\tdw1-dn001\.demo\.example\.com:8042\t {20,}\d+$/);
  });

  it('yarn prints its log4j line on stderr, and node -list without -all shows only RUNNING nodes', () => {
    const dir = init();
    const r = sim('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list']);
    expect(r.err).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO client\.\w+: Connecting to ResourceManager at dw1-rm1\.demo\.example\.com\//);
    const g = groupsOf(parseYarnNodeList(r.out, RULE));
    expect(g['yarn-running']!.length).toBe(Number(/^Total Nodes:(\d+)/.exec(r.out)![1]));
    expect(g['yarn-lost']).toEqual([]);
    const lost = sim('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-states', 'lost']).out;
    expect(groupsOf(parseYarnNodeList(lost, RULE))['yarn-lost']).toEqual(hdfsGroups(dir, 'dw1')['hdfs-dead']);
  });

  it('finds its state from $HADOOP_CONF_DIR too, and says what is wrong with a bad --config', () => {
    const dir = init();
    const r = sim('hdfs', ['dfsadmin', '-report'], { HADOOP_CONF_DIR: conf(dir, 'dev1') });
    expect(r.code).toBe(0);
    expect(groupsOf(parseDfsadminReport(r.out, 'dev1', RULE))['hdfs-live']!.length).toBeGreaterThan(0);
    const bad = sim('hdfs', ['--config', path.join(dir, 'clusters', 'nope', 'conf'), 'dfsadmin', '-report']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no cluster "nope"/);
  });
});

describe('drains and returns', () => {
  it('exclude + refreshNodes walks a node Normal -> Decommission in progress (2 reports) -> Decommissioned', () => {
    const dir = init();
    const host = fq('dw1-dn005');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-in-service');
    exclude(dir, 'dw1', `# dfs.hosts.exclude\n${host} # ticket OPS-1\n`);
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-in-service'); // not applied before the refresh
    expect(refresh(dir, 'dw1')).toMatch(/^Refresh nodes successful for dw1-nn1\.demo\.example\.com\/[\d.]+:8020$/m);
    const text = report(dir, 'dw1');
    expect(text).toContain('Decommissioning datanodes (1):');
    expect(groupsOf(parseDfsadminReport(text, 'dw1', RULE))['hdfs-decommissioning']).toEqual([host]);
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioning');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioned');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioned');
    expect(report(dir, 'dw1')).not.toContain('Decommissioning datanodes');
  });

  it('removing a node from the exclude file and refreshing returns it to service', () => {
    const dir = init();
    const host = fq('dw1-dn006');
    exclude(dir, 'dw1', `${host}\n`);
    refresh(dir, 'dw1');
    for (let i = 0; i < 3; i++) report(dir, 'dw1');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioned');
    exclude(dir, 'dw1', '\n# nothing excluded\n');
    refresh(dir, 'dw1');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-in-service');
  });

  it('reads exclude files by the hosts-file rules: comments, several per line, short names, IPs, ports; unknown names ignored', () => {
    const dir = init();
    exclude(dir, 'dw1', ['# header', '  dw1-dn011.demo.example.com\tdw1-dn012 # a comment dw1-dn013', '', 'DW1-DN014.demo.example.com:50010 10.1.0.15', 'nosuch.example.com dw2-dn001.demo.example.com #dw1-dn016'].join('\n'));
    refresh(dir, 'dw1');
    expect(hdfsGroups(dir, 'dw1')['hdfs-decommissioning']).toEqual(['dw1-dn011', 'dw1-dn012', 'dw1-dn014', 'dw1-dn015'].map(fq));
  });

  it('rmadmin -refreshNodes -g drains YARN: DECOMMISSIONING, then DECOMMISSIONED; without -g at once; removal brings it back', () => {
    const dir = init();
    exclude(dir, 'dw1', `${fq('dw1-dn021')}\n`, 'yarn.exclude');
    expect(yarnGroups(dir, 'dw1')['yarn-running']).toContain(fq('dw1-dn021'));
    const r = sim('yarn', ['--config', conf(dir, 'dw1'), 'rmadmin', '-refreshNodes', '-g', '3600', '-client']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(yarnGroups(dir, 'dw1')['yarn-decommissioning']).toEqual([fq('dw1-dn021')]);
    report(dir, 'dw1');
    report(dir, 'dw1');
    expect(yarnGroups(dir, 'dw1')['yarn-decommissioning']).toEqual([fq('dw1-dn021')]);
    report(dir, 'dw1');
    expect(yarnGroups(dir, 'dw1')['yarn-decommissioned']).toEqual([fq('dw1-dn021')]);
    exclude(dir, 'dw1', `${fq('dw1-dn021')}\n${fq('dw1-dn023')}\n`, 'yarn.exclude');
    rmRefresh(dir, 'dw1');
    expect(yarnGroups(dir, 'dw1')['yarn-decommissioned']).toEqual([fq('dw1-dn021'), fq('dw1-dn023')]);
    exclude(dir, 'dw1', '', 'yarn.exclude');
    rmRefresh(dir, 'dw1', '-g', '60', '-client');
    expect(yarnGroups(dir, 'dw1')['yarn-decommissioned']).toEqual([]);
    expect(yarnGroups(dir, 'dw1')['yarn-running']).toEqual(expect.arrayContaining([fq('dw1-dn021'), fq('dw1-dn023')]));
  });
});

describe('rekick', () => {
  it('makes a decommissioned host dead for 2 ticks, then back Decommissioned, fresh and rekicked', () => {
    const dir = init();
    const host = fq('dw1-dn007');
    exclude(dir, 'dw1', `${host}\n`);
    refresh(dir, 'dw1');
    for (let i = 0; i < 3; i++) report(dir, 'dw1');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioned');
    ok('sim', ['fault', '--sim', dir, 'puppet-fail', host]);
    const r = ok('rekick', ['--sim', dir, host]);
    expect(r).toMatch(/reimage started/);
    expect(flagged(dir, 'dw1', 'rekick-in-progress')).toEqual([host]);
    expect(flagged(dir, 'dw1', 'responsive')).not.toContain(host);
    expect(sim('healthcheck', ['--sim', dir, host]).code).toBe(255);
    expect(yarnGroups(dir, 'dw1')['yarn-lost']).toContain(host);
    expect(statusOf(dir, 'dw1', host)).toBe('dead hdfs-decommissioned');
    expect(statusOf(dir, 'dw1', host)).toBe('dead hdfs-decommissioned');
    expect(flagged(dir, 'dw1', 'rekicked')).toEqual([]);
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-decommissioned');
    const inv = inventory(dir).get(host)!;
    expect(inv).toMatchObject({ responsive: 'yes', puppet_ok: 'yes', 'rekick-in-progress': 'no', rekicked: 'yes' });
    expect(ok('healthcheck', ['--sim', dir, host])).toBe('OK\n');
    // Returned: out of the exclude file, refreshed: in service, no longer rekicked.
    exclude(dir, 'dw1', '');
    refresh(dir, 'dw1');
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-in-service');
    expect(flagged(dir, 'dw1', 'rekicked')).toEqual([]);
  });

  it('brings a dead host that was never excluded back in service', () => {
    const dir = init();
    const dead = hdfsGroups(dir, 'dev1')['hdfs-dead']!;
    expect(dead.length).toBe(1);
    ok('rekick', ['--sim', dir, dead[0]!]);
    report(dir, 'dev1');
    expect(statusOf(dir, 'dev1', dead[0]!)).toBe('dead -');
    expect(statusOf(dir, 'dev1', dead[0]!)).toBe('live hdfs-in-service');
    expect(flagged(dir, 'dev1', 'rekicked')).toEqual(dead);
  });

  it('refuses an unknown host and a host already being reimaged', () => {
    const dir = init();
    const r = sim('rekick', ['--sim', dir, 'dw9-dn001.demo.example.com']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown host "dw9-dn001\.demo\.example\.com"/);
    expect(sim('rekick', ['--sim', dir, 'dw1-dn121']).code).toBe(1);
    expect(sim('rekick', ['--sim', dir, 'dw1-dn008']).code).toBe(0); // a short name is completed
    const again = sim('rekick', ['--sim', dir, fq('dw1-dn008')]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already running/);
  });
});

describe('healthcheck', () => {
  it('exits 0 for a healthy host, 1 with the reason for a failing one, 255 like ssh for an unreachable one', () => {
    const dir = init();
    const inv = [...inventory(dir).values()].filter((r) => r['cluster'] === 'dw1' && r['role'] === 'hadoop-worker');
    const unhealthy = yarnGroups(dir, 'dw1')['yarn-unhealthy']![0]!;
    const deadHosts = hdfsGroups(dir, 'dw1')['hdfs-dead']!;
    const healthy = inv.find((r) => r['responsive'] === 'yes' && r['puppet_ok'] === 'yes' && r['hostname'] !== unhealthy)!['hostname']!;
    const puppet = inv.find((r) => r['responsive'] === 'yes' && r['puppet_ok'] === 'no')!['hostname']!;
    const dead = deadHosts[0]!;
    const unresponsive = inv.find((r) => r['responsive'] === 'no' && !deadHosts.includes(r['hostname']!))!['hostname']!;

    expect(sim('healthcheck', ['--sim', dir, healthy])).toEqual({ code: 0, out: 'OK\n', err: '' });
    const p = sim('healthcheck', ['--sim', dir, puppet]);
    expect([p.code, p.out]).toEqual([1, expect.stringMatching(/^FAILED: puppet/)]);
    const u = sim('healthcheck', ['--sim', dir, unhealthy]);
    expect([u.code, u.out]).toEqual([1, expect.stringMatching(/^FAILED: nodemanager/)]);
    for (const h of [dead, unresponsive]) {
      const r = sim('healthcheck', ['--sim', dir, h]);
      expect(r.code).toBe(255);
      expect(r.out).toBe('');
      expect(r.err).toBe(`ssh: connect to host ${h} port 22: Connection timed out\n`);
    }
    expect(sim('healthcheck', ['--sim', dir, 'nosuch.example.com']).code).toBe(255);
    expect(sim('healthcheck', ['--sim', dir, fq('dw1-nn1')]).code).toBe(0);
  });
});

describe('fault knobs', () => {
  it('kill: the DataNode goes dead, its NodeManager LOST, it stops answering; blocks go under-replicated', () => {
    const dir = init();
    const host = fq('dw1-dn030');
    ok('sim', ['fault', '--sim', dir, 'kill', host]);
    const text = report(dir, 'dw1');
    const r = parseDfsadminReport(text, 'dw1', RULE);
    expect(r.groups.get('hdfs-dead')).toContain(host);
    expect(Number(r.tables.get('hdfs-health.tsv')!.rows[0]!['under_replicated'])).toBeGreaterThan(0);
    expect(yarnGroups(dir, 'dw1')['yarn-lost']).toContain(host);
    expect(sim('healthcheck', ['--sim', dir, host]).code).toBe(255);
    expect(inventory(dir).get(host)).toMatchObject({ responsive: 'no', puppet_ok: 'no' });
    ok('sim', ['fault', '--sim', dir, 'clear', host]);
    expect(statusOf(dir, 'dw1', host)).toBe('live hdfs-in-service');
  });

  it('missing-blocks, corrupt-blocks and under-replicated set the report\'s counters', () => {
    const dir = init();
    ok('sim', ['fault', '--sim', dir, 'missing-blocks', 'dw1', '17']);
    ok('sim', ['fault', '--sim', dir, 'corrupt-blocks', 'dw1', '4']);
    ok('sim', ['fault', '--sim', dir, 'under-replicated', 'dw1', '2500']);
    const row = parseDfsadminReport(report(dir, 'dw1'), 'dw1', RULE).tables.get('hdfs-health.tsv')!.rows[0]!;
    expect(row).toMatchObject({ missing: '17', corrupt: '4', under_replicated: '2500' });
    ok('sim', ['fault', '--sim', dir, 'clear']);
    const after = parseDfsadminReport(report(dir, 'dw1'), 'dw1', RULE).tables.get('hdfs-health.tsv')!.rows[0]!;
    expect(after).toMatchObject({ missing: '0', corrupt: '0', under_replicated: '0', dead: '0' });
  });

  it('unresponsive, puppet-fail, unhealthy, hands-off show in the inventory and YARN', () => {
    const dir = init();
    ok('sim', ['fault', '--sim', dir, 'unresponsive', fq('dev1-dn001')]);
    ok('sim', ['fault', '--sim', dir, 'puppet-fail', fq('dev1-dn002')]);
    ok('sim', ['fault', '--sim', dir, 'unhealthy', fq('dev1-dn003')]);
    ok('sim', ['fault', '--sim', dir, 'hands-off', fq('dev1-dn004'), 'OPS-77']);
    const inv = inventory(dir);
    expect(inv.get(fq('dev1-dn001'))).toMatchObject({ responsive: 'no', puppet_ok: 'yes' });
    expect(inv.get(fq('dev1-dn002'))).toMatchObject({ responsive: 'yes', puppet_ok: 'no' });
    expect(inv.get(fq('dev1-dn004'))).toMatchObject({ hadoop_exclude: 'yes', ticket: 'OPS-77' });
    expect(yarnGroups(dir, 'dev1')['yarn-unhealthy']).toEqual([fq('dev1-dn003')]);
    ok('sim', ['fault', '--sim', dir, 'release', fq('dev1-dn004')]);
    expect(inventory(dir).get(fq('dev1-dn004'))).toMatchObject({ hadoop_exclude: 'no', ticket: '' });
  });

  it('hang: the next hdfs call sleeps until killed, then the following one answers', async () => {
    const dir = init();
    ok('sim', ['fault', '--sim', dir, 'hang', 'hdfs', 'dw1']);
    // Another cluster's call is not the one that hangs.
    expect(sim('hdfs', ['--config', conf(dir, 'dev1'), 'dfsadmin', '-report']).code).toBe(0);
    const child = spawn(path.join(SIM_BIN, 'hdfs'), ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report'], { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 1500))]);
    expect(early).toBe('still running');
    child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The knob is spent, and the hung call held no lock.
    expect(fs.existsSync(path.join(dir, 'clusters', 'dw1', 'lock'))).toBe(false);
    expect(parseDfsadminReport(report(dir, 'dw1'), 'dw1', RULE).groups.get('hdfs-live')!.length).toBeGreaterThan(100);
  }, 20_000);

  it('hang inventory, then fail and truncate: the failure is an error, the cut report is refused by the parser', async () => {
    const dir = init();
    ok('sim', ['fault', '--sim', dir, 'hang', 'inventory']);
    const child = spawn(path.join(SIM_BIN, 'inventory'), ['--sim', dir], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 800))])).toBe('still running');
    child.kill('SIGTERM');
    await exited;
    expect(inventory(dir).size).toBe(210);

    ok('sim', ['fault', '--sim', dir, 'fail', 'hdfs']);
    const f = sim('hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report']);
    expect(f.code).toBe(255);
    expect(f.err).toMatch(/Connection refused/);
    ok('sim', ['fault', '--sim', dir, 'truncate', 'hdfs', 'dw1']);
    const cut = report(dir, 'dw1');
    expect(() => parseDfsadminReport(cut, 'dw1', RULE)).toThrow(SourceError);
    ok('sim', ['fault', '--sim', dir, 'truncate', 'yarn', 'dw1']);
    expect(() => parseYarnNodeList(nodes(dir, 'dw1'), RULE)).toThrow(SourceError);
    expect(() => parseYarnNodeList(nodes(dir, 'dw1'), RULE)).not.toThrow();
  }, 20_000);

  it('a cluster whose NameNodes are both down refuses the report like the real client', () => {
    const dir = init();
    ok('sim', ['fault', '--sim', dir, 'kill', fq('dev1-nn1')]);
    expect(sim('hdfs', ['--config', conf(dir, 'dev1'), 'dfsadmin', '-report']).code).toBe(0);
    ok('sim', ['fault', '--sim', dir, 'kill', fq('dev1-nn2')]);
    const r = sim('hdfs', ['--config', conf(dir, 'dev1'), 'dfsadmin', '-report']);
    expect(r.code).toBe(255);
    expect(r.err).toMatch(/report: Call From .* failed on connection exception/);
  });

  it('rejects unknown knobs and hosts with usage', () => {
    const dir = init();
    expect(sim('sim', ['fault', '--sim', dir, 'melt', 'dw1']).code).toBe(2);
    expect(sim('sim', ['fault', '--sim', dir, 'kill', 'nosuch']).code).toBe(1);
    expect(sim('sim', ['fault', '--sim', dir, 'missing-blocks', 'dw1', 'many']).code).toBe(2);
  });
});

describe('concurrency', () => {
  it('concurrent reports, refreshes, kills and rekicks on one cluster leave whole, consistent state', async () => {
    const dir = init();
    exclude(dir, 'dw1', `${fq('dw1-dn040')}\n`);
    const calls: Array<[string, string[]]> = [];
    const reports = 12;
    for (let i = 0; i < reports; i++) calls.push(['hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report']]);
    for (let i = 0; i < 4; i++) calls.push(['hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-refreshNodes']]);
    for (let i = 41; i <= 48; i++) calls.push(['sim', ['fault', '--sim', dir, 'kill', fq(`dw1-dn${i.toString().padStart(3, '0')}`)]]);
    for (let i = 51; i <= 54; i++) calls.push(['rekick', ['--sim', dir, fq(`dw1-dn0${i}`)]]);
    for (let i = 0; i < 6; i++) calls.push(['yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-all']], ['inventory', ['--sim', dir]]);
    const results = await Promise.all(
      calls.map(
        ([tool, args]) =>
          new Promise<{ code: number | null; out: string; tool: string }>((resolve) => {
            const child = spawn(path.join(SIM_BIN, tool), args);
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.on('exit', (code) => resolve({ code, out, tool }));
          }),
      ),
    );
    for (const r of results) expect(r.code, `${r.tool}`).toBe(0);
    for (const r of results.filter((x) => x.tool === 'hdfs' && x.out.startsWith('Configured'))) {
      expect(() => parseDfsadminReport(r.out, 'dw1', RULE)).not.toThrow();
    }
    for (const r of results.filter((x) => x.tool === 'yarn')) expect(() => parseYarnNodeList(r.out, RULE)).not.toThrow();
    const st = stateOf(dir, 'dw1');
    expect(st.tick).toBe(reports);
    for (let i = 41; i <= 48; i++) expect(st.hosts[`dw1-dn0${i}`]).toHaveProperty('dead');
    expect(st.hosts['dw1-dn040']).toHaveProperty('dx');
    const rekicked = [51, 52, 53, 54].map((i) => st.hosts[`dw1-dn0${i}`]!);
    for (const h of rekicked) expect('rk' in h || 'rkn' in h).toBe(true); // a later refresh may have returned it
    expect(fs.readdirSync(path.join(dir, 'clusters', 'dw1')).sort()).toEqual(['conf', 'state.json']);
  }, 60_000);
});

describe('size', () => {
  it('handles 2,500-host clusters', () => {
    const dir = init('5', ['--clusters', 'big1:2500,big2:2500']);
    const text = report(dir, 'big1');
    const g = groupsOf(parseDfsadminReport(text, 'big1', RULE));
    expect(g['hdfs-live']!.length + g['hdfs-dead']!.length).toBe(2500);
    expect(groupsOf(parseYarnNodeList(nodes(dir, 'big2'), RULE))['yarn-running']!.length).toBeGreaterThan(2400);
  });
});
