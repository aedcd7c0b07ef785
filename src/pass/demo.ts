import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { packageRoot, shippedPolicyDir } from './policy-files.js';

/** The simulated datacenter's executables, shipped in fixtures/sim/bin. */
export function simBin(): string {
  return path.join(packageRoot(), 'fixtures', 'sim', 'bin');
}

export const DEMO_CLUSTERS: Array<[string, number]> = [
  ['dw1', 120],
  ['dw2', 60],
  ['hb-meta', 8],
  ['dev1', 10],
];
export const DEMO_DOMAIN = 'demo.example.com';
/** The cluster whose NameNodes read a combined hosts file: its reboots go through HDFS maintenance. */
export const DEMO_COMBINED = 'dw1';
/** The cluster where a reboot runs directly (no combined hosts file there). */
export const DEMO_DIRECT = 'dw2';

/** A simulated cluster's Hadoop conf directory (its exclude files; `--config` of its hdfs and yarn). */
function confDir(simDir: string, cluster: string): string {
  return path.join(simDir, 'clusters', cluster, 'conf');
}

function sim(args: string[]): string {
  return execFileSync(path.join(simBin(), args[0]!), args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The demo's policy: the shipped one, copied with its comments, with the
 * commands pointed at the simulator (a deployment changes the same lines).
 */
function writePolicy(dir: string, simDir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const from = shippedPolicyDir();
  fs.copyFileSync(path.join(from, 'groups.yaml'), path.join(dir, 'groups.yaml'));
  const doc = parseDocument(fs.readFileSync(path.join(from, 'policy.yaml'), 'utf8'));
  doc.setIn(['operations', 'rekick', 'run'], doc.createNode([path.join(simBin(), 'rekick'), '--sim', simDir, '{host}'], { flow: true }));
  doc.setIn(['operations', 'rekick', 'on'], `prov1.${DEMO_DOMAIN}`);
  doc.setIn(['operations', 'reboot', 'run'], doc.createNode([path.join(simBin(), 'reboot'), '--sim', simDir, '{host}'], { flow: true }));
  fs.writeFileSync(
    path.join(dir, 'policy.yaml'),
    '# The demo copy of breakfix\'s shipped policy: rekick and reboot call the simulator.\n' + doc.toString(),
  );
}

function q(s: string): string {
  return JSON.stringify(s);
}

/** The config of the demo datacenter: every source is a simulator command, every action runs here. */
function configText(simDir: string, combined: string | null): string {
  const bin = simBin();
  const lines = [
    '# The demo datacenter: breakfix against the simulator in ./sim (no Hadoop runs here).',
    '# Continue it with: breakfix --config THIS_FILE --dc demo loop --apply --every 30s',
    'home: ./home',
    'policy: ./policy',
    `hostnames: { domain: ${DEMO_DOMAIN} }`,
    'datacenters:',
    '  demo:',
    '    clusters:',
  ];
  for (const [c] of DEMO_CLUSTERS) {
    const conf = confDir(simDir, c);
    lines.push(
      `      ${c}:`,
      `        namenodes: [${c}-nn1.${DEMO_DOMAIN}, ${c}-nn2.${DEMO_DOMAIN}]`,
      `        resourcemanagers: [${c}-rm1.${DEMO_DOMAIN}]`,
      `        hdfs_exclude: ${q(path.join(conf, 'dfs.exclude'))}`,
      `        yarn_exclude: ${q(path.join(conf, 'yarn.exclude'))}`,
      `        hdfs_command: [${q(path.join(bin, 'hdfs'))}, --config, ${q(conf)}]`,
      `        yarn_command: [${q(path.join(bin, 'yarn'))}, --config, ${q(conf)}]`,
      '        decommission_timeout: 10m',
    );
    if (c === combined) lines.push(`        hdfs_hosts_json: ${q(path.join(conf, 'dfs.hosts.json'))}   # HDFS maintenance for reboots; upgrade domains`);
  }
  lines.push(
    '    sources:',
    '      inventory:',
    '        type: inventory',
    `        command: [${q(path.join(bin, 'inventory'))}, --sim, ${q(simDir)}]`,
    '        format: csv',
    '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
    '        flags: [hadoop_exclude, responsive, puppet_ok, rekick-in-progress, rekicked]',
    '        timeout: 30s',
  );
  for (const [c] of DEMO_CLUSTERS) {
    const conf = confDir(simDir, c);
    lines.push(
      `      hdfs-${c}:`,
      '        type: hdfs',
      `        cluster: ${c}`,
      `        report: { command: [${q(path.join(bin, 'hdfs'))}, --config, ${q(conf)}, dfsadmin, -report] }`,
      '        timeout: 30s',
      `      yarn-${c}:`,
      '        type: yarn',
      `        cluster: ${c}`,
      `        nodes: { command: [${q(path.join(bin, 'yarn'))}, --config, ${q(conf)}, node, -list, -all] }`,
      '        timeout: 30s',
    );
  }
  lines.push(
    '      # An on-node check, through the exec adapter, of the hosts about to be drained or',
    '      # rebooted. They are suspects, so many of them not answering is expected here; a',
    '      # deployment checks every worker (over: hadoop-workers) and keeps the default 50%,',
    '      # so that a network partition fails the source instead of condemning every host.',
    '      healthcheck:',
    '        type: healthcheck',
    '        over: candidate-drain',
    `        run: [${q(path.join(bin, 'healthcheck'))}, --sim, ${q(simDir)}, "{host}"]`,
    '        max_unreachable_pct: 100',
    '        timeout: 60s',
    '    exec: { adapter: local, concurrency: 16, timeout: 30s, connect_timeout: 5s }',
    '',
  );
  return lines.join('\n');
}

/**
 * Builds the demo datacenter under `dir`: the simulator's state, a config and
 * a policy. A host of dw1 is staged mid-workflow (drained and reimaged, ready
 * to return), so the first passes show every step: drain, rekick and return.
 */
export interface DemoShape {
  /** A cluster whose NameNodes read a combined hosts file (reboots through HDFS maintenance, upgrade domains), or null. */
  combined: string | null;
  /** A cluster where a reboot candidate is staged in a data group already down, or null. */
  direct: string | null;
}

/** What `breakfix demo` builds: both paths of a reboot. Tests may build the plainer datacenter (all null). */
export const DEMO_SHAPE: DemoShape = { combined: DEMO_COMBINED, direct: DEMO_DIRECT };

export function buildDemo(dir: string, seed: string, shape: DemoShape = { combined: null, direct: null }): { config: string; simDir: string; summary: string } {
  fs.mkdirSync(dir, { recursive: true });
  const simDir = path.join(dir, 'sim');
  const summary = sim([
    'sim',
    'init',
    '--sim',
    simDir,
    '--seed',
    seed,
    '--domain',
    DEMO_DOMAIN,
    '--clusters',
    DEMO_CLUSTERS.map(([c, n]) => `${c}:${n}`).join(','),
    ...(shape.combined ? ['--combined', shape.combined] : []),
  ]).trim();
  const staged = `dw1-dn042.${DEMO_DOMAIN}`;
  const conf = confDir(simDir, 'dw1');
  if (shape.combined === 'dw1') {
    // These NameNodes read the combined hosts file, where a drain is adminState DECOMMISSIONED.
    const hostsJson = path.join(conf, 'dfs.hosts.json');
    const entries = JSON.parse(fs.readFileSync(hostsJson, 'utf8')) as Array<Record<string, unknown>>;
    for (const e of entries) if (e.hostName === staged) e.adminState = 'DECOMMISSIONED';
    fs.writeFileSync(hostsJson, `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`);
  } else fs.writeFileSync(path.join(conf, 'dfs.exclude'), `${staged}\n`);
  fs.writeFileSync(path.join(conf, 'yarn.exclude'), `${staged}\n`);
  sim(['hdfs', '--config', conf, 'dfsadmin', '-refreshNodes']);
  sim(['yarn', '--config', conf, 'rmadmin', '-refreshNodes', '-g', '600', '-client']);
  sim(['sim', 'tick', '--sim', simDir, 'dw1', '-n', '3']);
  sim(['rekick', '--sim', simDir, staged]);
  sim(['sim', 'tick', '--sim', simDir, 'dw1', '-n', '3']);
  const direct = shape.direct ? stageDirectReboot(simDir, shape.direct) : null;
  writePolicy(path.join(dir, 'policy'), simDir);
  const config = path.join(dir, 'breakfix.yaml');
  fs.writeFileSync(config, configText(simDir, shape.combined));
  return {
    config,
    simDir,
    summary: `${summary}; ${staged} already drained and reimaged, waiting to be returned${shape.combined ? `; ${shape.combined} reboots go through HDFS maintenance` : ''}${direct ? `; ${direct} has failing Puppet and is rebooted directly` : ''}`,
  };
}

/**
 * A host of `cluster` that the demo reboots directly: Puppet fails on a
 * healthy worker in the data group of a host that is already dead there, so
 * the rule across ops (at most max_down_datagroups groups down) lets it go.
 */
function stageDirectReboot(simDir: string, cluster: string): string | null {
  const state = JSON.parse(fs.readFileSync(path.join(simDir, 'clusters', cluster, 'state.json'), 'utf8')) as { hosts: Record<string, { dead?: number }> };
  // The sim's layout: ten workers a rack, spread over dg1..dg3 in turn (fixtures/sim/README.md).
  const dg = (name: string) => ((Number(/-dn(\d+)$/.exec(name)![1]) - 1) % 10) % 3;
  const dead = Object.keys(state.hosts).filter((h) => state.hosts[h]!.dead !== undefined && /-dn\d+$/.test(h));
  if (dead.length === 0) return null;
  const group = dg(dead.sort()[0]!);
  const workers = (DEMO_CLUSTERS.find(([c]) => c === cluster)?.[1] ?? 0);
  for (let i = workers; i >= 1; i--) {
    const name = `${cluster}-dn${String(i).padStart(3, '0')}`;
    if (state.hosts[name] || dg(name) !== group) continue;
    sim(['sim', 'fault', '--sim', simDir, 'puppet-fail', name]);
    return `${name}.${DEMO_DOMAIN}`;
  }
  return null;
}
