import path from 'node:path';
import { pool, runToFile, statusOf } from './spawn.js';
import type { Adapter, ExecRequest, HostResult } from './types.js';

/**
 * Adapters that start one process per host (ssh, local): a bounded pool,
 * each host's output in its own file, each host's own timeout.
 */
export function perHostAdapter(name: string, commandFor: (host: string, argv: string[]) => string[], unreachableCode: number | null): Adapter {
  return {
    name,
    async run(req: ExecRequest): Promise<HostResult[]> {
      let done = 0;
      return pool(req.hosts, req.concurrency, async (host) => {
        const started = Date.now();
        let result: HostResult;
        if (req.signal.aborted) {
          result = { host, status: 'failed', exitCode: null, seconds: 0 };
        } else {
          const r = await runToFile(commandFor(host, req.argv), path.join(req.outDir, `${host}.out`), req.timeoutMs, req.signal);
          result = { host, status: r.aborted ? 'failed' : statusOf(r, unreachableCode), exitCode: r.exitCode, seconds: (Date.now() - started) / 1000 };
        }
        req.onResult?.(result, ++done, req.hosts.length);
        return result;
      });
    },
  };
}
