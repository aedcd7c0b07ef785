import type { Rates } from './rate.js';
import type { Windows } from './windows.js';
/** The operations breakfix knows; each is something destructive done to hosts. */
export const OPS = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'] as const;
export type Op = (typeof OPS)[number];

export interface OpLimits {
  pct: number;
  floor: number;
  /** null: no ceiling. */
  ceiling: number | null;
}

export interface Archetype {
  name: string;
  reason: string;
  ops: Map<Op, OpLimits>;
}

export interface ClassifyRule {
  /** 1-based position in `classify:`, for explanations. */
  index: number;
  line: number | null;
  cluster: string | null;
  workersBelow: number | null;
  clusterAttr: Record<string, string> | null;
  archetype: string;
  max: Partial<Record<Op, number>>;
  reason: string;
}

/**
 * What an op does to a DataNode, for the rules that look at a cluster as a
 * whole: `drain` decommissions (HDFS re-replicates first; the host still
 * serves reads meanwhile), `down` takes a live DataNode away without
 * re-replication (reboot, a service restart), `offline` acts only on hosts
 * HDFS no longer counts on (invariant 1 sees to that), `return` recommissions.
 */
export const EFFECTS = ['drain', 'down', 'offline', 'return'] as const;
export type Effect = (typeof EFFECTS)[number];

/** The effect of each op when the policy does not say. */
export const DEFAULT_EFFECT: Record<Op, Effect> = {
  drain: 'drain',
  rekick: 'offline',
  reboot: 'down',
  firmware: 'offline',
  burnin: 'offline',
  return: 'return',
};

export interface Operation {
  op: Op;
  effect: Effect;
  /** An applied plan still open after this long is stuck (needs a person); null: never. */
  timeoutMs: number | null;
  /** For `down` ops on a cluster with a combined hosts file: how long HDFS keeps the host in maintenance. */
  maintenanceExpiryMs: number | null;
  /** Set expressions (DESIGN §3). */
  candidates: string;
  busy: string;
  inFlight: string | null;
  /** The command to run, `{host}` filled in; null: the op has no command of its own (drain, return). */
  run: string[] | null;
  /** `host`: on each chosen host; another name: on that host or group, once per chosen host. */
  on: string | null;
}

export interface Recipe {
  name: string;
  expression: string;
  line: number | null;
}

export interface Policy {
  /** When ops may act (windows:); ANY_TIME when the section is absent. */
  windows: Windows;
  /** How many times an op may act per sliding window (rate:), per cluster and per datacenter. */
  rates: Rates;
  dir: string;
  archetypes: Map<string, Archetype>;
  classify: ClassifyRule[];
  /** The group whose members count as a cluster's workers (N). */
  workers: string;
  selection: { maxPerRack: number; maxDatagroups: number };
  safety: {
    maxUnderReplicated: number;
    maxSwingPct: number;
    maxAttempts: number;
    attemptWindowMs: number;
    /** Invariant 4 across ops: data groups that may be down at once (down hosts, drains in flight, this pass's choices). */
    maxDownDatagroups: number;
    /** Invariant 9: the share of a cluster's workers that stays in service after a pass. */
    minInServicePct: number;
    /** Invariant 10: more candidates than this share of the workers is a storm; null: no guard. */
    maxCandidatesPct: number | null;
  };
  /** Hosts whose replicas are unavailable now (an expression). */
  down: string;
  operations: Map<Op, Operation>;
  recipes: Recipe[];
}
