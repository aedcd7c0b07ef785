import { describe, expect, it } from 'vitest';
import { rowTest, TableError } from '../../src/sets/cursor.js';
import { NotSortedError } from '../../src/sets/errors.js';
import { run, type ReadStyle } from '../support/engine.js';

// A table: header, then rows sorted by key. Row c is short (no ticket field); a's ticket is empty.
const inventory = [
  'host\tcluster\track\tticket',
  'a\tdw1\tr1\t',
  'b\tdw2\tr[2]\tT-1',
  'c\tdw1\tr3',
  'd\tdw10\tr1\tT-2',
  'e\t\xc3\xa9t\xc3\xa9\tr9\t',
].join('\n') + '\n';

const files = {
  inventory,
  all: 'a\nb\nc\nd\ne\nf\n',
  './t.tsv': 'name\tx\nk1\t1\nk2\t2',
  unsorted: 'host\tcluster\na\tdw1\nc\tdw1\nb\tdw1\n',
  repeated: 'host\tcluster\na\tdw1\na\tdw2\n',
  empty: '',
  headeronly: 'host\tcluster\n',
};

const styles: Array<[string, ReadStyle]> = [
  ['whole reads', {}],
  ['reads of 1-7 bytes into a 4-byte buffer', { chunk: 7, initialSize: 4, seed: 'sel' }],
];

// [expression, resulting hosts]
const cases: Array<[string, string[]]> = [
  ['inventory[cluster=dw1]', ['a', 'c']],
  ['inventory[cluster!=dw1]', ['b', 'd', 'e']],
  ['inventory[cluster~^dw1]', ['a', 'c', 'd']],
  ['inventory[cluster~^dw1$]', ['a', 'c']],
  ['inventory[cluster=dw]', []],
  ['inventory[rack~^r\\[[0-9]\\]$]', ['b']],
  ['inventory[rack=r[2]]', ['b']],
  ['inventory[ticket=]', ['a', 'c', 'e']],
  ['inventory[ticket!=]', ['b', 'd']],
  ['inventory[ticket~T-]', ['b', 'd']],
  ['inventory[host=b]', ['b']],
  ['inventory[host~^[ace]$]', ['a', 'c', 'e']],
  ['inventory[cluster~^.t.$]', ['e']],
  ['all - inventory[cluster=dw1]', ['b', 'd', 'e', 'f']],
  ['inventory[cluster=dw1] | inventory[rack=r1]', ['a', 'c', 'd']],
  ['inventory[cluster=dw1] & inventory[rack=r1]', ['a']],
  ['inventory[cluster!=dw1] ^ all', ['a', 'c', 'f']],
  ['./t.tsv[x=2]', ['k2']],
  ['./t.tsv[name!=k2] | all', ['a', 'b', 'c', 'd', 'e', 'f', 'k1']],
  ['headeronly[cluster=dw1] | all', ['a', 'b', 'c', 'd', 'e', 'f']],
];

describe.each(styles)('table selection, %s', (_n, style) => {
  it.each(cases)('%s', (expr, want) => {
    expect(run(expr, files, style).toString()).toBe(want.map((h) => `${h}\n`).join(''));
  });

  it('matches non-ASCII values byte for byte', () => {
    // The expression is text; the value's UTF-8 bytes are compared with the field's.
    expect(run('inventory[cluster=\u00e9t\u00e9]', files, style).toString()).toBe('e\n');
    expect(run('inventory[cluster=\u00c3]', files, style).toString()).toBe('');
  });

  it('names the table and its columns when the column is unknown', () => {
    expect(() => run('inventory[owner=x]', files, style)).toThrow(TableError);
    expect(() => run('inventory[owner=x]', files, style)).toThrow('inventory: no column "owner"; its columns are: host, cluster, rack, ticket');
  });

  it('refuses a table without a header', () => {
    expect(() => run('empty[host=a]', files, style)).toThrow(/empty: the table is empty; it needs a header line/);
  });

  it('checks the order of keys, counting the header as line 1', () => {
    expect(() => run('unsorted[cluster=dw1]', files, style)).toThrow(NotSortedError);
    expect(() => run('unsorted[cluster=dw1]', files, style)).toThrow('unsorted:4: not sorted after "c\\tdw1"');
    expect(() => run('all - repeated[cluster=none]', files, style)).toThrow('repeated:3: not sorted after "a\\tdw1"');
  });
});

describe('rowTest', () => {
  const f = (s: string) => Buffer.from(s);
  it('compares whole fields for = and !=', () => {
    expect(rowTest('=', 'dw1')(f('dw1'))).toBe(true);
    expect(rowTest('=', 'dw1')(f('dw10'))).toBe(false);
    expect(rowTest('=', 'dw1')(f('dw'))).toBe(false);
    expect(rowTest('=', '')(f(''))).toBe(true);
    expect(rowTest('!=', 'dw1')(f('dw1'))).toBe(false);
    expect(rowTest('!=', 'dw1')(f('dw10'))).toBe(true);
  });

  it('searches anywhere for ~ unless anchored', () => {
    expect(rowTest('~', 'w1')(f('dw10'))).toBe(true);
    expect(rowTest('~', '^w1')(f('dw10'))).toBe(false);
    expect(rowTest('~', '^(dw1|hb)$')(f('hb'))).toBe(true);
  });

  it('reads only the field it is given, even inside a larger buffer', () => {
    const row = Buffer.from('a\tdw1\tr1');
    expect(rowTest('~', '^dw1$')(row.subarray(2, 5))).toBe(true);
    expect(rowTest('~', 'r1')(row.subarray(2, 5))).toBe(false);
  });
});
