import { parseDuration } from '../../config/yamlsrc.js';
import { writeOut } from '../../store/fsio.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { runLoop } from '../../pass/loop.js';
import { colorizer } from '../../report/color.js';
import { parseOps } from './plan.js';
import { ensureDayDir } from '../../store/layout.js';
import { transcribeStart } from '../transcribe.js';

export interface LoopCmdOptions {
  verbose?: boolean;
  fold?: boolean;
  every: string;
  apply?: boolean;
  maxPasses?: number;
  seed?: string;
  op?: string[];
}

/** `breakfix loop [--every 10m] [--apply] [--max-passes N] [--seed S]`: passes until stopped. */
export async function run(_args: unknown[], opts: LoopCmdOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir || !scope.dc) {
    throw new UsageError('loop needs a config that names the sources: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  }
  const everyMs = parseDuration(opts.every);
  if (everyMs === null) throw new UsageError(`--every ${opts.every}: expected a duration like 30s, 10m or 1h`);
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config.policy, deps.cwd));
  const ops = parseOps(opts.op, [...policy.operations.keys()]);
  // Who started the loop; its passes write their own lines.
  try {
    transcribeStart(ensureDayDir(scope.dcDir, deps.now()), deps);
  } catch {
    // a day directory that cannot be made is the loop's to report, at its first pass
  }
  const paint = await colorizer(deps.stdoutIsTTY && g.color !== false && !deps.env.NO_COLOR);
  return runLoop({
    config: scope.config,
    dc: scope.dcConfig,
    dcName: scope.dc,
    dcDir: scope.dcDir,
    policy,
    cwd: deps.cwd,
    env: deps.env,
    now: deps.now,
    everyMs,
    apply: Boolean(opts.apply),
    maxPasses: opts.maxPasses ?? null,
    seed: opts.seed ?? null,
    ops,
    verbose: Boolean(opts.verbose),
    fold: Boolean(opts.fold),
    print: (t) => writeOut(paint(t)),
  });
}
