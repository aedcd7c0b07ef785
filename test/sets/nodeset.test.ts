import { execFileSync, spawnSync } from 'node:child_process';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { expandNodeset, foldNodeset, NodesetError } from '../../src/sets/nodeset.js';

/** The real tool, from the Debian package clustershell. */
const haveNodeset = spawnSync('nodeset', ['--version']).status === 0;
if (!haveNodeset && process.env.CI === 'true') throw new Error('nodeset not found: install the Debian package clustershell (the differential tests need it on CI)');
if (!haveNodeset) console.warn('skipping the nodeset differential tests: nodeset not found (Debian package clustershell)');

function realFold(hosts: string[]): string {
  return execFileSync('nodeset', ['-f'], { input: hosts.join('\n') + '\n', encoding: 'utf8' });
}
function realExpand(text: string): string {
  return execFileSync('nodeset', ['-e', text], { encoding: 'utf8' });
}

const adversarial: string[][] = [
  ['dw1-dn001.dc1.example.com', 'dw1-dn002.dc1.example.com', 'dw1-dn003.dc1.example.com', 'dw1-dn004.dc1.example.com', 'dw1-dn010.dc1.example.com'],
  ['a1b1', 'a1b2', 'a2b1', 'a2b2', 'a3b3'],
  ['a1b2', 'a2b1', 'a2b2', 'a3b1'],
  ['a1b1', 'a1b2', 'a1b3', 'a2b2', 'a2b3'],
  ['a1b1', 'a1b2', 'a2b2', 'a2b3', 'a3b3'],
  ['n1', 'n2', 'n3', 'n01', 'n02', 'n010', 'n9', 'n10'],
  ['n9', 'n09', 'n10'],
  ['n08', 'n09', 'n10', 'n11', 'n011'],
  ['n99', 'n100', 'n099', 'n0100'],
  ['n0', 'n00', 'n000', 'n1', 'n001'],
  ['foo', 'bar', 'baz1', 'baz2', 'a', 'a1'],
  ['x1.a.com', 'x2.a.com', 'x1.b.com', 'x3.b.com'],
  ['node1.dc1', 'node2.dc1', 'node1.dc2'],
  ['a9b1', 'a10b2', 'a09b3'],
  ['n-1', 'n-2', 'n.1', 'n1', 'n1-', 'n1.'],
  ['h99999999999999999999', 'h100000000000000000000'],
  ['a1b1c1', 'a1b1c2', 'a1b2c1', 'a2b1c1', 'a2b2c2', 'a1b2c2', 'a2b1c2'],
];

/** Random names from a few shapes, so that patterns repeat and ranges form. */
function randomHosts(random: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const num = (): string => {
    const n = String(Math.floor(random() * pick([3, 12, 120, 1200])));
    return random() < 0.5 ? n.padStart(pick([1, 2, 3, 4]), '0') : n;
  };
  const shapes = [
    () => `dw${pick(['1', '2'])}-dn${num()}.dc1.example.com`,
    () => `n${num()}`,
    () => `r${num()}c${num()}`,
    () => `a${num()}b${num()}c${num()}`,
    () => pick(['gw', 'nn', 'rm.dc1', 'zk-a']),
    () => `rack${num()}-node${num()}.dc${pick(['1', '2'])}`,
  ];
  const used = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(shapes));
  return Array.from({ length: Math.floor(random() * 200) + 1 }, () => pick(used)());
}

describe.skipIf(!haveNodeset)('foldNodeset and expandNodeset against nodeset -f / -e', () => {
  it.each(adversarial.map((h) => [h.join(' '), h]))('adversarial %s', (_label, hosts) => {
    const folded = foldNodeset(hosts);
    expect(folded + '\n').toBe(realFold(hosts));
    expect(expandNodeset(folded).join(' ') + '\n').toBe(realExpand(folded));
  });

  // Each run of nodeset starts a Python process: a few lists of up to 200 names each.
  it('random host lists, seed recorded in the test name', () => {
    const seed = 'nodeset-1';
    const random = seedrandom(seed);
    for (let i = 0; i < 40; i++) {
      const hosts = randomHosts(random);
      const folded = foldNodeset(hosts);
      expect(folded + '\n', `seed ${seed} case ${i}: ${hosts.join(' ')}`).toBe(realFold(hosts));
      expect(expandNodeset(folded).join(' ') + '\n', `seed ${seed} case ${i}: -e ${folded}`).toBe(realExpand(folded));
    }
  }, 300_000);

  it.each([
    'n[3,1,2]',
    'n[1-10/3]',
    'a[1-2]b[3-4],a0b9',
    'n[09-11],n[9-11]',
    'x,n1,a',
    'dw1-dn[001-004,010].dc1.example.com,dw2-dn[1-2].dc1.example.com',
    'n[1-2]-[3-4]',
  ])('expands %s', (text) => {
    expect(expandNodeset(text).join(' ') + '\n').toBe(realExpand(text));
  });
});

describe('expandNodeset errors', () => {
  it.each([
    ['n[2-1]', 'runs backwards'],
    ['n[1-2', 'never closed'],
    ['n[a-b]', 'not a number or a range'],
    ['n[001-3]', 'padded to the same width'],
    ['n1,,n2', 'empty node name'],
    ['n]', 'no "["'],
  ])('%s', (text, reason) => {
    expect(() => expandNodeset(text)).toThrow(NodesetError);
    expect(() => expandNodeset(text)).toThrow(reason);
  });
});

describe('expandNodeset limits', () => {
  it('refuses a node set of more than a million names', () => {
    expect(() => expandNodeset('n[1-1000]x[1-1001]')).toThrow(/more than 1000000 names/);
    expect(() => expandNodeset('n[0-1000000]')).toThrow(/more than 1000000 names/);
  });
});

describe('foldNodeset', () => {
  it('folds a long run of names in one coordinate without a copy per name', () => {
    const hosts = Array.from({ length: 20000 }, (_, i) => `dw${1 + (i % 3)}-dn${String(i).padStart(5, '0')}.dc1`);
    const started = Date.now();
    const folded = foldNodeset(hosts);
    expect(folded.startsWith('dw1-dn[00000,00003,')).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
