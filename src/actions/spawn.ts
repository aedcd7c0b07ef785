import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import type { HostStatus } from './types.js';
import { AdapterError } from './types.js';

/** Every running child's process group, so an exit or a second Ctrl-C can stop them all. */
const running = new Set<number>();
let exitHook = false;

export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // gone already
    }
  }
}

export interface RunOnce {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Runs one command with stdout and stderr going straight to a file (output of
 * any size never sits in memory), in its own process group, killed as a
 * group at the timeout or when `signal` aborts. Never uses a shell.
 */
export function runToFile(argv: string[], outFile: string, timeoutMs: number, signal: AbortSignal, env?: NodeJS.ProcessEnv): Promise<RunOnce> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => killAll('SIGKILL'));
  }
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      resolve({ exitCode: null, signal: null, timedOut: false, aborted: true });
      return;
    }
    // One abort listener per running host: a fan-out of 64 is not a leak.
    setMaxListeners(0, signal);
    const fd = fs.openSync(outFile, 'w', 0o644);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], detached: true, env: env ?? process.env });
    fs.closeSync(fd);
    let timedOut = false;
    let aborted = false;
    const stop = (why: 'timeout' | 'abort') => {
      if (why === 'timeout') timedOut = true;
      else aborted = true;
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 1000).unref();
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('abort');
    signal.addEventListener('abort', onAbort, { once: true });
    if (child.pid !== undefined) running.add(child.pid);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) running.delete(child.pid);
      if (e.code === 'ENOENT') reject(new AdapterError(`${argv[0]}: not found; install it (e.g. apt-get install ${argv[0] === 'ssh' ? 'openssh-client' : argv[0]}) or choose another exec adapter`));
      else reject(new AdapterError(`${argv[0]}: ${e.message}`));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) running.delete(child.pid);
      resolve({ exitCode: code, signal: sig, timedOut, aborted });
    });
  });
}

/** Runs `task` over `items` with at most `limit` at once, in order of start. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function statusOf(r: RunOnce, unreachableCode: number | null): HostStatus {
  if (r.timedOut) return 'timeout';
  if (unreachableCode !== null && r.exitCode === unreachableCode) return 'unreachable';
  return r.exitCode === 0 ? 'ok' : 'failed';
}
