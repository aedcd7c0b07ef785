import type { HdfsState, HeadNodes, HealthRow, SourceStatus } from '../safety/invariants.js';
import type { AppliedAction } from './rate.js';
import type { Op } from './types.js';

/**
 * What the planner and the checks read, already out of the day directory: a
 * type of its own, so that the plan and the checks both import it and not
 * each other.
 */

/** What one op's expressions evaluated to this pass. */
export interface OpSets {
  candidates: ReadonlySet<string>;
  busy: ReadonlySet<string>;
  inFlight: ReadonlySet<string> | null;
  /**
   * The hosts that would be busy for the op were they dead in HDFS: its busy
   * expression with `hdfs-dead` read as every host (recipes followed). An
   * offline op of this pass (a reimage) makes its hosts dead, so those of them
   * in here and not in `busy` take this op's headroom. Absent or null: the
   * busy expression does not read `hdfs-dead`.
   */
  busyIfDead?: ReadonlySet<string> | null;
}

/** Everything the planner looks at, already read from the day directory. */
export interface FleetState {
  /** host → cluster, from inventory.tsv. */
  clusterOf: ReadonlyMap<string, string>;
  rackOf: ReadonlyMap<string, string>;
  datagroupOf: ReadonlyMap<string, string>;
  clusterAttrs: ReadonlyMap<string, Record<string, string>>;
  workers: ReadonlySet<string>;
  health: ReadonlyMap<string, HealthRow>;
  hdfs: HdfsState;
  /** The policy's `down:` evaluated: hosts whose replicas are unavailable now. */
  down: ReadonlySet<string>;
  heads: HeadNodes;
  opSets: ReadonlyMap<Op, OpSets>;
  /** The sources each op depends on, with their state this pass. */
  opSources: ReadonlyMap<Op, readonly SourceStatus[]>;
  /** Sizes of the groups each op depends on: last pass and now. */
  opGroupCounts: ReadonlyMap<Op, ReadonlyArray<{ group: string; before: number | null; after: number }>>;
  allCount: number;
  /** Earlier remediations of each host (applied plans). */
  attempts: ReadonlyMap<string, readonly Date[]>;
  /** What applied plans acted on, within the longest rate window: what the rates count. */
  applied: ReadonlyArray<AppliedAction>;
  /** Hosts in an applied plan still open, of any op: a host is worked on by one op at a time. */
  inOpenPlan?: ReadonlySet<string>;
  /** Hosts whose inventory data group is not their HDFS upgrade domain (the inventory's is used). */
  datagroupDisagreements?: ReadonlyArray<{ host: string; cluster: string; inventory: string; upgradeDomain: string }>;
}

