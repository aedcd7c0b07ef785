import type { Hash } from 'node:crypto';
import { builtin } from './builtin.js';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Files are never half-written: bytes go to a temporary name in the same
 * directory, are fsynced, then renamed over the target. A reader sees the old
 * complete file or the new complete one. Temporary names start with a dot and
 * carry the writer's pid, so a later pass can remove what a killed one left.
 */
export const TMP_SUFFIX = '.tmp';

export function tempNameFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const rand = Math.floor(Math.random() * 0xffffffff).toString(16);
  return path.join(dir, `.${base}.${process.pid}.${rand}${TMP_SUFFIX}`);
}

export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** A file being written; nothing appears at `target` until `commit()`. */
export class AtomicFile {
  private fd: number;
  private readonly tmp: string;
  private readonly hash: Hash = builtin<typeof import('node:crypto')>('node:crypto').createHash('sha256');
  private closed = false;
  // Small writes (a group is written a line at a time) are gathered here:
  // one system call per line made writing 100,000 hosts take seconds.
  private readonly pending = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  bytes = 0;

  /**
   * @param syncDir fsync the directory after the rename (default). Files written
   *   into a directory that is itself renamed into place later skip it, and
   *   that directory is fsynced once instead.
   */
  constructor(
    readonly target: string,
    private readonly syncDir = true,
  ) {
    this.tmp = tempNameFor(target);
    try {
      this.fd = fs.openSync(this.tmp, 'wx', 0o644);
    } catch (e) {
      // The directory is made only when it is missing: one system call less for each of a pass's ~1,000 files.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      this.fd = fs.openSync(this.tmp, 'wx', 0o644);
    }
  }

  write(buf: Uint8Array, start = 0, end = buf.length): void {
    const chunk = buf.subarray(start, end);
    this.bytes += chunk.length;
    if (this.used + chunk.length > this.pending.length) this.flush();
    if (chunk.length >= this.pending.length) this.writeOut(chunk);
    else {
      this.pending.set(chunk, this.used);
      this.used += chunk.length;
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.pending.subarray(0, this.used));
    this.used = 0;
  }

  private writeOut(chunk: Uint8Array): void {
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  /** fsync, close, rename over the target; returns the sha256 of what was written. */
  commit(): string {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.closed = true;
    fs.renameSync(this.tmp, this.target);
    if (this.syncDir) fsyncDir(path.dirname(this.target));
    return this.hash.digest('hex');
  }

  /** Throws the temporary file away; the target is untouched. */
  abort(): void {
    if (!this.closed) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.closed = true;
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array, syncDir = true): string {
  const f = new AtomicFile(target, syncDir);
  try {
    f.write(typeof data === 'string' ? Buffer.from(data) : data);
    return f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}

/** Whether a process of this machine is still running. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files in `dir` left by writers that are no longer running. Returns their names. */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}
