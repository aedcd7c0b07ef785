import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bash, breakfix, lines, tempDirs, utcDay, writeFiles } from '../support/cli.js';

const tmp = tempDirs();

describe('q with paths and no config or home (a drop-in for comm)', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      a: lines('a1', 'b2', 'c3', 'd4'),
      b: lines('b2', 'd4', 'e5'),
      c: lines('c3', 'd4', 'f6'),
      nonl: 'a1\nb2\nc3',
      empty: '',
      'sub/dead-rekick': lines('b2', 'z9'),
      unsorted: lines('a', 'c', 'b'),
      repeated: lines('a', 'b', 'b'),
      'inventory.tsv': 'host\tcluster\track\na1\tdw1\tr1\nb2\tdw2\tr1\nc3\tdw1\tr2\n',
    });
  });

  // [arguments after q, the hosts printed]
  const table: Array<[string[], string[]]> = [
    [['./a - ./b'], ['a1', 'c3']],
    [['./a & ./b'], ['b2', 'd4']],
    [['./a ^ ./b'], ['a1', 'c3', 'e5']],
    [['./a | ./b'], ['a1', 'b2', 'c3', 'd4', 'e5']],
    [['./a', '-', './b'], ['a1', 'c3']],
    [['./a', 'minus', './b', 'and', './c'], ['c3']],
    [['./a', 'or', './b', 'and', './c'], ['a1', 'b2', 'c3', 'd4']],
    [['a - b'], ['a1', 'c3']],
    [['a - b - c'], ['a1']],
    [['(a | b) & c'], ['c3', 'd4']],
    [['a ^ b ^ c'], ['a1', 'd4', 'e5', 'f6']],
    [['a - ./sub/dead-rekick'], ['a1', 'c3', 'd4']],
    [['./sub/dead-rekick -b'], ['z9']],
    [['nonl'], ['a1', 'b2', 'c3']],
    [['nonl | empty'], ['a1', 'b2', 'c3']],
    [['empty'], []],
    [['a - a'], []],
    [['a - ./a'], []],
    [['inventory[cluster=dw1] ^ ./inventory.tsv[cluster=dw1]'], []],
    [['inventory[cluster=dw1]'], ['a1', 'c3']],
    [['a - inventory[rack=r1]'], ['c3', 'd4']],
    [['./inventory.tsv[cluster!=dw1]'], ['b2']],
    [['a - plans.drain'], ['a1', 'b2', 'c3', 'd4']],
  ];
  it.each(table)('q %j', (args, want) => {
    const r = breakfix(['q', ...args], { cwd });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(lines(...want));
  });

  it('reads an operand from /dev/stdin, whether stdin is a pipe, a file or a socket', () => {
    const piped = bash('printf "a1\\nd4\\n" | "$BIN" q "a - /dev/stdin"', cwd);
    expect([piped.code, piped.out, piped.err]).toEqual([0, lines('b2', 'c3'), '']);
    const redirected = bash('"$BIN" q "/dev/stdin & a" < b', cwd);
    expect([redirected.code, redirected.out, redirected.err]).toEqual([0, lines('b2', 'd4'), '']);
    // Node's child_process hands stdin over as a socket, which cannot be opened by name.
    const socket = breakfix(['q', 'a - /dev/stdin'], { cwd, input: lines('a1', 'd4') });
    expect([socket.code, socket.out, socket.err]).toEqual([0, lines('b2', 'c3'), '']);
  });

  it('counts with -c', () => {
    const r = breakfix(['q', '-c', 'a | b'], { cwd });
    expect([r.code, r.out, r.err]).toEqual([0, '5\n', '']);
  });

  it('prints JSON with --json', () => {
    const r = breakfix(['q', '--json', 'a', '-', 'b'], { cwd });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ expression: 'a - b', hosts: ['a1', 'c3'], count: 2 });
  });

  it('stops at an unsorted operand, naming the file, the line and the fix', () => {
    const r = breakfix(['q', 'a - unsorted'], { cwd });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('unsorted:3: not sorted after "c"');
    expect(r.err).toContain('LC_ALL=C sort -u');
  });

  it('stops at a repeated line, under the name the path was given by', () => {
    const r = breakfix(['q', 'a | ./repeated'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('./repeated:3: not sorted after "b"');
    expect(r.err).toContain('LC_ALL=C sort -u');
  });

  it('treats a missing path as an error, never as an empty set', () => {
    const r = breakfix(['q', 'a - ./no/such-file'], { cwd });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('./no/such-file');
  });

  it('refuses a directory as an operand', () => {
    const r = breakfix(['q', 'a & ./sub'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('./sub: is a directory');
  });

  it('suggests the nearest names for an unknown group', () => {
    const r = breakfix(['q', 'a - nonll'], { cwd });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/unknown group "nonll".*did you mean: nonl/);
  });

  it('says to put spaces around a minus that joined two names', () => {
    const r = breakfix(['q', 'a-b'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('a - b');
  });

  // [expression, the column of the caret]
  const syntax: Array<[string, number]> = [
    ['a -', 3],
    ['a b', 2],
    ['(a - b', 0],
    ['a - B', 4],
    ['a)', 1],
  ];
  it.each(syntax)('exits 2 on the parse error in %j, with a caret under it', (expr, col) => {
    const r = breakfix(['q', expr], { cwd });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const errLines = r.err.split('\n');
    const at = errLines.indexOf(`  ${expr}`);
    expect(at).toBeGreaterThan(0);
    expect(errLines[at + 1]).toBe(`  ${' '.repeat(col)}^`);
  });

  it('exits 0 and says nothing when its reader goes away', () => {
    const big = path.join(cwd, 'big');
    const out = fs.openSync(big, 'w');
    const chunk: string[] = [];
    for (let i = 0; i < 400_000; i++) chunk.push(`host${String(i).padStart(7, '0')}.dc1.example.com\n`);
    fs.writeSync(out, chunk.join(''));
    fs.closeSync(out);
    const r = bash('set -o pipefail; "$BIN" q ./big | head -1', cwd);
    expect(r.err).toBe('');
    expect(r.out).toBe('host0000000.dc1.example.com\n');
    expect(r.code).toBe(0);
  });
});

describe('q: names, bytes and outputs it cannot take as they are', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      a: lines('a1', 'b2'),
      bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a1\nb2\n')]),
      't.tsv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('host\tv\na1\t1\n')]),
    });
    fs.writeFileSync(Buffer.from(path.join(cwd, 'x\xff1'), 'latin1'), 'a1\n');
  });

  const NOT_UTF8 = ': the name is not valid UTF-8 (Node cannot open it by its bytes); rename it or pass it on stdin: breakfix q /dev/stdin < FILE\n';

  // [the command line, after "$BIN", in bash; the name the error gives]
  const notUtf8: Array<[string, string]> = [
    [`q ./x$'\\xff'1`, './x\ufffd1'],
    [`q "./a - ./x"$'\\xff'1`, './x\ufffd1'],
    [`join ./x$'\\xff'1 ./t.tsv`, './x\ufffd1'],
    [`join ./a ./x$'\\xff'1.tsv`, './x\ufffd1.tsv'],
  ];
  it.each(notUtf8)('refuses a name that is not UTF-8, and says how to read it: %s', (args, shown) => {
    const r = bash(`"$BIN" ${args}`, cwd);
    expect([r.code, r.out, r.err]).toEqual([2, '', `breakfix: ${shown}${NOT_UTF8}`]);
  });

  it('reads such a file on stdin, as the message says', () => {
    const r = bash(`"$BIN" q /dev/stdin < ./x$'\\xff'1`, cwd);
    expect([r.code, r.out, r.err]).toEqual([0, 'a1\n', '']);
  });

  it('names a UTF-8 byte-order mark at the start of an operand, and how to strip it', () => {
    const r = breakfix(['q', './a | ./bom'], { cwd });
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toBe("breakfix: ./bom:1: starts with a UTF-8 byte-order mark (EF BB BF); strip it: sed -i '1s/^\\xEF\\xBB\\xBF//' ./bom\n");
    const t = breakfix(['join', './a', './t.tsv'], { cwd });
    expect(t.code).toBe(1);
    expect(t.err).toContain('./t.tsv:1: starts with a UTF-8 byte-order mark (EF BB BF)');
  });

  it('names a write error on standard output, and still exits 0 on a closed pipe', () => {
    const full = bash('"$BIN" q ./a > /dev/full', cwd);
    expect([full.code, full.err]).toEqual([1, 'breakfix: standard output: no space left on device (ENOSPC)\n']);
    const closed = bash('set -o pipefail; "$BIN" q ./a | true', cwd);
    expect([closed.code, closed.err]).toEqual([0, '']);
  });
});

describe('q --sample', () => {
  let cwd: string;
  const all: string[] = [];
  beforeAll(() => {
    cwd = tmp();
    for (let i = 0; i < 300; i++) all.push(`h${String(i).padStart(3, '0')}`);
    writeFiles(cwd, { all: lines(...all), few: lines('x', 'y') });
  });

  const pick = (args: string[]) => breakfix(['q', ...args], { cwd });

  it('repeats a pick with the same seed', () => {
    const one = pick(['--sample', '10', '--seed', 'abc', 'all']);
    const two = pick(['all', '--seed', 'abc', '--sample', '10']);
    expect(one.code).toBe(0);
    expect(one.err).toBe('');
    expect(two.out).toBe(one.out);
    const got = one.out.split('\n').slice(0, -1);
    expect(got.length).toBe(10);
    expect(new Set(got).size).toBe(10);
    for (const h of got) expect(all).toContain(h);
    expect([...got].sort()).toEqual(got);
  });

  it('depends on the seed', () => {
    const outs = new Set(['1', '2', '3', '4', '5'].map((s) => pick(['--sample', '10', '--seed', s, 'all']).out));
    expect(outs.size).toBeGreaterThan(1);
  });

  it('prints the seed it chose, and that seed repeats the pick', () => {
    const first = pick(['--sample', '5', 'all']);
    expect(first.code).toBe(0);
    const m = /--seed (\S+?)\)?$/m.exec(first.err);
    expect(m, first.err).not.toBeNull();
    const again = pick(['--sample', '5', '--seed', m![1]!, 'all']);
    expect(again.out).toBe(first.out);
    expect(again.err).toBe('');
  });

  it('gives every host when asked for more than there are', () => {
    expect(pick(['--sample', '5', '--seed', 's', 'few']).out).toBe(lines('x', 'y'));
  });

  it('counts the pick with -c and reports it in JSON', () => {
    expect(pick(['--sample', '7', '--seed', 's', '-c', 'all']).out).toBe('7\n');
    const j = JSON.parse(pick(['--sample', '3', '--seed', 's', '--json', 'all']).out);
    expect(j).toMatchObject({ expression: 'all', seed: 's', total: 300, count: 3 });
    expect(j.hosts).toEqual(pick(['--sample', '3', '--seed', 's', 'all']).out.split('\n').slice(0, -1));
  });

  it('refuses a sample size that is not a number', () => {
    const r = pick(['--sample', 'ten', 'all']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--sample');
  });
});

describe('q in a home', () => {
  let cwd: string;
  const today = utcDay(new Date());
  const earlier = '2024-02-29';
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, {
      [`H/dc1/${today}/all`]: lines('a', 'b', 'c'),
      [`H/dc1/${today}/responsive`]: lines('a', 'c'),
      [`H/dc1/${earlier}/all`]: lines('a', 'b', 'c', 'd'),
      [`H/dc1/${earlier}/responsive`]: lines('d'),
      [`L/dc1/${earlier}/all`]: lines('old'),
      [`L/dc1/${today}/all`]: lines('new'),
      // names in the current directory must not be used when a home is given
      all: lines('zzz'),
    });
    fs.symlinkSync(earlier, path.join(cwd, 'L/dc1/today'));
  });

  it('reads today\'s directory (UTC) of --home and --dc', () => {
    const r = breakfix(['--home', 'H', '--dc', 'dc1', 'q', 'all - responsive'], { cwd });
    expect([r.code, r.err, r.out]).toEqual([0, '', lines('b')]);
  });

  it('takes the only datacenter when --dc is not given, and $BREAKFIX_HOME for --home', () => {
    expect(breakfix(['--home', 'H', 'q', 'all'], { cwd }).out).toBe(lines('a', 'b', 'c'));
    expect(breakfix(['q', 'all'], { cwd, env: { BREAKFIX_HOME: path.join(cwd, 'H') } }).out).toBe(lines('a', 'b', 'c'));
  });

  it('reads another day with --day, before or after the command', () => {
    expect(breakfix(['--home', 'H', '--dc', 'dc1', '--day', earlier, 'q', 'all - responsive'], { cwd }).out).toBe(lines('a', 'b', 'c'));
    expect(breakfix(['--home', 'H', '--dc', 'dc1', 'q', '--day', earlier, 'all', '-', 'responsive'], { cwd }).out).toBe(lines('a', 'b', 'c'));
  });

  it('follows the today link where there is one', () => {
    expect(breakfix(['--home', 'L', 'q', 'all'], { cwd }).out).toBe(lines('old'));
    expect(breakfix(['--home', 'L', '--day', today, 'q', 'all'], { cwd }).out).toBe(lines('new'));
  });

  it('refuses a day that is not a date', () => {
    const r = breakfix(['--home', 'H', '--day', '2024-13-45x', 'q', 'all'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--day 2024-13-45x');
  });

  it('names the day directory and the nearest groups for an unknown name', () => {
    const r = breakfix(['--home', 'H', 'q', 'all - responsiv'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`unknown group "responsiv" in H/dc1/${today}`);
    expect(r.err).toContain('did you mean: responsive');
  });

  it('says when a day has no groups at all', () => {
    const r = breakfix(['--home', 'H', '--day', '2020-01-01', 'q', 'all'], { cwd });
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown group "all"');
  });
});

describe('q with @node sets and --fold', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = tmp();
    writeFiles(cwd, { dead: lines('dw1-dn003.dc1.example.com', 'gw1.dc1.example.com') });
  });

  it('takes a node set as an operand and folds the result as nodeset -f does', () => {
    const plain = breakfix(['q', '@dw1-dn[001-004,010].dc1.example.com,gw1.dc1.example.com - dead'], { cwd });
    expect([plain.code, plain.out, plain.err]).toEqual([0, lines('dw1-dn001.dc1.example.com', 'dw1-dn002.dc1.example.com', 'dw1-dn004.dc1.example.com', 'dw1-dn010.dc1.example.com'), '']);
    const folded = breakfix(['q', '--fold', '@dw1-dn[001-004,010].dc1.example.com - dead | @dw2-dn[1-2].dc1.example.com'], { cwd });
    expect([folded.code, folded.out, folded.err]).toEqual([0, 'dw1-dn[001-002,004,010].dc1.example.com,dw2-dn[1-2].dc1.example.com\n', '']);
    const empty = breakfix(['q', '--fold', 'dead - dead'], { cwd });
    expect([empty.code, empty.out]).toEqual([0, '\n']);
  });

  it('says which operand it read when a node set lacks its "@" or names a short host', () => {
    const bare = breakfix(['q', 'dw1-dn[001-004].dc1.example.com'], { cwd });
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/in the table selection dw1-dn\[\.\.\.\]: .*for a node set put "@" before it: @dw1-dn\[001-004\]\.dc1\.example\.com/);
    const short = breakfix(['q', '@dn[1-2]'], { cwd });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/in the node set @dn\[1-2\]: "dn1" is not a canonical host name: a short name/);
  });

  it('refuses --fold with --count or --json', () => {
    const r = breakfix(['q', '--fold', '--count', 'dead'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fold .* does not go with --count or --json/);
  });
});
