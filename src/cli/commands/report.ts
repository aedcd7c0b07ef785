import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../store/atomic.js';
import { writeOut } from '../../store/fsio.js';
import { listDays, resolveDayDir } from '../../store/layout.js';
import { buildReportHtml } from '../../report/report-html.js';
import type { DatacenterReport, Report } from '../../report/report-model.js';
import { readDatacenter } from '../../report/report-read.js';
import { vegaSvgRenderer } from '../../report/vega-svg.js';
import { displayPath, loadConfigFor, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { ExitError } from '../exit.js';
import { importPackage } from '../../store/esm.js';

export interface ReportOptions {
  day?: string;
  days?: number;
  all?: boolean;
  output?: string;
}

export const REPORT_FILE = 'report.html';

/** Datacenters of a home: those of the config, and every directory that holds a day or open plans. */
function datacentersOf(home: string, configured: readonly string[]): string[] {
  const names = new Set(configured);
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(home, { withFileTypes: true });
  } catch {
    throw new UsageError(`home ${home}: no such directory; run a pass first, or give the right --home`);
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = path.join(home, e.name);
    if (listDays(dir).length > 0 || fs.existsSync(path.join(dir, 'open.json'))) names.add(e.name);
  }
  return [...names].sort();
}

async function everyDatacenter(opts: ReportOptions, g: GlobalOptions, deps: Deps, day: string, now: Date): Promise<{ report: Report; target: string }> {
  if (g.dc) throw new UsageError('--all reports every datacenter of the home: leave out --dc');
  const config = await loadConfigFor(g, deps);
  const home = g.home ? path.resolve(deps.cwd, g.home) : deps.env.BREAKFIX_HOME ? path.resolve(deps.cwd, deps.env.BREAKFIX_HOME) : (config?.home ?? null);
  if (!home) throw new UsageError('--all needs a home: give --home, $BREAKFIX_HOME or a config');
  const names = datacentersOf(home, config ? [...config.datacenters.keys()] : []);
  if (names.length === 0) throw new ExitError(1, `home ${home} holds no datacenter yet: run a pass first`);
  const datacenters: DatacenterReport[] = names.map((dc) => {
    const dcDir = path.join(home, dc);
    return readDatacenter({ home, dc, dcDir, dayDir: resolveDayDir(dcDir, day, now), days: opts.days ?? null, now });
  });
  return { report: { generated: now.toISOString(), home, datacenters }, target: path.join(home, REPORT_FILE) };
}

async function oneDatacenter(opts: ReportOptions, g: GlobalOptions, deps: Deps, day: string, now: Date): Promise<{ report: Report; target: string }> {
  const scope = await resolveScope(g, deps, day);
  let { home, dc, dcDir, dayDir } = scope;
  if (!home || !dcDir || !dc) {
    // No home: the current directory is the day (`cd home/dc1/today && breakfix report`).
    const here = fs.realpathSync(deps.cwd);
    const isDay = /^\d{4}-\d{2}-\d{2}$/.test(path.basename(here)) && (fs.existsSync(path.join(here, 'counts.tsv')) || fs.existsSync(path.join(here, 'plans')));
    if (!isDay) throw new UsageError('which datacenter? give --home, $BREAKFIX_HOME or a config, or run it in a day directory (home/<dc>/today)');
    dayDir = here;
    dcDir = path.dirname(here);
    dc = path.basename(dcDir);
    home = path.dirname(dcDir);
  }
  if (!fs.existsSync(dayDir)) throw new ExitError(1, `${displayPath(dayDir, deps.cwd)}: no such day directory; run a pass first, or choose another --day`);
  if (opts.days !== undefined && listDays(dcDir).length === 0) throw new ExitError(1, `${displayPath(dcDir, deps.cwd)} holds no day directory for --days`);
  const report: Report = { generated: now.toISOString(), home: null, datacenters: [readDatacenter({ home, dc, dcDir, dayDir, days: opts.days ?? null, now })] };
  return { report, target: path.join(fs.realpathSync(dayDir), REPORT_FILE) };
}

/**
 * `breakfix report [--day D] [--days N] [--all] [-o FILE]`: one HTML file that
 * shows a datacenter's day (or, with --all, every datacenter of the home) and
 * needs nothing else to open: no script, no font, nothing fetched.
 */
export async function run(_args: unknown[], opts: ReportOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  if (opts.days !== undefined && opts.days < 1) throw new UsageError('--days takes a number of days, 1 or more');
  const now = deps.now();
  const day = opts.day ?? g.day ?? 'today';
  const { report, target: defaultTarget } = opts.all ? await everyDatacenter(opts, g, deps, day, now) : await oneDatacenter(opts, g, deps, day, now);
  // The chart libraries are big: loaded here, so that no other command reads them.
  const [vega, vegaLite] = await Promise.all([importPackage<typeof import('vega')>('vega'), importPackage<typeof import('vega-lite')>('vega-lite')]);
  const command = ['breakfix report', opts.all ? '--all' : '', opts.day ? `--day ${opts.day}` : '', opts.days ? `--days ${opts.days}` : ''].filter(Boolean).join(' ');
  const text = await buildReportHtml(report, { render: vegaSvgRenderer(vega, vegaLite), command });
  if (opts.output === '-') {
    writeOut(text);
    return 0;
  }
  const target = opts.output ? path.resolve(deps.cwd, opts.output) : defaultTarget;
  writeFileAtomic(target, text);
  const kb = Math.max(1, Math.round(Buffer.byteLength(text) / 1024));
  writeOut(`wrote ${displayPath(target, deps.cwd)} (${kb} KB, ${report.home === null ? `datacenter ${report.datacenters[0]!.dc}` : `${report.datacenters.length} datacenter${report.datacenters.length === 1 ? '' : 's'}`}): one file, it fetches nothing when opened\n`);
  return 0;
}
