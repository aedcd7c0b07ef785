// The `rate:` section of policy.yaml and rateLeft: what it reads as, the
// mistakes it names with file and line, and the promise that matters — a loop
// that never takes more than rateLeft allows never acts on more than COUNT
// hosts in any window of the limit's length, whatever the pass times are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import { parseRates, rateLeft, type AppliedAction, type Rates } from '../../src/policy/rate.js';
import { OPS } from '../../src/policy/types.js';
import { configErrorOf } from '../support/config.js';

const FILE = '/etc/breakfix/policy/policy.yaml';
const H = 3_600_000;
const D = 24 * H;

function ratesOf(text: string): Rates {
  const yaml = new YamlFile(FILE, text);
  const top = new Field(yaml, yaml.root, '').map();
  return parseRates(top.get('rate') ?? new Field(yaml, null, 'rate'), OPS);
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`test bug: "${needle}" is not in the text`);
  return i + 1;
}

describe('parseRates', () => {
  it('reads count/duration per op and scope', () => {
    const r = ratesOf('rate: { rekick: { dc: 40/1d, cluster: 10/1d }, reboot: { dc: 100/1h }, drain: { cluster: "0 / 30m" } }\n');
    expect(Object.fromEntries(r)).toEqual({
      // cluster first, whatever the order written
      rekick: [
        { scope: 'cluster', count: 10, windowMs: D, text: '10/1d' },
        { scope: 'dc', count: 40, windowMs: D, text: '40/1d' },
      ],
      reboot: [{ scope: 'dc', count: 100, windowMs: H, text: '100/1h' }],
      drain: [{ scope: 'cluster', count: 0, windowMs: 30 * 60_000, text: '0/30m' }],
    });
    expect(ratesOf('rate:\n  firmware:\n    dc: 5/7d\n  burnin: { dc: 1/14d }\n').get('burnin')).toEqual([{ scope: 'dc', count: 1, windowMs: 14 * D, text: '1/14d' }]);
  });

  it('no section: no op is rate-limited', () => {
    expect(ratesOf('other: 1\n').size).toBe(0);
    expect(ratesOf('rate:\n').size).toBe(0);
  });

  const cases: Array<[string, string, string, RegExp]> = [
    ['an unknown op', 'rate:\n  rekik: { dc: 1/1d }\n', 'rekik', /rate\.rekik: unknown key; expected one of: drain, rekick, reboot, firmware, burnin, return/],
    ['an unknown scope', 'rate:\n  rekick:\n    rack: 1/1d\n', 'rack', /rate\.rekick\.rack: unknown key; expected one of: cluster, dc/],
    ['no limit', 'rate:\n  rekick: {}\n', 'rekick', /rate\.rekick: no limit given/],
    ['a bare number', 'rate:\n  rekick:\n    dc: 40\n', 'dc: 40', /rate\.rekick\.dc: expected COUNT\/DURATION such as 10\/1d.*found 40: give the duration too/],
    ['no duration', 'rate:\n  rekick: { dc: 40/ }\n', 'dc:', /expected COUNT\/DURATION.*found "40\/"/],
    ['a word for the count', 'rate:\n  rekick: { dc: ten/1d }\n', 'dc:', /found "ten\/1d"/],
    ['a negative count', 'rate:\n  rekick: { dc: -1/1d }\n', 'dc:', /found "-1\/1d"/],
    ['a fractional count', 'rate:\n  rekick: { dc: 1.5/1d }\n', 'dc:', /found "1.5\/1d"/],
    ['weeks', 'rate:\n  rekick:\n    cluster: 10/1w\n', 'cluster:', /rate\.rekick\.cluster: "1w" is not a duration; use one like 30m, 1h, 1d, 7d or 14d/],
    ['a zero window', 'rate:\n  rekick: { dc: 10/0d }\n', 'dc:', /the duration must be longer than zero, found "0d"/],
    ['not a mapping', 'rate:\n  rekick: 10/1d\n', 'rekick', /rate\.rekick: expected a mapping/],
  ];
  it.each(cases)('%s', (_what, text, line, message) => {
    const e = configErrorOf(() => ratesOf(text));
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(lineOf(text, line));
    expect(e.message).toMatch(message);
  });
});

const RATES = ratesOf('rate: { rekick: { cluster: 10/1d, dc: 40/1d }, reboot: { dc: 100/1h } }\n');
const at = (iso: string) => new Date(iso);
const acts = (n: number, time: string, cluster = 'dw1', op = 'rekick'): AppliedAction[] =>
  Array.from({ length: n }, (_, i) => ({ host: `h${i}.${cluster}.example.com`, cluster, op, time: at(time) }));

describe('rateLeft', () => {
  it('an op without a rate is not limited', () => {
    expect(rateLeft(RATES, 'drain', 'dw1', acts(500, '2026-11-21T10:00:00Z', 'dw1', 'drain'), at('2026-11-21T10:00:00Z'))).toEqual({ left: null, limits: [] });
  });

  it('counts per cluster and per datacenter; left is the smaller', () => {
    const applied = [...acts(3, '2026-11-21T08:00:00Z', 'dw1'), ...acts(30, '2026-11-21T09:00:00Z', 'dw2'), ...acts(7, '2026-11-21T09:00:00Z', 'dw1', 'reboot')];
    const r = rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-21T10:00:00Z'));
    expect(r.left).toBe(7);
    expect(r.limits).toEqual([
      { scope: 'cluster', count: 10, windowMs: D, used: 3, left: 7, text: 'cluster 10/1d: 3 used, 7 left' },
      { scope: 'dc', count: 40, windowMs: D, used: 33, left: 7, text: 'dc 40/1d: 33 used, 7 left' },
    ]);
    const dw2 = rateLeft(RATES, 'rekick', 'dw2', applied, at('2026-11-21T10:00:00Z'));
    expect(dw2.left).toBe(0);
    expect(dw2.limits.map((l) => l.text)).toEqual(['cluster 10/1d: 30 used', 'dc 40/1d: 33 used, 7 left']);
  });

  it('used may pass the count (a lowered limit, hand-applied hosts); left stays 0', () => {
    const r = rateLeft(RATES, 'reboot', 'dw1', acts(120, '2026-11-21T09:30:00Z', 'dw9', 'reboot'), at('2026-11-21T10:00:00Z'));
    expect(r.left).toBe(0);
    expect(r.limits[0]!.text).toBe('dc 100/1h: 120 used');
  });

  it('the window is (now − window, now], plus anything stamped after now', () => {
    const now = '2026-11-21T10:00:00.000Z';
    const left = (time: string) => rateLeft(RATES, 'reboot', 'dw1', acts(1, time, 'dw1', 'reboot'), at(now)).left;
    expect(left('2026-11-21T09:00:00.000Z')).toBe(100); // exactly one window ago: out
    expect(left('2026-11-21T09:00:00.001Z')).toBe(99);
    expect(left(now)).toBe(99);
    expect(left('2026-11-21T11:30:00.000Z')).toBe(99); // the clock went back: still counted
    expect(rateLeft(RATES, 'reboot', 'dw1', [{ host: 'a', cluster: 'dw1', op: 'reboot', time: new Date(NaN) }], at(now)).left).toBe(99);
  });

  it('a day is 24 rolling hours: midnight resets nothing', () => {
    const applied = acts(10, '2026-11-21T23:00:00Z');
    expect(rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-21T23:30:00Z')).left).toBe(0);
    expect(rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-22T00:00:00Z')).left).toBe(0);
    expect(rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-22T01:00:00Z')).left).toBe(0);
    expect(rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-22T22:59:59.999Z')).left).toBe(0);
    expect(rateLeft(RATES, 'rekick', 'dw1', applied, at('2026-11-22T23:00:00Z')).left).toBe(10);
    // across a month and a year end too
    const nye = acts(4, '2026-12-31T22:00:00Z');
    expect(rateLeft(RATES, 'rekick', 'dw1', nye, at('2027-01-01T21:59:00Z')).left).toBe(6);
    expect(rateLeft(RATES, 'rekick', 'dw1', nye, at('2027-01-01T22:00:00Z')).left).toBe(10);
  });
});

// --- the promise, by simulation ----------------------------------------------

const CLUSTERS = ['dw1', 'dw2', 'dw3'];

/**
 * Passes at the given times; in each, every cluster in turn asks rateLeft,
 * takes up to that many of what it wants, and records them before the next
 * asks. Returns what was applied.
 */
function simulate(rates: Rates, op: string, passes: Array<{ time: number; want: number[] }>): AppliedAction[] {
  const applied: AppliedAction[] = [];
  for (const p of passes) {
    const now = new Date(p.time);
    CLUSTERS.forEach((cluster, i) => {
      const left = rateLeft(rates, op, cluster, applied, now).left;
      const take = left === null ? p.want[i]! : Math.min(left, p.want[i]!);
      for (let k = 0; k < take; k++) applied.push({ host: `h${applied.length}`, cluster, op, time: now });
    });
  }
  return applied;
}

/** The most actions in any window of `windowMs` (a half-open [t, t + windowMs)); the worst one starts at an action. */
function mostInAnyWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (const start of times) most = Math.max(most, times.filter((t) => t >= start && t < start + windowMs).length);
  return most;
}

function checkPromise(rates: Rates, applied: AppliedAction[]): void {
  for (const l of rates.get('rekick')!) {
    const groups = l.scope === 'dc' ? [applied] : CLUSTERS.map((c) => applied.filter((a) => a.cluster === c));
    for (const g of groups) expect(mostInAnyWindow(g.map((a) => a.time.getTime()), l.windowMs)).toBeLessThanOrEqual(l.count);
  }
}

describe('rateLeft: never more than COUNT in any window', () => {
  const limits = fc.record({
    cluster: fc.option(fc.record({ count: fc.integer({ min: 0, max: 8 }), hours: fc.integer({ min: 1, max: 48 }) }), { nil: undefined }),
    dc: fc.option(fc.record({ count: fc.integer({ min: 0, max: 15 }), hours: fc.integer({ min: 1, max: 48 }) }), { nil: undefined }),
  });
  const ratesFrom = (l: { cluster?: { count: number; hours: number }; dc?: { count: number; hours: number } }): Rates | null => {
    const parts = Object.entries(l)
      .filter(([, v]) => v)
      .map(([scope, v]) => `${scope}: ${v!.count}/${v!.hours}h`);
    return parts.length === 0 ? null : ratesOf(`rate: { rekick: { ${parts.join(', ')} } }\n`);
  };
  const wants = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 3, maxLength: 3 });
  // pass gaps from one minute to a day and a half, starting just before a midnight
  const gaps = fc.array(fc.record({ gapMin: fc.integer({ min: 1, max: 36 * 60 }), want: wants }), { minLength: 1, maxLength: 60 });
  const START = Date.parse('2026-11-21T23:50:00Z');

  it('passes at increasing times', () => {
    fc.assert(
      fc.property(limits, gaps, (l, g) => {
        const rates = ratesFrom(l);
        if (!rates) return;
        let t = START;
        const passes = g.map((p) => ({ time: (t += p.gapMin * 60_000), want: p.want }));
        checkPromise(rates, simulate(rates, 'rekick', passes));
      }),
      { numRuns: 300 },
    );
  });

  it('passes at times in any order: a clock that jumps backwards', () => {
    fc.assert(
      fc.property(limits, fc.array(fc.record({ atMin: fc.integer({ min: 0, max: 5 * 24 * 60 }), want: wants }), { minLength: 1, maxLength: 60 }), (l, ps) => {
        const rates = ratesFrom(l);
        if (!rates) return;
        checkPromise(rates, simulate(rates, 'rekick', ps.map((p) => ({ time: START + p.atMin * 60_000, want: p.want }))));
      }),
      { numRuns: 300 },
    );
  });

  it('a loop that wants more than it may takes the whole count, spread over midnight', () => {
    // 10/1d in one cluster: every 10 minutes from 23:50 for two days, wanting 3 each pass
    const rates = ratesOf('rate: { rekick: { cluster: 10/1d } }\n');
    const passes = Array.from({ length: 2 * 144 }, (_, i) => ({ time: START + i * 600_000, want: [3, 0, 0] }));
    const applied = simulate(rates, 'rekick', passes);
    checkPromise(rates, applied);
    // 3 + 3 + 3 + 1 in the first 40 minutes, across midnight; then nothing until 24 h after the first
    expect(applied.slice(0, 10).map((a) => a.time.toISOString())).toEqual([
      ...Array(3).fill('2026-11-21T23:50:00.000Z'),
      ...Array(3).fill('2026-11-22T00:00:00.000Z'),
      ...Array(3).fill('2026-11-22T00:10:00.000Z'),
      '2026-11-22T00:20:00.000Z',
    ]);
    expect(applied[10]!.time.toISOString()).toBe('2026-11-22T23:50:00.000Z');
    expect(applied).toHaveLength(20);
  });
});
