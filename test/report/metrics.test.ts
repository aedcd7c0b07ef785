// The metrics of a pass in the Prometheus text exposition format
// (renderMetrics, src/report/metrics.ts): names, HELP/TYPE, escaping, order,
// and a number of series that does not grow with the number of hosts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, renderMetrics, type MetricsInput } from '../../src/report/metrics.js';

const PINNED = [
  'breakfix_budget_hosts',
  'breakfix_group_hosts',
  'breakfix_needs_human_hosts',
  'breakfix_open_plans',
  'breakfix_pass_duration_seconds',
  'breakfix_pass_timestamp_seconds',
  'breakfix_paused',
  'breakfix_refusals',
  'breakfix_source_up',
  'breakfix_warnings',
];
const OPS = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'];

function input(over: Partial<MetricsInput> = {}): MetricsInput {
  return {
    dc: 'dc1',
    time: new Date('2026-11-21T10:00:00.250Z'),
    durationSeconds: 12.3456,
    groups: [
      { name: 'all', count: 300 },
      { name: 'hdfs-dead', count: 2 },
    ],
    budgets: [{ cluster: 'dw1', op: 'drain', cap: 7, busy: 2, headroom: 5, candidates: 3, chosen: 3 }],
    refusals: [{ invariant: 6 }, { invariant: 6 }, { invariant: 10 }],
    sources: [
      { name: 'inventory', up: true },
      { name: 'hdfs-dw1', up: false },
    ],
    ops: OPS,
    open: [{ op: 'drain' }, { op: 'drain' }, { op: 'reboot' }],
    warnings: [{ kind: 'stuck' }],
    paused: false,
    needsHuman: 4,
    ...over,
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/**
 * A small reader of the text format, written from its specification: it
 * unescapes label values and insists on HELP then TYPE before each family's
 * samples, and on every family appearing once.
 */
function parse(text: string): { samples: Sample[]; help: Map<string, string>; type: Map<string, string>; order: string[] } {
  expect(text.endsWith('\n')).toBe(true);
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const order: string[] = [];
  const samples: Sample[] = [];
  let current: string | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      expect(help.has(m[1]!), `${m[1]} described twice`).toBe(false);
      help.set(m[1]!, m[2]!);
      order.push(m[1]!);
      current = m[1]!;
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (m) {
      expect(m[1]).toBe(current);
      type.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    expect(m, `not a sample line: ${JSON.stringify(line)}`).not.toBeNull();
    const name = m![1]!;
    expect(name).toBe(current);
    expect(type.get(name), `${name}: a sample before its TYPE`).toBeDefined();
    const labels: Record<string, string> = {};
    const body = m![2]!;
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < body.length) {
      re.lastIndex = at;
      const l = re.exec(body);
      expect(l, `bad labels at ${at}: ${body}`).not.toBeNull();
      labels[l![1]!] = l![2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = re.lastIndex;
    }
    samples.push({ name, labels, value: m![3]! });
  }
  return { samples, help, type, order };
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe('renderMetrics', () => {
  it('describes every pinned family with HELP and TYPE gauge, in name order', () => {
    const { help, type, order } = parse(renderMetrics(input()));
    expect(order).toEqual(PINNED);
    for (const n of PINNED) {
      expect(help.get(n)!.length, n).toBeGreaterThan(10);
      expect(type.get(n), n).toBe('gauge');
    }
  });

  it('keeps HELP and TYPE even for a family with no series', () => {
    const { order, samples } = parse(renderMetrics(input({ groups: [], budgets: [], sources: [] })));
    expect(order).toEqual(PINNED);
    expect(samples.filter((s) => ['breakfix_group_hosts', 'breakfix_budget_hosts', 'breakfix_source_up'].includes(s.name))).toEqual([]);
  });

  it('gives each pinned series its labels and value', () => {
    const { samples } = parse(renderMetrics(input()));
    for (const s of samples) expect(s.labels.dc).toBe('dc1');
    expect(value(samples, 'breakfix_group_hosts', { group: 'all' })).toEqual(['300']);
    expect(value(samples, 'breakfix_group_hosts', { group: 'hdfs-dead' })).toEqual(['2']);
    const budget = Object.fromEntries(samples.filter((s) => s.name === 'breakfix_budget_hosts').map((s) => [`${s.labels.cluster}/${s.labels.op}/${s.labels.kind}`, s.value]));
    expect(budget).toEqual({ 'dw1/drain/busy': '2', 'dw1/drain/candidates': '3', 'dw1/drain/cap': '7', 'dw1/drain/chosen': '3', 'dw1/drain/headroom': '5' });
    const refusals = samples.filter((s) => s.name === 'breakfix_refusals');
    expect(refusals.map((s) => s.labels.invariant)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(refusals.map((s) => s.value)).toEqual(['0', '0', '0', '0', '0', '2', '0', '0', '0', '1']);
    expect(value(samples, 'breakfix_source_up', { source: 'inventory' })).toEqual(['1']);
    expect(value(samples, 'breakfix_source_up', { source: 'hdfs-dw1' })).toEqual(['0']);
    expect(value(samples, 'breakfix_pass_timestamp_seconds', {})).toEqual(['1795255200.25']);
    expect(value(samples, 'breakfix_pass_duration_seconds', {})).toEqual(['12.346']);
    const open = samples.filter((s) => s.name === 'breakfix_open_plans');
    expect(Object.fromEntries(open.map((s) => [s.labels.op, s.value]))).toEqual({ burnin: '0', drain: '2', firmware: '0', reboot: '1', rekick: '0', return: '0' });
    const warnings = samples.filter((s) => s.name === 'breakfix_warnings');
    expect(warnings.map((s) => [s.labels.kind, s.value])).toEqual([['growing', '0'], ['stuck', '1'], ['swing', '0']]);
    expect(value(samples, 'breakfix_paused', {})).toEqual(['0']);
    expect(value(renderMetricsSamples(input({ paused: true })), 'breakfix_paused', {})).toEqual(['1']);
    expect(value(samples, 'breakfix_needs_human_hosts', {})).toEqual(['4']);
  });

  it('escapes backslash, double quote and newline in label values, and backslash and newline in HELP', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain-name.1')).toBe('plain-name.1');
    expect(escapeHelp('a\\b\nc "q"')).toBe('a\\\\b\\nc "q"');
    const odd = 'we"ird\\na\nme';
    const text = renderMetrics(input({ dc: 'dc"1', sources: [{ name: odd, up: true }], groups: [{ name: odd, count: 1 }] }));
    expect(text).toContain('breakfix_source_up{dc="dc\\"1",source="we\\"ird\\\\na\\nme"} 1\n');
    const { samples } = parse(text);
    expect(value(samples, 'breakfix_group_hosts', { group: odd })).toEqual(['1']);
    expect(samples.every((s) => s.labels.dc === 'dc"1')).toBe(true);
  });

  it('writes the values Go reads for numbers that are not finite', () => {
    expect([NaN, Infinity, -Infinity, 0, 3, 0.5].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0', '3', '0.5']);
  });

  it('never names a host, and the series do not grow with the hosts refused, open or warned about', () => {
    const hosts = Array.from({ length: 500 }, (_, i) => `dn${String(i).padStart(3, '0')}.dc1.example.com`);
    const few = renderMetrics(input({ refusals: [], open: [], warnings: [] }));
    const many = renderMetrics(
      input({
        refusals: hosts.map((host, i) => ({ host, invariant: (i % 10) + 1 })),
        open: hosts.map((host, i) => ({ host, op: OPS[i % OPS.length]! })),
        warnings: hosts.map((host) => ({ kind: 'stuck', group: host })),
      }),
    );
    expect(many.split('\n').length).toBe(few.split('\n').length);
    expect(many).not.toMatch(/dn\d{3}/);
    const { samples } = parse(many);
    expect(samples.filter((s) => s.name === 'breakfix_refusals').reduce((n, s) => n + Number(s.value), 0)).toBe(500);
    expect(samples.filter((s) => s.name === 'breakfix_open_plans').reduce((n, s) => n + Number(s.value), 0)).toBe(500);
  });

  it('is bounded by groups, budgets and sources, whatever else the pass saw (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9_][a-z0-9_.-]{0,12}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { maxLength: 20 }),
        fc.uniqueArray(fc.tuple(name, fc.constantFrom(...OPS)), { maxLength: 10, selector: ([c, o]) => `${c}/${o}` }),
        fc.uniqueArray(name, { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 200 }),
        fc.array(fc.constantFrom(...OPS), { maxLength: 200 }),
        fc.array(fc.constantFrom('growing', 'stuck', 'swing'), { maxLength: 50 }),
        (groups, budgets, sources, refusals, open, warnings) => {
          const text = renderMetrics(
            input({
              groups: groups.map((g) => ({ name: g, count: 1 })),
              budgets: budgets.map(([cluster, op]) => ({ cluster, op, cap: 1, busy: 0, headroom: 1, candidates: 0, chosen: 0 })),
              sources: sources.map((s) => ({ name: s, up: true })),
              refusals: refusals.map((invariant) => ({ invariant })),
              open: open.map((op) => ({ op })),
              warnings: warnings.map((kind) => ({ kind })),
            }),
          );
          const { samples } = parse(text);
          // groups + 5 per budget row + 10 invariants + sources + 2 pass series + every op + 3 warning kinds + paused + needs-human
          expect(samples.length).toBe(groups.length + 5 * budgets.length + 10 + sources.length + 2 + OPS.length + 3 + 2);
          const keys = samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
    );
  });

  it('comes out in the same order whatever order its inputs came in, so two runs differ only in values', () => {
    const a = input({
      groups: [
        { name: 'b', count: 1 },
        { name: 'a', count: 2 },
        { name: 'a.x', count: 3 },
      ],
      budgets: [
        { cluster: 'dw2', op: 'reboot', cap: 1, busy: 0, headroom: 1, candidates: 0, chosen: 0 },
        { cluster: 'dw1', op: 'reboot', cap: 1, busy: 0, headroom: 1, candidates: 0, chosen: 0 },
        { cluster: 'dw1', op: 'drain', cap: 1, busy: 0, headroom: 1, candidates: 0, chosen: 0 },
      ],
      sources: [
        { name: 'yarn', up: true },
        { name: 'hdfs', up: true },
      ],
    });
    const b: MetricsInput = { ...a, groups: [...a.groups].reverse(), budgets: [...a.budgets].reverse(), sources: [...a.sources].reverse(), ops: [...OPS].reverse() };
    expect(renderMetrics(b)).toBe(renderMetrics(a));
    const { samples } = parse(renderMetrics(a));
    expect(samples.filter((s) => s.name === 'breakfix_group_hosts').map((s) => s.labels.group)).toEqual(['a', 'a.x', 'b']);
    expect(samples.filter((s) => s.name === 'breakfix_budget_hosts' && s.labels.kind === 'cap').map((s) => `${s.labels.cluster}.${s.labels.op}`)).toEqual(['dw1.drain', 'dw1.reboot', 'dw2.reboot']);
    const later = renderMetrics({ ...a, time: new Date('2026-11-21T10:10:00Z'), durationSeconds: 3, needsHuman: 9 });
    const changed = renderMetrics(a).split('\n').filter((l, i) => l !== later.split('\n')[i]);
    expect(changed.map((l) => l.split('{')[0])).toEqual(['breakfix_needs_human_hosts', 'breakfix_pass_duration_seconds', 'breakfix_pass_timestamp_seconds']);
  });

  it('sums a series given twice instead of writing it twice', () => {
    const { samples } = parse(renderMetrics(input({ groups: [{ name: 'all', count: 2 }, { name: 'all', count: 3 }] })));
    expect(value(samples, 'breakfix_group_hosts', { group: 'all' })).toEqual(['5']);
  });
});

function renderMetricsSamples(i: MetricsInput): Sample[] {
  return parse(renderMetrics(i)).samples;
}
