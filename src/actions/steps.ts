import fs from 'node:fs';
import path from 'node:path';
import type { DatacenterConfig, ExecConfig } from '../config/config.js';
import { fanOut } from './exec.js';

/** What a head-node step needs: how to reach hosts, and a way to stop. */
export interface StepContext {
  dc: DatacenterConfig;
  exec: ExecConfig;
  signal: AbortSignal;
}

// A temporary name of its own per writer ($$): head nodes sharing a filesystem must not race.
export const WRITE_SCRIPT = 'f=$1; shift; t="$f.breakfix.$$.tmp"; { echo "# hosts excluded by breakfix (drains in progress or done, not yet returned)"; printf "%s\\n" "$@"; } > "$t" && mv -f "$t" "$f"';

export function kerberized(dc: DatacenterConfig, argv: string[]): string[] {
  if (!dc.kerberos) return argv;
  return ['sh', '-c', 'kinit -kt "$1" "$2" && shift 2 && exec "$@"', 'sh', dc.kerberos.keytab, dc.kerberos.principal, ...argv];
}

export class StepError extends Error {}

/** One step of the drain workflow on some head nodes; any host not ok stops the workflow. */
export async function step(input: StepContext, hosts: string[], argv: string[], dir: string, what: string): Promise<string> {
  const out = await fanOut({ cfg: input.exec, hosts, argv, outDir: dir, signal: input.signal, label: what });
  const bad = out.results.filter((r) => r.status !== 'ok');
  if (out.refused.length > 0) throw new StepError(`${what}: refused non-canonical head node names ${out.refused.map((r) => r.raw).join(', ')}`);
  if (bad.length > 0) {
    const first = bad[0]!;
    const text = fs.existsSync(path.join(dir, `${first.host}.out`)) ? fs.readFileSync(path.join(dir, `${first.host}.out`), 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
    throw new StepError(`${what} on ${first.host}: ${first.status}${first.exitCode !== null ? ` (exit ${first.exitCode})` : ''}${text ? `: ${text}` : ''}`);
  }
  const first = out.results[0];
  return first ? fs.readFileSync(path.join(dir, `${first.host}.out`), 'utf8') : '';
}


// The same atomic replace for a file given line by line (the combined hosts file).
export const WRITE_LINES_SCRIPT = 'f=$1; shift; t="$f.breakfix.$$.tmp"; printf "%s\\n" "$@" > "$t" && mv -f "$t" "$f"';
