// Notifications after a pass: the events and the short message (pure), the
// POST against real servers on 127.0.0.1 (one that records, one that answers
// 500, one that never answers), what a pass tells from the files it wrote, and
// the config key `notify:`.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type NotifyConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { fold, notifyMessage, passEvents, warningsOf, type NotifyEvent, type PassFacts } from '../../src/report/notify.js';
import { NOTIFY_STATE, notifyAfterPass } from '../../src/report/notify-pass.js';
import { postJson, redactUrl, scrubUrl } from '../../src/report/webhook.js';
import { lines, tempDirs, writeFiles } from '../support/cli.js';
import { thrown } from '../support/thrown.js';
import { hooksClosedAfterEach, startHook } from '../support/webhook.js';

const tempDir = tempDirs();
const TOKEN_PATH = '/hooks/T000/B000/SECRET';
const hook = hooksClosedAfterEach();

const NO_FACTS: PassFacts = { summary: null, refusals: [], stuck: [], needsHuman: [], sourceFailures: [], applied: [], paused: null };

// ---------------------------------------------------------------- events and message (pure)

describe('events of a pass', () => {
  it('folds long lists', () => {
    expect(fold(['dw1'])).toBe('dw1');
    expect(fold(['dw1', 'dw2', 'dw3'])).toBe('dw1, dw2, dw3');
    expect(fold(['dw1', 'dw3', ...Array.from({ length: 12 }, (_, i) => `x${i}`)])).toBe('dw1, dw3 (+12 more)');
    expect(fold(['a', 'a', 'b'])).toBe('a, b');
  });

  it('reads the warning lines of a summary, nothing else', () => {
    const summary = lines(
      'summary pass 4: 2 group(s) changed since the last pass, 40 unchanged',
      'group       count  change  trend',
      'hdfs-dead       9      +3  ▁▂▅█',
      'warning growing: hdfs-dead grew three passes in a row: 3 -> 5 -> 6 -> 9',
      'warning swing: responsive moved 200 -> 150 (25.0% of 200 hosts, limit 20%): ops reading it are refused (invariant 6)',
    );
    expect(warningsOf(summary)).toEqual([
      { kind: 'warning', message: 'growing: hdfs-dead grew three passes in a row: 3 -> 5 -> 6 -> 9' },
      { kind: 'warning', message: 'swing: responsive moved 200 -> 150 (25.0% of 200 hosts, limit 20%): ops reading it are refused (invariant 6)' },
    ]);
    expect(warningsOf('summary pass 1: 0 group(s) changed\n')).toEqual([]);
  });

  it('groups refusals by cluster, op and invariant, and applies by cluster and op', () => {
    const refusals = Array.from({ length: 30 }, (_, i) => ({ host: `dn${String(i).padStart(2, '0')}.x`, cluster: 'dw1', op: 'rekick', invariant: 1, message: `dn${i}.x is live` }));
    const events = passEvents({
      ...NO_FACTS,
      refusals: [...refusals, { host: null, cluster: 'dw2', op: 'drain', invariant: 3, message: 'missing blocks in dw2' }],
      applied: [
        { cluster: 'dw1', op: 'drain', ok: ['a.x', 'b.x'], failed: ['c.x'] },
        { cluster: 'dw2', op: 'reboot', ok: [], failed: [] },
      ],
    });
    expect(events).toEqual([
      { kind: 'refusal', cluster: 'dw1', op: 'rekick', hosts: refusals.map((r) => r.host), message: 'invariant 1 (30 hosts: dn00.x, dn01.x (+28 more)): dn0.x is live' },
      { kind: 'refusal', cluster: 'dw2', op: 'drain', message: 'invariant 3: missing blocks in dw2' },
      { kind: 'applied', cluster: 'dw1', op: 'drain', hosts: ['a.x', 'b.x', 'c.x'], message: '2 ok, 1 failed: a.x, b.x, c.x' },
    ]);
    // A cluster where an apply went wrong says so on its op's line.
    const text = notifyMessage(events, { dc: 'dc1', day: 'd', pass: 1, where: 'w' }).text.split('\n');
    expect(text.at(-1)).toBe('applied drain in dw1: 3 hosts: a.x, b.x, c.x; dw1: 2 ok, 1 failed: a.x, b.x, c.x');
  });

  it('keeps the message to 15 lines, every kind with a line, and says where the rest is', () => {
    const events: NotifyEvent[] = [
      { kind: 'source-failed', message: 'hdfs-dw1: command hdfs dfsadmin -report <stdin> timed out after 30s' },
      ...Array.from({ length: 40 }, (_, i): NotifyEvent => ({ kind: 'needs-human', host: `dn${i}.x`, cluster: 'dw1', op: 'reboot', message: 'reboot failed' })),
      ...Array.from({ length: 20 }, (_, i): NotifyEvent => ({ kind: 'refusal', cluster: `c${i}`, op: i % 2 ? 'drain' : 'rekick', message: `invariant ${(i % 3) + 1}: no` })),
      { kind: 'warning', message: 'growing: hdfs-dead grew three passes in a row: 1 -> 2 -> 3 -> 4' },
      { kind: 'applied', cluster: 'dw1', op: 'drain', message: '2 ok: a.x, b.x' },
    ];
    const m = notifyMessage(events, { dc: 'dc1', day: '2026-12-01', pass: 7, where: 'dc1/2026-12-01/transcript.log' });
    const ls = m.text.split('\n');
    expect(ls.length).toBeLessThanOrEqual(15);
    expect(ls[0]).toBe('breakfix dc1 pass 7 (2026-12-01): 1 source failed; refused rekick, drain; 40 new needs-human; 1 warning; applied drain');
    expect(ls[1]).toMatch(/^source failed: hdfs-dw1: /);
    for (const want of [/^refused /, /^needs-human dn0\.x \(dw1 reboot\): reboot failed$/, /^warning growing: /, /^applied drain in dw1: /]) {
      expect(ls.some((l) => want.test(l)), String(want)).toBe(true);
    }
    expect(ls.at(-1)).toMatch(/^\(\+\d+ lines more in dc1\/2026-12-01\/transcript\.log\)$/);
    // Refusals of one op and invariant share a line across clusters.
    expect(ls.find((l) => l.startsWith('refused rekick in c0, c6 (+'))).toBeTruthy();
    // Slack markup is escaped in the text, never in the events.
    expect(m.text).toContain('1 -&gt; 2');
    expect(m.text).toContain('report &lt;stdin&gt; timed out');
    expect(m.events[0]!.message).toContain('report <stdin> timed out');
    // The JSON keeps 50 events, what stops work first.
    expect(m.events.length).toBe(50);
    expect(m.omitted).toBe(events.length - 50);
    expect(m.events.map((e) => e.kind).slice(0, 2)).toEqual(['source-failed', 'refusal']);
    expect(m.events.some((e) => e.kind === 'applied')).toBe(false);
  });

  it('sends everything when it fits', () => {
    const m = notifyMessage([{ kind: 'paused', message: 'paused by sre@h since T: upgrade (until resumed)' }], { dc: 'dc1', day: 'd', pass: 2, where: 'w' });
    expect(m.text).toBe('breakfix dc1 pass 2 (d): paused\npaused by sre@h since T: upgrade (until resumed)');
  });
});

// ---------------------------------------------------------------- the POST

describe('postJson', () => {
  it('redacts a webhook URL to scheme://host[:port]/…', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/SECRET')).toBe('https://hooks.slack.com/…');
    expect(redactUrl('http://user:pw@127.0.0.1:8065/hooks/SECRET?token=abc')).toBe('http://127.0.0.1:8065/…');
    expect(redactUrl('not a url')).toBe('(webhook URL)');
    expect(scrubUrl('fetch http://h:1/hooks/T/SECRET?x=1 failed at /hooks/T/SECRET', 'http://h:1/hooks/T/SECRET?x=1')).toBe('fetch http://h:1/… failed at /…');
  });

  it('POSTs JSON once to the URL it was given', async () => {
    const h = await hook();
    const r = await postJson(`${h.base}${TOKEN_PATH}`, { text: 'hi' }, { timeoutMs: 2000 });
    expect(r).toMatchObject({ delivered: true, tries: 1, status: 200, why: null });
    expect(h.received).toHaveLength(1);
    expect(h.received[0]).toMatchObject({ method: 'POST', path: TOKEN_PATH, body: '{"text":"hi"}' });
    expect(h.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('tries a 500 three times within the budget, with waits between', async () => {
    const h = await hook(() => ({ status: 500, body: 'oops' }));
    const t0 = performance.now();
    const r = await postJson(`${h.base}${TOKEN_PATH}`, { text: 'x' }, { timeoutMs: 3000, backoffMs: 100 });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r).toMatchObject({ delivered: false, tries: 3, status: 500, why: 'HTTP 500 Internal Server Error: oops' });
    expect(h.received).toHaveLength(3);
    expect(h.received[2]!.at - h.received[0]!.at).toBeGreaterThanOrEqual(250);
  });

  it('stops trying when the next wait would not fit in the budget', async () => {
    const h = await hook(() => ({ status: 503 }));
    const r = await postJson(`${h.base}/x`, {}, { timeoutMs: 300, backoffMs: 200 });
    expect(r.delivered).toBe(false);
    expect(r.tries).toBe(2);
    expect(r.ms).toBeLessThan(300);
  });

  it('does not repeat an answer that will not change (4xx)', async () => {
    const h = await hook(() => ({ status: 404, body: 'no_service' }));
    const r = await postJson(`${h.base}${TOKEN_PATH}`, {}, { timeoutMs: 2000 });
    expect(r).toMatchObject({ delivered: false, tries: 1, status: 404, why: 'HTTP 404 Not Found: no_service' });
    expect(h.received).toHaveLength(1);
  });

  it('follows no redirect: only the configured URL is asked', async () => {
    const h = await hook(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    const r = await postJson(`${h.base}${TOKEN_PATH}`, {}, { timeoutMs: 2000 });
    expect(r.delivered).toBe(false);
    expect(r.why).toMatch(/^HTTP 302: a redirect, not followed/);
    expect(h.received.map((x) => x.path)).toEqual([TOKEN_PATH]);
  });

  it('gives up on a webhook that never answers once the budget is spent', async () => {
    const h = await hook(() => 'hang');
    const t0 = performance.now();
    const r = await postJson(`${h.base}${TOKEN_PATH}`, {}, { timeoutMs: 700 });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(700 + 500);
    expect(r).toMatchObject({ delivered: false, tries: 1, why: 'no answer within 0.7s' });
  });

  it('says why when nothing listens, without the path', async () => {
    // Not tracked: closed here, so nothing listens on its port.
    const h = await startHook();
    const url = `${h.base}${TOKEN_PATH}`;
    await h.close();
    const r = await postJson(url, {}, { timeoutMs: 1500, backoffMs: 50 });
    expect(r.delivered).toBe(false);
    expect(r.tries).toBe(3);
    expect(r.why).toBe('ECONNREFUSED');
  });

  it('stops at once when the loop is asked to stop', async () => {
    const h = await hook(() => 'hang');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const r = await postJson(`${h.base}/x`, {}, { timeoutMs: 5000, signal: ac.signal });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.why).toBe('stopped, as asked');
  });
});

// ---------------------------------------------------------------- after a pass

interface Fake {
  dcDir: string;
  dayDir: string;
  said: string[];
}

const DAY = '2026-12-01';

function fakeDc(): Fake {
  const home = tempDir('breakfix-notify-');
  const dcDir = path.join(home, 'dc1');
  const dayDir = path.join(dcDir, DAY);
  fs.mkdirSync(dayDir, { recursive: true });
  return { dcDir, dayDir, said: [] };
}

/** What a pass leaves for notify to read: plan.json (with refusals, stuck, paused), apply.json, needs-human.tsv. */
function writePass(f: Fake, pass: number, o: { refusals?: unknown[]; stuck?: unknown[]; paused?: unknown; outcomes?: unknown[]; needsHuman?: string[][] } = {}): void {
  const files: Record<string, string> = {
    [`plans/${pass}/plan.json`]: JSON.stringify({ pass, refusals: o.refusals ?? [], stuck: o.stuck ?? [], paused: o.paused ?? null }),
    'needs-human.tsv': lines('host\tcluster\top\treason\tsince', ...(o.needsHuman ?? []).map((r) => r.join('\t'))),
  };
  if (o.outcomes) files[`plans/${pass}/apply.json`] = JSON.stringify({ applied: 'T', outcomes: o.outcomes, refusals: [] });
  writeFiles(f.dayDir, files);
}

function options(f: Fake, notify: NotifyConfig, pass: number, extra: Partial<Parameters<typeof notifyAfterPass>[0]> = {}) {
  return {
    notify,
    dcName: 'dc1',
    dcDir: f.dcDir,
    dayDir: f.dayDir,
    pass,
    summary: null,
    env: {},
    now: () => new Date(`${DAY}T12:00:00Z`),
    say: (t: string) => f.said.push(t),
    ...extra,
  };
}

const DEFAULT_ON: NotifyConfig['on'] = ['warning', 'refusal', 'needs-human', 'stuck', 'source-failed', 'paused'];

describe('notifyAfterPass', () => {
  it('sends one message for an eventful pass and none for a quiet one', async () => {
    const h = await hook();
    const f = fakeDc();
    const n: NotifyConfig = { webhook: `${h.base}${TOKEN_PATH}`, webhookEnv: null, on: DEFAULT_ON, timeoutMs: 2000 };
    writePass(f, 1, {
      refusals: [
        { host: 'dn1.x', cluster: 'dw1', op: 'rekick', invariant: 1, message: 'dn1.x is a live DataNode' },
        { host: 'dn2.x', cluster: 'dw3', op: 'rekick', invariant: 1, message: 'dn2.x is a live DataNode' },
      ],
      stuck: [{ host: 'dn7.x', cluster: 'dw1', op: 'reboot', since: 'T', why: 'reboot applied 2h ago is still open' }],
    });
    const r1 = await notifyAfterPass(options(f, n, 1, { sourceFailures: new Map([['hdfs-dw2', 'command hdfs timed out\nits stderr: ...']]), summary: 'summary pass 1\nwarning growing: hdfs-dead grew three passes in a row: 1 -> 2 -> 3 -> 4\n' }));
    expect(h.received).toHaveLength(1);
    const body = h.bodies()[0]!;
    expect(body).toMatchObject({ dc: 'dc1', pass: 1, day: DAY });
    expect((body.events as NotifyEvent[]).map((e) => e.kind)).toEqual(['source-failed', 'refusal', 'refusal', 'stuck', 'warning']);
    expect(String(body.text).split('\n')).toEqual([
      'breakfix dc1 pass 1 (2026-12-01): 1 source failed; refused rekick; 1 stuck; 1 warning',
      'source failed: hdfs-dw2: command hdfs timed out',
      'refused rekick in dw1, dw3: invariant 1: dn1.x is a live DataNode',
      'stuck reboot: dn7.x (dw1): reboot applied 2h ago is still open',
      'warning growing: hdfs-dead grew three passes in a row: 1 -&gt; 2 -&gt; 3 -&gt; 4',
    ]);
    expect(r1?.post?.delivered).toBe(true);
    expect(f.said).toEqual([`notify: sent 5 event(s) of pass 1 (source-failed, refusal, stuck, warning) to ${h.base}/…\n`]);

    // Pass 2: only an apply, which the default `on` leaves out.
    writePass(f, 2, { outcomes: [{ cluster: 'dw1', op: 'drain', ok: ['a.x'], failed: [] }] });
    const r2 = await notifyAfterPass(options(f, n, 2, { summary: 'summary pass 2\n' }));
    expect(r2?.events).toEqual([]);
    expect(h.received).toHaveLength(1);
    expect(f.said).toHaveLength(1);

    // The same pass with applied in `on`.
    await notifyAfterPass(options(f, { ...n, on: ['applied'] }, 2));
    expect(h.received).toHaveLength(2);
    expect(h.bodies()[1]!.text).toBe('breakfix dc1 pass 2 (2026-12-01): applied drain\napplied drain in dw1: 1 host: a.x');
  });

  it('tells each needs-human row once, and again when it comes back', async () => {
    const h = await hook();
    const f = fakeDc();
    const n: NotifyConfig = { webhook: `${h.base}/x`, webhookEnv: null, on: ['needs-human'], timeoutMs: 2000 };
    const a = ['a.x', 'dw1', 'reboot', 'reboot applied 2h ago is still open', '2026-12-01T09:00:00.000Z'];
    const b = ['b.x', 'dw1', 'rekick', 'rekick failed: see exec/3/rekick/b.x.out', '2026-12-01T10:00:00.000Z'];
    writePass(f, 1, { needsHuman: [a] });
    await notifyAfterPass(options(f, n, 1));
    expect(h.received).toHaveLength(1);
    // The reason's age grows; the row is the same.
    writePass(f, 2, { needsHuman: [[...a.slice(0, 3), 'reboot applied 3h ago is still open', a[4]!]] });
    await notifyAfterPass(options(f, n, 2));
    expect(h.received).toHaveLength(1);
    writePass(f, 3, { needsHuman: [a, b] });
    await notifyAfterPass(options(f, n, 3));
    expect(h.received).toHaveLength(2);
    expect((h.bodies()[1]!.events as NotifyEvent[]).map((e) => e.host)).toEqual(['b.x']);
    // Released, then back: told again.
    writePass(f, 4, { needsHuman: [b] });
    await notifyAfterPass(options(f, n, 4));
    writePass(f, 5, { needsHuman: [a, b] });
    await notifyAfterPass(options(f, n, 5));
    expect(h.received).toHaveLength(3);
    expect((h.bodies()[2]!.events as NotifyEvent[]).map((e) => e.host)).toEqual(['a.x']);
    const state = JSON.parse(fs.readFileSync(path.join(f.dcDir, NOTIFY_STATE), 'utf8'));
    expect(state.needs_human_told).toHaveLength(2);
  });

  it('keeps a row untold while the webhook fails, and tells it once it answers', async () => {
    let up = false;
    const h = await hook(() => (up ? { status: 200 } : { status: 500 }));
    const f = fakeDc();
    const n: NotifyConfig = { webhook: `${h.base}${TOKEN_PATH}`, webhookEnv: null, on: ['needs-human'], timeoutMs: 1000 };
    writePass(f, 1, { needsHuman: [['a.x', 'dw1', 'reboot', 'why', 'T1']] });
    await notifyAfterPass(options(f, n, 1));
    expect(h.received).toHaveLength(3);
    expect(f.said).toHaveLength(1);
    expect(f.said[0]).toMatch(new RegExp(`^notify: ${h.base.replace(/\./g, '\\.')}/… did not take the message of pass 1 \\(3 tries in \\d+\\.\\ds\\): HTTP 500 Internal Server Error; the pass goes on\\n$`));
    up = true;
    writePass(f, 2, { needsHuman: [['a.x', 'dw1', 'reboot', 'why', 'T1']] });
    await notifyAfterPass(options(f, n, 2));
    expect(h.received).toHaveLength(4);
    expect(f.said[1]).toMatch(/^notify: sent 1 event\(s\) of pass 2 \(needs-human\)/);
  });

  it('finishes within the timeout when the webhook hangs, with one line and no token', async () => {
    const h = await hook(() => 'hang');
    const f = fakeDc();
    const url = `${h.base}${TOKEN_PATH}`;
    writePass(f, 1, { paused: { by: 'sre@box', reason: 'upgrade', since: 'T', until: null, file: '/x/pause.json', errors: [] } });
    const t0 = performance.now();
    const r = await notifyAfterPass(options(f, { webhook: null, webhookEnv: 'HOOK_URL', on: ['paused'], timeoutMs: 800 }, 1, { env: { HOOK_URL: url } }));
    expect(performance.now() - t0).toBeLessThan(800 + 500);
    expect(r?.post).toMatchObject({ delivered: false, tries: 1 });
    expect(f.said).toEqual([`notify: ${h.base}/… did not take the message of pass 1 (1 try in 0.8s): no answer within 0.8s; the pass goes on\n`]);
    expect(h.received).toHaveLength(1);
    expect(JSON.parse(h.received[0]!.body).text).toBe('breakfix dc1 pass 1 (2026-12-01): paused\npaused by sre@box since T: upgrade (until resumed)');
    expect(f.said.join('')).not.toContain('SECRET');
    expect(f.said.join('')).not.toContain('/hooks/');
  });

  it('says so in one line when webhook_env is not set', async () => {
    const f = fakeDc();
    writePass(f, 1, { paused: { file: '/x/pause.json', errors: ['bad'] } });
    await notifyAfterPass(options(f, { webhook: null, webhookEnv: 'HOOK_URL', on: ['paused'], timeoutMs: 800 }, 1, { env: { HOOK_URL: '' } }));
    expect(f.said).toEqual(['notify: $HOOK_URL is not set or empty: no message sent for pass 1 (1 event(s): paused)\n']);
    f.said.length = 0;
    await notifyAfterPass(options(f, { webhook: null, webhookEnv: 'HOOK_URL', on: ['paused'], timeoutMs: 800 }, 1, { env: { HOOK_URL: 'hooks.example.com/T000/SECRET' } }));
    expect(f.said).toEqual(['notify: $HOOK_URL does not hold an http:// or https:// URL: no message sent for pass 1 (1 event(s): paused)\n']);
  });

  it('never throws: an unreadable day directory is one line', async () => {
    const f = fakeDc();
    fs.mkdirSync(path.join(f.dayDir, 'needs-human.tsv'));
    const r = await notifyAfterPass(options(f, { webhook: 'http://127.0.0.1:9/hooks/T000/B000/SECRET', webhookEnv: null, on: ['needs-human'], timeoutMs: 500 }, 1));
    expect(r).toBeNull();
    expect(f.said).toHaveLength(1);
    expect(f.said[0]).toMatch(/^notify: nothing sent for pass 1: /);
    expect(f.said[0]).not.toContain('SECRET');
  });

  it('does nothing without notify: in the config', async () => {
    const f = fakeDc();
    writePass(f, 1, { paused: { by: 'a', reason: 'b', since: 'c', until: null } });
    expect(await notifyAfterPass(options(f, null as unknown as NotifyConfig, 1))).toBeNull();
    expect(f.said).toEqual([]);
  });
});

// ---------------------------------------------------------------- the config key

describe('notify: in the config', () => {
  const configWith = (notify: string): string => {
    const dir = tempDir('breakfix-notify-config-');
    const file = path.join(dir, 'breakfix.yaml');
    fs.writeFileSync(file, lines('home: ./home', 'datacenters:', '  dc1:', '    sources: {}', '    notify:', ...notify.split('\n').map((l) => `      ${l}`)));
    return file;
  };

  it('takes a webhook or webhook_env, with defaults for on and timeout', () => {
    const a = loadConfig(configWith(`webhook: "https://hooks.slack.com/services${TOKEN_PATH}"`)).datacenters.get('dc1')!.notify;
    expect(a).toEqual({ webhook: `https://hooks.slack.com/services${TOKEN_PATH}`, webhookEnv: null, on: DEFAULT_ON, timeoutMs: 5000 });
    const b = loadConfig(configWith('webhook_env: SLACK_HOOK\non: [applied, refusal, applied]\ntimeout: 2s')).datacenters.get('dc1')!.notify;
    expect(b).toEqual({ webhook: null, webhookEnv: 'SLACK_HOOK', on: ['applied', 'refusal'], timeoutMs: 2000 });
  });

  const cases: Array<[string, string, number, RegExp]> = [
    ['an unknown key', 'webhook: https://h/x\nretries: 5', 7, /datacenters\.dc1\.notify\.retries: unknown key; expected one of: webhook, webhook_env, on, timeout$/],
    ['a bad timeout', 'webhook: https://h/x\ntimeout: soon', 7, /notify\.timeout: expected a duration like 30s/],
    ['a timeout too long', 'webhook: https://h/x\ntimeout: 10m', 7, /notify\.timeout: expected more than 0s and at most 60s/],
    ['a zero timeout', 'webhook: https://h/x\ntimeout: 0s', 7, /notify\.timeout: expected more than 0s/],
    ['both webhook and webhook_env', 'webhook: https://h/x\nwebhook_env: HOOK', 7, /notify\.webhook_env: give webhook or webhook_env, not both/],
    ['neither', 'on: [refusal]', 6, /notify: webhook: missing; give webhook: URL, or webhook_env: NAME/],
    ['an unknown kind', 'webhook: https://h/x\non: [refusal, fire]', 7, /notify\.on\[1\]: expected one of warning, refusal, needs-human, stuck, source-failed, applied, paused, found "fire"/],
    ['an empty on', 'webhook: https://h/x\non: []', 7, /notify\.on: an empty list sends nothing/],
    ['a webhook that is no URL', `webhook: "hooks.slack.com${TOKEN_PATH}"`, 6, /notify\.webhook: expected an http:\/\/ or https:\/\/ URL$/],
    ['a bad variable name', 'webhook_env: "$HOOK"', 6, /notify\.webhook_env: expected the name of an environment variable/],
  ];
  it.each(cases)('refuses %s, naming the file and the line', (_name, text, line, message) => {
    const file = configWith(text);
    const e = thrown(ConfigError, () => loadConfig(file));
    expect(e.file).toBe(file);
    expect(e.line).toBe(line);
    expect(e.message.startsWith(`${file}:${line}: `)).toBe(true);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('SECRET');
  });
});
