// --fold on the listings: `groups --fold` lists each group as cluset -LL does,
// and the plan's chosen hosts come out as node sets; both checked against the
// real nodeset (Debian package clustershell).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../src/pass/demo.js';
import { breakfix, tempDirs } from '../support/cli.js';

const haveNodeset = spawnSync('nodeset', ['--version']).status === 0;
if (!haveNodeset && process.env.CI === 'true') throw new Error('nodeset not found: install the Debian package clustershell (the differential tests need it on CI)');
if (!haveNodeset) console.warn('skipping the --fold listing tests: nodeset not found (Debian package clustershell)');

const tmp = tempDirs();

describe.skipIf(!haveNodeset)('--fold on groups and plans, against nodeset', () => {
  let dir: string;
  let config: string;
  let day: string;
  beforeAll(() => {
    dir = tmp('breakfix-fold-');
    config = buildDemo(path.join(dir, 'demo'), '1').config;
    const r = breakfix(['--config', config, 'pass', '--seed', 'f1'], { cwd: dir });
    expect([0, 3]).toContain(r.code);
    day = fs.realpathSync(path.join(dir, 'demo', 'home', 'demo', 'today'));
  }, 120_000);

  it('groups --fold: every group with its count and its hosts as nodeset -f folds them', () => {
    const r = breakfix(['--config', config, 'groups', '--fold'], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const groups = JSON.parse(breakfix(['--config', config, 'groups', '--json'], { cwd: dir }).out).groups.filter((g: { name: string }) => !g.name.endsWith('.tsv'));
    expect(lines.map((l) => l.split('\t')[0])).toEqual(groups.map((g: { name: string }) => g.name));
    for (const l of lines) {
      const [name, count, folded] = l.split('\t') as [string, string, string];
      const hosts = fs.readFileSync(path.join(day, name), 'utf8');
      expect(Number(count)).toBe(hosts === '' ? 0 : hosts.trimEnd().split('\n').length);
      const want = hosts === '' ? '' : execFileSync('nodeset', ['-f'], { input: hosts, encoding: 'utf8' }).trimEnd();
      expect(folded, name).toBe(want);
    }
    expect(breakfix(['--config', config, 'groups', '--fold', '--json'], { cwd: dir }).code).toBe(2);
  });

  it('plan --fold: each chosen line is a node set that nodeset -e expands to the plan file', () => {
    const r = breakfix(['--config', config, 'plan', '--seed', 'f2', '--fold', '--verbose'], { cwd: dir });
    expect([0, 3]).toContain(r.code);
    const chosen = r.out.split('\n').filter((l) => l.startsWith('chosen '));
    expect(chosen.length).toBeGreaterThan(0);
    const pass = Math.max(...fs.readdirSync(path.join(day, 'plans')).map(Number));
    for (const l of chosen) {
      const m = /^chosen (\S+): (\S+)$/.exec(l);
      expect(m, l).not.toBeNull();
      const expanded = execFileSync('nodeset', ['-e', '-S', '\n', m![2]!], { encoding: 'utf8' });
      expect(expanded).toBe(fs.readFileSync(path.join(day, 'plans', String(pass), m![1]!), 'utf8'));
    }
  });
});
