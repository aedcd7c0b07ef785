import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecConfig } from '../config/config.js';
import { collectPrefixed, withExitMarker } from './fanin.js';
import { shellCommand } from './quote.js';
import { AdapterError, type Adapter, type ExecRequest, type HostResult, type HostStatus } from './types.js';

interface ToolRun {
  stdout: string;
  stderr: string;
  code: number | null;
  aborted: boolean;
}

/** Runs a fan-out tool once for all hosts, collecting its output (tools print `host: line`). */
function runTool(argv: string[], req: ExecRequest, env: NodeJS.ProcessEnv): Promise<ToolRun> {
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
      reject(new AdapterError(e.code === 'ENOENT' ? `${argv[0]}: not found; install it (apt-get install ${argv[0] === 'clush' ? 'clustershell' : argv[0]}) or choose another exec adapter` : `${argv[0]}: ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(backstop);
      req.signal.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, aborted });
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

/** What the tool said about a host on stderr: `<prefix>: host: ssh exited with exit code 255`, `...: command timeout`. */
function parseToolStderr(stderr: string, hosts: readonly string[]): Map<string, { status: HostStatus; note: string }> {
  const said = new Map<string, { status: HostStatus; note: string }>();
  const wanted = new Set(hosts);
  for (const line of stderr.split('\n')) {
    const m = /^\S+?: ([^\s:]+): (.*)$/.exec(line.trim());
    if (!m || !wanted.has(m[1]!)) continue;
    const msg = m[2]!;
    const code = /exit(?:ed with exit)? code (\d+)/.exec(msg);
    if (/timeout|timed out/i.test(msg)) said.set(m[1]!, { status: 'timeout', note: msg });
    else if (code && code[1] === '255') said.set(m[1]!, { status: 'unreachable', note: msg });
    else if (!said.has(m[1]!)) said.set(m[1]!, { status: 'unreachable', note: msg });
  }
  return said;
}

async function fanOut(name: string, argv: string[], req: ExecRequest, env: NodeJS.ProcessEnv): Promise<HostResult[]> {
  const started = Date.now();
  const r = await runTool(argv, req, env);
  const said = parseToolStderr(r.stderr, req.hosts);
  if (r.aborted) for (const h of req.hosts) if (!said.has(h)) said.set(h, { status: 'failed', note: 'stopped' });
  const results = collectPrefixed(r.stdout, req.hosts, req.outDir, said, (Date.now() - started) / 1000);
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
        withExitMarker(shellCommand(req.argv)),
      ];
      return fanOut('pdsh', argv, req, env);
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
        withExitMarker(shellCommand(req.argv)),
      ];
      return fanOut('clush', argv, req, process.env);
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
      const cmd = withExitMarker(shellCommand(req.argv));
      const argv = template.map((a) => a.split('{hostsfile}').join(file).split('{cmd}').join(cmd));
      return fanOut(template[0] ?? 'command', argv, req, process.env);
    },
  };
}
