import type { Config, DatacenterConfig } from '../config/config.js';
import type { Op, Policy } from '../policy/types.js';
import { readCounts } from '../store/counts.js';
import { ensureDayDir } from '../store/layout.js';
import { takeLock } from '../store/lock.js';
import { readMeta } from '../store/meta.js';
import { nextPass } from '../store/plans.js';
import { appendTranscript } from '../store/transcript.js';
import { renderTable } from '../report/table.js';
import { sparkline, warningsFrom, type Series } from '../report/trend.js';
import { notifyAfterPass } from '../report/notify-pass.js';
import { runPass } from './pass.js';

export interface LoopOptions {
  config: Config;
  dc: DatacenterConfig;
  dcName: string;
  dcDir: string;
  policy: Policy;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  everyMs: number;
  apply: boolean;
  maxPasses: number | null;
  seed: string | null;
  ops: Op[] | null;
  /** Prints to the terminal (colour is the writer's business). */
  print: (text: string) => void;
  /** Full tables each pass instead of the one-screen summary. */
  verbose?: boolean;
  fold?: boolean;
}

/** Groups and warnings printed after a pass unless verbose; the rest are counted. */
const SUMMARY_GROUPS = 10;
const SUMMARY_WARNINGS = 8;

/**
 * The ten-second read after a pass: groups that moved, with their trend, then
 * warnings. Unless verbose, the first pass of a day lists no groups (all are
 * new) and later passes the ten that moved most.
 */
export function passSummary(dayDir: string, pass: number, policy: Policy, verbose = true): string {
  const rows = readCounts(dayDir);
  const byGroup = new Map<string, Map<number, number>>();
  for (const r of rows) {
    let m = byGroup.get(r.group);
    if (!m) byGroup.set(r.group, (m = new Map()));
    m.set(r.pass, r.count);
  }
  const passes = [...new Set(rows.map((r) => r.pass))].sort((a, b) => a - b);
  const series: Series[] = [...byGroup].map(([group, m]) => ({
    group,
    points: passes.filter((p) => m.has(p)).map((p) => ({ label: String(p), count: m.get(p)! })),
  }));
  const prev = passes[passes.indexOf(pass) - 1];
  const moved: string[][] = [];
  let still = 0;
  for (const s of series.sort((a, b) => (a.group < b.group ? -1 : 1))) {
    const now = byGroup.get(s.group)!.get(pass);
    if (now === undefined) continue;
    const before = prev === undefined ? undefined : byGroup.get(s.group)!.get(prev);
    if (before === now) {
      still++;
      continue;
    }
    const delta = before === undefined ? 'new' : `${now - before > 0 ? '+' : ''}${now - before}`;
    moved.push([s.group, String(now), delta, sparkline(s.points.slice(-12).map((p) => p.count))]);
  }
  let out = `summary pass ${pass}: ${moved.length} group(s) changed since the last pass, ${still} unchanged\n`;
  let shown = moved;
  if (!verbose) {
    const first = moved.every((m) => m[2] === 'new');
    // The biggest moves first; a new group (first pass of the day) is no move to read.
    shown = first ? [] : moved.filter((m) => m[2] !== 'new').sort((a, b) => Math.abs(Number(b[2])) - Math.abs(Number(a[2])) || (a[0]! < b[0]! ? -1 : 1)).slice(0, SUMMARY_GROUPS);
  }
  if (shown.length) out += renderTable(['group', 'count', 'change', 'trend'], shown, [false, true, true, false]);
  if (shown.length < moved.length) out += `... ${moved.length - shown.length} more changed group(s): breakfix trend, or --verbose\n`;
  const all = readMeta(dayDir, 'all')?.count ?? 0;
  const warnings = warningsFrom(series, all, policy.safety.maxSwingPct);
  for (const w of verbose ? warnings : warnings.slice(0, SUMMARY_WARNINGS)) out += `warning ${w.kind}: ${w.message}\n`;
  if (!verbose && warnings.length > SUMMARY_WARNINGS) out += `... ${warnings.length - SUMMARY_WARNINGS} more warning(s): --verbose\n`;
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

const FATAL = new Set(['EROFS', 'ENOSPC', 'EACCES', 'EDQUOT']);

/**
 * The loop an SRE leaves running in tmux: one pass after another for one
 * datacenter, each printed and appended to the day's transcript.log. One loop
 * per datacenter (loop.lock). SIGINT/SIGTERM let the step in progress finish,
 * release the lock and exit 130/143; a second SIGINT stops at once.
 */
export async function runLoop(o: LoopOptions): Promise<number> {
  const lock = takeLock(o.dcDir, o.now());
  if (lock.tookOver) {
    const t = lock.tookOver;
    o.print(t.pid > 0 ? `warning: took over loop.lock of pid ${t.pid} (started ${t.start}), which is no longer running\n` : 'warning: took over an empty or unreadable loop.lock left by a loop that died while writing it\n');
  }
  const stop = new AbortController();
  let exitCode = 0;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    exitCode = sig === 'SIGTERM' ? 143 : 130;
    if (signals > 1) {
      lock.release();
      process.exit(exitCode);
    }
    o.print(`\n${sig}: finishing the step in progress, then stopping (again to stop at once)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failures = 0;
  try {
    for (let n = 1; o.maxPasses === null || n <= o.maxPasses; n++) {
      if (stop.signal.aborted) break;
      let dayDir: string;
      try {
        dayDir = ensureDayDir(o.dcDir, o.now());
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        o.print(`error: cannot prepare the day directory under ${o.dcDir}: ${(e as Error).message}\n`);
        if (code && FATAL.has(code)) return 1;
        throw e;
      }
      const pass = nextPass(dayDir);
      const say = (text: string) => {
        o.print(text);
        try {
          appendTranscript(dayDir, text, o.now());
        } catch (e) {
          // The transcript must not be what stops a pass; the disk-full case is reported by the pass itself.
          void e;
        }
      };
      say(`=== pass ${pass} ${o.dcName} ${o.now().toISOString()}${o.apply ? ' apply' : ' dry run'} (loop pass ${n}${o.maxPasses ? ` of ${o.maxPasses}` : ''}) ===\n`);
      try {
        const r = await runPass({
          config: o.config,
          dc: o.dc,
          dcDir: o.dcDir,
          policy: o.policy,
          cwd: o.cwd,
          env: o.env,
          now: o.now,
          seed: o.seed === null ? null : `${o.seed}.${n}`,
          ops: o.ops,
          apply: o.apply,
          force: false,
          signal: stop.signal,
          say,
          verbose: o.verbose,
          fold: o.fold,
        });
        // A pass stopped by a signal before planning has no counts of its own to sum up.
        if (r.pass > 0) {
          const summary = passSummary(r.dayDir, r.pass, o.policy, Boolean(o.verbose));
          say(summary);
          // Bounded by notify.timeout and never thrown: a chat webhook does not hold up or fail a pass.
          await notifyAfterPass({ notify: o.dc.notify, dcName: o.dcName, dcDir: o.dcDir, dayDir: r.dayDir, pass: r.pass, summary, sourceFailures: r.sourceFailures, env: o.env, now: o.now, signal: stop.signal, say });
        }
        failures = 0;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        say(`error in pass ${pass}: ${(e as Error).message}\n`);
        if (code && FATAL.has(code)) {
          o.print(`stopping: ${code === 'ENOSPC' ? 'the disk is full' : code === 'EROFS' ? 'the home directory is read-only' : 'permission denied'} under ${o.dcDir}; nothing was half-written\n`);
          return 1;
        }
        if (++failures >= 3) {
          o.print('stopping: three passes in a row failed\n');
          return 1;
        }
      }
      if (o.maxPasses !== null && n >= o.maxPasses) break;
      if (stop.signal.aborted) break;
      say(`sleeping ${Math.round(o.everyMs / 1000)}s until the next pass\n`);
      await sleep(o.everyMs, stop.signal);
    }
    return exitCode;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    lock.release();
  }
}
