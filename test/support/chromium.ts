// A real headless Chromium (the Debian package `chromium`) for looking at a
// page the way a person's browser would, with the network blocked twice over:
// every name resolves to nothing, and every request goes to a proxy on the
// discard port. Its net log records what the page asked for all the same.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PACKAGE = 'chromium';
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary ($CHROMIUM, or the Debian package's), or null. */
export function findChromium(): string | null {
  const env = process.env['CHROMIUM'];
  if (env) return fs.existsSync(env) ? env : null;
  return CANDIDATES.find((c) => fs.existsSync(c)) ?? null;
}

export interface BrowserRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Lines Chromium logged for the page's console (errors, failed loads, CSP violations). */
  console: string[];
  /** URLs of requests a document made (not Chromium's own background requests). */
  pageRequests: string[];
}

interface NetLog {
  constants: { logEventTypes: Record<string, number> };
  events: Array<{ type: number; params?: Record<string, unknown> }>;
}

/**
 * Requests the page made, from Chromium's net log. Chromium's own (updates,
 * time, accounts) carry the initiator "not an origin"; anything a document
 * asks for carries the document's origin (file pages: "null") and its site.
 */
export function pageRequestsOf(log: NetLog): string[] {
  const start = log.constants.logEventTypes['URL_REQUEST_START_JOB'];
  const out: string[] = [];
  for (const e of log.events) {
    // The end of a job (phase 2) carries only its result.
    if (e.type !== start || typeof e.params?.['url'] !== 'string') continue;
    const p = e.params!;
    const initiator = String(p['initiator'] ?? '');
    const site = String(p['site_for_cookies'] ?? '') + String(p['network_isolation_key'] ?? '');
    if (initiator !== 'not an origin' || site.includes('file://')) out.push(String(p['url']));
  }
  return out;
}

/** Opens `file` in headless Chromium with `args` (e.g. --dump-dom, --screenshot=F) and no network. */
export function openInChromium(bin: string, file: string, args: string[], timeoutMs = 40_000): BrowserRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-chromium-'));
  const netlog = path.join(dir, 'net.json');
  try {
    const r = spawnSync(
      bin,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--no-first-run',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        '--host-resolver-rules=MAP * ~NOTFOUND',
        '--proxy-server=127.0.0.1:9',
        `--log-net-log=${netlog}`,
        '--enable-logging=stderr',
        '--v=0',
        '--window-size=1280,2000',
        ...args,
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28, env: { ...process.env, HOME: dir } },
    );
    if (r.error) throw r.error;
    const log = JSON.parse(fs.readFileSync(netlog, 'utf8')) as NetLog;
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      console: r.stderr.split('\n').filter((l) => /:CONSOLE\b|Uncaught/.test(l)),
      pageRequests: pageRequestsOf(log),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
