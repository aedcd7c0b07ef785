import fs from 'node:fs';
import path from 'node:path';
import type { NotifyConfig } from '../config/config.js';
import { writeFileAtomic } from '../store/atomic.js';
import { pauseLine, type Pause } from '../store/pause.js';
import { PLANS } from '../store/plans.js';
import { readTable } from '../store/table.js';
import { notifyMessage, passEvents, type Applied, type NotifyEvent, type NotifyMessage, type Refused } from './notify.js';
import { postJson, redactUrl, scrubUrl, type PostOutcome } from './webhook.js';

/**
 * After a pass: gathers what it did from the files it wrote (plan.json,
 * apply.json, needs-human.tsv) and the summary it printed, and when any event
 * is of a kind the datacenter's `notify.on` names, sends one message. Whatever
 * the webhook does, the pass goes on: a failure is one line, never an error.
 */

/** `<dc>/notify.json`: the needs-human rows already told, so each is told once. */
export const NOTIFY_STATE = 'notify.json';

export interface NotifyPassOptions {
  notify: NotifyConfig | null | undefined;
  dcName: string;
  dcDir: string;
  dayDir: string;
  pass: number;
  /** The summary the pass printed (its warning lines), or null when there was none. */
  summary: string | null;
  /** Why each source that failed in this pass failed. */
  sourceFailures?: ReadonlyMap<string, string>;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  signal?: AbortSignal;
  say: (text: string) => void;
}

export interface NotifyPassResult {
  events: NotifyEvent[];
  message: NotifyMessage | null;
  post: PostOutcome | null;
}

interface PlanRecord {
  refusals?: Array<{ host: string | null; cluster: string; op: string; invariant: number; message: string }>;
  stuck?: Array<{ host: string; cluster: string; op: string; why: string }>;
  paused?: (Partial<Pause> & { file?: string | null; errors?: string[] }) | null;
}

interface ApplyRecord {
  outcomes?: Applied[];
  refusals?: Refused[];
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * A needs-human row is told once: its key is host, op and since, so a new
 * cause on the same host (another op, a later failure) is told again, while
 * the reason's text (an age that grows every pass) is not part of it.
 */
export function needsHumanKey(r: { host: string; op: string; since: string }): string {
  return `${r.host}\t${r.op}\t${r.since}`;
}

function readTold(dcDir: string): Set<string> {
  const s = readJson<{ needs_human_told?: unknown }>(path.join(dcDir, NOTIFY_STATE));
  const told = s?.needs_human_told;
  return new Set(Array.isArray(told) ? told.filter((x): x is string => typeof x === 'string') : []);
}

function pausedLine(p: PlanRecord['paused']): string | null {
  if (!p) return null;
  if (p.by && p.reason && p.since) return pauseLine({ by: p.by, reason: p.reason, since: p.since, until: p.until ?? null });
  return `paused: ${p.file ? path.basename(p.file) : 'a pause file'} cannot be read, so nothing acts`;
}

/** The URL to post to, or why there is none this pass. */
function webhookUrl(n: NotifyConfig, env: NodeJS.ProcessEnv): { url: string } | { problem: string } {
  if (n.webhook) return { url: n.webhook };
  const name = n.webhookEnv ?? '';
  const v = env[name]?.trim();
  if (!v) return { problem: `$${name} is not set or empty` };
  try {
    const u = new URL(v);
    if (u.protocol === 'https:' || u.protocol === 'http:') return { url: v };
  } catch {
    // said below, without the value
  }
  return { problem: `$${name} does not hold an http:// or https:// URL` };
}

/** Never throws: a notification is never what stops a pass or a loop. */
export async function notifyAfterPass(o: NotifyPassOptions): Promise<NotifyPassResult | null> {
  const n = o.notify;
  if (!n || o.pass <= 0) return null;
  const secret = n.webhook ?? (n.webhookEnv ? o.env[n.webhookEnv] : undefined) ?? '';
  try {
    return await notify(n, o);
  } catch (e) {
    const why = (e as Error).message ?? String(e);
    o.say(`notify: nothing sent for pass ${o.pass}: ${secret ? scrubUrl(why, secret) : why}\n`);
    return null;
  }
}

async function notify(n: NotifyConfig, o: NotifyPassOptions): Promise<NotifyPassResult> {
  const planDir = path.join(o.dayDir, PLANS, String(o.pass));
  const plan = readJson<PlanRecord>(path.join(planDir, 'plan.json')) ?? {};
  const applied = readJson<ApplyRecord>(path.join(planDir, 'apply.json'));
  const tellNeedsHuman = n.on.includes('needs-human');
  let rows: Array<{ host: string; cluster: string; op: string; reason: string; since: string }> = [];
  const nhFile = path.join(o.dayDir, 'needs-human.tsv');
  if (tellNeedsHuman && fs.existsSync(nhFile)) {
    rows = readTable(nhFile).rows.map((r) => ({ host: r.host ?? '', cluster: r.cluster ?? '', op: r.op ?? '', reason: r.reason ?? '', since: r.since ?? '' }));
  }
  const told = tellNeedsHuman ? readTold(o.dcDir) : new Set<string>();
  const fresh = rows.filter((r) => !told.has(needsHumanKey(r)));
  const all = passEvents({
    summary: o.summary,
    refusals: [...(plan.refusals ?? []), ...(applied?.refusals ?? []).map((r) => ({ ...r, fresh: true }))],
    stuck: plan.stuck ?? [],
    needsHuman: fresh,
    sourceFailures: [...(o.sourceFailures ?? new Map<string, string>())].map(([name, reason]) => ({ name, reason })),
    applied: applied?.outcomes ?? [],
    paused: pausedLine(plan.paused),
  });
  const events = all.filter((e) => n.on.includes(e.kind));
  const day = path.basename(o.dayDir);
  const result: NotifyPassResult = { events, message: null, post: null };
  let delivered = false;
  if (events.length > 0) {
    result.message = notifyMessage(events, { dc: o.dcName, day, pass: o.pass, where: `${o.dcName}/${day}/transcript.log` });
    const kinds = [...new Set(events.map((e) => e.kind))].join(', ');
    const target = webhookUrl(n, o.env);
    if ('problem' in target) o.say(`notify: ${target.problem}: no message sent for pass ${o.pass} (${events.length} event(s): ${kinds})\n`);
    else {
      result.post = await postJson(target.url, result.message, { timeoutMs: n.timeoutMs, signal: o.signal });
      const p = result.post;
      const shown = redactUrl(target.url);
      const took = `${p.tries === 1 ? '1 try' : `${p.tries} tries`} in ${(p.ms / 1000).toFixed(1)}s`;
      if (p.delivered) o.say(`notify: sent ${events.length} event(s) of pass ${o.pass} (${kinds}) to ${shown}\n`);
      else o.say(scrubUrl(`notify: ${shown} did not take the message of pass ${o.pass} (${took}): ${p.why}; the pass goes on\n`, target.url));
      delivered = p.delivered;
    }
  }
  if (tellNeedsHuman) {
    // Rows that left the table are forgotten, so a host that comes back is told again;
    // rows not delivered stay untold and go with the next message.
    const now = new Set(rows.map(needsHumanKey));
    const next = [...told].filter((k) => now.has(k));
    if (delivered) next.push(...fresh.map(needsHumanKey));
    const sorted = [...new Set(next)].sort();
    const before = [...told].sort();
    if (sorted.join('\n') !== before.join('\n')) {
      writeFileAtomic(path.join(o.dcDir, NOTIFY_STATE), JSON.stringify({ needs_human_told: sorted, day, pass: o.pass, time: o.now().toISOString() }, null, 2) + '\n');
    }
  }
  return result;
}
