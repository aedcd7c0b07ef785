// breakfix report end to end: the demo datacenter (simulator, config, policy)
// after three applied passes, the report written by bin/breakfix, then opened
// in a real headless Chromium with the network blocked. What the page must
// show is read here from the files the passes wrote (counts.tsv, plan.json,
// apply.json), parsed independently of the code under test.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../src/pass/demo.js';
import { breakfix, ROOT, tempDirs, type Result } from '../support/cli.js';
import { CHROMIUM_PACKAGE, findChromium, openInChromium, type BrowserRun } from '../support/chromium.js';
import { decodePng, pixelStats } from '../support/png.js';

const tmp = tempDirs();
const PASSES = 3;
const SEED = '7';
const CHROMIUM = findChromium();
const INSTALL = `install the Debian package ${CHROMIUM_PACKAGE}: apt-get install -y ${CHROMIUM_PACKAGE}`;

interface PlanJson {
  pass: number;
  budgets: Array<{ cluster: string; op: string; cap: number; busy: number; chosen: number }>;
  refusals: unknown[];
}

/** counts.tsv as rows, read with nothing but split. */
function countsTsv(dayDir: string): Array<{ pass: number; group: string; count: number }> {
  const [header, ...rows] = fs.readFileSync(path.join(dayDir, 'counts.tsv'), 'utf8').trimEnd().split('\n');
  expect(header).toBe('pass\ttime\tgroup\tcount');
  return rows.map((l) => {
    const [pass, , group, count] = l.split('\t');
    return { pass: Number(pass), group: group!, count: Number(count) };
  });
}

/** The count cells of a page: group → pass → number, from their data attributes. */
function countCells(page: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const m of page.matchAll(/<td class="n" data-group="([^"]+)" data-pass="(\d+)">(\d+)<\/td>/g)) {
    let g = out.get(m[1]!);
    if (!g) out.set(m[1]!, (g = new Map()));
    g.set(Number(m[2]), Number(m[3]));
  }
  return out;
}

const field = (page: string, name: string) => new RegExp(`data-field="${name}">([^<]*)<`).exec(page)?.[1];

/** The markup of a page without its text: what a browser could act on. */
const tagsOnly = (page: string) => page.replace(/>[^<]*</g, '><');

describe('breakfix report: the demo datacenter after three applied passes', () => {
  let dir: string;
  let config: string;
  let dcDir: string;
  let dayDir: string;
  let file: string;
  let page: string;
  let made: Result;
  let counts: ReturnType<typeof countsTsv>;
  let last: number;
  let plan: PlanJson;
  const run = (args: string[]) => breakfix(['--config', config, ...args], { cwd: dir });

  beforeAll(() => {
    dir = tmp('breakfix-report-');
    config = buildDemo(path.join(dir, 'demo'), '1').config;
    dcDir = path.join(dir, 'demo', 'home', 'demo');
    for (let p = 1; p <= PASSES; p++) {
      const r = run(['pass', '--apply', '--seed', SEED]);
      if (r.code !== 0 && r.code !== 3) throw new Error(`pass ${p} exited ${r.code}:\n${r.out}\n${r.err}`);
    }
    dayDir = fs.realpathSync(path.join(dcDir, 'today'));
    made = run(['report']);
    file = path.join(dayDir, 'report.html');
    page = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    counts = countsTsv(dayDir);
    last = Math.max(...counts.map((r) => r.pass));
    plan = JSON.parse(fs.readFileSync(path.join(dayDir, 'plans', String(last), 'plan.json'), 'utf8')) as PlanJson;
  }, 120_000);

  it('writes <day>/report.html and says where', () => {
    expect(made.code, made.err).toBe(0);
    expect(made.err).toBe('');
    expect(made.out).toBe(`wrote ${path.relative(dir, file)} (${Math.max(1, Math.round(Buffer.byteLength(page) / 1024))} KB, datacenter demo): one file, it fetches nothing when opened\n`);
    expect(last).toBe(PASSES);
  });

  it('is one file that names nothing outside itself: no script, no stylesheet or font link, no URL in any tag', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    const tags = tagsOnly(page);
    expect(tags).not.toMatch(/<(script|link|iframe|object|embed|img|image|use|base)\b/i);
    expect(tags).not.toMatch(/\s(src|srcset|action|formaction|poster|background|xlink:href)\s*=/i);
    // Links only to places in the page itself.
    for (const m of tags.matchAll(/\shref\s*=\s*"([^"]*)"/gi)) expect(m[1]).toMatch(/^#/);
    expect(tags).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/@import|url\((?!#)/i);
    // The demo's data holds no URL either, so none appears anywhere.
    expect(page).not.toMatch(/https?:\/\//i);
  });

  it('draws its charts as inline SVG and lists every count of every pass, equal to counts.tsv', () => {
    expect((page.match(/<svg\b/g) ?? []).length).toBeGreaterThanOrEqual(3);
    const cells = countCells(page);
    const expected = new Map<string, Map<number, number>>();
    for (const r of counts) {
      if (!expected.has(r.group)) expected.set(r.group, new Map());
      expected.get(r.group)!.set(r.pass, r.count);
    }
    expect(cells).toEqual(expected);
  });

  it('shows the latest plan: its pass, chosen and refused counts, and every budget row', () => {
    expect(field(page, 'pass')).toBe(String(last));
    const applyFile = path.join(dayDir, 'plans', String(last), 'apply.json');
    const applyRefusals = fs.existsSync(applyFile) ? (JSON.parse(fs.readFileSync(applyFile, 'utf8')) as { refusals: unknown[] }).refusals.length : 0;
    expect(field(page, 'chosen')).toBe(String(plan.budgets.reduce((n, b) => n + b.chosen, 0)));
    expect(field(page, 'refused')).toBe(String(plan.refusals.length + applyRefusals));
    for (const b of plan.budgets) {
      const row = new RegExp(`<tr data-cluster="${b.cluster}" data-op="${b.op}">(.*?)</tr>`).exec(page)?.[1] ?? '';
      expect([field(row, 'cap'), field(row, 'busy'), field(row, 'chosen')], `${b.cluster}.${b.op}`).toEqual([String(b.cap), String(b.busy), String(b.chosen)]);
    }
  });

  it('--days N adds the last count of each day; --all writes <home>/report.html with every datacenter; -o - prints the page', () => {
    // An earlier day, as a pass would have left it.
    const before = new Date(Date.parse(`${path.basename(dayDir)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    fs.mkdirSync(path.join(dcDir, before));
    fs.writeFileSync(path.join(dcDir, before, 'counts.tsv'), `pass\ttime\tgroup\tcount\n1\t${before}T10:00:00Z\tall\t205\n2\t${before}T10:10:00Z\tall\t207\n`);
    const days = run(['report', '--days', '2', '-o', path.join(dir, 'days.html')]);
    expect(days.code, days.err).toBe(0);
    const daysPage = fs.readFileSync(path.join(dir, 'days.html'), 'utf8');
    const allNow = counts.find((r) => r.pass === last && r.group === 'all')!.count;
    expect(daysPage).toContain(`<td class="n" data-group="all" data-day="${before}" data-pass="2">207</td>`);
    expect(daysPage).toContain(`<td class="n" data-group="all" data-day="${path.basename(dayDir)}" data-pass="${last}">${allNow}</td>`);

    const all = run(['report', '--all']);
    expect(all.code, all.err).toBe(0);
    expect(all.out).toMatch(/^wrote demo\/home\/report\.html \(\d+ KB, 1 datacenter\)/);
    const allPage = fs.readFileSync(path.join(dir, 'demo', 'home', 'report.html'), 'utf8');
    expect(allPage).toContain('<table data-table="overview">');
    expect(allPage).toContain('<a href="#dc-demo">demo</a>');

    const out = run(['report', '-o', '-']);
    expect(out.code).toBe(0);
    expect(countCells(out.out)).toEqual(countCells(page));
  });

  it('leaves the charting libraries out of dist/main.cjs: `q` starts without them', () => {
    const main = path.join(ROOT, 'dist', 'main.cjs');
    expect(fs.readFileSync(main, 'utf8')).not.toMatch(/vega/);
    const script = `const m = require(${JSON.stringify(main)});
m.main(['q', '-c', 'all']).then((code) => {
  const loaded = Object.keys(require.cache);
  process.stderr.write(JSON.stringify({ code, vega: loaded.filter((k) => /vega/.test(k)), ops: loaded.filter((k) => k.endsWith('ops.cjs')) }));
});`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: dayDir, encoding: 'utf8' });
    expect(r.stdout).toBe(`${counts.find((x) => x.pass === last && x.group === 'all')!.count}\n`);
    expect(JSON.parse(r.stderr)).toEqual({ code: 0, vega: [], ops: [] });
  });

  describe('opened in headless Chromium with the network blocked', () => {
    if (!CHROMIUM && process.env['CI'] === 'true') {
      it('needs Chromium', () => {
        throw new Error(`no Chromium found (/usr/bin/chromium or $CHROMIUM); ${INSTALL}`);
      });
      return;
    }
    if (!CHROMIUM) {
      console.warn(`report.real.test.ts: browser checks skipped: no Chromium; ${INSTALL}`);
      it.skip(`renders the report (skipped: no Chromium; ${INSTALL})`, () => {});
      return;
    }
    let browser: BrowserRun;
    let shot: string;
    beforeAll(() => {
      shot = path.join(tmp('breakfix-shot-'), 'report.png');
      browser = openInChromium(CHROMIUM, file, ['--dump-dom', `--screenshot=${shot}`]);
    }, 60_000);

    it('renders with no console message and requests nothing', () => {
      expect(browser.code, browser.stderr.slice(-2000)).toBe(0);
      expect(browser.console).toEqual([]);
      expect(browser.pageRequests).toEqual([]);
    });

    it('shows, in the rendered DOM, the counts of the last pass exactly as counts.tsv has them, and the charts', () => {
      const dom = browser.stdout;
      expect(dom).toContain('<table data-table="counts"');
      const cells = countCells(dom);
      const expected = counts.filter((r) => r.pass === last);
      expect(expected.length).toBeGreaterThan(10);
      expect(new Map([...cells].map(([g, byPass]) => [g, byPass.get(last)]))).toEqual(new Map(expected.map((r) => [r.group, r.count])));
      expect(field(dom, 'pass')).toBe(String(last));
      expect((dom.match(/<svg\b/g) ?? []).length).toBe((page.match(/<svg\b/g) ?? []).length);
    });

    it('paints a page that is not blank', () => {
      const img = decodePng(fs.readFileSync(shot));
      expect([img.width, img.height]).toEqual([1280, 2000]);
      const { colours, foreground } = pixelStats(img);
      expect(colours).toBeGreaterThan(50);
      expect(foreground).toBeGreaterThan(0.05);
    });

    it('would notice a page that fetches or fails: the same run on a page with a remote image and a script error', () => {
      const bad = path.join(tmp('breakfix-bad-'), 'bad.html');
      fs.writeFileSync(bad, '<!doctype html><title>x</title><img src="http://example.invalid/x.png"><script>null.x</script>\n');
      const r = openInChromium(CHROMIUM, bad, ['--dump-dom']);
      expect(r.pageRequests).toContain('http://example.invalid/x.png');
      expect(r.console.join('\n')).toMatch(/Uncaught/);
    });
  });
});
