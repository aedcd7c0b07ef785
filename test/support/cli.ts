// Runs the real bin/breakfix in a directory of its own and hands back what it did.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'breakfix');

export interface Result {
  code: number | null;
  stdout: Buffer;
  out: string;
  err: string;
}

/** The environment of a run: no breakfix settings leak in from the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BREAKFIX_')) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export function breakfix(args: string[], opts: { cwd: string; input?: string | Buffer; env?: Record<string, string> }): Result {
  const r = spawnSync(BIN, args, { cwd: opts.cwd, input: opts.input ?? '', env: cleanEnv(opts.env), maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

/** Runs a bash script (for pipes and process substitution) with LC_ALL=C. */
export function bash(script: string, cwd: string, env: Record<string, string> = {}): Result {
  const r = spawnSync('bash', ['-c', script], { cwd, env: cleanEnv({ LC_ALL: 'C', BIN, ...env }), maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

/** Fresh temporary directories, removed when the file's tests are done. */
export function tempDirs(): (prefix?: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });
  return (prefix = 'breakfix-test-') => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/** Writes files under `dir`: name → content (strings as UTF-8). */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** The UTC day of an instant, written out here rather than borrowed from the code under test. */
export function utcDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
}

export const lines = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
