/**
 * Applied plans that never finish: a reimage the provisioner dropped, a reboot
 * that left the host at a BIOS prompt. Each stays open and keeps holding a
 * slot of its op's budget, so without a timeout a handful of them would
 * quietly bring an op to a halt. Past its op's `timeout:` an open plan is
 * stuck and goes to needs-human.
 */

export interface OpenPlan<Op extends string = string> {
  host: string;
  cluster: string;
  op: Op;
  /** When it was applied, ISO 8601. */
  applied: string;
}

export interface Stuck<Op extends string = string> {
  host: string;
  cluster: string;
  op: Op;
  /** `applied` as recorded. */
  since: string;
  /** How long it has been open; Infinity when `applied` is not a time. */
  ageMs: number;
}

/**
 * The open plans older than their op's timeout (`timeoutMs(op)`, null: the op
 * has none), oldest first. An `applied` that does not read as a time is
 * reported as stuck: nothing could ever time it out otherwise, and a person
 * should look at a record like that anyway. One stamped after now (the clock
 * went back) is not stuck yet.
 */
export function stuck<Op extends string>(open: ReadonlyArray<OpenPlan<Op>>, timeoutMs: (op: Op) => number | null, now: Date): Array<Stuck<Op>> {
  const out: Array<Stuck<Op>> = [];
  for (const e of open) {
    const limit = timeoutMs(e.op);
    if (limit === null) continue;
    const at = Date.parse(e.applied);
    const ageMs = Number.isNaN(at) ? Infinity : now.getTime() - at;
    if (ageMs > limit) out.push({ host: e.host, cluster: e.cluster, op: e.op, since: e.applied, ageMs });
  }
  // Oldest first, then by host: the order a person works through them, and stable from pass to pass.
  return out.sort((a, b) => b.ageMs - a.ageMs || cmp(a.host, b.host) || cmp(a.op, b.op));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An age for people, two units at most: `45m`, `3h 20m`, `30h`, `2d 4h`.
 * Hours are kept up to two days because "30h" reads faster than "1d 6h"
 * against a timeout given in hours.
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown age';
  // Under a minute, seconds: a timeout of 30s must not read as "0m".
  if (ms > 0 && ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m}m`;
  if (h < 10) return m === 0 ? `${h}h` : `${h}h ${m}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
