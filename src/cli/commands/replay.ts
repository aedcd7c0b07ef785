import fs from 'node:fs';
import path from 'node:path';
import { HistoryStore, HISTORY } from '../../store/history.js';
import { writeOut } from '../../store/fsio.js';
import { loadPolicy } from '../../pass/policy-files.js';
import { firstDifference, loadRecorded, rebuild, recordedPolicy, replayOps, Workspace } from '../../pass/replay.js';
import { buildId } from '../../pass/record.js';
import { comparePlans, formatComparison, type PlanJsonView } from '../../report/whatif.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';

export interface ReplayOptions {
  day?: string;
  pass?: number;
  policy?: string;
  json?: boolean;
}

/**
 * `breakfix replay [--day D] --pass N [--policy DIR] [--json]`: rebuilds a
 * pass's plan from its recorded inputs. Without --policy it must come out byte
 * for byte as the pass wrote it; with --policy it says what that pass would
 * have done under another policy. Never pulls, writes into the day or acts.
 */
export async function run(_args: unknown[], opts: ReplayOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  if (opts.pass === undefined) throw new UsageError('replay needs --pass N: the pass of the day to rebuild (ls <day>/plans)');
  const scope = await resolveScope(g, deps, opts.day ?? g.day ?? 'today');
  if (!scope.dcDir) throw new UsageError('replay needs a home: --home, $BREAKFIX_HOME or a config');
  const day = path.basename(fs.realpathSync(scope.dayDir));
  const store = new HistoryStore(scope.dcDir);
  const r = loadRecorded(store, scope.dcDir, day, opts.pass);
  const other = opts.policy ? loadPolicy(path.resolve(deps.cwd, opts.policy)) : null;
  const w = new Workspace(store);
  try {
    w.load(r);
    const recorded = recordedPolicy(w);
    const at = `${day} pass ${r.pass}`;
    if (!other) {
      const b = await rebuild(w, r, recorded, r.inputs.ops);
      const diff = firstDifference(r, b);
      // A pass recorded by another build of breakfix may differ where the planner changed since.
      const sameBuild = !r.inputs.build || r.inputs.build === buildId();
      if (opts.json) writeOut(JSON.stringify({ day, pass: r.pass, seed: r.inputs.seed, time: r.inputs.time, same: diff === null, difference: diff, same_build: sameBuild, files: 1 + b.files.size }, null, 2) + '\n');
      else if (diff === null) writeOut(`replay ${at} (seed ${r.inputs.seed}, ${r.inputs.time}): rebuilt from ${Object.keys(r.inputs.inputs).length} recorded inputs in ${HISTORY}/; plan.json and ${b.files.size} host file(s) byte for byte the same\n`);
      else if (!sameBuild) writeOut(`replay ${at}: the rebuilt plan differs from what the pass wrote: ${diff}\nthe pass was planned by another build of breakfix (${r.inputs.build!.slice(0, 12)}, this one is ${buildId()?.slice(0, 12) ?? 'unknown'}): the difference may be a change of the planner since\n`);
      else writeOut(`replay ${at}: the rebuilt plan differs from what the pass wrote: ${diff}\nthis is a bug in breakfix: please report it with ${path.join(r.planDir, 'plan.json')} and ${path.join(r.planDir, 'inputs.json')}\n`);
      return diff === null ? 0 : 1;
    }
    if (other.recipes.map((x) => `${x.name}:${x.expression}`).join('\n') !== recorded.recipes.map((x) => `${x.name}:${x.expression}`).join('\n')) w.derive(r, other);
    const b = await rebuild(w, r, other, replayOps(r, recorded, other));
    const saved = JSON.parse(fs.readFileSync(path.join(r.planDir, 'plan.json'), 'utf8')) as PlanJsonView;
    const c = comparePlans(saved, JSON.parse(b.json) as PlanJsonView);
    if (opts.json) {
      writeOut(JSON.stringify({ day, pass: r.pass, policy: other.dir, recorded_policy: r.state.policy_dir, ...c }, null, 2) + '\n');
    } else {
      writeOut(`replay ${at} under ${path.relative(deps.cwd, other.dir) || other.dir} (the pass ran with ${r.state.policy_dir}); old → new:\n${formatComparison(c)}`);
    }
    return 0;
  } finally {
    w.close();
  }
}
