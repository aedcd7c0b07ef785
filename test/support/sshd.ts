// A real OpenSSH server on 127.0.0.1 for the remote-exec tests: its own
// config, host key and authorized key in a temporary directory, and an
// ssh_config that sends many host names to it (and one to a closed port).
import { freePort } from './net.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';

export const SSHD = '/usr/sbin/sshd';

/** The first executable `name` on PATH (or in the usual system directories). */
export function findBinary(name: string): string | null {
  if (path.isAbsolute(name)) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin'];
  for (const dir of dirs) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A tool a test needs, and the Debian package that has it. */
export interface Tool {
  bin: string;
  pkg: string;
}

export const OPENSSH: Tool[] = [
  { bin: SSHD, pkg: 'openssh-server' },
  { bin: 'ssh', pkg: 'openssh-client' },
  { bin: 'ssh-keygen', pkg: 'openssh-client' },
  { bin: 'timeout', pkg: 'coreutils' },
];
export const PDSH: Tool = { bin: 'pdsh', pkg: 'pdsh' };
export const CLUSH: Tool = { bin: 'clush', pkg: 'clustershell' };

/**
 * `describe` when every tool is there. Otherwise the block fails on CI
 * (`CI=true`), where a missing tool is a broken image, and is skipped
 * elsewhere with a message naming the packages to install.
 */
export function describeWith(title: string, tools: Tool[], body: () => void): void {
  const missing = tools.filter((t) => !findBinary(t.bin));
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const why = `${missing.map((t) => t.bin).join(', ')} not found; install with: apt-get install ${[...new Set(missing.map((t) => t.pkg))].join(' ')}`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the tools it needs', () => {
        throw new Error(why);
      });
    });
  } else {
    console.warn(`${title}: skipped: ${why}`);
    describe.skip(`${title} (skipped: ${why})`, () => {
      it('needs the tools', () => undefined);
    });
  }
}

export interface Sshd {
  dir: string;
  port: number;
  /** A port nothing listens on. */
  deadPort: number;
  /** The ssh_config file to give ssh, pdsh and clush with -F. */
  sshConfig: string;
  /** The private key the config logs in with. */
  identity: string;
  /** dn001.test.example.com … in order; the config maps them all to the server. */
  hosts: string[];
  /** Maps to the closed port: every connection is refused (ssh exits 255). */
  deadHost: string;
  user: string;
  pid: number;
  stop(): Promise<void>;
}


/** True when the process runs (a zombie left for a parent that never reaps it does not). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below `pid` (children, their children, ...), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Waits (bounded) until `check` holds; false when it never did. */
export async function waitFor(check: () => boolean, ms: number, every = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Connects and reads the server's `SSH-2.0-` banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('data', (b) => done(b.toString('latin1').startsWith('SSH-')));
    s.once('error', () => done(false));
  });
}

function hostName(i: number): string {
  return `dn${String(i).padStart(3, '0')}.test.example.com`;
}

/** Starts the server; it is ready (its banner read) when this resolves, within 15 s or an error. */
export async function startSshd(opts: { hosts?: number } = {}): Promise<Sshd> {
  const count = opts.hosts ?? 120;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-sshd-'));
  const user = os.userInfo().username;
  const hostKey = path.join(dir, 'host_ed25519');
  const identity = path.join(dir, 'id_ed25519');
  for (const key of [hostKey, identity]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'breakfix-test', '-f', key], { stdio: 'pipe' });
  const authorized = path.join(dir, 'authorized_keys');
  fs.copyFileSync(`${identity}.pub`, authorized);
  const pidFile = path.join(dir, 'sshd.pid');
  const port = await freePort();
  const deadPort = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'X11Forwarding no',
      'PermitUserRC no',
      // bash reads ~/.bashrc for a command run by sshd only at shell level 1:
      // the machine's own rc files stay out of the tests' output and timing.
      'SetEnv SHLVL=1',
      'MaxStartups 200',
      'MaxSessions 200',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const common = [
    `  User ${user}`,
    `  IdentityFile ${identity}`,
    '  IdentitiesOnly yes',
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  GlobalKnownHostsFile /dev/null',
    '  LogLevel ERROR',
    // The quickest key exchange: the tests time what the tools do, not the CPU's lattice maths.
    '  KexAlgorithms curve25519-sha256',
  ];
  const sshConfig = path.join(dir, 'ssh_config');
  // ssh takes the first value it finds, so the dead host comes before the pattern.
  fs.writeFileSync(
    sshConfig,
    ['Host dead.test.example.com', '  HostName 127.0.0.1', `  Port ${deadPort}`, ...common, 'Host *.test.example.com', '  HostName 127.0.0.1', `  Port ${port}`, ...common, ''].join('\n'),
  );
  try {
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // not root: sshd runs without privilege separation then
  }
  let log = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  let exited: string | null = null;
  child.on('exit', (code, sig) => (exited = String(code ?? sig)));
  const stop = async () => {
    const pid = readPid(pidFile) ?? child.pid;
    if (pid !== undefined) {
      // The listener first, then the sessions it forked (and their commands).
      const below = descendants(pid);
      for (const p of [pid, ...below]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await waitFor(() => ![pid, ...below].some(alive), 5000);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd exited (${exited}) before it accepted connections:\n${log}`);
    }
    if (await banner(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`sshd did not accept connections on 127.0.0.1:${port} within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitFor(() => readPid(pidFile) !== null, 2000);
  const hosts = Array.from({ length: count }, (_, i) => hostName(i + 1));
  return { dir, port, deadPort, sshConfig, identity, hosts, deadHost: 'dead.test.example.com', user, pid: readPid(pidFile) ?? child.pid!, stop };
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** One server for the enclosing block: started in beforeAll, stopped in afterAll. */
export function useSshd(opts: { hosts?: number } = {}): () => Sshd {
  let server: Sshd | null = null;
  beforeAll(async () => {
    server = await startSshd(opts);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('sshd is not running');
    return server;
  };
}
