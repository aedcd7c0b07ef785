// Builders for the planner's inputs (a Policy and a FleetState) from plain
// descriptions, so tests can state a fleet in a few lines.
import type { FleetState, OpSets } from '../../src/policy/plan.js';
import type { Rates } from '../../src/policy/rate.js';
import { ANY_TIME } from '../../src/policy/windows.js';
import { DEFAULT_EFFECT, type Archetype, type ClassifyRule, type Effect, type Op, type OpLimits, type Operation, type Policy } from '../../src/policy/types.js';
import type { HealthRow, SourceStatus } from '../../src/safety/invariants.js';

export const ALL_OPS: readonly Op[] = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'];

export type HdfsStatus = 'none' | 'in-service' | 'decommissioning' | 'decommissioned' | 'maintenance' | 'dead' | 'dead-decommissioned';

export interface HostDesc {
  host: string;
  /** '' for a host of no cluster. */
  cluster: string;
  rack: string;
  /** '' when unknown. */
  datagroup: string;
  worker: boolean;
  /** A head-node role (NameNode, ...), or null. */
  role: string | null;
  hdfs: HdfsStatus;
  /** The ops whose candidate, busy and in-flight sets hold the host. */
  candidate: ReadonlySet<Op>;
  busy: ReadonlySet<Op>;
  inFlight: ReadonlySet<Op>;
  attempts: readonly Date[];
}

export interface FleetDesc {
  hosts: HostDesc[];
  clusterAttrs?: Record<string, Record<string, string>>;
  health: Record<string, HealthRow>;
  namenodePairs?: Record<string, string[]>;
  opSources?: Partial<Record<Op, SourceStatus[]>>;
  opGroupCounts?: Partial<Record<Op, Array<{ group: string; before: number | null; after: number }>>>;
  /** Defaults to the number of hosts. */
  allCount?: number;
  /** The policy's `down:` set; defaults to the dead hosts and those in maintenance. */
  down?: ReadonlySet<string>;
  /** Earlier applied actions, for the rates. */
  applied?: Array<{ host: string; cluster: string; op: string; time: Date }>;
}

/** A worker of dw1, in service, in no op's sets: what a test changes is in `over`. */
export function workerDesc(host: string, over: Partial<HostDesc> = {}): HostDesc {
  return {
    host,
    cluster: 'dw1',
    rack: 'r1',
    datagroup: 'dg1',
    worker: true,
    role: null,
    hdfs: 'in-service',
    candidate: new Set(),
    busy: new Set(),
    inFlight: new Set(),
    attempts: [],
    ...over,
  };
}

export const LIVE: readonly HdfsStatus[] = ['in-service', 'decommissioning', 'decommissioned', 'maintenance'];
export const DEAD: readonly HdfsStatus[] = ['dead', 'dead-decommissioned'];

/**
 * `deadBusyOps`: ops whose busy expression reads `hdfs-dead` (as the shipped
 * drain's does): their busy set also holds every dead host, and were any host
 * dead it would be busy for them.
 */
export function fleetState(d: FleetDesc, ops: readonly Op[], inFlightOps: ReadonlySet<Op>, deadBusyOps: ReadonlySet<Op> = new Set()): FleetState {
  const is = (s: HdfsStatus[]) => new Set(d.hosts.filter((h) => s.includes(h.hdfs)).map((h) => h.host));
  const opSets = new Map<Op, OpSets>();
  for (const op of ops) {
    const deadBusy = deadBusyOps.has(op);
    opSets.set(op, {
      candidates: new Set(d.hosts.filter((h) => h.candidate.has(op)).map((h) => h.host)),
      busy: new Set(d.hosts.filter((h) => h.busy.has(op) || (deadBusy && DEAD.includes(h.hdfs))).map((h) => h.host)),
      inFlight: inFlightOps.has(op) ? new Set(d.hosts.filter((h) => h.inFlight.has(op)).map((h) => h.host)) : null,
      busyIfDead: deadBusy ? new Set(d.hosts.map((h) => h.host)) : null,
    });
  }
  return {
    clusterOf: new Map(d.hosts.map((h) => [h.host, h.cluster])),
    down: d.down ?? is([...DEAD, 'maintenance']),
    rackOf: new Map(d.hosts.map((h) => [h.host, h.rack])),
    datagroupOf: new Map(d.hosts.map((h) => [h.host, h.datagroup])),
    clusterAttrs: new Map(Object.entries(d.clusterAttrs ?? {})),
    workers: new Set(d.hosts.filter((h) => h.worker).map((h) => h.host)),
    health: new Map(Object.entries(d.health)),
    hdfs: {
      live: is([...LIVE]),
      inService: is(['in-service']),
      dead: is([...DEAD]),
      decommissioned: is(['decommissioned', 'dead-decommissioned']),
      decommissioning: is(['decommissioning']),
      maintenance: is(['maintenance']),
    },
    heads: {
      roles: new Map(d.hosts.filter((h) => h.role).map((h) => [h.host, h.role!])),
      namenodePairs: new Map(Object.entries(d.namenodePairs ?? {})),
    },
    opSets,
    opSources: new Map(Object.entries(d.opSources ?? {}) as Array<[Op, SourceStatus[]]>),
    opGroupCounts: new Map(Object.entries(d.opGroupCounts ?? {}) as Array<[Op, Array<{ group: string; before: number | null; after: number }>]>),
    allCount: d.allCount ?? d.hosts.length,
    attempts: new Map(d.hosts.filter((h) => h.attempts.length > 0).map((h) => [h.host, h.attempts])),
    applied: d.applied ?? [],
  };
}

export interface PolicyDesc {
  archetypes: Record<string, Partial<Record<Op, OpLimits>>>;
  rules: Array<Partial<Omit<ClassifyRule, 'index' | 'line'>> & { archetype: string }>;
  ops: readonly Op[];
  inFlightOps: ReadonlySet<Op>;
  /** Ops whose busy set counts dead hosts (busy: `plans.<op> | hdfs-dead`). */
  deadBusyOps?: ReadonlySet<Op>;
  maxPerRack: number;
  maxDatagroups: number;
  maxUnderReplicated?: number;
  maxSwingPct?: number;
  maxAttempts?: number;
  attemptWindowMs?: number;
  /** The rules across ops; left out, they are off (so older properties hold unchanged). */
  maxDownDatagroups?: number;
  minInServicePct?: number;
  maxCandidatesPct?: number | null;
  effects?: Partial<Record<Op, Effect>>;
  rates?: Rates;
}

export function policyOf(p: PolicyDesc): Policy {
  const archetypes = new Map<string, Archetype>(
    Object.entries(p.archetypes).map(([name, ops]) => [name, { name, reason: `${name} reason`, ops: new Map(Object.entries(ops) as Array<[Op, OpLimits]>) }]),
  );
  const classify: ClassifyRule[] = p.rules.map((r, i) => ({
    index: i + 1,
    line: null,
    cluster: r.cluster ?? null,
    workersBelow: r.workersBelow ?? null,
    clusterAttr: r.clusterAttr ?? null,
    archetype: r.archetype,
    max: r.max ?? {},
    reason: r.reason ?? `rule ${i + 1}`,
  }));
  const operations = new Map<Op, Operation>(
    p.ops.map((op) => [
      op,
      {
        op,
        effect: p.effects?.[op] ?? DEFAULT_EFFECT[op],
        timeoutMs: null,
        maintenanceExpiryMs: null,
        candidates: `candidate-${op}`,
        busy: p.deadBusyOps?.has(op) ? `plans.${op} | hdfs-dead` : `plans.${op}`,
        inFlight: p.inFlightOps.has(op) ? `plans.${op}` : null,
        run: null,
        on: null,
      },
    ]),
  );
  return {
    dir: '/policy',
    windows: ANY_TIME,
    rates: p.rates ?? new Map(),
    archetypes,
    classify,
    workers: 'hadoop-workers',
    selection: { maxPerRack: p.maxPerRack, maxDatagroups: p.maxDatagroups },
    safety: {
      maxUnderReplicated: p.maxUnderReplicated ?? 1000,
      maxSwingPct: p.maxSwingPct ?? 20,
      maxAttempts: p.maxAttempts ?? 3,
      attemptWindowMs: p.attemptWindowMs ?? 14 * 86_400_000,
      maxDownDatagroups: p.maxDownDatagroups ?? 1_000_000,
      minInServicePct: p.minInServicePct ?? 0,
      maxCandidatesPct: p.maxCandidatesPct ?? null,
    },
    down: 'hdfs-dead | hdfs-maintenance',
    operations,
    recipes: [],
  };
}

/** Byte order, as `LC_ALL=C sort` has it. */
export const byteSort = (xs: Iterable<string>) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
