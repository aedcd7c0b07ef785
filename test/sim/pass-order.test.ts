// The reads of one breakfix pass (each cluster's dfsadmin reports, its YARN
// node list, the inventory) run concurrently, so the simulator must answer the
// same whichever of them runs first: the first read of a pass moves a cluster's
// clock, the others read the tick it moved to. These tests run one pass in
// several explicit orders over copies of one datacenter, at a tick where
// reimages, reboots and decommissions are due, and compare every byte.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDirs } from '../support/cli.js';

const SIM_BIN = path.join(ROOT, 'fixtures', 'sim', 'bin');
const tmp = tempDirs();
const fq = (short: string) => `${short}.demo.example.com`;
const conf = (dir: string, c: string) => path.join(dir, 'clusters', c, 'conf');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(tool: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(path.join(SIM_BIN, tool), args, {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    maxBuffer: 1 << 26,
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(tool: string, args: string[], env: Record<string, string> = {}): string {
  const r = run(tool, args, env);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

const PEEK = { SIM_PEEK: '1' };
const CLUSTERS = ['dw1', 'dev1', 'dw3'];

/** One source of a pass: its name and the command breakfix's config would run. */
type Read = [name: string, tool: string, args: string[]];

function passReads(dir: string): Read[] {
  const reads: Read[] = [['inventory', 'inventory', ['--sim', dir]]];
  for (const c of CLUSTERS) {
    if (c === 'dw3') {
      for (const ns of ['ns1', 'ns2']) reads.push([`hdfs-${c}-${ns}`, 'hdfs', ['--config', conf(dir, c), 'dfsadmin', '-fs', `hdfs://${ns}`, '-report']]);
    } else reads.push([`hdfs-${c}`, 'hdfs', ['--config', conf(dir, c), 'dfsadmin', '-report']]);
    reads.push([`yarn-${c}`, 'yarn', ['--config', conf(dir, c), 'node', '-list', '-all']]);
  }
  return reads;
}

/** Runs a pass's reads one after another in the order given (by source name); returns each source's output. */
function passInOrder(dir: string, order: string[]): Map<string, Run> {
  const reads = new Map(passReads(dir).map((r) => [r[0], r]));
  expect([...order].sort()).toEqual([...reads.keys()].sort());
  const out = new Map<string, Run>();
  for (const name of order) {
    const [, tool, args] = reads.get(name)!;
    const r = run(tool, args);
    expect(r.code, `${name}: ${r.err}`).toBe(0);
    out.set(name, r);
  }
  return out;
}

/** Runs a pass's reads all at once, as breakfix does. */
async function passConcurrently(dir: string): Promise<Map<string, Run>> {
  const results = await Promise.all(
    passReads(dir).map(
      ([name, tool, args]) =>
        new Promise<[string, Run]>((resolve) => {
          const child = spawn(path.join(SIM_BIN, tool), args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) => resolve([name, { code, out, err }]));
        }),
    ),
  );
  return new Map(results);
}

function states(dir: string): Record<string, string> {
  return Object.fromEntries(CLUSTERS.map((c) => [c, fs.readFileSync(path.join(dir, 'clusters', c, 'state.json'), 'utf8')]));
}

const tickOf = (dir: string, c: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'clusters', c, 'state.json'), 'utf8')) as { tick: number }).tick;

function copyOf(dir: string): string {
  const to = path.join(tmp('breakfix-sim-order-'), 'dc');
  fs.cpSync(dir, to, { recursive: true });
  return to;
}

/** Outputs with the copy's directory written as DIR, so copies compare. */
function norm(outs: Map<string, Run>, dir: string): Record<string, Run> {
  const d = (s: string) => s.split(dir).join('DIR');
  return Object.fromEntries([...outs].map(([k, r]) => [k, { code: r.code, out: d(r.out), err: d(r.err) }]));
}

function inventoryRow(csv: string, host: string): Record<string, string> {
  const [header, ...rows] = csv.trimEnd().split('\n');
  const row = rows.find((r) => r.startsWith(`${host},`))!;
  const keys = header!.split(',');
  const vals = row.split(',');
  return Object.fromEntries(keys.map((k, i) => [k, vals[i]!]));
}

const yarnState = (list: string, host: string) => list.split('\n').find((l) => l.includes(`${host}:45454`))!.split('\t')[1]!.trim();

/**
 * A datacenter after two passes and some actions, at a tick where the next
 * pass finds, in every cluster, something that changes with that pass's tick:
 * reimages coming back, a reboot ending, a graceful YARN decommission ending,
 * a maintenance expiring.
 */
function datacenter(): string {
  const dir = path.join(tmp('breakfix-sim-order-'), 'dc');
  ok('sim', ['init', '--sim', dir, '--seed', '5', '--clusters', 'dw1:40,dev1:10,dw3:20', '--combined', 'dev1', '--federated', 'dw3']);
  passInOrder(dir, passReads(dir).map((r) => r[0]));
  // Actions of pass 1 (tick 1): reimages back at tick 4, a graceful YARN decommission done at tick 4.
  ok('rekick', ['--sim', dir, fq('dw1-dn011')]);
  ok('rekick', ['--sim', dir, fq('dw3-dn004')]);
  fs.writeFileSync(path.join(conf(dir, 'dw1'), 'yarn.exclude'), `${fq('dw1-dn012')}\n`);
  ok('yarn', ['--config', conf(dir, 'dw1'), 'rmadmin', '-refreshNodes', '-g', '600']);
  // Maintenance of dev1-dn003 expiring at tick 4: 2.5 ticks of wall-clock time left, rounded up.
  const json = path.join(conf(dir, 'dev1'), 'dfs.hosts.json');
  const expire = Date.now() + 2.5 * 600_000;
  fs.writeFileSync(
    json,
    fs.readFileSync(json, 'utf8').replace(`{"hostName": "${fq('dev1-dn003')}", "upgradeDomain": "ud3"}`, `{"hostName": "${fq('dev1-dn003')}", "upgradeDomain": "ud3", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": ${expire}}`),
  );
  ok('hdfs', ['--config', conf(dir, 'dev1'), 'dfsadmin', '-refreshNodes']);
  passInOrder(dir, passReads(dir).map((r) => r[0]).reverse());
  passInOrder(dir, passReads(dir).map((r) => r[0]));
  // Actions of pass 3 (tick 3): a reboot, back at tick 4.
  ok('reboot', ['--sim', dir, fq('dw1-dn013')]);
  for (const c of CLUSTERS) expect(tickOf(dir, c)).toBe(3);
  return dir;
}

describe('the reads of one pass', () => {
  it('answer byte for byte the same whether the YARN lists and the inventory run before or after the reports', async () => {
    const dir = datacenter();
    // A look before the pass: still tick 3, so each of these changes with the pass's tick.
    const inv3 = ok('inventory', ['--sim', dir], PEEK);
    expect(inventoryRow(inv3, fq('dw1-dn011'))).toMatchObject({ 'rekick-in-progress': 'yes', responsive: 'no' });
    expect(inventoryRow(inv3, fq('dw3-dn004'))).toMatchObject({ 'rekick-in-progress': 'yes' });
    expect(inventoryRow(inv3, fq('dw1-dn013'))).toMatchObject({ responsive: 'no' });
    expect(yarnState(ok('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-all'], PEEK), fq('dw1-dn012'))).toBe('DECOMMISSIONING');
    expect(states(dir)).toEqual(states(copyOf(dir))); // the looks moved nothing

    const names = passReads(dir).map((r) => r[0]);
    const readsFirst = [...names.filter((n) => !n.startsWith('hdfs')), ...names.filter((n) => n.startsWith('hdfs'))];
    const reportsFirst = [...names.filter((n) => n.startsWith('hdfs')), ...names.filter((n) => !n.startsWith('hdfs'))];
    const mixed = ['yarn-dw3', 'hdfs-dw3-ns2', 'hdfs-dw1', 'inventory', 'hdfs-dw3-ns1', 'yarn-dw1', 'yarn-dev1', 'hdfs-dev1'];
    const orders = [readsFirst, reportsFirst, mixed, [...mixed].reverse()];
    const outcomes = orders.map((order) => {
      const d = copyOf(dir);
      return { outs: norm(passInOrder(d, order), d), st: states(d), dir: d };
    });
    for (const o of outcomes.slice(1)) {
      expect(o.outs).toEqual(outcomes[0]!.outs);
      expect(o.st).toEqual(outcomes[0]!.st);
    }
    // The same again with the reads concurrent, as breakfix runs them.
    for (let i = 0; i < 3; i++) {
      const d = copyOf(dir);
      const outs = await passConcurrently(d);
      expect(norm(outs, d)).toEqual(outcomes[0]!.outs);
      expect(states(d)).toEqual(outcomes[0]!.st);
    }

    // Every source of the pass read tick 4, where all of it has happened.
    const { outs, dir: d } = outcomes[0]!;
    for (const c of CLUSTERS) expect(tickOf(d, c)).toBe(4);
    const inv = outs['inventory']!.out;
    expect(inventoryRow(inv, fq('dw1-dn011'))).toMatchObject({ 'rekick-in-progress': 'no', rekicked: 'yes', responsive: 'yes' });
    expect(inventoryRow(inv, fq('dw3-dn004'))).toMatchObject({ 'rekick-in-progress': 'no', rekicked: 'yes' });
    expect(inventoryRow(inv, fq('dw1-dn013'))).toMatchObject({ responsive: 'yes' });
    expect(yarnState(outs['yarn-dw1']!.out, fq('dw1-dn011'))).toBe('RUNNING');
    expect(yarnState(outs['yarn-dw1']!.out, fq('dw1-dn012'))).toBe('DECOMMISSIONED');
    expect(yarnState(outs['yarn-dw3']!.out, fq('dw3-dn004'))).toBe('RUNNING');
    expect(outs['yarn-dw1']!.err).toContain('2026-11-21 06:40:00,000'); // tick 4
    const dead = (report: string) => report.split(/^Dead datanodes/m)[1]?.split(/^(?:Decommissioning|Entering maintenance|In maintenance) datanodes/m)[0] ?? '';
    expect(outs['hdfs-dw1']!.out).toContain(fq('dw1-dn011'));
    expect(dead(outs['hdfs-dw1']!.out)).not.toContain(fq('dw1-dn011'));
    for (const r of ['hdfs-dw3-ns1', 'hdfs-dw3-ns2']) expect(dead(outs[r]!.out)).not.toContain(fq('dw3-dn004'));
    expect(outs['hdfs-dev1']!.out).not.toContain('maintenance datanodes');
  }, 60_000);

  it('moves each cluster one tick a pass, in any order, from the first pass and after sim tick', () => {
    const dir = path.join(tmp('breakfix-sim-order-'), 'dc');
    ok('sim', ['init', '--sim', dir, '--seed', '5', '--clusters', 'dw1:40,dev1:10,dw3:20', '--combined', 'dev1', '--federated', 'dw3']);
    const names = passReads(dir).map((r) => r[0]);
    passInOrder(dir, [...names].reverse());
    for (const c of CLUSTERS) expect(tickOf(dir, c)).toBe(1); // the two namespaces' reports of dw3 included
    passInOrder(dir, names);
    for (const c of CLUSTERS) expect(tickOf(dir, c)).toBe(2);
    ok('sim', ['tick', '--sim', dir, 'dw3', '-n', '3']);
    expect(tickOf(dir, 'dw3')).toBe(5);
    passInOrder(dir, ['yarn-dw3', 'hdfs-dw3-ns2', 'inventory', 'hdfs-dw3-ns1', 'hdfs-dw1', 'yarn-dw1', 'yarn-dev1', 'hdfs-dev1']);
    expect(CLUSTERS.map((c) => tickOf(dir, c))).toEqual([3, 3, 6]);
    // Looks (SIM_PEEK) and writes take no part in a pass.
    for (const c of CLUSTERS) ok('yarn', ['--config', conf(dir, c), 'node', '-list', '-all'], PEEK);
    ok('inventory', ['--sim', dir], PEEK);
    ok('hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report'], PEEK);
    ok('rekick', ['--sim', dir, fq('dw1-dn002')]);
    expect(CLUSTERS.map((c) => tickOf(dir, c))).toEqual([3, 3, 6]);
    // A read by a source that has read this tick already is the next pass's.
    ok('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-all']);
    expect(tickOf(dir, 'dw1')).toBe(4);
    ok('hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report']);
    expect(tickOf(dir, 'dw1')).toBe(4);
  });

  it('counts a read that fails or hangs, so the other reads of its pass keep to one tick', async () => {
    const dir = path.join(tmp('breakfix-sim-order-'), 'dc');
    ok('sim', ['init', '--sim', dir, '--seed', '5', '--clusters', 'dw1:40']);
    ok('sim', ['fault', '--sim', dir, 'fail', 'yarn', 'dw1']);
    expect(run('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-all']).code).toBe(255);
    ok('hdfs', ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report']);
    ok('inventory', ['--sim', dir]);
    expect(tickOf(dir, 'dw1')).toBe(1);
    ok('sim', ['fault', '--sim', dir, 'hang', 'hdfs', 'dw1']);
    const child = spawn(path.join(SIM_BIN, 'hdfs'), ['--config', conf(dir, 'dw1'), 'dfsadmin', '-report'], { stdio: 'ignore' });
    try {
      // The hung report counted before it hung: the list that follows reads its tick.
      for (let i = 0; i < 200 && tickOf(dir, 'dw1') < 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(tickOf(dir, 'dw1')).toBe(2);
      ok('yarn', ['--config', conf(dir, 'dw1'), 'node', '-list', '-all']);
      ok('inventory', ['--sim', dir]);
      expect(tickOf(dir, 'dw1')).toBe(2);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
