import type { NeedsHumanRow } from '../policy/needs-human.js';
import { OPS } from '../policy/types.js';
import { pauseLine, type PauseState } from '../store/pause.js';
import { formatAge, renderTable } from './table.js';

/**
 * `breakfix status` (pure): what a datacenter's files say about it, judged
 * against `now`. The command reads the files; everything here takes what was
 * read, so the judgement can be tested without a home on disk.
 */

/** How a datacenter stands, worst first in HEALTH_ORDER. */
export type Health = 'failing' | 'attention' | 'paused' | 'no-pass' | 'ok';

/**
 * Worst first. A datacenter without a pass ranks above the healthy ones: a
 * loop that never ran is worth a look, though nothing there needs a person.
 */
export const HEALTH_ORDER: readonly Health[] = ['failing', 'attention', 'paused', 'no-pass', 'ok'];

/** How many items of a kind the one screen names before it only counts the rest. */
export const SCREEN_ITEMS = 5;

// --- what the command reads ----------------------------------------------------

/** plan.json as a pass writes it: the pinned keys and the ones this screen reads. */
export interface PlanRecord {
  pass: number;
  time: string;
  dry_run: boolean;
  budgets: Array<{ chosen?: number }>;
  refusals: Array<{ host?: string | null; cluster?: string; op?: string; invariant?: number; message?: string }>;
  windows?: Record<string, { open: boolean; why: string; next: string | null; text: string }>;
  /** Written by a pass (null when not paused); a plan made by `breakfix plan` has no such key. */
  paused?: unknown;
  stuck?: Array<{ host: string; cluster: string; op: string; since: string; why: string }>;
}

/** apply.json beside a plan. */
export interface ApplyRecord {
  applied: string;
  outcomes: Array<{ cluster: string; op: string; acted: string[]; ok: string[]; failed: string[]; error?: string }>;
  refusals: unknown[];
}

/** loop.lock: its holder, and whether that pid runs (null: it is on another host, so nobody here can tell). */
export type LockRead = { pid: number; host: string; start: string; alive: boolean | null } | 'unreadable' | null;

export interface LastPassRead {
  /** The day directory's name. */
  day: string;
  plan: PlanRecord;
  apply: ApplyRecord | null;
  /**
   * When the plan before it in the same day directory was made; null for the
   * first of the day. The last pass's pull happened after this.
   */
  after: string | null;
  /** The day's transcript.log, as `readTranscript` returns it. */
  transcript: string[];
  /** `.parts/<source>/.part.json` of the day: when each source last pulled well. */
  parts: Array<{ source: string; time: string; volatile: boolean }>;
  /** The datacenter's sources in the config; null when there is no config to read them from. */
  configured: string[] | null;
  needsHuman: NeedsHumanRow[];
}

export interface StatusInput {
  dc: string;
  /** The datacenter's directory, as the person would type it. */
  dir: string;
  lock: LockRead;
  pause: PauseState;
  /** open.json (released plans already left out). */
  open: ReadonlyArray<{ host: string; cluster: string; op: string; applied: string }>;
  last: LastPassRead | null;
}

// --- what status says --------------------------------------------------------------

/** One datacenter's status; `--json` prints it as it is, so its keys are spelled like plan.json's. */
export interface DcStatus {
  dc: string;
  dir: string;
  health: Health;
  /** A failing source, stuck work or needs-human rows: status exits 1. */
  needs_person: boolean;
  /** Why the health is what it is, most serious first; empty when ok. */
  problems: string[];
  loop: null | { state: 'running' | 'not running' | 'elsewhere' | 'unreadable'; pid: number | null; host: string | null; since: string | null };
  last_pass: null | {
    day: string;
    pass: number;
    time: string;
    age_s: number;
    mode: 'apply' | 'dry run' | 'apply while paused' | 'dry run, applied later';
    chosen: number;
    refused: number;
    refused_on_apply: number;
    failed_on_apply: number;
    exit_code: number;
    exit_why: string;
    /** Where the pass's source outcomes were read: its lines in transcript.log (a pass) or the day's `.parts` (a plan that left no lines there). */
    sources_from: 'transcript' | 'parts';
  };
  pause: { paused: boolean; by: string | null; reason: string | null; since: string | null; until: string | null; file: string | null; errors: string[] };
  /** Each op's window at the last pass; empty when the policy has no windows. */
  windows: Array<{ op: string; open: boolean; why: string; text: string; next: string | null }>;
  open: Array<{ op: string; count: number; oldest: string; oldest_age_s: number }>;
  stuck: Array<{ host: string; cluster: string; op: string; since: string; why: string }>;
  needs_human: NeedsHumanRow[];
  failing_sources: Array<{ name: string; reason: string }>;
  /** The `warning` lines of the last pass in transcript.log. */
  warnings: string[];
}

const ageS = (since: string, now: Date) => {
  const t = Date.parse(since);
  return Number.isNaN(t) ? 0 : Math.max(0, Math.round((now.getTime() - t) / 1000));
};

// --- the transcript --------------------------------------------------------------

/** A transcript line split into its time stamp and what was said. */
function splitLine(line: string): { time: number; text: string } {
  const sp = line.indexOf(' ');
  return sp < 0 ? { time: NaN, text: line } : { time: Date.parse(line.slice(0, sp)), text: line.slice(sp + 1) };
}

const PASS_HEADER = /^=== pass (\d+) /;
/** The header of a command recorded by hand (`$ breakfix exec ...`): the lines after it are not the pass's. */
const COMMAND_HEADER = /^\$ breakfix\b/;

export interface PassBlock {
  /** The `=== pass N ...` line, without its time stamp. */
  header: string;
  /** What the pass said after its header, without time stamps, up to the next pass. */
  lines: string[];
}

/**
 * The lines of pass `pass` in a day's transcript: from its `=== pass N`
 * header to the next header, or to the header of the next command recorded
 * (`$ breakfix ...`). The loop and `breakfix pass` write these. Pass numbers come from the plans directory,
 * so a loop pass that ended in an error before planning leaves its number to
 * the next pass: the header must fall after the previous pass (`after`) and
 * no later than the plan's own time to be this plan's.
 */
export function passBlock(transcript: readonly string[], pass: number, after: string | null, planTime: string): PassBlock | null {
  const lo = after === null ? -Infinity : Date.parse(after);
  const hi = Date.parse(planTime);
  let found: PassBlock | null = null;
  let current: PassBlock | null = null;
  for (const raw of transcript) {
    const { time, text } = splitLine(raw);
    const m = PASS_HEADER.exec(text);
    if (m) {
      current = Number(m[1]) === pass && time > lo && time <= hi ? { header: text, lines: [] } : null;
      if (current) found = current;
      continue;
    }
    if (COMMAND_HEADER.test(text)) {
      current = null;
      continue;
    }
    current?.lines.push(text);
  }
  return found;
}

/** `NAME  failed  1.47s  REASON`: how a pull prints a source that failed, in both the summary and the full listing. */
const SOURCE_FAILED = /^(\S+)\s+failed\s+\d+(?:\.\d+)?s(?:\s+(.*))?$/;

/**
 * `source NAME failed this pass (REASON): ...`, the refusal of invariant 6.
 * The reason may hold parentheses itself; the greedy match ends at the last
 * `):`, which is the one that closes it.
 */
const SOURCE_REFUSED = /^source (\S+) failed this pass(?: \((.*)\))?:/;

/**
 * Which sources failed in the last pass, and where that was read.
 *
 * A pass (of the loop, or `breakfix pass`) printed one line per failed
 * source to transcript.log: those lines are the pull's own outcomes, and they
 * are used when the pass has its block there. A plan without a block there
 * (`breakfix plan`, or a pass from before passes by hand were recorded) has
 * only what the pull left, and a failed pull
 * leaves no trace of its own (it replaces nothing), so its failures are
 * worked out from what it did not replace, together with the refusals of
 * invariant 6 that name a failed source:
 * - a volatile source is pulled by every pass, so a `.parts` record from
 *   before the last pass began (`after`) means its pull failed then;
 * - a stable source is pulled once a day and skipped while its part exists,
 *   so only a configured source with no part at all today shows a failure
 *   (its first pull of the day failed);
 * - without a config, a source that never pulled well today is invisible in
 *   `.parts`; only a refusal names it.
 * `--force` pulls of stable sources that fail are the one case neither shows.
 */
export function failingSources(last: LastPassRead, block: PassBlock | null): { from: 'transcript' | 'parts'; failed: Array<{ name: string; reason: string }> } {
  const failed = new Map<string, string>();
  if (block) {
    let last: string | null = null;
    for (const line of block.lines) {
      const m = SOURCE_FAILED.exec(line);
      if (m) {
        last = failed.has(m[1]!) ? null : m[1]!;
        if (last) failed.set(last, m[2] ?? 'failed');
        continue;
      }
      // A reason of several lines goes on in `| ...` lines; a first line ending in `:` says little without the next.
      const more = last ? /^\s+\| (.*)$/.exec(line) : null;
      if (more && failed.get(last!)!.endsWith(':')) failed.set(last!, `${failed.get(last!)} ${more[1]}`);
      last = null;
    }
    return { from: 'transcript', failed: sorted(failed) };
  }
  for (const r of last.plan.refusals) {
    const m = r.invariant === 6 && r.message ? SOURCE_REFUSED.exec(r.message) : null;
    if (m && !failed.has(m[1]!)) failed.set(m[1]!, m[2] ?? 'failed this pass');
  }
  const after = last.after === null ? null : Date.parse(last.after);
  const parts = new Map(last.parts.map((p) => [p.source, p]));
  for (const name of last.configured ?? [...parts.keys()]) {
    if (failed.has(name)) continue;
    const p = parts.get(name);
    if (!p) {
      if (last.configured) failed.set(name, `no output today: no pull of it has succeeded since ${last.day} began`);
      continue;
    }
    if (p.volatile && after !== null && Date.parse(p.time) <= after) failed.set(name, `not pulled in pass ${last.plan.pass}: its output is from ${p.time}, an earlier pass`);
  }
  return { from: 'parts', failed: sorted(failed) };
}

function sorted(m: Map<string, string>): Array<{ name: string; reason: string }> {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name, reason]) => ({ name, reason }));
}

// --- the exit code of a pass ----------------------------------------------------------

/**
 * The exit code the last pass ended with. It is not stored, so it is worked
 * out again from what the pass left, by the rule runPass follows: 3 when a
 * source failed or the plan refused something, else 0; when the pass applied,
 * the apply's own code counts if it is higher (3 for a refusal on fresh
 * state, 1 for an op that failed on a host); a pass given --apply while
 * paused applies nothing and exits 0.
 *
 * Whether --apply was given is read from the loop's `=== pass` header when
 * there is one. Without it, `dry_run: false` means the pass applied; a pass
 * that was paused plans a dry run whether or not it was given --apply, and
 * plan.json cannot tell the two apart, so it is reported as the dry run it
 * recorded (the paused --apply exited 0 instead). An apply.json beside a dry
 * run was written later by `breakfix apply` and did not change the pass's code.
 */
export function passExitCode(x: {
  failedSources: number;
  refusals: number;
  dryRun: boolean;
  paused: boolean;
  /** From the transcript header: whether --apply was given; null when there is no header. */
  applyAsked: boolean | null;
  apply: ApplyRecord | null;
}): { code: number; why: string; mode: NonNullable<DcStatus['last_pass']>['mode'] } {
  const asked = x.applyAsked ?? !x.dryRun;
  const reasons: string[] = [];
  if (x.failedSources > 0) reasons.push(`${x.failedSources} source(s) failed`);
  if (x.refusals > 0) reasons.push(`${x.refusals} refusal(s)`);
  let code = reasons.length > 0 ? 3 : 0;
  if (asked && x.paused && x.dryRun) return { code: 0, why: 'paused: nothing applied', mode: 'apply while paused' };
  const mode = x.dryRun ? (x.apply ? 'dry run, applied later' : 'dry run') : 'apply';
  if (!x.dryRun && x.apply) {
    const refusedFresh = x.apply.refusals.length;
    const failedOp = x.apply.outcomes.some((o) => o.failed.length > 0 || (o.error !== undefined && o.acted.length > 0));
    if (refusedFresh > 0) reasons.push(`${refusedFresh} refused on fresh state`);
    if (failedOp) reasons.push('an op failed on a host');
    code = Math.max(code, refusedFresh > 0 ? 3 : failedOp ? 1 : 0);
  }
  return { code, why: reasons.length ? reasons.join(', ') : 'clean', mode };
}

// --- the judgement ------------------------------------------------------------------------

/** The windows worth showing: none when every op was open at any time (a policy without windows). */
function windowsOf(plan: PlanRecord): DcStatus['windows'] {
  const w = Object.entries(plan.windows ?? {});
  if (w.every(([, s]) => s.open && s.why === 'allowed' && s.text === 'open (any time)')) return [];
  return w.map(([op, s]) => ({ op, open: s.open, why: s.why, text: s.text, next: s.next }));
}

function openByOp(open: StatusInput['open'], now: Date): DcStatus['open'] {
  const byOp = new Map<string, { count: number; oldest: string }>();
  for (const e of open) {
    const cur = byOp.get(e.op);
    if (!cur) byOp.set(e.op, { count: 1, oldest: e.applied });
    else {
      cur.count++;
      // An `applied` that is not a time sorts first: it is the one to look at.
      const t = Date.parse(e.applied);
      if (Number.isNaN(t) || t < Date.parse(cur.oldest)) cur.oldest = e.applied;
    }
  }
  const rank = (op: string) => {
    const i = (OPS as readonly string[]).indexOf(op);
    return i < 0 ? OPS.length : i;
  };
  return [...byOp]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : 1))
    .map(([op, v]) => ({ op, count: v.count, oldest: v.oldest, oldest_age_s: ageS(v.oldest, now) }));
}

function loopOf(lock: LockRead): DcStatus['loop'] {
  if (lock === null) return null;
  if (lock === 'unreadable') return { state: 'unreadable', pid: null, host: null, since: null };
  const state = lock.alive === null ? 'elsewhere' : lock.alive ? 'running' : 'not running';
  return { state, pid: lock.pid, host: lock.host, since: lock.start };
}

function pauseOf(p: PauseState): DcStatus['pause'] {
  return {
    paused: p.paused,
    by: p.pause?.by ?? null,
    reason: p.pause?.reason ?? null,
    since: p.pause?.since ?? null,
    until: p.pause?.until ?? null,
    file: p.file,
    errors: p.errors,
  };
}

/** The status of one datacenter at `now`. */
export function datacenterStatus(input: StatusInput, now: Date): DcStatus {
  const base = {
    dc: input.dc,
    dir: input.dir,
    loop: loopOf(input.lock),
    pause: pauseOf(input.pause),
    open: openByOp(input.open, now),
  };
  const last = input.last;
  let lastPass: DcStatus['last_pass'] = null;
  let failing: DcStatus['failing_sources'] = [];
  let warnings: string[] = [];
  let stuck: DcStatus['stuck'] = [];
  let needsHuman: NeedsHumanRow[] = [];
  let windows: DcStatus['windows'] = [];
  if (last) {
    const plan = last.plan;
    const block = passBlock(last.transcript, plan.pass, last.after, plan.time);
    const sources = failingSources(last, block);
    failing = sources.failed;
    warnings = block ? block.lines.filter((l) => /^warning\b/.test(l)) : [];
    stuck = plan.stuck ?? [];
    needsHuman = last.needsHuman;
    windows = windowsOf(plan);
    const applyAsked = block ? / apply \(/.test(block.header) : null;
    const exit = passExitCode({
      failedSources: failing.length,
      refusals: plan.refusals.length,
      dryRun: plan.dry_run,
      paused: plan.paused !== null && plan.paused !== undefined,
      applyAsked,
      apply: last.apply,
    });
    lastPass = {
      day: last.day,
      pass: plan.pass,
      time: plan.time,
      age_s: ageS(plan.time, now),
      mode: exit.mode,
      chosen: plan.budgets.reduce((n, b) => n + (b.chosen ?? 0), 0),
      refused: plan.refusals.length,
      refused_on_apply: last.apply?.refusals.length ?? 0,
      failed_on_apply: last.apply?.outcomes.reduce((n, o) => n + o.failed.length, 0) ?? 0,
      exit_code: exit.code,
      exit_why: exit.why,
      sources_from: sources.from,
    };
  }
  const problems: string[] = [];
  if (failing.length > 0) problems.push(`${failing.length} failing source(s): ${failing.map((f) => f.name).join(' ')}`);
  if (stuck.length > 0) problems.push(`${stuck.length} stuck plan(s)`);
  if (needsHuman.length > 0) problems.push(`${needsHuman.length} host(s) need a person`);
  if (input.pause.paused) problems.push(input.pause.pause ? pauseLine(input.pause.pause) : `paused: ${input.pause.file} cannot be read`);
  if (!last) problems.push('no pass yet');
  const health: Health =
    failing.length > 0 ? 'failing' : stuck.length > 0 || needsHuman.length > 0 ? 'attention' : input.pause.paused ? 'paused' : !last ? 'no-pass' : 'ok';
  return {
    dc: base.dc,
    dir: base.dir,
    health,
    needs_person: health === 'failing' || health === 'attention',
    problems,
    loop: base.loop,
    last_pass: lastPass,
    pause: base.pause,
    windows,
    open: base.open,
    stuck,
    needs_human: needsHuman,
    failing_sources: failing,
    warnings,
  };
}

/** Worst first; among equals by name. */
export function worstFirst(list: readonly DcStatus[]): DcStatus[] {
  return [...list].sort((a, b) => HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) || (a.dc < b.dc ? -1 : a.dc > b.dc ? 1 : 0));
}

/** 1 when any datacenter shown needs a person (a check can act on it), else 0. */
export function statusExitCode(list: readonly DcStatus[]): number {
  return list.some((s) => s.needs_person) ? 1 : 0;
}

// --- the text ------------------------------------------------------------------------------

const ago = (s: number) => `${formatAge(s)} ago`;

function loopText(l: DcStatus['loop'], now: Date): string {
  if (l === null) return 'none (no loop.lock)';
  if (l.state === 'unreadable') return 'loop.lock is empty or unreadable: a loop may be starting, or one died writing it';
  const held = `pid ${l.pid} on ${l.host} since ${l.since}${Number.isNaN(Date.parse(l.since!)) ? '' : ` (${ago(ageS(l.since!, now))})`}`;
  if (l.state === 'running') return `${held}, running`;
  if (l.state === 'elsewhere') return `${held}: another host, so whether it runs cannot be seen from here`;
  return `${held}, NOT running: it died without releasing loop.lock; the next loop takes it over`;
}

function more(n: number, where: string): string[] {
  return n > 0 ? [`  ... ${n} more in ${where}`] : [];
}

/** The one screen of a datacenter: a headline, then a line per subject, the items of each below it. */
export function renderScreen(s: DcStatus, now: Date): string {
  const rows: Array<[string, string]> = [];
  const details: Map<string, string[]> = new Map();
  const p = s.last_pass;
  rows.push(['loop', loopText(s.loop, now)]);
  if (p) {
    rows.push([
      'last pass',
      `${p.pass} of ${p.day} at ${p.time} (${ago(p.age_s)}): ${p.mode}, ${p.chosen} chosen, ${p.refused} refused${p.refused_on_apply ? `, ${p.refused_on_apply} refused on fresh state` : ''}${p.failed_on_apply ? `, ${p.failed_on_apply} failed on apply` : ''}; exit ${p.exit_code} (${p.exit_why})`,
    ]);
  } else rows.push(['last pass', `none yet in ${s.dir}: run \`breakfix pass\`, or start the loop (\`breakfix loop --apply\`)`]);
  const pz = s.pause;
  rows.push(['pause', pz.paused ? (pz.by ? `paused by ${pz.by} since ${pz.since}: ${pz.reason} (${pz.until === null ? 'until resumed' : `until ${pz.until}`}; ${pz.file})` : `paused: ${pz.file} cannot be read`) : 'not paused']);
  if (pz.errors.length) details.set('pause', pz.errors.map((e) => `  error ${e}`));
  if (s.windows.length > 0) {
    rows.push(['windows', `at pass ${p!.pass}: ${s.windows.filter((w) => w.open).length} of ${s.windows.length} op(s) open`]);
    details.set(
      'windows',
      s.windows.map((w) => {
        const opened = !w.open && w.next !== null && Date.parse(w.next) <= now.getTime() ? ' (that time has come since)' : '';
        return `  window ${w.op}: ${w.text}${opened}`;
      }),
    );
  }
  rows.push(['open plans', s.open.length === 0 ? 'none' : s.open.map((o) => `${o.op} ${o.count} (oldest ${formatAge(o.oldest_age_s)})`).join(', ')]);
  if (p) {
    // Paths as the person would type them: the datacenter's directory, then the day's.
    const day = `${s.dir}/${p.day}`;
    rows.push(['stuck', s.stuck.length === 0 ? 'none' : `${s.stuck.length} plan(s) open past their timeout`]);
    details.set('stuck', [
      ...s.stuck.slice(0, SCREEN_ITEMS).map((x) => `  stuck ${x.op} ${x.host} (${x.cluster}) since ${x.since}: ${x.why}`),
      ...more(s.stuck.length - SCREEN_ITEMS, `${day}/plans/${p.pass}/plan.json`),
    ]);
    rows.push(['needs-human', s.needs_human.length === 0 ? 'none' : `${s.needs_human.length} host(s) in ${day}/needs-human.tsv`]);
    details.set('needs-human', [
      ...s.needs_human.slice(0, SCREEN_ITEMS).map((r) => {
        // A stuck plan is a needs-human row with the same words: once on the screen is enough.
        const same = s.stuck.slice(0, SCREEN_ITEMS).some((x) => x.host === r.host && x.op === r.op && x.why === r.reason);
        return `  needs-human ${r.host} (${r.cluster} ${r.op}) since ${r.since}: ${same ? 'stuck, as above' : r.reason}`;
      }),
      ...more(s.needs_human.length - SCREEN_ITEMS, `${day}/needs-human.tsv`),
    ]);
    const from = p.sources_from === 'transcript' ? 'read from transcript.log' : 'read from .parts and plan.json: the pass left no lines in transcript.log (breakfix plan)';
    rows.push(['sources', `${s.failing_sources.length === 0 ? 'none failed' : `${s.failing_sources.length} failed`} in pass ${p.pass} (${from})`]);
    details.set('sources', s.failing_sources.map((f) => `  failed source ${f.name}: ${f.reason}`));
    // The pass warns of each stuck plan too; those are on the screen already.
    const isStuck = (w: string) => {
      const m = /^warning stuck: (\S+) (\S+)/.exec(w);
      return m !== null && s.stuck.some((x) => x.op === m[1] && x.host === m[2]);
    };
    const other = s.warnings.filter((w) => !isStuck(w));
    const folded = s.warnings.length - other.length;
    const count = s.warnings.length === 0 ? 'none' : `${s.warnings.length} in pass ${p.pass}${folded ? ` (${folded} about the stuck plans above)` : ''}`;
    rows.push(['warnings', p.sources_from === 'transcript' ? count : `none recorded: pass ${p.pass} left no lines in transcript.log`]);
    details.set('warnings', [...other.slice(0, 2 * SCREEN_ITEMS).map((w) => `  ${w}`), ...more(other.length - 2 * SCREEN_ITEMS, `${day}/transcript.log`)]);
  }
  const verdict = s.needs_person ? `${s.health.toUpperCase()}: needs a person` : s.health;
  let out = `datacenter ${s.dc}: ${verdict}${s.problems.length ? ` (${s.problems.join('; ')})` : ''}\n`;
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) {
    out += `${k.padEnd(width)}  ${v}\n`;
    for (const d of details.get(k) ?? []) out += `${d}\n`;
  }
  return out;
}

/** `--all`: one line per datacenter, worst first, as given. */
export function renderAll(list: readonly DcStatus[]): string {
  return renderTable(
    ['dc', 'health', 'last pass', 'age', 'exit', 'loop', 'open', 'stuck', 'needs-human', 'why'],
    list.map((s) => {
      const p = s.last_pass;
      const loop = s.loop === null ? '-' : s.loop.state === 'unreadable' ? 'unreadable' : s.loop.state === 'running' ? `pid ${s.loop.pid}` : s.loop.state === 'elsewhere' ? `${s.loop.host}` : `dead ${s.loop.pid}`;
      return [
        s.dc,
        s.health,
        p ? `${p.day} #${p.pass} ${p.mode}` : 'none',
        p ? formatAge(p.age_s) : '-',
        p ? String(p.exit_code) : '-',
        loop,
        String(s.open.reduce((n, o) => n + o.count, 0)),
        String(s.stuck.length),
        String(s.needs_human.length),
        s.problems.length ? s.problems.join('; ') : '-',
      ];
    }),
    [false, false, false, true, true, false, true, true, true, false],
  );
}
