// `notify:` end to end: `breakfix loop` over the simulated datacenter of
// `breakfix demo`, posting to webhooks on 127.0.0.1 that this test runs — one
// that records, one that never answers, one that answers 500. The loop runs
// as a child process without blocking this one, so the servers can answer.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempDirs } from '../support/cli.js';
import { hooksClosedAfterEach } from '../support/webhook.js';

const tempDir = tempDirs();
const TOKEN_PATH = '/hooks/T000/B000/SECRET';
// Each test builds a demo datacenter and runs passes of it: give a loaded machine room.
const SLOW = 240_000;
const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) /;
const hook = hooksClosedAfterEach();

interface Dc {
  dir: string;
  config: string;
  dcDir: string;
}

/** `breakfix demo --passes 0`, then the given lines added under the datacenter as `notify:`. */
async function demoWith(notify: string[]): Promise<Dc> {
  const dir = tempDir('breakfix-notify-e2e-');
  const r = await run(dir, ['demo', '--home', dir, '--passes', '0', '--seed', '1']);
  expect(r.code, r.err).toBe(0);
  const config = path.join(dir, 'breakfix.yaml');
  const text = fs.readFileSync(config, 'utf8');
  const exec = /^ {4}exec: .*\n/m;
  expect(text).toMatch(exec);
  fs.writeFileSync(config, text.replace(exec, (m) => `${m}    notify:\n${notify.map((l) => `      ${l}\n`).join('')}`));
  return { dir, config, dcDir: path.join(dir, 'home', 'demo') };
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const loop = (dc: Dc, passes: number, env: Record<string, string> = {}) =>
  run(dc.dir, ['--config', dc.config, 'loop', '--apply', '--max-passes', String(passes), '--every', '1s', '--seed', '1'], env);

const transcript = (dc: Dc) => fs.readFileSync(path.join(dc.dcDir, 'today', 'transcript.log'), 'utf8');
const notifyLines = (text: string) => text.split('\n').filter((l) => /^(\S+Z )?notify: /.test(l));

/** Every file under a directory, with its content. */
function everyFile(dir: string, out: Array<{ file: string; text: string }> = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) everyFile(p, out);
    else if (e.isFile()) out.push({ file: p, text: fs.readFileSync(p, 'latin1') });
  }
  return out;
}

/** The passes of today whose apply acted on a host. */
function passesThatApplied(dc: Dc): number[] {
  const plans = path.join(dc.dcDir, 'today', 'plans');
  return fs
    .readdirSync(plans)
    .map(Number)
    .filter((p) => {
      const f = path.join(plans, String(p), 'apply.json');
      if (!fs.existsSync(f)) return false;
      const a = JSON.parse(fs.readFileSync(f, 'utf8')) as { outcomes: Array<{ ok: string[]; failed: string[] }> };
      return a.outcomes.some((o) => o.ok.length + o.failed.length > 0);
    })
    .sort((a, b) => a - b);
}

describe('loop with notify:', () => {
  it('sends exactly one message per pass with events of the kinds in on, and none for the others', async () => {
    const h = await hook();
    const dc = await demoWith([`webhook: "${h.base}${TOKEN_PATH}"`, 'on: [applied, paused]']);
    const r = await loop(dc, 3);
    expect(r.code, r.err).toBe(0);
    const applied = passesThatApplied(dc);
    // The demo acts in its first pass and then waits for what it started.
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.length).toBeLessThan(3);
    expect(h.received.map((x) => [x.method, x.path, x.headers['content-type']])).toEqual(applied.map(() => ['POST', TOKEN_PATH, 'application/json']));
    const bodies = h.bodies();
    expect(bodies.map((b) => b.pass)).toEqual(applied);
    for (const b of bodies) {
      expect(b.dc).toBe('demo');
      const text = String(b.text).split('\n');
      expect(text[0]).toMatch(new RegExp(`^breakfix demo pass ${b.pass} \\(\\d{4}-\\d{2}-\\d{2}\\): applied `));
      expect(text.length).toBeLessThanOrEqual(15);
      expect(text.slice(1).every((l) => l.startsWith('applied '))).toBe(true);
      expect((b.events as Array<{ kind: string }>).every((e) => e.kind === 'applied')).toBe(true);
    }
    expect(notifyLines(r.out)).toEqual(applied.map((p) => expect.stringMatching(new RegExp(`^notify: sent \\d+ event\\(s\\) of pass ${p} \\(applied\\) to ${h.base.replace(/\./g, '\\.')}/…$`))));
    expect(notifyLines(transcript(dc))).toHaveLength(applied.length);

    // Paused: the next pass applies nothing, and says so once.
    const p = await run(dc.dir, ['--config', dc.config, 'pause', '--reason', 'rack power work']);
    expect(p.code, p.err).toBe(0);
    const again = await loop(dc, 1);
    expect(again.code, again.err).toBe(0);
    expect(h.received).toHaveLength(applied.length + 1);
    const last = h.bodies().at(-1)!;
    expect(String(last.text)).toMatch(/^breakfix demo pass 4 \(\S+\): paused\npaused by \S+ since \S+: rack power work \(until resumed\)$/);
    for (const out of [r.out, r.err, again.out, again.err, transcript(dc)]) expect(out).not.toContain('SECRET');
  }, SLOW);

  it('finishes a pass within the timeout when the webhook never answers, with one line and no token anywhere', async () => {
    const h = await hook(() => 'hang');
    const dc = await demoWith(['webhook_env: BREAKFIX_TEST_HOOK', 'on: [warning, refusal, needs-human, stuck, source-failed, applied, paused]', 'timeout: 1s']);
    const r = await loop(dc, 1, { BREAKFIX_TEST_HOOK: `${h.base}${TOKEN_PATH}` });
    expect(r.code, r.err).toBe(0);
    expect(h.received).toHaveLength(1);
    const shown = `${h.base}/…`;
    expect(notifyLines(r.out)).toEqual([`notify: ${shown} did not take the message of pass 1 (1 try in 1.0s): no answer within 1s; the pass goes on`]);
    // The line comes at most the timeout and a little after the summary before it.
    const lines = transcript(dc).split('\n');
    const at = (re: RegExp) => Date.parse(STAMP.exec(lines.find((l) => re.test(l.replace(STAMP, '')))!)![1]!);
    const waited = at(/^notify: /) - at(/^summary pass 1/);
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(1000 + 1000);
    expect(notifyLines(transcript(dc))).toHaveLength(1);
    for (const out of [r.out, r.err, ...everyFile(dc.dcDir).map((f) => f.text)]) {
      expect(out).not.toContain('SECRET');
      expect(out).not.toContain('/hooks/T000');
    }
  }, SLOW);

  it('tries a webhook that answers 500 a bounded number of times; the loop exits as it would have', async () => {
    const h = await hook(() => ({ status: 500, body: 'internal error' }));
    const dc = await demoWith([`webhook: "${h.base}${TOKEN_PATH}"`, 'on: [applied]', 'timeout: 3s']);
    const r = await loop(dc, 1);
    expect(r.code, r.err).toBe(0);
    expect(h.received.map((x) => x.path)).toEqual([TOKEN_PATH, TOKEN_PATH, TOKEN_PATH]);
    expect(notifyLines(r.out)).toEqual([expect.stringMatching(/^notify: http:\/\/127\.0\.0\.1:\d+\/… did not take the message of pass 1 \(3 tries in \d\.\ds\): HTTP 500 Internal Server Error: internal error; the pass goes on$/)]);
    expect(notifyLines(transcript(dc))).toHaveLength(1);
    expect(r.out + r.err + transcript(dc)).not.toContain('SECRET');
  }, SLOW);

  it('refuses a config with both webhook and webhook_env, naming the file and the line', async () => {
    const dc = await demoWith([`webhook: "https://hooks.example.com${TOKEN_PATH}"`, 'webhook_env: HOOK']);
    const r = await loop(dc, 1);
    expect(r.code).not.toBe(0);
    const line = fs.readFileSync(dc.config, 'utf8').split('\n').findIndex((l) => l.includes('webhook_env:')) + 1;
    expect(r.err).toContain(`${dc.config}:${line}: datacenters.demo.notify.webhook_env: give webhook or webhook_env, not both`);
    expect(r.out + r.err).not.toContain('SECRET');
  }, SLOW);
});
