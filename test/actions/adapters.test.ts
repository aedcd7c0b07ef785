// The remote-exec adapters against a real OpenSSH server on 127.0.0.1:
// ssh (built in), pdsh, clush, a `command` template that calls pdsh, and
// local; then `breakfix exec` end to end, Ctrl-C included.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecConfig } from '../../src/config/config.js';
import { fanOut, type FanOut } from '../../src/actions/exec.js';
import { collectPrefixed, hostLabels, RC_MARK } from '../../src/actions/fanin.js';
import { expandNodeSet } from '../../src/actions/multi.js';
import { controlDir } from '../../src/actions/ssh.js';
import { AdapterError, type HostStatus } from '../../src/actions/types.js';
import { BIN, cleanEnv, tempDirs, writeFiles } from '../support/cli.js';
import { alive, CLUSH, describeWith, descendants, OPENSSH, PDSH, useSshd, waitFor, type Tool } from '../support/sshd.js';

const tmp = tempDirs();

/** The lines of a group file written by a fan-out. */
function group(dir: string, name: string): string[] {
  const text = fs.readFileSync(path.join(dir, name), 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/** Live processes whose command line contains `needle` (ssh, pdsh and clush name the ssh_config in theirs). */
function processesWith(needle: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle) && alive(Number(name))) out.push({ pid: Number(name), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pids written by commands into files under `dir`. */
function pidsIn(dir: string): number[] {
  return fs.readdirSync(dir).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()));
}

/** 5 MB of deterministic text lines: ASCII, shell metacharacters, tabs and multi-byte UTF-8. */
function bigText(): Buffer {
  let s = 7;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const chars = [...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t;$`\'"*\\é✓日本'];
  const lines: string[] = [];
  let n = 0;
  while (n < 5_000_000) {
    let l = '';
    for (let i = Math.floor(rand() * 120); i > 0; i--) l += chars[Math.floor(rand() * chars.length)];
    lines.push(`${l}\n`);
    n += Buffer.byteLength(lines[lines.length - 1]!);
  }
  return Buffer.from(lines.join(''));
}

/** 5 MB of lines of any bytes but newline (not UTF-8): what pdsh and ssh pass through untouched. */
function bigBinary(): Buffer {
  let s = 42;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const parts: Buffer[] = [];
  let n = 0;
  while (n < 5_000_000) {
    const b = Buffer.alloc(1 + Math.floor(rand() * 160));
    for (let i = 0; i < b.length - 1; i++) b[i] = 1 + Math.floor(rand() * 255);
    for (let i = 0; i < b.length - 1; i++) if (b[i] === 10) b[i] = 11;
    b[b.length - 1] = 10;
    parts.push(b);
    n += b.length;
  }
  return Buffer.concat(parts);
}

/** Arguments every adapter must hand to the remote side exactly as they are. */
const NASTY = [
  'two words',
  "it's",
  'say "hi"',
  '$(touch CANARY)',
  '`touch CANARY`',
  'a;touch CANARY',
  '*',
  "'",
  '"',
  '',
  ' leading and trailing ',
  'tab\there',
  'new\nline',
  '\\',
  '$HOME ${HOME} ~ !! #',
  '| & > < ( ) { }',
  '-n',
  '%s %d',
  'héllo ✓ 日本',
];

describe('fan-in parsing', () => {
  it('expands folded ClusterShell node sets', () => {
    expect(expandNodeSet('dn[001-003].x.com')).toEqual(['dn001.x.com', 'dn002.x.com', 'dn003.x.com']);
    expect(expandNodeSet('dn[8-10,12].x.com,edge1.x.com')).toEqual(['dn8.x.com', 'dn9.x.com', 'dn10.x.com', 'dn12.x.com', 'edge1.x.com']);
    expect(expandNodeSet('r[1-2]-n[01-02].x')).toEqual(['r1-n01.x', 'r1-n02.x', 'r2-n01.x', 'r2-n02.x']);
    expect(expandNodeSet('n[1-5/2].x')).toEqual(['n1.x', 'n3.x', 'n5.x']);
    expect(expandNodeSet('plain.x.com')).toEqual(['plain.x.com']);
  });

  it('maps pdsh labels without the domain back to their hosts, unless two hosts share one', () => {
    const m = hostLabels(['dn01.a.com', 'dn02.a.com', 'nn1.a.com', 'nn1.b.com']);
    expect(m.get('dn01')).toBe('dn01.a.com');
    expect(m.get('dn02.a.com')).toBe('dn02.a.com');
    expect(m.has('nn1')).toBe(false);
  });

  it('takes the exit marker off a last line without a newline, and keeps stderr lines', () => {
    const dir = tmp();
    const hosts = ['dn01.a.com', 'dn02.a.com', 'dn03.a.com'];
    const r = collectPrefixed(
      {
        stdout: `dn01: one\ndn01: two${RC_MARK}0\ndn02: \r\xff\ndn02: ${RC_MARK}3\n`,
        stderr: 'dn02: oops\npdsh@here: dn03: ssh exited with exit code 255\n',
      },
      hosts,
      dir,
      new Map([['dn03.a.com', { status: 'unreachable', note: 'ssh exited with exit code 255', exitCode: 255 }]]),
      1,
    );
    expect(r.map((x) => [x.status, x.exitCode])).toEqual([
      ['ok', 0],
      ['failed', 3],
      ['unreachable', 255],
    ]);
    expect(fs.readFileSync(path.join(dir, 'dn01.a.com.out'), 'utf8')).toBe('one\ntwo\n');
    expect(fs.readFileSync(path.join(dir, 'dn02.a.com.out'))).toEqual(Buffer.from([13, 0xff, 10, ...Buffer.from('oops\n')]));
  });
});

describeWith('remote exec against a real sshd', OPENSSH, () => {
  const sshd = useSshd();
  const TIMEOUT_MS = 2000;

  interface Kind {
    name: ExecConfig['adapter'];
    tools: Tool[];
    /** Runs one process per host, so `{host}` is filled in. */
    perHost: boolean;
    /** Passes any bytes through (clush decodes its output as UTF-8). */
    binary: boolean;
    cfg: (timeoutMs: number) => Partial<ExecConfig>;
  }
  const pdshEnv = () => `PDSH_SSH_ARGS_APPEND=-o BatchMode=yes -o ConnectTimeout=5 -F ${sshd().sshConfig}`;
  const KINDS: Kind[] = [
    { name: 'ssh', tools: [], perHost: true, binary: true, cfg: () => ({}) },
    { name: 'pdsh', tools: [PDSH], perHost: false, binary: true, cfg: () => ({}) },
    { name: 'clush', tools: [CLUSH], perHost: false, binary: false, cfg: () => ({}) },
    {
      name: 'command',
      tools: [PDSH],
      perHost: false,
      binary: true,
      cfg: (t) => ({ command: ['env', pdshEnv(), 'pdsh', '-R', 'ssh', '-w', '^{hostsfile}', '-f', '16', '-u', String(Math.round(t / 1000)), '{cmd}'] }),
    },
    { name: 'local', tools: [], perHost: true, binary: true, cfg: () => ({}) },
  ];

  function config(kind: Kind, over: Partial<ExecConfig> = {}): ExecConfig {
    const timeoutMs = over.timeoutMs ?? 30_000;
    return {
      adapter: kind.name,
      concurrency: 16,
      connectTimeoutMs: 5000,
      timeoutMs,
      sshConfig: sshd().sshConfig,
      user: null,
      command: null,
      controlPersistS: 0,
      ...kind.cfg(timeoutMs),
      ...over,
    };
  }

  async function run(cfg: ExecConfig, hosts: string[], argv: string[], signal = new AbortController().signal): Promise<FanOut & { out: (h: string) => Buffer; group: (g: string) => string[] }> {
    const outDir = path.join(tmp(), 'exec');
    const r = await fanOut({ cfg, hosts, argv, outDir, signal, label: 'test' });
    return { ...r, out: (h) => fs.readFileSync(path.join(outDir, `${h}.out`)), group: (g) => group(outDir, g) };
  }

  /** What the test's `dead` host stands for: for local, a command that exits 255 as ssh does (`{host}` shifted off first). */
  const withDead = (kind: Kind, argv: string[]) =>
    kind.name === 'local' ? ['sh', '-c', 'h=$1; shift; case "$h" in dead.*) exit 255;; esac; exec "$@"', 'sh', '{host}', ...argv] : argv;

  let big: string;
  let bigBin: string;
  let expectedBig: Buffer;
  let expectedBin: Buffer;
  beforeAll(() => {
    const dir = tmp();
    big = path.join(dir, 'big.txt');
    bigBin = path.join(dir, 'big.bin');
    expectedBig = bigText();
    expectedBin = bigBinary();
    fs.writeFileSync(big, expectedBig);
    fs.writeFileSync(bigBin, expectedBin);
  });

  afterAll(() => {
    // Nothing of ours outlives the file: no ssh, pdsh or clush naming the test's ssh_config.
    expect(processesWith(sshd().sshConfig)).toEqual([]);
  });

  for (const kind of KINDS) {
    describeWith(`the ${kind.name} adapter`, kind.tools, () => {
      it('runs on 20 hosts, each host\'s output in its own file and all of them in exec-ok', async () => {
        const hosts = sshd().hosts.slice(0, 20);
        const r = await run(config(kind), hosts, ['sh', '-c', 'echo "out $1"; echo "err $1" >&2', 'sh', 'x y']);
        expect(r.counts).toEqual({ ok: 20, failed: 0, timeout: 0, unreachable: 0 });
        expect(r.refused).toEqual([]);
        expect(r.group('exec-ok')).toEqual(hosts);
        for (const g of ['exec-failed', 'exec-timeout', 'exec-unreachable']) expect(r.group(g)).toEqual([]);
        for (const h of hosts) expect(r.out(h).toString()).toBe('out x y\nerr x y\n');
      });

      it('hands every argument to the remote side exactly, byte for byte, and no shell acts on them', async () => {
        const dir = tmp();
        const canary = path.join(dir, 'canary');
        const args = NASTY.map((a) => a.replace(/CANARY/g, canary));
        const hosts = sshd().hosts.slice(0, 3);
        const r = await run(config(kind), hosts, ['printf', '%s\\n', ...args]);
        expect(r.counts.ok).toBe(3);
        for (const h of hosts) expect(r.out(h)).toEqual(Buffer.from(args.map((a) => `${a}\n`).join('')));
        expect(fs.existsSync(canary)).toBe(false);
      });

      if (kind.perHost) {
        it('fills in {host} for each host', async () => {
          const hosts = sshd().hosts.slice(0, 5);
          const r = await run(config(kind), hosts, ['echo', 'I am {host}', '{host}{host}']);
          expect(r.counts.ok).toBe(5);
          for (const h of hosts) expect(r.out(h).toString()).toBe(`I am ${h} ${h}${h}\n`);
        });
      } else {
        it('refuses {host}, which it cannot fill in per host', async () => {
          await expect(run(config(kind), sshd().hosts.slice(0, 2), ['echo', '{host}'])).rejects.toThrow(/\{host\} cannot be filled in per host/);
        });
      }

      it('an unreachable host (ssh exits 255) goes to exec-unreachable, the others run', async () => {
        const hosts = [...sshd().hosts.slice(0, 5), sshd().deadHost].sort();
        const r = await run(config(kind), hosts, withDead(kind, ['echo', 'hello']));
        expect(r.counts).toEqual({ ok: 5, failed: 0, timeout: 0, unreachable: 1 });
        expect(r.group('exec-unreachable')).toEqual([sshd().deadHost]);
        expect(r.group('exec-ok')).toEqual(sshd().hosts.slice(0, 5));
        for (const h of sshd().hosts.slice(0, 5)) expect(r.out(h).toString()).toBe('hello\n');
        const dead = r.results.find((x) => x.host === sshd().deadHost)!;
        expect(dead.exitCode).toBe(255);
        if (kind.name !== 'local') expect(r.out(sshd().deadHost).toString()).toMatch(/Connection refused/);
      });

      it('a command that fails goes to exec-failed with its exit code', async () => {
        const hosts = sshd().hosts.slice(0, 3);
        const r = await run(config(kind), hosts, ['sh', '-c', 'echo before; exit 3']);
        expect(r.counts).toEqual({ ok: 0, failed: 3, timeout: 0, unreachable: 0 });
        expect(r.results.map((x) => x.exitCode)).toEqual([3, 3, 3]);
        for (const h of hosts) expect(r.out(h).toString()).toMatch(/^before\n/);
      });

      it('a command that hangs past the timeout goes to exec-timeout, and its processes are gone', async () => {
        const pids = tmp();
        const hosts = sshd().hosts.slice(0, 4);
        const started = Date.now();
        const r = await run(config(kind, { timeoutMs: TIMEOUT_MS }), hosts, ['sh', '-c', `echo $$ > "$(mktemp ${pids}/pid.XXXXXX)"; echo started; exec sleep 60`]);
        const took = Date.now() - started;
        expect(r.counts).toEqual({ ok: 0, failed: 0, timeout: 4, unreachable: 0 });
        expect(r.group('exec-timeout')).toEqual(hosts);
        expect(took).toBeLessThan(TIMEOUT_MS + 4000);
        for (const h of hosts) expect(r.out(h).toString()).toMatch(/^started\n/);
        // The local side at once: no ssh (or pdsh, clush) of this run is left.
        expect(await waitFor(() => processesWith(sshd().sshConfig).length === 0, 3000)).toBe(true);
        // The remote side within its own bound: sshd does not stop a command whose client went away.
        const remote = pidsIn(pids);
        expect(remote).toHaveLength(4);
        expect(await waitFor(() => !remote.some(alive), 10_000)).toBe(true);
      });

      it('5 MB of output lands complete in the host\'s file', async () => {
        const hosts = sshd().hosts.slice(0, 3);
        const r = await run(config(kind), hosts, ['cat', big]);
        expect(r.counts.ok).toBe(3);
        for (const h of hosts) expect(r.out(h).equals(expectedBig)).toBe(true);
        if (kind.binary) {
          const b = await run(config(kind), hosts.slice(0, 1), ['cat', bigBin]);
          expect(b.counts.ok).toBe(1);
          expect(b.out(hosts[0]!).equals(expectedBin)).toBe(true);
        }
      });

      it('refuses host names that are not canonical before anything runs (invariant 7)', async () => {
        const dir = tmp();
        const canary = path.join(dir, 'canary');
        const log = path.join(dir, 'ran');
        const bad = ['a;rm -rf x.example.com', `$(touch ${canary}).example.com`, '`touch canary`.example.com', 'UPPER.example.com', `-oProxyCommand=touch ${canary}`, 'dn001.test.example.com; touch x'];
        const good = sshd().hosts.slice(0, 2);
        const r = await run(config(kind), [...bad, ...good], ['sh', '-c', `echo ran >> ${log}`]);
        expect(r.refused.map((x) => x.raw)).toEqual(bad);
        for (const x of r.refused) expect(x.reason).toMatch(/host name|canonical/);
        expect(r.results.map((x) => x.host)).toEqual(good);
        expect(r.counts.ok).toBe(2);
        expect(fs.readFileSync(log, 'utf8')).toBe('ran\nran\n');
        expect(fs.existsSync(canary)).toBe(false);
        // Only bad names: no process starts at all.
        const none = await run(config(kind), bad, ['sh', '-c', `echo ran >> ${log}`]);
        expect(none.results).toEqual([]);
        expect(none.refused).toHaveLength(bad.length);
        expect(fs.readFileSync(log, 'utf8')).toBe('ran\nran\n');
        expect(fs.existsSync(canary)).toBe(false);
      });
    });
  }

  describe('a missing adapter binary', () => {
    const withPath = async <T>(p: string, f: () => Promise<T>): Promise<T> => {
      const saved = process.env.PATH;
      process.env.PATH = p;
      try {
        return await f();
      } finally {
        process.env.PATH = saved;
      }
    };
    const kind = (name: ExecConfig['adapter']) => KINDS.find((k) => k.name === name)!;
    const failure = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(AdapterError);
      return (e as Error).message;
    };

    it('command: a template naming a tool that does not exist', async () => {
      const cfg = config(kind('command'), { command: ['/nonexistent/fleetexec', '--hosts', '{hostsfile}', '--', '{cmd}'] });
      const msg = await failure(run(cfg, sshd().hosts.slice(0, 2), ['true']));
      expect(msg).toMatch(/^\/nonexistent\/fleetexec: not found on PATH; install it, or point exec\.command in the config at the right tool/);
    });

    it.each([
      ['pdsh', /^pdsh: not found on PATH; install it with: apt-get install pdsh, or choose another exec adapter$/],
      ['clush', /^clush: not found on PATH; install it with: apt-get install clustershell, or choose another exec adapter$/],
      ['ssh', /^ssh: not found; install it \(e\.g\. apt-get install openssh-client\) or choose another exec adapter$/],
    ] as const)('%s: not on PATH', async (name, want) => {
      const empty = tmp();
      const msg = await withPath(empty, () => failure(run(config(kind(name)), sshd().hosts.slice(0, 3), ['true'])));
      expect(msg).toMatch(want);
    });
  });

  describe('ssh connection reuse (ControlMaster)', () => {
    it('a second fan-out goes through the control socket the first one left', async () => {
      const hosts = sshd().hosts.slice(0, 10);
      const cfg = config(KINDS[0]!, { controlPersistS: 30 });
      const socket = spawnSync('ssh', ['-G', '-F', sshd().sshConfig, '-o', `ControlPath=${controlDir()}/%C`, hosts[0]!], { encoding: 'utf8' })
        .stdout.split('\n')
        .find((l) => l.startsWith('controlpath '))!
        .slice('controlpath '.length);
      const exit = () => {
        for (const h of hosts) spawnSync('ssh', ['-F', sshd().sshConfig, '-o', `ControlPath=${controlDir()}/%C`, '-O', 'exit', h], { stdio: 'ignore' });
      };
      try {
        let t = Date.now();
        const first = await run(cfg, hosts, ['echo', 'one']);
        const firstMs = Date.now() - t;
        expect(first.counts.ok).toBe(10);
        expect(fs.statSync(socket).isSocket()).toBe(true);
        const check = spawnSync('ssh', ['-F', sshd().sshConfig, '-o', `ControlPath=${controlDir()}/%C`, '-O', 'check', hosts[3]!], { encoding: 'utf8' });
        expect(check.status).toBe(0);
        expect(check.stderr).toMatch(/Master running/);
        t = Date.now();
        const second = await run(cfg, hosts, ['echo', 'two']);
        const secondMs = Date.now() - t;
        expect(second.counts.ok).toBe(10);
        for (const h of hosts) expect(second.out(h).toString()).toBe('two\n');
        console.log(`ControlMaster: first fan-out ${firstMs} ms, second (reusing the connection) ${secondMs} ms`);
        expect(processesWith(socket).length).toBeGreaterThan(0);
      } finally {
        exit();
      }
      expect(await waitFor(() => processesWith(socket).length === 0, 3000)).toBe(true);
      expect(fs.existsSync(socket)).toBe(false);
    });
  });

  describe('breakfix exec, end to end', () => {
    function setup(exec: Record<string, string | number>, hosts: string[]): string {
      const cwd = tmp();
      const yaml = Object.entries(exec)
        .map(([k, v]) => `      ${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}\n`)
        .join('');
      writeFiles(cwd, {
        'breakfix.yaml': `home: ./home\ndatacenters:\n  dc1:\n    exec:\n${yaml}`,
        hosts: hosts.map((h) => `${h}\n`).join(''),
      });
      return cwd;
    }
    const sshExec = () => ({ adapter: 'ssh', ssh_config: sshd().sshConfig, concurrency: 8, connect_timeout: '5s', timeout: '20s', control_persist: 0 });

    /** Runs bin/breakfix without blocking the event loop. */
    function breakfixAsync(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
      return new Promise((resolve) => {
        const child = spawn(BIN, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    }

    const lastLine = (s: string) => s.trimEnd().split('\n').pop();

    it('all ok: one line per host, the output directory, the counts; exit 0', async () => {
      const hosts = sshd().hosts.slice(0, 5);
      const cwd = setup(sshExec(), hosts);
      const r = await breakfixAsync(['exec', './hosts', '--', 'echo', 'hi there'], cwd);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const lines = r.out.trimEnd().split('\n');
      expect(lines.slice(0, 5).map((l) => l.split(/ +/)[1]).sort()).toEqual(hosts);
      for (const l of lines.slice(0, 5)) expect(l).toMatch(/^ok {10}dn\d{3}\.test\.example\.com exit 0 \d+\.\d\ds$/);
      expect(lines[5]).toMatch(/^output in home\/dc1\/\d{4}-\d\d-\d\d\/exec\/adhoc-\d{8}T\d{6}\/exec$/);
      expect(lines[6]).toBe('ok 5 failed 0 timeout 0 unreachable 0');
      const out = path.join(cwd, lines[5]!.slice('output in '.length));
      for (const h of hosts) expect(fs.readFileSync(path.join(out, `${h}.out`), 'utf8')).toBe('hi there\n');
      expect(group(out, 'exec-ok')).toEqual(hosts);
    });

    it('not all ok (a failure, an unreachable host, a refused name): exit 1', async () => {
      const hosts = [...sshd().hosts.slice(0, 3), sshd().deadHost].sort();
      const cwd = setup(sshExec(), hosts);
      const failing = await breakfixAsync(['exec', './hosts', '--', 'sh', '-c', 'exit 4'], cwd);
      expect(failing.code).toBe(1);
      expect(lastLine(failing.out)).toBe('ok 0 failed 3 timeout 0 unreachable 1');
      expect(failing.out).toMatch(/^unreachable dead\.test\.example\.com exit 255 /m);
      expect(failing.out).toMatch(/^failed {6}dn001\.test\.example\.com exit 4 /m);
      fs.writeFileSync(path.join(cwd, 'odd'), 'UPPER.example.com\ndn001.test.example.com\n');
      const refused = await breakfixAsync(['exec', './odd', '--', 'true'], cwd);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/^refused {5}"UPPER\.example\.com": .*invariant 7/m);
      expect(lastLine(refused.out)).toBe('ok 1 failed 0 timeout 0 unreachable 0');
      const slow = setup({ ...sshExec(), timeout: '1s' }, hosts);
      fs.copyFileSync(path.join(cwd, 'odd'), path.join(slow, 'odd'));
      const timeout = await breakfixAsync(['exec', './hosts', '-', './odd', '--', 'sleep', '30'], slow);
      expect(timeout.code).toBe(1);
      expect(lastLine(timeout.out)).toBe('ok 0 failed 0 timeout 2 unreachable 1');
    });

    it('Ctrl-C: stops the running commands, keeps the finished results, writes the groups, exits 130', async () => {
      const hosts = sshd().hosts.slice(0, 6);
      const quick = hosts.slice(0, 3);
      const slow = hosts.slice(3);
      const cwd = setup({ ...sshExec(), timeout: '6s' }, hosts);
      const pids = tmp();
      const child = spawn(
        BIN,
        ['exec', './hosts', '--', 'sh', '-c', `case "$1" in dn00[1-3].*) echo quick;; *) echo $$ > ${pids}/$1; exec sleep 30;; esac`, 'sh', '{host}'],
        { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const ready = await waitFor(() => quick.every((h) => out.includes(` ${h} `)) && slow.every((h) => fs.existsSync(path.join(pids, h))), 15_000);
      expect(ready).toBe(true);
      const remote = slow.map((h) => Number(fs.readFileSync(path.join(pids, h), 'utf8')));
      const ssh = descendants(child.pid!);
      expect(ssh.length).toBeGreaterThanOrEqual(3);
      const sent = Date.now();
      child.kill('SIGINT');
      const code = await closed;
      expect(Date.now() - sent).toBeLessThan(3000);
      expect(code).toBe(130);
      expect(err).toMatch(/stopping: running commands are being stopped, finished results are kept/);
      expect(lastLine(out)).toBe('ok 3 failed 3 timeout 0 unreachable 0');
      const dir = path.join(cwd, /^output in (.*)$/m.exec(out)![1]!);
      expect(group(dir, 'exec-ok')).toEqual(quick);
      expect(group(dir, 'exec-failed')).toEqual(slow);
      expect(group(dir, 'exec-timeout')).toEqual([]);
      expect(group(dir, 'exec-unreachable')).toEqual([]);
      for (const h of quick) expect(fs.readFileSync(path.join(dir, `${h}.out`), 'utf8')).toBe('quick\n');
      expect(JSON.parse(fs.readFileSync(path.join(dir, '.command.json'), 'utf8')).stopped).toBe(true);
      // Its ssh processes are stopped at once, the remote commands within their bound.
      expect(ssh.filter(alive)).toEqual([]);
      expect(await waitFor(() => !remote.some(alive), 12_000)).toBe(true);
    });
  });
});
