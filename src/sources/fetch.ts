import fs from 'node:fs';
import path from 'node:path';
import { SourceError, type SourceContext } from './types.js';
import { importPackage } from '../store/esm.js';

/** The last lines of a command's stderr, enough to say why it failed. */
function tail(text: string, lines = 8): string {
  const all = text.trimEnd().split('\n');
  const cut = all.slice(-lines).join('\n');
  return all.length > lines ? `...\n${cut}` : cut;
}

function showCommand(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/**
 * Runs a command (an argument array, never a shell string) and returns its
 * stdout. A non-zero exit, a timeout (the command is killed) or a missing
 * binary is a SourceError naming the command and carrying its stderr.
 */
export async function runCommand(argv: string[], ctx: SourceContext): Promise<string> {
  const { execa } = await importPackage<typeof import('execa')>('execa');
  const [file, ...args] = argv;
  if (!file) throw new SourceError('command: is empty');
  const shown = showCommand(argv);
  // The command runs in a process group of its own, and a timeout kills the
  // whole group: a wrapper script's children (a JVM under `hdfs`) die with it
  // instead of holding its output open.
  const child = execa(file, args, {
    cwd: ctx.configDir,
    env: ctx.env,
    extendEnv: false,
    detached: true,
    stripFinalNewline: false,
    maxBuffer: 1024 * 1024 * 1024,
    reject: false,
    stdin: 'ignore',
  });
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = () => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 2000).unref();
  };
  const timer = setTimeout(stop, ctx.timeoutMs);
  ctx.signal.addEventListener('abort', stop, { once: true });
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  try {
    const r = await child;
    if (timedOut) {
      // What it said before it hung (a NameNode it keeps retrying) is usually the reason.
      const err = String(r.stderr ?? '');
      throw new SourceError(`command ${shown} timed out after ${ctx.timeoutMs / 1000}s and was killed${err.trim() ? `; its stderr:\n${tail(err)}` : ' (no stderr)'}`);
    }
    if (r.failed) {
      const code = (r as { code?: string }).code;
      if (code === 'ENOENT') throw new SourceError(`command ${shown}: ${file} not found (is it installed and on PATH?)`);
      const why = r.exitCode !== undefined ? `exited ${r.exitCode}` : r.signal ? `was killed by ${r.signal}` : r.shortMessage;
      const err = String(r.stderr ?? '');
      throw new SourceError(`command ${shown} ${why}${err.trim() ? `:\n${tail(err)}` : ' (no stderr)'}`);
    }
    return String(r.stdout);
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(`command ${shown}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
    process.removeListener('exit', onExit);
  }
}

/** Reads a file named in the config (relative to the config's directory). */
export function readSourceFile(file: string, ctx: SourceContext): string {
  const p = path.resolve(ctx.configDir, file);
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SourceError(`file ${p}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/**
 * GETs a URL with the source's timeout; anything but 2xx is a SourceError
 * naming the URL and status (with the start of the body: proxies answer in HTML).
 */
export async function httpGet(url: string, ctx: SourceContext, headers: Record<string, string> = {}): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: ctx.signal, redirect: 'follow' });
  } catch (e) {
    if (ctx.signal.aborted) throw new SourceError(`GET ${url}: timed out after ${ctx.timeoutMs / 1000}s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new SourceError(`GET ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  let body: string;
  try {
    body = await res.text();
  } catch (e) {
    throw new SourceError(`GET ${url}: the body was cut off: ${(e as Error).message}`);
  }
  if (!res.ok) {
    const snippet = body.trim().slice(0, 300).replace(/\s+/g, ' ');
    throw new SourceError(`GET ${url}: HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ''}`);
  }
  return body;
}

/** Parses JSON from a source, or says where it broke. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SourceError(`${what}: not valid JSON: ${(e as Error).message}`);
  }
}
