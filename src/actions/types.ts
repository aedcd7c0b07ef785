export type HostStatus = 'ok' | 'failed' | 'timeout' | 'unreachable';

export interface HostResult {
  host: string;
  status: HostStatus;
  /** The command's exit code (null when killed or never run). */
  exitCode: number | null;
  seconds: number;
}

/** One fan-out: the same command on many hosts. */
export interface ExecRequest {
  /** Canonical host names only (checked before any adapter sees them). */
  hosts: string[];
  /** The command as an argument array; `{host}` is filled in per host. */
  argv: string[];
  /** Where each host's output goes: `<outDir>/<host>.out`. */
  outDir: string;
  concurrency: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  signal: AbortSignal;
  /** Called as hosts finish (for a progress bar). */
  onResult?: (r: HostResult, done: number, total: number) => void;
}

export interface Adapter {
  readonly name: string;
  run(req: ExecRequest): Promise<HostResult[]>;
}

export class AdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterError';
  }
}
