import { OPS, type Op } from '../../policy/types.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { formatPlan, runPlan } from '../../pass/run-plan.js';
import { transcribed } from '../transcribe.js';

export interface PlanOptions {
  verbose?: boolean;
  fold?: boolean;
  op?: string[];
  seed?: string;
}

export function parseOps(list: string[] | undefined, available: Op[]): Op[] | null {
  if (!list || list.length === 0) return null;
  const ops = list.flatMap((s) => s.split(',')).filter(Boolean);
  for (const op of ops) {
    if (!(OPS as readonly string[]).includes(op)) throw new UsageError(`--op ${op}: the operations are ${OPS.join(', ')}`);
    if (!available.includes(op as Op)) throw new UsageError(`--op ${op}: the policy defines no operation ${op}`);
  }
  return ops as Op[];
}

/** `breakfix plan [--op OP] [--seed S]`: budgets and selections from today's groups, a dry run. */
export async function run(_args: unknown[], opts: PlanOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config?.policy ?? null, deps.cwd));
  const ops = parseOps(opts.op, [...policy.operations.keys()]);
  // No pull here: no source failed this pass, but their max_age (invariant 6) and clusters still count.
  const maxAge = new Map<string, number | null>();
  const clusterOf = new Map<string, string | null>();
  if (scope.config && scope.dcConfig) {
    const { loadSources } = await import('../../sources/load.js');
    for (const s of await loadSources(scope.dcConfig, scope.config.dir)) {
      maxAge.set(s.name, s.common.maxAgeMs);
      clusterOf.set(s.name, s.type.clusterOf?.(s.config)?.name ?? null);
    }
  }
  return transcribed([scope.dayDir], deps, async ({ say }) => {
    const out = await runPlan({
      dayDir: scope.dayDir,
      dcDir: scope.dcDir,
      cwd: deps.cwd,
      policy,
      dc: scope.dcConfig,
      ops,
      seed: opts.seed ?? null,
      dryRun: true,
      now: deps.now(),
      sources: { failed: new Map(), maxAge, clusterOf },
      record: scope.config ? { configFile: scope.config.file, keepMs: scope.config.history.keepMs } : undefined,
    });
    say(formatPlan(out.plan, out.dir, deps.cwd, out.seedDrawn, Boolean(opts.verbose), Boolean(opts.fold)));
    return out.plan.refusals.length > 0 ? 3 : 0;
  });
}
