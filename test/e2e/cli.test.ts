import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { breakfix, ROOT, tempDirs } from '../support/cli.js';

const temp = tempDirs();

describe('the command line itself', () => {
  it('prints its version', () => {
    const version = JSON.parse(fs.readFileSync(`${ROOT}/package.json`, 'utf8')).version as string;
    const r = breakfix(['--version'], { cwd: temp() });
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });

  it('alone, prints the help as a usage error (exit 2); --help exits 0', () => {
    const alone = breakfix([], { cwd: temp() });
    expect(alone.code).toBe(2);
    expect(alone.out + alone.err).toMatch(/Usage: breakfix/);
    const help = breakfix(['--help'], { cwd: temp() });
    expect(help.code).toBe(0);
    for (const cmd of ['q', 'groups', 'join', 'diff', 'which', 'pull', 'derive', 'plan', 'pass', 'apply', 'policy', 'exec', 'loop', 'trend', 'demo']) {
      expect(help.out).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    }
  });

  it('an unknown command or option is a usage error with a suggestion', () => {
    const r = breakfix(['grups'], { cwd: temp() });
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'grups'");
    expect(r.err).toMatch(/Did you mean groups\?/);
  });
});

describe('start-up through the code cache', () => {
  /** A copy of bin/ and dist/ (node_modules linked), so its cache is its own. */
  function copy(): string {
    const dir = temp('breakfix-cache-');
    fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'dist'));
    for (const f of ['main.cjs', 'ops.cjs']) fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, 'x'), 'a\nb\nc\n');
    fs.writeFileSync(path.join(dir, 'y'), 'b\n');
    return dir;
  }
  const run = (dir: string, args: string[]) => spawnSync(path.join(dir, 'bin', 'breakfix'), args, { cwd: dir, encoding: 'utf8' });

  it('writes the cache after the first run, reads it after, and gives the same answers either way', () => {
    const dir = copy();
    const cache = path.join(dir, 'dist', 'main.cjs.cache');
    const first = run(dir, ['q', './x - ./y']);
    expect([first.status, first.stdout, first.stderr]).toEqual([0, 'a\nc\n', '']);
    expect(fs.statSync(cache).size).toBeGreaterThan(1000);
    const written = fs.readFileSync(cache);
    const second = run(dir, ['q', './x - ./y', '--sample', '1', '--seed', 's']);
    expect(second.status, second.stderr).toBe(0);
    expect(['a\n', 'c\n']).toContain(second.stdout);
    // An accepted cache is not written again.
    expect(fs.readFileSync(cache).equals(written)).toBe(true);
    // Commands of the second bundle load as before.
    expect(run(dir, ['policy', 'check', '--help']).status).toBe(0);
  });

  it('runs, and writes a good cache, when the one on disk is cut short or belongs to another build', () => {
    const dir = copy();
    const cache = path.join(dir, 'dist', 'main.cjs.cache');
    expect(run(dir, ['q', './x']).status).toBe(0);
    fs.writeFileSync(cache, fs.readFileSync(cache).subarray(0, 64));
    const r = run(dir, ['q', './x - ./y']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'a\nc\n', '']);
    expect(fs.statSync(cache).size).toBeGreaterThan(1000);
    // A rebuilt bundle (other bytes) refuses the old cache and replaces it.
    fs.appendFileSync(path.join(dir, 'dist', 'main.cjs'), '\n// rebuilt\n');
    const before = fs.readFileSync(cache);
    const again = run(dir, ['q', './x - ./y']);
    expect([again.status, again.stdout]).toEqual([0, 'a\nc\n']);
    expect(fs.readFileSync(cache).equals(before)).toBe(false);
  });

  it('runs without a cache where dist/ cannot be written', () => {
    const dir = copy();
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'dist'), 0o555);
    try {
      // Root writes anywhere: as root, run as nobody.
      const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(path.join(dir, 'bin', 'breakfix'), ['q', './x - ./y'], { cwd: dir, encoding: 'utf8', ...as });
      expect(r.error).toBeUndefined();
      expect([r.status, r.stdout, r.stderr]).toEqual([0, 'a\nc\n', '']);
      expect(fs.existsSync(path.join(dir, 'dist', 'main.cjs.cache'))).toBe(false);
    } finally {
      fs.chmodSync(path.join(dir, 'dist'), 0o755);
    }
  });
});

