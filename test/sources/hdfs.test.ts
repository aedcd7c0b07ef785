import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rejected, thrown } from '../support/thrown.js';
import { cluster, configErrorOf, configureSource } from '../support/config.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatacenterConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import { listParts, rebuildGroup, rebuildTable, replacePart, TableUnionError } from '../../src/store/parts.js';
import {
  HDFS_DATANODES_COLUMNS,
  HDFS_DATANODES_TABLE,
  HDFS_GROUPS,
  HDFS_HEALTH_COLUMNS,
  jmxQueryUrls,
  parseDfsadminReport,
  parseNameNodeJmx,
  source,
  type HdfsConfig,
} from '../../src/sources/hdfs.js';
import { COMMON_KEYS, SourceError, type SourceContext, type SourceResult } from '../../src/sources/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/', import.meta.url));
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as unknown;

const RULE = { domain: 'prod.example.com' };
const fq = (...short: string[]) => short.map((s) => `${s}.prod.example.com`);

/** The imaginary `prod` cluster as every HDFS fixture describes it (fixtures/formats/README.md). */
const PROD_GROUPS: Record<string, string[]> = {
  'hdfs-live': fq('dn01', 'dn02', 'dn03', 'dn04', 'dn05'),
  'hdfs-in-service': fq('dn01', 'dn02'),
  'hdfs-decommissioning': fq('dn03'),
  'hdfs-decommissioned': fq('dn05'),
  'hdfs-maintenance': fq('dn04', 'dn07'),
  'hdfs-dead': fq('dn06', 'dn07', 'dn08'),
  'hdfs-entering-maintenance': fq('dn04'),
  'hdfs-in-maintenance': fq('dn07'),
};
/** Each DataNode's admin state as hdfs-datanodes.tsv spells it; dead ones keep theirs. */
const PROD_STATUS: Record<string, string> = {
  dn01: 'normal',
  dn02: 'normal',
  dn03: 'decommissioning',
  dn04: 'entering-maintenance',
  dn05: 'decommissioned',
  dn06: 'normal',
  dn07: 'in-maintenance',
  dn08: 'normal',
};
const PROD_HEALTH = { cluster: 'prod', missing: '1', under_replicated: '1843', corrupt: '2', live: '5', dead: '3', decommissioning: '1' };

function groupsOf(r: SourceResult): Record<string, string[]> {
  return Object.fromEntries(r.groups);
}

function healthOf(r: SourceResult): Record<string, string> {
  const t = r.tables.get('hdfs-health.tsv');
  expect(t?.columns).toEqual(['cluster', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning']);
  expect(t?.rows).toHaveLength(1);
  return t!.rows[0]!;
}

/** hdfs-datanodes.tsv of a result, as `host → [cluster, status, upgrade_domain]`, in the order given. */
function dataNodesOf(r: SourceResult): Record<string, string[]> {
  const t = r.tables.get(HDFS_DATANODES_TABLE);
  expect(t?.columns).toEqual(['host', 'cluster', 'status', 'upgrade_domain']);
  return Object.fromEntries(t!.rows.map((row) => [row['host']!, [row['cluster']!, row['status']!, row['upgrade_domain']!]]));
}

/** The prod table with the given upgrade domains (short host → domain), none for the others. */
function prodDataNodes(domains: Record<string, string>, cluster = 'prod'): Record<string, string[]> {
  return Object.fromEntries(Object.entries(PROD_STATUS).map(([h, st]) => [`${h}.prod.example.com`, [cluster, st, domains[h] ?? '']]));
}

function expectProd(r: SourceResult): void {
  expect([...r.groups.keys()]).toEqual([...HDFS_GROUPS]);
  expect(groupsOf(r)).toEqual(PROD_GROUPS);
  expect(healthOf(r)).toEqual(PROD_HEALTH);
  expect([...r.tables.keys()]).toEqual(['hdfs-health.tsv', HDFS_DATANODES_TABLE]);
  expect(Object.fromEntries(Object.entries(dataNodesOf(r)).map(([h, [, st]]) => [h, st]))).toEqual(
    Object.fromEntries(Object.entries(PROD_STATUS).map(([h, st]) => [`${h}.prod.example.com`, st])),
  );
  expect(r.rejected).toEqual([]);
  expect(r.notes).toEqual(['live 5 dead 3 decommissioning 1']);
}

const errorOf = (f: () => unknown): SourceError => thrown(SourceError, f);
const pullError = (p: Promise<unknown>): Promise<SourceError> => rejected(SourceError, p);

/** 1-based number of the first line that starts with `prefix`. */
function lineOf(text: string, prefix: string, from = 0): number {
  const i = text.split('\n').findIndex((l, n) => n >= from && l.startsWith(prefix));
  if (i < 0) throw new Error(`no line starting with ${prefix}`);
  return i + 1;
}

/** The text up to (not including) the first line starting with `prefix` after line `from`. */
function cutBefore(text: string, prefix: string, from = 0): string {
  return text.split('\n').slice(0, lineOf(text, prefix, from) - 1).join('\n') + '\n';
}

// --- a Hadoop 2 report, built from parts ------------------------------------------------------

const HADOOP2_HEADER = `Configured Capacity: 3000 (2.93 KB)
Present Capacity: 2900 (2.83 KB)
DFS Remaining: 1500 (1.46 KB)
DFS Used: 1400 (1.37 KB)
DFS Used%: 48.28%
Under replicated blocks: 7
Blocks with corrupt replicas: 3
Missing blocks: 0
Missing blocks (with replication factor 1): 5

-------------------------------------------------
`;

function node(name: string, hostname: string | null, status: string, upgradeDomain?: string): string {
  return [
    `Name: ${name}`,
    ...(hostname === null ? [] : [`Hostname: ${hostname}`]),
    ...(upgradeDomain === undefined ? [] : [`Upgrade domain: ${upgradeDomain}`]),
    `Decommission Status : ${status}`,
    'Configured Capacity: 1000 (1000 B)',
    'DFS Used: 400 (400 B)',
    'Non DFS Used: 100 (100 B)',
    'DFS Remaining: 500 (500 B)',
    'DFS Used%: 40.00%',
    'DFS Remaining%: 50.00%',
    'Configured Cache Capacity: 0 (0 B)',
    'Cache Used: 0 (0 B)',
    'Cache Remaining: 0 (0 B)',
    'Cache Used%: 100.00%',
    'Cache Remaining%: 0.00%',
    'Xceivers: 3',
    'Last contact: Fri Apr 12 09:41:06 UTC 2024',
    '',
    '',
  ].join('\n');
}

function section(title: string, ...nodes: string[]): string {
  return `${title} datanodes (${nodes.length}):\n\n${nodes.join('\n')}\n`;
}

describe('parseDfsadminReport', () => {
  it('reads the Hadoop 3 sample: the prod cluster', () => {
    expectProd(parseDfsadminReport(fixture('dfsadmin-report.txt'), 'prod', RULE));
  });

  it('skips log4j, WARNING and safe-mode lines before the report', () => {
    const noise =
      'WARNING: HADOOP_PREFIX has been replaced by HADOOP_HOME. Using value of HADOOP_PREFIX.\n' +
      '2024-04-12 09:41:07,114 WARN util.NativeCodeLoader: Unable to load native-hadoop library for your platform\n' +
      'Safe mode is ON\n';
    expectProd(parseDfsadminReport(noise + fixture('dfsadmin-report.txt'), 'prod', RULE));
  });

  it('reads CRLF line endings', () => {
    expectProd(parseDfsadminReport(fixture('dfsadmin-report.txt').replace(/\n/g, '\r\n'), 'prod', RULE));
  });

  it('reads the Hadoop 2 flat header; a node in Dead and Decommissioning is in both groups', () => {
    const text =
      HADOOP2_HEADER +
      section(
        'Live',
        node('10.20.1.11:50010 (dn01.prod.example.com)', 'DN01', 'Normal'),
        node('10.20.1.12:50010 (dn02.prod.example.com)', 'dn02.PROD.example.com', 'Decommissioned'),
      ) +
      section('Dead', node('10.20.1.13:50010 (dn03.prod.example.com)', 'dn03', 'Decommission in progress')) +
      section('Decommissioning', node('10.20.1.13:50010 (dn03.prod.example.com)', 'dn03', 'Decommission in progress'));
    const r = parseDfsadminReport(text, 'dw1', RULE);
    expect(groupsOf(r)).toEqual({
      'hdfs-live': fq('dn01', 'dn02'),
      'hdfs-in-service': fq('dn01'),
      'hdfs-decommissioning': fq('dn03'),
      'hdfs-decommissioned': fq('dn02'),
      'hdfs-maintenance': [],
      'hdfs-dead': fq('dn03'),
      'hdfs-entering-maintenance': [],
      'hdfs-in-maintenance': [],
    });
    // "Missing blocks (with replication factor 1): 5" is not "Missing blocks:".
    expect(healthOf(r)).toEqual({ cluster: 'dw1', missing: '0', under_replicated: '7', corrupt: '3', live: '2', dead: '1', decommissioning: '1' });
    expect(r.notes).toEqual(['live 2 dead 1 decommissioning 1']);
  });

  it('takes the host from Hostname:, else from the reverse DNS of Name:, and rejects what is no host name', () => {
    const text =
      HADOOP2_HEADER +
      section(
        'Live',
        node('10.20.1.11:50010 (10.20.1.11)', 'dn01', 'Normal'), // Hostname wins over the IP
        node('10.20.1.12:50010 (DN02.prod.example.com)', null, 'Normal'), // no Hostname: the reverse DNS
        node('10.20.1.13:50010 (10.20.1.13)', null, 'Normal'), // no Hostname, reverse DNS is the IP
        node('10.20.1.14:50010', null, 'Normal'), // no Hostname, no reverse DNS
        node('10.20.1.15:50010 (dn05.prod.example.com)', '10.20.1.15', 'Normal'), // registered by IP
        node('10.20.1.16:50010 (dn06.prod.example.com)', 'f3b9c0e1_container', 'Normal'), // a container id
      );
    const r = parseDfsadminReport(text, 'prod', RULE);
    expect(r.groups.get('hdfs-live')).toEqual(fq('dn01', 'dn02'));
    expect(r.groups.get('hdfs-in-service')).toEqual(fq('dn01', 'dn02'));
    expect(r.rejected).toEqual([
      { raw: '10.20.1.13 (no Hostname: line; reverse DNS in "Name: 10.20.1.13:50010 (10.20.1.13)")', reason: 'an IP address, not a host name' },
      { raw: '10.20.1.14:50010', reason: 'no Hostname: line, and Name: holds no host name' },
      { raw: '10.20.1.15 (Hostname of DataNode 10.20.1.15:50010)', reason: 'an IP address, not a host name' },
      { raw: 'f3b9c0e1_container (Hostname of DataNode 10.20.1.16:50010)', reason: expect.stringContaining('not a host name') },
    ]);
    expect(healthOf(r).live).toBe('2');
  });

  it('rejects a node listed in two sections once', () => {
    const text =
      HADOOP2_HEADER +
      section('Live', node('10.20.1.11:50010 (dn01.prod.example.com)', 'dn01', 'Normal'), node('10.20.1.12:50010', 'bad_name', 'Decommission in progress')) +
      section('Decommissioning', node('10.20.1.12:50010', 'bad_name', 'Decommission in progress'));
    const r = parseDfsadminReport(text, 'prod', RULE);
    expect(r.rejected.map((x) => x.raw)).toEqual(['bad_name (Hostname of DataNode 10.20.1.12:50010)']);
    expect(r.groups.get('hdfs-decommissioning')).toEqual([]);
  });

  it('without a domain, short names are rejected and only FQDNs stay', () => {
    const r = parseDfsadminReport(
      HADOOP2_HEADER + section('Live', node('10.20.1.11:50010', 'dn01', 'Normal'), node('10.20.1.12:50010', 'dn02.prod.example.com', 'Normal')),
      'prod',
      { domain: null },
    );
    expect(r.groups.get('hdfs-live')).toEqual(fq('dn02'));
    expect(r.rejected).toEqual([{ raw: 'dn01 (Hostname of DataNode 10.20.1.11:50010)', reason: expect.stringContaining('short name') }]);
  });

  describe('Hadoop 2.0–2.4: uncounted sections checked against "Datanodes available:"', () => {
    const v22 = fixture('dfsadmin-report-hadoop2.2.txt');
    const totals = (l: number, t: number, d: number) => `Datanodes available: ${l} (${t} total, ${d} dead)\n\n`;
    const uncounted = (title: string, ...nodes: string[]) => `${title} datanodes:\n${nodes.join('')}`;
    const live1 = node('10.20.1.11:50010 (dn01.prod.example.com)', 'dn01', 'Normal');
    const live2 = node('10.20.1.12:50010 (dn02.prod.example.com)', 'dn02', 'Decommission in progress');
    const dead1 = node('10.20.1.16:50010 (dn06.prod.example.com)', 'dn06', 'Normal');
    const HEADER22 = HADOOP2_HEADER.replace('Missing blocks (with replication factor 1): 5\n', '');

    it('reads the Hadoop 2.2 sample: prod without its maintenance nodes', () => {
      const r = parseDfsadminReport(v22, 'prod', RULE);
      expect(groupsOf(r)).toEqual({
        'hdfs-live': fq('dn01', 'dn02', 'dn03', 'dn05'),
        'hdfs-in-service': fq('dn01', 'dn02'),
        'hdfs-decommissioning': fq('dn03'),
        'hdfs-decommissioned': fq('dn05'),
        'hdfs-maintenance': [],
        'hdfs-dead': fq('dn06', 'dn08'),
        'hdfs-entering-maintenance': [],
        'hdfs-in-maintenance': [],
      });
      expect(healthOf(r)).toEqual({ ...PROD_HEALTH, live: '4', dead: '2' });
      expect(r.rejected).toEqual([]);
    });

    it('reads a captured CDH 5.0.1 (Hadoop 2.3) report as it was printed: two live DataNodes, no dead list', () => {
      const r = parseDfsadminReport(fixture('dfsadmin-report-cdh5.0.1.txt'), 'lab', RULE);
      expect(groupsOf(r)).toEqual({
        'hdfs-live': fq('suse', 'taurus'),
        'hdfs-in-service': fq('suse', 'taurus'),
        'hdfs-decommissioning': [],
        'hdfs-decommissioned': [],
        'hdfs-maintenance': [],
        'hdfs-dead': [],
        'hdfs-entering-maintenance': [],
        'hdfs-in-maintenance': [],
      });
      expect(healthOf(r)).toMatchObject({ cluster: 'lab', missing: '0', under_replicated: '0', corrupt: '0', live: '2', dead: '0' });
      expect(r.rejected).toEqual([]);
      // One node block fewer than "Datanodes available:" says is a cut report, as for the hand-written sample.
      const cut = fixture('dfsadmin-report-cdh5.0.1.txt').split('\n\n\nName: 10.144.245.204')[0]! + '\n';
      expect(() => parseDfsadminReport(cut, 'lab', RULE)).toThrow(/Datanodes available/);
    });

    const accepted: Array<[name: string, text: string, live: string[], dead: string[]]> = [
      ['live and dead', HEADER22 + totals(2, 3, 1) + uncounted('Live', live1, live2) + uncounted('Dead', dead1), fq('dn01', 'dn02'), fq('dn06')],
      ['no dead list when none is dead', HEADER22 + totals(1, 1, 0) + uncounted('Live', live1), fq('dn01'), []],
      ['no live list when all are dead', HEADER22 + totals(0, 1, 1) + uncounted('Dead', dead1), [], fq('dn06')],
      ['CRLF line endings', (HEADER22 + totals(1, 2, 1) + uncounted('Live', live1) + uncounted('Dead', dead1)).replace(/\n/g, '\r\n'), fq('dn01'), fq('dn06')],
    ];
    it.each(accepted)('accepts %s', (_name, text, live, dead) => {
      const r = parseDfsadminReport(text, 'prod', RULE);
      expect(r.groups.get('hdfs-live')).toEqual(live);
      expect(r.groups.get('hdfs-dead')).toEqual(dead);
    });

    const refused: Array<[name: string, text: string, message: string]> = [
      ['a title without count and no totals line', HEADER22 + uncounted('Live', live1), '"Live datanodes:" has no "(N)" count, and no "Datanodes available: L (T total, D dead)" line'],
      ['fewer live blocks than the totals', HEADER22 + totals(2, 2, 0) + uncounted('Live', live1), 'announces 2 live DataNodes but the "Live datanodes:" list holds 1'],
      ['more live blocks than the totals', HEADER22 + totals(1, 1, 0) + uncounted('Live', live1, live2), 'announces 1 live DataNodes but the "Live datanodes:" list holds 2'],
      ['a dead list cut off', HEADER22 + totals(1, 2, 1) + uncounted('Live', live1), 'announces 1 dead DataNodes but the "Dead datanodes:" list holds 0'],
      ['totals that do not add up', HEADER22 + totals(1, 3, 1) + uncounted('Live', live1) + uncounted('Dead', dead1), '1 live and 1 dead do not make 3'],
      ['a counted section after the totals line', HEADER22 + totals(1, 1, 0) + section('Live', live1), 'line 13: "Live datanodes (1):" has a count, but line 11 is the "Datanodes available:" line'],
      ['a node block before any section', HEADER22 + totals(1, 1, 0) + live1, 'a DataNode block outside any'],
      ['the sample cut inside the dead list', cutBefore(v22, 'Name: 10.20.1.18'), 'announces 2 dead DataNodes but the "Dead datanodes:" list holds 1'],
      ['the sample cut before the dead list', cutBefore(v22, 'Dead datanodes:'), 'announces 2 dead DataNodes but the "Dead datanodes:" list holds 0'],
    ];
    it.each(refused)('refuses %s', (_name, text, message) => {
      const e = errorOf(() => parseDfsadminReport(text, 'prod', RULE));
      expect(e.message).toContain(message);
      expect(e.message).toContain('run it again');
    });
  });

  describe('refuses', () => {
    const full = fixture('dfsadmin-report.txt');

    it('a report cut off inside a node block (no Decommission Status)', () => {
      const start = lineOf(full, 'Name: 10.20.1.18');
      const cut = full.split('\n').slice(0, start + 1).join('\n') + '\n'; // Name: and Hostname: only
      const e = errorOf(() => parseDfsadminReport(cut, 'prod', RULE));
      expect(e.message).toContain(`line ${start}:`);
      expect(e.message).toContain('"Name: 10.20.1.18:9866 (dn08.prod.example.com)" ends without a "Decommission Status :" line');
      expect(e.message).toContain('cut off');
      expect(e.message).toContain('run it again');
    });

    it('a report cut off between node blocks (fewer nodes than the section announces)', () => {
      const cut = cutBefore(full, 'Name: 10.20.1.17');
      const e = errorOf(() => parseDfsadminReport(cut, 'prod', RULE));
      expect(e.message).toContain(`line ${lineOf(full, 'Dead datanodes (3):')}: "Dead datanodes (3):" announces 3 DataNodes but 1 follows`);
    });

    it('more nodes than the section announces', () => {
      const text = full.replace('Live datanodes (5):', 'Live datanodes (4):');
      expect(errorOf(() => parseDfsadminReport(text, 'prod', RULE)).message).toContain('announces 4 DataNodes but 5 follow');
    });

    it('a report cut off in the middle of a status line', () => {
      const at = lineOf(full, 'Decommission Status : Decommission in progress', lineOf(full, 'Decommissioning datanodes'));
      const cut = full.split('\n').slice(0, at - 1).join('\n') + '\nDecommission Status : Decommission in pro';
      const e = errorOf(() => parseDfsadminReport(cut, 'prod', RULE));
      expect(e.message).toContain(`line ${at}: unknown "Decommission Status : Decommission in pro"`);
    });

    it('text that is not a dfsadmin report', () => {
      const e = errorOf(() =>
        parseDfsadminReport('report: Access denied for user alice. Superuser privilege is required\n', 'prod', RULE),
      );
      expect(e.message).toContain('not an "hdfs dfsadmin -report": no "Configured Capacity:" line');
    });

    it('empty output', () => {
      expect(errorOf(() => parseDfsadminReport('', 'prod', RULE)).message).toContain('no "Configured Capacity:" line');
    });

    it('a report without its header', () => {
      const text = full.split('\n').slice(lineOf(full, 'Live datanodes') - 1).join('\n');
      const e = errorOf(() => parseDfsadminReport(text, 'prod', RULE));
      expect(e.message).toContain('line 1: a DataNode section comes before the report\'s "Configured Capacity:" header');
    });

    it('a report with no nodes at all', () => {
      const e = errorOf(() => parseDfsadminReport(cutBefore(full, 'Live datanodes'), 'prod', RULE));
      expect(e.message).toContain('the report lists no DataNodes');
    });

    it('a header without a block counter', () => {
      const text = full.replace('\tMissing blocks: 1\n', '');
      expect(errorOf(() => parseDfsadminReport(text, 'prod', RULE)).message).toContain('no "Missing blocks:" line');
    });

    it('a report whose nodes all lack a usable name', () => {
      const e = errorOf(() => parseDfsadminReport(HADOOP2_HEADER + section('Live', node('10.20.1.11:50010', null, 'Normal')), 'prod', RULE));
      expect(e.message).toContain('none of the 1 DataNodes has a usable host name, e.g. "10.20.1.11:50010"');
    });
  });
});

// --- JMX ----------------------------------------------------------------------------------------

type Bean = Record<string, unknown>;
const NNINFO = 'Hadoop:service=NameNode,name=NameNodeInfo';

/** The one-document sample with NameNodeInfo changed by `edit`. */
function jmxWith(edit: (info: Bean) => void): unknown {
  const doc = json('namenode-jmx.json') as { beans: Bean[] };
  edit(doc.beans.find((b) => b['name'] === NNINFO)!);
  return doc;
}

describe('parseNameNodeJmx', () => {
  it('reads the full /jmx sample: the same prod cluster as the dfsadmin report', () => {
    expectProd(parseNameNodeJmx([json('namenode-jmx.json')], 'prod', RULE));
  });

  it('reads the answers of two queries (NameNodeInfo, FSNamesystem)', () => {
    expectProd(parseNameNodeJmx([json('namenode-jmx-nninfo.json'), json('namenode-jmx-fsnamesystem.json')], 'prod', RULE));
  });

  it('finds beans by name, not position', () => {
    const doc = json('namenode-jmx.json') as { beans: Bean[] };
    doc.beans.reverse();
    expectProd(parseNameNodeJmx([json('namenode-jmx-fsnamesystemstate.json'), doc], 'prod', RULE));
  });

  it('takes the block counts from the fallbacks (NumberOfMissingBlocks, LowRedundancyBlocks)', () => {
    const fsns = json('namenode-jmx-fsnamesystem.json') as { beans: Bean[] };
    delete fsns.beans[0]!['MissingBlocks'];
    delete fsns.beans[0]!['UnderReplicatedBlocks'];
    fsns.beans[0]!['LowRedundancyBlocks'] = 77;
    const r = parseNameNodeJmx([json('namenode-jmx-nninfo.json'), fsns], 'prod', RULE);
    expect(healthOf(r)).toEqual({ ...PROD_HEALTH, under_replicated: '77' });
  });

  it('canonicalises short and upper-case keys, rejects IP keys, and reads Hadoop 2 node lists', () => {
    const doc = jmxWith((info) => {
      info['LiveNodes'] = JSON.stringify({
        'DN01:50010': { adminState: 'In Service' },
        'dn02.PROD.example.com:50010': { adminState: 'Decommission In Progress' },
        '10.20.1.19:50010': { adminState: 'In Service' },
      });
      // Old NameNodes: dead entries without adminState, and no EnteringMaintenanceNodes.
      info['DeadNodes'] = JSON.stringify({ 'dn03:50010': { lastContact: 9, decommissioned: true }, 'dn04:50010': { lastContact: 9, decommissioned: false } });
      info['DecomNodes'] = JSON.stringify({ 'dn02.prod.example.com:50010': { underReplicatedBlocks: 3 }, '10.20.1.19:50010': {} });
      delete info['EnteringMaintenanceNodes'];
    });
    const r = parseNameNodeJmx([doc], 'prod', RULE);
    expect(groupsOf(r)).toEqual({
      'hdfs-live': fq('dn01', 'dn02'),
      'hdfs-in-service': fq('dn01'),
      'hdfs-decommissioning': fq('dn02'),
      'hdfs-decommissioned': fq('dn03'),
      'hdfs-maintenance': [],
      'hdfs-dead': fq('dn03', 'dn04'),
      'hdfs-entering-maintenance': [],
      'hdfs-in-maintenance': [],
    });
    expect(r.rejected).toEqual([{ raw: '10.20.1.19:50010', reason: 'an IP address, not a host name' }]);
    expect(healthOf(r)).toMatchObject({ live: '2', dead: '2', decommissioning: '1' });
  });

  describe('refuses', () => {
    it('a node list that is not valid JSON, naming the attribute', () => {
      const doc = jmxWith((info) => {
        info['LiveNodes'] = (info['LiveNodes'] as string).slice(0, 200);
      });
      const e = errorOf(() => parseNameNodeJmx([doc], 'prod', RULE));
      expect(e.message).toContain('NameNodeInfo.LiveNodes is not valid JSON');
    });

    it('a node list that is JSON but not an object', () => {
      const doc = jmxWith((info) => {
        info['DeadNodes'] = '[]';
      });
      expect(errorOf(() => parseNameNodeJmx([doc], 'prod', RULE)).message).toContain('NameNodeInfo.DeadNodes: expected a JSON object');
    });

    it('an unknown adminState', () => {
      const doc = jmxWith((info) => {
        info['LiveNodes'] = JSON.stringify({ 'dn01:9866': { adminState: 'Quarantined' } });
      });
      expect(errorOf(() => parseNameNodeJmx([doc], 'prod', RULE)).message).toContain(
        'NameNodeInfo.LiveNodes["dn01:9866"]: unknown adminState "Quarantined"',
      );
    });

    it('no DataNodes at all', () => {
      const doc = jmxWith((info) => {
        info['LiveNodes'] = '{}';
        info['DeadNodes'] = '{}';
        info['DecomNodes'] = '{}';
        info['EnteringMaintenanceNodes'] = '{}';
      });
      expect(errorOf(() => parseNameNodeJmx([doc], 'prod', RULE)).message).toContain('NameNodeInfo lists no DataNodes');
    });

    it('an answer without LiveNodes', () => {
      const doc = jmxWith((info) => {
        delete info['LiveNodes'];
      });
      expect(errorOf(() => parseNameNodeJmx([doc], 'prod', RULE)).message).toContain('NameNodeInfo.LiveNodes is missing');
    });

    it('no NameNodeInfo bean', () => {
      const e = errorOf(() => parseNameNodeJmx([json('namenode-jmx-fsnamesystem.json')], 'prod', RULE));
      expect(e.message).toContain(`no bean "${NNINFO}"`);
    });

    it('a count it cannot find, rather than reading it as zero', () => {
      const e = errorOf(() => parseNameNodeJmx([json('namenode-jmx-nninfo.json'), json('namenode-jmx-fsnamesystemstate.json')], 'prod', RULE));
      expect(e.message).toContain('no corrupt-block count: none of FSNamesystem.CorruptBlocks is in the JMX answer');
    });

    it('a count that is not a number', () => {
      const fsns = json('namenode-jmx-fsnamesystem.json') as { beans: Bean[] };
      fsns.beans[0]!['MissingBlocks'] = 'one';
      const e = errorOf(() => parseNameNodeJmx([json('namenode-jmx-nninfo.json'), fsns], 'prod', RULE));
      expect(e.message).toContain('FSNamesystem.MissingBlocks: expected a count, found "one"');
    });

    it('a document that is not a /jmx answer', () => {
      expect(errorOf(() => parseNameNodeJmx([{ apps: null }], 'prod', RULE)).message).toContain('expected {"beans": [...]}');
    });
  });
});

// --- upgrade domains, the two maintenance groups, hdfs-datanodes.tsv ------------------------------

describe('upgrade domains and maintenance', () => {
  const full = fixture('dfsadmin-report.txt');

  it('reads Upgrade domain: from the Hadoop 3 sample, and tells entering from in maintenance', () => {
    const r = parseDfsadminReport(full, 'prod', RULE);
    expect(dataNodesOf(r)).toEqual(prodDataNodes({ dn01: 'ud0', dn02: 'ud1' }));
    expect(r.groups.get('hdfs-entering-maintenance')).toEqual(fq('dn04'));
    expect(r.groups.get('hdfs-in-maintenance')).toEqual(fq('dn07'));
    expect(r.groups.get('hdfs-maintenance')).toEqual(fq('dn04', 'dn07'));
  });

  it('without Upgrade domain: lines, every other output is the same and the domains are empty', () => {
    const plain = full.replace(/^Upgrade domain: .*\n/gm, '');
    expect(plain).not.toContain('Upgrade domain');
    const a = parseDfsadminReport(full, 'prod', RULE);
    const b = parseDfsadminReport(plain, 'prod', RULE);
    expect(groupsOf(b)).toEqual(groupsOf(a));
    expect(b.tables.get('hdfs-health.tsv')).toEqual(a.tables.get('hdfs-health.tsv'));
    expect(b.notes).toEqual(a.notes);
    expect(dataNodesOf(b)).toEqual(prodDataNodes({}));
  });

  it('reads both maintenance sections, live and dead, one table row per host however often it is listed', () => {
    const a = node('10.20.1.11:9866 (dn01.prod.example.com)', 'dn01.prod.example.com', 'Normal', 'ud-a');
    const b = node('10.20.1.12:9866 (dn02.prod.example.com)', 'dn02.prod.example.com', 'Entering maintenance', 'ud-b');
    const c = node('10.20.1.13:9866 (dn03.prod.example.com)', 'dn03.prod.example.com', 'In maintenance');
    const d = node('10.20.1.14:9866 (dn04.prod.example.com)', 'dn04', 'In maintenance', 'ud-b');
    const e = node('10.20.1.15:9866 (dn05.prod.example.com)', 'dn05', 'Decommissioned', 'ud-a');
    const text =
      HADOOP2_HEADER +
      section('Live', a, b, c) +
      section('Dead', d, e) +
      section('Entering maintenance', b) +
      section('In maintenance', c, d);
    const r = parseDfsadminReport(text, 'dw1', RULE);
    expect(groupsOf(r)).toEqual({
      'hdfs-live': fq('dn01', 'dn02', 'dn03'),
      'hdfs-in-service': fq('dn01'),
      'hdfs-decommissioning': [],
      'hdfs-decommissioned': fq('dn05'),
      'hdfs-maintenance': fq('dn02', 'dn03', 'dn04'),
      'hdfs-dead': fq('dn04', 'dn05'),
      'hdfs-entering-maintenance': fq('dn02'),
      'hdfs-in-maintenance': fq('dn03', 'dn04'),
    });
    const t = r.tables.get(HDFS_DATANODES_TABLE)!;
    expect(t.rows).toHaveLength(5);
    expect(dataNodesOf(r)).toEqual({
      'dn01.prod.example.com': ['dw1', 'normal', 'ud-a'],
      'dn02.prod.example.com': ['dw1', 'entering-maintenance', 'ud-b'],
      'dn03.prod.example.com': ['dw1', 'in-maintenance', ''],
      'dn04.prod.example.com': ['dw1', 'in-maintenance', 'ud-b'],
      'dn05.prod.example.com': ['dw1', 'decommissioned', 'ud-a'],
    });
    // The health row and the pull line are as before: maintenance is not counted there.
    expect(healthOf(r)).toMatchObject({ live: '3', dead: '2', decommissioning: '0' });
    expect(r.notes).toEqual(['live 3 dead 2 decommissioning 0']);
  });

  it('a host listed live and dead (re-registered on another port) takes its row from the live entry', () => {
    const text =
      HADOOP2_HEADER +
      section('Live', node('10.20.1.11:9866 (dn01.prod.example.com)', 'dn01', 'Normal', 'ud0')) +
      section('Dead', node('10.20.1.11:50010 (dn01.prod.example.com)', 'dn01', 'Decommissioned'));
    const r = parseDfsadminReport(text, 'prod', RULE);
    expect(r.groups.get('hdfs-live')).toEqual(fq('dn01'));
    expect(r.groups.get('hdfs-dead')).toEqual(fq('dn01'));
    expect(dataNodesOf(r)).toEqual({ 'dn01.prod.example.com': ['prod', 'normal', 'ud0'] });
  });

  it('refuses an upgrade domain that would break the table (a tab), naming the line', () => {
    const text = full.replace('Upgrade domain: ud1', 'Upgrade domain: ud\t1');
    const e = errorOf(() => parseDfsadminReport(text, 'prod', RULE));
    expect(e.message).toContain(`line ${lineOf(full, 'Upgrade domain: ud1')}: upgrade domain "ud\\t1" holds a tab or line break`);
  });

  /** Sets `upgradeDomain` on some entries of a NameNodeInfo node list (a JSON string in a JSON string). */
  function withDomains(info: Bean, attr: string, domains: Record<string, unknown>): void {
    const list = JSON.parse(info[attr] as string) as Record<string, Record<string, unknown>>;
    for (const [key, ud] of Object.entries(domains)) list[key]!['upgradeDomain'] = ud;
    info[attr] = JSON.stringify(list);
  }

  it('reads upgradeDomain from the JMX LiveNodes and DeadNodes entries', () => {
    const doc = jmxWith((info) => {
      withDomains(info, 'LiveNodes', { 'dn01.prod.example.com:9866': 'ud0', 'dn04.prod.example.com:9866': 'ud1' });
      withDomains(info, 'DeadNodes', { 'dn07.prod.example.com:9866': 'ud2', 'dn08.prod.example.com:9866': null });
    });
    const r = parseNameNodeJmx([doc], 'prod', RULE);
    expectProd(r);
    // dn04 is also in EnteringMaintenanceNodes, whose entries carry no domain: its LiveNodes entry tells it.
    expect(dataNodesOf(r)).toEqual(prodDataNodes({ dn01: 'ud0', dn04: 'ud1', dn07: 'ud2' }));
  });

  it('JMX without upgradeDomain keys: the same groups, and no domains', () => {
    const r = parseNameNodeJmx([json('namenode-jmx.json')], 'prod', RULE);
    expect(dataNodesOf(r)).toEqual(prodDataNodes({}));
  });

  it('refuses a JMX upgradeDomain that is not a string', () => {
    const doc = jmxWith((info) => withDomains(info, 'LiveNodes', { 'dn02.prod.example.com:9866': 7 }));
    expect(errorOf(() => parseNameNodeJmx([doc], 'prod', RULE)).message).toContain(
      'NameNodeInfo.LiveNodes["dn02.prod.example.com:9866"]: upgradeDomain is 7, expected a string',
    );
  });
});

describe('hdfs-datanodes.tsv across two hdfs sources', () => {
  let day: string;
  const TIME = '2026-11-21T10:00:00.000Z';
  const report = fixture('dfsadmin-report.txt');
  const betaReport = report.replaceAll('.prod.example.com', '.beta.example.com');
  const part = (source: string, r: SourceResult) => replacePart(day, source, { groups: r.groups, tables: r.tables }, TIME, true);
  const table = () => fs.readFileSync(path.join(day, HDFS_DATANODES_TABLE), 'utf8');

  beforeAll(() => {
    day = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-hdfs-day-'));
    fs.mkdirSync(path.join(day, '.meta'));
  });
  afterAll(() => fs.rmSync(day, { recursive: true, force: true }));

  it('is the union of the clusters\' rows, sorted by host, like the shared groups', () => {
    part('hdfs-a', parseDfsadminReport(report, 'prod', RULE));
    part('hdfs-b', parseDfsadminReport(betaReport, 'beta', { domain: 'beta.example.com' }));
    const parts = listParts(day);
    const meta = rebuildTable(day, HDFS_DATANODES_TABLE, parts);
    rebuildGroup(day, 'hdfs-in-maintenance', parts);
    const lines = table().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(HDFS_DATANODES_COLUMNS.join('\t'));
    const rows = lines.slice(1);
    expect(rows).toHaveLength(16);
    const keys = rows.map((l) => l.split('\t')[0]!);
    expect(keys).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(new Set(keys).size).toBe(16);
    expect(rows).toContain('dn01.beta.example.com\tbeta\tnormal\tud0');
    expect(rows).toContain('dn01.prod.example.com\tprod\tnormal\tud0');
    expect(rows).toContain('dn07.beta.example.com\tbeta\tin-maintenance\t');
    expect(rows).toContain('dn04.prod.example.com\tprod\tentering-maintenance\t');
    expect(meta).toMatchObject({ kind: 'source', source: 'hdfs-a hdfs-b', count: 16 });
    expect(fs.readFileSync(path.join(day, 'hdfs-in-maintenance'), 'utf8')).toBe('dn07.beta.example.com\ndn07.prod.example.com\n');
  });

  it('refuses two sources that report the same host, naming it and both, and keeps the table as it was', () => {
    const before = table();
    // hdfs-b pointed at prod's NameNode by mistake: every host of prod twice.
    part('hdfs-b', parseDfsadminReport(report, 'beta', RULE));
    const e = thrown(TableUnionError, () => rebuildTable(day, HDFS_DATANODES_TABLE, listParts(day)));
    expect(e.message).toMatch(
      /^hdfs-datanodes\.tsv: host "dn01\.prod\.example\.com" comes from both hdfs-a and hdfs-b \(and 7 more: "dn02\.prod\.example\.com", "dn03\.prod\.example\.com", "dn04\.prod\.example\.com", …\); each host may come from one source only/,
    );
    expect(table()).toBe(before);
  });
});

// --- the source: configure ------------------------------------------------------------------------

const DC: DatacenterConfig = {
  name: 'dc1',
  clusters: new Map([
    ['prod', cluster({ name: 'prod', namenodes: ['nn1.prod.example.com'], resourcemanagers: [], headnodes: [] })],
    ['dw1', cluster({ name: 'dw1', namenodes: [], resourcemanagers: [], headnodes: [] })],
  ]),
  sources: new Map(),
  exec: null,
  kerberos: null,
};

const WHERE = 'datacenters.dc1.sources.hdfs-prod';

function configure(text: string): HdfsConfig {
  return configureSource(source, text, WHERE, DC);
}

function configError(text: string): ConfigError {
  return configErrorOf(() => configure(text));
}

describe('hdfs configure', () => {
  it('takes a command, a file (relative to the config) or a JMX URL', () => {
    const c = configure('type: hdfs\ncluster: prod\nreport: { command: [hdfs, dfsadmin, -report] }\n');
    expect(c.report).toEqual({ kind: 'command', argv: ['hdfs', 'dfsadmin', '-report'] });
    expect(c.cluster.name).toBe('prod');
    expect(source.clusterOf!(c)).toBe(DC.clusters.get('prod'));
    expect(configure('type: hdfs\ncluster: dw1\nreport: { file: ./report.txt }\n').report).toEqual({
      kind: 'file',
      path: '/etc/breakfix/report.txt',
    });
    expect(configure('type: hdfs\ncluster: prod\nreport:\n  jmx: "http://nn1:9870/jmx"\n').report).toEqual({
      kind: 'http',
      key: 'jmx',
      url: 'http://nn1:9870/jmx',
    });
  });

  it('refuses a cluster the datacenter does not have, naming the line', () => {
    const e = configError('type: hdfs\ncluster: dw2\nreport: { file: ./r.txt }\n');
    expect(e.message).toBe(
      `/etc/breakfix/breakfix.yaml:2: ${WHERE}.cluster: unknown cluster "dw2"; datacenter dc1 has prod, dw1 ` +
        '(define it under datacenters.dc1.clusters)',
    );
  });

  it('refuses a missing cluster or report', () => {
    expect(configError('type: hdfs\nreport: { file: ./r.txt }\n').message).toContain(`breakfix.yaml:1: ${WHERE}: missing "cluster"`);
    expect(configError('type: hdfs\ncluster: prod\n').message).toContain(`breakfix.yaml:1: ${WHERE}: missing "report"`);
    expect(configError('type: hdfs\ncluster: prod\nreport:\n').message).toContain('missing "report"');
  });

  it('refuses a report with two inputs, an unknown key, an empty command or a bad URL', () => {
    expect(configError('type: hdfs\ncluster: prod\nreport: { file: ./r.txt, jmx: "http://nn1:9870/jmx" }\n').message).toContain(
      `breakfix.yaml:3: ${WHERE}.report: expected exactly one of command, file, jmx; found file, jmx`,
    );
    expect(configError('type: hdfs\ncluster: prod\nreport:\n  rest: http://x/\n').message).toContain(
      `breakfix.yaml:4: ${WHERE}.report.rest: unknown key; expected one of: command, file, jmx`,
    );
    expect(configError('type: hdfs\ncluster: prod\nreport: { command: [] }\n').message).toContain('the command is empty');
    expect(configError('type: hdfs\ncluster: prod\nreport: { jmx: "nn1:9870/jmx" }\n').message).toContain(
      'expected an http:// or https:// URL',
    );
    expect(configError('type: hdfs\ncluster: [prod]\nreport: { file: ./r.txt }\n').message).toContain(`breakfix.yaml:2: ${WHERE}.cluster: expected a single value`);
  });
});

// --- the source: pull ---------------------------------------------------------------------------

let tmp: string;

function ctx(timeoutMs = 10_000): SourceContext {
  return { name: 'hdfs-prod', dc: DC, hostRule: RULE, configDir: tmp, env: process.env, signal: AbortSignal.timeout(timeoutMs), timeoutMs, dayDir: tmp, passLabel: 'test' };
}

const config = (report: HdfsConfig['report']): HdfsConfig => ({ cluster: DC.clusters.get('prod')!, namespace: null, report });

/** An executable shell script in the temp dir. */
function script(name: string, body: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-hdfs-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('hdfs pull from a file or a command', () => {
  it('reads a saved report, and a saved JMX answer', async () => {
    expectProd(await source.pull(config({ kind: 'file', path: path.join(FIXTURES, 'dfsadmin-report.txt') }), ctx()));
    expectProd(await source.pull(config({ kind: 'file', path: path.join(FIXTURES, 'namenode-jmx.json') }), ctx()));
  });

  it('names the file of a broken report', async () => {
    const f = path.join(tmp, 'empty-report.txt');
    fs.writeFileSync(f, 'Configured Capacity: 0 (0 B)\nMissing blocks: 0\n');
    const e = await pullError(source.pull(config({ kind: 'file', path: f }), ctx()));
    expect(e.message).toMatch(new RegExp(`^file ${f}: `));
    const missing = await pullError(source.pull(config({ kind: 'file', path: path.join(tmp, 'nope.txt') }), ctx()));
    expect(missing.message).toContain('no such file');
  });

  it('runs the command and parses what it prints', async () => {
    const cmd = script('report-ok', `cat '${path.join(FIXTURES, 'dfsadmin-report.txt')}'`);
    expectProd(await source.pull(config({ kind: 'command', argv: [cmd, '-report'] }), ctx()));
  });

  it('fails on a non-zero exit, naming the command and carrying its stderr', async () => {
    const cmd = script('report-fail', 'echo "report: Call From host to nn1:8020 failed on connection exception" >&2\nexit 1');
    const e = await pullError(source.pull(config({ kind: 'command', argv: [cmd, '-report'] }), ctx()));
    expect(e.message).toContain(`command ${cmd} -report exited 1`);
    expect(e.message).toContain('failed on connection exception');
  });

  it('kills a command that runs past the timeout', async () => {
    const pidFile = path.join(tmp, 'hang.pid');
    const cmd = script('report-hang', `echo $$ > '${pidFile}'\nexec sleep 30`);
    const t0 = Date.now();
    const e = await pullError(source.pull(config({ kind: 'command', argv: [cmd] }), ctx(800)));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.message).toContain(`command ${cmd} timed out`);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(); // gone
  });

  it('fails on a command that prints something else, naming the command', async () => {
    const cmd = script('report-garbage', 'echo "Usage: hdfs [OPTIONS] SUBCOMMAND"');
    const e = await pullError(source.pull(config({ kind: 'command', argv: [cmd] }), ctx()));
    expect(e.message).toMatch(new RegExp(`^command ${cmd}: not an "hdfs dfsadmin -report"`));
  });
});

// --- the source: pull from JMX over HTTP ---------------------------------------------------------

describe('hdfs pull from the NameNode JMX', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  const brokenLive = JSON.stringify(
    jmxWith((info) => {
      info['LiveNodes'] = '{"dn01.prod.example.com:9866":{"adminState":"In Serv';
    }),
  );

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url!);
      const u = new URL(req.url!, 'http://x');
      const qry = u.searchParams.get('qry');
      const send = (status: number, body: string, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      const answer = (nninfo: string) => {
        if (qry === NNINFO) send(200, nninfo);
        else if (qry === 'Hadoop:service=NameNode,name=FSNamesystem') send(200, fixture('namenode-jmx-fsnamesystem.json'));
        else send(200, '{"beans":[]}');
      };
      switch (u.pathname) {
        case '/ok/jmx':
          return answer(fixture('namenode-jmx-nninfo.json'));
        case '/broken-live/jmx':
          return answer(brokenLive);
        case '/empty/jmx':
          return send(200, '{\n  "beans" : [ ]\n}');
        case '/error/jmx':
          return send(500, '<html><body><h2>HTTP ERROR 500 java.lang.NullPointerException</h2></body></html>', 'text/html');
        case '/html/jmx':
          return send(200, '<html><head><title>Login</title></head></html>', 'text/html');
        case '/hang/jmx':
          return; // never answers
        default:
          return send(404, 'not found', 'text/plain');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const jmx = (p: string): HdfsConfig => config({ kind: 'http', key: 'jmx', url: `${base}${p}` });

  it('queries NameNodeInfo and FSNamesystem, URL-encoded, and reads the prod cluster', async () => {
    seen.length = 0;
    expectProd(await source.pull(jmx('/ok/jmx'), ctx()));
    expect(seen.sort()).toEqual([
      '/ok/jmx?qry=Hadoop%3Aservice%3DNameNode%2Cname%3DFSNamesystem',
      '/ok/jmx?qry=Hadoop%3Aservice%3DNameNode%2Cname%3DNameNodeInfo',
    ]);
    expect(jmxQueryUrls('http://nn1:9870/jmx?qry=old')).toEqual([
      'http://nn1:9870/jmx?qry=Hadoop%3Aservice%3DNameNode%2Cname%3DNameNodeInfo',
      'http://nn1:9870/jmx?qry=Hadoop%3Aservice%3DNameNode%2Cname%3DFSNamesystem',
    ]);
  });

  it('says so when the NameNodeInfo query returns no beans', async () => {
    const e = await pullError(source.pull(jmx('/empty/jmx'), ctx()));
    expect(e.message).toContain(`GET ${base}/empty/jmx?qry=Hadoop%3Aservice%3DNameNode%2Cname%3DNameNodeInfo: the NameNode returned no beans`);
  });

  it('fails on an HTTP error with the URL and status', async () => {
    const e = await pullError(source.pull(jmx('/error/jmx'), ctx()));
    expect(e.message).toContain(`GET ${base}/error/jmx?qry=`);
    expect(e.message).toContain('HTTP 500');
    expect(e.message).toContain('NullPointerException');
  });

  it('fails on a body that is not JSON', async () => {
    const e = await pullError(source.pull(jmx('/html/jmx'), ctx()));
    expect(e.message).toContain(`GET ${base}/html/jmx?qry=`);
    expect(e.message).toContain('not valid JSON');
  });

  it('fails on a LiveNodes that is not valid JSON, naming the NameNode and the attribute', async () => {
    const e = await pullError(source.pull(jmx('/broken-live/jmx'), ctx()));
    expect(e.message).toContain(`NameNode JMX ${base}/broken-live/jmx: NameNodeInfo.LiveNodes is not valid JSON`);
  });

  it('gives up at the timeout', async () => {
    const t0 = Date.now();
    const e = await pullError(source.pull(jmx('/hang/jmx'), ctx(500)));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.message).toContain('timed out after 0.5s');
  });

  it('fails when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await pullError(source.pull(config({ kind: 'http', key: 'jmx', url: `http://127.0.0.1:${port}/jmx` }), ctx()));
    expect(e.message).toContain('ECONNREFUSED');
  });
});

it('pins the health columns', () => {
  expect(HDFS_HEALTH_COLUMNS).toEqual(['cluster', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning']);
});
