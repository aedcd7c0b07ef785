import { builtin } from '../../store/builtin.js';
import { evaluateCount, evaluateEach, evaluateSample, evaluateTo, prepare } from '../../sets/evaluate.js';
import { foldNodeset } from '../../sets/nodeset.js';
import { LineOutput } from '../../sets/output.js';
import { operandsOf, parseExpression } from '../../sets/parse.js';
import { fdWriter, writeErr } from '../../store/fsio.js';
import { resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { DayOpener } from '../../store/operands.js';

export interface QOptions {
  count?: boolean;
  sample?: number;
  seed?: string;
  day?: string;
  json?: boolean;
  fold?: boolean;
}

/** `breakfix q EXPR...`: streams the hosts of a set expression, one per line. */
export async function run(args: unknown[], opts: QOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const words = (args[0] as string[]) ?? [];
  const text = words.join(' ');
  if (opts.fold && (opts.count || opts.json)) throw new UsageError('--fold prints the hosts as one node set; it does not go with --count or --json');
  const expr = parseExpression(text);
  const scope = await resolveScope(g, deps, opts.day ?? g.day);
  const opener = new DayOpener(scope.dayDir, deps.cwd);
  const plan = prepare(expr, opener, operandsOf(expr));
  const out = new LineOutput(fdWriter(1));

  if (opts.sample !== undefined) {
    const seed = opts.seed ?? builtin<typeof import('node:crypto')>('node:crypto').randomBytes(4).toString('hex');
    if (opts.seed === undefined) writeErr(`breakfix: sample seed ${seed} (repeat with --seed ${seed})\n`);
    const { default: seedrandom } = await import('seedrandom');
    const { lines, total } = evaluateSample(plan, opts.sample, seedrandom(seed));
    if (opts.count) out.text(`${lines.length}\n`);
    else if (opts.json) out.text(JSON.stringify({ expression: text, seed, total, count: lines.length, hosts: lines.map((l) => l.toString()) }) + '\n');
    else if (opts.fold) out.text(`${foldNodeset(lines.map((l) => l.toString('utf8')))}\n`);
    else for (const l of lines) out.line(l, 0, l.length);
    out.flush();
    return 0;
  }
  if (opts.count) {
    out.text(`${evaluateCount(plan)}\n`);
    out.flush();
    return 0;
  }
  if (opts.fold) {
    // Folding needs every name of a pattern at once: the result is held in memory.
    const hosts: string[] = [];
    evaluateEach(plan, (buf, start, end) => {
      hosts.push(buf.toString('utf8', start, end));
    });
    out.text(`${foldNodeset(hosts)}\n`);
    out.flush();
    return 0;
  }
  if (opts.json) {
    // Streamed, so a large result never sits in memory as one string.
    out.text(`{"expression":${JSON.stringify(text)},"hosts":[`);
    let n = 0;
    evaluateEach(plan, (buf, start, end) => {
      out.text((n++ ? ',' : '') + JSON.stringify(buf.toString('utf8', start, end)));
    });
    out.text(`],"count":${n}}\n`);
    out.flush();
    return 0;
  }
  evaluateTo(plan, out);
  return 0;
}
