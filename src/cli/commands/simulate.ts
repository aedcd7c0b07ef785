import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { writeOut } from '../../store/fsio.js';
import { listDays, dayOf, DayError } from '../../store/layout.js';
import { loadPolicy } from '../../pass/policy-files.js';
import { mergeResults, simulate, type SimResult } from '../../pass/simulate.js';
import { recordedPasses } from '../../pass/replay.js';
import { OPS } from '../../policy/types.js';
import { renderTable } from '../../report/table.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';

export interface SimulateOptions {
  policy?: string;
  days?: number;
  from?: string;
  to?: string;
  json?: boolean;
  /** Internal: `i/n`, this process replays block i of n and prints its raw result. */
  shard?: string;
}

/** Below this many recorded passes one process is quicker than starting more. */
const SHARD_MIN_PASSES = 8;

export const NOT_FED_BACK =
  "each pass is replayed from its own recorded inputs; the other policy's earlier choices are not fed back: this says what each pass would have chosen, not how the fleet would have evolved";

/** `breakfix simulate --policy DIR [--days N | --from D --to D] [--json]`: the policy what-if over recorded passes. */
export async function run(_args: unknown[], opts: SimulateOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  if (!opts.policy) throw new UsageError('simulate needs --policy DIR: the policy to try on the recorded passes');
  if (opts.days !== undefined && (opts.from || opts.to)) throw new UsageError('give --days or --from/--to, not both');
  if (opts.days === 0) throw new UsageError('--days takes 1 or more');
  for (const [flag, v] of [['--from', opts.from], ['--to', opts.to]] as const) {
    if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new DayError(`${flag} ${v}: expected YYYY-MM-DD`);
  }
  const scope = await resolveScope(g, deps);
  if (!scope.dcDir) throw new UsageError('simulate needs a home: --home, $BREAKFIX_HOME or a config');
  const policy = loadPolicy(path.resolve(deps.cwd, opts.policy));
  const to = opts.to ?? dayOf(deps.now());
  let from = opts.from;
  if (!from) {
    const d = new Date(`${to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - ((opts.days ?? 7) - 1));
    from = dayOf(d);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const days = listDays(scope.dcDir).filter((d) => d >= from! && d <= to);
  if (opts.shard) {
    const m = /^(\d+)\/(\d+)$/.exec(opts.shard);
    if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard ${opts.shard}: expected i/n with i < n`);
    const part = await simulate({ dcDir: scope.dcDir, days, policy, shard: { index: Number(m[1]), of: Number(m[2]) } });
    writeOut(JSON.stringify(part) + '\n');
    return 0;
  }
  const tty = process.stderr.isTTY && !opts.json;
  const { passes } = recordedPasses(scope.dcDir, days);
  const shards = Math.min(os.availableParallelism(), 4);
  let r: SimResult;
  if (shards > 1 && passes.length >= SHARD_MIN_PASSES) {
    // The passes are independent (nothing is fed back): consecutive blocks of them on every core.
    if (tty) process.stderr.write(`simulate: ${passes.length} passes in ${shards} processes\n`);
    const globals = [...(g.config ? ['--config', path.resolve(deps.cwd, g.config)] : []), ...(g.home ? ['--home', path.resolve(deps.cwd, g.home)] : []), ...(scope.dc ? ['--dc', scope.dc] : [])];
    const args = (i: number) => [process.argv[1]!, ...globals, 'simulate', '--policy', policy.dir, '--from', from!, '--to', to, '--shard', `${i}/${shards}`];
    r = mergeResults(await Promise.all(Array.from({ length: shards }, (_, i) => runShard(process.execPath, args(i), deps))));
  } else {
    r = await simulate({
      dcDir: scope.dcDir,
      days,
      policy,
      progress: tty ? (done, total) => process.stderr.write(`\rsimulate: ${done}/${total} passes`) : undefined,
    });
    if (tty) process.stderr.write('\n');
  }
  if (opts.json) {
    writeOut(JSON.stringify({ note: NOT_FED_BACK, from, to, ...r }, null, 2) + '\n');
  } else {
    writeOut(formatSimulation(r, from, to, path.relative(deps.cwd, policy.dir) || policy.dir));
  }
  return r.passes === 0 ? 1 : 0;
}

function runShard(node: string, args: string[], deps: Deps): Promise<SimResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: deps.cwd, env: deps.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as SimResult);
      else reject(new Error(`simulate ${args.slice(-1)[0]}: ${Buffer.concat(err).toString('utf8').trim() || `exited ${code}`}`));
    });
  });
}

const pair = (p: [number, number]) => (p[0] === p[1] ? String(p[0]) : `${p[0]} → ${p[1]}`);

export function formatSimulation(r: SimResult, from: string, to: string, policyName: string): string {
  let out = `simulate ${policyName} over ${from} .. ${to}: ${r.passes} recorded pass(es)`;
  if (r.first) out += ` from ${r.first} to ${r.last}`;
  out += '\n';
  out += `note: ${NOT_FED_BACK}\n`;
  if (r.unrecorded) out += `note: ${r.unrecorded} pass(es) in the range were not recorded (older breakfix, or history.keep: 0) and are left out\n`;
  for (const u of r.unreplayable) out += `unreplayable: ${u.why}\n`;
  if (r.passes === 0) return out + 'nothing to simulate: no recorded pass in the range\n';
  const ops = [...new Set(r.rows.map((x) => x.op))].sort((a, b) => OPS.indexOf(a as never) - OPS.indexOf(b as never));
  for (const op of ops) {
    const rows = r.rows.filter((x) => x.op === op);
    const differs = rows.filter((x) => x.chosen[0] !== x.chosen[1] || x.peakCap[0] !== x.peakCap[1] || x.overCap[0] !== x.overCap[1] || Object.values(x.refusals).some(([a, b]) => a !== b));
    const total = rows.reduce<[number, number]>((s, x) => [s[0] + x.chosen[0], s[1] + x.chosen[1]], [0, 0]);
    out += `\n${op}: hosts chosen ${pair(total)} over the range; ${differs.length} of ${rows.length} cluster(s) differ\n`;
    if (differs.length === 0) continue;
    out += renderTable(
      ['cluster', 'chosen', 'peak busy', 'peak cap', 'busy > cap', 'refusals by invariant'],
      differs.map((x) => [
        x.cluster,
        pair(x.chosen),
        pair(x.peakBusy),
        pair(x.peakCap),
        pair(x.overCap),
        Object.entries(x.refusals)
          .sort((a, b) => Number(a[0]) - Number(b[0]))
          .map(([inv, p]) => `${inv}: ${pair(p)}`)
          .join(', ') || '-',
      ]),
      [false, true, true, true, true, false],
    );
  }
  const most = [...r.perPass].filter((p) => p.difference > 0).sort((a, b) => b.difference - a.difference || (a.time < b.time ? -1 : 1)).slice(0, 5);
  out += most.length === 0 ? '\nno pass would have chosen differently\n' : `\npasses that differ most (see one with: breakfix replay --day D --pass N --policy ${policyName}):\n`;
  for (const p of most) out += `  ${p.day} pass ${p.pass} (${p.time}): chosen ${pair(p.chosen)}, refusals ${pair(p.refusals)}, ${p.difference} host(s) or refusal(s) differ\n`;
  return out;
}
