import type { ClusterConfig, DatacenterConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import type { HostRule } from './hostnames.js';

/** How every source turns a raw name into a canonical host (DESIGN §4); defined beside the rule itself. */
export type { HostRule } from './hostnames.js';

/** A raw name a source saw but could not make canonical: reported, never passed on. */
export interface Rejected {
  raw: string;
  reason: string;
}

export interface Table {
  /** The first column is the key (`host` or `cluster`). */
  columns: string[];
  rows: Array<Record<string, string>>;
}

/**
 * What one source produced in one pull. Hosts may come in any order and may
 * repeat; the writer sorts and deduplicates in byte order.
 */
export interface SourceResult {
  groups: Map<string, string[]>;
  /** Table file name (`inventory.tsv`) → rows. */
  tables: Map<string, Table>;
  rejected: Rejected[];
  /** Short facts for the pull line, e.g. `live 8 dead 2`. */
  notes: string[];
}

/**
 * A source failed: the message says what and where — the command and its
 * stderr, the URL and HTTP status, or the file and line of bad input.
 * Nothing of that source is replaced.
 */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Keys every source takes. */
export interface CommonOptions {
  type: string;
  volatile: boolean;
  timeoutMs: number;
  /** Older than this, ops that depend on the source are refused (DESIGN §6.6); null: no limit. */
  maxAgeMs: number | null;
}

export const COMMON_KEYS = ['type', 'volatile', 'timeout', 'max_age'] as const;

/** What a source's pull may use: all of its I/O goes through here or its own fetch. */
export interface SourceContext {
  /** The source's name in the config. */
  name: string;
  dc: DatacenterConfig;
  hostRule: HostRule;
  /** Relative paths in the config resolve against this. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Aborted when the source's timeout passes. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Today's directory: sources that fan out over a group read it here. */
  dayDir: string;
  /** Pass label for output directories (`exec/<pass>/<source>/`). */
  passLabel: string;
}

/** A source type: validates its config, then pulls (fetch, then a pure parse). */
export interface SourceType<C> {
  readonly type: string;
  /** The keys this type takes besides the common ones. */
  readonly keys: readonly string[];
  /** Validates the source's mapping; `m` holds every key (common ones too), already checked against `keys`. */
  configure(m: Map<string, Field>, where: Field, configDir: string, dc: DatacenterConfig): C;
  pull(config: C, ctx: SourceContext): Promise<SourceResult>;
  /** The cluster a per-cluster source is about, if any. */
  clusterOf?(config: C): ClusterConfig | null;
  /** A source of one namespace of a federated cluster: its part is combined with the cluster's other namespaces. */
  namespaceOf?(config: C): { cluster: string; namespace: string } | null;
  /** Groups this source reads: it runs after the sources that write them. */
  readsGroups?(config: C): string[];
}

export function emptyResult(): SourceResult {
  return { groups: new Map(), tables: new Map(), rejected: [], notes: [] };
}

/** What one source's pull came to, for the pull lines and the pass. */
export type PullStatus = 'ok' | 'failed' | 'skipped';

export interface SourceOutcome {
  name: string;
  type: string;
  status: PullStatus;
  seconds: number;
  counts: Record<string, number>;
  notes: string[];
  rejected: Rejected[];
  /** Why it failed or was skipped. */
  reason?: string;
}
