import { isScalar } from 'yaml';
import { parseDuration, type Field } from '../config/yamlsrc.js';

/**
 * The `rate:` section of policy.yaml: how many hosts an op may act on in any
 * stretch of time, per cluster and per datacenter. Budgets bound how many
 * hosts are out at once; a rate bounds how fast they churn, so a fault that
 * makes hosts look broken one after another (a bad image, a flapping check)
 * cannot rekick a datacenter a budget's worth at a time, pass after pass.
 *
 *   rate: { rekick: { cluster: 10/1d, dc: 40/1d }, reboot: { dc: 100/1h } }
 */

export type RateScope = 'cluster' | 'dc';

export interface RateLimit {
  scope: RateScope;
  count: number;
  windowMs: number;
  /** As written, spaces removed: `40/1d`. */
  text: string;
}

/** Per op, its limits in scope order (cluster, then dc). */
export type Rates = ReadonlyMap<string, readonly RateLimit[]>;

export interface AppliedAction {
  host: string;
  cluster: string;
  op: string;
  time: Date;
}

export interface RateUse {
  scope: RateScope;
  count: number;
  windowMs: number;
  used: number;
  left: number;
  /** `dc 40/1d: 12 used, 28 left`, for people. */
  text: string;
}

const SCOPES: readonly RateScope[] = ['cluster', 'dc'];

/** Validates the `rate:` section; absent, no op is rate-limited. */
export function parseRates(f: Field, ops: readonly string[]): Rates {
  const out = new Map<string, RateLimit[]>();
  if (!f.present) return out;
  for (const [op, of] of f.map(ops)) {
    const m = of.map(SCOPES);
    const limits: RateLimit[] = [];
    for (const scope of SCOPES) {
      const sf = m.get(scope);
      if (sf?.present) limits.push({ scope, ...countPer(sf) });
    }
    if (limits.length === 0) of.fail('no limit given; write cluster: COUNT/DURATION, dc: COUNT/DURATION, or both (e.g. { dc: 40/1d })');
    out.set(op, limits);
  }
  return out;
}

function countPer(f: Field): { count: number; windowMs: number; text: string } {
  const hint = 'expected COUNT/DURATION such as 10/1d (at most 10 in any 24 hours) or 100/1h';
  // A bare number is the likeliest slip: say what is missing rather than "expected a string".
  if (isScalar(f.node) && typeof f.node.value === 'number') f.fail(`${hint}, found ${f.node.value}: give the duration too`);
  const raw = f.string();
  const m = /^(\d+)\s*\/\s*(\S+)$/.exec(raw.trim());
  if (!m) f.fail(`${hint}, found "${raw}"`);
  const count = Number(m[1]);
  if (!Number.isSafeInteger(count)) f.fail(`${m[1]} is too large a count`);
  const windowMs = parseDuration(m[2]!);
  if (windowMs === null) f.fail(`"${m[2]}" is not a duration; use one like 30m, 1h, 1d, 7d or 14d`);
  if (!(windowMs > 0)) f.fail(`the duration must be longer than zero, found "${m[2]}"`);
  return { count, windowMs, text: `${count}/${m[2]}` };
}

/**
 * How many more hosts `op` may act on in `cluster` now. `applied` is every
 * applied action of this datacenter that may still fall inside a window (the
 * caller keeps at least the longest window's worth); an action counts against
 * a limit when its time is within the window before now, i.e. after
 * now − window.
 *
 * An action stamped after now also counts. That happens when the clock jumped
 * backwards (NTP stepping a clock that ran fast, a VM restored from a
 * snapshot); skipping those actions would hand out the same slots again, and
 * counting them can only make the loop slower, never faster, than the policy
 * allows.
 *
 * `left` is the smallest of the scopes' `left`, null when the op has no rate.
 */
export function rateLeft(
  rates: Rates,
  op: string,
  cluster: string,
  applied: ReadonlyArray<AppliedAction>,
  now: Date,
): { left: number | null; limits: RateUse[] } {
  const limits = rates.get(op);
  if (!limits || limits.length === 0) return { left: null, limits: [] };
  const t = now.getTime();
  const uses = limits.map((l): RateUse => {
    const since = t - l.windowMs;
    let used = 0;
    for (const a of applied) {
      if (a.op !== op || (l.scope === 'cluster' && a.cluster !== cluster)) continue;
      // Written so that an unreadable time (NaN) counts as well, for the same reason.
      if (!(a.time.getTime() <= since)) used++;
    }
    const left = Math.max(0, l.count - used);
    const text = `${l.scope} ${l.text}: ${used} used${left > 0 ? `, ${left} left` : ''}`;
    return { scope: l.scope, count: l.count, windowMs: l.windowMs, used, left, text };
  });
  return { left: Math.min(...uses.map((u) => u.left)), limits: uses };
}
