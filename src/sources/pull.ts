import type { DatacenterConfig } from '../config/config.js';
import { GroupWriteError } from '../store/group.js';
import path from 'node:path';
import { fsyncDir } from '../store/atomic.js';
import { timeStamp } from '../store/layout.js';
import { readMeta } from '../store/meta.js';
import { listParts, readPartInfo, rebuildGroup, rebuildTable, recoverParts, replacePart, TableUnionError } from '../store/parts.js';
import { isCanonicalHost } from './hostnames.js';
import { checkPulledIds, combineCluster, combinedIsStale, namespaceSources, type CombineOutcome } from './federation.js';
import type { LoadedSource } from './load.js';
import type { Config, DatacenterConfig as DcConfig } from '../config/config.js';
import { sourcesSummary } from '../report/summary.js';
import { formatOutcome } from '../report/pull-line.js';
import { SourceError, type HostRule, type Rejected, type SourceOutcome, type SourceResult } from './types.js';

export type { PullStatus, SourceOutcome } from './types.js';

export interface PullRun {
  dayDir: string;
  dc: DatacenterConfig;
  rule: HostRule;
  configDir: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  force: boolean;
  /** Names the output directories of sources that fan out (`exec/<passLabel>/<source>/`). */
  passLabel?: string;
  /** Runs after the sources that read nothing and before those that read groups (a derive). */
  betweenPhases?: () => void;
  /** Called as each source finishes, so a slow one does not hide the others. */
  onOutcome?: (o: SourceOutcome) => void;
}

/** A defect guard: whatever a parser returns, only canonical hosts are written. */
function checkResult(name: string, r: SourceResult): void {
  // A host is in several groups (all, role.*, lifecycle.*): check each name once.
  const checked = new Set<string>();
  for (const [group, hosts] of r.groups) {
    if (!/^[a-z0-9_][a-z0-9_.-]*$/.test(group)) throw new SourceError(`${name}: produced a group with a bad name "${group}"`);
    for (const h of hosts) {
      if (checked.has(h)) continue;
      if (!isCanonicalHost(h)) throw new SourceError(`${name}: produced "${h}" in ${group}, which is not a canonical host name`);
      checked.add(h);
    }
  }
}

async function withTimeout<T>(ms: number, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      // Give the source a moment to kill its command and say so itself.
      setTimeout(() => reject(new SourceError(`${what}: timed out after ${ms / 1000}s`)), 3000).unref();
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([run(ac.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the sources concurrently, each under its timeout. A source that
 * succeeds replaces its own part and the shared groups built from it; one that
 * fails replaces nothing. Returns every outcome once all have finished.
 */
export async function pullSources(sources: LoadedSource[], run: PullRun): Promise<SourceOutcome[]> {
  recoverParts(run.dayDir);
  const federated = namespaceSources(run.dc);
  const stamp = () => run.now().toISOString();
  // A federated cluster's combined part left behind its namespaces' parts by a killed pull is made again first.
  for (const [cluster, members] of federated) {
    if (combinedIsStale(run.dayDir, cluster, members)) combineCluster(run.dayDir, cluster, members, stamp());
  }
  // Shared files left behind their parts by a killed pull are brought up to date first.
  const touched = staleShared(run.dayDir);
  const mark = (c: CombineOutcome) => {
    for (const p of [c.before, c.after]) {
      for (const g of p?.groups ?? []) touched.groups.add(g);
      for (const t of p?.tables ?? []) touched.tables.add(t);
    }
  };
  const pullOne = async (s: LoadedSource): Promise<SourceOutcome> => {
    const started = Date.now();
    const base = { name: s.name, type: s.common.type, counts: {}, notes: [], rejected: [] };
    const seconds = () => (Date.now() - started) / 1000;
    let outcome: SourceOutcome;
    const had = readPartInfo(run.dayDir, s.name);
    if (!s.common.volatile && !run.force && had) {
      outcome = { ...base, status: 'skipped', seconds: 0, counts: had.counts, reason: `stable source, pulled today at ${had.time.slice(11, 16)}Z; --force pulls it again` };
      run.onOutcome?.(outcome);
      return outcome;
    }
    try {
      const result = await withTimeout(s.common.timeoutMs, s.name, (signal) =>
        s.type.pull(s.config, {
          name: s.name,
          dc: run.dc,
          hostRule: run.rule,
          configDir: run.configDir,
          env: run.env,
          signal,
          timeoutMs: s.common.timeoutMs,
          dayDir: run.dayDir,
          passLabel: run.passLabel ?? `pull-${timeStamp(run.now())}`,
        }),
      );
      checkResult(s.name, result);
      const ns = s.type.namespaceOf?.(s.config) ?? null;
      const members = ns ? (federated.get(ns.cluster) ?? []) : [];
      // From here to the combination, synchronous: no other source's write can interleave with it.
      if (ns) checkPulledIds(run.dayDir, s.name, ns.cluster, ns.namespace, result, members);
      const info = replacePart(run.dayDir, s.name, result, stamp(), s.common.volatile);
      for (const g of [...(had?.groups ?? []), ...info.groups]) touched.groups.add(g);
      for (const t of [...(had?.tables ?? []), ...info.tables]) touched.tables.add(t);
      const notes = [...result.notes];
      if (ns) {
        const c = combineCluster(run.dayDir, ns.cluster, members, stamp());
        mark(c);
        notes.push(...c.notes);
      }
      outcome = { ...base, status: 'ok', seconds: seconds(), counts: info.counts, notes, rejected: result.rejected };
    } catch (e) {
      const known = e instanceof SourceError || e instanceof GroupWriteError || e instanceof TableUnionError;
      const reason = known ? e.message : `${(e as Error).message ?? String(e)}`;
      outcome = { ...base, status: 'failed', seconds: seconds(), reason };
    }
    run.onOutcome?.(outcome);
    return outcome;
  };
  // Sources that read groups (healthchecks over hadoop-workers) run after the rest.
  const readers = sources.filter((s) => (s.type.readsGroups?.(s.config) ?? []).length > 0);
  const first = await Promise.all(sources.filter((s) => !readers.includes(s)).map(pullOne));
  rebuildShared(run, touched, first);
  if (readers.length > 0) run.betweenPhases?.();
  const second = await Promise.all(readers.map(pullOne));
  rebuildShared(run, touched, second);
  return [...first, ...second];
}

interface Touched {
  groups: Set<string>;
  tables: Set<string>;
}

/** Shared groups and tables older than a part they are made from, or missing. */
function staleShared(dayDir: string): Touched {
  const out: Touched = { groups: new Set(), tables: new Set() };
  for (const p of listParts(dayDir)) {
    for (const [names, set] of [[p.groups, out.groups], [p.tables, out.tables]] as const) {
      for (const n of names) {
        const meta = readMeta(dayDir, n);
        if (!meta || meta.time < p.time) set.add(n);
      }
    }
  }
  return out;
}

/**
 * Rebuilds each shared group and table the phase's sources touched, once, from
 * all the latest parts (not once per source: with 80 per-cluster sources that
 * would read every part 80 times). A table two sources disagree on (the same
 * key from both) stays as it was, and those sources are reported failed.
 */
function rebuildShared(run: PullRun, touched: Touched, outcomes: SourceOutcome[]): void {
  if (touched.groups.size === 0 && touched.tables.size === 0) return;
  const parts = listParts(run.dayDir);
  for (const g of touched.groups) rebuildGroup(run.dayDir, g, parts, false);
  for (const t of touched.tables) {
    try {
      rebuildTable(run.dayDir, t, parts, false);
    } catch (e) {
      if (!(e instanceof TableUnionError)) throw e;
      for (const o of outcomes) {
        if (o.status === 'ok' && parts.some((p) => p.source === o.name && p.tables.includes(t))) {
          o.status = 'failed';
          o.reason = e.message;
          run.onOutcome?.(o);
        }
      }
    }
  }
  // Each file was fsynced before its rename; the directories once for the batch.
  fsyncDir(run.dayDir);
  fsyncDir(path.join(run.dayDir, '.meta'));
  touched.groups.clear();
  touched.tables.clear();
}

/** What the invariants need to know of a pull: which sources failed, and each one's max_age. */
export interface SourceRunState {
  failed: Map<string, string>;
  maxAge: Map<string, number | null>;
  clusterOf: Map<string, string | null>;
}

/** Pulls a datacenter's sources, printing one line per source as each finishes. */
export async function pullAndReport(o: {
  sources: LoadedSource[];
  dayDir: string;
  config: Config;
  dc: DcConfig;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  force: boolean;
  say: (text: string) => void;
  betweenPhases?: () => void;
  /** One line for the sources that went well, a line each for the others (a pass's summary); default: a line each. */
  compact?: boolean;
}): Promise<{ outcomes: SourceOutcome[]; run: SourceRunState }> {
  const width = Math.max(0, ...o.sources.map((s) => s.name.length));
  const t0 = performance.now();
  const outcomes = await pullSources(o.sources, {
    dayDir: o.dayDir,
    dc: o.dc,
    rule: { domain: o.config.domain },
    configDir: o.config.dir,
    env: o.env,
    now: o.now,
    force: o.force,
    onOutcome: (x) => {
      if (!o.compact) o.say(formatOutcome(x, width));
    },
    betweenPhases: o.betweenPhases,
  });
  if (o.compact) o.say(sourcesSummary(outcomes, (performance.now() - t0) / 1000));
  return {
    outcomes,
    run: {
      failed: new Map(outcomes.filter((x) => x.status === 'failed').map((x) => [x.name, x.reason ?? 'failed'])),
      maxAge: new Map(o.sources.map((s) => [s.name, s.common.maxAgeMs])),
      clusterOf: new Map(o.sources.map((s) => [s.name, s.type.clusterOf?.(s.config)?.name ?? null])),
    },
  };
}
