import { beforeAll, describe, expect, it } from 'vitest';
import { breakfix, lines, tempDirs, utcDay, writeFiles } from '../support/cli.js';

const tmp = tempDirs();
const cells = (text: string) => text.trimEnd().split('\n').map((l) => l.trim().split(/\s+/));

describe('diff', () => {
  let cwd: string;
  const D1 = '2026-03-01';
  const D2 = '2026-03-02';
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      [`H/dc1/${D1}/all`]: lines('a', 'b', 'c', 'e'),
      [`H/dc1/${D2}/all`]: lines('a', 'c', 'd', 'f', 'g'),
      [`H/dc1/${D1}/same`]: lines('x', 'y'),
      [`H/dc1/${D2}/same`]: lines('x', 'y'),
      [`H/dc1/${D1}/gone`]: lines('g1', 'g2'),
      [`H/dc1/${D2}/new`]: lines('n1'),
      [`H/dc1/${D2}/bytes`]: Buffer.from('\xc3\xa9\n\xff\n', 'latin1'),
      [`H/dc1/${D1}/bytes`]: Buffer.from('\xff\n', 'latin1'),
      [`H/dc1/${D1}/unsorted`]: lines('b', 'a'),
      [`H/dc1/${D2}/unsorted`]: lines('a'),
    });
  });

  const home = ['--home', 'H', '--dc', 'dc1'];

  it('stops the summary at a group that is not sorted', () => {
    const r = breakfix([...home, 'diff', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`H/dc1/${D1}/unsorted:2: not sorted after "b"`);
  });

  it('summarises every group: added, removed, new or gone', () => {
    const dir = tmp();
    writeFiles(dir, {
      [`H/dc1/${D1}/all`]: lines('a', 'b', 'c', 'e'),
      [`H/dc1/${D2}/all`]: lines('a', 'c', 'd', 'f', 'g'),
      [`H/dc1/${D1}/same`]: lines('x', 'y'),
      [`H/dc1/${D2}/same`]: lines('x', 'y'),
      [`H/dc1/${D1}/gone`]: lines('g1', 'g2'),
      [`H/dc1/${D2}/new`]: lines('n1'),
    });
    const r = breakfix([...home, 'diff', '--from', D1, '--to', D2], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(cells(r.out)).toEqual([
      ['group', 'added', 'removed', 'note'],
      ['all', '+3', '-2'],
      ['gone', '+0', '-2', 'gone'],
      ['new', '+1', '-0', 'new'],
      ['same', '+0', '-0'],
    ]);
    const j = JSON.parse(breakfix([...home, 'diff', '--from', D1, '--to', D2, '--json'], { cwd: dir }).out);
    expect(j.groups).toEqual([
      { group: 'all', added: 3, removed: 2, note: '' },
      { group: 'gone', added: 0, removed: 2, note: 'gone' },
      { group: 'new', added: 1, removed: 0, note: 'new' },
      { group: 'same', added: 0, removed: 0, note: '' },
    ]);
  });

  it('lists one group\'s hosts that came and went, in byte order', () => {
    const r = breakfix([...home, 'diff', 'all', '--from', D1, '--to', D2], { cwd });
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(lines('-b', '+d', '-e', '+f', '+g'));
  });

  it('keeps the bytes of hosts', () => {
    const r = breakfix([...home, 'diff', 'bytes', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.from('+\xc3\xa9\n', 'latin1'))).toBe(true);
  });

  it('prefixes each line with the group when given several', () => {
    const r = breakfix([...home, 'diff', 'same', 'all', 'new', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(0);
    expect(r.out).toBe('all\t-b\nall\t+d\nall\t-e\nall\t+f\nall\t+g\nnew\t+n1\n');
    expect(r.err).toContain(`new: not in H/dc1/${D1}; every host counts as added`);
  });

  it('counts a group missing on the later day as removed', () => {
    const r = breakfix([...home, 'diff', 'gone', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(0);
    expect(r.out).toBe(lines('-g1', '-g2'));
    expect(r.err).toContain('gone: not in');
  });

  it('fails on a group neither day has, suggesting names', () => {
    const r = breakfix([...home, 'diff', 'alll', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown group "alll".*did you mean: all/);
  });

  it('stops at an unsorted copy', () => {
    const r = breakfix([...home, 'diff', 'unsorted', '--from', D1, '--to', D2], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`H/dc1/${D1}/unsorted:2: not sorted after "b"`);
  });

  it('fails on a day that does not exist', () => {
    const r = breakfix([...home, 'diff', '--from', '2026-02-28', '--to', D2], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('2026-02-28: no such day directory');
  });

  it('on a datacenter\'s first day, says there is nothing to compare yet and exits 0', () => {
    const dir = tmp();
    const today = utcDay(new Date());
    writeFiles(dir, { [`H/dc1/2026-12-01/all`]: lines('a'), [`H/dc2/${today}/all`]: lines('a') });
    const r = breakfix([...home, 'diff', '--from', '2026-11-30', '--to', '2026-12-01'], { cwd: dir });
    expect([r.code, r.out, r.err]).toEqual([0, '', 'breakfix: no earlier day than 2026-12-01 in H/dc1: nothing to compare yet\n']);
    // The defaults, --from yesterday --to today, on the first day.
    const d = breakfix(['--home', 'H', '--dc', 'dc2', 'diff', 'all'], { cwd: dir });
    expect([d.code, d.out, d.err]).toEqual([0, '', `breakfix: no earlier day than ${today} in H/dc2: nothing to compare yet\n`]);
  });

  it('needs a home', () => {
    const r = breakfix(['diff', '--from', D1, '--to', D2], { cwd: tmp() });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--home');
  });
});
