import { writeOut } from '../../store/fsio.js';
import { ensureDayDir } from '../../store/layout.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { nearestNames } from '../../store/operands.js';

export interface PullOptions {
  force?: boolean;
}

/** `breakfix pull [SOURCE...] [--force]`: pulls the datacenter's sources into today's directory. */
export async function run(args: unknown[], opts: PullOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const names = (args[0] as string[]) ?? [];
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir) {
    throw new UsageError('pull needs a config that names the sources: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  }
  const { loadSources } = await import('../../sources/load.js');
  const { pullAndReport } = await import('../../sources/pull.js');
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
  writeOut(`pull ${scope.dc} into ${displayPath(dayDir, deps.cwd)}\n`);
  const { outcomes } = await pullAndReport({ sources, dayDir, config: scope.config, dc: scope.dcConfig, env: deps.env, now: deps.now, force: Boolean(opts.force), say: writeOut });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    writeOut(`${failed.length} source(s) failed: ${failed.map((o) => o.name).join(', ')}; their groups were left as they were\n`);
    return 3;
  }
  return 0;
}
