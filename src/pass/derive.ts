import path from 'node:path';
import { DayOpener, UnknownNameError } from '../store/operands.js';
import { evaluateTo, prepare } from '../sets/evaluate.js';
import { operandsOf, parseExpression } from '../sets/parse.js';
import { writeMerged } from '../store/group.js';
import { writeMeta } from '../store/meta.js';
import { namesIn, orderRecipes, RecipeError } from '../policy/recipes.js';
import type { Policy } from '../policy/types.js';

export interface Derived {
  name: string;
  count: number;
  expression: string;
}

/**
 * Evaluates the recipes in dependency order, each one streamed into its
 * group with `.meta` (kind recipe, expression, inputs). A recipe that names
 * an unknown group, or one out of order, stops derive naming the recipe.
 */
export function deriveRecipes(
  dayDir: string,
  policy: Policy,
  cwd: string,
  now: () => Date,
  pass: number | null,
  opts: { skipMissing?: boolean; paths?: ReadonlyMap<string, string> | null } = {},
): Derived[] {
  const out: Derived[] = [];
  const where = path.join(policy.dir, 'groups.yaml');
  for (const r of orderRecipes(policy.recipes)) {
    const expr = parseExpression(r.expression);
    let written: { sha256: string; count: number };
    try {
      const plan = prepare(expr, new DayOpener(dayDir, cwd, false, opts.paths ?? null), operandsOf(expr));
      written = writeMerged(path.join(dayDir, r.name), true, (out) => evaluateTo(plan, out));
    } catch (e) {
      // Before the healthchecks have run, recipes that read their groups wait for the second derive.
      if (opts.skipMissing && e instanceof UnknownNameError) continue;
      const at = `recipe ${r.name} (${where}${r.line ? `:${r.line}` : ''})`;
      if (e instanceof UnknownNameError) throw new RecipeError(`${at}: ${e.message}`);
      if (e instanceof Error) {
        e.message = `${at}: ${e.message}`;
      }
      throw e;
    }
    const { sha256, count } = written;
    writeMeta(dayDir, r.name, {
      kind: 'recipe',
      expression: r.expression,
      inputs: namesIn(r.expression),
      pass,
      time: now().toISOString(),
      count,
      sha256,
    });
    out.push({ name: r.name, count, expression: r.expression });
  }
  return out;
}
