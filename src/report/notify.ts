import type { NotifyKind } from '../config/config.js';

/**
 * What one pass tells a chat channel (pure): its events, and one short
 * message for them, readable on a phone. The message is an incoming-webhook
 * body that Slack and Mattermost both take (`text`), with the events beside it
 * for anything that reads the JSON.
 */

export interface NotifyEvent {
  kind: NotifyKind;
  cluster?: string;
  op?: string;
  host?: string;
  /** The hosts of an event about several (grouped refusals, applies), at most MAX_HOSTS of them. */
  hosts?: string[];
  message: string;
}

const MAX_HOSTS = 50;

/** `host` for one host, `hosts` for several. */
function who(hosts: readonly string[]): Pick<NotifyEvent, 'host' | 'hosts'> {
  if (hosts.length === 0) return {};
  return hosts.length === 1 ? { host: hosts[0]! } : { hosts: hosts.slice(0, MAX_HOSTS) };
}

export interface Refused {
  host: string | null;
  cluster: string;
  op: string;
  invariant: number;
  message: string;
  /** Refused when the plan was re-checked on fresh state just before acting. */
  fresh?: boolean;
}

export interface Applied {
  cluster: string;
  op: string;
  ok: readonly string[];
  failed: readonly string[];
  unreachable?: readonly string[];
  error?: string;
}

export interface PassFacts {
  /** The pass's summary text: its `warning KIND: ...` lines are the warnings. */
  summary: string | null;
  refusals: readonly Refused[];
  stuck: ReadonlyArray<{ host: string; cluster: string; op: string; why: string }>;
  /** The needs-human rows to tell about (those not told before). */
  needsHuman: ReadonlyArray<{ host: string; cluster: string; op: string; reason: string }>;
  sourceFailures: ReadonlyArray<{ name: string; reason: string }>;
  applied: readonly Applied[];
  /** The pause line, when the pass ran paused. */
  paused: string | null;
}

/** The order of the lines in a message: what stops work first, what went well last. */
export const KIND_ORDER: readonly NotifyKind[] = ['source-failed', 'paused', 'refusal', 'stuck', 'needs-human', 'warning', 'applied'];

/** `dw1, dw3 (+12 more)`. */
export function fold(items: readonly string[], show = 2): string {
  const uniq = [...new Set(items)];
  if (uniq.length <= show + 1) return uniq.join(', ');
  return `${uniq.slice(0, show).join(', ')} (+${uniq.length - show} more)`;
}

const firstLine = (text: string) => (text.split('\n').find((l) => l.trim() !== '') ?? '').trim();

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The `warning KIND: MESSAGE` lines of a pass summary. */
export function warningsOf(summary: string): NotifyEvent[] {
  const out: NotifyEvent[] = [];
  for (const line of summary.split('\n')) {
    const m = /^warning ([a-z][a-z-]*): (.+)$/.exec(line.trim());
    if (m) out.push({ kind: 'warning', message: `${m[1]}: ${m[2]}` });
  }
  return out;
}

/**
 * Every event of a pass, whatever `on` says. Refusals are grouped by cluster,
 * op and invariant (a storm refuses hundreds of hosts for one reason);
 * applies by cluster and op.
 */
export function passEvents(f: PassFacts): NotifyEvent[] {
  const events: NotifyEvent[] = [];
  // The first line says why; a command's stderr after it is in the transcript.
  for (const s of f.sourceFailures) events.push({ kind: 'source-failed', message: `${s.name}: ${clip(firstLine(s.reason).replace(/(;\s*its stderr)?:$/, ''), 300)}` });
  if (f.paused !== null) events.push({ kind: 'paused', message: f.paused });
  const groups = new Map<string, Refused[]>();
  for (const r of f.refusals) {
    const k = `${r.cluster}\t${r.op}\t${r.invariant}\t${r.fresh ? 1 : 0}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const rs of groups.values()) {
    const r = rs[0]!;
    const hosts = rs.map((x) => x.host).filter((h): h is string => h !== null);
    const many = hosts.length > 1 ? ` (${plural(hosts.length, 'host')}: ${fold(hosts)})` : '';
    events.push({
      kind: 'refusal',
      cluster: r.cluster,
      op: r.op,
      ...who(hosts),
      message: `invariant ${r.invariant}${r.fresh ? ' on fresh state' : ''}${many}: ${r.message}`,
    });
  }
  for (const s of f.stuck) events.push({ kind: 'stuck', cluster: s.cluster, op: s.op, host: s.host, message: s.why });
  for (const n of f.needsHuman) events.push({ kind: 'needs-human', cluster: n.cluster, op: n.op, host: n.host, message: n.reason });
  if (f.summary !== null) events.push(...warningsOf(f.summary));
  for (const a of f.applied) {
    const acted = a.ok.length + a.failed.length + (a.unreachable?.length ?? 0);
    if (acted === 0 && !a.error) continue;
    const parts = [`${a.ok.length} ok`];
    if (a.failed.length) parts.push(`${a.failed.length} failed`);
    if (a.unreachable?.length) parts.push(`${a.unreachable.length} unreachable`);
    const hosts = [...a.ok, ...a.failed, ...(a.unreachable ?? [])];
    events.push({
      kind: 'applied',
      cluster: a.cluster,
      op: a.op,
      ...who(hosts),
      // Counts and any error first: `N ok: hosts` alone means all went well.
      message: `${parts.join(', ')}${a.error ? ` (${firstLine(a.error)})` : ''}${hosts.length ? `: ${fold(hosts)}` : ''}`,
    });
  }
  return events;
}

/** Slack reads &, < and > as markup; both Slack and Mattermost show the escaped forms as the characters. */
function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The lines of one kind, most telling first; several events of a kind share a line where they can. */
function linesOf(kind: NotifyKind, events: readonly NotifyEvent[]): string[] {
  const byOp = (label: string) => {
    const ops = new Map<string, NotifyEvent[]>();
    for (const e of events) ops.set(e.op ?? '', [...(ops.get(e.op ?? '') ?? []), e]);
    return [...ops].map(([op, es]) => {
      const hosts = es.map((e) => e.host).filter((h): h is string => h !== undefined);
      return `${label} ${op}: ${fold(hosts)} (${fold(es.map((e) => e.cluster ?? ''))}): ${es[0]!.message}`;
    });
  };
  switch (kind) {
    case 'source-failed':
      return events.map((e) => `source failed: ${e.message}`);
    case 'paused':
      return events.map((e) => e.message);
    case 'refusal': {
      // One line per op and invariant across clusters: `refused drain in dw1, dw3 (+12 more): invariant 3: ...`.
      const lines = new Map<string, NotifyEvent[]>();
      for (const e of events) {
        const inv = /^invariant (\d+)( on fresh state)?/.exec(e.message)?.[0] ?? '';
        const k = `${e.op}\t${inv}`;
        lines.set(k, [...(lines.get(k) ?? []), e]);
      }
      return [...lines.values()].map((es) => `refused ${es[0]!.op} in ${fold(es.map((e) => e.cluster ?? ''))}: ${es[0]!.message}`);
    }
    case 'stuck':
      return byOp('stuck');
    case 'needs-human':
      return events.map((e) => `needs-human ${e.host} (${e.cluster} ${e.op}): ${e.message}`);
    case 'warning':
      return events.map((e) => `warning ${e.message}`);
    case 'applied': {
      // `applied drain in dw1, hb-meta: 3 host(s): a, b (+1 more)`; a cluster where something went wrong says what.
      const ops = new Map<string, NotifyEvent[]>();
      for (const e of events) ops.set(e.op ?? '', [...(ops.get(e.op ?? '') ?? []), e]);
      return [...ops].map(([op, es]) => {
        const hosts = es.flatMap((e) => e.hosts ?? (e.host ? [e.host] : []));
        const wrong = es.filter((e) => !/^\d+ ok(: |$)/.test(e.message));
        return `applied ${op} in ${fold(es.map((e) => e.cluster ?? ''))}: ${plural(hosts.length, 'host')}: ${fold(hosts)}${wrong.map((e) => `; ${e.cluster}: ${e.message}`).join('')}`;
      });
    }
  }
}

function headline(events: readonly NotifyEvent[]): string {
  const n = (k: NotifyKind) => events.filter((e) => e.kind === k).length;
  const parts: string[] = [];
  if (n('source-failed')) parts.push(`${plural(n('source-failed'), 'source')} failed`);
  if (n('paused')) parts.push('paused');
  // Refusals and applies are grouped events: name their ops rather than count groups.
  const ops = (k: NotifyKind) => fold(events.filter((e) => e.kind === k).map((e) => e.op ?? ''), 3);
  if (n('refusal')) parts.push(`refused ${ops('refusal')}`);
  if (n('stuck')) parts.push(`${n('stuck')} stuck`);
  if (n('needs-human')) parts.push(`${n('needs-human')} new needs-human`);
  if (n('warning')) parts.push(plural(n('warning'), 'warning'));
  if (n('applied')) parts.push(`applied ${ops('applied')}`);
  return parts.join('; ');
}

export interface MessageOptions {
  dc: string;
  day: string;
  pass: number;
  /** Where the whole story is, named on the last line when lines are left out. */
  where: string;
  /** Lines of `text` in all, the first included (default 15). */
  maxLines?: number;
  /** Characters in one line (default 240). */
  maxLineLength?: number;
  /** Events in the JSON (default 50). */
  maxEvents?: number;
}

export interface NotifyMessage {
  text: string;
  dc: string;
  day: string;
  pass: number;
  events: NotifyEvent[];
  /** Events left out of `events`. */
  omitted: number;
}

/**
 * The body of one message: a first line that says what kind of pass it was,
 * then the lines that matter, at most `maxLines` in all. Every kind present
 * keeps at least one line; what does not fit is counted and pointed to.
 */
export function notifyMessage(events: readonly NotifyEvent[], o: MessageOptions): NotifyMessage {
  const maxLines = Math.max(3, o.maxLines ?? 15);
  const width = o.maxLineLength ?? 240;
  const kinds = KIND_ORDER.filter((k) => events.some((e) => e.kind === k));
  const perKind = kinds.map((k) => linesOf(k, events.filter((e) => e.kind === k)));
  const total = perKind.reduce((s, ls) => s + ls.length, 0);
  const body: string[] = [];
  let left = maxLines - 1;
  let dropped = 0;
  if (total <= left) for (const ls of perKind) body.push(...ls);
  else {
    left -= 1; // the line that says where the rest is
    perKind.forEach((ls, i) => {
      const kindsAfter = perKind.length - i - 1;
      const room = Math.max(1, left - kindsAfter);
      const take = Math.min(ls.length, room);
      body.push(...ls.slice(0, take));
      dropped += ls.length - take;
      left -= take;
    });
  }
  const lines = [`breakfix ${o.dc} pass ${o.pass} (${o.day}): ${headline(events)}`, ...body];
  if (dropped > 0) lines.push(`(+${plural(dropped, 'line')} more in ${o.where})`);
  const maxEvents = o.maxEvents ?? 50;
  // What stops work first, so a cut keeps it.
  const ordered = [...events].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  return {
    text: lines.map((l) => escapeMarkup(clip(l, width))).join('\n'),
    dc: o.dc,
    day: o.day,
    pass: o.pass,
    events: ordered.slice(0, maxEvents),
    omitted: Math.max(0, events.length - maxEvents),
  };
}
