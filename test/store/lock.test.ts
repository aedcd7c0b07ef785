// loop.lock: one loop per datacenter. First takeLock itself (src/store/lock.ts),
// then the real bin/breakfix loop over the simulated datacenter of `breakfix demo`:
// a second loop is refused, a dead holder's lock is taken over, and the lock is
// gone after SIGINT (130) and SIGTERM (143); a second SIGINT stops at once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LockHeldError, takeLock, type LockInfo } from '../../src/store/lock.js';
import { BIN, breakfix, cleanEnv, tempDirs } from '../support/cli.js';

const tempDir = tempDirs();

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const readLock = (dcDir: string) => JSON.parse(fs.readFileSync(path.join(dcDir, 'loop.lock'), 'utf8')) as LockInfo;

describe('takeLock', () => {
  const now = new Date('2026-11-21T06:00:00.000Z');

  it('writes pid, host and start, and release removes it', () => {
    const dc = path.join(tempDir(), 'dc1');
    const lock = takeLock(dc, now);
    expect(lock.tookOver).toBeNull();
    expect(readLock(dc)).toEqual({ pid: process.pid, host: os.hostname(), start: now.toISOString() });
    expect(fs.readFileSync(path.join(dc, 'loop.lock'), 'utf8')).toMatch(/\n$/);
    lock.release();
    expect(fs.existsSync(path.join(dc, 'loop.lock'))).toBe(false);
    lock.release(); // twice is harmless
    expect(fs.readdirSync(dc)).toEqual([]);
  });

  it('refuses while a live process holds it, naming pid, host and start', () => {
    const dc = tempDir();
    const first = takeLock(dc, now);
    let err: unknown = null;
    try {
      takeLock(dc, new Date('2026-11-21T07:00:00.000Z'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    const held = err as LockHeldError;
    expect(held.holder).toEqual({ pid: process.pid, host: os.hostname(), start: now.toISOString() });
    expect(held.message).toContain(`pid ${process.pid}`);
    expect(held.message).toContain(os.hostname());
    expect(held.message).toContain(now.toISOString());
    expect(held.message).toContain(path.join(dc, 'loop.lock'));
    // The refused attempt left the holder's lock as it was.
    expect(readLock(dc).start).toBe(now.toISOString());
    first.release();
    takeLock(dc, now).release();
  });

  it('takes over the lock of a process that is gone, and says whose it was', () => {
    const dc = tempDir();
    const stale: LockInfo = { pid: deadPid(), host: os.hostname(), start: '2026-11-20T01:02:03.000Z' };
    fs.writeFileSync(path.join(dc, 'loop.lock'), JSON.stringify(stale) + '\n');
    const lock = takeLock(dc, now);
    expect(lock.tookOver).toEqual(stale);
    expect(readLock(dc).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(path.join(dc, 'loop.lock'))).toBe(false);
  });

  it('does not take over a lock of another host: its pid cannot be checked from here', () => {
    const dc = tempDir();
    const other: LockInfo = { pid: deadPid(), host: `not-${os.hostname()}`, start: '2026-11-20T01:02:03.000Z' };
    fs.writeFileSync(path.join(dc, 'loop.lock'), JSON.stringify(other) + '\n');
    expect(() => takeLock(dc, now)).toThrow(LockHeldError);
    expect(() => takeLock(dc, now)).toThrow(`pid ${other.pid} on not-${os.hostname()}`);
    expect(readLock(dc)).toEqual(other);
  });

  it('release leaves alone a lock that is no longer its own', () => {
    const dc = tempDir();
    const lock = takeLock(dc, now);
    const next: LockInfo = { pid: process.pid + 1, host: os.hostname(), start: '2026-11-21T08:00:00.000Z' };
    fs.writeFileSync(path.join(dc, 'loop.lock'), JSON.stringify(next) + '\n');
    lock.release();
    expect(readLock(dc)).toEqual(next);
  });

  it('takes over an empty or unreadable lock file once it is old (left by a loop that died writing it)', () => {
    for (const content of ['', '{"pid": 12', 'garbage\n']) {
      const dc = tempDir();
      const file = path.join(dc, 'loop.lock');
      fs.writeFileSync(file, content);
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(file, old, old);
      const lock = takeLock(dc, now);
      expect(lock.tookOver, JSON.stringify(content)).not.toBeNull();
      expect(readLock(dc).pid).toBe(process.pid);
      lock.release();
    }
  });

  it('refuses a fresh unreadable lock file (another loop may be writing it), without advising `kill 0`', () => {
    const dc = tempDir();
    fs.writeFileSync(path.join(dc, 'loop.lock'), '');
    let err: Error | null = null;
    try {
      takeLock(dc, now);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err!.message).not.toMatch(/kill 0\b|pid 0\b/);
  });
});

// ---------------------------------------------------------------- the real loop

interface Running {
  child: ChildProcess;
  out: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startLoop(config: string, args: string[]): Running {
  const child = spawn(BIN, ['--config', config, 'loop', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => chunks.push(b));
  child.stderr!.on('data', (b: Buffer) => chunks.push(b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, out: () => Buffer.concat(chunks).toString('utf8'), done };
}

/** Bytes in today's transcript.log so far: what a loop started now adds comes after them. */
function transcriptSize(dcDir: string): number {
  try {
    return fs.statSync(path.join(dcDir, 'today', 'transcript.log')).size;
  } catch {
    return 0;
  }
}

/** Waits until today's transcript.log, past byte `from`, matches `re`. */
async function waitForTranscript(dcDir: string, re: RegExp, loop: Running, from: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  let exited = false;
  void loop.done.then(() => (exited = true));
  for (;;) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(dcDir, 'today', 'transcript.log')).subarray(from).toString('utf8');
    } catch {
      // not there yet
    }
    if (re.test(text)) return;
    if (exited) throw new Error(`the loop exited before its transcript showed ${re}:\n${loop.out()}`);
    if (Date.now() > until) throw new Error(`no ${re} in the transcript after ${ms} ms:\n${loop.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('loop.lock with the real loop', () => {
  let config: string;
  let dcDir: string;
  const lockFile = () => path.join(dcDir, 'loop.lock');

  beforeAll(() => {
    const dir = tempDir();
    const r = breakfix(['demo', '--home', path.join(dir, 'demo'), '--passes', '0'], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    config = path.join(dir, 'demo', 'breakfix.yaml');
    dcDir = path.join(dir, 'demo', 'home', 'demo');
  });

  it('refuses a second loop while the first runs, then SIGINT ends the first with 130 and no lock', async () => {
    const mark = transcriptSize(dcDir);
    const first = startLoop(config, ['--every', '30s', '--op', 'drain']);
    await waitForTranscript(dcDir, /sleeping 30s until the next pass/, first, mark);
    const held = readLock(dcDir);
    expect(held.pid).toBe(first.child.pid);
    expect(held.host).toBe(os.hostname());

    const second = breakfix(['--config', config, 'loop', '--max-passes', '1'], { cwd: path.dirname(config) });
    expect(second.code).not.toBe(0);
    expect(second.err).toContain(`pid ${first.child.pid}`);
    expect(second.err).toContain(os.hostname());
    expect(second.err).toContain(held.start);
    expect(second.out).not.toContain('=== pass');
    // The refused loop did not touch the holder's lock.
    expect(readLock(dcDir)).toEqual(held);

    const sent = Date.now();
    first.child.kill('SIGINT');
    const end = await first.done;
    expect(end.code, first.out()).toBe(130);
    expect(end.at - sent).toBeLessThan(5_000); // it was asleep: nothing to finish
    expect(first.out()).toContain('SIGINT: finishing the step in progress');
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('SIGTERM ends the loop with 143 and releases the lock', async () => {
    const mark = transcriptSize(dcDir);
    const loop = startLoop(config, ['--every', '30s', '--op', 'drain']);
    await waitForTranscript(dcDir, /sleeping 30s until the next pass/, loop, mark);
    expect(fs.existsSync(lockFile())).toBe(true);
    loop.child.kill('SIGTERM');
    const end = await loop.done;
    expect(end.code, loop.out()).toBe(143);
    expect(loop.out()).toContain('SIGTERM');
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('SIGINT during a pass lets the step finish, writes no plan, prints no summary of a pass that did not run', async () => {
    const mark = transcriptSize(dcDir);
    // --verbose: a line per source as each finishes, so the signal lands mid-pull.
    const loop = startLoop(config, ['--every', '30s', '--op', 'drain', '--verbose']);
    const day = fs.readlinkSync(path.join(dcDir, 'today'));
    const plansBefore = fs.readdirSync(path.join(dcDir, day, 'plans'));
    await waitForTranscript(dcDir, / hdfs-dw1 /, loop, mark);
    loop.child.kill('SIGINT');
    const end = await loop.done;
    expect(end.code, loop.out()).toBe(130);
    expect(loop.out()).toContain('stopped after the pull, as asked');
    expect(loop.out()).not.toMatch(/summary pass/);
    expect(fs.readdirSync(path.join(dcDir, day, 'plans'))).toEqual(plansBefore);
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('a second SIGINT stops at once, mid-pass, and still releases the lock', async () => {
    const mark = transcriptSize(dcDir);
    const loop = startLoop(config, ['--every', '30s', '--op', 'drain']);
    await waitForTranscript(dcDir, /\(loop pass 1\) ===/, loop, mark);
    loop.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    const sent = Date.now();
    loop.child.kill('SIGINT');
    const end = await loop.done;
    expect(end.code, loop.out()).toBe(130);
    expect(end.at - sent).toBeLessThan(1_500);
    // It did not wait for the pass: no plan, no summary.
    expect(loop.out()).not.toMatch(/summary pass|plan pass/);
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a loop that died, with a warning, and releases it after --max-passes', async () => {
    const stale: LockInfo = { pid: deadPid(), host: os.hostname(), start: '2026-11-20T01:02:03.000Z' };
    fs.writeFileSync(lockFile(), JSON.stringify(stale) + '\n');
    const loop = startLoop(config, ['--max-passes', '1', '--op', 'drain']);
    const end = await loop.done;
    expect([0, 3], loop.out()).toContain(end.code);
    expect(loop.out()).toMatch(new RegExp(`^warning: took over loop\\.lock of pid ${stale.pid} \\(started ${stale.start}\\)`, 'm'));
    expect(loop.out()).toContain('summary pass');
    expect(fs.existsSync(lockFile())).toBe(false);
  });
});
