// HDFS federation end to end: bin/breakfix against a simulated cluster with
// two namespaces over the same DataNodes (fixtures/sim, `--federated`), ns2
// slower to finish a decommission than ns1. What the tests expect is worked
// out from what each namespace's report said to breakfix (each source's
// output is kept beside it), with the simulator's own small readers.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/pass/policy-files.js';
import { simulate } from '../../src/pass/simulate.js';
import { breakfix, ROOT, tempDirs, type Result } from '../support/cli.js';
import { confDir, DOMAIN, groupLines, parseReport, readJson, SIM_BIN, simOk, teeSources, type ApplyJson, type HdfsView, type OpenJson } from '../support/simdc.js';

const tmp = tempDirs();
const q = (s: string) => JSON.stringify(s);
const C = 'fed1';

interface Fed {
  dir: string;
  config: string;
  simDir: string;
  tee: string;
  dcDir: string;
}

/** The policy as shipped, its rekick and reboot calling the simulator (as the demo's copy does). */
function writePolicy(dir: string, simDir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'policy', 'groups.yaml'), path.join(dir, 'groups.yaml'));
  const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'policy', 'policy.yaml'), 'utf8'));
  doc.setIn(['operations', 'rekick', 'run'], doc.createNode([path.join(SIM_BIN, 'rekick'), '--sim', simDir, '{host}'], { flow: true }));
  doc.setIn(['operations', 'rekick', 'on'], `prov1.${DOMAIN}`);
  doc.setIn(['operations', 'reboot', 'run'], doc.createNode([path.join(SIM_BIN, 'reboot'), '--sim', simDir, '{host}'], { flow: true }));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), doc.toString());
}

function configText(simDir: string): string {
  const conf = confDir(simDir, C);
  const hdfs = [path.join(SIM_BIN, 'hdfs'), '--config', conf].map(q).join(', ');
  return [
    'home: ./home',
    'policy: ./policy',
    `hostnames: { domain: ${DOMAIN} }`,
    'datacenters:',
    '  demo:',
    '    clusters:',
    `      ${C}:`,
    `        resourcemanagers: [${C}-rm1.${DOMAIN}]`,
    `        yarn_exclude: ${q(path.join(conf, 'yarn.exclude'))}`,
    `        hdfs_command: [${hdfs}]`,
    `        yarn_command: [${[path.join(SIM_BIN, 'yarn'), '--config', conf].map(q).join(', ')}]`,
    '        decommission_timeout: 10m',
    '        namespaces:',
    `          ns1: { namenodes: [${C}-nn1.${DOMAIN}, ${C}-nn2.${DOMAIN}], hdfs_exclude: ${q(path.join(conf, 'ns1', 'dfs.exclude'))} }`,
    `          ns2: { namenodes: [${C}-nn3.${DOMAIN}, ${C}-nn4.${DOMAIN}], hdfs_exclude: ${q(path.join(conf, 'ns2', 'dfs.exclude'))} }`,
    '    sources:',
    '      inventory:',
    '        type: inventory',
    `        command: [${q(path.join(SIM_BIN, 'inventory'))}, --sim, ${q(simDir)}]`,
    '        format: csv',
    '        columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }',
    '        flags: [hadoop_exclude, responsive, puppet_ok, rekick-in-progress, rekicked]',
    `      hdfs-${C}-ns1:`,
    '        type: hdfs',
    `        cluster: ${C}`,
    '        namespace: ns1',
    `        report: { command: [${hdfs}, dfsadmin, -fs, "hdfs://ns1", -report] }`,
    `      hdfs-${C}-ns2:`,
    '        type: hdfs',
    `        cluster: ${C}`,
    '        namespace: ns2',
    `        report: { command: [${hdfs}, dfsadmin, -fs, "hdfs://ns2", -report] }`,
    `      yarn-${C}:`,
    '        type: yarn',
    `        cluster: ${C}`,
    `        nodes: { command: [${[path.join(SIM_BIN, 'yarn'), '--config', conf].map(q).join(', ')}, node, -list, -all] }`,
    '    exec: { adapter: local, concurrency: 8, timeout: 30s, connect_timeout: 5s }',
    '',
  ].join('\n');
}

function federated(seed: string): Fed {
  const dir = tmp('breakfix-fed-');
  const simDir = path.join(dir, 'sim');
  simOk('sim', ['init', '--sim', simDir, '--seed', seed, '--domain', DOMAIN, '--clusters', `${C}:60`, '--federated', C]);
  writePolicy(path.join(dir, 'policy'), simDir);
  const config = path.join(dir, 'breakfix.yaml');
  fs.writeFileSync(config, configText(simDir));
  const tee = path.join(dir, 'tee');
  teeSources(config, tee);
  return { dir, config, simDir, tee, dcDir: path.join(dir, 'home', 'demo') };
}

const run = (f: Fed, args: string[]): Result => breakfix(['--config', f.config, ...args], { cwd: f.dir });
const dayDir = (f: Fed) => fs.realpathSync(path.join(f.dcDir, 'today'));
const openEntries = (f: Fed): OpenJson['entries'] => (fs.existsSync(path.join(f.dcDir, 'open.json')) ? readJson<OpenJson>(path.join(f.dcDir, 'open.json')).entries : []);
const reportOf = (f: Fed, ns: string): HdfsView => parseReport(fs.readFileSync(path.join(f.tee, `hdfs-${C}-${ns}`), 'utf8'));

/** Out of HDFS in one namespace's report: Decommissioned, or dead (its blocks are copied back anyway). */
const outIn = (v: HdfsView, h: string) => v.decommissioned.has(h) || (v.dead.has(h) && !v.live.has(h));

interface PassSeen {
  pass: number;
  out: string;
  ns1: HdfsView;
  ns2: HdfsView;
  open: OpenJson['entries'];
  apply: ApplyJson | null;
}

describe('a federated cluster through loop --apply: drained in both namespaces, rekicked, returned', () => {
  let f: Fed;
  const seen: PassSeen[] = [];

  beforeAll(() => {
    f = federated('5');
    for (let i = 1; i <= 16; i++) {
      const r = run(f, ['loop', '--apply', '--every', '0s', '--max-passes', '1', '--seed', String(i), '--verbose']);
      expect([0, 3], r.out + r.err).toContain(r.code);
      const plans = path.join(dayDir(f), 'plans');
      const pass = Math.max(...fs.readdirSync(plans).map(Number).filter((n) => !Number.isNaN(n)));
      const applyFile = path.join(plans, String(pass), 'apply.json');
      seen.push({ pass, out: r.out, ns1: reportOf(f, 'ns1'), ns2: reportOf(f, 'ns2'), open: openEntries(f), apply: fs.existsSync(applyFile) ? readJson<ApplyJson>(applyFile) : null });
    }
  }, 240_000);

  it('keeps both namespaces apart: their own groups, one health row each, one combined row for the cluster', () => {
    const d = dayDir(f);
    const ns = fs.readFileSync(path.join(d, 'hdfs-namespace-health.tsv'), 'utf8').trimEnd().split('\n');
    expect(ns[0]).toBe('namespace\tmissing\tunder_replicated\tcorrupt\tlive\tdead\tdecommissioning\tblock_pool\tcluster_id');
    expect(ns.slice(1).map((l) => l.split('\t')[0])).toEqual([`${C}/ns1`, `${C}/ns2`]);
    const health = fs.readFileSync(path.join(d, 'hdfs-health.tsv'), 'utf8').trimEnd().split('\n');
    expect(health.slice(1).map((l) => l.split('\t')[0])).toEqual([C]);
    // The cluster's block counters are the namespaces' summed.
    const sum = (col: number) => ns.slice(1).reduce((n, l) => n + Number(l.split('\t')[col]), 0);
    const row = health[1]!.split('\t');
    expect(Number(row[1])).toBe(sum(1));
    expect(Number(row[2])).toBe(sum(2));
    for (const g of ['in-service', 'decommissioning', 'decommissioned', 'live', 'dead']) {
      expect(fs.existsSync(path.join(d, `hdfs-ns1-${g}`)), g).toBe(true);
      expect(fs.existsSync(path.join(d, `hdfs-ns2-${g}`)), g).toBe(true);
    }
  });

  it('drains through both namespaces: every drained host was excluded in each namespace and refreshed there', () => {
    const drained = new Set(seen.flatMap((s) => (s.apply?.outcomes ?? []).filter((o) => o.op === 'drain').flatMap((o) => o.ok)));
    expect(drained.size).toBeGreaterThan(0);
    for (const ns of ['ns1', 'ns2']) {
      const everExcluded = new Set(seen.flatMap((s) => [...s[ns as 'ns1' | 'ns2'].decommissioning, ...s[ns as 'ns1' | 'ns2'].decommissioned]));
      for (const h of drained) expect(everExcluded.has(h), `${h} in ${ns}`).toBe(true);
    }
  });

  it('never releases a host while one namespace still decommissions it: the drain stays open until both say Decommissioned', () => {
    let caught = 0;
    for (const s of seen) {
      for (const e of s.open.filter((x) => x.op === 'drain')) {
        if (s.ns1.decommissioned.has(e.host) && s.ns2.decommissioning.has(e.host)) caught++;
      }
      // A drain that finished this pass: both namespaces' reports of this pass had it out.
      for (const m of s.out.matchAll(/^finished drain (\S+) /gm)) {
        expect(outIn(s.ns1, m[1]!), `${m[1]} in ns1, pass ${s.pass}`).toBe(true);
        expect(outIn(s.ns2, m[1]!), `${m[1]} in ns2, pass ${s.pass}`).toBe(true);
      }
    }
    // The case this is about happened: decommissioned in ns1, still in progress in ns2, and kept.
    expect(caught).toBeGreaterThan(0);
  });

  it('rekicks only hosts that every namespace has let go of, on the reports of that very pass', () => {
    const rekicked = seen.flatMap((s) => (s.apply?.outcomes ?? []).filter((o) => o.op === 'rekick').flatMap((o) => o.acted.map((h) => ({ s, h }))));
    expect(rekicked.length).toBeGreaterThan(0);
    for (const { s, h } of rekicked) {
      expect(outIn(s.ns1, h), `${h} in ns1, pass ${s.pass}`).toBe(true);
      expect(outIn(s.ns2, h), `${h} in ns2, pass ${s.pass}`).toBe(true);
    }
  });

  it('returns a drained and rekicked host to service in both namespaces', () => {
    const drained = new Set(seen.flatMap((s) => (s.apply?.outcomes ?? []).filter((o) => o.op === 'drain').flatMap((o) => o.ok)));
    const returned = seen.flatMap((s) => (s.apply?.outcomes ?? []).filter((o) => o.op === 'return').flatMap((o) => o.ok)).filter((h) => drained.has(h));
    expect(returned.length).toBeGreaterThan(0);
    const h = returned[0]!;
    const finished = seen.find((s) => new RegExp(`^finished return ${h.replace(/\./g, '\\.')} `, 'm').test(s.out));
    expect(finished, `no pass finished the return of ${h}`).toBeDefined();
    expect(finished!.ns1.inService.has(h)).toBe(true);
    expect(finished!.ns2.inService.has(h)).toBe(true);
    for (const ns of ['ns1', 'ns2']) expect(fs.readFileSync(path.join(confDir(f.simDir, C), ns, 'dfs.exclude'), 'utf8')).not.toContain(h);
  });

  it('policy explain names the namespaces of the federated cluster, and of no other', () => {
    const r = run(f, ['policy', 'explain']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.includes('HDFS namespaces'));
    expect(lines).toEqual([`${C}: HDFS namespaces ns1, ns2: a host is out of HDFS only when every namespace says so (hdfs-<ns>-* groups, hdfs-namespace-health.tsv); drains and returns refresh each namespace`]);
  });

  it('every pass of the federated cluster replays byte for byte from its recorded inputs (namespace groups, the combined part, the namespace health)', () => {
    for (const s of seen) {
      const r = run(f, ['replay', '--pass', String(s.pass)]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('byte for byte the same');
    }
    const inputs = JSON.parse(fs.readFileSync(path.join(dayDir(f), 'plans', String(seen[seen.length - 1]!.pass), 'inputs.json'), 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(inputs.inputs)).toEqual(expect.arrayContaining(['day/hdfs-ns1-decommissioning', 'day/hdfs-ns2-decommissioning', 'day/hdfs-namespace-health.tsv']));
  });

  it('simulate over the 16 recorded passes (in several processes on a machine of several cores) gives what one process gives', async () => {
    const r = run(f, ['simulate', '--policy', path.join(f.dir, 'policy'), '--days', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const cli = JSON.parse(r.out) as Record<string, unknown>;
    const one = await simulate({ dcDir: f.dcDir, days: [path.basename(dayDir(f))], policy: loadPolicy(path.join(f.dir, 'policy')) });
    expect(one.passes).toBe(seen.length);
    const { note, from, to, ...rest } = cli;
    expect([typeof note, typeof from, typeof to]).toEqual(['string', 'string', 'string']);
    expect(rest).toEqual(JSON.parse(JSON.stringify(one)));
    // The same policy: every pass would have chosen what it chose.
    expect(one.perPass.every((p) => p.difference === 0)).toBe(true);
  });
});

describe('federated sources: faults and bad config', () => {
  it('a namespace whose source fails refuses the cluster\'s ops (invariant 6), naming that source', () => {
    const f = federated('8');
    expect(run(f, ['pass', '--seed', '1']).code).toBeLessThanOrEqual(3);
    const doc = parseDocument(fs.readFileSync(f.config, 'utf8'));
    doc.setIn(['datacenters', 'demo', 'sources', `hdfs-${C}-ns2`, 'report', 'command'], doc.createNode(['sh', '-c', 'echo "ns2 NameNode down" >&2; exit 255'], { flow: true }));
    fs.writeFileSync(f.config, doc.toString());
    const before = fs.readFileSync(path.join(dayDir(f), 'hdfs-ns2-live'));
    const r = run(f, ['pass', '--seed', '2', '--verbose']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(new RegExp(`hdfs-${C}-ns2 +failed .*ns2 NameNode down`));
    expect(r.out).toMatch(new RegExp(`refused invariant 6 ${C} drain: source hdfs-${C}-ns2 failed this pass`));
    // Nothing of the failed namespace was replaced.
    expect(fs.readFileSync(path.join(dayDir(f), 'hdfs-ns2-live'))).toEqual(before);
  });

  it('refuses a namespace no cluster declares, two sources of one namespace, and a namespace without a source, naming them', () => {
    const f = federated('9');
    const edit = (fn: (s: Record<string, Record<string, unknown>>) => void) => {
      const y = parseYaml(fs.readFileSync(f.config, 'utf8'));
      fn(y.datacenters.demo.sources);
      const file = path.join(f.dir, `edited-${Math.random().toString(36).slice(2)}.yaml`);
      fs.writeFileSync(file, JSON.stringify(y, null, 1));
      return breakfix(['--config', file, 'policy', 'check'], { cwd: f.dir });
    };
    let r = edit((s) => (s[`hdfs-${C}-ns2`]!.namespace = 'ns3'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown namespace "ns3" of cluster fed1; it has ns1, ns2/);
    r = edit((s) => {
      const src = s[`hdfs-${C}-ns2`]! as { namespace: string; report: { command: string[] } };
      src.namespace = 'ns1';
      src.report.command = src.report.command.map((a) => (a === 'hdfs://ns2' ? 'hdfs://ns1' : a));
    });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/namespace ns1 of cluster fed1 is read by both hdfs-fed1-ns1 and hdfs-fed1-ns2/);
    r = edit((s) => delete s[`hdfs-${C}-ns2`]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/:\d+: namespace ns2 of cluster fed1 has no source: add an hdfs source with cluster: fed1 and namespace: ns2/);
    r = edit((s) => delete s[`hdfs-${C}-ns2`]!.namespace);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/cluster fed1 is federated \(namespaces: ns1, ns2\): say which namespace this source reads/);
    r = edit((s) => ((s[`hdfs-${C}-ns2`]!.report as { command: string[] }).command = (s[`hdfs-${C}-ns2`]!.report as { command: string[] }).command.filter((a) => a !== '-fs' && a !== 'hdfs://ns2')));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/reads the default namespace \(fs\.defaultFS\), not ns2: add -fs hdfs:\/\/ns2/);
  });
});

describe('federated sources from NameNode JMX: a host one namespace does not list, and a report from the wrong namespace', () => {
  const FIX = path.join(ROOT, 'fixtures', 'formats', 'namenode-jmx.json');
  const PROD = 'prod.example.com';

  /** The fixture's JMX with another block pool and without dn02 in its live list. */
  function variant(blockPool: string, drop: string | null): string {
    const doc = JSON.parse(fs.readFileSync(FIX, 'utf8')) as { beans: Array<Record<string, unknown>> };
    const info = doc.beans.find((b) => b.name === 'Hadoop:service=NameNode,name=NameNodeInfo')!;
    info.BlockPoolId = blockPool;
    if (drop) {
      const live = JSON.parse(info.LiveNodes as string) as Record<string, unknown>;
      delete live[`${drop}:9866`];
      info.LiveNodes = JSON.stringify(live);
    }
    return JSON.stringify(doc);
  }

  it('keeps the host in the union with the conservative state and says so on the pull line; then refuses a namespace whose block pool changed', () => {
    const dir = tmp('breakfix-fedjmx-');
    fs.writeFileSync(path.join(dir, 'ns1.json'), variant('BP-1-10.20.0.5-1', null));
    fs.writeFileSync(path.join(dir, 'ns2.json'), variant('BP-2-10.20.0.6-2', `dn02.${PROD}`));
    fs.writeFileSync(
      path.join(dir, 'breakfix.yaml'),
      [
        'home: ./home',
        `hostnames: { domain: ${PROD} }`,
        'datacenters:',
        '  dc1:',
        '    clusters:',
        '      prod:',
        '        namespaces:',
        `          ns1: { namenodes: [nn1.${PROD}] }`,
        `          ns2: { namenodes: [nn3.${PROD}] }`,
        '    sources:',
        '      hdfs-ns1: { type: hdfs, cluster: prod, namespace: ns1, report: { file: ./ns1.json } }',
        '      hdfs-ns2: { type: hdfs, cluster: prod, namespace: ns2, report: { file: ./ns2.json } }',
        '',
      ].join('\n'),
    );
    let r = breakfix(['--config', 'breakfix.yaml', 'pull'], { cwd: dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/prod: 1 host\(s\) not listed by every namespace, kept with the conservative state: dn02\.prod\.example\.com \(not in ns2\)/);
    const day = fs.realpathSync(path.join(dir, 'home', 'dc1', 'today'));
    const g = (n: string) => groupLines(path.join(day, n));
    // dn02: in service in ns1, not listed by ns2 → in service (every namespace that lists it), never decommissioned.
    expect(g('hdfs-in-service')).toContain(`dn02.${PROD}`);
    expect(g('hdfs-ns2-live')).not.toContain(`dn02.${PROD}`);
    const nsHealth = fs.readFileSync(path.join(day, 'hdfs-namespace-health.tsv'), 'utf8');
    expect(nsHealth).toContain('prod/ns1\t');
    expect(nsHealth).toContain('\tBP-2-10.20.0.6-2\tCID-7f3c2a8e-5b41-4c0e-9d2a-1e6f0b9c4d21\n');

    // ns2's source now reaches ns1's NameNode: the same block pool as ns1, another than ns2's last pull.
    const before = fs.readFileSync(path.join(day, 'hdfs-ns2-live'));
    fs.writeFileSync(path.join(dir, 'ns2.json'), variant('BP-1-10.20.0.5-1', null));
    r = breakfix(['--config', 'breakfix.yaml', 'pull'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/hdfs-ns2 +failed .*namespace ns2: the block pool is BP-1-10\.20\.0\.5-1, but the last pull of hdfs-ns2 read BP-2-10\.20\.0\.6-2/);
    expect(fs.readFileSync(path.join(day, 'hdfs-ns2-live'))).toEqual(before);
  });
});

describe('a namespace whose refresh failed', () => {
  it('leaves the drain open naming the namespace, retries it each pass, and lets it finish only after', () => {
    const f = federated('5');
    const conf = confDir(f.simDir, C);
    const good = path.join(conf, 'ns2', 'dfs.exclude');
    const setNs2Exclude = (file: string) => {
      const doc = parseDocument(fs.readFileSync(f.config, 'utf8'));
      doc.setIn(['datacenters', 'demo', 'clusters', C, 'namespaces', 'ns2', 'hdfs_exclude'], file);
      fs.writeFileSync(f.config, doc.toString());
    };
    setNs2Exclude(path.join(f.dir, 'no-such-dir', 'dfs.exclude'));
    let r = run(f, ['pass', '--apply', '--seed', '1', '--verbose']);
    expect(r.out).toMatch(new RegExp(`applied ${C}\\.drain in namespace ns1 only: \\d+ host\\(s\\) open; namespace ns2: write .*no-such-dir.*; open until namespace ns2 takes it \\(retried each pass\\)`));
    const drains = openEntries(f).filter((e) => e.op === 'drain') as Array<OpenJson['entries'][number] & { pending?: string[] }>;
    expect(drains.length).toBeGreaterThan(0);
    for (const e of drains) expect(e.pending).toEqual(['ns2']);
    const hosts = drains.map((e) => e.host);
    for (const h of hosts) expect(fs.readFileSync(path.join(conf, 'ns1', 'dfs.exclude'), 'utf8')).toContain(h);
    expect(fs.readFileSync(good, 'utf8')).toBe('');

    // Still failing: retried, still open; ns2 never heard of the drain.
    r = run(f, ['pass', '--apply', '--seed', '2', '--verbose']);
    expect(r.out).toMatch(new RegExp(`retried the drain of ${hosts[0]!.replace(/\./g, '\\.')}.* in ${C} namespace ns2: failed again`));
    for (const h of hosts) expect(reportOf(f, 'ns2').inService.has(h)).toBe(true);

    // Fixed: the next pass writes ns2's file and refreshes it; the entries lose their pending namespace.
    setNs2Exclude(good);
    let finishedAt = 0;
    for (let i = 3; i <= 14 && finishedAt === 0; i++) {
      r = run(f, ['pass', '--apply', '--seed', String(i), '--verbose']);
      if (i === 3) {
        expect(r.out).toMatch(new RegExp(`retried the drain of .* in ${C} namespace ns2: done`));
        for (const h of hosts) expect(fs.readFileSync(good, 'utf8')).toContain(h);
        for (const e of openEntries(f).filter((x) => hosts.includes(x.host) && x.op === 'drain') as Array<{ pending?: string[] }>) expect(e.pending).toBeUndefined();
      }
      const m = new RegExp(`^finished drain ${hosts[0]!.replace(/\./g, '\\.')} `, 'm').exec(r.out);
      if (m) {
        finishedAt = i;
        expect(reportOf(f, 'ns2').decommissioned.has(hosts[0]!)).toBe(true);
        expect(reportOf(f, 'ns1').decommissioned.has(hosts[0]!)).toBe(true);
      }
    }
    expect(finishedAt).toBeGreaterThan(3);
  }, 120_000);
});
