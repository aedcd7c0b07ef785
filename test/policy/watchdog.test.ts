// Open plans past their op's timeout, and ages written for people.
import { describe, expect, it } from 'vitest';
import { formatAge, stuck, type OpenPlan } from '../../src/policy/watchdog.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const NOW = new Date('2026-11-21T12:00:00.000Z');
const TIMEOUTS: Record<string, number | null> = { reboot: 30 * M, rekick: 6 * H, drain: null };
const timeout = (op: string) => TIMEOUTS[op] ?? null;
const plan = (host: string, op: string, applied: string, cluster = 'dw1'): OpenPlan => ({ host, cluster, op, applied });

describe('stuck', () => {
  it('reports open plans older than their timeout, oldest first', () => {
    const open = [
      plan('a.example.com', 'reboot', '2026-11-21T11:29:00.000Z'), // 31m: stuck
      plan('b.example.com', 'reboot', '2026-11-21T11:30:00.000Z'), // exactly 30m: not yet
      plan('c.example.com', 'rekick', '2026-11-20T06:00:00.000Z', 'dw2'), // 30h: stuck
      plan('d.example.com', 'rekick', '2026-11-21T07:00:00.000Z'), // 5h: not yet
      plan('e.example.com', 'drain', '2026-10-01T00:00:00.000Z'), // no timeout for drain
    ];
    expect(stuck(open, timeout, NOW)).toEqual([
      { host: 'c.example.com', cluster: 'dw2', op: 'rekick', since: '2026-11-20T06:00:00.000Z', ageMs: 30 * H },
      { host: 'a.example.com', cluster: 'dw1', op: 'reboot', since: '2026-11-21T11:29:00.000Z', ageMs: 31 * M },
    ]);
  });

  it('hosts of the same age are in host order', () => {
    const t = '2026-11-21T10:00:00.000Z';
    expect(stuck([plan('z.x', 'reboot', t), plan('b.x', 'reboot', t), plan('m.x', 'reboot', t)], timeout, NOW).map((s) => s.host)).toEqual(['b.x', 'm.x', 'z.x']);
  });

  it('an unreadable time is stuck, first; a time after now is not', () => {
    const out = stuck([plan('a.x', 'reboot', '2026-11-21T10:00:00.000Z'), plan('b.x', 'reboot', 'yesterday'), plan('c.x', 'reboot', '2026-11-22T10:00:00.000Z')], timeout, NOW);
    expect(out.map((s) => [s.host, s.ageMs])).toEqual([
      ['b.x', Infinity],
      ['a.x', 2 * H],
    ]);
  });

  it('keeps the type of op it is given', () => {
    type Op = 'reboot' | 'rekick';
    const open: Array<OpenPlan<Op>> = [{ host: 'a.x', cluster: 'dw1', op: 'reboot', applied: '2026-11-20T00:00:00.000Z' }];
    const out = stuck(open, (op: Op) => (op === 'reboot' ? 30 * M : null), NOW);
    const op: Op = out[0]!.op;
    expect(op).toBe('reboot');
  });

  it('nothing open, nothing stuck', () => {
    expect(stuck([], timeout, NOW)).toEqual([]);
  });
});

describe('formatAge', () => {
  const cases: Array<[number, string]> = [
    [0, '0m'],
    [59_999, '59s'],
    [1_000, '1s'],
    [999, '0s'],
    [45 * M, '45m'],
    [59 * M + 59_999, '59m'],
    [H, '1h'],
    [3 * H + 20 * M, '3h 20m'],
    [9 * H + 59 * M, '9h 59m'],
    [10 * H + 30 * M, '10h'],
    [30 * H, '30h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [2 * D + 4 * H + 10 * M, '2d 4h'],
    [15 * D + 23 * H, '15d 23h'],
    [-5 * M, '0m'],
    [Infinity, 'unknown age'],
  ];
  it.each(cases)('%d ms → %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});
