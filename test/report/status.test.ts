// The judgement of `breakfix status` (src/report/status.ts) on data made up
// here: which transcript lines belong to the last pass, which sources failed,
// the exit code a pass ended with, the health of a datacenter and its order.
import { describe, expect, it } from 'vitest';
import { pauseDecision, type PauseState } from '../../src/store/pause.js';
import {
  datacenterStatus,
  failingSources,
  passBlock,
  passExitCode,
  renderAll,
  renderScreen,
  statusExitCode,
  worstFirst,
  type ApplyRecord,
  type LastPassRead,
  type PlanRecord,
  type StatusInput,
} from '../../src/report/status.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const T = (hhmmss: string) => `2026-11-21T${hhmmss}.000Z`;
const NOT_PAUSED: PauseState = pauseDecision([], NOW);

function plan(over: Partial<PlanRecord> = {}): PlanRecord {
  return { pass: 3, time: T('11:50:00'), dry_run: false, budgets: [{ chosen: 2 }, { chosen: 1 }], refusals: [], paused: null, stuck: [], ...over };
}

function last(over: Partial<LastPassRead> = {}): LastPassRead {
  return {
    day: '2026-11-21',
    plan: plan(),
    apply: null,
    after: T('11:40:00'),
    transcript: [],
    parts: [],
    configured: null,
    needsHuman: [],
    ...over,
  };
}

function input(over: Partial<StatusInput> = {}): StatusInput {
  return { dc: 'dc1', dir: 'home/dc1', lock: null, pause: NOT_PAUSED, open: [], last: last(), ...over };
}

const apply = (over: Partial<ApplyRecord> = {}): ApplyRecord => ({ applied: T('11:50:01'), outcomes: [], refusals: [], ...over });

describe('passBlock', () => {
  const transcript = [
    `${T('11:30:00')} === pass 2 dc1 ${T('11:30:00')} apply (loop pass 1) ===`,
    `${T('11:30:05')} warning swing: old`,
    // A loop pass that ended in an error before planning: the next pass is numbered 3 again.
    `${T('11:40:10')} === pass 3 dc1 ${T('11:40:10')} apply (loop pass 2) ===`,
    `${T('11:40:11')} error in pass 3: boom`,
    `${T('11:45:00')} === pass 3 dc1 ${T('11:45:00')} apply (loop pass 3) ===`,
    `${T('11:45:01')} warning stuck: drain a.example.com`,
    `${T('11:55:00')} === pass 4 dc1 ${T('11:55:00')} apply (loop pass 4) ===`,
    `${T('11:55:01')} warning later`,
  ];

  it('takes the lines from the pass header to the next header, without time stamps', () => {
    const b = passBlock(transcript, 3, T('11:40:20'), T('11:50:00'));
    expect(b?.header).toMatch(/^=== pass 3 dc1 .* \(loop pass 3\) ===$/);
    expect(b?.lines).toEqual(['warning stuck: drain a.example.com']);
  });

  it('takes the last header of that number inside the window, not one from an earlier pass that failed', () => {
    expect(passBlock(transcript, 3, T('11:40:00'), T('11:50:00'))?.header).toContain('(loop pass 3)');
    expect(passBlock(transcript, 3, T('11:40:00'), T('11:44:00'))?.header).toContain('(loop pass 2)');
  });

  it('ends a pass at the next command recorded by hand, so its lines are not the pass\'s', () => {
    const withExec = [
      `${T('11:45:00')} $ breakfix pass --apply  # oncall@bastion1 in /home/oncall`,
      `${T('11:45:00')} === pass 3 dc1 ${T('11:45:00')} apply (by hand) ===`,
      `${T('11:45:01')} warning swing: the pass's`,
      `${T('11:45:02')} exit 0`,
      `${T('11:46:00')} $ breakfix exec hadoop-workers -- uptime  # oncall@bastion1 in /home/oncall`,
      `${T('11:46:01')} warning not the pass's`,
      `${T('11:46:02')} hdfs-dw1  failed  1.00s  not the pass's either`,
    ];
    const b = passBlock(withExec, 3, null, T('11:50:00'));
    expect(b?.header).toContain('apply (by hand)');
    expect(b?.lines).toEqual(["warning swing: the pass's", 'exit 0']);
  });

  it('is null for a pass that has no header in the window: a plan made by `breakfix plan`', () => {
    expect(passBlock(transcript, 5, null, T('12:00:00'))).toBeNull();
    expect(passBlock(transcript, 4, null, T('11:50:00'))).toBeNull();
    expect(passBlock([], 1, null, T('12:00:00'))).toBeNull();
  });
});

describe('failingSources', () => {
  it('reads the failed lines of a loop pass, joining a reason that goes on to the next line', () => {
    const block = {
      header: '=== pass 3 dc1 x apply (loop pass 1) ===',
      lines: [
        '9 source(s) ok, 2 FAILED in 3.8 s (slowest inventory 1.8 s)',
        'hdfs-dw1      failed     1.47s  command hdfs dfsadmin -report exited 255:',
        '              | hdfs: Connection refused',
        'yarn-dw2      failed    30.00s  yarn-dw2: timed out after 30s',
        '              | not joined: the line before did not end in a colon',
        'failed drain a.example.com: not a source line',
        'metrics       ok         0.20s  responsive 10',
      ],
    };
    expect(failingSources(last(), block)).toEqual({
      from: 'transcript',
      failed: [
        { name: 'hdfs-dw1', reason: 'command hdfs dfsadmin -report exited 255: hdfs: Connection refused' },
        { name: 'yarn-dw2', reason: 'yarn-dw2: timed out after 30s' },
      ],
    });
  });

  it('without a transcript: a volatile source whose part is older than the pass failed; a stable one was skipped', () => {
    const r = failingSources(
      last({
        parts: [
          { source: 'hdfs-dw1', time: T('11:35:00'), volatile: true },
          { source: 'yarn-dw1', time: T('11:48:00'), volatile: true },
          { source: 'inventory', time: T('08:00:00'), volatile: false },
        ],
      }),
      null,
    );
    expect(r.from).toBe('parts');
    expect(r.failed.map((f) => f.name)).toEqual(['hdfs-dw1']);
    expect(r.failed[0]!.reason).toMatch(/not pulled in pass 3.*11:35:00/);
  });

  it('the first pass of a day judges no part stale, and a configured source with no part today failed', () => {
    const parts = [{ source: 'hdfs-dw1', time: T('01:00:00'), volatile: true }];
    expect(failingSources(last({ after: null, parts }), null).failed).toEqual([]);
    const r = failingSources(last({ after: null, parts, configured: ['hdfs-dw1', 'inventory'] }), null);
    expect(r.failed.map((f) => f.name)).toEqual(['inventory']);
    // Without a config nobody knows of a source that never pulled well today.
    expect(failingSources(last({ parts }), null).failed.map((f) => f.name)).toEqual(['hdfs-dw1']);
  });

  it('takes the sources an invariant 6 refusal names, with the reason inside its parentheses', () => {
    const refusals = [
      { host: null, cluster: 'dw1', op: 'drain', invariant: 6, message: 'source hdfs-dw1 failed this pass (exit 255 (refused): see log): nothing that depends on it is done' },
      { host: null, cluster: 'dw1', op: 'rekick', invariant: 6, message: 'source hdfs-dw1 failed this pass (exit 255 (refused): see log): nothing that depends on it is done' },
      { host: null, cluster: 'dw1', op: 'drain', invariant: 6, message: 'source for hdfs-health.tsv failed this pass (no hdfs-health.tsv today): nothing that depends on it is done' },
      { host: 'a.example.com', cluster: 'dw1', op: 'drain', invariant: 3, message: 'source x failed this pass: not invariant 6' },
    ];
    expect(failingSources(last({ plan: plan({ refusals }) }), null).failed).toEqual([{ name: 'hdfs-dw1', reason: 'exit 255 (refused): see log' }]);
  });
});

describe('passExitCode', () => {
  const failedOutcome = { cluster: 'dw1', op: 'reboot', acted: ['a'], ok: [], failed: ['a'] };
  const cases: Array<[string, Parameters<typeof passExitCode>[0], number, string]> = [
    ['a clean apply', { failedSources: 0, refusals: 0, dryRun: false, paused: false, applyAsked: null, apply: apply() }, 0, 'apply'],
    ['a clean dry run', { failedSources: 0, refusals: 0, dryRun: true, paused: false, applyAsked: null, apply: null }, 0, 'dry run'],
    ['a failed source', { failedSources: 1, refusals: 0, dryRun: true, paused: false, applyAsked: null, apply: null }, 3, 'dry run'],
    ['refusals in the plan', { failedSources: 0, refusals: 2, dryRun: false, paused: false, applyAsked: null, apply: null }, 3, 'apply'],
    ['an op failed on a host', { failedSources: 0, refusals: 0, dryRun: false, paused: false, applyAsked: true, apply: apply({ outcomes: [failedOutcome] }) }, 1, 'apply'],
    ['an op failed, and refusals: 3 wins', { failedSources: 0, refusals: 1, dryRun: false, paused: false, applyAsked: null, apply: apply({ outcomes: [failedOutcome] }) }, 3, 'apply'],
    ['refused on fresh state', { failedSources: 0, refusals: 0, dryRun: false, paused: false, applyAsked: null, apply: apply({ refusals: [{}] }) }, 3, 'apply'],
    ['an error after acting counts as a failure', { failedSources: 0, refusals: 0, dryRun: false, paused: false, applyAsked: null, apply: apply({ outcomes: [{ ...failedOutcome, failed: [], ok: ['a'], error: 'refresh failed' }] }) }, 1, 'apply'],
    ['an error before acting does not', { failedSources: 0, refusals: 0, dryRun: false, paused: false, applyAsked: null, apply: apply({ outcomes: [{ ...failedOutcome, acted: [], failed: [], error: 'not applied: outside window' }] }) }, 0, 'apply'],
    ['--apply while paused, known from the loop header', { failedSources: 1, refusals: 3, dryRun: true, paused: true, applyAsked: true, apply: null }, 0, 'apply while paused'],
    ['paused without a header reads as the dry run it recorded', { failedSources: 0, refusals: 3, dryRun: true, paused: true, applyAsked: null, apply: null }, 3, 'dry run'],
    ['a dry run applied later by `breakfix apply` keeps its own code', { failedSources: 0, refusals: 0, dryRun: true, paused: false, applyAsked: null, apply: apply({ outcomes: [failedOutcome] }) }, 0, 'dry run, applied later'],
  ];
  it.each(cases)('%s', (_name, x, code, mode) => {
    const r = passExitCode(x);
    expect(r.code).toBe(code);
    expect(r.mode).toBe(mode);
    if (code === 0 && !x.paused) expect(r.why).toBe('clean');
    else expect(r.why).not.toBe('clean');
  });
});

describe('datacenterStatus', () => {
  it('a datacenter with a clean last pass is ok and names it', () => {
    const s = datacenterStatus(input(), NOW);
    expect(s.health).toBe('ok');
    expect(s.needs_person).toBe(false);
    expect(s.problems).toEqual([]);
    expect(s.last_pass).toMatchObject({ pass: 3, day: '2026-11-21', age_s: 600, mode: 'apply', chosen: 3, refused: 0, exit_code: 0, sources_from: 'parts' });
  });

  it('a failing source outranks stuck work, which outranks a pause', () => {
    const pause = pauseDecision([{ file: '/h/dc1/pause.json', text: JSON.stringify({ by: 'a@b', reason: 'x', since: T('11:00:00'), until: null }) }], NOW);
    const stuck = [{ host: 'a.example.com', cluster: 'dw1', op: 'drain', since: T('10:00:00'), why: 'past its timeout' }];
    const failingPart = [{ source: 'hdfs-dw1', time: T('11:00:00'), volatile: true }];
    const all = datacenterStatus(input({ pause, last: last({ plan: plan({ stuck }), parts: failingPart }) }), NOW);
    expect(all.health).toBe('failing');
    expect(all.problems).toEqual(['1 failing source(s): hdfs-dw1', '1 stuck plan(s)', 'paused by a@b since 2026-11-21T11:00:00.000Z: x (until resumed)']);
    expect(datacenterStatus(input({ pause, last: last({ plan: plan({ stuck }) }) }), NOW).health).toBe('attention');
    const nh = [{ host: 'b.example.com', cluster: 'dw1', op: 'reboot', reason: 'failed 3 times', since: T('09:00:00') }];
    expect(datacenterStatus(input({ pause, last: last({ needsHuman: nh }) }), NOW)).toMatchObject({ health: 'attention', needs_person: true });
    expect(datacenterStatus(input({ pause }), NOW)).toMatchObject({ health: 'paused', needs_person: false });
  });

  it('says so when there is no pass yet', () => {
    const s = datacenterStatus(input({ last: null }), NOW);
    expect(s).toMatchObject({ health: 'no-pass', needs_person: false, last_pass: null, problems: ['no pass yet'] });
    expect(renderScreen(s, NOW)).toMatch(/^last pass +none yet in home\/dc1: run `breakfix pass`/m);
  });

  it('counts open plans per op with the oldest, in the order of the ops', () => {
    const open = [
      { host: 'a', cluster: 'c', op: 'return', applied: T('11:00:00') },
      { host: 'b', cluster: 'c', op: 'drain', applied: T('10:00:00') },
      { host: 'c', cluster: 'c', op: 'drain', applied: T('08:00:00') },
      { host: 'd', cluster: 'c', op: 'drain', applied: T('09:00:00') },
    ];
    expect(datacenterStatus(input({ open }), NOW).open).toEqual([
      { op: 'drain', count: 3, oldest: T('08:00:00'), oldest_age_s: 4 * 3600 },
      { op: 'return', count: 1, oldest: T('11:00:00'), oldest_age_s: 3600 },
    ]);
  });

  it('shows windows only when the policy has some', () => {
    const any = { open: true, why: 'allowed', next: null, text: 'open (any time)' };
    expect(datacenterStatus(input({ last: last({ plan: plan({ windows: { drain: any, reboot: any } }) }) }), NOW).windows).toEqual([]);
    const closed = { open: false, why: 'outside', next: T('11:55:00'), text: 'outside window: opens Sat 11:55 UTC' };
    const s = datacenterStatus(input({ last: last({ plan: plan({ windows: { drain: closed, return: { open: true, why: 'always', next: null, text: 'open (return: always)' } } }) }) }), NOW);
    expect(s.windows.map((w) => [w.op, w.open])).toEqual([
      ['drain', false],
      ['return', true],
    ]);
    expect(renderScreen(s, NOW)).toContain('  window drain: outside window: opens Sat 11:55 UTC (that time has come since)\n');
  });

  it('reads the warnings, the apply mode and the failures of a loop pass from its transcript block', () => {
    const transcript = [
      `${T('11:45:00')} === pass 3 dc1 ${T('11:45:00')} apply (loop pass 7) ===`,
      `${T('11:45:02')} hdfs-dw1  failed  1.00s  exit 255`,
      `${T('11:50:03')} warning stuck: drain a.example.com: waiting`,
      `${T('11:50:04')} warning swing: hdfs-dead +40`,
    ];
    const s = datacenterStatus(input({ last: last({ transcript }) }), NOW);
    expect(s.warnings).toEqual(['warning stuck: drain a.example.com: waiting', 'warning swing: hdfs-dead +40']);
    expect(s.failing_sources).toEqual([{ name: 'hdfs-dw1', reason: 'exit 255' }]);
    expect(s.last_pass).toMatchObject({ sources_from: 'transcript', exit_code: 3 });
  });

  it('names a warning about a stuck plan once on the screen, under stuck', () => {
    const transcript = [
      `${T('11:45:00')} === pass 3 dc1 ${T('11:45:00')} apply (loop pass 7) ===`,
      `${T('11:50:03')} warning stuck: drain a.example.com (dw1): past its timeout`,
      `${T('11:50:04')} warning swing: hdfs-dead +40`,
    ];
    const stuck = [{ host: 'a.example.com', cluster: 'dw1', op: 'drain', since: T('10:00:00'), why: 'past its timeout' }];
    const needsHuman = [
      { host: 'a.example.com', cluster: 'dw1', op: 'drain', reason: 'past its timeout', since: T('10:00:00') },
      { host: 'b.example.com', cluster: 'dw1', op: 'reboot', reason: 'reboot failed', since: T('10:00:00') },
    ];
    const s = datacenterStatus(input({ last: last({ transcript, needsHuman, plan: plan({ stuck }) }) }), NOW);
    expect(s.warnings).toHaveLength(2);
    const text = renderScreen(s, NOW);
    expect(text).toMatch(/^warnings +2 in pass 3 \(1 about the stuck plans above\)$/m);
    expect(text).not.toContain('  warning stuck:');
    expect(text).toContain('  warning swing: hdfs-dead +40\n');
    expect(text).toContain('  stuck drain a.example.com (dw1) since 2026-11-21T10:00:00.000Z: past its timeout\n');
    expect(text).toContain('  needs-human a.example.com (dw1 drain) since 2026-11-21T10:00:00.000Z: stuck, as above\n');
    expect(text).toContain('  needs-human b.example.com (dw1 reboot) since 2026-11-21T10:00:00.000Z: reboot failed\n');
  });

  it('names five items of a kind on the screen and says where the rest are', () => {
    const needsHuman = Array.from({ length: 7 }, (_, i) => ({ host: `h${i}.example.com`, cluster: 'dw1', op: 'reboot', reason: 'failed', since: T('10:00:00') }));
    const text = renderScreen(datacenterStatus(input({ last: last({ needsHuman }) }), NOW), NOW);
    expect(text.split('\n').filter((l) => l.startsWith('  needs-human '))).toHaveLength(5);
    expect(text).toContain('\n  ... 2 more in home/dc1/2026-11-21/needs-human.tsv\n');
    expect(text).toMatch(/^needs-human +7 host\(s\) in home\/dc1\/2026-11-21\/needs-human\.tsv$/m);
  });

  it('tells a running loop from a lock left by a dead one and from one on another host', () => {
    const lock = { pid: 42, host: 'here', start: T('06:00:00'), alive: true };
    expect(datacenterStatus(input({ lock }), NOW).loop).toEqual({ state: 'running', pid: 42, host: 'here', since: T('06:00:00') });
    expect(renderScreen(datacenterStatus(input({ lock }), NOW), NOW)).toMatch(/^loop +pid 42 on here since .* \(6h ago\), running$/m);
    expect(datacenterStatus(input({ lock: { ...lock, alive: false } }), NOW).loop?.state).toBe('not running');
    expect(datacenterStatus(input({ lock: { ...lock, alive: null } }), NOW).loop?.state).toBe('elsewhere');
    expect(datacenterStatus(input({ lock: 'unreadable' }), NOW).loop?.state).toBe('unreadable');
    expect(renderScreen(datacenterStatus(input(), NOW), NOW)).toMatch(/^loop +none/m);
  });
});

describe('worstFirst, statusExitCode and the --all lines', () => {
  const named = (dc: string, over: Partial<StatusInput>) => datacenterStatus(input({ dc, ...over }), NOW);
  const pause = pauseDecision([{ file: 'p', text: '{' }], NOW);
  const list = [
    named('a-ok', {}),
    named('b-new', { last: null }),
    named('c-paused', { pause }),
    named('d-stuck', { last: last({ plan: plan({ stuck: [{ host: 'h', cluster: 'c', op: 'drain', since: T('01:00:00'), why: 'w' }] }) }) }),
    named('e-failing', { last: last({ parts: [{ source: 's', time: T('01:00:00'), volatile: true }] }) }),
  ];

  it('orders failing, then stuck or needs-human, then paused, then no pass, then ok', () => {
    expect(worstFirst(list).map((s) => s.dc)).toEqual(['e-failing', 'd-stuck', 'c-paused', 'b-new', 'a-ok']);
    const text = renderAll(worstFirst(list));
    expect(text.split('\n')[0]).toMatch(/^dc +health +last pass/);
    expect(text.split('\n').slice(1, 6).map((l) => l.split(/ +/)[0])).toEqual(['e-failing', 'd-stuck', 'c-paused', 'b-new', 'a-ok']);
  });

  it('exits 1 only when a datacenter shown needs a person', () => {
    expect(statusExitCode(list)).toBe(1);
    expect(statusExitCode(list.filter((s) => !s.dc.startsWith('d') && !s.dc.startsWith('e')))).toBe(0);
    expect(statusExitCode([])).toBe(0);
  });
});
