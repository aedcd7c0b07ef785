// An hdfs source of one namespace of a federated cluster: the config keys,
// and what its result holds (its own groups and tables, no shared ones).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { asNamespaceResult, jmxIds, parseDfsadminReport, parseNameNodeJmx, source } from '../../src/sources/hdfs.js';
import { loadSources } from '../../src/sources/load.js';
import { thrown } from '../support/thrown.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/', import.meta.url));
const RULE = { domain: 'prod.example.com' };

function configFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-ns-'));
  const f = path.join(dir, 'breakfix.yaml');
  fs.writeFileSync(f, text);
  return f;
}

const CLUSTERS = (namespaces: string) => `datacenters:
  dc1:
    clusters:
      dw1:
        hdfs_command: [hdfs, --config, /etc/hadoop/conf]
        hdfs_exclude: /etc/hadoop/conf/dfs.exclude
        namespaces:
${namespaces}
`;

describe('namespaces: in the config', () => {
  it('inherits hdfs_command, hdfs_exclude and hdfs_hosts_json from the cluster unless the namespace says', () => {
    const c = loadConfig(configFile(CLUSTERS('          ns1: { namenodes: [nn1.x.example.com] }\n          ns2: { namenodes: [nn3.x.example.com], hdfs_exclude: /etc/ns2/dfs.exclude }')));
    const ns = c.datacenters.get('dc1')!.clusters.get('dw1')!.namespaces;
    expect(ns.map((n) => [n.name, n.namenodes, n.hdfsCommand, n.hdfsExclude, n.hdfsHostsJson])).toEqual([
      ['ns1', ['nn1.x.example.com'], ['hdfs', '--config', '/etc/hadoop/conf'], '/etc/hadoop/conf/dfs.exclude', null],
      ['ns2', ['nn3.x.example.com'], ['hdfs', '--config', '/etc/hadoop/conf'], '/etc/ns2/dfs.exclude', null],
    ]);
  });

  it('refuses a namespace whose groups would be a pinned group, naming its line', () => {
    const e = thrown(ConfigError, () => loadConfig(configFile(CLUSTERS('          in: { namenodes: [nn1.x.example.com] }'))));
    expect(e.message).toMatch(/breakfix\.yaml:8: namespace "in" of cluster dw1: its group hdfs-in-maintenance would be the pinned group of that name; rename the namespace/);
  });

  it('refuses two namespaces whose groups would collide, and a namespace without namenodes', () => {
    let e = thrown(ConfigError, () => loadConfig(configFile(CLUSTERS('          a: { namenodes: [nn1.x.example.com] }\n          a-in: { namenodes: [nn2.x.example.com] }'))));
    expect(e.message).toMatch(/namespaces "a" and "a-in" would both write the group hdfs-a-in-maintenance/);
    e = thrown(ConfigError, () => loadConfig(configFile(CLUSTERS('          ns1: { hdfs_exclude: /x }'))));
    expect(e.message).toMatch(/namespace ns1 of cluster dw1: missing namenodes/);
  });

  it('gives a namespace source without report: that namespace\'s dfsadmin -report, by its hdfs_command', async () => {
    const f = configFile(
      CLUSTERS('          ns1: { namenodes: [nn1.x.example.com] }') +
        '    sources:\n      hdfs-dw1-ns1: { type: hdfs, cluster: dw1, namespace: ns1 }\n',
    );
    const c = loadConfig(f);
    const [s] = await loadSources(c.datacenters.get('dc1')!, c.dir);
    expect((s!.config as { report: unknown }).report).toEqual({ kind: 'command', argv: ['hdfs', '--config', '/etc/hadoop/conf', 'dfsadmin', '-fs', 'hdfs://ns1', '-report'] });
    expect(source.namespaceOf!(s!.config as never)).toEqual({ cluster: 'dw1', namespace: 'ns1' });
  });

  it('refuses namespace: on a cluster with none', async () => {
    const c = loadConfig(configFile('datacenters:\n  dc1:\n    clusters:\n      dw1: { namenodes: [nn1.x.example.com] }\n    sources:\n      h: { type: hdfs, cluster: dw1, namespace: ns1, report: { file: ./r.txt } }\n'));
    const e = await loadSources(c.datacenters.get('dc1')!, c.dir).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/:6: .*unknown namespace "ns1": cluster dw1 declares no namespaces; add namespaces: \{ ns1: \{ namenodes: \[\.\.\.\] \} \} to it, or remove namespace:/);
  });
});

describe('a namespace source\'s result', () => {
  it('writes its own groups, its DataNodes table and its health row, and nothing shared (dfsadmin: no ids)', () => {
    const r = asNamespaceResult(parseDfsadminReport(fs.readFileSync(path.join(FIXTURES, 'dfsadmin-report.txt'), 'utf8'), 'prod', RULE), 'prod', 'ns2', { blockPool: '', clusterId: '' });
    expect([...r.groups.keys()]).toEqual([
      'hdfs-ns2-live',
      'hdfs-ns2-in-service',
      'hdfs-ns2-decommissioning',
      'hdfs-ns2-decommissioned',
      'hdfs-ns2-maintenance',
      'hdfs-ns2-dead',
      'hdfs-ns2-entering-maintenance',
      'hdfs-ns2-in-maintenance',
    ]);
    expect(r.groups.get('hdfs-ns2-decommissioning')).toEqual(['dn03.prod.example.com']);
    expect([...r.tables.keys()]).toEqual(['hdfs-namespace-health.tsv', 'hdfs-ns2-datanodes.tsv']);
    const row = r.tables.get('hdfs-namespace-health.tsv')!.rows[0]!;
    expect(Object.keys(row)).toEqual(['namespace', 'missing', 'under_replicated', 'corrupt', 'live', 'dead', 'decommissioning', 'block_pool', 'cluster_id']);
    expect(row.namespace).toBe('prod/ns2');
    expect([row.block_pool, row.cluster_id]).toEqual(['', '']);
  });

  it('reads the block pool and cluster id from NameNodeInfo', () => {
    const docs = [JSON.parse(fs.readFileSync(path.join(FIXTURES, 'namenode-jmx.json'), 'utf8'))];
    expect(jmxIds(docs)).toEqual({ blockPool: 'BP-1482735510-10.20.0.5-1654092214457', clusterId: 'CID-7f3c2a8e-5b41-4c0e-9d2a-1e6f0b9c4d21' });
    const r = asNamespaceResult(parseNameNodeJmx(docs, 'prod', RULE), 'prod', 'ns1', jmxIds(docs));
    expect(r.tables.get('hdfs-namespace-health.tsv')!.rows[0]!.block_pool).toBe('BP-1482735510-10.20.0.5-1654092214457');
  });
});
