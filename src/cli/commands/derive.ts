import { writeOut } from '../../store/fsio.js';
import { resolveScope, type Deps, type GlobalOptions } from '../context.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { deriveRecipes } from '../../pass/derive.js';

/** `breakfix derive`: evaluates the policy's recipes into today's directory. */
export async function run(_args: unknown[], _opts: Record<string, never>, g: GlobalOptions, deps: Deps): Promise<number> {
  const scope = await resolveScope(g, deps);
  const policy = loadPolicy(choosePolicyDir(g.policy, scope.config?.policy ?? null, deps.cwd));
  const derived = deriveRecipes(scope.dayDir, policy, deps.cwd, deps.now, null);
  const width = Math.max(0, ...derived.map((d) => d.name.length));
  writeOut(derived.map((d) => `${d.name.padEnd(width)}  ${String(d.count).padStart(6)}  ${d.expression}\n`).join(''));
  return 0;
}
