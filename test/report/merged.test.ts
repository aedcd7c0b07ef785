import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergedOutputs } from '../../src/report/merged.js';

/** clush from the Debian package clustershell, run with its local exec worker. */
const haveClush = spawnSync('clush', ['--version']).status === 0;
if (!haveClush && process.env.CI === 'true') throw new Error('clush not found: install the Debian package clustershell (the differential tests need it on CI)');
if (!haveClush) console.warn('skipping the clush -b differential test: clush not found (Debian package clustershell)');

// Each host's output, by the host's name: the same table drives clush and mergedOutputs.
const outputs: Record<string, string> = {
  'n1.x': 'bbb\n',
  'n5.x': 'bbb\n',
  'n2.x': 'aaa\n',
  'n3.x': 'noeol',
  'n4.x': 'zzz\n',
  'n10.x': 'zzz\n',
  'n9.x': 'y\n',
  'm1.x': 'two\nlines\n',
  'dw1-dn001.dc1': 'zzz\n',
  'e1.x': '',
  'e2.x': '',
};

describe.skipIf(!haveClush)('mergedOutputs against clush -b', () => {
  it('prints the same blocks in the same order', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-merged-'));
    for (const [host, out] of Object.entries(outputs)) fs.writeFileSync(path.join(dir, host), out);
    const real = execFileSync('clush', ['-R', 'exec', '-w', Object.keys(outputs).join(','), '-b', 'cat', path.join(dir, '%h')], { encoding: 'utf8' });
    const mine = mergedOutputs(new Map(Object.entries(outputs).map(([h, o]) => [h, Buffer.from(o)])));
    expect(mine).toBe(real);
  });
});
