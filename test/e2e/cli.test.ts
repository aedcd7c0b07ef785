import fs from 'node:fs';
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
