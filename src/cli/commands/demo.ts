import { timeStamp } from '../../store/layout.js';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/config.js';
import { writeOut } from '../../store/fsio.js';
import { displayPath, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { loadPolicy } from '../../pass/policy-files.js';
import { buildDemo, DEMO_SHAPE } from '../../pass/demo.js';
import { runLoop } from '../../pass/loop.js';
import { colorizer } from '../../report/color.js';

export interface DemoOptions {
  home?: string;
  passes: number;
  seed: string;
}


/**
 * `breakfix demo [--home DIR] [--passes N]`: builds a simulated datacenter,
 * writes its config, and runs N passes with --apply against it, printing what
 * a real run prints. Needs nothing beyond `npm install`.
 */
export async function run(_args: unknown[], opts: DemoOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const dir = path.resolve(deps.cwd, opts.home ?? g.home ?? `breakfix-demo-${timeStamp(deps.now())}`);
  if (fs.existsSync(path.join(dir, 'breakfix.yaml'))) {
    throw new UsageError(`${displayPath(dir, deps.cwd)} already holds a demo; continue it with: breakfix --config ${displayPath(path.join(dir, 'breakfix.yaml'), deps.cwd)} --dc demo loop --apply`);
  }
  const built = buildDemo(dir, opts.seed, DEMO_SHAPE);
  const shown = displayPath(built.config, deps.cwd);
  writeOut(`demo datacenter in ${displayPath(dir, deps.cwd)}/: ${built.summary}\n`);
  writeOut(`config ${shown}; the working directory is ${displayPath(path.join(dir, 'home', 'demo'), deps.cwd)}/\n\n`);
  const config = loadConfig(built.config);
  const dc = config.datacenters.get('demo')!;
  const paint = await colorizer(deps.stdoutIsTTY && g.color !== false && !deps.env.NO_COLOR);
  const code = await runLoop({
    config,
    dc,
    dcName: 'demo',
    dcDir: path.join(config.home!, 'demo'),
    policy: loadPolicy(config.policy!),
    cwd: deps.cwd,
    env: deps.env,
    now: deps.now,
    everyMs: 0,
    apply: true,
    maxPasses: opts.passes,
    seed: opts.seed,
    ops: null,
    print: (t) => writeOut(paint(t)),
  });
  writeOut(
    `\nThe demo ran ${opts.passes} passes. Read them back:\n` +
      `  cat ${displayPath(path.join(dir, 'home', 'demo', 'today', 'transcript.log'), deps.cwd)}\n` +
      `  breakfix --config ${shown} groups\n` +
      `  breakfix --config ${shown} which dw1-dn042\n` +
      `  breakfix --config ${shown} trend\n` +
      `Continue it: breakfix --config ${shown} --dc demo loop --apply --every 30s\n`,
  );
  return code === 0 || code === 3 ? 0 : code;
}
