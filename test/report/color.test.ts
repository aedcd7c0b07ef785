// Colour only where asked for: the text itself never changes, only the escapes around lines.
import { describe, expect, it } from 'vitest';
import { colorizer } from '../../src/report/color.js';

const ESC = /\x1b\[[0-9;]*m/g;
const SAMPLE = [
  '=== pass 3 dc1 2026-11-21T06:00:00.000Z dry run (loop pass 1 of 3) ===',
  'hdfs-dw1  failed  30.00s  timed out',
  'refused dw1 drain: invariant 6',
  'warning stuck: hdfs-decommissioning has been 4 for three passes: is it moving?',
  'chosen dw1.drain: dw1-dn001.dc1.example.com',
  'plain line',
  '',
].join('\n');

describe('colorizer', () => {
  it('leaves text untouched when colour is off', async () => {
    const paint = await colorizer(false);
    expect(paint(SAMPLE)).toBe(SAMPLE);
  });

  it('wraps refusals and failures, warnings, chosen hosts and pass headers, and nothing else', async () => {
    const paint = await colorizer(true);
    const out = paint(SAMPLE);
    expect(out.replace(ESC, '')).toBe(SAMPLE);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^\x1b\[1m===/);
    expect(lines[1]).toMatch(/^\x1b\[31m/);
    expect(lines[2]).toMatch(/^\x1b\[31m/);
    expect(lines[3]).toMatch(/^\x1b\[33m/);
    expect(lines[4]).toMatch(/^\x1b\[32m/);
    expect(lines[5]).toBe('plain line');
    expect(lines[6]).toBe('');
  });
});
