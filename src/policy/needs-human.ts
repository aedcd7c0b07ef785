/**
 * needs-human.tsv: the hosts a person must look at, each with a reason a
 * person can act on, rebuilt every pass from what is on disk (pure).
 */
export interface NeedsHumanRow {
  host: string;
  cluster: string;
  op: string;
  reason: string;
  /** ISO time the cause began. */
  since: string;
}

export interface NeedsHumanInput {
  /** Invariant 8 refusals of this pass, with the host's remediation times. */
  attempts: ReadonlyArray<{ host: string; cluster: string; op: string; message: string; times: readonly Date[] }>;
  /** Applied plans open past their op's timeout. */
  stuck: ReadonlyArray<{ host: string; cluster: string; op: string; since: string; why: string }>;
  /** Applies that failed on a host, and the acts that went well (a later success clears a failure). */
  failed: ReadonlyArray<{ host: string; cluster: string; op: string; time: Date; why: string }>;
  succeeded: ReadonlyArray<{ host: string; op: string; time: Date }>;
  /** Hand releases (`breakfix release`): a cause older than the release is gone. */
  released: ReadonlyArray<{ host: string; time: Date }>;
}

const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** One row per host (the table is keyed by host): several causes are joined, the earliest `since` kept. */
export function needsHumanRows(input: NeedsHumanInput): NeedsHumanRow[] {
  const releasedAt = new Map<string, number>();
  for (const r of input.released) releasedAt.set(r.host, Math.max(releasedAt.get(r.host) ?? -Infinity, r.time.getTime()));
  const gone = (host: string, since: number) => (releasedAt.get(host) ?? -Infinity) >= since;
  const causes: Array<{ host: string; cluster: string; op: string; reason: string; since: number }> = [];

  for (const a of input.attempts) {
    const since = a.times.length > 0 ? Math.max(...a.times.map((t) => t.getTime())) : 0;
    if (!gone(a.host, since)) causes.push({ host: a.host, cluster: a.cluster, op: a.op, reason: a.message, since });
  }
  for (const s of input.stuck) {
    const since = Date.parse(s.since);
    if (!gone(s.host, since)) causes.push({ host: s.host, cluster: s.cluster, op: s.op, reason: s.why, since });
  }
  // The latest failure of each host and op, unless a later act of the same op went well.
  const latest = new Map<string, NeedsHumanInput['failed'][number]>();
  for (const f of input.failed) {
    const k = `${f.host}\t${f.op}`;
    if ((latest.get(k)?.time.getTime() ?? -Infinity) < f.time.getTime()) latest.set(k, f);
  }
  for (const f of latest.values()) {
    const since = f.time.getTime();
    if (input.succeeded.some((s) => s.host === f.host && s.op === f.op && s.time.getTime() > since)) continue;
    if (!gone(f.host, since)) causes.push({ host: f.host, cluster: f.cluster, op: f.op, reason: f.why, since });
  }

  const byHost = new Map<string, typeof causes>();
  for (const c of causes) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c]);
  return [...byHost.keys()].sort(byteCompare).map((host) => {
    const cs = byHost.get(host)!.sort((a, b) => a.since - b.since);
    return {
      host,
      cluster: cs[0]!.cluster,
      op: [...new Set(cs.map((c) => c.op))].join(','),
      // Tabs and newlines would break the table's fields and rows.
      reason: cs.map((c) => c.reason).join('; ').replace(/[\t\r\n]+/g, ' '),
      since: new Date(cs[0]!.since).toISOString(),
    };
  });
}
