// Real servers a test starts on 127.0.0.1 (Prometheus, node_exporter), and the
// binaries they run, looked up on PATH and in the directories Debian uses.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The executable `name` on PATH, in /usr/bin, /usr/sbin or /usr/local/bin; null when there is none. */
export function findBinary(name: string): string | null {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of new Set([...onPath, '/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server process with what it printed; `stop()` ends it (SIGTERM, then SIGKILL after 5 s). */
export class Server {
  log = '';
  exited: number | null | undefined;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    bin: string,
    args: string[],
  ) {
    this.child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      // The tail is what explains a failure; a chatty server must not grow the test's memory.
      this.log = (this.log + b.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('exit', (code) => (this.exited = code));
  }

  /** Polls `url` until it answers 2xx; fails when the server exits first or `timeoutMs` pass. */
  async ready(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited !== undefined) throw new Error(`${this.name} exited (${this.exited}) before it was ready:\n${this.log.slice(-2000)}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${timeoutMs / 1000}s:\n${this.log.slice(-2000)}`);
      await pause(200);
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
