import fs from 'node:fs';
import path from 'node:path';
import type { HostResult, HostStatus } from './types.js';

/** Appended to the remote command so every host reports its own exit status in its output. */
export const RC_MARK = '__breakfix_rc=';

export function withExitMarker(shellCmd: string): string {
  return `${shellCmd}; echo ${RC_MARK}$?`;
}

/** What the tool itself said about a host (on its stderr). */
export interface ToolSays {
  status: HostStatus;
  note: string;
  exitCode?: number;
}

/**
 * The host each output label stands for. pdsh drops the domain from its
 * labels when all hosts share one (`dn01: ...` for dn01.dc1.example.com), so
 * a first label that only one host has stands for that host too.
 */
export function hostLabels(hosts: readonly string[]): Map<string, string> {
  const first = (h: string) => h.split('.', 1)[0]!;
  const firsts = new Map<string, number>();
  for (const h of hosts) firsts.set(first(h), (firsts.get(first(h)) ?? 0) + 1);
  const labels = new Map<string, string>();
  for (const h of hosts) if (firsts.get(first(h)) === 1) labels.set(first(h), h);
  for (const h of hosts) labels.set(h, h);
  return labels;
}

const LINE = /^([^\s:]+): ?([^]*)$/;
const MARKED = new RegExp(`^([^]*)${RC_MARK}(\\d+)$`);

/**
 * Splits the `host: line` output of a fan-out tool (pdsh, clush, a fleet
 * tool) into one file per host: its stdout lines, then the lines it wrote to
 * stderr (the tool keeps the two apart, so their order relative to each other
 * is lost). Each host's exit status comes from the marker line, which also
 * ends a last line printed without a newline. `toolSays` maps what the tool
 * itself reported per host to a status, for hosts that never printed a
 * marker. The text is latin1 so every byte is written back as it came.
 */
export function collectPrefixed(
  output: { stdout: string; stderr: string },
  hosts: readonly string[],
  outDir: string,
  toolSays: Map<string, ToolSays>,
  seconds: number,
): HostResult[] {
  const labels = hostLabels(hosts);
  const chunks = new Map<string, string[]>(hosts.map((h) => [h, []]));
  const rc = new Map<string, number>();
  for (const [text, marked] of [
    [output.stdout, true],
    [output.stderr, false],
  ] as const) {
    for (const line of text.split('\n')) {
      const m = LINE.exec(line);
      const host = m && labels.get(m[1]!);
      if (!host) continue;
      let rest = m[2]!;
      const mark = marked ? MARKED.exec(rest) : null;
      if (mark) {
        rc.set(host, Number(mark[2]));
        if (mark[1] === '') continue;
        rest = mark[1]!;
      }
      chunks.get(host)!.push(rest);
    }
  }
  return hosts.map((host) => {
    const said = toolSays.get(host);
    const lines = chunks.get(host)!;
    if (said) lines.push(`[${said.note}]`);
    fs.writeFileSync(path.join(outDir, `${host}.out`), lines.length ? lines.join('\n') + '\n' : '', 'latin1');
    const code = rc.get(host);
    let status: HostStatus;
    if (code !== undefined) status = code === 0 ? 'ok' : 'failed';
    else status = said?.status ?? 'unreachable';
    return { host, status, exitCode: code ?? said?.exitCode ?? null, seconds };
  });
}
