import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/config.js';
import type { NeedsHumanRow } from '../../policy/needs-human.js';
import { loadOpen } from '../../pass/open-store.js';
import { colorizer } from '../../report/color.js';
import {
  datacenterStatus,
  renderAll,
  renderScreen,
  statusExitCode,
  worstFirst,
  type ApplyRecord,
  type DcStatus,
  type LastPassRead,
  type LockRead,
  type PlanRecord,
} from '../../report/status.js';
import { pidAlive } from '../../store/atomic.js';
import { writeOut } from '../../store/fsio.js';
import { listDays } from '../../store/layout.js';
import { listParts } from '../../store/parts.js';
import { readPauseState } from '../../store/pause.js';
import { PLANS } from '../../store/plans.js';
import { readTable } from '../../store/table.js';
import { readTranscript } from '../../store/transcript.js';
import { displayPath, loadConfigFor, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';

export interface StatusOptions {
  all?: boolean;
  json?: boolean;
}

/**
 * `breakfix status [--all] [--json]`: one screen per datacenter, read from
 * the home alone (nothing is pulled, nothing is written), so it is safe to run
 * any time, beside a running loop, and as a check: it exits 1 when a
 * datacenter shown has a failing source, stuck work or hosts in needs-human.
 */
export async function run(_args: unknown[], opts: StatusOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  if (g.day !== undefined) throw new UsageError('status always reads the latest pass; --day does not apply to it');
  const now = deps.now();
  let shown: DcStatus[];
  if (opts.all) {
    if (g.dc !== undefined) throw new UsageError('give --dc or --all, not both');
    const config = await loadConfigFor(g, deps);
    const home = homeOf(g, deps, config);
    const dcs = datacentersOf(home, config);
    if (dcs.length === 0) {
      if (opts.json) writeOut(JSON.stringify({ home: displayPath(home, deps.cwd), datacenters: [] }, null, 2) + '\n');
      else writeOut(`no pass yet: ${displayPath(home, deps.cwd)} holds no datacenter with a day directory; run \`breakfix pass\`, or start the loop\n`);
      return 0;
    }
    shown = worstFirst(dcs.map((dc) => readStatus(home, dc, config, deps, now)));
    if (opts.json) writeOut(JSON.stringify({ home: displayPath(home, deps.cwd), datacenters: shown }, null, 2) + '\n');
    else writeOut(await paint(g, deps, renderAll(shown)));
  } else {
    const scope = await resolveScope(g, deps);
    if (!scope.home || !scope.dc) throw new UsageError('status needs a home: give --home, $BREAKFIX_HOME or a config');
    shown = [readStatus(scope.home, scope.dc, scope.config, deps, now)];
    if (opts.json) writeOut(JSON.stringify(shown[0], null, 2) + '\n');
    else writeOut(await paint(g, deps, renderScreen(shown[0]!, now)));
  }
  return statusExitCode(shown);
}

async function paint(g: GlobalOptions, deps: Deps, text: string): Promise<string> {
  return (await colorizer(deps.stdoutIsTTY && g.color !== false && !deps.env.NO_COLOR))(text);
}

/** The home as every command finds it (--home, $BREAKFIX_HOME, the config's home:), without choosing a datacenter. */
function homeOf(g: GlobalOptions, deps: Deps, config: Config | null): string {
  if (g.home) return path.resolve(deps.cwd, g.home);
  if (deps.env.BREAKFIX_HOME) return path.resolve(deps.cwd, deps.env.BREAKFIX_HOME);
  if (config?.home) return config.home;
  throw new UsageError('status --all needs a home: give --home, $BREAKFIX_HOME or a config');
}

/** Every directory of the home that holds day directories, and every datacenter of the config. */
function datacentersOf(home: string, config: Config | null): string[] {
  const names = new Set<string>(config ? [...config.datacenters.keys()] : []);
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(home, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!config) throw new UsageError(`home ${home}: no such directory; run a pass first, or give the right --home`);
  }
  for (const d of entries) if (d.isDirectory() && !d.name.startsWith('.') && listDays(path.join(home, d.name)).length > 0) names.add(d.name);
  return [...names].sort();
}

function readStatus(home: string, dc: string, config: Config | null, deps: Deps, now: Date): DcStatus {
  const dcDir = path.join(home, dc);
  const configured = config?.datacenters.get(dc);
  return datacenterStatus(
    {
      dc,
      dir: displayPath(dcDir, deps.cwd),
      lock: readLock(dcDir),
      pause: readPauseState(home, dcDir, now),
      open: loadOpen(dcDir),
      last: readLastPass(dcDir, configured ? [...configured.sources.keys()] : null),
    },
    now,
  );
}

function readLock(dcDir: string): LockRead {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dcDir, 'loop.lock'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'unreadable';
  }
  try {
    const held = JSON.parse(text) as { pid?: unknown; host?: unknown; start?: unknown };
    if (typeof held.pid !== 'number' || !Number.isInteger(held.pid) || held.pid <= 0 || typeof held.host !== 'string') return 'unreadable';
    // A pid means something only on the host that wrote it.
    const alive = held.host === os.hostname() ? pidAlive(held.pid) : null;
    return { pid: held.pid, host: held.host, start: String(held.start ?? 'unknown'), alive };
  } catch {
    return 'unreadable';
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function planNumbers(dayDir: string): number[] {
  try {
    return fs
      .readdirSync(path.join(dayDir, PLANS))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return [];
  }
}

/**
 * The latest plan a pass wrote, newest day first. A pass records `paused`
 * in plan.json (null when not paused); `breakfix plan` does not, and pulls
 * nothing, so its plans are not passes. Only the plan.json files that are
 * needed are read: a day of a loop every ten minutes holds 144 of them.
 */
function readLastPass(dcDir: string, configured: string[] | null): LastPassRead | null {
  for (const day of listDays(dcDir).reverse()) {
    const dayDir = path.join(dcDir, day);
    const numbers = planNumbers(dayDir);
    for (let i = 0; i < numbers.length; i++) {
      const dir = path.join(dayDir, PLANS, String(numbers[i]));
      const plan = readJson<PlanRecord>(path.join(dir, 'plan.json'));
      if (!plan || !Object.prototype.hasOwnProperty.call(plan, 'paused')) continue;
      return {
        day,
        plan,
        apply: readJson<ApplyRecord>(path.join(dir, 'apply.json')),
        after: endOfPrevious(dayDir, numbers.slice(i + 1)),
        transcript: readTranscript(dayDir),
        parts: listParts(dayDir).map((p) => ({ source: p.source, time: p.time, volatile: p.volatile })),
        configured,
        needsHuman: readNeedsHuman(dayDir),
      };
    }
  }
  return null;
}

/**
 * When the newest earlier plan of the day was made; null when there is none.
 * The last pass pulled after it: the pass before had planned by then.
 */
function endOfPrevious(dayDir: string, earlier: number[]): string | null {
  for (const n of earlier) {
    const time = readJson<{ time?: string }>(path.join(dayDir, PLANS, String(n), 'plan.json'))?.time;
    if (time) return time;
  }
  return null;
}

function readNeedsHuman(dayDir: string): NeedsHumanRow[] {
  const file = path.join(dayDir, 'needs-human.tsv');
  if (!fs.existsSync(file)) return [];
  return readTable(file).rows.map((r) => ({ host: r.host ?? '', cluster: r.cluster ?? '', op: r.op ?? '', reason: r.reason ?? '', since: r.since ?? '' }));
}
