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
import { COMMON_KEYS, SourceError, type SourceContext, type SourceResult } from '../../src/sources/types.js';
import { parseRmNodes, parseYarnNodeList, source, YARN_STATES, type YarnConfig } from '../../src/sources/yarn.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/', import.meta.url));
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as unknown;

const RULE = { domain: 'prod.example.com' };
const fq = (...short: string[]) => short.map((s) => `${s}.prod.example.com`);

const ALL_GROUPS = ['yarn-new', 'yarn-running', 'yarn-unhealthy', 'yarn-decommissioned', 'yarn-lost', 'yarn-rebooted', 'yarn-decommissioning', 'yarn-shutdown'];

/** The imaginary `prod` cluster as the YARN fixtures describe it (fixtures/formats/README.md). */
const PROD_GROUPS: Record<string, string[]> = {
  'yarn-new': fq('cn09'),
  'yarn-running': fq('cn10', 'dn01'), // cn10 is RUNNING on its new port...
  'yarn-unhealthy': fq('dn02'),
  'yarn-decommissioned': fq('dn05'),
  'yarn-lost': fq('dn06', 'dn07'),
  'yarn-rebooted': fq('cn10'), // ...and REBOOTED on the old one
  'yarn-decommissioning': fq('dn03'),
  'yarn-shutdown': fq('dn04'),
};
const PROD_NOTE = 'new 1 running 2 unhealthy 1 decommissioned 1 lost 2 rebooted 1 decommissioning 1 shutdown 1';

function groupsOf(r: SourceResult): Record<string, string[]> {
  return Object.fromEntries(r.groups);
}

function expectProd(r: SourceResult): void {
  expect([...r.groups.keys()]).toEqual(ALL_GROUPS);
  expect(groupsOf(r)).toEqual(PROD_GROUPS);
  expect(r.tables.size).toBe(0);
  expect(r.rejected).toEqual([]);
  expect(r.notes).toEqual([PROD_NOTE]);
}

const errorOf = (f: () => unknown): SourceError => thrown(SourceError, f);
const pullError = (p: Promise<unknown>): Promise<SourceError> => rejected(SourceError, p);

const HEADER = '         Node-Id\t     Node-State\tNode-Http-Address\tNumber-of-Running-Containers\n';

/** A row as NodeCLI prints it: printf("%16s\t%15s\t%17s\t%28s\n"). */
function row(id: string, state: string, containers = 0): string {
  const http = id.replace(/:[^:]*$/, ':8042');
  return `${id.padStart(16)}\t${state.padStart(15)}\t${http.padStart(17)}\t${String(containers).padStart(28)}\n`;
}

function listing(...rows: string[]): string {
  return `Total Nodes:${rows.length}\n${HEADER}${rows.join('')}`;
}

it('pins the states', () => {
  expect(YARN_STATES.map((s) => `yarn-${s.toLowerCase()}`)).toEqual(ALL_GROUPS);
});

describe('parseYarnNodeList', () => {
  it('reads the sample: the prod cluster, cn10 in the group of each of its states', () => {
    expectProd(parseYarnNodeList(fixture('yarn-node-list-all.txt'), RULE));
  });

  it('reads the padded short-host sample, completing the names with the domain', () => {
    const r = parseYarnNodeList(fixture('yarn-node-list-all-short-hosts.txt'), RULE);
    expect(groupsOf(r)).toEqual({
      ...Object.fromEntries(ALL_GROUPS.map((g) => [g, []])),
      'yarn-running': ['hadoop101.prod.example.com'],
      'yarn-unhealthy': ['hadoop102.prod.example.com'],
      'yarn-decommissioned': ['hadoop103.prod.example.com'],
    });
    expect(r.notes).toEqual(['running 1 unhealthy 1 decommissioned 1']);
  });

  it('skips log4j and WARNING lines, wherever they are', () => {
    const [total, ...rest] = fixture('yarn-node-list-all.txt').split('\n');
    const text = [
      'WARNING: YARN_CONF_DIR has been replaced by HADOOP_CONF_DIR. Using value of YARN_CONF_DIR.',
      '2024-04-12 09:41:07,114 INFO client.DefaultNoHARMFailoverProxyProvider: Connecting to ResourceManager at rm1.prod.example.com/10.20.0.6:8032',
      total,
      '21/02/06 10:31:36 INFO client.RMProxy: Connecting to ResourceManager at rm1/10.20.0.6:8032',
      rest[0],
      '2024-04-12 09:41:07,300 WARN util.NativeCodeLoader: Unable to load native-hadoop library for your platform',
      ...rest.slice(1),
    ].join('\n');
    expectProd(parseYarnNodeList(text, RULE));
  });

  it('reads rows separated by spaces only, and CRLF', () => {
    expectProd(parseYarnNodeList(fixture('yarn-node-list-all.txt').replace(/\t/g, '   '), RULE));
    expectProd(parseYarnNodeList(fixture('yarn-node-list-all.txt').replace(/\n/g, '\r\n'), RULE));
  });

  it('skips the lines -showDetails adds', () => {
    const details =
      'Detailed Node Information :\n' +
      '\tConfigured Resources : <memory:8192, vCores:8>\n' +
      '\tAllocated Resources : <memory:0, vCores:0>\n' +
      '\tResource Utilization by Node : PMem:1024 MB, VMem:1024 MB, VCores:0.1\n' +
      '\tNode-Labels : \n';
    const text = listing(row('dn01.prod.example.com:45454', 'RUNNING', 3) + details, row('dn02.prod.example.com:45454', 'LOST') + details);
    const r = parseYarnNodeList(text, RULE);
    expect(r.groups.get('yarn-running')).toEqual(fq('dn01'));
    expect(r.groups.get('yarn-lost')).toEqual(fq('dn02'));
  });

  it('canonicalises upper-case ids and ids with port -1, and rejects IPs', () => {
    const r = parseYarnNodeList(
      listing(row('DN01.PROD.EXAMPLE.COM:45454', 'RUNNING'), row('dn02:-1', 'DECOMMISSIONED'), row('10.20.1.13:45454', 'LOST')),
      RULE,
    );
    expect(r.groups.get('yarn-running')).toEqual(fq('dn01'));
    expect(r.groups.get('yarn-decommissioned')).toEqual(fq('dn02'));
    expect(r.groups.get('yarn-lost')).toEqual([]);
    expect(r.rejected).toEqual([{ raw: '10.20.1.13:45454', reason: 'an IP address, not a host name' }]);
  });

  it('puts an unknown state in a group of its own, with a note', () => {
    const r = parseYarnNodeList(listing(row('dn01:45454', 'RUNNING'), row('dn02:45454', 'QUARANTINED'), row('dn03:45454', 'QUARANTINED')), RULE);
    expect([...r.groups.keys()]).toEqual([...ALL_GROUPS, 'yarn-quarantined']);
    expect(r.groups.get('yarn-quarantined')).toEqual(fq('dn02', 'dn03'));
    expect(r.notes).toEqual([
      'running 1 quarantined 2',
      'unknown NodeState QUARANTINED: its hosts are in yarn-quarantined; this Hadoop is newer than the parser',
    ]);
  });

  describe('refuses', () => {
    const full = fixture('yarn-node-list-all.txt');

    it('text without "Total Nodes:" (not yarn output)', () => {
      const e = errorOf(() => parseYarnNodeList('Usage: yarn [OPTIONS] SUBCOMMAND [SUBCOMMAND OPTIONS]\n', RULE));
      expect(e.message).toContain('not the output of "yarn node -list -all": no "Total Nodes:" line');
      expect(errorOf(() => parseYarnNodeList('', RULE)).message).toContain('no "Total Nodes:" line');
    });

    it('output cut off between rows', () => {
      const cut = full.split('\n').slice(0, 8).join('\n') + '\n';
      const e = errorOf(() => parseYarnNodeList(cut, RULE));
      expect(e.message).toContain('line 1: "Total Nodes:10" but 6 node rows follow; the output was cut off');
    });

    it('output cut off inside a row', () => {
      const cut = full.split('\n').slice(0, 6).join('\n') + '\ndn05.prod.example.com:45454\t DECOMM';
      const e = errorOf(() => parseYarnNodeList(cut, RULE));
      expect(e.message).toContain('line 7: a node row with 2 fields where the header has 4');
    });

    it('more rows than Total Nodes', () => {
      const text = full.replace('Total Nodes:10', 'Total Nodes:9');
      expect(errorOf(() => parseYarnNodeList(text, RULE)).message).toContain('"Total Nodes:9" but 10 node rows follow');
    });

    it('zero nodes', () => {
      const e = errorOf(() => parseYarnNodeList(`Total Nodes:0\n${HEADER}`, RULE));
      expect(e.message).toContain('line 1: Total Nodes:0; expected NodeManagers');
    });

    it('a missing header row', () => {
      const e = errorOf(() => parseYarnNodeList(`Total Nodes:1\n${row('dn01:45454', 'RUNNING')}`, RULE));
      expect(e.message).toContain('line 2: expected the header row "Node-Id Node-State ..."');
    });

    it('a state that is no NodeState', () => {
      const e = errorOf(() => parseYarnNodeList(listing(row('dn01:45454', 'running')), RULE));
      expect(e.message).toContain('line 3: Node-State "running" is not a NodeState');
    });

    it('a listing whose names all fail the host rule', () => {
      const e = errorOf(() => parseYarnNodeList(fixture('yarn-node-list-all-short-hosts.txt'), { domain: null }));
      expect(e.message).toContain('none of the 3 NodeManagers has a usable host name, e.g. "hadoop101:35827" (a short name');
    });
  });
});

describe('parseRmNodes', () => {
  it('reads the sample: the same prod cluster as the CLI listing', () => {
    expectProd(parseRmNodes(json('rm-nodes.json'), RULE));
  });

  it('prefers nodeHostName, falls back to id, and takes a single node written as an object', () => {
    const r = parseRmNodes(
      {
        nodes: {
          node: [
            { id: '10.20.1.11:45454', nodeHostName: 'DN01', state: 'RUNNING' },
            { id: 'dn02.prod.example.com:45454', state: 'LOST' },
            { id: 'dn03:45454', nodeHostName: '', state: 'SHUTDOWN', somethingNew: [1] },
          ],
        },
      },
      RULE,
    );
    expect(r.groups.get('yarn-running')).toEqual(fq('dn01'));
    expect(r.groups.get('yarn-lost')).toEqual(fq('dn02'));
    expect(r.groups.get('yarn-shutdown')).toEqual(fq('dn03'));
    const one = parseRmNodes({ nodes: { node: { id: 'dn04:45454', nodeHostName: 'dn04', state: 'NEW' } } }, RULE);
    expect(one.groups.get('yarn-new')).toEqual(fq('dn04'));
  });

  it('puts an unknown state in a group of its own, with a note', () => {
    const r = parseRmNodes({ nodes: { node: [{ nodeHostName: 'dn01', state: 'DRAINED' }] } }, RULE);
    expect(r.groups.get('yarn-drained')).toEqual(fq('dn01'));
    expect(r.notes[1]).toContain('unknown NodeState DRAINED');
  });

  describe('refuses', () => {
    it('an empty answer: {"nodes":null}, no node list, an empty list', () => {
      for (const empty of [json('rm-nodes-empty.json'), { nodes: {} }, { nodes: { node: [] } }]) {
        expect(errorOf(() => parseRmNodes(empty, RULE)).message).toContain('the ResourceManager lists no NodeManagers');
      }
    });

    it('something that is not a nodes answer', () => {
      for (const other of [{ apps: null }, [], 'nodes', null]) {
        expect(errorOf(() => parseRmNodes(other, RULE)).message).toContain('not a ResourceManager nodes answer');
      }
      expect(errorOf(() => parseRmNodes({ nodes: [] }, RULE)).message).toContain('"nodes": expected an object');
      expect(errorOf(() => parseRmNodes({ nodes: { node: 'x' } }, RULE)).message).toContain('"nodes.node": expected a list');
    });

    it('a node without a name or a state', () => {
      expect(errorOf(() => parseRmNodes({ nodes: { node: [{ state: 'RUNNING' }] } }, RULE)).message).toContain(
        'nodes.node[0]: neither nodeHostName nor id',
      );
      expect(errorOf(() => parseRmNodes({ nodes: { node: [{ id: 'dn01:45454' }] } }, RULE)).message).toContain(
        'nodes.node[0] (dn01:45454): state undefined is not a NodeState',
      );
      expect(errorOf(() => parseRmNodes({ nodes: { node: [7] } }, RULE)).message).toContain('nodes.node[0]: expected an object, found 7');
    });
  });
});

// --- the source: configure ------------------------------------------------------------------------

const DC: DatacenterConfig = {
  name: 'dc1',
  clusters: new Map([['prod', cluster({ name: 'prod', namenodes: [], resourcemanagers: ['rm1.prod.example.com'], headnodes: [] })]]),
  sources: new Map(),
  exec: null,
  kerberos: null,
};

const WHERE = 'datacenters.dc1.sources.yarn-prod';

function configure(text: string): YarnConfig {
  return configureSource(source, text, WHERE, DC);
}

function configError(text: string): ConfigError {
  return configErrorOf(() => configure(text));
}

describe('yarn configure', () => {
  it('takes a command, a file (relative to the config) or a REST URL', () => {
    const c = configure('type: yarn\ncluster: prod\nvolatile: true\nnodes: { command: [yarn, node, -list, -all] }\n');
    expect(c.nodes).toEqual({ kind: 'command', argv: ['yarn', 'node', '-list', '-all'] });
    expect(source.clusterOf!(c)).toBe(DC.clusters.get('prod'));
    expect(configure('type: yarn\ncluster: prod\nnodes: { file: nodes.txt }\n').nodes).toEqual({ kind: 'file', path: '/etc/breakfix/nodes.txt' });
    expect(configure('type: yarn\ncluster: prod\nnodes: { rest: "http://rm1:8088/ws/v1/cluster/nodes" }\n').nodes).toEqual({
      kind: 'http',
      key: 'rest',
      url: 'http://rm1:8088/ws/v1/cluster/nodes',
    });
  });

  it('refuses an unknown cluster, naming the line', () => {
    expect(configError('type: yarn\n\ncluster: prd\nnodes: { file: n.txt }\n').message).toBe(
      `/etc/breakfix/breakfix.yaml:3: ${WHERE}.cluster: unknown cluster "prd"; datacenter dc1 has prod (define it under datacenters.dc1.clusters)`,
    );
  });

  it('refuses missing keys and bad inputs', () => {
    expect(configError('type: yarn\nnodes: { file: n.txt }\n').message).toContain(`breakfix.yaml:1: ${WHERE}: missing "cluster"; one of the clusters of datacenter dc1: prod`);
    expect(configError('type: yarn\ncluster: prod\n').message).toContain(`breakfix.yaml:1: ${WHERE}: missing "nodes"`);
    expect(configError('type: yarn\ncluster: prod\nnodes:\n  jmx: http://nn1:9870/jmx\n').message).toContain(
      `breakfix.yaml:4: ${WHERE}.nodes.jmx: unknown key; expected one of: command, file, rest`,
    );
    expect(configError('type: yarn\ncluster: prod\nnodes: {}\n').message).toContain('expected exactly one of command, file, rest; found none');
    expect(configError('type: yarn\ncluster: prod\nnodes: { rest: "ftp://rm1/" }\n').message).toContain('expected an http:// or https:// URL');
  });
});

// --- the source: pull ---------------------------------------------------------------------------

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-yarn-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ctx(timeoutMs = 10_000): SourceContext {
  return { name: 'yarn-prod', dc: DC, hostRule: RULE, configDir: tmp, env: process.env, signal: AbortSignal.timeout(timeoutMs), timeoutMs, dayDir: tmp, passLabel: 'test' };
}

const config = (nodes: YarnConfig['nodes']): YarnConfig => ({ cluster: DC.clusters.get('prod')!, nodes });

function script(name: string, body: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

describe('yarn pull from a file or a command', () => {
  it('reads a saved listing, and a saved REST answer', async () => {
    expectProd(await source.pull(config({ kind: 'file', path: path.join(FIXTURES, 'yarn-node-list-all.txt') }), ctx()));
    expectProd(await source.pull(config({ kind: 'file', path: path.join(FIXTURES, 'rm-nodes.json') }), ctx()));
  });

  it('names the file of an empty answer', async () => {
    const f = path.join(FIXTURES, 'rm-nodes-empty.json');
    const e = await pullError(source.pull(config({ kind: 'file', path: f }), ctx()));
    expect(e.message).toBe(`file ${f}: ${errorOf(() => parseRmNodes({ nodes: null }, RULE)).message}`);
  });

  it('runs the command, with its log lines on stdout too', async () => {
    const cmd = script('nodes-ok', `echo "2024-04-12 09:41:07,114 INFO client.RMProxy: Connecting to ResourceManager"\ncat '${path.join(FIXTURES, 'yarn-node-list-all.txt')}'`);
    expectProd(await source.pull(config({ kind: 'command', argv: [cmd, 'node', '-list', '-all'] }), ctx()));
  });

  it('fails on a non-zero exit, naming the command and carrying its stderr', async () => {
    const cmd = script('nodes-fail', 'echo "java.net.ConnectException: Connection refused to rm1:8032" >&2\nexit 1');
    const e = await pullError(source.pull(config({ kind: 'command', argv: [cmd, 'node', '-list', '-all'] }), ctx()));
    expect(e.message).toContain(`command ${cmd} node -list -all exited 1`);
    expect(e.message).toContain('Connection refused to rm1:8032');
  });

  it('kills a command that runs past the timeout', async () => {
    const pidFile = path.join(tmp, 'hang.pid');
    const cmd = script('nodes-hang', `echo $$ > '${pidFile}'\nexec sleep 30`);
    const t0 = Date.now();
    const e = await pullError(source.pull(config({ kind: 'command', argv: [cmd] }), ctx(800)));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.message).toContain(`command ${cmd} timed out`);
    expect(() => process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 0)).toThrow();
  });

  it('fails on a command that prints something else, or a cut-off listing, naming the command', async () => {
    const garbage = script('nodes-garbage', 'echo "Invalid Command Usage :"');
    const e = await pullError(source.pull(config({ kind: 'command', argv: [garbage] }), ctx()));
    expect(e.message).toMatch(new RegExp(`^command ${garbage}: not the output of "yarn node -list -all"`));
    const cut = script('nodes-cut', `head -n 5 '${path.join(FIXTURES, 'yarn-node-list-all.txt')}'`);
    const c = await pullError(source.pull(config({ kind: 'command', argv: [cut] }), ctx()));
    expect(c.message).toBe(`command ${cut}: line 1: "Total Nodes:10" but 3 node rows follow; the output was cut off: run it again; if it repeats, look for what truncates the output (a pipe, a size or time limit)`);
  });
});

describe('yarn pull from the ResourceManager REST API', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const send = (status: number, body: string, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      switch (req.url) {
        case '/ok/ws/v1/cluster/nodes':
          // Real answers are one line.
          return send(200, JSON.stringify(json('rm-nodes.json')));
        case '/empty/ws/v1/cluster/nodes':
          return send(200, fixture('rm-nodes-empty.json'));
        case '/error/ws/v1/cluster/nodes':
          return send(500, '{"RemoteException":{"exception":"WebApplicationException","message":"java.lang.NullPointerException"}}');
        case '/standby/ws/v1/cluster/nodes':
          res.writeHead(307, { location: '/ok/ws/v1/cluster/nodes' });
          return res.end();
        case '/html/ws/v1/cluster/nodes':
          return send(200, '<html><body>This is standby RM. Redirecting to the current active RM</body></html>', 'text/html');
        case '/cut/ws/v1/cluster/nodes':
          return send(200, JSON.stringify(json('rm-nodes.json')).slice(0, 500));
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

  const rest = (p: string): YarnConfig => config({ kind: 'http', key: 'rest', url: `${base}${p}/ws/v1/cluster/nodes` });

  it('reads the prod cluster, following a standby\'s redirect', async () => {
    expectProd(await source.pull(rest('/ok'), ctx()));
    expectProd(await source.pull(rest('/standby'), ctx()));
  });

  it('refuses an empty answer, naming the URL', async () => {
    const e = await pullError(source.pull(rest('/empty'), ctx()));
    expect(e.message).toContain(`GET ${base}/empty/ws/v1/cluster/nodes: the ResourceManager lists no NodeManagers`);
  });

  it('fails on an HTTP error with the URL and status', async () => {
    const e = await pullError(source.pull(rest('/error'), ctx()));
    expect(e.message).toContain(`GET ${base}/error/ws/v1/cluster/nodes: HTTP 500`);
    expect(e.message).toContain('NullPointerException');
  });

  it('fails on a body that is not JSON, or is cut off', async () => {
    for (const p of ['/html', '/cut']) {
      const e = await pullError(source.pull(rest(p), ctx()));
      expect(e.message).toContain(`GET ${base}${p}/ws/v1/cluster/nodes: not valid JSON`);
    }
  });
});
