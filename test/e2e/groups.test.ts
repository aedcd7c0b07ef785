import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeGroup } from '../../src/store/group.js';
import { writeTable } from '../../src/store/table.js';
import { breakfix, lines, tempDirs, utcDay, writeFiles } from '../support/cli.js';

const tmp = tempDirs();
const HOUR = 3600 * 1000;

/** Splits an aligned table into cells (columns stand two or more spaces apart), leaving out footnotes. */
const cells = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('* '))
    .map((l) => l.trim().split(/\s{2,}/));

describe('groups', () => {
  let cwd: string;
  let day: string;
  beforeAll(() => {
    cwd = tmp();
    day = path.join(cwd, 'H', 'dc1', utcDay(new Date()));
    fs.mkdirSync(day, { recursive: true });
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    writeGroup(day, 'all', ['a.x', 'b.x', 'c.x'], { kind: 'source', source: 'inventory', inputs: [], time: ago(2 * HOUR + 60_000) });
    writeGroup(day, 'candidate-rekick', ['b.x'], {
      kind: 'recipe',
      expression: 'all - hdfs-live',
      inputs: ['all', 'hdfs-live'],
      time: ago(3 * 24 * HOUR + HOUR),
    });
    writeTable(day, 'inventory', ['host', 'cluster'], [{ host: 'b.x', cluster: 'dw1' }, { host: 'a.x', cluster: 'dw2' }], {
      kind: 'table',
      source: 'inventory',
      inputs: [],
      time: ago(5 * 60_000 + 1000),
    });
    // Written by hand: no meta at all.
    writeFiles(day, { 'by-hand': lines('q', 'r', 's', 't') });
    // Changed after its source wrote it: the meta's count is stale, the file's is shown.
    writeGroup(day, 'hdfs-live', ['a.x', 'c.x'], { kind: 'source', source: 'hdfs-dw1', inputs: [], time: ago(HOUR) });
    fs.appendFileSync(path.join(day, 'hdfs-live'), 'd.x\n');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(day, 'hdfs-live'), later, later);
  });

  it('lists name, kind, count, age and source, in name order', () => {
    const r = breakfix(['--home', 'H', 'groups'], { cwd });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [header, ...rows] = cells(r.out);
    expect(header).toEqual(['name', 'kind', 'count', 'age', 'source']);
    const byName = new Map(rows.map((row) => [row[0], row]));
    expect(byName.get('all')).toEqual(['all', 'source', '3', '2h', 'inventory']);
    expect(byName.get('candidate-rekick')).toEqual(['candidate-rekick', 'recipe', '1', '3d', 'all - hdfs-live']);
    expect(byName.get('inventory.tsv')).toEqual(['inventory.tsv', 'table', '2', '5m', 'inventory']);
    expect(byName.get('by-hand')?.slice(0, 3)).toEqual(['by-hand', 'file', '4']);
    expect(byName.get('hdfs-live')?.slice(0, 3)).toEqual(['hdfs-live', 'source*', '3']);
    expect(rows.map((row) => row[0])).toEqual(['all', 'by-hand', 'candidate-rekick', 'hdfs-live', 'inventory.tsv']);
    expect(r.out).toMatch(/\* meta is older than the file/);
  });

  it('prints the same facts as JSON', () => {
    const r = breakfix(['--home', 'H', 'groups', '--json'], { cwd });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { groups: Array<Record<string, unknown>> };
    const all = j.groups.find((g) => g.name === 'all')!;
    expect(all).toMatchObject({ kind: 'source', count: 3, source: 'inventory', stale: false });
    expect(all.age_seconds as number).toBeGreaterThanOrEqual(2 * 3600 + 60);
    expect(all.age_seconds as number).toBeLessThan(2 * 3600 + 600);
    expect(j.groups.find((g) => g.name === 'hdfs-live')).toMatchObject({ count: 3, stale: true });
  });

  it('lists the current directory when there is no home', () => {
    const r = breakfix(['groups'], { cwd: day });
    expect(r.code).toBe(0);
    expect(cells(r.out).map((row) => row[0])).toEqual(['name', 'all', 'by-hand', 'candidate-rekick', 'hdfs-live', 'inventory.tsv']);
  });

  it('says when a day holds nothing', () => {
    const empty = tmp();
    const r = breakfix(['groups'], { cwd: empty });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no groups in /);
  });
});
