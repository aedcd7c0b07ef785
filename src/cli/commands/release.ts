import { canonicalHost } from '../../sources/hostnames.js';
import { loadOpen, saveOpen, writeOpenGroups } from '../../pass/open-store.js';
import { appendRelease } from '../../store/released.js';
import { ensureDayDir } from '../../store/layout.js';
import { ExitError } from '../exit.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { transcribed, whoAmI } from '../transcribe.js';

export interface ReleaseOptions {
  reason?: string;
}

/**
 * `breakfix release HOST --reason R`: a person closes a host's open plans by
 * hand (a stuck drain looked at, a reboot finished by hand). Recorded with who
 * and why in released.jsonl and the transcript; the host's slot in the budget
 * frees at the next pass, and its needs-human row goes.
 */
export async function run(args: unknown[], opts: ReleaseOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const [raw] = args as [string];
  if (!opts.reason || !opts.reason.trim()) throw new UsageError('release needs --reason TEXT: say what was done, for the next person');
  const scope = await resolveScope(g, deps);
  if (!scope.dcDir) throw new UsageError('which datacenter? give --home, $BREAKFIX_HOME or a config');
  const c = canonicalHost(raw, { domain: scope.config?.domain ?? null });
  if (c.host === undefined) throw new UsageError(`"${raw}": ${c.error}`);
  const host = c.host;
  const open = loadOpen(scope.dcDir);
  const mine = open.filter((e) => e.host === host);
  if (mine.length === 0) {
    const some = [...new Set(open.map((e) => e.host))].slice(0, 5);
    throw new ExitError(1, `${host} has no open plan in ${scope.dc}${some.length ? ` (open: ${some.join(' ')}${open.length > 5 ? ' ...' : ''})` : ' (no plan is open)'}; nothing released`);
  }
  const now = deps.now();
  const by = whoAmI(deps.env);
  const dayDir = ensureDayDir(scope.dcDir, now);
  const dcDir = scope.dcDir;
  const reason = opts.reason.trim();
  return transcribed([dayDir], deps, ({ say }) => {
    const ops = mine.map((e) => e.op);
    // The record first: should the rewrite of open.json be lost to a running pass, the record still closes the plans.
    appendRelease(dcDir, { host, ops, by, reason, time: now.toISOString() });
    const rest = open.filter((e) => e.host !== host);
    saveOpen(dcDir, rest);
    writeOpenGroups(dayDir, rest, now.toISOString());
    const what = mine.map((e) => `${e.op} applied ${e.day} pass ${e.pass}${e.maintenance && !e.ran ? ' (still in HDFS maintenance until its expiry)' : ''}`).join(', ');
    const line = `released ${host} by ${by}: ${reason} (closed ${what})`;
    say(`${line}\n`);
    return 0;
  });
}
