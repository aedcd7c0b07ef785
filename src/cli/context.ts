import fs from 'node:fs';
import { builtin } from '../store/builtin.js';
import path from 'node:path';
import type { Config, DatacenterConfig } from '../config/config.js';
import { resolveDayDir } from '../store/layout.js';

/** The global options, as given before the command. */
export interface GlobalOptions {
  config?: string;
  home?: string;
  dc?: string;
  policy?: string;
  day?: string;
  color?: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Everything a command needs from its surroundings, handed in so tests can vary it. */
export interface Deps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  stdoutIsTTY: boolean;
  /** The words after `--` (exec's command), kept away from option parsing. */
  rest?: string[];
  /** The command line as typed, after the program's name: what the transcript records. */
  argv?: string[];
}

/** `isatty` rather than process.stdout: touching that stream costs start-up time. */
export function processDeps(): Deps {
  return {
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    // Asked only by the commands that color or draw progress.
    get stdoutIsTTY() {
      return builtin<typeof import('node:tty')>('node:tty').isatty(1);
    },
  };
}

/** Where the command works: the config (if any), the home and datacenter, and the day directory to read. */
export interface Scope {
  config: Config | null;
  home: string | null;
  dc: string | null;
  dcConfig: DatacenterConfig | null;
  dcDir: string | null;
  dayDir: string;
}

/** The config file to use: `--config`, then `$BREAKFIX_CONFIG`, then `./breakfix.yaml` when it exists. */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (explicit) return path.resolve(cwd, explicit);
  if (env.BREAKFIX_CONFIG) return path.resolve(cwd, env.BREAKFIX_CONFIG);
  const local = path.join(cwd, 'breakfix.yaml');
  return fs.existsSync(local) ? local : null;
}

/** Loads the config when there is one; the YAML parser is imported only then. */
export async function loadConfigFor(g: GlobalOptions, deps: Deps): Promise<Config | null> {
  const file = findConfigFile(g.config, deps.env, deps.cwd);
  if (!file) return null;
  const { loadConfig } = await import('../config/config.js');
  return loadConfig(file);
}

/**
 * Resolves home, datacenter and day. With no config and no home, names
 * resolve in the current directory, so `cd home/dc1/today && breakfix q ...` works.
 */
export async function resolveScope(g: GlobalOptions, deps: Deps, day = g.day ?? 'today'): Promise<Scope> {
  const config = await loadConfigFor(g, deps);
  const homeOpt = g.home ? path.resolve(deps.cwd, g.home) : deps.env.BREAKFIX_HOME ? path.resolve(deps.cwd, deps.env.BREAKFIX_HOME) : null;
  const home = homeOpt ?? config?.home ?? null;
  if (!home) {
    if (g.day && g.day !== 'today') throw new UsageError(`--day ${g.day} needs a home: give --home, $BREAKFIX_HOME or a config`);
    return { config, home: null, dc: null, dcConfig: null, dcDir: null, dayDir: deps.cwd };
  }
  const dc = pickDatacenter(g.dc, config, home);
  const dcDir = path.join(home, dc);
  return {
    config,
    home,
    dc,
    dcConfig: config?.datacenters.get(dc) ?? null,
    dcDir,
    dayDir: resolveDayDir(dcDir, day, deps.now()),
  };
}

function pickDatacenter(dcOpt: string | undefined, config: Config | null, home: string): string {
  if (config) {
    const names = [...config.datacenters.keys()];
    if (dcOpt) {
      if (!config.datacenters.has(dcOpt)) throw new UsageError(`--dc ${dcOpt}: not in ${config.file}; its datacenters are: ${names.join(', ')}`);
      return dcOpt;
    }
    if (names.length === 1) return names[0]!;
    throw new UsageError(`${config.file} has several datacenters (${names.join(', ')}): choose one with --dc`);
  }
  if (dcOpt) return dcOpt;
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(home).filter((n) => !n.startsWith('.') && fs.statSync(path.join(home, n)).isDirectory());
  } catch {
    throw new UsageError(`home ${home}: no such directory; run a pass first, or give the right --home`);
  }
  if (dirs.length === 1) return dirs[0]!;
  if (dirs.length === 0) throw new UsageError(`home ${home} holds no datacenter yet: run a pass first, or give --dc`);
  throw new UsageError(`home ${home} holds several datacenters (${dirs.sort().join(', ')}): choose one with --dc`);
}

/** A path as a person would type it from where they stand. */
export { displayPath } from '../store/fsio.js';
