// `report: true`: a pass rewrites the day's report.html, and the day's other
// commands (groups, which, diff) still read the directory as groups and tables.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDemo } from '../../src/pass/demo.js';
import { breakfix, tempDirs } from '../support/cli.js';
import { editConfig } from '../support/simdc.js';

const tmp = tempDirs();

describe('report: true in a datacenter', () => {
  it('each pass rewrites report.html beside its groups, and which, groups and diff do not take it for a group', () => {
    const dir = tmp('breakfix-reportpass-');
    const built = buildDemo(path.join(dir, 'demo'), '1');
    editConfig(built.config, (doc) => doc.setIn(['datacenters', 'demo', 'report'], true));
    const run = (...args: string[]) => breakfix(['--config', built.config, ...args], { cwd: dir });
    const day = () => fs.realpathSync(path.join(dir, 'demo', 'home', 'demo', 'today'));

    const first = run('pass', '--seed', '1');
    expect([0, 3], first.out + first.err).toContain(first.code);
    const report = path.join(day(), 'report.html');
    expect(fs.existsSync(report)).toBe(true);
    const html1 = fs.readFileSync(report, 'utf8');
    expect(html1).toMatch(/^<!doctype html>/i);
    expect(html1).toContain('<svg');
    expect(html1).not.toMatch(/<script\b|https?:\/\//i);

    const second = run('pass', '--seed', '2');
    expect([0, 3]).toContain(second.code);
    const html2 = fs.readFileSync(report, 'utf8');
    expect(html2).not.toBe(html1);
    expect(html2).toMatch(/data-pass="2"/);

    const groups = run('groups');
    expect(groups.code, groups.err).toBe(0);
    expect(groups.out).not.toContain('report.html');
    const which = run('which', 'dw1-dn042');
    expect(which.code, which.err).toBe(0);
    expect(which.err).not.toContain('not sorted');
    const diff = run('diff', '--from', 'today', '--to', 'today');
    expect(diff.code, diff.err).toBe(0);
  }, 120_000);
});
