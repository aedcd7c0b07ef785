import fs from 'node:fs';
import path from 'node:path';
import type { ExecConfig } from '../config/config.js';
import { canonicalHost, isCanonicalHost } from '../sources/hostnames.js';
import { writeGroup } from '../store/group.js';
import { localAdapter } from './local.js';
import { clushAdapter, commandAdapter, pdshAdapter } from './multi.js';
import { sshAdapter } from './ssh.js';
import type { Adapter, HostResult, HostStatus } from './types.js';

export const EXEC_GROUPS: Record<HostStatus, string> = {
  ok: 'exec-ok',
  failed: 'exec-failed',
  timeout: 'exec-timeout',
  unreachable: 'exec-unreachable',
};

export const DEFAULT_EXEC: ExecConfig = {
  adapter: 'ssh',
  concurrency: 64,
  connectTimeoutMs: 10_000,
  timeoutMs: 300_000,
  sshConfig: null,
  user: null,
  command: null,
  controlPersistS: 600,
};

export function adapterFor(cfg: ExecConfig): Adapter {
  switch (cfg.adapter) {
    case 'ssh':
      return sshAdapter(cfg);
    case 'pdsh':
      return pdshAdapter(cfg);
    case 'clush':
      return clushAdapter(cfg);
    case 'command':
      return commandAdapter(cfg);
    case 'local':
      return localAdapter();
  }
}

export interface FanOut {
  results: HostResult[];
  /** Names refused before anything ran (invariant 7): never passed to any shell. */
  refused: Array<{ raw: string; reason: string }>;
  counts: Record<HostStatus, number>;
  outDir: string;
}

/**
 * Runs a command on hosts through the configured adapter. Only canonical host
 * names are passed on; each host's output lands in `<outDir>/<host>.out` and
 * the groups exec-ok, exec-failed, exec-timeout, exec-unreachable are written
 * beside them, also when the fan-out was stopped part-way.
 */
export async function fanOut(opts: {
  cfg: ExecConfig;
  hosts: string[];
  argv: string[];
  outDir: string;
  signal: AbortSignal;
  label: string;
  onResult?: (r: HostResult, done: number, total: number) => void;
  /** false: the caller writes the exec-* groups (one op over several clusters writes them once). */
  writeGroups?: boolean;
}): Promise<FanOut> {
  const refused: FanOut['refused'] = [];
  const ok: string[] = [];
  for (const h of opts.hosts) {
    if (isCanonicalHost(h)) ok.push(h);
    else refused.push({ raw: h, reason: canonicalHost(h, { domain: null }).error ?? 'not in canonical form (lower case, fully qualified)' });
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  const adapter = adapterFor(opts.cfg);
  const results =
    ok.length === 0
      ? []
      : await adapter.run({
          hosts: ok,
          argv: opts.argv,
          outDir: opts.outDir,
          concurrency: opts.cfg.concurrency,
          timeoutMs: opts.cfg.timeoutMs,
          connectTimeoutMs: opts.cfg.connectTimeoutMs,
          signal: opts.signal,
          onResult: opts.onResult,
        });
  const time = new Date().toISOString();
  const counts = opts.writeGroups === false ? countByStatus(results) : writeExecGroups(opts.outDir, results, adapter.name, opts.label, time);
  if (opts.writeGroups === false) return { results, refused, counts, outDir: opts.outDir };
  fs.writeFileSync(
    path.join(opts.outDir, '.command.json'),
    JSON.stringify({ argv: opts.argv, adapter: adapter.name, hosts: opts.hosts.length, refused, counts, time, stopped: opts.signal.aborted }, null, 2) + '\n',
  );
  return { results, refused, counts, outDir: opts.outDir };
}

export function countByStatus(results: readonly HostResult[]): Record<HostStatus, number> {
  const counts: Record<HostStatus, number> = { ok: 0, failed: 0, timeout: 0, unreachable: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** exec-ok, exec-failed, exec-timeout, exec-unreachable beside the hosts' output files. */
export function writeExecGroups(dir: string, results: readonly HostResult[], source: string, label: string, time: string): Record<HostStatus, number> {
  for (const status of Object.keys(EXEC_GROUPS) as HostStatus[]) {
    const hosts = results.filter((r) => r.status === status).map((r) => r.host).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    writeGroup(dir, EXEC_GROUPS[status], hosts, { kind: 'exec', source, inputs: [label], time });
  }
  return countByStatus(results);
}

export function summaryLine(c: Record<HostStatus, number>): string {
  return `ok ${c.ok} failed ${c.failed} timeout ${c.timeout} unreachable ${c.unreachable}`;
}
