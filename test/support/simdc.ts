// The simulated datacenter of fixtures/sim, read back by the tests with their
// own small readers (never breakfix's parsers): the dfsadmin report, the YARN
// node list, the inventory CSV, `sim show`, the exclude files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { ROOT } from './cli.js';

export const SIM_BIN = path.join(ROOT, 'fixtures', 'sim', 'bin');
export const DOMAIN = 'demo.example.com';
export const fq = (short: string) => (short.includes('.') ? short : `${short}.${DOMAIN}`);
export const byteSort = (xs: Iterable<string>) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs one of the simulator's executables. A test's own YARN node list or
 * inventory is a look (SIM_PEEK), not a read of a pass: it moves no clock.
 */
export function simRun(tool: string, args: string[]): Run {
  const env = tool === 'yarn' || tool === 'inventory' ? { ...process.env, SIM_PEEK: '1' } : process.env;
  const r = spawnSync(path.join(SIM_BIN, tool), args, { encoding: 'utf8', env, maxBuffer: 1 << 26, timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export function simOk(tool: string, args: string[]): string {
  const r = simRun(tool, args);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

export const confDir = (simDir: string, cluster: string) => path.join(simDir, 'clusters', cluster, 'conf');

// ---------------------------------------------------------------- hdfs dfsadmin -report

export interface HdfsView {
  live: Set<string>;
  dead: Set<string>;
  /** Listed in the Decommissioning section. */
  decommissioning: Set<string>;
  /** Status Decommissioned, live or dead. */
  decommissioned: Set<string>;
  /** Live with status Normal. */
  inService: Set<string>;
  status: Map<string, string>;
  missing: number;
  underReplicated: number;
}

/** Reads the Hadoop 3 report: sections, then node blocks of `Hostname:` and `Decommission Status :`. */
export function parseReport(text: string): HdfsView {
  const v: HdfsView = {
    live: new Set(),
    dead: new Set(),
    decommissioning: new Set(),
    decommissioned: new Set(),
    inService: new Set(),
    status: new Map(),
    missing: NaN,
    underReplicated: NaN,
  };
  type Section = 'live' | 'dead' | 'decommissioning';
  let section: Section | null = null;
  let host: string | null = null;
  for (const line of text.split('\n')) {
    let m = /^\tMissing blocks: (\d+)$/.exec(line);
    if (m) v.missing = Number(m[1]);
    m = /^\tUnder replicated blocks: (\d+)$/.exec(line);
    if (m) v.underReplicated = Number(m[1]);
    m = /^(Live|Dead|Decommissioning) datanodes \(\d+\):$/.exec(line);
    if (m) {
      section = m[1]!.toLowerCase() as Section;
      continue;
    }
    m = /^Hostname: (\S+)$/.exec(line);
    if (m && section) {
      host = m[1]!.toLowerCase();
      v[section].add(host);
      continue;
    }
    m = /^Decommission Status : (.+)$/.exec(line);
    if (m && host && section) {
      const st = m[1]!;
      if (section !== 'decommissioning') v.status.set(host, `${section} ${st}`);
      if (st === 'Decommissioned') v.decommissioned.add(host);
      if (section === 'live' && st === 'Normal') v.inService.add(host);
      host = null;
    }
  }
  if (Number.isNaN(v.missing) || Number.isNaN(v.underReplicated)) throw new Error(`not a dfsadmin report:\n${text.slice(0, 400)}`);
  return v;
}

// ---------------------------------------------------------------- yarn node -list -all

/** host → Node-State. */
export function parseYarn(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(2)) {
    if (!line.trim()) continue;
    const [id, state] = line.split('\t').map((f) => f.trim());
    out.set(id!.replace(/:\d+$/, '').toLowerCase(), state!);
  }
  return out;
}

// ---------------------------------------------------------------- inventory --sim

export interface InvRow {
  host: string;
  cluster: string;
  role: string;
  rack: string;
  datagroup: string;
  ticket: string;
  handsOff: boolean;
  responsive: boolean;
  puppetOk: boolean;
  rekicking: boolean;
  rekicked: boolean;
}

export function parseInventory(csv: string): Map<string, InvRow> {
  const [header, ...rows] = csv.trimEnd().split('\n');
  const cols = header!.split(',');
  const out = new Map<string, InvRow>();
  for (const row of rows) {
    const f = Object.fromEntries(row.split(',').map((v, i) => [cols[i]!, v]));
    out.set(f['hostname']!, {
      host: f['hostname']!,
      cluster: f['cluster']!,
      role: f['role']!,
      rack: f['rack']!,
      datagroup: f['datagroup']!,
      ticket: f['ticket']!,
      handsOff: f['hadoop_exclude'] === 'yes',
      responsive: f['responsive'] === 'yes',
      puppetOk: f['puppet_ok'] === 'yes',
      rekicking: f['rekick-in-progress'] === 'yes',
      rekicked: f['rekicked'] === 'yes',
    });
  }
  return out;
}

export const inventory = (simDir: string) => parseInventory(simOk('inventory', ['--sim', simDir]));

// ---------------------------------------------------------------- sim show (does not move the clock)

export interface ShownHost {
  hdfsLive: boolean;
  hdfs: string;
  yarn: string;
  rest: string;
}

/** Every host `sim show` lists (those not plainly healthy and in service); the others are live, Normal, RUNNING. */
export function show(simDir: string): { ticks: Map<string, number>; hosts: Map<string, ShownHost> } {
  const ticks = new Map<string, number>();
  const hosts = new Map<string, ShownHost>();
  for (const line of simOk('sim', ['show', '--sim', simDir]).split('\n')) {
    let m = /^(\S+): tick (-?\d+) /.exec(line);
    if (m) ticks.set(m[1]!, Number(m[2]));
    m = /^ {2}(\S+) {2}hdfs (live|dead) (Normal|Decommission in progress|Decommissioned), yarn ([A-Z]+)(.*)$/.exec(line);
    if (m) hosts.set(m[1]!, { hdfsLive: m[2] === 'live', hdfs: m[3]!, yarn: m[4]!, rest: m[5]! });
  }
  return { ticks, hosts };
}

export function shownHost(s: ReturnType<typeof show>, host: string): ShownHost {
  return s.hosts.get(host) ?? { hdfsLive: true, hdfs: 'Normal', yarn: 'RUNNING', rest: '' };
}

// ---------------------------------------------------------------- exclude files

/** The names in a hosts file, by the rules HDFS reads it with (whitespace separates, `#` comments out the rest of a line). */
export function hostsFile(file: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    for (const tok of line.split(/[ \t\f\r]+/)) {
      if (!tok) continue;
      if (tok.startsWith('#')) break;
      out.push(tok);
    }
  }
  return out;
}

export function excludes(simDir: string, cluster: string): { hdfs: string[]; yarn: string[] } {
  return { hdfs: hostsFile(path.join(confDir(simDir, cluster), 'dfs.exclude')), yarn: hostsFile(path.join(confDir(simDir, cluster), 'yarn.exclude')) };
}

// ---------------------------------------------------------------- the demo config, changed for a test

/** A shell wrapper that keeps a copy of what a source command printed in FILE (exit status kept). */
const TEE = 'f=$1; shift; "$@" > "$f.part"; rc=$?; cat "$f.part"; mv -f "$f.part" "$f"; exit $rc';

/**
 * Rewrites the demo's config with `edit` (a yaml Document). `tee(dir)` makes
 * every hdfs, yarn and inventory source keep a copy of its output as
 * `dir/<source>`, so a test reads exactly what breakfix read in the last pull.
 */
export function editConfig(config: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(fs.readFileSync(config, 'utf8'));
  edit(doc);
  fs.writeFileSync(config, doc.toString());
}

export function teeSources(config: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  editConfig(config, (doc) => {
    const sources = parseYaml(fs.readFileSync(config, 'utf8')).datacenters.demo.sources as Record<string, Record<string, unknown>>;
    for (const [name, s] of Object.entries(sources)) {
      const key = s['type'] === 'hdfs' ? ['report', 'command'] : s['type'] === 'yarn' ? ['nodes', 'command'] : s['type'] === 'inventory' ? ['command'] : null;
      if (!key) continue;
      const cmd = doc.getIn(['datacenters', 'demo', 'sources', name, ...key]) as { toJSON(): string[] };
      doc.setIn(['datacenters', 'demo', 'sources', name, ...key], doc.createNode(['sh', '-c', TEE, 'sh', path.join(dir, name), ...cmd.toJSON()], { flow: true }));
    }
  });
}

// ---------------------------------------------------------------- the shipped policy's drain budget, worked out here

interface Limits {
  pct: number;
  floor: number;
  ceiling: number;
}

/** cap = min(ceiling, max(floor, floor(pct × N / 100))), or the rule's max:, per DESIGN §5, from policy/policy.yaml's numbers. */
export function shippedCap(cluster: string, workers: number, op: string): { cap: number; archetype: string } {
  const p = parseYaml(fs.readFileSync(path.join(ROOT, 'policy', 'policy.yaml'), 'utf8')) as {
    archetypes: Record<string, { ops: Record<string, Limits> }>;
    classify: Array<{ cluster?: string; workers_below?: number; cluster_attr?: unknown; archetype: string; max?: Record<string, number> }>;
  };
  for (const rule of p.classify) {
    if (rule.cluster !== undefined && rule.cluster !== cluster) continue;
    if (rule.workers_below !== undefined && !(workers < rule.workers_below)) continue;
    if (rule.cluster_attr !== undefined) continue; // no clusters.tsv in the simulated datacenter
    const l = p.archetypes[rule.archetype]!.ops[op]!;
    const cap = rule.max?.[op] ?? Math.min(l.ceiling, Math.max(l.floor, Math.floor((l.pct * workers) / 100)));
    return { cap, archetype: rule.archetype };
  }
  throw new Error(`no classify rule for ${cluster}`);
}

// ---------------------------------------------------------------- breakfix's working directory

export interface PlanJson {
  pass: number;
  seed: string;
  dry_run: boolean;
  budgets: Array<{ cluster: string; op: string; archetype: string; workers: number; cap: number; busy: number; headroom: number; candidates: number; chosen: number }>;
  refusals: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
  chosen: Record<string, string[]>;
}

export interface ApplyJson {
  applied: string;
  outcomes: Array<{ cluster: string; op: string; planned: string[]; acted: string[]; ok: string[]; failed: string[]; error?: string }>;
  refusals: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
}

export interface OpenJson {
  entries: Array<{ host: string; cluster: string; op: string; day: string; pass: number; applied: string }>;
}

export const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** A group's lines (a group ends every line with \n). */
export function groupLines(file: string): string[] {
  const t = fs.readFileSync(file, 'utf8');
  return t === '' ? [] : t.slice(0, -1).split('\n');
}
