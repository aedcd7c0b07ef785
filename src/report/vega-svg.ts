import type * as VegaModule from 'vega';
import type * as VegaLiteModule from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite spec in, the chart as an SVG string out. */
export type SvgRenderer = (spec: TopLevelSpec) => Promise<string>;

export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartError';
  }
}

const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');

/**
 * Renders Vega-Lite in Node, headless: compile to Vega, run the dataflow with
 * no renderer attached, serialise the scene as SVG. The modules are handed in
 * by the caller, which imports them only when a report is made, so no other
 * command pays for loading them.
 *
 * Strict where the libraries are lenient: a spec that names a URL is refused
 * (the report's data is inline; nothing is fetched, not even while rendering),
 * and an error the dataflow would only log fails the chart instead of
 * leaving it empty. Warnings go to `onWarning`, not to the terminal.
 */
export function vegaSvgRenderer(vega: typeof VegaModule, vegaLite: typeof VegaLiteModule, onWarning: (message: string) => void = () => {}): SvgRenderer {
  return async (spec) => {
    const errors: string[] = [];
    const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
      if (level === 'ERROR') errors.push(text(args));
      else onWarning(text(args));
    });
    const compiled = vegaLite.compile(spec, { logger }).spec;
    for (const d of compiled.data ?? []) {
      if ('url' in d && d.url !== undefined) throw new ChartError(`a chart's data "${d.name}" names a URL (${JSON.stringify(d.url)}): the report's charts read no URL or file, their data is inline`);
    }
    const loader = vega.loader();
    loader.load = () => Promise.reject(new ChartError('the report\'s charts read no URL or file: their data is inline'));
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader, logger });
    try {
      const svg = await view.toSVG();
      if (errors.length > 0) throw new ChartError(`a chart failed to render: ${errors.join('; ')}`);
      return svg;
    } finally {
      view.finalize();
    }
  };
}
