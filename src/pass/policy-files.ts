import fs from 'node:fs';
import path from 'node:path';
import { YamlFile } from '../config/yamlsrc.js';
import { parsePolicy, parseRecipes } from '../policy/load.js';
import type { Policy } from '../policy/types.js';

/**
 * breakfix's own directory, the one holding package.json, policy/ and
 * fixtures/: the parent of dist/ in the bundle, two levels up from src/pass/
 * when the sources run directly (tests, tsx).
 */
export function packageRoot(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'policy'))) return d;
    if (path.dirname(d) === d) return path.resolve(__dirname, '..');
  }
}

/** The policy shipped with breakfix: `policy/` in the package's directory. */
export function shippedPolicyDir(): string {
  return path.join(packageRoot(), 'policy');
}

/** `--policy`, then `policy:` in the config, then the shipped example. */
export function choosePolicyDir(flag: string | undefined, fromConfig: string | null, cwd: string): string {
  if (flag) return path.resolve(cwd, flag);
  return fromConfig ?? shippedPolicyDir();
}

/** Reads and validates policy.yaml and groups.yaml of a policy directory. */
export function loadPolicy(dir: string): Policy {
  const groupsFile = path.join(dir, 'groups.yaml');
  const recipes = fs.existsSync(groupsFile) ? parseRecipes(YamlFile.read(groupsFile)) : [];
  return parsePolicy(YamlFile.read(path.join(dir, 'policy.yaml')), dir, recipes);
}
