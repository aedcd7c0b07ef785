import path from 'node:path';
import { canonicalHost } from '../sources/hostnames.js';
import { endMaintenance, parseHostsJson, serializeHostsJson, setMaintenance, type HostsJsonEntry } from './hosts-json.js';
import { kerberized, step, StepError, WRITE_LINES_SCRIPT, type StepContext } from './steps.js';

/**
 * HDFS maintenance through the NameNodes' combined hosts file
 * (CombinedHostFileManager): a host written as IN_MAINTENANCE with an expiry
 * is taken out of service without re-replication once every block it holds
 * has enough replicas elsewhere, and comes back by itself at the expiry, so
 * a loop killed mid-way never leaves a host in maintenance for ever.
 */

const BEGIN = '--- breakfix: begin of file ---';
const END = '--- breakfix: end of file ---';
// Markers around the content: an adapter's own chatter (ssh warnings) never reaches the parser.
const READ_SCRIPT = `test -f "$1" || { echo "no such file: $1" >&2; exit 66; }; echo '${BEGIN}'; cat "$1"; echo; echo '${END}'`;

export interface MaintenanceContext extends StepContext {
  /** hostnames.domain of the config: entries of the file may be short names or carry a port. */
  domain: string | null;
}

/**
 * The NameNodes that read one combined hosts file: a cluster's, or one
 * namespace's of a federated cluster (whose `fsArgs`, `-fs hdfs://NS`, aim
 * the refresh at that namespace).
 */
export interface NameNodeSide {
  name: string;
  namenodes: string[];
  hdfsCommand: string[];
  hdfsHostsJson: string | null;
  fsArgs?: string[];
}

function between(out: string, label: string): string {
  const a = out.indexOf(`${BEGIN}\n`);
  const b = out.lastIndexOf(`\n${END}`);
  if (a < 0 || b < a) throw new StepError(`${label}: the file could not be read whole; nothing was changed`);
  return out.slice(a + BEGIN.length + 1, b);
}

/** Reads and validates the combined hosts file from the first NameNode; an invalid file changes nothing. */
export async function readHostsJson(ctx: MaintenanceContext, c: NameNodeSide, dir: string): Promise<HostsJsonEntry[]> {
  if (!c.hdfsHostsJson) throw new StepError(`${c.fsArgs?.length ? '' : 'cluster '}${c.name} has no hdfs_hosts_json in the config`);
  if (c.namenodes.length === 0) throw new StepError(`${c.fsArgs?.length ? '' : 'cluster '}${c.name} has no namenodes in the config: cannot read its combined hosts file`);
  const nn = c.namenodes[0]!;
  const label = `${nn}:${c.hdfsHostsJson}`;
  const out = await step(ctx, [nn], ['sh', '-c', READ_SCRIPT, 'sh', c.hdfsHostsJson], path.join(dir, 'read-hosts-json'), `read ${c.hdfsHostsJson}`);
  try {
    return parseHostsJson(between(out, label), label);
  } catch (e) {
    if (e instanceof StepError) throw e;
    throw new StepError(`${(e as Error).message}; nothing was changed`);
  }
}

/** Writes the file on every NameNode (atomically on each), then has them re-read it. */
async function writeAndRefresh(ctx: MaintenanceContext, c: NameNodeSide, entries: HostsJsonEntry[], dir: string): Promise<void> {
  const lines = serializeHostsJson(entries).replace(/\n$/, '').split('\n');
  await step(ctx, c.namenodes, ['sh', '-c', WRITE_LINES_SCRIPT, 'sh', c.hdfsHostsJson!, ...lines], path.join(dir, 'write-hosts-json'), `write ${c.hdfsHostsJson}`);
  await step(ctx, c.namenodes, kerberized(ctx.dc, [...c.hdfsCommand, 'dfsadmin', ...(c.fsArgs ?? []), '-refreshNodes']), path.join(dir, 'refresh-hdfs'), `hdfs dfsadmin ${c.fsArgs?.length ? `${c.fsArgs.join(' ')} ` : ''}-refreshNodes`);
}

function canon(domain: string | null): (raw: string) => string | null {
  return (raw) => canonicalHost(raw, { domain }).host ?? null;
}

/** An edit the file refuses (it would recommission a host, or admit every DataNode) stops the step, changing nothing. */
function edit(c: NameNodeSide, f: () => HostsJsonEntry[]): HostsJsonEntry[] {
  try {
    return f();
  } catch (e) {
    throw new StepError(`${c.name} ${c.hdfsHostsJson}: ${(e as Error).message}; nothing was changed`);
  }
}

/** Puts hosts into maintenance until `expiresMs` (epoch ms): read, change, write, refresh. */
export async function enterMaintenance(ctx: MaintenanceContext, c: NameNodeSide, hosts: string[], expiresMs: number, dir: string): Promise<void> {
  const entries = await readHostsJson(ctx, c, dir);
  await writeAndRefresh(ctx, c, edit(c, () => setMaintenance(entries, hosts, expiresMs, canon(ctx.domain))), dir);
}

/** Takes hosts out of maintenance (back to NORMAL), keeping every other entry as it was. */
export async function leaveMaintenance(ctx: MaintenanceContext, c: NameNodeSide, hosts: string[], dir: string): Promise<void> {
  const entries = await readHostsJson(ctx, c, dir);
  await writeAndRefresh(ctx, c, edit(c, () => endMaintenance(entries, hosts, canon(ctx.domain))), dir);
}

const stateOf = (e: HostsJsonEntry) => (typeof e.adminState === 'string' ? e.adminState : 'NORMAL');

/**
 * Decommission through the combined hosts file: with CombinedHostFileManager
 * the NameNode reads no exclude file, and `adminState: "DECOMMISSIONED"` is how
 * a host is drained. Other keys of the entry (upgrade domain, port) are kept; a
 * maintenance the host was in gives way to the decommission.
 */
export function decommissionEntries(entries: HostsJsonEntry[], hosts: string[], canon: (raw: string) => string | null): HostsJsonEntry[] {
  const want = new Set(hosts);
  const seen = new Set<string>();
  const out = entries.map((e) => {
    const h = canon(e.hostName);
    if (h === null || !want.has(h)) return { ...e };
    seen.add(h);
    const { maintenanceExpireTimeInMS: _expiry, ...rest } = e;
    return { ...rest, adminState: 'DECOMMISSIONED' };
  });
  for (const h of hosts) if (!seen.has(h)) out.push({ hostName: h, adminState: 'DECOMMISSIONED' });
  return out;
}

/**
 * Recommission through the combined hosts file: the hosts' DECOMMISSIONED
 * entries lose their adminState (in service again), every other key kept. In a
 * file with no entry in service (the NameNode then admits every DataNode), an
 * entry that holds nothing but the name and state is removed instead, which
 * means the same without turning the file into a list of the only DataNodes
 * allowed.
 */
export function recommissionEntries(entries: HostsJsonEntry[], hosts: string[], canon: (raw: string) => string | null): HostsJsonEntry[] {
  const want = new Set(hosts);
  const admitsAll = !entries.some((e) => stateOf(e) === 'NORMAL');
  const out: HostsJsonEntry[] = [];
  for (const e of entries) {
    const h = canon(e.hostName);
    if (h === null || !want.has(h) || stateOf(e) !== 'DECOMMISSIONED') {
      out.push({ ...e });
      continue;
    }
    const { adminState: _state, ...rest } = e;
    if (admitsAll && Object.keys(rest).every((k) => k === 'hostName' || k === 'port')) continue;
    out.push(rest as HostsJsonEntry);
  }
  return out;
}

/** The HDFS half of a drain (`add`) or a return (`remove`) on a cluster with a combined hosts file. */
export async function changeDecommission(ctx: MaintenanceContext, c: NameNodeSide, hosts: string[], mode: 'add' | 'remove', dir: string): Promise<void> {
  const entries = await readHostsJson(ctx, c, dir);
  const cn = canon(ctx.domain);
  await writeAndRefresh(ctx, c, edit(c, () => (mode === 'add' ? decommissionEntries(entries, hosts, cn) : recommissionEntries(entries, hosts, cn))), dir);
}
