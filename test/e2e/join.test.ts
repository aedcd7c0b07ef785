import { beforeAll, describe, expect, it } from 'vitest';
import { breakfix, lines, tempDirs, utcDay, writeFiles } from '../support/cli.js';

const tmp = tempDirs();

describe('join', () => {
  let cwd: string;
  const day = `H/dc1/${utcDay(new Date())}`;
  const inventory = 'host\tcluster\track\tticket\na.x\tdw1\tr1\t\nb.x\tdw2\tr2\tT-1\nc.x\tdw1\tr3\tT-2\n';
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      [`${day}/dead`]: lines('a.x', 'c.x', 'z.x'),
      [`${day}/inventory.tsv`]: inventory,
      [`${day}/unsorted`]: lines('c.x', 'a.x'),
      'mine': lines('b.x'),
      't.tsv': 'host\tv\nb.x\t42\n',
    });
  });

  it('prints the table\'s rows for the group\'s hosts, under a host header', () => {
    const r = breakfix(['--home', 'H', 'join', 'dead', 'inventory'], { cwd });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('host\tcluster\track\tticket\na.x\tdw1\tr1\t\nc.x\tdw1\tr3\tT-2\n');
  });

  it('takes the table by its file name too', () => {
    expect(breakfix(['--home', 'H', 'join', 'dead', 'inventory.tsv'], { cwd }).out).toBe(breakfix(['--home', 'H', 'join', 'dead', 'inventory'], { cwd }).out);
  });

  it('prints only the columns of --fields, in their order', () => {
    const r = breakfix(['--home', 'H', 'join', 'dead', 'inventory', '--fields', 'ticket,rack'], { cwd });
    expect(r.code).toBe(0);
    expect(r.out).toBe('host\tticket\track\na.x\t\tr1\nc.x\tT-2\tr3\n');
  });

  it('takes paths for the group and the table', () => {
    const r = breakfix(['join', './mine', './t.tsv'], { cwd });
    expect([r.code, r.out, r.err]).toEqual([0, 'host\tv\nb.x\t42\n', '']);
  });

  it('keys a group file on its first field and prints its other fields after the key, as GNU join -t TAB', () => {
    writeFiles(cwd, { notes: 'a.x\tdisk\nb.x\nc.x\tpsu\tT-7\n' });
    const r = breakfix(['--home', 'H', 'join', './notes', 'inventory'], { cwd });
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe('host\tcluster\track\tticket\na.x\tdisk\tdw1\tr1\t\nb.x\tdw2\tr2\tT-1\nc.x\tpsu\tT-7\tdw1\tr3\tT-2\n');
  });

  it('checks a group file\'s order on its first field', () => {
    writeFiles(cwd, { 'notes-unsorted': 'c.x\tpsu\na.x\tdisk\n', 'notes-repeated': 'a.x\tdisk\na.x\tpsu\n' });
    const r = breakfix(['--home', 'H', 'join', './notes-unsorted', 'inventory'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('notes-unsorted:2: not sorted after "c.x\\tpsu"');
    const d = breakfix(['--home', 'H', 'join', './notes-repeated', 'inventory'], { cwd });
    expect(d.code).toBe(1);
    expect(d.err).toContain('notes-repeated:2: not sorted after "a.x\\tdisk"');
  });

  it('names an unknown column', () => {
    const r = breakfix(['--home', 'H', 'join', 'dead', 'inventory', '--fields', 'owner'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('no column "owner"; its columns are: host, cluster, rack, ticket');
  });

  it('refuses an expression for the group and says how to do it', () => {
    const r = breakfix(['--home', 'H', 'join', 'dead - mine', 'inventory'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain("breakfix q 'dead - mine' > /tmp/g");
  });

  it('fails on an unknown group or table', () => {
    const g = breakfix(['--home', 'H', 'join', 'deaf', 'inventory'], { cwd });
    expect(g.code).toBe(1);
    expect(g.err).toContain('did you mean: dead');
    const t = breakfix(['--home', 'H', 'join', 'dead', 'inventry'], { cwd });
    expect(t.code).toBe(1);
    expect(t.err).toContain('inventry');
  });

  it('stops at an unsorted group', () => {
    const r = breakfix(['--home', 'H', 'join', 'unsorted', 'inventory'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('unsorted:2: not sorted after "c.x"');
  });
});
