import { formatAge } from '../policy/watchdog.js';
import { Html, html, svg } from './html.js';
import { appliedSpec, budgetSpec, changedGroups, daysSpec, opRank, openSpec, refusalSpec, sortOps, trendSpec } from './report-charts.js';
import { INVARIANTS, passMode, worstFirst, type DatacenterReport, type Report } from './report-model.js';
import type { SvgRenderer } from './vega-svg.js';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The report page: one HTML file that needs nothing but itself. Styles are
 * inline, charts are inline SVG, there is no script, and the page's content
 * security policy forbids fetching anything, so opening it off-line, from a
 * mail or from a ticket shows the same thing. Every number drawn is also in a
 * table beside its chart, with data attributes naming what it counts.
 */

/** The day's counts table shows at most this many passes (the latest); counts.tsv has them all. */
export const COUNT_COLUMNS = 24;
/** The refusals listed one by one (the latest); the chart and totals count them all. */
const REFUSAL_ROWS = 100;

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** 2026-11-21 06:54:35 UTC, with the exact instant in the element. */
function when(iso: string | null): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return html`${iso}`;
  return html`<time datetime="${iso}">${new Date(t).toISOString().replace('T', ' ').slice(0, 19)} UTC</time>`;
}

const ago = (ms: number) => `${formatAge(ms)} ago`;

const CSS = `
:root { color-scheme: light; --line: #e5e7eb; --muted: #6b7280; --bad: #b91c1c; --warn: #b45309; --ok: #15803d; --info: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 20px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f6f7f9; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 0 0 8px; }
p { margin: 4px 0 10px; }
.muted, .none { color: var(--muted); }
.dc { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 18px 0; }
.dc > section { border-top: 1px solid var(--line); padding-top: 14px; margin-top: 14px; }
.status { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.status div { min-width: 110px; }
.status dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.status dd { margin: 0; font-size: 16px; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.applied { background: #dcfce7; color: var(--ok); } .dry { background: #dbeafe; color: var(--info); }
.paused, .notapplied { background: #fef3c7; color: var(--warn); } .bad { background: #fee2e2; color: var(--bad); } .quiet { background: #f3f4f6; color: #374151; }
.pair { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figure svg { display: block; height: auto; }
.tablewrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 2px 7px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; }
tr.moved td:first-child { font-weight: 600; }
td.msg { max-width: 560px; }
.alert { border-left: 4px solid var(--warn); background: #fffbeb; padding: 6px 10px; margin: 8px 0; }
.alert.bad { border-color: var(--bad); background: #fef2f2; color: #111827; }
nav table a { font-weight: 600; }
`;

type Chart = { spec: TopLevelSpec | null; none: string; label: string };

export interface BuildOptions {
  render: SvgRenderer;
  /** The command line that made the page, shown at its foot. */
  command?: string;
}

class Page {
  private n = 0;
  constructor(private readonly render: SvgRenderer) {}

  async chart(c: Chart): Promise<Html> {
    if (!c.spec) return html`<p class="none">${c.none}</p>`;
    const id = `chart${++this.n}`;
    return html`<figure id="${id}" role="img" aria-label="${c.label}">${svg(await this.render(c.spec), id)}</figure>`;
  }
}

function statusBlock(d: DatacenterReport): Html {
  const l = d.last;
  const m = l ? passMode(l) : { label: 'no pass yet', kind: 'quiet' };
  const mode = html`<span class="badge ${m.kind}">${m.label}</span>`;
  const p = d.pause;
  const pause = p.paused
    ? html`<span class="badge paused">paused</span>`
    : html`<span class="badge quiet">not paused</span>`;
  const item = (label: string, field: string, value: Html | string | number) => html`<div><dt>${label}</dt><dd data-field="${field}">${value}</dd></div>`;
  return html`<dl class="status">
${item('datacenter', 'datacenter', d.dc)}
${item('day', 'day', d.day)}
${item('last pass', 'pass', l ? l.pass : '–')}
${item('at', 'time', l ? when(l.time) : '–')}
${item('age', 'age', l ? ago(l.ageMs) : '–')}
${item('mode', 'mode', mode)}
${item('chosen', 'chosen', l ? l.chosen : 0)}
${item('refused', 'refused', l ? l.refused : 0)}
${item('open plans', 'open', d.open.length)}
${item('needs a person', 'needs-human', d.needsHuman.length)}
${item('pause', 'pause', pause)}
</dl>
${p.paused && p.by ? html`<p class="alert" data-field="pause-line">Paused ${p.scope === 'home' ? 'for every datacenter' : 'for this datacenter'} by <b>${p.by}</b> since ${when(p.since)}: ${p.reason} (${p.until ? html`until ${when(p.until)}` : 'until resumed'}). Passes still plan; nothing acts.</p>` : ''}
${p.errors.map((e) => html`<p class="alert bad">${e}</p>`)}
${l ? html`<p class="muted">Pass ${l.pass}, seed ${l.seed}${l.applied ? html`, applied ${when(l.applied)}` : ''}.</p>` : html`<p class="muted">No plan in ${d.day}: run <code>breakfix pass</code>.</p>`}`;
}

async function trendSection(page: Page, d: DatacenterReport): Promise<Html> {
  const passes = [...new Set(d.counts.map((c) => c.pass))].sort((a, b) => a - b);
  const shown = passes.slice(-COUNT_COLUMNS);
  const timeOf = new Map(d.counts.map((c) => [c.pass, c.time]));
  const cell = new Map(d.counts.map((c) => [`${c.group}\t${c.pass}`, c.count]));
  const groups = [...new Set(d.counts.map((c) => c.group))].sort(byteOrder);
  const moved = new Set(changedGroups(d.counts));
  const chart = await page.chart({
    spec: trendSpec(d.counts),
    none: passes.length === 0 ? 'No counts yet: counts.tsv is written by each pass.' : `No group changed over ${passes.length === 1 ? 'the one pass' : `the ${passes.length} passes`} of the day.`,
    label: `counts of the groups that changed over the passes of ${d.day}`,
  });
  const table =
    groups.length === 0
      ? html``
      : html`<div class="tablewrap"><table data-table="counts" data-dc="${d.dc}" data-day="${d.day}">
<thead><tr><th>group</th>${shown.map((p) => html`<th class="n" title="${timeOf.get(p) ?? ''}">pass ${p}</th>`)}</tr></thead>
<tbody>
${groups.map(
  (g) => html`<tr${moved.has(g) ? html` class="moved"` : ''}><td>${g}</td>${shown.map((p) => {
    const n = cell.get(`${g}\t${p}`);
    return n === undefined ? html`<td class="n muted">–</td>` : html`<td class="n" data-group="${g}" data-pass="${p}">${n}</td>`;
  })}</tr>
`,
)}</tbody></table></div>`;
  const older = passes.length - shown.length;
  return html`<section data-section="trends"><h3>Group trends over the passes of ${d.day}</h3>
<p class="muted">From counts.tsv: ${groups.length} groups, ${passes.length} passes${older > 0 ? `; the table shows the latest ${shown.length} (the first ${older} are in counts.tsv)` : ''}. Lines for the groups that changed; bold in the table.</p>
<div class="pair">${chart}${table}</div></section>`;
}

async function daysSection(page: Page, d: DatacenterReport): Promise<Html> {
  const pts = d.days ?? [];
  const days = [...new Set(pts.map((p) => p.day))].sort();
  const groups = [...new Set(pts.map((p) => p.group))].sort(byteOrder);
  const cell = new Map(pts.map((p) => [`${p.group}\t${p.day}`, p]));
  const chart = await page.chart({ spec: daysSpec(pts), none: days.length === 0 ? 'No day has counts yet.' : 'No group changed across these days.', label: `the last count of each day, ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}` });
  const table =
    groups.length === 0
      ? html``
      : html`<div class="tablewrap"><table data-table="days" data-dc="${d.dc}">
<thead><tr><th>group</th>${days.map((day) => html`<th class="n">${day}</th>`)}</tr></thead>
<tbody>
${groups.map(
  (g) => html`<tr><td>${g}</td>${days.map((day) => {
    const p = cell.get(`${g}\t${day}`);
    return p ? html`<td class="n" data-group="${g}" data-day="${day}" data-pass="${p.pass}">${p.count}</td>` : html`<td class="n muted">–</td>`;
  })}</tr>
`,
)}</tbody></table></div>`;
  return html`<section data-section="days"><h3>The last ${days.length === 1 ? 'day' : `${days.length} days`}: the last count of each</h3><div class="pair">${chart}${table}</div></section>`;
}

async function budgetSection(page: Page, d: DatacenterReport): Promise<Html> {
  const rows = [...d.budgets].sort((a, b) => byteOrder(a.cluster, b.cluster) || opRank(a.op) - opRank(b.op) || byteOrder(a.op, b.op));
  const chart = await page.chart({ spec: budgetSpec(rows), none: 'No plan today, so no budgets.', label: `cap, busy and chosen hosts per cluster and op in pass ${d.last?.pass ?? ''}` });
  const table =
    rows.length === 0
      ? html``
      : html`<div class="tablewrap"><table data-table="budgets" data-dc="${d.dc}">
<thead><tr><th>cluster</th><th>op</th><th>archetype</th><th class="n">workers</th><th class="n">cap</th><th class="n">busy</th><th class="n">headroom</th><th class="n">candidates</th><th class="n">chosen</th><th>why</th></tr></thead>
<tbody>
${rows.map(
  (b) =>
    html`<tr data-cluster="${b.cluster}" data-op="${b.op}"><td>${b.cluster}</td><td>${b.op}</td><td>${b.archetype}</td><td class="n">${b.workers}</td><td class="n" data-field="cap">${b.cap}</td><td class="n" data-field="busy">${b.busy}</td><td class="n">${b.headroom}</td><td class="n">${b.candidates}</td><td class="n" data-field="chosen">${b.chosen}</td><td class="msg">${b.why}</td></tr>
`,
)}</tbody></table></div>`;
  return html`<section data-section="budgets"><h3>Budgets per cluster and op${d.last ? `, pass ${d.last.pass}` : ''}</h3>
<p class="muted">From the latest plan.json: the cap (grey) against the hosts already busy and those chosen this pass.</p>
<div class="pair">${chart}${table}</div></section>`;
}

async function appliedSection(page: Page, d: DatacenterReport): Promise<Html> {
  const ops = sortOps(d.applied.flatMap((p) => Object.keys(p.acted)));
  const chart = await page.chart({ spec: appliedSpec(d.applied), none: d.applied.length === 0 ? 'No pass today.' : 'No host was acted on today.', label: `hosts acted on per op in each pass of ${d.day}` });
  const table =
    d.applied.length === 0
      ? html``
      : html`<div class="tablewrap"><table data-table="applied" data-dc="${d.dc}">
<thead><tr><th class="n">pass</th><th>applied</th>${ops.map((op) => html`<th class="n">${op}</th>`)}<th class="n">failed</th></tr></thead>
<tbody>
${d.applied.map(
  (p) =>
    html`<tr data-pass="${p.pass}"><td class="n">${p.pass}</td><td>${p.applied ? when(p.applied) : html`<span class="muted">${passMode(p).label}</span>`}</td>${ops.map((op) => html`<td class="n" data-op="${op}">${p.acted[op] ?? 0}</td>`)}<td class="n">${p.failed}</td></tr>
`,
)}</tbody></table></div>`;
  return html`<section data-section="applied"><h3>Applied ops over the day</h3>
<p class="muted">From each pass's apply.json: the hosts acted on, per op.</p>
<div class="pair">${chart}${table}</div></section>`;
}

async function refusalSection(page: Page, d: DatacenterReport): Promise<Html> {
  const numbers = INVARIANTS.map(([n]) => n);
  const extra = [...new Set(d.refusals.map((r) => r.invariant))].filter((n) => !numbers.includes(n)).sort((a, b) => a - b);
  const all = [...numbers, ...extra];
  const chart = await page.chart({ spec: refusalSpec(d.refusals, all), none: 'No refusal today.', label: `refusals of ${d.day} by invariant` });
  const name = new Map(INVARIANTS);
  const count = (n: number, stage: 'plan' | 'apply') => d.refusals.filter((r) => r.invariant === n && r.stage === stage).length;
  const totals = html`<div class="tablewrap"><table data-table="refusals" data-dc="${d.dc}">
<thead><tr><th class="n">#</th><th>invariant</th><th class="n">at plan</th><th class="n">at apply</th></tr></thead>
<tbody>
${all.map((n) => html`<tr data-invariant="${n}"><td class="n">${n}</td><td>${name.get(n) ?? 'unknown'}</td><td class="n">${count(n, 'plan')}</td><td class="n">${count(n, 'apply')}</td></tr>
`)}</tbody></table></div>`;
  const latest = d.refusals.slice(-REFUSAL_ROWS).reverse();
  const detail =
    latest.length === 0
      ? html``
      : html`<details${d.refusals.length <= 12 ? html` open` : ''}><summary>${d.refusals.length > REFUSAL_ROWS ? `The latest ${REFUSAL_ROWS} of ${d.refusals.length} refusals` : `Every refusal (${d.refusals.length})`}</summary>
<div class="tablewrap"><table data-table="refusal-list"><thead><tr><th class="n">pass</th><th>stage</th><th class="n">#</th><th>cluster</th><th>op</th><th>host</th><th>message</th></tr></thead>
<tbody>
${latest.map((r) => html`<tr><td class="n">${r.pass}</td><td>${r.stage}</td><td class="n">${r.invariant}</td><td>${r.cluster}</td><td>${r.op}</td><td>${r.host ?? html`<span class="muted">(the op)</span>`}</td><td class="msg">${r.message}</td></tr>
`)}</tbody></table></div></details>`;
  return html`<section data-section="refusals"><h3>Refusals by invariant</h3>
<p class="muted">Every plan.json and apply.json of ${d.day}: refused while planning, or by the re-check on fresh state just before acting.</p>
<div class="pair">${chart}${totals}</div>${detail}</section>`;
}

async function openSection(page: Page, d: DatacenterReport): Promise<Html> {
  const chart = await page.chart({ spec: openSpec(d.open), none: 'No plan is open.', label: 'the age of every open plan, by op' });
  const table =
    d.open.length === 0
      ? html``
      : html`<div class="tablewrap"><table data-table="open" data-dc="${d.dc}">
<thead><tr><th>op</th><th>host</th><th>cluster</th><th>applied</th><th class="n">age</th><th>state</th></tr></thead>
<tbody>
${d.open.map(
  (e) =>
    html`<tr${e.stuck ? html` class="stuck"` : ''}><td>${e.op}</td><td>${e.host}</td><td>${e.cluster}</td><td>${e.day} pass ${e.pass}</td><td class="n" data-age-ms="${e.ageMs}">${formatAge(e.ageMs)}</td><td>${e.stuck ? html`<span class="badge bad">past its timeout</span> ` : ''}${e.state}</td></tr>
`,
)}</tbody></table></div>`;
  return html`<section data-section="open"><h3>Open plans (${d.open.length})</h3>
<p class="muted">From open.json: applied plans the sources do not show finished yet, whatever day they were applied; oldest first.</p>
<div class="pair">${chart}${table}</div></section>`;
}

function needsHumanSection(d: DatacenterReport): Html {
  const rows = d.needsHuman;
  return html`<section data-section="needs-human"><h3>Needs a person (${rows.length})</h3>
${
  rows.length === 0
    ? html`<p class="none">Nobody: needs-human.tsv of ${d.day} is empty${d.last ? '' : ' or not written yet'}.</p>`
    : html`<p class="muted">needs-human.tsv of ${d.day}: look at each host, then <code>breakfix release HOST --reason ...</code>.</p>
<div class="tablewrap"><table data-table="needs-human" data-dc="${d.dc}"><thead><tr><th>host</th><th>cluster</th><th>op</th><th>reason</th><th>since</th></tr></thead>
<tbody>
${rows.map((r) => html`<tr><td>${r.host}</td><td>${r.cluster}</td><td>${r.op}</td><td class="msg">${r.reason}</td><td>${when(r.since)}</td></tr>
`)}</tbody></table></div>`
}</section>`;
}

async function datacenterSection(page: Page, d: DatacenterReport): Promise<Html> {
  const parts: Html[] = [await trendSection(page, d)];
  if (d.days !== null) parts.push(await daysSection(page, d));
  parts.push(await budgetSection(page, d), await appliedSection(page, d), await refusalSection(page, d), await openSection(page, d), needsHumanSection(d));
  return html`<section class="dc" id="dc-${d.dc}" data-dc="${d.dc}">
<h2>${d.dc} <span class="muted">${d.day}</span></h2>
${statusBlock(d)}
${d.problems.map((p) => html`<p class="alert bad">${p}</p>`)}
${parts}
</section>
`;
}

function overview(dcs: readonly DatacenterReport[]): Html {
  return html`<nav><h2>Every datacenter, worst first</h2>
<p class="muted">Worst: hosts waiting for a person, then refusals in the latest pass, then paused, then the oldest latest pass.</p>
<div class="tablewrap"><table data-table="overview"><thead><tr><th>datacenter</th><th>day</th><th class="n">last pass</th><th class="n">age</th><th>mode</th><th class="n">chosen</th><th class="n">refused</th><th class="n">needs a person</th><th class="n">open</th><th>pause</th></tr></thead>
<tbody>
${dcs.map(
  (d) =>
    html`<tr data-dc="${d.dc}"><td><a href="#dc-${d.dc}">${d.dc}</a></td><td>${d.day}</td><td class="n">${d.last?.pass ?? '–'}</td><td class="n">${d.last ? formatAge(d.last.ageMs) : 'never'}</td><td>${d.last ? passMode(d.last).label : 'no pass'}</td><td class="n">${d.last?.chosen ?? 0}</td><td class="n">${d.last?.refused ?? 0}</td><td class="n">${d.needsHuman.length}</td><td class="n">${d.open.length}</td><td>${d.pause.paused ? html`<span class="badge paused">paused</span>` : ''}</td></tr>
`,
)}</tbody></table></div></nav>`;
}

/** The whole page. Charts are rendered in order; the result has no reference to anything outside itself. */
export async function buildReportHtml(report: Report, o: BuildOptions): Promise<string> {
  const page = new Page(o.render);
  const many = report.home !== null;
  const dcs = many ? worstFirst(report.datacenters) : report.datacenters;
  const sections: Html[] = [];
  for (const d of dcs) sections.push(await datacenterSection(page, d));
  const title = many ? `breakfix report: ${dcs.length} datacenter${dcs.length === 1 ? '' : 's'}` : `breakfix report: ${dcs[0]?.dc ?? ''} ${dcs[0]?.day ?? ''}`;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="breakfix report">
<title>${title}</title>
<style>${new Html(CSS)}</style>
</head>
<body>
<header><h1>${title}</h1>
<p class="muted">Made ${when(report.generated)}${many ? html` from the home ${report.home}` : ''}${o.command ? html` by <code>${o.command}</code>` : ''}. Ages are as of then.</p></header>
${many ? overview(dcs) : ''}
${sections}
</body>
</html>
`;
  return doc.text;
}
