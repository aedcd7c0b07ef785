// Every command that plans or changes something records itself in the day's
// transcript.log: a header with its command line, user and host, then each
// line it printed, once. Read-only commands write nothing there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { breakfix, tempDirs, type Result } from '../support/cli.js';

const tmp = tempDirs();
const PERSON = { USER: 'oncall', LOGNAME: 'oncall', SUDO_USER: '' };
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

let dir = '';
let cwd = '';
const ran: Array<{ args: string[]; r: Result }> = [];
let beforeRead = '';
let afterRead = '';

const transcriptFile = () => path.join(dir, 'home', 'demo', 'today', 'transcript.log');
const transcript = () => (fs.existsSync(transcriptFile()) ? fs.readFileSync(transcriptFile(), 'utf8') : '');
/** What breakfix must record as the command line: each word as a POSIX shell takes it back. */
const quoted = (args: string[]) => args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

function bf(args: string[]): Result {
  const full = ['--config', path.join(dir, 'breakfix.yaml'), ...args];
  const r = breakfix(full, { cwd, env: PERSON });
  ran.push({ args: full, r });
  return r;
}

beforeAll(() => {
  dir = tmp('breakfix-transcript-');
  cwd = fs.realpathSync(dir);
  const d = breakfix(['demo', '--home', dir, '--passes', '0', '--seed', '1'], { cwd, env: PERSON });
  if (d.code !== 0) throw new Error(`demo exited ${d.code}: ${d.err}`);
  bf(['pass', '--op', 'drain', '--seed', '3']);
  bf(['pass', '--op', 'drain', '--seed', '4', '--apply']);
  bf(['plan', '--op', 'drain', '--seed', '5']);
  bf(['apply']);
  const two = path.join(dir, 'two');
  fs.writeFileSync(two, breakfix(['--config', path.join(dir, 'breakfix.yaml'), 'q', 'hadoop-workers', '--sample', '2', '--seed', '1'], { cwd, env: PERSON }).out);
  bf(['exec', two, '--', 'echo', "it's fine"]);
  bf(['pause', '--reason', 'rack 4: switch swap']);
  bf(['resume']);
  const open = JSON.parse(fs.readFileSync(path.join(dir, 'home', 'demo', 'open.json'), 'utf8')) as { entries: Array<{ host: string }> };
  bf(['release', open.entries[0]!.host, '--reason', 'finished by hand']);
  beforeRead = transcript();
  for (const args of [['q', 'all', '-c'], ['groups'], ['status'], ['policy', 'explain'], ['which', open.entries[0]!.host]]) {
    breakfix(['--config', path.join(dir, 'breakfix.yaml'), ...args], { cwd, env: PERSON });
  }
  afterRead = transcript();
}, 300_000);

describe('the transcript of commands run by hand', () => {
  it('every command ran', () => {
    for (const { args, r } of ran) expect(r.code === 0 || r.code === 3, `${args.join(' ')}: ${r.err}`).toBe(true);
  });

  it('has one header per command: its line as typed and quoted, the user, the host and the directory', () => {
    const lines = beforeRead.split('\n').filter(Boolean);
    for (const l of lines) expect(l).toMatch(STAMP);
    const headers = lines.map((l) => l.replace(STAMP, '')).filter((l) => l.startsWith('$ breakfix'));
    expect(headers).toEqual(ran.map(({ args }) => `$ breakfix ${quoted(args)}  # oncall@${os.hostname()} in ${cwd}`));
    expect(beforeRead).toContain(`pause --reason 'rack 4: switch swap'  # oncall@`);
    expect(beforeRead).toContain(`-- echo 'it'\\''s fine'  # oncall@`);
  });

  it('records after each header what the command printed, each line once, and how it ended', () => {
    const said = beforeRead.split('\n').filter(Boolean).map((l) => l.replace(STAMP, ''));
    const starts = said.map((l, i) => (l.startsWith('$ breakfix') ? i : -1)).filter((i) => i >= 0);
    ran.forEach(({ args, r }, k) => {
      const block = said.slice(starts[k]! + 1, starts[k + 1] ?? said.length);
      expect(block.at(-1), args.join(' ')).toBe(`exit ${r.code}`);
      // A pass by hand is headed as a loop's pass is, so status reads it back.
      const body = block.slice(0, -1).filter((l) => !/^=== pass \d+ demo \S+ (apply|dry run) \(by hand\) ===$/.test(l));
      const printed = r.out.split('\n');
      expect(printed.pop()).toBe('');
      expect(body, args.join(' ')).toEqual(printed);
      expect(printed.length).toBeGreaterThan(0);
    });
    const passHeaders = said.filter((l) => l.startsWith('=== pass '));
    expect(passHeaders).toEqual([expect.stringMatching(/^=== pass 1 demo \S+ dry run \(by hand\) ===$/), expect.stringMatching(/^=== pass 2 demo \S+ apply \(by hand\) ===$/)]);
  });

  it('the pause, the release and the exec name what they did', () => {
    expect(beforeRead).toMatch(/ paused by oncall@\S+ since \S+: rack 4: switch swap/);
    expect(beforeRead).toMatch(/ resumed datacenter demo/);
    expect(beforeRead).toMatch(/ released \S+ by oncall@\S+: finished by hand \(closed drain applied/);
    expect(beforeRead.match(/ ok +\S+ exit 0 /g)).toHaveLength(2);
  });

  it('read-only commands write nothing there', () => {
    expect(afterRead).toBe(beforeRead);
  });
});
