import fs from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, svg, UnsafeSvgError } from '../../src/report/html.js';
import { budgetSpec, changedGroups, trendSpec } from '../../src/report/report-charts.js';
import { buildReportHtml, COUNT_COLUMNS } from '../../src/report/report-html.js';
import { passMode, worstFirst, type DatacenterReport, type Report } from '../../src/report/report-model.js';
import { readDatacenter } from '../../src/report/report-read.js';
import { vegaSvgRenderer } from '../../src/report/vega-svg.js';
import { lines, tempDirs, writeFiles } from '../support/cli.js';

const warnings: string[] = [];
const render = vegaSvgRenderer(vega, vegaLite, (w) => warnings.push(w));
const tmp = tempDirs();
const NOW = new Date('2026-11-21T12:00:00Z');

/** A datacenter as the reader would make it; `over` replaces any part. */
function dc(over: Partial<DatacenterReport> = {}): DatacenterReport {
  const counts = [1, 2, 3].flatMap((pass) => [
    { group: 'all', pass, time: `2026-11-21T0${pass}:00:00Z`, count: 300 },
    { group: 'hdfs-dead', pass, time: `2026-11-21T0${pass}:00:00Z`, count: [4, 6, 5][pass - 1]! },
    { group: 'candidate-drain', pass, time: `2026-11-21T0${pass}:00:00Z`, count: [9, 7, 2][pass - 1]! },
  ]);
  return {
    dc: 'dc1',
    day: '2026-11-21',
    last: { pass: 3, time: '2026-11-21T03:00:00Z', ageMs: 9 * 3_600_000, seed: '42', dryRun: false, applied: '2026-11-21T03:00:05Z', paused: false, chosen: 3, refused: 2 },
    pause: { paused: false, scope: null, by: null, reason: null, since: null, until: null, errors: [] },
    counts,
    days: null,
    budgets: [
      { cluster: 'dw1', op: 'drain', archetype: 'default', workers: 120, cap: 7, busy: 3, headroom: 4, candidates: 5, chosen: 2, why: 'limited by max_per_rack' },
      { cluster: 'dw1', op: 'reboot', archetype: 'default', workers: 120, cap: 12, busy: 1, headroom: 11, candidates: 1, chosen: 1, why: '' },
    ],
    applied: [
      { pass: 1, time: '2026-11-21T01:00:00Z', dryRun: false, paused: false, chosen: 4, applied: '2026-11-21T01:00:04Z', acted: { drain: 2, reboot: 2 }, failed: 0 },
      { pass: 2, time: '2026-11-21T02:00:00Z', dryRun: true, paused: false, chosen: 0, applied: null, acted: {}, failed: 0 },
      { pass: 3, time: '2026-11-21T03:00:00Z', dryRun: false, paused: false, chosen: 3, applied: '2026-11-21T03:00:05Z', acted: { drain: 2, reboot: 1 }, failed: 1 },
    ],
    refusals: [
      { pass: 3, stage: 'plan', invariant: 3, cluster: 'dw1', op: 'drain', host: null, message: 'missing blocks: 4' },
      { pass: 3, stage: 'apply', invariant: 1, cluster: 'dw1', op: 'rekick', host: 'dw1-dn001.example.com', message: 'live DataNode' },
    ],
    open: [{ host: 'dw1-dn002.example.com', cluster: 'dw1', op: 'drain', day: '2026-11-20', pass: 9, applied: '2026-11-20T09:00:00Z', ageMs: 27 * 3_600_000, state: '', stuck: true }],
    needsHuman: [{ host: 'dw1-dn003.example.com', cluster: 'dw1', op: 'rekick', reason: 'remediated 3 times in 14d', since: '2026-11-19T00:00:00Z' }],
    problems: [],
    ...over,
  };
}

const one = (d: DatacenterReport): Report => ({ generated: NOW.toISOString(), home: null, datacenters: [d] });

/** Tags and attributes only, text dropped: where markup could fetch or run something. */
const tagsOnly = (page: string) => page.replace(/>[^<]*</g, '><');

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a & b', 'a &amp; b'],
    ['"quoted" \'single\'', '&quot;quoted&quot; &#39;single&#39;'],
    ['</style><img src=x onerror=alert(1)>', '&lt;/style&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ['&amp;', '&amp;amp;'],
  ])('escapeHtml(%j)', (input, out) => {
    expect(escapeHtml(input)).toBe(out);
  });

  it('escapes every interpolation of a template, in text and in attributes, and nested lists; fragments pass as they are', () => {
    const evil = '"><script>x</script>';
    expect(html`<td title="${evil}">${evil}</td>`.text).toBe('<td title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">&quot;&gt;&lt;script&gt;x&lt;/script&gt;</td>');
    expect(html`<ul>${['<a>', ['<b>', 3]].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>&lt;b&gt;3</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.text).toBe('0');
  });
});

describe('svg: a chart made fit for the page', () => {
  it('drops the namespace URLs and prefixes ids and their references, so two charts never share a clip path', () => {
    const out = svg('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10"><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"/></svg>', 'chart2').text;
    expect(out).toBe('<svg width="10"><defs><clipPath id="chart2-clip1"><rect/></clipPath></defs><g clip-path="url(#chart2-clip1)"/></svg>');
  });

  it.each([
    ['<svg><script>alert(1)</script></svg>'],
    ['<svg><a xlink:href="http://x.example/">x</a></svg>'],
    ['<svg><image href="http://x.example/a.png"/></svg>'],
    ['<svg><g style="fill: url(http://x.example/f)"/></svg>'],
    ['<svg><rect onload="alert(1)"/></svg>'],
    ['<svg><foreignObject><div/></foreignObject></svg>'],
    ['<div>not a chart</div>'],
  ])('refuses %s', (markup) => {
    expect(() => svg(markup, 'c')).toThrow(UnsafeSvgError);
  });
});

describe('the page', () => {
  it('has no script, no link, no src, no href but to itself and no URL at all', async () => {
    warnings.length = 0;
    const page = await buildReportHtml(one(dc()), { render });
    expect(warnings).toEqual([]);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"`);
    expect(page).not.toMatch(/<script|<link|<iframe|<object|<embed|<img/i);
    expect(page).not.toMatch(/\s(src|xlink:href)\s*=/i);
    for (const m of page.matchAll(/\shref\s*=\s*"([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/@import|url\((?!#)/);
    // Five charts: trends, budgets, applied ops, refusals, open plans (needs-human is a table).
    expect((page.match(/<svg\b/g) ?? []).length).toBe(5);
  });

  it('escapes what it read, wherever it goes: tables, status, pause, messages and the charts\' labels', async () => {
    const evil = '<script>alert("x")</script>';
    const url = 'http://evil.example/x.png';
    const d = dc({
      dc: `dc"${evil}`,
      counts: [1, 2].map((pass) => ({ group: `g${evil}`, pass, time: `t${evil}`, count: pass })),
      budgets: [{ cluster: `c${evil}`, op: `o${evil}`, archetype: evil, workers: 1, cap: 1, busy: 0, headroom: 1, candidates: 1, chosen: 1, why: `${evil} <img src="${url}">` }],
      refusals: [{ pass: 3, stage: 'plan', invariant: 3, cluster: evil, op: evil, host: evil, message: `see <a href="${url}">` }],
      open: [{ host: evil, cluster: evil, op: evil, day: evil, pass: 1, applied: evil, ageMs: 1000, state: evil, stuck: false }],
      needsHuman: [{ host: evil, cluster: evil, op: evil, reason: `<img src="${url}">`, since: evil }],
      pause: { paused: true, scope: 'home', by: evil, reason: `${evil} </style>`, since: '2026-11-21T00:00:00Z', until: null, errors: [`${evil}: not valid JSON`] },
      problems: [evil],
    });
    const page = await buildReportHtml({ ...one(d), home: `/h${evil}` }, { render, command: `breakfix report ${evil}` });
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<a href="http');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The one URL in the data is text, never in a tag.
    expect(tagsOnly(page)).not.toMatch(/https?:\/\//);
    expect(page).toContain(`data-group="g&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"`);
  });

  it('lists every count with what it counts, beside the chart; the latest passes when there are many', async () => {
    const counts = Array.from({ length: COUNT_COLUMNS + 6 }, (_, i) => ({ group: 'hdfs-dead', pass: i + 1, time: '', count: (i * 7) % 5 }));
    const page = await buildReportHtml(one(dc({ counts })), { render });
    const cells = [...page.matchAll(/data-group="hdfs-dead" data-pass="(\d+)">(\d+)</g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(cells).toEqual(counts.slice(-COUNT_COLUMNS).map((c) => [c.pass, c.count]));
    expect(page).toContain(`the table shows the latest ${COUNT_COLUMNS} (the first 6 are in counts.tsv)`);
  });

  it('says in words what has nothing to draw, instead of an empty chart', async () => {
    const page = await buildReportHtml(one(dc({ last: null, counts: [], budgets: [], applied: [], refusals: [], open: [], needsHuman: [] })), { render });
    expect(page).not.toContain('<svg');
    for (const s of ['No counts yet', 'No plan today', 'No pass today', 'No refusal today', 'No plan is open', 'Nobody', 'no pass yet']) expect(page).toContain(s);
  });

  it('shows a pause with who, why and until when', async () => {
    const page = await buildReportHtml(one(dc({ pause: { paused: true, scope: 'datacenter', by: 'ana@ops1', reason: 'rack move', since: '2026-11-21T08:00:00Z', until: '2026-11-21T20:00:00Z', errors: [] } })), { render });
    expect(page).toMatch(/<p class="alert" data-field="pause-line">Paused for this datacenter by <b>ana@ops1<\/b> since <time datetime="2026-11-21T08:00:00Z">2026-11-21 08:00:00 UTC<\/time>: rack move \(until <time/);
  });

  it('puts every datacenter in the overview of --all, worst first', async () => {
    const calm = dc({ dc: 'calm', needsHuman: [], last: { ...dc().last!, refused: 0 } });
    const refusing = dc({ dc: 'refusing', needsHuman: [] });
    const stuck = dc({ dc: 'stuck' });
    const page = await buildReportHtml({ generated: NOW.toISOString(), home: '/srv/breakfix', datacenters: [calm, refusing, stuck] }, { render });
    const order = [...page.matchAll(/<tr data-dc="([^"]+)">/g)].map((m) => m[1]);
    expect(order).toEqual(['stuck', 'refusing', 'calm']);
    expect([...page.matchAll(/<section class="dc" id="dc-([^"]+)"/g)].map((m) => m[1])).toEqual(order);
  });
});

describe('charts and order', () => {
  it('draws a line for each group that changed, with the counts as they are', () => {
    const spec = trendSpec(dc().counts) as unknown as { data: { values: Array<{ group: string; pass: number; count: number }> } };
    expect(changedGroups(dc().counts).sort()).toEqual(['candidate-drain', 'hdfs-dead']);
    expect(spec.data.values.filter((v) => v.group === 'hdfs-dead').map((v) => v.count)).toEqual([4, 6, 5]);
    expect(trendSpec(dc().counts.filter((c) => c.group === 'all'))).toBeNull();
    expect(budgetSpec([])).toBeNull();
  });

  it('renders a spec to SVG without fetching: a spec naming a URL fails', async () => {
    await expect(render({ data: { url: 'http://example.invalid/data.json' }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } })).rejects.toThrow(/read no URL/);
  });

  it('ranks datacenters: needs-human, then refusals, then paused, then the oldest pass; a datacenter with no pass is the oldest', () => {
    const base = dc({ needsHuman: [], last: { ...dc().last!, refused: 0, ageMs: 60_000 } });
    const list = [
      { ...base, dc: 'a' },
      { ...base, dc: 'b', last: { ...base.last!, ageMs: 3_600_000 } },
      { ...base, dc: 'c', last: null },
      { ...base, dc: 'd', pause: { ...base.pause, paused: true } },
      { ...base, dc: 'e', last: { ...base.last!, refused: 1 } },
      { ...base, dc: 'f', needsHuman: dc().needsHuman },
    ];
    expect(worstFirst(list).map((d) => d.dc)).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it.each([
    [{ dryRun: true, applied: null, paused: false, chosen: 3 }, 'dry run'],
    [{ dryRun: false, applied: '2026-11-21T00:00:00Z', paused: false, chosen: 3 }, 'applied'],
    [{ dryRun: false, applied: null, paused: true, chosen: 3 }, 'paused: not applied'],
    [{ dryRun: false, applied: null, paused: false, chosen: 0 }, 'applying, nothing chosen'],
    [{ dryRun: false, applied: null, paused: false, chosen: 2 }, 'not applied'],
  ])('passMode(%j) is %s', (p, label) => {
    expect(passMode(p).label).toBe(label);
  });
});

describe('reading a datacenter', () => {
  it('reads counts, plans, applies, refusals, open plans, needs-human, the pause and earlier days', () => {
    const home = tmp('breakfix-report-read-');
    const dcDir = path.join(home, 'dc1');
    const plan = (pass: number, dry: boolean, refusals: unknown[], chosen: number) =>
      JSON.stringify({ pass, time: `2026-11-21T0${pass}:00:00.000Z`, seed: `s${pass}`, dry_run: dry, budgets: [{ cluster: 'dw1', op: 'drain', archetype: 'default', workers: 50, cap: 3, busy: 1, headroom: 2, candidates: 4, chosen, why: 'ok' }], refusals, paused: null });
    writeFiles(dcDir, {
      '2026-11-20/counts.tsv': lines('pass\ttime\tgroup\tcount', '1\tt\tall\t10', '2\tt\tall\t11'),
      '2026-11-21/counts.tsv': lines('pass\ttime\tgroup\tcount', '1\tt1\tall\t12', '2\tt2\tall\t13'),
      '2026-11-21/plans/1/plan.json': plan(1, false, [{ host: 'h1', cluster: 'dw1', op: 'rekick', invariant: 1, message: 'live' }], 2),
      '2026-11-21/plans/1/apply.json': JSON.stringify({ applied: '2026-11-21T01:00:03.000Z', outcomes: [{ cluster: 'dw1', op: 'drain', planned: ['a', 'b'], acted: ['a', 'b'], ok: ['a'], failed: ['b'] }], refusals: [{ host: null, cluster: 'dw1', op: 'drain', invariant: 5, message: 'over budget' }] }),
      '2026-11-21/plans/2/plan.json': plan(2, true, [], 1),
      '2026-11-21/needs-human.tsv': lines('host\tcluster\top\treason\tsince', 'h9\tdw1\trekick\tthree times\t2026-11-20T00:00:00Z'),
      'open.json': JSON.stringify({ entries: [{ host: 'a', cluster: 'dw1', op: 'drain', day: '2026-11-21', pass: 1, applied: '2026-11-21T01:00:03.000Z' }] }),
    });
    writeFiles(home, { 'pause.json': JSON.stringify({ by: 'ana@ops1', reason: 'freeze', since: '2026-11-21T00:00:00Z', until: null }) });
    fs.symlinkSync('2026-11-21', path.join(dcDir, 'today'));
    const r = readDatacenter({ home, dc: 'dc1', dcDir, dayDir: path.join(dcDir, 'today'), days: 5, now: NOW });
    expect(r.day).toBe('2026-11-21');
    expect(r.counts.map((c) => [c.pass, c.group, c.count])).toEqual([[1, 'all', 12], [2, 'all', 13]]);
    expect(r.days).toEqual([
      { group: 'all', day: '2026-11-20', pass: 2, count: 11 },
      { group: 'all', day: '2026-11-21', pass: 2, count: 13 },
    ]);
    expect(r.last).toEqual({ pass: 2, time: '2026-11-21T02:00:00.000Z', ageMs: 10 * 3_600_000, seed: 's2', dryRun: true, applied: null, paused: false, chosen: 1, refused: 0 });
    expect(r.applied.map((a) => [a.pass, a.applied, a.acted, a.failed])).toEqual([[1, '2026-11-21T01:00:03.000Z', { drain: 2 }, 1], [2, null, {}, 0]]);
    expect(r.refusals.map((x) => [x.pass, x.stage, x.invariant, x.host])).toEqual([[1, 'plan', 1, 'h1'], [1, 'apply', 5, null]]);
    expect(r.open).toMatchObject([{ host: 'a', op: 'drain', ageMs: NOW.getTime() - Date.parse('2026-11-21T01:00:03.000Z'), stuck: false }]);
    expect(r.needsHuman).toEqual([{ host: 'h9', cluster: 'dw1', op: 'rekick', reason: 'three times', since: '2026-11-20T00:00:00Z' }]);
    expect(r.pause).toMatchObject({ paused: true, scope: 'home', by: 'ana@ops1', reason: 'freeze', until: null });
    expect(r.problems).toEqual([]);
  });

  it('says which file it could not read instead of skipping it in silence', () => {
    const home = tmp('breakfix-report-read-');
    const dcDir = path.join(home, 'dc1');
    writeFiles(dcDir, {
      '2026-11-21/plans/1/plan.json': JSON.stringify({ pass: 1, time: '2026-11-21T01:00:00Z', seed: '1', dry_run: false, budgets: [], refusals: [] }),
      '2026-11-21/plans/1/apply.json': '{ truncated',
    });
    const r = readDatacenter({ home, dc: 'dc1', dcDir, dayDir: path.join(dcDir, '2026-11-21'), days: null, now: NOW });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/plans\/1\/apply\.json: cannot be read .*its pass shows no applied ops/);
  });
});
