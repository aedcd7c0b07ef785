/** Fisher–Yates with the generator passed in: the same seed gives the same order. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

export interface SelectionInput {
  /** Candidates of one cluster, already cleared by the safety invariants. */
  candidates: string[];
  headroom: number;
  maxPerRack: number;
  rackOf: (host: string) => string;
  /** For ops with `in_flight`: the data groups already in flight, and the limit. */
  datagroups: { inFlight: ReadonlySet<string>; max: number; of: (host: string) => string } | null;
  /** For ops that take hosts down: the data groups down or draining in the cluster, and max_down_datagroups. */
  downGroups?: { inFlight: ReadonlySet<string>; max: number; of: (host: string) => string } | null;
  /** For ops that take hosts out of service: how many more may go before the in-service floor, and which hosts count. */
  outOfService?: { left: number; counts: (host: string) => boolean } | null;
  /** Other budgets the chosen hosts draw on (an offline op's hosts, dead once it acts, fill a drain's): how many more each takes, and which hosts count. */
  budgets?: ReadonlyArray<{ name: string; left: number; counts: (host: string) => boolean }>;
  random: () => number;
}

export interface Selection {
  chosen: string[];
  /** The shuffled order the choice was made in (for explanations). */
  order: string[];
  /** The limits that left a candidate out while there was headroom, for the budget row. */
  limitedBy: string[];
}

/**
 * "Sort for set operations, shuffle before acting": candidates are shuffled,
 * then taken in that order while there is headroom, at most `maxPerRack` from
 * a rack, and (for drains) while hosts in flight plus chosen ones span at most
 * `max` data groups. Greedy over a shuffled order is maximal: no candidate left
 * out could be added without breaking a limit. The result is sorted.
 */
export function selectHosts(input: SelectionInput): Selection {
  const order = shuffle([...input.candidates].sort(), input.random);
  const chosen: string[] = [];
  const perRack = new Map<string, number>();
  const groups = input.datagroups ? new Set(input.datagroups.inFlight) : null;
  const down = input.downGroups ? new Set(input.downGroups.inFlight) : null;
  let outLeft = input.outOfService ? input.outOfService.left : Infinity;
  const others = (input.budgets ?? []).map((b) => ({ ...b, left: b.left }));
  const limitedBy = new Set<string>();
  for (const host of order) {
    if (chosen.length >= input.headroom) break;
    const rack = input.rackOf(host);
    if ((perRack.get(rack) ?? 0) >= input.maxPerRack) {
      limitedBy.add('max_per_rack');
      continue;
    }
    const g = groups && input.datagroups ? input.datagroups.of(host) : null;
    if (groups && g !== null && !groups.has(g) && groups.size >= input.datagroups!.max) {
      limitedBy.add('max_datagroups');
      continue;
    }
    const d = down && input.downGroups ? input.downGroups.of(host) : null;
    if (down && d !== null && !down.has(d) && down.size >= input.downGroups!.max) {
      limitedBy.add('max_down_datagroups');
      continue;
    }
    const counts = input.outOfService ? input.outOfService.counts(host) : false;
    if (counts && outLeft <= 0) {
      limitedBy.add('min_in_service');
      continue;
    }
    const full = others.find((b) => b.left <= 0 && b.counts(host));
    if (full) {
      limitedBy.add(full.name);
      continue;
    }
    for (const b of others) if (b.counts(host)) b.left--;
    if (groups && g !== null) groups.add(g);
    if (down && d !== null) down.add(d);
    if (counts) outLeft--;
    perRack.set(rack, (perRack.get(rack) ?? 0) + 1);
    chosen.push(host);
  }
  chosen.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { chosen, order, limitedBy: [...limitedBy] };
}
