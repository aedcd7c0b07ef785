import path from 'node:path';
import { canonicalHost } from '../sources/hostnames.js';
import { ConfigError } from './errors.js';
import { Field, YamlFile } from './yamlsrc.js';

export interface ClusterConfig {
  name: string;
  namenodes: string[];
  resourcemanagers: string[];
  /** Other head nodes (JournalNodes, ZooKeeper) that worker ops never touch. */
  headnodes: string[];
  /** The exclude files the drain workflow writes, on the NameNodes and ResourceManagers. */
  hdfsExclude: string;
  yarnExclude: string;
  /** How to run the Hadoop CLIs there, e.g. [hdfs, --config, /etc/hadoop/conf]. */
  hdfsCommand: string[];
  yarnCommand: string[];
  /** Graceful decommission timeout for `yarn rmadmin -refreshNodes -g`. */
  decommissionTimeoutS: number;
  /**
   * The NameNodes' combined JSON hosts file (CombinedHostFileManager), or null:
   * with it, ops whose effect is down go through HDFS maintenance.
   */
  hdfsHostsJson: string | null;
  /**
   * HDFS federation: the namespaces over the cluster's DataNodes, each with its
   * own NameNodes and files, in the order the config lists them; empty for a
   * cluster with one namespace, which works exactly as before.
   */
  namespaces: NamespaceConfig[];
}

/** One namespace of a federated cluster; the file and command keys default to the cluster's. */
export interface NamespaceConfig {
  name: string;
  namenodes: string[];
  hdfsCommand: string[];
  hdfsExclude: string;
  hdfsHostsJson: string | null;
  /** Where it is declared, for messages that must name the file and line. */
  file: string;
  line: number | null;
}

/**
 * The groups one namespace's source writes: `hdfs-<ns>-in-service`, …
 * (the pinned HDFS groups with the namespace after `hdfs-`).
 */
export const NAMESPACE_GROUP_SUFFIXES = [
  'live',
  'in-service',
  'decommissioning',
  'decommissioned',
  'maintenance',
  'dead',
  'entering-maintenance',
  'in-maintenance',
] as const;

export function namespaceGroup(ns: string, suffix: (typeof NAMESPACE_GROUP_SUFFIXES)[number]): string {
  return `hdfs-${ns}-${suffix}`;
}

export interface KerberosConfig {
  keytab: string;
  principal: string;
}

export interface ExecConfig {
  adapter: 'ssh' | 'pdsh' | 'clush' | 'command' | 'local';
  concurrency: number;
  connectTimeoutMs: number;
  timeoutMs: number;
  sshConfig: string | null;
  user: string | null;
  command: string[] | null;
  /** How long ssh keeps a connection open for reuse (ControlPersist); 0: no reuse. */
  controlPersistS: number;
}

export interface DatacenterConfig {
  name: string;
  clusters: Map<string, ClusterConfig>;
  /** Each source's own mapping, validated by its type when the sources are loaded. */
  sources: Map<string, Field>;
  exec: ExecConfig | null;
  kerberos: KerberosConfig | null;
  /** `notify: { webhook | webhook_env, on, timeout }`: one message per pass with events of the kinds in `on`. */
  notify?: NotifyConfig | null;
  /** `metrics: { textfile_dir }`: node_exporter's textfile collector directory (absolute), or absent. */
  metrics?: MetricsConfig | null;
  /** `report: true`: every pass rewrites the day's report.html. */
  report?: boolean;
}

export interface MetricsConfig {
  /** Each pass also writes `breakfix_<dc>.prom` here. */
  textfileDir: string;
}

export interface Config {
  file: string;
  dir: string;
  home: string | null;
  policy: string | null;
  domain: string | null;
  datacenters: Map<string, DatacenterConfig>;
  yaml: YamlFile;
  /** `history: { keep }`: how long each pass's recorded inputs are kept (0: passes are not recorded). */
  history: { keepMs: number };
}

/** How long recorded passes are kept when the config does not say: a month of incident reviews. */
export const HISTORY_KEEP_DEFAULT_MS = 30 * 86_400_000;

const TOP = ['home', 'policy', 'hostnames', 'datacenters', 'history'] as const;
const DC = ['clusters', 'sources', 'exec', 'kerberos', 'metrics', 'notify', 'report'] as const;
const CLUSTER = [
  'namenodes',
  'resourcemanagers',
  'headnodes',
  'hdfs_exclude',
  'yarn_exclude',
  'hdfs_command',
  'yarn_command',
  'decommission_timeout',
  'hdfs_hosts_json',
  'namespaces',
] as const;
const NAMESPACE = ['namenodes', 'hdfs_command', 'hdfs_exclude', 'hdfs_hosts_json'] as const;
const NAMESPACE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const EXEC = ['adapter', 'concurrency', 'connect_timeout', 'timeout', 'ssh_config', 'user', 'command', 'control_persist'] as const;
export const SOURCE_TYPES = ['inventory', 'prometheus', 'hdfs', 'yarn', 'healthcheck'] as const;

/** What a pass can tell a chat channel about; `applied` is left out of the default `on`. */
export const NOTIFY_KINDS = ['warning', 'refusal', 'needs-human', 'stuck', 'source-failed', 'applied', 'paused'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

export interface NotifyConfig {
  /** The incoming-webhook URL; null when it is read from the environment variable `webhookEnv` at each pass. */
  webhook: string | null;
  webhookEnv: string | null;
  on: NotifyKind[];
  /** The whole budget of one message, retries included. */
  timeoutMs: number;
}

const NOTIFY_MAX_TIMEOUT_MS = 60_000;

function parseNotify(f: Field): NotifyConfig {
  const m = f.map(['webhook', 'webhook_env', 'on', 'timeout']);
  const url = m.get('webhook');
  const env = m.get('webhook_env');
  if (url && env) env.fail('give webhook or webhook_env, not both (webhook_env keeps a token out of this file)');
  if (!url && !env) f.fail('webhook: missing; give webhook: URL, or webhook_env: NAME of an environment variable holding it');
  if (url) {
    // The value is never echoed: a webhook URL carries its token in the path.
    const text = url.string();
    let parsed: URL | null = null;
    try {
      parsed = new URL(text);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) url.fail('expected an http:// or https:// URL');
  }
  if (env && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env.string())) env.fail('expected the name of an environment variable (letters, digits, _)');
  const on = m.get('on');
  const kinds = on ? [...new Set(on.list().map((k) => k.oneOf(NOTIFY_KINDS)))] : NOTIFY_KINDS.filter((k) => k !== 'applied');
  if (on && kinds.length === 0) on.fail(`an empty list sends nothing; name kinds from ${NOTIFY_KINDS.join(', ')}, or remove notify:`);
  const t = m.get('timeout');
  const timeoutMs = t?.duration() ?? 5000;
  if (t && (timeoutMs <= 0 || timeoutMs > NOTIFY_MAX_TIMEOUT_MS)) t.fail(`expected more than 0s and at most ${NOTIFY_MAX_TIMEOUT_MS / 1000}s: a message must never hold up a pass for long`);
  return { webhook: url ? url.string() : null, webhookEnv: env ? env.string() : null, on: kinds, timeoutMs };
}

function resolveFrom(dir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(dir, p);
}

function parseMetrics(f: Field, dir: string): MetricsConfig {
  const m = f.map(['textfile_dir']);
  const d = m.get('textfile_dir') ?? f.fail("textfile_dir: missing; the directory node_exporter's --collector.textfile.directory reads");
  return { textfileDir: resolveFrom(dir, d.string()) };
}

function parseExec(f: Field, dir: string): ExecConfig {
  const m = f.map(EXEC);
  const adapter = m.get('adapter')?.oneOf(['ssh', 'pdsh', 'clush', 'command', 'local'] as const) ?? 'ssh';
  const command = m.get('command')?.strings() ?? null;
  if (adapter === 'command' && !command) f.fail('adapter "command" needs command: [tool, ..., "{hostsfile}", ..., "{cmd}"]');
  return {
    adapter,
    concurrency: m.get('concurrency')?.number({ min: 1, max: 4096, integer: true }) ?? 64,
    connectTimeoutMs: m.get('connect_timeout')?.duration() ?? 10_000,
    timeoutMs: m.get('timeout')?.duration() ?? 300_000,
    sshConfig: m.has('ssh_config') ? resolveFrom(dir, m.get('ssh_config')!.string()) : null,
    user: m.get('user')?.string() ?? null,
    command,
    controlPersistS: Math.round((m.get('control_persist')?.duration() ?? 600_000) / 1000),
  };
}

/** The pinned HDFS group names a namespace's groups must not take (`hdfs-in-maintenance` is no namespace "in"). */
const PINNED_HDFS = new Set(['hdfs-live', 'hdfs-in-service', 'hdfs-decommissioning', 'hdfs-decommissioned', 'hdfs-maintenance', 'hdfs-dead', 'hdfs-entering-maintenance', 'hdfs-in-maintenance']);

/**
 * Namespace groups share the day directory with every other group: a name
 * that would make one of the pinned HDFS groups, or the group of another
 * namespace (ns "a-in" + maintenance = ns "a" + in-maintenance), is refused.
 * The same namespace name in two clusters is fine: like hdfs-dead, its
 * groups then hold the hosts of both.
 */
function checkNamespaceNames(file: string, clusters: Map<string, ClusterConfig>): void {
  const owner = new Map<string, string>();
  for (const c of clusters.values()) {
    for (const ns of c.namespaces) {
      for (const suffix of NAMESPACE_GROUP_SUFFIXES) {
        const g = namespaceGroup(ns.name, suffix);
        if (PINNED_HDFS.has(g)) {
          throw new ConfigError(file, ns.line, `namespace "${ns.name}" of cluster ${c.name}: its group ${g} would be the pinned group of that name; rename the namespace`);
        }
        const prev = owner.get(g);
        if (prev !== undefined && prev !== ns.name) {
          throw new ConfigError(file, ns.line, `namespaces "${prev}" and "${ns.name}" would both write the group ${g}; rename one of them`);
        }
        owner.set(g, ns.name);
      }
    }
  }
}

/** Reads and validates the config file; every key is known or an error naming its line. */
export function loadConfig(file: string): Config {
  const yaml = YamlFile.read(file);
  const dir = path.dirname(path.resolve(file));
  const root: Field = new Field(yaml, yaml.root, "");
  if (!root.present) throw new ConfigError(file, null, 'the config is empty; see the README for an example');
  const top = root.map(TOP);
  const hostnames = top.get('hostnames')?.map(['domain']);
  const domain = hostnames?.get('domain')?.string().toLowerCase() ?? null;
  // Head nodes by the same rule as every source's hosts, so `nn1` or `NN1.DC1.EXAMPLE.COM`
  // still matches the canonical name the planner compares against (DESIGN §4, §6.2).
  const heads = (f: Field | undefined): string[] =>
    f?.list().map((x) => {
      const c = canonicalHost(x.string(), { domain });
      return c.host ?? x.fail(`"${x.string()}" cannot be made a canonical host name: ${c.error}`);
    }) ?? [];
  const datacenters = new Map<string, DatacenterConfig>();
  const dcs = top.get('datacenters');
  if (!dcs) root.fail('datacenters: missing; name at least one datacenter');
  for (const [name, dcField] of dcs.map()) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) dcField.fail('a datacenter name is lower case letters, digits, - and _');
    const d = dcField.map(DC);
    const clusters = new Map<string, ClusterConfig>();
    for (const [cname, cf] of d.get('clusters')?.map() ?? []) {
      const c = cf.present ? cf.map(CLUSTER) : new Map<string, Field>();
      const hdfsExclude = c.get('hdfs_exclude')?.string() ?? '/etc/hadoop/conf/dfs.exclude';
      const hdfsCommand = c.get('hdfs_command')?.strings() ?? ['hdfs'];
      const hdfsHostsJson = c.get('hdfs_hosts_json')?.string() ?? null;
      const namespaces: NamespaceConfig[] = [];
      const nsField = c.get('namespaces');
      if (nsField) {
        const entries = nsField.map();
        if (entries.size === 0) nsField.fail('a federated cluster lists at least one namespace (its nameservice IDs), or leave namespaces: out');
        for (const [nsName, nf] of entries) {
          if (!NAMESPACE_NAME.test(nsName)) {
            nf.fail(`namespace "${nsName}": a namespace name is lower case letters, digits, - and _ (it is part of group names such as hdfs-${nsName.toLowerCase()}-in-service)`);
          }
          const n = nf.present ? nf.map(NAMESPACE) : new Map<string, Field>();
          const nn = n.get('namenodes') ?? nf.fail(`namespace ${nsName} of cluster ${cname}: missing namenodes: [its NameNodes]; each namespace has its own`);
          namespaces.push({
            name: nsName,
            namenodes: heads(nn),
            hdfsCommand: n.get('hdfs_command')?.strings() ?? hdfsCommand,
            hdfsExclude: n.get('hdfs_exclude')?.string() ?? hdfsExclude,
            hdfsHostsJson: n.get('hdfs_hosts_json')?.string() ?? hdfsHostsJson,
            file,
            line: yaml.lineOf(nf.node),
          });
        }
      }
      clusters.set(cname, {
        name: cname,
        namenodes: heads(c.get('namenodes')),
        resourcemanagers: heads(c.get('resourcemanagers')),
        headnodes: heads(c.get('headnodes')),
        hdfsExclude,
        yarnExclude: c.get('yarn_exclude')?.string() ?? '/etc/hadoop/conf/yarn.exclude',
        hdfsCommand,
        yarnCommand: c.get('yarn_command')?.strings() ?? ['yarn'],
        decommissionTimeoutS: Math.round((c.get('decommission_timeout')?.duration() ?? 3_600_000) / 1000),
        hdfsHostsJson,
        namespaces,
      });
    }
    checkNamespaceNames(file, clusters);
    const sources = new Map<string, Field>();
    for (const [sname, sf] of d.get('sources')?.map() ?? new Map<string, Field>()) {
      if (!/^[a-z0-9][a-z0-9_.-]*$/.test(sname)) sf.fail('a source name is lower case letters, digits, ".", "-" and "_"');
      const type: Field | undefined = sf.map().get("type");
      (type ?? sf.fail(`missing "type"; one of ${SOURCE_TYPES.join(', ')}`)).oneOf(SOURCE_TYPES);
      sources.set(sname, sf);
    }
    datacenters.set(name, {
      name,
      clusters,
      sources,
      exec: d.has('exec') ? parseExec(d.get('exec')!, dir) : null,
      kerberos: d.has('kerberos')
        ? (() => {
            const k = d.get('kerberos')!.map(['keytab', 'principal']);
            return {
              keytab: k.get('keytab')?.string() ?? d.get('kerberos')!.fail('keytab: missing'),
              principal: k.get('principal')?.string() ?? d.get('kerberos')!.fail('principal: missing'),
            };
          })()
        : null,
      notify: d.has('notify') ? parseNotify(d.get('notify')!) : null,
      metrics: d.has('metrics') ? parseMetrics(d.get('metrics')!, dir) : null,
      report: d.get('report')?.present ? d.get('report')!.boolean() : false,
    });
  }
  return {
    file,
    dir,
    home: top.has('home') ? resolveFrom(dir, top.get('home')!.string()) : null,
    policy: top.has('policy') ? resolveFrom(dir, top.get('policy')!.string()) : null,
    domain,
    datacenters,
    yaml,
    history: parseHistory(top.get('history')),
  };
}

function parseHistory(f: Field | undefined): { keepMs: number } {
  if (!f) return { keepMs: HISTORY_KEEP_DEFAULT_MS };
  const k = f.map(['keep']).get('keep');
  if (!k) return { keepMs: HISTORY_KEEP_DEFAULT_MS };
  const ms = k.duration();
  if (ms === 0) return { keepMs: 0 };
  if (ms < 86_400_000) k.fail('expected 0 (record nothing) or at least 1d: records are kept and removed by whole days');
  return { keepMs: ms };
}
