// `policy explain --history` and `policy diff REV` against real git: a demo
// datacenter whose directory is a git work tree with the policy in a
// subdirectory, two commits by two people, the second changing one number.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { breakfix, tempDirs } from '../support/cli.js';

const tmp = tempDirs();

interface Prov {
  what: string;
  file: string;
  line: number;
  commit: string | null;
  short: string | null;
  author: string | null;
  subject: string | null;
  committed: boolean;
}
interface Row {
  cluster: string;
  op: string;
  archetype: string;
  workers: number;
  pct: number;
  cap: number;
  history: Prov[] | null;
}
interface Change {
  cluster: string;
  op: string;
  old: { cap: number | null };
  new: { cap: number | null };
}

let dir = '';
let policyFile = '';
/** git and breakfix both run with a HOME and no system config of their own: no setting of the machine leaks in. */
let env: Record<string, string> = {};
const first = { author: 'Ann Admin', subject: 'seed policy: the shipped example' };
const second = { author: 'Bob Oncall', subject: 'raise default drain pct 6 → 9: INC-1234 showed recovery was bandwidth-bound' };
const hashes: { first: string; second: string } = { first: '', second: '' };

function git(args: string[], who?: string): string {
  const r = spawnSync('git', who ? ['-c', `user.name=${who}`, ...args] : args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const bf = (args: string[], cwd = dir) => breakfix(['--config', path.join(dir, 'breakfix.yaml'), ...args], { cwd, env });

/** The 1-based line of the default archetype's drain limits in the policy file, as the test reads it. */
function defaultDrainLine(): number {
  const lines = fs.readFileSync(policyFile, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\s*default:\s*$/.test(l));
  const i = lines.findIndex((l, j) => j > at && /^\s*drain:\s*\{\s*pct:/.test(l));
  return i + 1;
}

function setDefaultDrainPct(pct: string): void {
  const lines = fs.readFileSync(policyFile, 'utf8').split('\n');
  const i = defaultDrainLine() - 1;
  lines[i] = lines[i]!.replace(/pct: [^,]+,/, `pct: ${pct},`);
  fs.writeFileSync(policyFile, lines.join('\n'));
}

beforeAll(() => {
  dir = tmp('breakfix-policy-history-');
  const home = tmp('breakfix-git-home-');
  env = { HOME: home, TZ: 'UTC', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_EMAIL: 'a@example.com' };
  const r = breakfix(['demo', '--home', dir, '--passes', '1', '--seed', '1'], { cwd: dir, env });
  if (r.code !== 0) throw new Error(`demo exited ${r.code}: ${r.err}`);
  policyFile = path.join(dir, 'policy', 'policy.yaml');
  git(['init', '-q']);
  git(['config', 'user.name', first.author]);
  git(['config', 'user.email', 'ann@example.com']);
  git(['add', 'policy']);
  git(['commit', '-q', '-m', first.subject]);
  hashes.first = git(['rev-parse', 'HEAD']);
  setDefaultDrainPct('9');
  git(['commit', '-q', '-a', '-m', `${second.subject}\n\nThe body is not the subject.`], second.author);
  hashes.second = git(['rev-parse', 'HEAD']);
}, 120_000);

describe('policy explain --history', () => {
  it('puts the second commit beside the changed number alone, and the first beside every other', () => {
    const r = bf(['policy', 'explain', '--history', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows.length).toBeGreaterThan(4);
    const changed = defaultDrainLine();
    let seen = 0;
    for (const row of rows) {
      const limits = row.history!.find((p) => p.what.startsWith(`pct ${row.pct}`))!;
      expect(limits, `${row.cluster} ${row.op}`).toBeDefined();
      expect(limits.file).toBe('policy.yaml');
      expect(fs.readFileSync(policyFile, 'utf8').split('\n')[limits.line - 1]).toMatch(new RegExp(`^\\s*${row.op}:.*pct: ${row.pct}\\b`));
      const isChanged = row.archetype === 'default' && row.op === 'drain';
      if (isChanged) seen++;
      expect(limits.line === changed).toBe(isChanged);
      expect(limits.commit).toBe(isChanged ? hashes.second : hashes.first);
      expect(limits.author).toBe(isChanged ? second.author : first.author);
      expect(limits.subject).toBe(isChanged ? second.subject : first.subject);
      // The rule and the archetype's reason were not touched by the second commit.
      for (const p of row.history!.filter((p) => p !== limits)) expect(p.commit).toBe(hashes.first);
      expect(row.history!.some((p) => p.what === `rule ${(row as unknown as { rule: number }).rule}`)).toBe(true);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('prints, under each budget row, the short hash, date, author and subject of each number\'s line', () => {
    const r = bf(['policy', 'explain', '--history', 'dw1']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const row = lines.findIndex((l) => /^dw1\s+drain\s+default\s/.test(l));
    expect(row).toBeGreaterThan(0);
    const date = git(['log', '-1', '--format=%cd', '--date=format-local:%Y-%m-%d', hashes.second]);
    expect(lines[row + 1]).toBe(`    pct 9, floor 1, ceiling 200  policy.yaml:${defaultDrainLine()}  ${hashes.second.slice(0, 7)} ${date} ${second.author}: ${second.subject}`);
    const other = lines.findIndex((l) => /^dw1\s+reboot\s+default\s/.test(l));
    expect(lines[other + 1]).toMatch(new RegExp(`^    pct 10, floor 1, ceiling 300  policy\\.yaml:\\d+  ${hashes.first.slice(0, 7)} \\S+ ${first.author}: ${first.subject}$`));
    expect(r.out).toMatch(new RegExp(`^  min_in_service_pct \\d+  policy\\.yaml:\\d+  ${hashes.first.slice(0, 7)} `, 'm'));
  });

  it('marks a number changed in the work tree as not committed yet', () => {
    setDefaultDrainPct('7');
    try {
      const r = bf(['policy', 'explain', '--history', 'dw1']);
      const lines = r.out.split('\n');
      const row = lines.findIndex((l) => /^dw1\s+drain\s+default\s/.test(l));
      expect(lines[row + 1]).toBe(`    pct 7, floor 1, ceiling 200  policy.yaml:${defaultDrainLine()}  not committed yet (changed in the work tree)`);
    } finally {
      setDefaultDrainPct('9');
    }
  });

  it('outside git says so once, and explains as without --history', () => {
    const copy = path.join(tmp('breakfix-no-git-'), 'policy');
    fs.cpSync(path.join(dir, 'policy'), copy, { recursive: true });
    const r = bf(['--policy', copy, 'policy', 'explain', '--history']);
    expect(r.code).toBe(0);
    expect(r.out.match(/not in a git work tree/g)).toHaveLength(1);
    const plain = bf(['--policy', copy, 'policy', 'explain']);
    expect(r.out.split('\n').slice(1).join('\n')).toBe(plain.out);
  });
});

describe('policy diff REV', () => {
  it('shows the caps that change, per cluster and op, old → new, as the budget rule gives them', () => {
    const rows = JSON.parse(bf(['policy', 'explain', '--json']).out) as Row[];
    const expected = rows
      .filter((r) => r.archetype === 'default' && r.op === 'drain')
      .map((r) => ({ cluster: r.cluster, old: Math.min(200, Math.max(1, Math.floor((6 * r.workers) / 100))), new: r.cap }))
      .filter((e) => e.old !== e.new);
    expect(expected.length).toBeGreaterThan(0);
    const j = bf(['policy', 'diff', 'HEAD~1', '--json']);
    expect(j.code).toBe(0);
    const changes = (JSON.parse(j.out) as { commit: string; changes: Change[] });
    expect(changes.commit).toBe(hashes.first);
    expect(changes.changes.map((c) => ({ cluster: c.cluster, op: c.op, old: c.old.cap, new: c.new.cap }))).toEqual(expected.map((e) => ({ ...e, op: 'drain' })));
    const text = bf(['policy', 'diff', 'HEAD~1']);
    for (const e of expected) expect(text.out).toMatch(new RegExp(`^${e.cluster}\\s+drain\\s+.*\\s${e.old} → ${e.new}$`, 'm'));
    expect(text.out).toMatch(new RegExp(`^${expected.length} budget change\\(s\\)`, 'm'));
  });

  it('says "no budget changes" against the revision the work tree holds', () => {
    const r = bf(['policy', 'diff', 'HEAD']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: no budget changes$/m);
  });

  it('an unknown revision, no revision, or a policy outside git: a clear error, exit 2', () => {
    const unknown = bf(['policy', 'diff', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown revision "no-such-branch"/);
    const none = bf(['policy', 'diff']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/needs a revision/);
    const copy = path.join(tmp('breakfix-no-git-'), 'policy');
    fs.cpSync(path.join(dir, 'policy'), copy, { recursive: true });
    const outside = bf(['--policy', copy, 'policy', 'diff', 'HEAD']);
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/is not in a git work tree/);
    expect(outside.out).toBe('');
  });

  it('a policy at the revision that does not load: the loader\'s error, naming the revision', () => {
    setDefaultDrainPct('nine');
    git(['commit', '-q', '-a', '-m', 'a broken number'], second.author);
    setDefaultDrainPct('9');
    try {
      const r = bf(['policy', 'diff', 'HEAD']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`HEAD:policy/policy.yaml:${defaultDrainLine()}: archetypes.default.ops.drain.pct: expected a number`);
    } finally {
      git(['commit', '-q', '-a', '-m', 'fix the number'], second.author);
    }
  });
});
