import path from 'node:path';
import { parseDuration } from '../../config/yamlsrc.js';
import { pauseLine, PAUSE_FILE, readPauseState, removePause, writePause } from '../../store/pause.js';
import { ensureDayDir } from '../../store/layout.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { transcribed, whoAmI } from '../transcribe.js';
import fs from 'node:fs';

export interface PauseOptions {
  reason?: string;
  for?: string;
  all?: boolean;
}

async function where(g: GlobalOptions, deps: Deps, all: boolean): Promise<{ file: string; home: string; dcDir: string | null; label: string }> {
  const scope = await resolveScope(g, deps);
  if (!scope.home) throw new UsageError('which home? give --home, $BREAKFIX_HOME or a config');
  if (all) return { file: path.join(scope.home, PAUSE_FILE), home: scope.home, dcDir: null, label: `every datacenter of ${scope.home}` };
  return { file: path.join(scope.dcDir!, PAUSE_FILE), home: scope.home, dcDir: scope.dcDir, label: `datacenter ${scope.dc}` };
}

/** Today's directory of each datacenter concerned, so the pause is read back with the passes in their transcripts. */
function dayDirs(home: string, dcDir: string | null, now: Date): string[] {
  let dirs: string[] = [];
  try {
    dirs = dcDir ? [dcDir] : fs.readdirSync(home, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => path.join(home, d.name));
  } catch {
    // no home yet: nothing to record in
  }
  const out: string[] = [];
  for (const d of dirs) {
    try {
      out.push(ensureDayDir(d, now));
    } catch {
      // the pause file is what counts; the transcript only helps a reader
    }
  }
  return out;
}

/** `breakfix pause --reason R [--for D] [--all]`: nothing acts until resume (or until D has passed). */
export async function run(_args: unknown[], opts: PauseOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  if (!opts.reason || !opts.reason.trim()) throw new UsageError('pause needs --reason TEXT: the next person to look needs to know why');
  const w = await where(g, deps, Boolean(opts.all));
  // One instant for both ends: `until - since` is exactly what --for said.
  const now = deps.now();
  let until: string | null = null;
  if (opts.for !== undefined) {
    const ms = parseDuration(opts.for);
    if (ms === null || ms <= 0) throw new UsageError(`--for ${opts.for}: expected a duration like 30m, 2h or 1d`);
    until = new Date(now.getTime() + ms).toISOString();
  }
  const p = { by: whoAmI(deps.env), reason: opts.reason.trim(), since: now.toISOString(), until };
  fs.mkdirSync(path.dirname(w.file), { recursive: true });
  return transcribed(dayDirs(w.home, w.dcDir, now), deps, ({ say }) => {
    writePause(w.file, p);
    say(`${pauseLine(p)}\n${w.label}: nothing is applied until \`breakfix resume${opts.all ? ' --all' : ''}\`${until ? ' or the time above' : ''}; passes still plan and show what they would do (${w.file})\n`);
    return 0;
  });
}

/** `breakfix resume [--all]`: removes the pause file. */
export async function resume(_args: unknown[], opts: PauseOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const w = await where(g, deps, Boolean(opts.all));
  const now = deps.now();
  return transcribed(dayDirs(w.home, w.dcDir, now), deps, ({ say }) => {
    const before = readPauseState(w.home, w.dcDir ?? path.join(w.home, '.none'), now);
    if (!removePause(w.file)) {
      const other = opts.all ? null : path.join(w.home, PAUSE_FILE);
      const hint = other && fs.existsSync(other) ? `; every datacenter is paused by ${other}: breakfix resume --all` : '';
      say(`${w.label} was not paused (no ${w.file})${hint}\n`);
      return hint ? 1 : 0;
    }
    say(`resumed ${w.label}${before.pause ? ` (${pauseLine(before.pause)})` : ''}\n`);
    const still = readPauseState(w.home, w.dcDir ?? path.join(w.home, '.none'), now);
    if (still.paused) {
      say(`still paused: ${still.pause ? pauseLine(still.pause) : still.file} (${still.file})\n`);
      return 1;
    }
    return 0;
  });
}
