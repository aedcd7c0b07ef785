import { beforeAll, describe, expect, it } from 'vitest';
import { breakfix, lines, tempDirs, utcDay, writeFiles } from '../support/cli.js';

const tmp = tempDirs();

describe('which', () => {
  let cwd: string;
  const day = `H/dc1/${utcDay(new Date())}`;
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      [`${day}/all`]: lines('a.x', 'b.x', 'c.x'),
      [`${day}/hdfs-dead`]: lines('b.x'),
      [`${day}/responsive`]: lines('a.x', 'c.x'),
      [`${day}/b-prefix`]: lines('b.x.y', 'bb.x'),
      [`${day}/inventory.tsv`]: 'host\tcluster\track\na.x\tdw1\tr1\nb.x\tdw2\tr2\n',
      [`${day}/pairs.tsv`]: 'cluster\tprimary\tstandby\ndw1\tb.x\tc.x\ndw2\tbb.x\tb.x.y\n',
    });
  });

  it('lists the groups that hold the host and the table rows that name it', () => {
    const r = breakfix(['--home', 'H', 'which', 'b.x'], { cwd });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      ['group\tall', 'group\thdfs-dead', 'table\tinventory.tsv\thost=b.x cluster=dw2 rack=r2', 'table\tpairs.tsv\tcluster=dw1 primary=b.x standby=c.x', ''].join('\n'),
    );
  });

  it('lowers the case and drops a port', () => {
    expect(breakfix(['--home', 'H', 'which', 'A.X:9100'], { cwd }).out).toBe(
      ['group\tall', 'group\tresponsive', 'table\tinventory.tsv\thost=a.x cluster=dw1 rack=r1', ''].join('\n'),
    );
  });

  it('prints JSON', () => {
    const j = JSON.parse(breakfix(['--home', 'H', 'which', 'c.x', '--json'], { cwd }).out);
    expect(j.host).toBe('c.x');
    expect(j.groups).toEqual(['all', 'responsive']);
    expect(j.tables).toEqual([{ table: 'pairs.tsv', row: { cluster: 'dw1', primary: 'b.x', standby: 'c.x' } }]);
  });

  it('exits 1 for a host it finds nowhere', () => {
    const r = breakfix(['--home', 'H', 'which', 'nope.x'], { cwd });
    expect(r.code).toBe(1);
    expect(r.out).toContain('nope.x: in no group or table of');
  });
});
