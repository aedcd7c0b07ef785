import { ensureDayDir } from '../../store/layout.js';
import { nextPass } from '../../store/plans.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { runPass } from '../../pass/pass.js';
import { parseOps } from './plan.js';
import { transcribed } from '../transcribe.js';

export interface PassCmdOptions {
  verbose?: boolean;
  fold?: boolean;
  seed?: string;
  op?: string[];
  force?: boolean;
  apply?: boolean;
}

/**
 * `breakfix pass [--apply]`: pull, derive, plan — a dry run unless --apply.
 * A source that fails does not stop the pass: what depends on it is refused
 * (invariant 6), and the pass exits 3.
 */
export async function run(_args: unknown[], opts: PassCmdOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir || !scope.dc) {
    throw new UsageError('pass needs a config that names the sources: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  }
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config.policy, deps.cwd));
  const ops = parseOps(opts.op, [...policy.operations.keys()]);
  const dcName = scope.dc;
  const { config, dcConfig, dcDir } = scope;
  // The day it acts in, and its number as the loop reckons it: the `=== pass N` line lets status read this pass back.
  const dayDir = ensureDayDir(dcDir, deps.now());
  return transcribed([dayDir], deps, async ({ say, note }) => {
    note(`=== pass ${nextPass(dayDir)} ${dcName} ${deps.now().toISOString()}${opts.apply ? ' apply' : ' dry run'} (by hand) ===\n`);
    say(`pass ${dcName} in ${displayPath(dcDir, deps.cwd)}${opts.apply ? ' (apply)' : ' (dry run)'}\n`);
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    // Acting takes the datacenter's lock, as a loop does: a pass that applies never races a loop or another apply.
    const lock = opts.apply ? (await import('../../store/lock.js')).takeLock(dcDir, deps.now()) : null;
    process.once('SIGINT', onSigint);
    try {
      const r = await runPass({
        config,
        dc: dcConfig,
        dcDir,
        policy,
        cwd: deps.cwd,
        env: deps.env,
        now: deps.now,
        seed: opts.seed ?? null,
        ops,
        apply: Boolean(opts.apply),
        force: Boolean(opts.force),
        signal: ac.signal,
        say,
        verbose: Boolean(opts.verbose),
        fold: Boolean(opts.fold),
      });
      // A pass that acts tells the datacenter's webhook, as a loop does (bounded by notify.timeout, never failing the pass).
      if (opts.apply && r.pass > 0) {
        const { notifyAfterPass } = await import('../../report/notify-pass.js');
        await notifyAfterPass({ notify: dcConfig.notify, dcName, dcDir, dayDir: r.dayDir, pass: r.pass, summary: null, sourceFailures: r.sourceFailures, env: deps.env, now: deps.now, signal: ac.signal, say });
      }
      return r.code;
    } finally {
      process.removeListener('SIGINT', onSigint);
      lock?.release();
    }
  });
}
