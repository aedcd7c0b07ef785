import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pidAlive } from './atomic.js';

export interface LockInfo {
  pid: number;
  host: string;
  start: string;
}

export class LockHeldError extends Error {
  constructor(
    readonly holder: LockInfo,
    readonly file: string,
  ) {
    super(`another loop holds ${file}: pid ${holder.pid} on ${holder.host}, started ${holder.start}; stop it first (kill ${holder.pid}), or use another --dc`);
    this.name = 'LockHeldError';
  }
}

/**
 * `<home>/<dc>/loop.lock`: one loop per datacenter. Created with O_EXCL, so
 * two loops starting together cannot both win. A lock whose pid is gone (on
 * this host) is taken over, and the caller is told so.
 */
export function takeLock(dcDir: string, now: Date): { release: () => void; tookOver: LockInfo | null } {
  fs.mkdirSync(dcDir, { recursive: true });
  const file = path.join(dcDir, 'loop.lock');
  const me: LockInfo = { pid: process.pid, host: os.hostname(), start: now.toISOString() };
  let tookOver: LockInfo | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, JSON.stringify(me) + '\n');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      let released = false;
      return {
        tookOver,
        release: () => {
          if (released) return;
          released = true;
          try {
            const held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
            if (held.pid === me.pid && held.host === me.host) fs.rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held: LockInfo;
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        held = { pid: 0, host: os.hostname(), start: 'unknown' };
      }
      if (held.host !== me.host || pidAlive(held.pid)) throw new LockHeldError(held, file);
      tookOver = held;
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`${file}: could not take the lock`);
}
