import type { SourceOutcome } from '../../sources/pull.js';
import { writeOut } from '../../store/fsio.js';
import { ensureDayDir } from '../../store/layout.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { nearestNames } from '../operands.js';

export interface PullOptions {
  force?: boolean;
}

/** The groups worth naming on a pull line: the largest few. */
function summarize(o: SourceOutcome): string {
  const entries = Object.entries(o.counts);
  const shown = entries
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`);
  const more = entries.length > shown.length ? ` +${entries.length - shown.length} more` : '';
  return [...o.notes, shown.join(', ') + more].filter(Boolean).join('; ');
}

export function formatOutcome(o: SourceOutcome, width: number): string {
  const head = `${o.name.padEnd(width)}  ${o.status.padEnd(7)}  ${o.seconds.toFixed(2).padStart(6)}s`;
  let text: string;
  if (o.status === 'ok') text = `${head}  ${summarize(o)}\n`;
  else if (o.status === 'skipped') text = `${head}  ${o.reason}\n`;
  else {
    const [first, ...rest] = (o.reason ?? 'failed').split('\n');
    text = `${head}  ${first}\n${rest.map((l) => `${' '.repeat(width + 2)}| ${l}\n`).join('')}`;
  }
  if (o.rejected.length > 0) {
    const sample = o.rejected.slice(0, 3).map((r) => `"${r.raw}" (${r.reason})`);
    text += `${' '.repeat(width + 2)}left out ${o.rejected.length} name(s) that are not canonical hosts: ${sample.join(', ')}${o.rejected.length > 3 ? ', ...' : ''}\n`;
  }
  return text;
}

/** `breakfix pull [SOURCE...] [--force]`: pulls the datacenter's sources into today's directory. */
export async function run(args: unknown[], opts: PullOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const names = (args[0] as string[]) ?? [];
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir) {
    throw new UsageError('pull needs a config that names the sources: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  }
  const { loadSources } = await import('../../sources/load.js');
  const { pullSources } = await import('../../sources/pull.js');
  let sources = await loadSources(scope.dcConfig, scope.config.dir);
  if (names.length > 0) {
    const known = sources.map((s) => s.name);
    for (const n of names) {
      if (!known.includes(n)) {
        const near = nearestNames(n, known);
        throw new UsageError(`no source "${n}" in datacenter ${scope.dc}${near.length ? `; did you mean: ${near.join(', ')}?` : `; its sources are: ${known.join(', ')}`}`);
      }
    }
    sources = sources.filter((s) => names.includes(s.name));
  }
  if (sources.length === 0) throw new UsageError(`datacenter ${scope.dc} has no sources in ${scope.config.file}`);
  const dayDir = ensureDayDir(scope.dcDir, deps.now());
  const width = Math.max(...sources.map((s) => s.name.length));
  writeOut(`pull ${scope.dc} into ${displayPath(dayDir, deps.cwd)}\n`);
  const outcomes = await pullSources(sources, {
    dayDir,
    dc: scope.dcConfig,
    rule: { domain: scope.config.domain },
    configDir: scope.config.dir,
    env: deps.env,
    now: deps.now,
    force: Boolean(opts.force),
    onOutcome: (o) => writeOut(formatOutcome(o, width)),
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    writeOut(`${failed.length} source(s) failed: ${failed.map((o) => o.name).join(', ')}; their groups were left as they were\n`);
    return 3;
  }
  return 0;
}
