import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/sets/errors.js';
import { formatExpression, operandsOf, parseExpression, type Expr } from '../../src/sets/parse.js';

function errorOf(src: string): ExpressionError {
  try {
    parseExpression(src);
  } catch (e) {
    if (e instanceof ExpressionError) return e;
    throw e;
  }
  throw new Error(`parsed without error: ${JSON.stringify(src)}`);
}

describe('parseExpression: precedence and associativity', () => {
  // Expected trees written by hand from Python's set precedence: - > & > ^ > |, all left-associative.
  const cases: Array<[string, string]> = [
    ['a', 'a'],
    ['a - b', '(a - b)'],
    ['a & b', '(a & b)'],
    ['a ^ b', '(a ^ b)'],
    ['a | b', '(a | b)'],
    ['a - b - c', '((a - b) - c)'],
    ['a & b & c', '((a & b) & c)'],
    ['a ^ b ^ c', '((a ^ b) ^ c)'],
    ['a | b | c', '((a | b) | c)'],
    ['a | b & c', '(a | (b & c))'],
    ['a & b | c', '((a & b) | c)'],
    ['a ^ b & c', '(a ^ (b & c))'],
    ['a & b ^ c', '((a & b) ^ c)'],
    ['a | b ^ c', '(a | (b ^ c))'],
    ['a ^ b | c', '((a ^ b) | c)'],
    ['a - b & c', '((a - b) & c)'],
    ['a & b - c', '(a & (b - c))'],
    ['a ^ b - c', '(a ^ (b - c))'],
    ['a | b - c', '(a | (b - c))'],
    ['a ^ b | c ^ d', '((a ^ b) | (c ^ d))'],
    ['a | b - c ^ d & e', '(a | ((b - c) ^ (d & e)))'],
    ['a - b | c - d & e ^ f', '((a - b) | (((c - d) & e) ^ f))'],
    ['all - hadoop_exclude & responsive & puppet_ok', '(((all - hadoop_exclude) & responsive) & puppet_ok)'],
    // parentheses
    ['a - (b - c)', '(a - (b - c))'],
    ['(a | b) & c', '((a | b) & c)'],
    ['a & (b | c)', '(a & (b | c))'],
    ['((a))', 'a'],
    ['( a - ( b ^ c ) ) | d', '((a - (b ^ c)) | d)'],
    ['a&(b|c)', '(a & (b | c))'],
    ['a&b|c^d', '((a & b) | (c ^ d))'],
    // words
    ['a minus b', '(a - b)'],
    ['a and b', '(a & b)'],
    ['a xor b', '(a ^ b)'],
    ['a or b', '(a | b)'],
    ['a or b and c', '(a | (b & c))'],
    ['a minus b and c xor d or e', '((((a - b) & c) ^ d) | e)'],
    ['e or d xor c and b minus a', '(e | (d ^ (c & (b - a))))'],
    ['a minus(b)', '(a - b)'],
    ['(a)and(b)', '(a & b)'],
    ['a and b - c or d', '((a & (b - c)) | d)'],
    // names that start with or contain an operator word are names
    ['orders - andes', '(orders - andes)'],
    ['minus_x and xor.y', '(minus_x & xor.y)'],
    ['or1 | and-2', '(or1 | and-2)'],
    // greedy hyphenated names; the binary minus needs a space or ")" before it
    ['dead-rekick', 'dead-rekick'],
    ['dead-rekick - x', '(dead-rekick - x)'],
    ['a-b', 'a-b'],
    ['a--b', 'a--b'],
    ['a -b', '(a - b)'],
    ['(a)-b', '(a - b)'],
    ['(a)- b', '(a - b)'],
    ['(a-b)-c', '(a-b - c)'],
    ['hdfs-dead | hdfs-decommissioning | plans.drain', '((hdfs-dead | hdfs-decommissioning) | plans.drain)'],
    ['role.worker & lifecycle.in-service', '(role.worker & lifecycle.in-service)'],
    ['0 | 9_a', '(0 | 9_a)'],
    ['_x', '_x'],
    // paths
    ['./a', './a'],
    ['./a - /tmp/b', '(./a - /tmp/b)'],
    ['/dev/stdin & x', '(/dev/stdin & x)'],
    ['../up/dead-rekick -./b', '(../up/dead-rekick - ./b)'],
    ['./A.B/C_D', './A.B/C_D'],
    ['dir/sub', 'dir/sub'],
    // whitespace of any kind separates
    ['a\t-\nb', '(a - b)'],
    ['  a  |  b  ', '(a | b)'],
    // selectors
    ['inventory[cluster=dw1]', 'inventory[cluster=dw1]'],
    ['inventory[cluster!=dw1]', 'inventory[cluster!=dw1]'],
    ['inventory[rack~^r[0-9]+$]', 'inventory[rack~^r[0-9]+$]'],
    ['all - inventory[lifecycle=retired] & responsive', '((all - inventory[lifecycle=retired]) & responsive)'],
    ['./inv.tsv[role=worker] | x', '(./inv.tsv[role=worker] | x)'],
    ['t[c=a b|c]', 't[c=a b|c]'],
  ];
  it.each(cases)('%j', (src, want) => {
    expect(formatExpression(parseExpression(src))).toBe(want);
  });

  it('formats what it parses back into the same tree', () => {
    for (const [src] of cases) {
      const once = parseExpression(src);
      expect(shape(parseExpression(formatExpression(once)))).toEqual(shape(once));
    }
  });
});

/** A tree without positions, which differ between the two spellings. */
function shape(e: Expr): unknown {
  if (e.kind === 'binary') return { op: e.op, left: shape(e.left), right: shape(e.right) };
  if (e.kind === 'select') return { ...e, table: shape(e.table), pos: undefined };
  return { ...e, pos: undefined };
}

describe('parseExpression: operands', () => {
  it('tells names, paths and selectors apart', () => {
    const src = 'all - ./x/y & inventory[cluster=dw1] | /tmp/t.tsv[rack~^r[12]$] ^ z[k!=v]';
    const at = (s: string) => src.indexOf(s);
    expect(operandsOf(parseExpression(src))).toEqual([
      { kind: 'name', name: 'all', pos: 0 },
      { kind: 'path', path: './x/y', pos: at('./x/y') },
      {
        kind: 'select',
        table: { kind: 'name', name: 'inventory', pos: at('inventory') },
        column: 'cluster',
        test: '=',
        value: 'dw1',
        pos: at('inventory'),
      },
      {
        kind: 'select',
        table: { kind: 'path', path: '/tmp/t.tsv', pos: at('/tmp') },
        column: 'rack',
        test: '~',
        value: '^r[12]$',
        pos: at('/tmp'),
      },
      { kind: 'select', table: { kind: 'name', name: 'z', pos: at('z[') }, column: 'k', test: '!=', value: 'v', pos: at('z[') },
    ]);
  });

  it('keeps an escaped bracket inside a selector value', () => {
    const e = parseExpression('t[rack~^r\\]x$]');
    expect(e).toMatchObject({ kind: 'select', column: 'rack', test: '~', value: '^r\\]x$' });
  });

  it('allows an empty selector value', () => {
    expect(parseExpression('t[ticket=]')).toMatchObject({ kind: 'select', column: 'ticket', test: '=', value: '' });
  });

  it('records where each operator stands', () => {
    const e = parseExpression('a -b and c');
    expect(e).toMatchObject({ kind: 'binary', op: '&', pos: 5, left: { kind: 'binary', op: '-', pos: 2 } });
  });
});

describe('parseExpression: errors', () => {
  // [expression, position of the caret, what the reason says]
  const cases: Array<[string, number, RegExp]> = [
    ['', 0, /empty/],
    ['   ', 0, /empty/],
    ['a -', 3, /ends where an operand was expected/],
    ['a - b |', 7, /ends where an operand was expected/],
    ['a and', 5, /ends where an operand was expected/],
    ['(a - b', 0, /never closed/],
    ['(a - (b)', 0, /never closed/],
    ['a & (b | (c)', 4, /never closed/],
    ['a)', 1, /has no "\(" before it/],
    ['(a))', 3, /has no "\(" before it/],
    [')', 0, /expected a group name/],
    ['()', 1, /expected a group name/],
    ['All', 0, /lower case/],
    ['a - Responsive', 4, /lower case/],
    ['aB', 1, /lower case/],
    ['a b', 2, /expected an operator/],
    ['a - b c', 6, /expected an operator/],
    ['a- b', 3, /expected an operator/],
    ['a (b)', 2, /expected an operator/],
    ['a orb', 2, /expected an operator/],
    ['- a', 0, /expected a group name/],
    ['& a', 0, /expected a group name/],
    ['a | | b', 4, /expected a group name/],
    ['a - minus', 4, /operator "minus"/],
    ['or', 0, /operator "or"/],
    ['a@b', 1, /"@" is not allowed/],
    ['t[c~(]', 4, /not a valid regular expression/],
    ['t[c~a(b]', 4, /not a valid regular expression/],
    ['t[c~x*+]', 4, /not a valid regular expression/],
    ['t[c=x', 1, /never closed/],
    ['t[=x]', 2, /column name/],
    ['t[c x]', 3, /"=", "!=" or "~"/],
    ['[c=x]', 0, /expected a group name/],
  ];
  it.each(cases)('%j fails at %i', (src, pos, reason) => {
    const e = errorOf(src);
    expect(e.position).toBe(pos);
    expect(e.reason).toMatch(reason);
    expect(e.expression).toBe(src);
  });

  it('shows the expression with a caret under the place', () => {
    const e = errorOf('all - Hdfs-dead');
    const lines = e.message.split('\n');
    expect(lines).toEqual(['group names are lower case', '  all - Hdfs-dead', `  ${' '.repeat(6)}^`]);
  });
});

describe('parseExpression: @node sets', () => {
  it('expands a node set as nodeset -e does, sorted in byte order and unique', () => {
    const e = parseExpression('@dw1-dn[010,001-003].dc1.example.com,dw1-dn002.dc1.example.com - b');
    expect(formatExpression(e)).toBe('(@dw1-dn[010,001-003].dc1.example.com,dw1-dn002.dc1.example.com - b)');
    const [ns] = operandsOf(e);
    expect(ns).toEqual({
      kind: 'nodeset',
      text: 'dw1-dn[010,001-003].dc1.example.com,dw1-dn002.dc1.example.com',
      hosts: ['dw1-dn001.dc1.example.com', 'dw1-dn002.dc1.example.com', 'dw1-dn003.dc1.example.com', 'dw1-dn010.dc1.example.com'],
      pos: 0,
    });
  });

  it('sorts by bytes, not by number', () => {
    const [ns] = operandsOf(parseExpression('@n[8-11].x'));
    expect(ns).toMatchObject({ hosts: ['n10.x', 'n11.x', 'n8.x', 'n9.x'] });
  });

  it('ends at a space, a parenthesis or an operator outside brackets; "-" and "," belong to it', () => {
    expect(formatExpression(parseExpression('(@a[1-2].x|b)&@c-[1,3].y'))).toBe('((@a[1-2].x | b) & @c-[1,3].y)');
    expect(formatExpression(parseExpression('@a1.x -b'))).toBe('(@a1.x - b)');
  });

  it('keeps table selections apart', () => {
    expect(operandsOf(parseExpression('inventory[cluster=dw1] & @h[1-2].x')).map((o) => o.kind)).toEqual(['select', 'nodeset']);
  });

  const errors: Array<[string, number, RegExp]> = [
    ['@', 0, /expected a node set after "@"/],
    ['a - @ b', 4, /expected a node set after "@"/],
    ['@n[2-1].x', 3, /in the node set @n\[2-1\]\.x: "2-1": the range runs backwards/],
    ['@n[1-2.x', 2, /in the node set @n\[1-2\.x: this "\[" is never closed/],
    ['@n[a].x', 3, /in the node set .*"a" is not a number or a range/],
    ['@n[1-2]', 0, /in the node set @n\[1-2\]: "n1" is not a canonical host name: a short name/],
    ['@N1.x', 0, /"N1\.x" is not a canonical host name/],
    ['@hadoop', 0, /not a ClusterShell group: a breakfix group is written without "@" \(hadoop\)/],
    ['dw1-dn[001-004].x', 6, /in the table selection dw1-dn\[\.\.\.\]: .* for a node set put "@" before it: @dw1-dn\[001-004\]\.x/],
    ['t[c x]', 3, /in the table selection t\[\.\.\.\]: expected "=", "!=" or "~"/],
  ];
  it.each(errors)('%j fails at %i', (src, pos, reason) => {
    const e = errorOf(src);
    expect(e.reason).toMatch(reason);
    expect(e.position).toBe(pos);
  });
});
