import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { PlainCursor, TableError } from '../../src/sets/cursor.js';
import { NotSortedError } from '../../src/sets/errors.js';
import { joinGroupTable } from '../../src/sets/join.js';
import { LineCursor, memorySource } from '../../src/sets/lines.js';
import { chunkySource, collector } from '../support/engine.js';

type Feed = (label: string, data: string | Buffer) => { group: () => PlainCursor; table: () => LineCursor };

const asBytes = (d: string | Buffer) => (typeof d === 'string' ? Buffer.from(d, 'latin1') : d);
const feeds: Array<[string, Feed]> = [
  [
    'whole reads',
    (label, data) => ({
      group: () => new PlainCursor(memorySource(label, asBytes(data)), true),
      table: () => new LineCursor(memorySource(label, asBytes(data)), true, true),
    }),
  ],
  [
    'reads of 1-7 bytes into a 4-byte buffer',
    (label, data) => ({
      group: () => new PlainCursor(chunkySource(label, asBytes(data), seedrandom(label), 7), true, false, 4),
      table: () => new LineCursor(chunkySource(label, asBytes(data), seedrandom(label), 7), true, true, 4),
    }),
  ],
];

function join(feed: Feed, group: string | Buffer, table: string | Buffer, pick: string[] | null = null, outSize?: number): string {
  const { out, bytes } = collector(outSize);
  joinGroupTable(feed('group', group).group(), feed('table.tsv', table).table(), pick, out);
  return bytes().toString('latin1');
}

const table = ['name\tcluster\track\tticket', 'a\tdw1\tr1\t', 'b\tdw2\tr2\tT-1', 'c\tdw1', 'e\tdw3\tr5\tT-9'].join('\n') + '\n';

describe.each(feeds)('joinGroupTable, %s', (_n, feed) => {
  it('prints host and the other columns, then the rows of the group\'s hosts', () => {
    expect(join(feed, 'a\nc\nd\ne\n', table)).toBe(['host\tcluster\track\tticket', 'a\tdw1\tr1\t', 'c\tdw1', 'e\tdw3\tr5\tT-9', ''].join('\n'));
  });

  it('picks columns in the order asked, empty where a row is short', () => {
    expect(join(feed, 'a\nb\nc\n', table, ['ticket', 'cluster'])).toBe(
      ['host\tticket\tcluster', 'a\t\tdw1', 'b\tT-1\tdw2', 'c\t\tdw1', ''].join('\n'),
    );
    expect(join(feed, 'b\n', table, ['name'])).toBe('host\tname\nb\tb\n');
  });

  it('prints only the header when nothing matches', () => {
    expect(join(feed, 'x\ny\n', table)).toBe('host\tcluster\track\tticket\n');
    expect(join(feed, '', table, ['rack'])).toBe('host\track\n');
  });

  it('reads a group whose last line has no newline', () => {
    expect(join(feed, 'a\ne', table, ['rack'])).toBe('host\track\na\tr1\ne\tr5\n');
  });

  it('reads a table whose last row has no newline', () => {
    expect(join(feed, 'a\ne\n', table.slice(0, -1))).toBe(['host\tcluster\track\tticket', 'a\tdw1\tr1\t', 'e\tdw3\tr5\tT-9', ''].join('\n'));
  });

  it('keeps the bytes of rows as they are', () => {
    const t = Buffer.concat([Buffer.from('host\tv\n'), Buffer.from([0x61, 0x09, 0x80, 0xff, 0x20, 0x0d, 0x0a]), Buffer.from('b\t\xc3\x28\n', 'latin1')]);
    expect(join(feed, 'a\nb\n', t)).toBe('host\tv\na\t\x80\xff \r\nb\t\xc3\x28\n');
  });

  it('joins rows longer than the first buffer', () => {
    const long = 'x'.repeat(200_000);
    const t = `host\tv\na\t${long}\nb\tshort\n`;
    expect(join(feed, 'a\nb\n', t, null, 64)).toBe(`host\tv\na\t${long}\nb\tshort\n`);
    expect(join(feed, 'a\n', t, ['v'], 64)).toBe(`host\tv\na\t${long}\n`);
  });

  it('names an unknown column and lists the real ones', () => {
    expect(() => join(feed, 'a\n', table, ['owner'])).toThrow(TableError);
    expect(() => join(feed, 'a\n', table, ['owner'])).toThrow('table.tsv: no column "owner"; its columns are: name, cluster, rack, ticket');
  });

  it('refuses a table without a header', () => {
    expect(() => join(feed, 'a\n', '')).toThrow(/table.tsv: the table is empty/);
  });

  // GNU join -t TAB keys a group line on its first field and prints its other fields after the key.
  const groupFields: Array<[name: string, group: string, pick: string[] | null, expected: string[]]> = [
    ['a second field', 'a\tx\n', null, ['a\tx\tdw1\tr1\t']],
    ['several fields', 'b\tp\tq\n', null, ['b\tp\tq\tdw2\tr2\tT-1']],
    ['an empty second field', 'a\t\n', null, ['a\t\tdw1\tr1\t']],
    ['lines with and without fields, mixed', 'a\nb\tx\nc\ne\ty\tz\n', null, ['a\tdw1\tr1\t', 'b\tx\tdw2\tr2\tT-1', 'c\tdw1', 'e\ty\tz\tdw3\tr5\tT-9']],
    ['a key that is a prefix of a table key does not match', 'ab\tx\nc\tz\n', null, ['c\tz\tdw1']],
    ['--fields: the key and the table columns only', 'a\tx\nb\ty\n', ['rack'], ['a\tr1', 'b\tr2']],
  ];
  it.each(groupFields)('keys a group line on its first field: %s', (_name, group, pick, expected) => {
    expect(join(feed, group, table, pick)).toBe([pick ? `host\t${pick.join('\t')}` : 'host\tcluster\track\tticket', ...expected, ''].join('\n'));
  });

  it('checks a keyed group\'s order on its first field, as join does', () => {
    // Whole lines "a\x01\tx" < "a\ty", but keys "a" < "a\x01": sorted by key, not by line.
    expect(join(feed, 'a\ty\na\x01\tx\n', 'host\tv\na\t1\n')).toBe('host\tv\na\ty\t1\n');
    expect(() => join(feed, 'a\x01\tx\na\ty\n', 'host\tv\na\t1\n')).toThrow('group:2: not sorted after "a\\u0001\\tx"');
    expect(() => join(feed, 'a\tx\na\ty\n', 'host\tv\na\t1\n')).toThrow(NotSortedError);
  });

  it('checks the order of both inputs to their ends', () => {
    // The disorder comes after the last possible match, as join --check-order would still see.
    expect(() => join(feed, 'a\nz\ny\n', table)).toThrow('group:3: not sorted after "z"');
    expect(() => join(feed, 'a\n', `${table}d\tx\n`)).toThrow('table.tsv:6: not sorted after "e\\tdw3\\tr5\\tT-9"');
    expect(() => join(feed, 'a\n', 'host\tv\nb\t1\nb\t2\n')).toThrow(NotSortedError);
  });
});
