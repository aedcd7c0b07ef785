import { ensureDayDir } from '../../store/layout.js';
import { writeOut } from '../../store/fsio.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { deriveRecipes } from '../../pass/derive.js';
import { formatPlan, runPlan } from '../../pass/run-plan.js';
import { formatOutcome } from './pull.js';
import { parseOps } from './plan.js';

export interface PassOptions {
  seed?: string;
  op?: string[];
  force?: boolean;
}

/**
 * `breakfix pass`: pull, derive, plan — a dry run. A source that fails
 * does not stop the pass: what depends on it is refused (invariant 6), and
 * the pass exits 3.
 */
export async function run(_args: unknown[], opts: PassOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir) {
    throw new UsageError('pass needs a config that names the sources: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  }
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config.policy, deps.cwd));
  const ops = parseOps(opts.op, [...policy.operations.keys()]);
  const { loadSources } = await import('../../sources/load.js');
  const { pullSources } = await import('../../sources/pull.js');
  const sources = await loadSources(scope.dcConfig, scope.config.dir);
  const dayDir = ensureDayDir(scope.dcDir, deps.now());
  writeOut(`pass ${scope.dc} in ${displayPath(dayDir, deps.cwd)}\n`);
  const width = Math.max(0, ...sources.map((s) => s.name.length));
  const outcomes = await pullSources(sources, {
    dayDir,
    dc: scope.dcConfig,
    rule: { domain: scope.config.domain },
    configDir: scope.config.dir,
    env: deps.env,
    now: deps.now,
    force: Boolean(opts.force),
    onOutcome: (o) => writeOut(formatOutcome(o, width)),
    // Healthchecks fan out over recipe groups (hadoop-workers): derive what can be derived first.
    betweenPhases: () => deriveRecipes(dayDir, policy, deps.cwd, deps.now, null, { skipMissing: true }),
  });
  const failed = new Map(outcomes.filter((o) => o.status === 'failed').map((o) => [o.name, o.reason ?? 'failed']));
  const derived = deriveRecipes(dayDir, policy, deps.cwd, deps.now, null);
  writeOut(`derived ${derived.map((d) => `${d.name} ${d.count}`).join(', ')}\n`);
  const out = await runPlan({
    dayDir,
    dcDir: scope.dcDir,
    cwd: deps.cwd,
    policy,
    dc: scope.dcConfig,
    ops,
    seed: opts.seed ?? null,
    dryRun: true,
    now: deps.now(),
    sources: { failed, maxAge: new Map(sources.map((s) => [s.name, s.common.maxAgeMs])) },
  });
  writeOut(formatPlan(out.plan, out.dir, deps.cwd, out.seedDrawn));
  return failed.size > 0 || out.plan.refusals.length > 0 ? 3 : 0;
}
