import fs from 'node:fs';
import path from 'node:path';
import { ensureDayDir } from '../../store/layout.js';
import { PLANS } from '../../store/plans.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { ExitError } from '../exit.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { deriveRecipes } from '../../pass/derive.js';
import { applySaved } from '../../pass/pass.js';
import { closeFinished, writeOpenGroups } from '../../pass/open-store.js';
import { checkPause } from '../../pass/controls.js';
import { pauseLine } from '../../store/pause.js';
import { takeLock } from '../../store/lock.js';
import { transcribed, type Transcriber } from '../transcribe.js';

export interface ApplyOptions {
  pass?: string;
}

/**
 * `breakfix apply [--pass N]`: acts on a saved plan of today (the latest by
 * default). It pulls fresh state first and re-checks every invariant; it never
 * plans again, and a plan is applied once.
 */
export async function run(_args: unknown[], opts: ApplyOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  if (!scope.config || !scope.dcConfig || !scope.dcDir) throw new UsageError('apply needs a config: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config.policy, deps.cwd));
  const dayDir = ensureDayDir(scope.dcDir, deps.now());
  const dcDir = scope.dcDir;
  return transcribed([dayDir], deps, async (rec) => {
    const plansDir = path.join(dayDir, PLANS);
    const passes = fs.existsSync(plansDir) ? fs.readdirSync(plansDir).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b) : [];
    if (passes.length === 0) throw new ExitError(1, `no plans today in ${plansDir}: run breakfix pass (or plan) first`);
    const pass = opts.pass ? Number(opts.pass) : passes[passes.length - 1]!;
    if (!passes.includes(pass)) throw new ExitError(1, `no plan for pass ${pass} today; passes: ${passes.join(', ')}`);
    const planDir = path.join(plansDir, String(pass));
    if (fs.existsSync(path.join(planDir, 'apply.json'))) {
      const when = JSON.parse(fs.readFileSync(path.join(planDir, 'apply.json'), 'utf8')).applied;
      throw new ExitError(1, `pass ${pass} was applied at ${when}; a plan is applied once: run a new pass`);
    }
    const pause = checkPause(dcDir, deps.now(), rec.say);
    if (pause.paused) {
      rec.say(`${pause.pause ? pauseLine(pause.pause) : `paused: ${pause.file} cannot be read`}: pass ${pass} not applied\n`);
      return 0;
    }
    // One actor per datacenter at a time: a running loop, a pass --apply, or this apply.
    const lock = takeLock(dcDir, deps.now());
    try {
      return await applyUnderLock({ ...scope, config: scope.config! }, policy, dayDir, planDir, pass, deps, rec);
    } finally {
      lock.release();
    }
  });
}

async function applyUnderLock(
  scope: Awaited<ReturnType<typeof resolveScope>> & { config: NonNullable<Awaited<ReturnType<typeof resolveScope>>['config']> },
  policy: ReturnType<typeof loadPolicy>,
  dayDir: string,
  planDir: string,
  pass: number,
  deps: Deps,
  rec: Transcriber,
): Promise<number> {
  if (!scope.dcConfig || !scope.dcDir) throw new UsageError('apply needs a config: --config FILE, $BREAKFIX_CONFIG or ./breakfix.yaml');
  const { loadSources } = await import('../../sources/load.js');
  const { pullAndReport } = await import('../../sources/pull.js');
  const sources = await loadSources(scope.dcConfig, scope.config.dir);
  rec.say(`apply pass ${pass}: pulling fresh state\n`);
  const { run: sourceRun } = await pullAndReport({
    sources,
    dayDir,
    config: scope.config,
    dc: scope.dcConfig,
    env: deps.env,
    now: deps.now,
    force: false,
    say: rec.say,
    betweenPhases: () => deriveRecipes(dayDir, policy, deps.cwd, deps.now, null, { skipMissing: true }),
  });
  const { open } = closeFinished(scope.dcDir, dayDir, policy);
  writeOpenGroups(dayDir, open, deps.now().toISOString());
  deriveRecipes(dayDir, policy, deps.cwd, deps.now, null);
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    return await applySaved({
      dc: scope.dcConfig,
      dcDir: scope.dcDir,
      policy,
      cwd: deps.cwd,
      now: deps.now,
      signal: ac.signal,
      say: rec.say,
      ops: null,
      dayDir,
      planDir,
      pass,
      sources: sourceRun,
      domain: scope.config.domain,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
