import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { writeGroup } from './group.js';

export const PLANS = 'plans';

/** The next pass number of a day: one more than the highest plans/<n>. */
export function nextPass(dayDir: string): number {
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(dayDir, PLANS));
  } catch {
    return 1;
  }
  const nums = names.filter((n) => /^\d+$/.test(n)).map(Number);
  return nums.length ? Math.max(...nums) + 1 : 1;
}

export interface PlanFiles {
  pass: number;
  /** `<cluster>.<op>` → sorted hosts. */
  chosen: Map<string, string[]>;
  json: unknown;
  time: string;
}

/** Writes plans/<pass>/<cluster>.<op> (groups) and plans/<pass>/plan.json. Returns the directory. */
export function writePlanFiles(dayDir: string, p: PlanFiles): string {
  const dir = path.join(dayDir, PLANS, String(p.pass));
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, hosts] of p.chosen) {
    writeGroup(dir, name, hosts, { kind: 'plan', inputs: ['plan.json'], pass: p.pass, time: p.time });
  }
  writeFileAtomic(path.join(dir, 'plan.json'), JSON.stringify(p.json, null, 2) + '\n');
  return dir;
}

export interface SavedPlan {
  day: string;
  pass: number;
  dir: string;
  json: {
    pass: number;
    time: string;
    seed: string;
    dry_run: boolean;
    budgets: Array<Record<string, unknown>>;
    refusals: Array<Record<string, unknown>>;
  };
}

/** Every saved plan of the given day directories, oldest first. */
export function listSavedPlans(dayDirs: Array<{ day: string; dir: string }>): SavedPlan[] {
  const out: SavedPlan[] = [];
  for (const { day, dir } of dayDirs) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(dir, PLANS));
    } catch {
      continue;
    }
    for (const n of names.filter((x) => /^\d+$/.test(x)).sort((a, b) => Number(a) - Number(b))) {
      const pdir = path.join(dir, PLANS, n);
      try {
        const json = JSON.parse(fs.readFileSync(path.join(pdir, 'plan.json'), 'utf8')) as SavedPlan['json'];
        out.push({ day, pass: Number(n), dir: pdir, json });
      } catch {
        // a plan directory without its plan.json was cut short; it decided nothing
      }
    }
  }
  return out;
}
