// The healthcheck source end to end: bin/breakfix pulls, the local adapter
// runs the simulator's on-node check (fixtures/sim/bin/healthcheck) once per
// host, and the groups it writes are checked against what the simulator says
// about each host (its inventory's flags and its YARN node list, looked at
// with SIM_PEEK, which moves no clock).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { breakfix, tempDirs } from '../support/cli.js';
import { byteSort, confDir, editConfig, groupLines, inventory, parseYarn, SIM_BIN, simOk, type InvRow } from '../support/simdc.js';

const tmp = tempDirs();
const q = (s: string) => JSON.stringify(s);

interface Lab {
  dir: string;
  simDir: string;
  config: string;
  dcDir: string;
}

/** A small simulated datacenter and a config with its inventory and a healthcheck over every worker. */
function lab(maxUnreachablePct = 10, over = 'role.hadoop-worker'): Lab {
  const dir = tmp('breakfix-hc-');
  const simDir = path.join(dir, 'sim');
  simOk('sim', ['init', '--sim', simDir, '--seed', '3', '--clusters', 'dw1:60,dev1:12']);
  const config = path.join(dir, 'breakfix.yaml');
  fs.writeFileSync(
    config,
    [
      'home: ./home',
      'hostnames: { domain: demo.example.com }',
      'datacenters:',
      '  lab:',
      '    sources:',
      '      inventory:',
      '        type: inventory',
      `        command: [${q(path.join(SIM_BIN, 'inventory'))}, --sim, ${q(simDir)}]`,
      '        format: csv',
      '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
      '        flags: [hadoop_exclude, responsive, puppet_ok, rekick-in-progress, rekicked]',
      '      hc:',
      '        type: healthcheck',
      `        over: ${over}`,
      `        run: [${q(path.join(SIM_BIN, 'healthcheck'))}, --sim, ${q(simDir)}, "{host}"]`,
      `        max_unreachable_pct: ${maxUnreachablePct}`,
      '        timeout: 60s',
      '    exec: { adapter: local, concurrency: 16, timeout: 30s, connect_timeout: 5s }',
      '',
    ].join('\n'),
  );
  return { dir, simDir, config, dcDir: path.join(dir, 'home', 'lab') };
}

const pull = (l: Lab) => breakfix(['--config', l.config, 'pull'], { cwd: l.dir });
const day = (l: Lab) => fs.realpathSync(path.join(l.dcDir, 'today'));
const sim = (l: Lab, ...args: string[]) => simOk('sim', [args[0]!, '--sim', l.simDir, ...args.slice(1)]);

/** What the simulator's check will say of each worker: unreachable when it does not answer, failed for Puppet or an unhealthy NodeManager. */
function expected(l: Lab): { ok: string[]; failed: string[]; unreachable: string[]; workers: InvRow[] } {
  const inv = inventory(l.simDir);
  const yarn = new Map<string, string>();
  for (const c of ['dw1', 'dev1']) for (const [h, s] of parseYarn(simOk('yarn', ['--config', confDir(l.simDir, c), 'node', '-list', '-all']))) yarn.set(h, s);
  const workers = [...inv.values()].filter((r) => r.role === 'hadoop-worker');
  const unreachable = workers.filter((r) => !r.responsive);
  const failed = workers.filter((r) => r.responsive && (!r.puppetOk || yarn.get(r.host) === 'UNHEALTHY'));
  const ok = workers.filter((r) => !unreachable.includes(r) && !failed.includes(r));
  const names = (rs: InvRow[]) => byteSort(rs.map((r) => r.host));
  return { ok: names(ok), failed: names(failed), unreachable: names(unreachable), workers };
}

/** The day's healthcheck groups and their .meta, as bytes. */
function hcFiles(l: Lab): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ['ok', 'failed', 'unreachable']) {
    out[`hc-${s}`] = fs.readFileSync(path.join(day(l), `hc-${s}`), 'latin1');
    out[`.meta/hc-${s}.json`] = fs.readFileSync(path.join(day(l), '.meta', `hc-${s}.json`), 'latin1');
  }
  return out;
}

/** The exec/<pull>/hc/ directories of the day, oldest first. */
function execDirs(l: Lab): string[] {
  const root = path.join(day(l), 'exec');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .sort()
    .map((n) => path.join(root, n, 'hc'))
    .filter((d) => fs.existsSync(d));
}

describe('healthcheck source', () => {
  it('writes <name>-ok, -failed and -unreachable as the simulator says, and keeps each host output under exec/', () => {
    const l = lab();
    // A little more breakage than the seed gave, one of each kind.
    sim(l, 'fault', 'puppet-fail', 'dw1-dn011');
    sim(l, 'fault', 'unhealthy', 'dev1-dn004');
    sim(l, 'fault', 'kill', 'dw1-dn021');
    const want = expected(l);
    expect(want.ok.length).toBeGreaterThan(50);
    expect(want.failed).toEqual(expect.arrayContaining(['dw1-dn011.demo.example.com', 'dev1-dn004.demo.example.com']));
    expect(want.unreachable).toContain('dw1-dn021.demo.example.com');
    expect(want.failed.length).toBeGreaterThanOrEqual(3);
    expect(want.unreachable.length).toBeGreaterThanOrEqual(2);
    expect(want.unreachable.length * 100).toBeLessThanOrEqual(10 * want.workers.length);

    const r = pull(l);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^hc +ok .*ok ${want.ok.length} failed ${want.failed.length} unreachable ${want.unreachable.length}`, 'm'));
    expect(groupLines(path.join(day(l), 'hc-ok'))).toEqual(want.ok);
    expect(groupLines(path.join(day(l), 'hc-failed'))).toEqual(want.failed);
    expect(groupLines(path.join(day(l), 'hc-unreachable'))).toEqual(want.unreachable);
    const meta = JSON.parse(fs.readFileSync(path.join(day(l), '.meta', 'hc-failed.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'source', count: want.failed.length });

    // Each host's output, beside the adapter's own groups.
    const [dir] = execDirs(l);
    expect(dir).toBeDefined();
    for (const h of want.ok) expect(fs.readFileSync(path.join(dir!, `${h}.out`), 'utf8')).toContain('OK');
    expect(fs.readFileSync(path.join(dir!, 'dw1-dn011.demo.example.com.out'), 'utf8')).toContain('FAILED: puppet');
    expect(fs.readFileSync(path.join(dir!, 'dev1-dn004.demo.example.com.out'), 'utf8')).toContain('FAILED: nodemanager');
    for (const h of want.unreachable) expect(fs.readFileSync(path.join(dir!, `${h}.out`), 'utf8')).toContain(`ssh: connect to host ${h} port 22: Connection timed out`);
    expect(groupLines(path.join(dir!, 'exec-unreachable'))).toEqual(want.unreachable);
    expect(groupLines(path.join(dir!, 'exec-ok'))).toEqual(want.ok);
  });

  it('fails when more than max_unreachable_pct are unreachable: groups untouched, pull exits 3', () => {
    const l = lab(10);
    expect(pull(l).code).toBe(0);
    const before = hcFiles(l);
    const want = expected(l);
    // Kill responsive workers until more than 10% do not answer: a partition, not broken hosts.
    const need = Math.floor(want.workers.length / 10) + 1 - want.unreachable.length;
    const victims = want.ok.slice(0, need);
    for (const h of victims) sim(l, 'fault', 'kill', h);
    expect((expected(l).unreachable.length * 100) / want.workers.length).toBeGreaterThan(10);

    const r = pull(l);
    expect(r.code, r.out + r.err).toBe(3);
    expect(r.out).toMatch(new RegExp(`^hc +failed .*hc: ${want.unreachable.length + need} of ${want.workers.length} hosts \\(\\d+%\\) unreachable, more than max_unreachable_pct 10`, 'm'));
    expect(r.out).toMatch(/^inventory +ok /m);
    expect(hcFiles(l)).toEqual(before);
    // The failed attempt's outputs are kept too, in a directory of its own.
    const dirs = execDirs(l);
    expect(dirs.length).toBe(2);
    for (const h of victims) expect(fs.readFileSync(path.join(dirs[1]!, `${h}.out`), 'utf8')).toContain('Connection timed out');

    // A check that cannot reach any host (exit 255 everywhere) fails the same way.
    editConfig(l.config, (doc) =>
      doc.setIn(['datacenters', 'lab', 'sources', 'hc', 'run'], doc.createNode(['sh', '-c', 'echo "ssh: connect to host $1 port 22: No route to host" >&2; exit 255', 'sh', '{host}'], { flow: true })),
    );
    sim(l, 'fault', 'clear');
    const all = pull(l);
    expect(all.code).toBe(3);
    expect(all.out).toMatch(new RegExp(`^hc +failed .*${want.workers.length} of ${want.workers.length} hosts \\(100%\\) unreachable`, 'm'));
    expect(hcFiles(l)).toEqual(before);
  });

  it('over a group that does not exist fails clearly and writes no healthcheck group', () => {
    const l = lab(50, 'no-such-group');
    const r = pull(l);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^hc +failed .*healthcheck over no-such-group: no such group today; pull or derive it first/m);
    expect(r.out).toMatch(/^inventory +ok /m);
    for (const s of ['ok', 'failed', 'unreachable']) expect(fs.existsSync(path.join(day(l), `hc-${s}`))).toBe(false);
    expect(execDirs(l)).toEqual([]);
  });
});
