import { timeStamp } from '../../store/layout.js';
import path from 'node:path';
import { isatty } from 'node:tty';
import fs from 'node:fs';
import { evaluateToSet } from '../../pass/state.js';
import { mergedOutputs } from '../../report/merged.js';
import { foldNodeset } from '../../sets/nodeset.js';
import { writeErr } from '../../store/fsio.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { transcribed } from '../transcribe.js';


/**
 * `breakfix exec EXPR -- CMD [ARG...]`: runs a command on the hosts of an
 * expression through the configured adapter. Ends with
 * `ok N failed N timeout N unreachable N`; exit 0 only when all were ok.
 * With `--merge`, each distinct output is printed once under its folded
 * hosts (clush -b); the per-host files are written all the same.
 */
export async function run(args: unknown[], opts: { merge?: boolean }, g: GlobalOptions, deps: Deps): Promise<number> {
  const words = (args[0] as string[]) ?? [];
  const argv = deps.rest ?? [];
  if (argv.length === 0) throw new UsageError('exec needs a command after --: breakfix exec EXPR -- CMD [ARG...]');
  const scope = await resolveScope(g, deps);
  const hosts = [...evaluateToSet(scope.dayDir, deps.cwd, words.join(' '))];
  const { fanOut, summaryLine, DEFAULT_EXEC } = await import('../../actions/exec.js');
  const { killAll } = await import('../../actions/spawn.js');
  const cfg = scope.dcConfig?.exec ?? DEFAULT_EXEC;
  const outDir = path.join(scope.dayDir, 'exec', `adhoc-${timeStamp(deps.now())}`, 'exec');
  return transcribed([scope.dayDir], deps, async ({ say, note }) => {
    const ac = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        writeErr('\nbreakfix: stopping: running commands are being stopped, finished results are kept (Ctrl-C again to stop at once)\n');
        ac.abort();
      } else {
        killAll('SIGKILL');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSigint);
    const tty = isatty(2) && g.color !== false && !deps.env.NO_COLOR;
    let last = 0;
    try {
      const out = await fanOut({
        cfg,
        hosts,
        argv,
        outDir,
        signal: ac.signal,
        label: words.join(' '),
        onResult: (r, done, total) => {
          if (tty) {
            const now = Date.now();
            if (now - last > 100 || done === total) {
              last = now;
              const width = 30;
              const fill = Math.round((done / total) * width);
              writeErr(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}`);
              if (done === total) writeErr('\n');
            }
          }
          // Each host's line goes to the transcript even when the terminal shows a bar or the merged outputs instead.
          const line = `${r.status.padEnd(11)} ${r.host} exit ${r.exitCode ?? '-'} ${r.seconds.toFixed(2)}s\n`;
          if (!tty && !opts.merge) say(line);
          else note(line);
        },
      });
      if (opts.merge) {
        const outputs = new Map<string, Buffer>();
        for (const r of out.results) {
          const file = path.join(out.outDir, `${r.host}.out`);
          outputs.set(r.host, fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0));
        }
        say(mergedOutputs(outputs));
        for (const status of ['failed', 'timeout', 'unreachable'] as const) {
          const hs = out.results.filter((r) => r.status === status).map((r) => r.host);
          if (hs.length) say(`${status.padEnd(11)} ${foldNodeset(hs)} (${hs.length})\n`);
        }
      }
      for (const r of out.refused) say(`refused     "${r.raw}": ${r.reason} (invariant 7: only canonical host names reach a command)\n`);
      say(`output in ${displayPath(out.outDir, deps.cwd)}\n`);
      say(`${summaryLine(out.counts)}\n`);
      if (ac.signal.aborted) return 130;
      const all = out.counts.ok === hosts.length && out.refused.length === 0;
      return all ? 0 : 1;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  });
}
