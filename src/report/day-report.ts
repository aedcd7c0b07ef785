import path from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';
import { buildReportHtml } from './report-html.js';
import { readDatacenter } from './report-read.js';
import { vegaSvgRenderer } from './vega-svg.js';
import { importPackage } from '../store/esm.js';

/**
 * The day's report.html, as `breakfix report` writes it, for a pass whose
 * datacenter says `report: true`. The chart libraries are loaded here, only
 * then, so a pass without a report never reads them.
 */
export async function writeDayReport(o: { home: string; dc: string; dcDir: string; dayDir: string; now: Date }): Promise<string> {
  const report = { generated: o.now.toISOString(), home: null, datacenters: [readDatacenter({ home: o.home, dc: o.dc, dcDir: o.dcDir, dayDir: o.dayDir, days: null, now: o.now })] };
  const [vega, vegaLite] = await Promise.all([importPackage<typeof import('vega')>('vega'), importPackage<typeof import('vega-lite')>('vega-lite')]);
  const text = await buildReportHtml(report, { render: vegaSvgRenderer(vega, vegaLite), command: 'breakfix pass (report: true)' });
  const target = path.join(o.dayDir, 'report.html');
  writeFileAtomic(target, text);
  return target;
}
