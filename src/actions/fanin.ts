import fs from 'node:fs';
import path from 'node:path';
import type { HostResult, HostStatus } from './types.js';

/** Appended to the remote command so every host reports its own exit status in its output. */
export const RC_MARK = '__breakfix_rc=';

export function withExitMarker(shellCmd: string): string {
  return `${shellCmd}; echo ${RC_MARK}$?`;
}

/**
 * Splits the `host: line` output of a fan-out tool (pdsh, clush, a fleet
 * tool) into one file per host, and reads each host's exit status from the
 * marker line. `toolSays` maps what the tool itself reported per host (on its
 * stderr) to a status, for hosts that never printed a marker.
 */
export function collectPrefixed(
  stdout: string,
  hosts: readonly string[],
  outDir: string,
  toolSays: Map<string, { status: HostStatus; note: string }>,
  seconds: number,
): HostResult[] {
  const wanted = new Set(hosts);
  const chunks = new Map<string, string[]>(hosts.map((h) => [h, []]));
  const rc = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^([^\s:]+): ?(.*)$/.exec(line);
    if (!m || !wanted.has(m[1]!)) continue;
    const [, host, rest] = m as unknown as [string, string, string];
    if (rest.startsWith(RC_MARK)) {
      rc.set(host, Number(rest.slice(RC_MARK.length)));
      continue;
    }
    chunks.get(host)!.push(rest);
  }
  return hosts.map((host) => {
    const said = toolSays.get(host);
    const lines = chunks.get(host)!;
    if (said) lines.push(`[${said.note}]`);
    fs.writeFileSync(path.join(outDir, `${host}.out`), lines.length ? lines.join('\n') + '\n' : '');
    const code = rc.get(host);
    let status: HostStatus;
    if (code !== undefined) status = code === 0 ? 'ok' : 'failed';
    else status = said?.status ?? 'unreachable';
    return { host, status, exitCode: code ?? null, seconds };
  });
}
