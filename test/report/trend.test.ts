// Sparklines and the warnings of a pass summary (src/report/trend.ts), and the
// summary itself read back from a day's counts.tsv (passSummary in src/pass/loop.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { passSummary } from '../../src/pass/loop.js';
import type { Policy } from '../../src/policy/types.js';
import { sparkline, warningsFrom, type Series } from '../../src/report/trend.js';
import { tempDirs } from '../support/cli.js';

const tempDir = tempDirs();
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A series from counts, labelled 1, 2, 3... as passes are. */
const series = (group: string, ...counts: number[]): Series => ({ group, points: counts.map((count, i) => ({ label: String(i + 1), count })) });

describe('sparkline', () => {
  it('is empty for no values and one bar per value otherwise', () => {
    expect(sparkline([])).toBe('');
    expect([...sparkline([3, 1, 4, 1, 5, 9, 2, 6])]).toHaveLength(8);
  });

  it('draws a flat series, and a single value, as the lowest bar', () => {
    expect(sparkline([7])).toBe('▁');
    expect(sparkline([42, 42, 42, 42])).toBe('▁▁▁▁');
    expect(sparkline([0, 0])).toBe('▁▁');
  });

  it('rises bar by bar over eight evenly spaced values', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe(BARS.join(''));
    expect(sparkline([70, 60, 50, 40, 30, 20, 10, 0])).toBe([...BARS].reverse().join(''));
  });

  it('puts the lowest value at ▁ and the highest at █, whatever their size', () => {
    expect(sparkline([1, 2])).toBe('▁█');
    expect(sparkline([100_000, 0, 100_000])).toBe('█▁█');
    // One spike among small numbers: the small ones all stay at the bottom.
    expect(sparkline([1, 2, 1, 1_000_000, 2])).toBe('▁▁▁█▁');
    // Negative numbers and huge ones are scaled the same way.
    expect(sparkline([-5, 0, 5])).toBe('▁▅█');
    expect(sparkline([Number.MAX_SAFE_INTEGER, 0])).toBe('█▁');
  });

  it('rounds to the nearest bar', () => {
    // (v - lo) / (hi - lo) * 7: 1/14 of the range rounds to bar 1 (▂) at 0.5, down below it.
    expect(sparkline([0, 14, 1])).toBe('▁█▂');
    expect(sparkline([0, 100, 7])).toBe('▁█▁');
    expect(sparkline([0, 100, 50])).toBe('▁█▅');
  });
});

describe('warningsFrom', () => {
  const kinds = (ws: ReturnType<typeof warningsFrom>) => ws.map((w) => `${w.kind} ${w.group}`);

  it('warns about a group that grew three passes in a row', () => {
    const ws = warningsFrom([series('hdfs-dead', 2, 3, 5, 8)], 1000, 20);
    expect(kinds(ws)).toEqual(['growing hdfs-dead']);
    expect(ws[0]!.message).toContain('2 -> 3 -> 5 -> 8');
    // Only the last four points count: an old dip does not hide it.
    expect(kinds(warningsFrom([series('hdfs-dead', 9, 1, 2, 3, 4)], 1000, 20))).toEqual(['growing hdfs-dead']);
  });

  it('says nothing about growth for two rises, a flat step or a fall among them', () => {
    expect(warningsFrom([series('hdfs-dead', 2, 3, 4)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-dead', 2, 3, 3, 4)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-dead', 2, 3, 4, 3)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-dead', 5, 4, 3, 2)], 1000, 20)).toEqual([]);
  });

  it('warns about a draining-like group stuck at the same count for three passes', () => {
    for (const g of ['hdfs-decommissioning', 'yarn-decommissioning', 'rekick-in-progress', 'plans.drain', 'draining']) {
      const ws = warningsFrom([series(g, 1, 4, 4, 4)], 1000, 20);
      expect(kinds(ws), g).toEqual([`stuck ${g}`]);
      expect(ws[0]!.message).toContain('4 for three passes');
    }
  });

  it('does not call a group stuck when it is empty, moved, stayed only two passes, or is not draining-like', () => {
    expect(warningsFrom([series('hdfs-decommissioning', 0, 0, 0)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-decommissioning', 4, 4, 3)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-decommissioning', 3, 4, 4)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-dead', 4, 4, 4, 4)], 1000, 20)).toEqual([]);
    expect(warningsFrom([series('all', 1000, 1000, 1000)], 1000, 20)).toEqual([]);
  });

  it('warns about a swing past max_swing_pct of all since the last pass, either way', () => {
    // 1000 hosts, limit 20%: 201 is past it.
    const down = warningsFrom([series('hdfs-live', 950, 749)], 1000, 20);
    expect(kinds(down)).toEqual(['swing hdfs-live']);
    expect(down[0]!.message).toContain('950 -> 749');
    expect(down[0]!.message).toContain('20.1% of 1000 hosts, limit 20%');
    expect(down[0]!.message).toContain('invariant 6');
    expect(kinds(warningsFrom([series('hdfs-dead', 3, 204)], 1000, 20))).toEqual(['swing hdfs-dead']);
    // A smaller limit makes a smaller move a swing.
    expect(kinds(warningsFrom([series('hdfs-dead', 3, 10)], 100, 5))).toEqual(['swing hdfs-dead']);
  });

  it('does not call a move of exactly max_swing_pct, or less, a swing; nor any move when all is unknown', () => {
    expect(warningsFrom([series('hdfs-live', 950, 750)], 1000, 20)).toEqual([]);
    // 5 new drains in a 300-host fleet are not a swing.
    expect(warningsFrom([series('plans.drain', 0, 5)], 300, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-live', 950, 0)], 0, 20)).toEqual([]);
    expect(warningsFrom([series('hdfs-live', 950)], 1000, 20)).toEqual([]);
  });

  it('says nothing for series within every limit, and reports each group on its own', () => {
    const calm = [series('all', 1000, 1000, 1001, 1000), series('hdfs-dead', 5, 6, 5, 6), series('hdfs-decommissioning', 2, 3, 2), series('yarn-lost', 0, 0, 0, 0)];
    expect(warningsFrom(calm, 1000, 20)).toEqual([]);
    const mixed = [...calm, series('hdfs-decommissioning', 0, 3, 3, 3), series('responsive', 990, 991, 992, 993), series('puppet_ok', 990, 500)];
    expect(kinds(warningsFrom(mixed, 1000, 20))).toEqual(['stuck hdfs-decommissioning', 'growing responsive', 'swing puppet_ok']);
    // One group can earn several warnings at once.
    expect(kinds(warningsFrom([series('plans.drain', 0, 10, 300, 600)], 1000, 20))).toEqual(['growing plans.drain', 'swing plans.drain']);
  });
});

describe('the pass summary', () => {
  const policy = { safety: { maxSwingPct: 20 } } as unknown as Policy;

  /** A day directory with counts.tsv rows (pass, group, count) and the meta of `all`. */
  function day(rows: Array<[number, string, number]>, all: number): string {
    const dir = tempDir();
    const text = 'pass\ttime\tgroup\tcount\n' + rows.map(([p, g, n]) => `${p}\t2026-11-21T06:0${p}:00.000Z\t${g}\t${n}\n`).join('');
    fs.writeFileSync(path.join(dir, 'counts.tsv'), text);
    fs.mkdirSync(path.join(dir, '.meta'));
    fs.writeFileSync(path.join(dir, '.meta', 'all.json'), JSON.stringify({ kind: 'source', inputs: [], time: '', count: all, sha256: '' }));
    return dir;
  }

  it('lists the groups that moved with their change and trend, counts the others, then warns', () => {
    const rows: Array<[number, string, number]> = [];
    const counts: Record<string, number[]> = {
      all: [300, 300, 300, 300],
      'hdfs-dead': [1, 2, 3, 4],
      'hdfs-decommissioning': [0, 2, 2, 2],
      responsive: [290, 290, 290, 200],
    };
    for (const [g, ns] of Object.entries(counts)) ns.forEach((n, i) => rows.push([i + 1, g, n]));
    const text = passSummary(day(rows, 300), 4, policy);
    const lines = text.split('\n');
    expect(lines[0]).toBe('summary pass 4: 2 group(s) changed since the last pass, 2 unchanged');
    expect(lines[1]).toMatch(/^group\s+count\s+change\s+trend$/);
    expect(lines[2]).toMatch(/^hdfs-dead\s+4\s+\+1\s+▁▃▆█$/);
    expect(lines[3]).toMatch(/^responsive\s+200\s+-90\s+███▁$/);
    expect(lines.slice(4).filter(Boolean)).toEqual([
      'warning growing: hdfs-dead grew three passes in a row: 1 -> 2 -> 3 -> 4',
      'warning stuck: hdfs-decommissioning has been 2 for three passes: is it moving?',
      'warning swing: responsive moved 290 -> 200 (30.0% of 300 hosts, limit 20%): ops reading it are refused (invariant 6)',
    ]);
  });

  it('marks every group new on the first pass and warns about nothing', () => {
    const text = passSummary(day([[1, 'all', 10], [1, 'hdfs-dead', 1]], 10), 1, policy);
    expect(text).toContain('summary pass 1: 2 group(s) changed since the last pass, 0 unchanged');
    expect(text).toMatch(/^hdfs-dead\s+1\s+new\s+▁$/m);
    expect(text).not.toContain('warning');
  });
});
