import type { ClusterConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import { sortUniqueStrings } from '../sets/compare.js';
import { httpGet, parseJson } from './fetch.js';
import { configuredCluster, fromOrigin, isObject } from './spec.js';
import { HostCollector } from './hostnames.js';
import { describeSpec, fetchText, inputSpec, type InputSpec } from './spec.js';
import { SourceError, type HostRule, type SourceResult, type SourceType } from './types.js';

/**
 * The `yarn` source: the NodeManagers of one cluster by state, from
 * `yarn node -list -all` (a command or a saved file) or from the
 * ResourceManager's REST API (`/ws/v1/cluster/nodes`).
 */

export interface YarnConfig {
  cluster: ClusterConfig;
  /** `command` / `file`: `yarn node -list -all` text (or REST JSON); `http` (key `rest`): the nodes URL. */
  nodes: InputSpec;
}

/** NodeState (hadoop-yarn-api); each is a group `yarn-<state>`, written on every pull, empty or not. */
export const YARN_STATES = ['NEW', 'RUNNING', 'UNHEALTHY', 'DECOMMISSIONED', 'LOST', 'REBOOTED', 'DECOMMISSIONING', 'SHUTDOWN'] as const;

export function yarnGroup(state: string): string {
  return `yarn-${state.toLowerCase()}`;
}

const STATE = /^[A-Z][A-Z_]*$/;

interface NodeEntry {
  /** Node-Id (`host:port`) or nodeHostName. */
  name: string;
  state: string;
}

const RERUN = 'run it again; if it repeats, look for what truncates the output (a pipe, a size or time limit)';

function yarnResult(nodes: NodeEntry[], rule: HostRule): SourceResult {
  const hosts = new HostCollector(rule);
  const groups = new Map<string, string[]>(YARN_STATES.map((s) => [yarnGroup(s), []]));
  const unknown = new Set<string>();
  for (const n of nodes) {
    const g = yarnGroup(n.state);
    if (!groups.has(g)) {
      groups.set(g, []);
      unknown.add(n.state);
    }
    const host = hosts.take(n.name);
    if (host !== null) groups.get(g)!.push(host);
  }
  const total = [...groups.values()].reduce((sum, g) => sum + g.length, 0);
  if (total === 0) {
    const eg = hosts.rejected.slice(0, 3).map((r) => `"${r.raw}" (${r.reason})`).join(', ');
    throw new SourceError(
      `none of the ${nodes.length} NodeManagers has a usable host name, e.g. ${eg}; check hostnames.domain in the config`,
    );
  }
  for (const [g, list] of groups) groups.set(g, sortUniqueStrings(list));
  const counts = [...groups].filter(([, list]) => list.length > 0).map(([g, list]) => `${g.slice('yarn-'.length)} ${list.length}`);
  const notes = [counts.join(' ')];
  for (const s of unknown) {
    notes.push(`unknown NodeState ${s}: its hosts are in ${yarnGroup(s)}; this Hadoop is newer than the parser`);
  }
  return { groups, tables: new Map(), rejected: hosts.rejected, notes };
}

/** What log4j and the hadoop scripts print when stderr is captured with stdout. */
function isLogLine(l: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(l) || // 2021-02-06 10:31:36,962 INFO ...
    /^\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /.test(l) || // 21/02/06 10:31:36 INFO ... (Hadoop 2)
    /^(WARNING|WARN|INFO|ERROR|DEBUG|SLF4J)\b/.test(l)
  );
}

/** A row is tab-separated with printf padding; without tabs, split on whitespace (no field holds a space). */
function fields(l: string): string[] {
  return l.includes('\t') ? l.split('\t').map((f) => f.trim()) : l.trim().split(/\s+/);
}

/**
 * Parses `yarn node -list -all`: `Total Nodes:N`, a header row, then one row
 * per NodeManager. Log lines are skipped wherever they are; `-showDetails`
 * lines are skipped too. The output is refused when it is not YARN's (no
 * `Total Nodes:`), when it was cut off (fewer or more rows than N, or a row
 * with fewer fields than the header), or when it lists no node at all.
 * A host with several NodeManagers (an old NodeId left after a restart) is in
 * the group of each state it has.
 */
export function parseYarnNodeList(text: string, rule: HostRule): SourceResult {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let total = -1;
  let totalLine = 0;
  let header: string[] | null = null;
  const nodes: NodeEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const lineNo = i + 1;
    if (total < 0) {
      const t = /^Total Nodes:\s*(\d+)\s*$/.exec(l);
      if (t) {
        total = Number(t[1]);
        totalLine = lineNo;
      }
      continue;
    }
    if (l.trim() === '' || isLogLine(l)) continue;
    // -showDetails: "Detailed Node Information :" and tab-indented resource lines.
    if (l.startsWith('\t') || /^Detailed Node Information\b/.test(l)) continue;
    const f = fields(l);
    if (header === null) {
      if (f[0] !== 'Node-Id' || !f.includes('Node-State')) {
        throw new SourceError(`line ${lineNo}: expected the header row "Node-Id Node-State ...", found "${l.trim()}"`);
      }
      header = f;
      continue;
    }
    if (f.length !== header.length) {
      throw new SourceError(
        `line ${lineNo}: a node row with ${f.length} fields where the header has ${header.length}: "${l.trim()}"; ` +
          `the output was cut off or is not from yarn node -list: ${RERUN}`,
      );
    }
    const state = f[header.indexOf('Node-State')]!;
    if (!STATE.test(state)) {
      throw new SourceError(`line ${lineNo}: Node-State "${state}" is not a NodeState (like RUNNING or LOST): "${l.trim()}"`);
    }
    nodes.push({ name: f[header.indexOf('Node-Id')]!, state });
  }
  if (total < 0) {
    throw new SourceError(
      'not the output of "yarn node -list -all": no "Total Nodes:" line; run the command by hand ' +
        '(a Kerberos ticket, HADOOP_CONF_DIR/YARN_CONF_DIR, a ResourceManager that is down)',
    );
  }
  if (total === 0) {
    throw new SourceError(
      `line ${totalLine}: Total Nodes:0; expected NodeManagers: is this the right cluster, and is the ResourceManager ` +
        'just starting? (without -all, only RUNNING nodes are listed)',
    );
  }
  if (nodes.length !== total) {
    throw new SourceError(
      `line ${totalLine}: "Total Nodes:${total}" but ${nodes.length} node ${nodes.length === 1 ? 'row follows' : 'rows follow'}; ` +
        `the output was cut off: ${RERUN}`,
    );
  }
  return yarnResult(nodes, rule);
}

/**
 * Parses the ResourceManager's `GET /ws/v1/cluster/nodes` answer,
 * `{"nodes":{"node":[...]}}`; `{"nodes":null}` (no nodes) is refused like an
 * empty CLI listing. The host is `nodeHostName`, else the `id` (`host:port`).
 */
export function parseRmNodes(json: unknown, rule: HostRule): SourceResult {
  if (!isObject(json) || !('nodes' in json)) {
    throw new SourceError('not a ResourceManager nodes answer: expected {"nodes": {"node": [...]}} (GET /ws/v1/cluster/nodes)');
  }
  const wrapper = json['nodes'];
  let list: unknown[];
  if (wrapper === null) list = [];
  else if (!isObject(wrapper)) throw new SourceError(`"nodes": expected an object, found ${JSON.stringify(wrapper).slice(0, 80)}`);
  else {
    const node = wrapper['node'];
    if (node === undefined || node === null) list = [];
    else if (Array.isArray(node)) list = node;
    // Some JSON providers write a list of one as the object itself.
    else if (isObject(node)) list = [node];
    else throw new SourceError(`"nodes.node": expected a list, found ${JSON.stringify(node).slice(0, 80)}`);
  }
  if (list.length === 0) {
    throw new SourceError(
      'the ResourceManager lists no NodeManagers; expected hosts: is this the right cluster\'s ResourceManager, ' +
        'and is a "states=" filter leaving them all out?',
    );
  }
  const nodes = list.map((n, i): NodeEntry => {
    if (!isObject(n)) throw new SourceError(`nodes.node[${i}]: expected an object, found ${JSON.stringify(n)}`);
    const hostName = n['nodeHostName'];
    const id = n['id'];
    const name = typeof hostName === 'string' && hostName !== '' ? hostName : typeof id === 'string' ? id : null;
    if (name === null) throw new SourceError(`nodes.node[${i}]: neither nodeHostName nor id`);
    const state = n['state'];
    if (typeof state !== 'string' || !STATE.test(state)) {
      throw new SourceError(`nodes.node[${i}] (${name}): state ${JSON.stringify(state)} is not a NodeState (like RUNNING or LOST)`);
    }
    return { name, state };
  });
  return yarnResult(nodes, rule);
}

/** Text from a command or a file: CLI output, or REST JSON (`curl …/ws/v1/cluster/nodes`). */
function parseNodesText(text: string, rule: HostRule): SourceResult {
  if (text.trimStart().startsWith('{')) return parseRmNodes(parseJson(text, 'ResourceManager answer'), rule);
  return parseYarnNodeList(text, rule);
}

export const source: SourceType<YarnConfig> = {
  type: 'yarn',
  keys: ['cluster', 'nodes'],

  configure(m, where: Field, configDir, dc) {
    const cluster = configuredCluster(m, where, dc);
    const f: Field | undefined = m.get('nodes');
    if (!f || !f.present) {
      where.fail(
        'missing "nodes": { command: [yarn, node, -list, -all] }, { file: ./nodes.txt } or ' +
          '{ rest: "http://rm1:8088/ws/v1/cluster/nodes" }',
      );
    }
    const nodes = inputSpec(f, configDir, ['rest']);
    if (nodes.kind === 'http') {
      try {
        new URL(nodes.url);
      } catch {
        f.fail(`rest: "${nodes.url}" is not a URL`);
      }
    }
    return { cluster, nodes };
  },

  async pull(config, ctx) {
    const spec = config.nodes;
    if (spec.kind === 'http') {
      const json = parseJson(await httpGet(spec.url, ctx), `GET ${spec.url}`);
      return fromOrigin(`GET ${spec.url}`, () => parseRmNodes(json, ctx.hostRule));
    }
    const text = await fetchText(spec, ctx);
    return fromOrigin(describeSpec(spec), () => parseNodesText(text, ctx.hostRule));
  },

  clusterOf(config) {
    return config.cluster;
  },
};
