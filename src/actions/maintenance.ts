import path from 'node:path';
import type { ClusterConfig } from '../config/config.js';
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

function between(out: string, label: string): string {
  const a = out.indexOf(`${BEGIN}\n`);
  const b = out.lastIndexOf(`\n${END}`);
  if (a < 0 || b < a) throw new StepError(`${label}: the file could not be read whole; nothing was changed`);
  return out.slice(a + BEGIN.length + 1, b);
}

/** Reads and validates the combined hosts file from the first NameNode; an invalid file changes nothing. */
export async function readHostsJson(ctx: MaintenanceContext, c: ClusterConfig, dir: string): Promise<HostsJsonEntry[]> {
  if (!c.hdfsHostsJson) throw new StepError(`cluster ${c.name} has no hdfs_hosts_json in the config`);
  if (c.namenodes.length === 0) throw new StepError(`cluster ${c.name} has no namenodes in the config: cannot read its combined hosts file`);
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
async function writeAndRefresh(ctx: MaintenanceContext, c: ClusterConfig, entries: HostsJsonEntry[], dir: string): Promise<void> {
  const lines = serializeHostsJson(entries).replace(/\n$/, '').split('\n');
  await step(ctx, c.namenodes, ['sh', '-c', WRITE_LINES_SCRIPT, 'sh', c.hdfsHostsJson!, ...lines], path.join(dir, 'write-hosts-json'), `write ${c.hdfsHostsJson}`);
  await step(ctx, c.namenodes, kerberized(ctx.dc, [...c.hdfsCommand, 'dfsadmin', '-refreshNodes']), path.join(dir, 'refresh-hdfs'), 'hdfs dfsadmin -refreshNodes');
}

function canon(domain: string | null): (raw: string) => string | null {
  return (raw) => canonicalHost(raw, { domain }).host ?? null;
}

/** Puts hosts into maintenance until `expiresMs` (epoch ms): read, change, write, refresh. */
export async function enterMaintenance(ctx: MaintenanceContext, c: ClusterConfig, hosts: string[], expiresMs: number, dir: string): Promise<void> {
  const entries = await readHostsJson(ctx, c, dir);
  await writeAndRefresh(ctx, c, setMaintenance(entries, hosts, expiresMs, canon(ctx.domain)), dir);
}

/** Takes hosts out of maintenance (back to NORMAL), keeping every other entry as it was. */
export async function leaveMaintenance(ctx: MaintenanceContext, c: ClusterConfig, hosts: string[], dir: string): Promise<void> {
  const entries = await readHostsJson(ctx, c, dir);
  await writeAndRefresh(ctx, c, endMaintenance(entries, hosts, canon(ctx.domain)), dir);
}
