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

export interface Operation {
  op: Op;
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
  dir: string;
  archetypes: Map<string, Archetype>;
  classify: ClassifyRule[];
  /** The group whose members count as a cluster's workers (N). */
  workers: string;
  selection: { maxPerRack: number; maxDatagroups: number };
  safety: { maxUnderReplicated: number; maxSwingPct: number; maxAttempts: number; attemptWindowMs: number };
  operations: Map<Op, Operation>;
  recipes: Recipe[];
}
