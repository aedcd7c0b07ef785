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
    super(
      holder.pid > 0
        ? `another loop holds ${file}: pid ${holder.pid} on ${holder.host}, started ${holder.start}; stop it first (kill ${holder.pid}), or use another --dc`
        : `${file} is empty or unreadable: another loop may be taking it right now; try again in a few seconds, or remove it if no loop runs`,
    );
    this.name = 'LockHeldError';
  }
}

/** How old an unreadable lock file must be before it counts as left behind. */
const UNREADABLE_GRACE_MS = 5_000;

function readHolder(file: string): LockInfo | null {
  try {
    const held = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (!Number.isInteger(held.pid) || held.pid! <= 0 || typeof held.host !== 'string') return null;
    return { pid: held.pid!, host: held.host, start: String(held.start ?? 'unknown') };
  } catch {
    return null;
  }
}

/**
 * `<home>/<dc>/loop.lock`: one loop per datacenter. Created with O_EXCL, so
 * two loops starting together cannot both win. A lock whose pid is gone (on
 * this host) is taken over, and the caller is told so. So is an empty or
 * unreadable one (a loop that died writing it) once it is a few seconds old;
 * a younger one may be another loop's, between its create and its write.
 */
export function takeLock(dcDir: string, now: Date): { release: () => void; tookOver: LockInfo | null } {
  fs.mkdirSync(dcDir, { recursive: true });
  const file = path.join(dcDir, 'loop.lock');
  const me: LockInfo = { pid: process.pid, host: os.hostname(), start: now.toISOString() };
  let tookOver: LockInfo | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      try {
        fs.writeSync(fd, JSON.stringify(me) + '\n');
        fs.fsyncSync(fd);
      } catch (e) {
        // A full disk: leave no empty lock behind to refuse the next loop.
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
        throw e;
      }
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
      let held = readHolder(file);
      if (held === null) {
        let age = 0;
        try {
          age = Date.now() - fs.statSync(file).mtimeMs;
        } catch {
          continue; // removed meanwhile: try again
        }
        const unreadable: LockInfo = { pid: 0, host: me.host, start: 'unknown' };
        if (age < UNREADABLE_GRACE_MS) throw new LockHeldError(unreadable, file);
        held = unreadable;
      } else if (held.host !== me.host || pidAlive(held.pid)) throw new LockHeldError(held, file);
      tookOver = held;
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`${file}: could not take the lock`);
}
