// exec over a real sshd on 127.0.0.1, against pdsh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { die, host, runOnce, median, fmtSecs } from '../lib.mjs';

// ---------------------------------------------------------------- exec inputs: a real sshd on 127.0.0.1

const EXEC_HOSTS = 100;
const EXEC_FANOUT = 32;
const SSHD = '/usr/sbin/sshd';

function onPath(name) {
  if (path.isAbsolute(name)) return fs.existsSync(name);
  return [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin'].some((d) => d && fs.existsSync(path.join(d, name)));
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A port nothing listens on now, from the kernel (asked in a child: this file stays synchronous). */
function freePort() {
  const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  const port = Number(r.stdout.trim());
  if (!Number.isInteger(port) || port <= 0) die(`no free port: ${r.stderr}`);
  return port;
}

/** Every process below `pid`, from /proc. */
function descendants(pid) {
  const children = new Map();
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
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * exec/: an OpenSSH server on a free port of 127.0.0.1 with its own host key
 * and authorized key, an ssh_config that sends dn001..dn100.bench.example.com
 * to it (BatchMode, one key exchange for both sides), the host list, and two
 * breakfix configs: no connection reuse, and ControlPersist. The server and
 * any ControlMaster left are stopped when the bench exits.
 */
function execInputs(ctx) {
  const need = [
    [SSHD, 'openssh-server'],
    ['ssh', 'openssh-client'],
    ['ssh-keygen', 'openssh-client'],
    ['timeout', 'coreutils'],
    ['pdsh', 'pdsh'],
  ];
  const missing = need.filter(([bin]) => !onPath(bin));
  if (missing.length) return { skip: `${missing.map((m) => m[0]).join(', ')} not found; install with: apt-get install ${[...new Set(missing.map((m) => m[1]))].join(' ')}` };
  const dir = path.join(ctx.dir, 'exec');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const identity = path.join(dir, 'id_ed25519');
  for (const key of [hostKey, identity]) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'breakfix-bench', '-f', key], { encoding: 'utf8' });
    if (r.status !== 0) die(`ssh-keygen: ${r.stderr}`);
  }
  fs.copyFileSync(`${identity}.pub`, path.join(dir, 'authorized_keys'));
  const port = freePort();
  const pidFile = path.join(dir, 'sshd.pid');
  const log = path.join(dir, 'sshd.log');
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PermitUserRC no',
      // bash skips ~/.bashrc at shell level 2: the machine's rc files stay out of the timing.
      'SetEnv SHLVL=1',
      'MaxStartups 200',
      'MaxSessions 200',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    [
      'Host *.bench.example.com',
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${os.userInfo().username}`,
      `  IdentityFile ${identity}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '  KexAlgorithms curve25519-sha256',
      '',
    ].join('\n'),
  );
  const hosts = Array.from({ length: EXEC_HOSTS }, (_, i) => `dn${String(i + 1).padStart(3, '0')}.bench.example.com`);
  fs.writeFileSync(path.join(dir, 'hosts'), hosts.map((h) => `${h}\n`).join(''));
  const config = (persist) =>
    `home: ./home\ndatacenters:\n  bench:\n    exec:\n      adapter: ssh\n      ssh_config: ./ssh_config\n      concurrency: ${EXEC_FANOUT}\n      connect_timeout: 10s\n      timeout: 300s\n      control_persist: ${persist}\n`;
  fs.writeFileSync(path.join(dir, 'breakfix.yaml'), config('0'));
  fs.writeFileSync(path.join(dir, 'breakfix-reuse.yaml'), config('120s'));

  try {
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // not root: sshd runs without privilege separation
  }
  const started = spawnSync(SSHD, ['-f', path.join(dir, 'sshd_config'), '-E', log], { encoding: 'utf8' });
  if (started.status !== 0) die(`sshd did not start: ${started.stderr}${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  // The socket the reused connection listens on: breakfix's ControlPath (its own directory, %C).
  const controlPath = path.join(os.tmpdir(), `breakfix-ssh-${process.getuid?.() ?? 'u'}`, '%C');
  const socket = spawnSync('ssh', ['-G', '-F', sshConfig, '-o', `ControlPath=${controlPath}`, hosts[0]], { encoding: 'utf8' })
    .stdout.split('\n')
    .find((l) => l.startsWith('controlpath '))
    ?.slice('controlpath '.length);
  let pid = null;
  process.on('exit', () => {
    if (socket) spawnSync('ssh', ['-S', socket, '-O', 'exit', hosts[0]], { stdio: 'ignore' });
    if (pid === null) return;
    for (const p of [pid, ...descendants(pid)]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (pid === null && fs.existsSync(pidFile)) pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || null;
    const probe = spawnSync('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', hosts[0], 'true'], { encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0 && pid !== null) break;
    if (Date.now() > deadline) die(`sshd on 127.0.0.1:${port} did not let ssh in within 15 s: ${probe.stderr}${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    sleepMs(100);
  }
  return (
    `${EXEC_HOSTS} host names on one OpenSSH server at 127.0.0.1:${port} (${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}); ` +
    `both sides: the same ssh_config, BatchMode, ${EXEC_FANOUT} at once`
  );
}

/** breakfix with ControlPersist: one pass opens the connection, then passes that reuse it are timed. */
function execReuse(ctx, runs) {
  const argv = ['breakfix', '--config', 'exec/breakfix-reuse.yaml', 'exec', './exec/hosts', '--', 'true'];
  const first = runOnce(ctx, argv, '/dev/null');
  const again = [];
  for (let i = 0; i < runs; i++) again.push(runOnce(ctx, argv, '/dev/null'));
  return {
    label: 'reuse',
    argv,
    note: `first pass (opens the connection) ${fmtSecs(first.secs)}; every host name maps to 127.0.0.1, so all sessions share one master here`,
    secs: median(again.map((r) => r.secs)),
    rssMB: again[0].rssMB === null ? null : Math.max(...again.map((r) => r.rssMB)),
    target: 1.0,
  };
}


export const execCase = {
    name: 'exec',
    title: `exec true on ${EXEC_HOSTS} hosts: built-in ssh adapter vs pdsh -f ${EXEC_FANOUT}`,
    setup: execInputs,
    ours: ['breakfix', '--config', 'exec/breakfix.yaml', 'exec', './exec/hosts', '--', 'true'],
    theirs: ['env', 'PDSH_SSH_ARGS_APPEND=-o BatchMode=yes -o ConnectTimeout=10 -F exec/ssh_config', 'pdsh', '-R', 'ssh', '-w', '^exec/hosts', '-f', String(EXEC_FANOUT), 'true'],
    theirsLabel: `pdsh -f ${EXEC_FANOUT}`,
    runs: 5,
    target: { ratio: 1.3 },
    verify: false,
    // The aim: the second pass of breakfix with ControlMaster reuse, against the same pdsh runs.
    aim: execReuse,
  };
