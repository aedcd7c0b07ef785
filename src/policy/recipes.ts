import { operandsOf, parseExpression } from '../sets/parse.js';
import type { Recipe } from './types.js';

export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

/** The group names an expression reads (tables of selections included, paths not). */
export function namesIn(expression: string): string[] {
  const names = new Set<string>();
  for (const o of operandsOf(parseExpression(expression))) {
    if (o.kind === 'name') names.add(o.name);
    else if (o.kind === 'select' && o.table.kind === 'name') names.add(o.table.name);
  }
  return [...names];
}

/**
 * Recipes in an order where each comes after the recipes it reads, keeping
 * the file's order where it is free. A cycle is an error naming it.
 */
export function orderRecipes(recipes: Recipe[]): Recipe[] {
  const byName = new Map(recipes.map((r) => [r.name, r]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: Recipe[] = [];
  const visit = (r: Recipe, path: string[]) => {
    const s = state.get(r.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(r.name)), r.name];
      throw new RecipeError(`recipes form a cycle: ${cycle.join(' -> ')}${r.line ? ` (groups.yaml:${r.line})` : ''}`);
    }
    state.set(r.name, 'visiting');
    for (const dep of namesIn(r.expression)) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, r.name]);
    }
    state.set(r.name, 'done');
    out.push(r);
  };
  for (const r of recipes) visit(r, []);
  return out;
}
