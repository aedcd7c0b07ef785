import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecConfig } from '../config/config.js';
import { collectPrefixed, hostLabels, withExitMarker, type ToolSays } from './fanin.js';
import { remoteCommand } from './quote.js';
import { AdapterError, type Adapter, type ExecRequest, type HostResult } from './types.js';

interface ToolRun {
  stdout: string;
  stderr: string;
  code: number | null;
  aborted: boolean;
}

/** Runs a fan-out tool once for all hosts, collecting its output (tools print `host: line`). */
function runTool(argv: string[], req: ExecRequest, env: NodeJS.ProcessEnv, install: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let aborted = false;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // gone
      }
    };
    // The tool enforces per-host timeouts itself; this is the backstop for the tool.
    const backstop = setTimeout(() => kill('SIGKILL'), req.timeoutMs + req.connectTimeoutMs + 30_000);
    const onAbort = () => {
      aborted = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 1000).unref();
    };
    req.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(backstop);
      req.signal.removeEventListener('abort', onAbort);
      reject(new AdapterError(e.code === 'ENOENT' ? `${argv[0]}: not found on PATH; ${install}, or choose another exec adapter` : `${argv[0]}: ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(backstop);
      req.signal.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1'), code, aborted });
    });
  });
}

function hostsFile(req: ExecRequest): string {
  const file = path.join(req.outDir, '.hosts');
  fs.writeFileSync(file, req.hosts.join('\n') + '\n');
  return file;
}

function refuseHostTemplate(name: string, argv: string[]): void {
  if (argv.some((a) => a.includes('{host}'))) {
    throw new AdapterError(`the ${name} adapter runs one command for all hosts, so {host} cannot be filled in per host; use the ssh or local adapter`);
  }
}

/**
 * The hosts of a folded ClusterShell node set: `dn[001-003,007].dc1.example.com`,
 * `r[1-2]-n[01-02].x` (every combination), several joined by commas.
 */
export function expandNodeSet(set: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < set.length; i++) {
    if (set[i] === '[') depth++;
    else if (set[i] === ']') depth--;
    else if (set[i] === ',' && depth === 0) {
      terms.push(set.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(set.slice(start));
  const out: string[] = [];
  for (const term of terms) {
    let names = [''];
    for (const m of term.matchAll(/\[([^\]]*)\]|[^[]+/g)) {
      if (m[1] === undefined) {
        names = names.map((n) => n + m[0]);
        continue;
      }
      const values: string[] = [];
      for (const part of m[1].split(',')) {
        const r = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(part);
        if (!r) return [];
        if (r[2] === undefined) {
          values.push(r[1]!);
          continue;
        }
        const [lo, hi, step] = [Number(r[1]), Number(r[2]), Number(r[3] ?? 1)];
        if (hi - lo > 1_000_000 || step < 1) return [];
        for (let n = lo; n <= hi; n += step) values.push(String(n).padStart(r[1]!.length, '0'));
      }
      names = names.flatMap((n) => values.map((v) => n + v));
    }
    out.push(...names);
  }
  return out;
}

/**
 * What the tool said about hosts on stderr: `pdsh@node: dn01: ssh exited with
 * exit code 255`, `pdsh@node: dn01: command timeout`, `clush: dn[01-03].x:
 * command timeout`. A timeout stands whatever the tool says after it (pdsh
 * reports the ssh it killed as exiting 255); exit 255 is unreachable, any
 * other exit code a failure of the command itself.
 */
function parseToolStderr(stderr: string, hosts: readonly string[]): Map<string, ToolSays> {
  const said = new Map<string, ToolSays>();
  const labels = hostLabels(hosts);
  for (const line of stderr.split('\n')) {
    const m = /^(\S+?): ([^\s:]+): (.*)$/.exec(line.trim());
    // A line that starts with a host's label is that host's own stderr.
    if (!m || labels.has(m[1]!)) continue;
    const named = labels.has(m[2]!) ? [m[2]!] : m[2]!.includes('[') ? expandNodeSet(m[2]!) : [];
    const msg = m[3]!;
    const code = /exit(?:ed with exit)? code (\d+)/.exec(msg);
    for (const label of named) {
      const host = labels.get(label);
      if (!host || said.get(host)?.status === 'timeout') continue;
      if (/command timeout/i.test(msg) || (/timed out/i.test(msg) && !/connect/i.test(msg))) said.set(host, { status: 'timeout', note: msg });
      else if (code) said.set(host, { status: code[1] === '255' ? 'unreachable' : 'failed', note: msg, exitCode: Number(code[1]) });
      else if (!said.has(host)) said.set(host, { status: 'unreachable', note: msg });
    }
  }
  return said;
}

async function fanOut(name: string, argv: string[], req: ExecRequest, env: NodeJS.ProcessEnv, install: string): Promise<HostResult[]> {
  const started = Date.now();
  const r = await runTool(argv, req, env, install);
  const said = parseToolStderr(r.stderr, req.hosts);
  if (r.aborted) for (const h of req.hosts) if (!said.has(h)) said.set(h, { status: 'failed', note: 'stopped' });
  const results = collectPrefixed(r, req.hosts, req.outDir, said, (Date.now() - started) / 1000);
  if (results.every((x) => x.status === 'unreachable') && r.code !== 0 && said.size === 0) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new AdapterError(`${name} exited ${r.code} without reaching any host${why ? `: ${why}` : ''}`);
  }
  results.forEach((x, i) => req.onResult?.(x, i + 1, results.length));
  return results;
}

/** pdsh over ssh: `pdsh -R ssh -w ^HOSTSFILE -f N -t CONNECT -u TIMEOUT CMD`. */
export function pdshAdapter(cfg: ExecConfig): Adapter {
  return {
    name: 'pdsh',
    run(req) {
      refuseHostTemplate('pdsh', req.argv);
      const sshArgs = ['-o BatchMode=yes', `-o ConnectTimeout=${Math.max(1, Math.round(req.connectTimeoutMs / 1000))}`];
      if (cfg.sshConfig) sshArgs.push(`-F ${cfg.sshConfig}`);
      const env: NodeJS.ProcessEnv = { ...process.env, PDSH_SSH_ARGS_APPEND: sshArgs.join(' ') };
      const argv = [
        'pdsh', '-R', 'ssh', '-w', `^${hostsFile(req)}`, '-f', String(req.concurrency),
        '-t', String(Math.max(1, Math.round(req.connectTimeoutMs / 1000))),
        '-u', String(Math.max(1, Math.round(req.timeoutMs / 1000))),
        ...(cfg.user ? ['-l', cfg.user] : []),
        withExitMarker(remoteCommand(req.argv, req.timeoutMs)),
      ];
      return fanOut('pdsh', argv, req, env, 'install it with: apt-get install pdsh');
    },
  };
}

/** ClusterShell: `clush --hostfile F -f N -t CONNECT -u TIMEOUT -o SSH_OPTS CMD`. */
export function clushAdapter(cfg: ExecConfig): Adapter {
  return {
    name: 'clush',
    run(req) {
      refuseHostTemplate('clush', req.argv);
      const sshOpts = ['-oBatchMode=yes'];
      if (cfg.sshConfig) sshOpts.push('-F', cfg.sshConfig);
      const argv = [
        'clush', '--hostfile', hostsFile(req), '-f', String(req.concurrency),
        '-t', String(Math.max(1, Math.round(req.connectTimeoutMs / 1000))),
        '-u', String(Math.max(1, Math.round(req.timeoutMs / 1000))),
        '-o', sshOpts.join(' '), '--nostdin',
        ...(cfg.user ? ['-l', cfg.user] : []),
        withExitMarker(remoteCommand(req.argv, req.timeoutMs)),
      ];
      return fanOut('clush', argv, req, process.env, 'install it with: apt-get install clustershell');
    },
  };
}

/**
 * Any fleet tool, from a template: `["fleetexec", "--hosts", "{hostsfile}", "--", "{cmd}"]`.
 * The tool is expected to print `host: line` like pdsh; each host's exit
 * status comes from a marker the command echoes, and a host that never
 * printed one counts as unreachable.
 */
export function commandAdapter(cfg: ExecConfig): Adapter {
  const template = cfg.command ?? [];
  return {
    name: 'command',
    run(req) {
      refuseHostTemplate('command', req.argv);
      const file = hostsFile(req);
      const cmd = withExitMarker(remoteCommand(req.argv, req.timeoutMs));
      const argv = template.map((a) => a.split('{hostsfile}').join(file).split('{cmd}').join(cmd));
      return fanOut(template[0] ?? 'command', argv, req, process.env, 'install it, or point exec.command in the config at the right tool');
    },
  };
}
