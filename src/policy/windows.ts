import type { Field } from '../config/yamlsrc.js';

/**
 * When ops may act: the `windows:` section of policy.yaml.
 *
 * Everything a person writes here is local time in one zone (`tz`): "09:00"
 * means nine on the wall clock there, whatever the offset is that day. So the
 * rules are evaluated on local wall-clock time, and the only place instants
 * and local time meet is `offsetAt`, which asks Intl (the ICU time zone data
 * that ships with Node) for the zone's offset at an instant.
 */

const MIN = 60_000;
const DAY = 86_400_000;
const DAY_MINUTES = 1440;
/** How far ahead `next` is looked for; past that the answer is "not within a year". */
const SEARCH_DAYS = 366;

/** Indexed as Date#getUTCDay numbers the days, 0 = Sunday. */
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** The order days are listed in for people: the working week first. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];

export type OpMode = 'always' | 'windowed';

export interface AllowRule {
  /** The days a window starts on, as Date#getUTCDay numbers them, in week order (mon first). */
  days: number[];
  /** Minutes after local midnight. `end` ≤ `start`: the window runs past midnight into the next day. */
  start: number;
  /** 1440 (24:00) is the end of the day. */
  end: number;
  /** `mon-fri 09:00-17:00`, for people. */
  text: string;
}

export interface Freeze {
  /** Local dates in the zone, YYYY-MM-DD, both inclusive. */
  from: string;
  to: string;
  reason: string;
}

export interface Windows {
  /** An IANA zone, as Intl names it. */
  tz: string;
  /** null: no allow list, ops may act at any time that is not frozen. */
  allow: AllowRule[] | null;
  freeze: Freeze[];
  /** Ops not listed are `windowed`. */
  ops: ReadonlyMap<string, OpMode>;
}

/** What a policy without a `windows:` section means: no limits at all. */
export const ANY_TIME: Windows = { tz: 'UTC', allow: null, freeze: [], ops: new Map() };

export type WindowWhy = 'always' | 'allowed' | 'outside' | 'frozen';

export interface WindowState {
  open: boolean;
  why: WindowWhy;
  /** The first instant at or after now when the op may act (now itself when open); null: not within a year. */
  next: Date | null;
  text: string;
}

const KEYS = ['tz', 'allow', 'freeze', 'ops'] as const;
const ALLOW_KEYS = ['days', 'hours'] as const;
const FREEZE_KEYS = ['from', 'to', 'reason'] as const;
const MODES: readonly OpMode[] = ['always', 'windowed'];

/** Validates the `windows:` section; an absent or empty one allows every op at any time. */
export function parseWindows(f: Field, ops: readonly string[]): Windows {
  if (!f.present) return ANY_TIME;
  const m = f.map(KEYS);

  const tzField = m.get('tz');
  const tz = tzField?.present ? zoneName(tzField) : 'UTC';

  let allow: AllowRule[] | null = null;
  const allowField = m.get('allow');
  if (allowField?.present) {
    const items = allowField.list();
    // An empty list would never open: almost surely a half-finished edit, and
    // the loop would sit idle with every op "outside window" until someone looked.
    if (items.length === 0) allowField.fail('an empty list never allows anything; leave allow out to allow any time');
    allow = items.map(allowRule);
  }

  const freezeField = m.get('freeze');
  const freeze = freezeField?.present ? freezeField.list().map(freezeEntry) : [];

  const modes = new Map<string, OpMode>();
  const opsField = m.get('ops');
  if (opsField?.present) for (const [op, mf] of opsField.map(ops)) modes.set(op, mf.oneOf(MODES));

  return { tz, allow, freeze, ops: modes };
}

function zoneName(f: Field): string {
  const name = f.string();
  try {
    // Intl knows every IANA zone in Node's ICU data and throws a RangeError
    // for anything else; its own spelling is kept so texts read canonically.
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return f.fail(`"${name}" is not a time zone; use an IANA name such as UTC, America/Los_Angeles or Europe/London`);
  }
}

function allowRule(f: Field): AllowRule {
  const m = f.map(ALLOW_KEYS);
  const daysField = m.get('days');
  let days = [...WEEK_ORDER];
  if (daysField?.present) {
    const listed = new Set<number>();
    const items = daysField.list();
    if (items.length === 0) daysField.fail('an empty list of days never allows anything; leave days out for every day');
    for (const df of items) {
      const name = df.string().toLowerCase();
      const n = (DAY_NAMES as readonly string[]).indexOf(name);
      if (n < 0) df.fail(`"${name}" is not a day; the days are ${WEEK_ORDER.map((d) => DAY_NAMES[d]).join(', ')}`);
      if (listed.has(n)) df.fail(`${name} is listed twice`);
      listed.add(n);
    }
    days = WEEK_ORDER.filter((d) => listed.has(d));
  }
  const hoursField = m.get('hours');
  const { start, end } = hoursField?.present ? hours(hoursField) : { start: 0, end: DAY_MINUTES };
  return { days, start, end, text: `${daysText(days)} ${hhmm(start)}-${hhmm(end)}` };
}

function hours(f: Field): { start: number; end: number } {
  const text = f.string();
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) f.fail(`expected hours like "09:00-17:00" (local time; an end before the start runs past midnight), found "${text}"`);
  const time = (h: string, mi: string, isEnd: boolean): number => {
    const v = Number(h) * 60 + Number(mi);
    // 24:00 closes a window at the end of the day; nothing opens at 24:00.
    const ok = Number(mi) < 60 && (v < DAY_MINUTES || (isEnd && v === DAY_MINUTES));
    if (!ok) f.fail(`${h}:${mi} is not a time of day (00:00 to 23:59, or 24:00 as an end)`);
    return v;
  };
  const start = time(m[1]!, m[2]!, false);
  const end = time(m[3]!, m[4]!, true);
  if (start === end) f.fail(`starts and ends at ${hhmm(start)}: an empty window; for the whole day leave hours out`);
  return { start, end };
}

function freezeEntry(f: Field): Freeze {
  const m = f.map(FREEZE_KEYS);
  const date = (key: 'from' | 'to'): string => {
    const df = m.get(key);
    if (!df?.present) f.fail(`${key}: missing (a local date, YYYY-MM-DD)`);
    const text = df.string();
    if (epochDay(text) === null) df.fail(`expected a date like 2026-12-20, found "${text}"`);
    return text;
  };
  const from = date('from');
  const to = date('to');
  if (from > to) f.fail(`from ${from} is after to ${to}`);
  const reasonField = m.get('reason');
  if (!reasonField?.present) f.fail('reason: missing; say why ops are frozen (it is what a person sees when the loop stands still)');
  return { from, to, reason: reasonField.string() };
}

/** Days since 1970-01-01 of a valid YYYY-MM-DD, else null. */
function epochDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over into March; only a date that survives the round trip is real.
  return new Date(t).toISOString().slice(0, 10) === text ? t / DAY : null;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** `mon-fri`, `sat,sun`, `mon,wed,fri`, `daily`: runs of three or more days in week order become ranges. */
function daysText(days: number[]): string {
  if (days.length === 7) return 'daily';
  const pos = days.map((d) => WEEK_ORDER.indexOf(d));
  const parts: string[] = [];
  for (let i = 0; i < pos.length; ) {
    let j = i;
    while (j + 1 < pos.length && pos[j + 1] === pos[j]! + 1) j++;
    const name = (k: number) => DAY_NAMES[WEEK_ORDER[pos[k]!]!];
    if (j - i >= 2) parts.push(`${name(i)}-${name(j)}`);
    else for (let k = i; k <= j; k++) parts.push(name(k));
    i = j + 1;
  }
  return parts.join(',');
}

// --- local time -----------------------------------------------------------

// Building a DateTimeFormat costs far more than using one, and a search for
// the next opening asks for hundreds of offsets.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      // h23, not hour12: false, which some ICU versions render midnight as "24" with.
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * The zone's offset at instant `t` in ms (local wall clock − UTC). Local time
 * is then `t + offsetAt(t)`, read with the UTC getters of a Date.
 */
export function offsetAt(tz: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * The first instant in (lo, hi] whose offset differs from lo's, given that
 * hi's does. Offsets change on whole seconds, so halving down to 1 ms finds
 * the exact instant.
 */
function transitionBetween(tz: string, lo: number, hi: number): number {
  const before = offsetAt(tz, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(tz, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

// --- the rules on local time ------------------------------------------------

/** Which rule allows local time `L` (ms of wall clock, as if it were UTC); null: none does. */
function allowing(w: Windows, L: number): AllowRule | 'any' | null {
  if (w.allow === null) return 'any';
  const day = Math.floor(L / DAY);
  const minute = Math.floor((L - day * DAY) / MIN);
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const yesterday = (weekday + 6) % 7;
  for (const r of w.allow) {
    const overnight = r.end <= r.start;
    // A window belongs to the day it starts on: "mon 22:00-06:00" is Monday
    // 22:00 to Tuesday 06:00, so Tuesday's early hours are Monday's rule.
    if (r.days.includes(weekday) && minute >= r.start && (overnight || minute < r.end)) return r;
    if (overnight && r.days.includes(yesterday) && minute < r.end) return r;
  }
  return null;
}

/** The freeze covering local time `L`, if any; the whole of both `from` and `to` days are covered. */
function freezing(w: Windows, L: number): Freeze | null {
  const date = new Date(Math.floor(L / DAY) * DAY).toISOString().slice(0, 10);
  // YYYY-MM-DD strings sort as the dates do.
  return w.freeze.find((f) => f.from <= date && date <= f.to) ?? null;
}

function openAtLocal(w: Windows, L: number): boolean {
  return freezing(w, L) === null && allowing(w, L) !== null;
}

/** Minutes of the day at which the rules can change their answer: midnight (freezes, weekdays) and every start and end. */
function boundaries(w: Windows): number[] {
  const b = new Set<number>([0]);
  for (const r of w.allow ?? []) {
    b.add(r.start);
    b.add(r.end % DAY_MINUTES);
  }
  return [...b].sort((x, y) => x - y);
}

/**
 * The first local time in [L0, L1) at which the rules allow acting, else null.
 * The rules are constant between consecutive boundaries (each window is closed
 * at its start and open at its end), so only L0 and the boundaries need asking.
 */
function firstOpenLocal(w: Windows, marks: number[], L0: number, L1: number): number | null {
  if (openAtLocal(w, L0)) return L0;
  for (let day = Math.floor(L0 / DAY); day * DAY < L1; day++) {
    for (const m of marks) {
      const c = day * DAY + m * MIN;
      if (c <= L0) continue;
      if (c >= L1) return null;
      if (openAtLocal(w, c)) return c;
    }
  }
  return null;
}

/**
 * The first instant ≥ `from` at which the rules allow acting, within a year.
 *
 * Time is walked a day at a time. Within a stretch where the offset does not
 * change, local time is the instant plus a constant, so the search runs on
 * local time there; where the offset changes inside a day the day is split at
 * the exact transition. That covers the gap of a spring-forward (a window
 * opening at 02:30 on a day without 02:30 opens at the transition, when the
 * clock reads 03:00) and the repeated hour of a fall-back (a window over
 * 01:00-01:30 is open in both of them). Zones change offset at most once in a
 * day, which one sample at each end of the day relies on.
 */
function nextOpen(w: Windows, from: number): number | null {
  const marks = boundaries(w);
  const horizon = from + SEARCH_DAYS * DAY;
  let t = from;
  let offset = offsetAt(w.tz, t);
  while (t < horizon) {
    const u = Math.min(t + DAY, horizon);
    const offsetU = offsetAt(w.tz, u);
    const stretches: Array<[number, number, number]> = [];
    if (offsetU === offset) stretches.push([t, u, offset]);
    else {
      const change = transitionBetween(w.tz, t, u);
      stretches.push([t, change, offset], [change, u, offsetU]);
    }
    for (const [a, b, o] of stretches) {
      const L = firstOpenLocal(w, marks, a + o, b + o);
      if (L !== null) return L - o;
    }
    t = u;
    offset = offsetU;
  }
  return null;
}

/**
 * `Mon 09:00 America/Los_Angeles`; from six days away on, with the date too,
 * where a day name alone could be read as today's or this week's.
 */
function whenText(w: Windows, next: number, now: number): string {
  const local = new Date(next + offsetAt(w.tz, next));
  const day = DAY_NAMES[local.getUTCDay()]!;
  const name = day[0]!.toUpperCase() + day.slice(1);
  const date = next - now >= 6 * DAY ? ` ${local.toISOString().slice(0, 10)}` : '';
  return `${name}${date} ${local.toISOString().slice(11, 16)} ${w.tz}`;
}

/**
 * Whether `op` may act at `now`, why, and when it may next.
 *
 * A freeze wins over `allow`. An op set to `always` ignores both, freezes
 * included: it is meant for `return`, and putting repaired hosts back in
 * service only adds capacity; holding them out through a two-week holiday
 * freeze would leave the clusters smaller exactly when fewer people are
 * around to notice.
 */
export function windowState(w: Windows, op: string, now: Date): WindowState {
  const t = now.getTime();
  const L = t + offsetAt(w.tz, t);
  const frozen = freezing(w, L);
  if (w.ops.get(op) === 'always') {
    const also = frozen ? `; other ops frozen: ${frozen.reason}` : '';
    return { open: true, why: 'always', next: now, text: `open (${op}: always${also})` };
  }
  const rule = allowing(w, L);
  if (!frozen && rule !== null) {
    const text = rule === 'any' ? 'open (any time)' : `open (allow ${rule.text} ${w.tz})`;
    return { open: true, why: 'allowed', next: now, text };
  }
  const next = nextOpen(w, t);
  const opens = next === null ? 'no opening within a year' : `opens ${whenText(w, next, t)}`;
  const nextDate = next === null ? null : new Date(next);
  if (frozen) return { open: false, why: 'frozen', next: nextDate, text: `frozen: ${frozen.reason} (until ${frozen.to}, ${opens})` };
  return { open: false, why: 'outside', next: nextDate, text: `outside window: ${opens}` };
}
