// The safety invariants of DESIGN §6, one by one: what each refuses, what it
// lets through, and that every refusal says which invariant and why.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/policy/types.js';
import {
  checkAttempts,
  checkBudget,
  checkCanonical,
  checkClusterHealth,
  checkDataNodeState,
  checkDatagroupKnown,
  checkDatagroupSpan,
  checkHeadNode,
  checkNamenodePair,
  checkOfflineBudget,
  checkSource,
  checkSwing,
  type HdfsState,
  type HeadNodes,
  type Refusal,
} from '../../src/safety/invariants.js';

const OPS: Op[] = ['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return'];
const NOW = new Date('2026-11-21T12:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

/** A refusal: the invariant, the cluster and op it was asked about, the host or null, and a message. */
function refused(r: Refusal | null, invariant: number, want: { cluster: string; op: Op; host: string | null }): Refusal {
  expect(r).not.toBeNull();
  expect(r!.invariant).toBe(invariant);
  expect(r!.cluster).toBe(want.cluster);
  expect(r!.op).toBe(want.op);
  expect(r!.host).toBe(want.host);
  expect(typeof r!.message).toBe('string');
  expect(r!.message.trim().length).toBeGreaterThan(10);
  return r!;
}

describe('1. no rekick, firmware or burnin on a live DataNode not yet decommissioned', () => {
  const H = (s: Partial<Record<keyof HdfsState, string[]>>): HdfsState => ({
    live: new Set(s.live ?? []),
    inService: new Set(s.inService ?? []),
    dead: new Set(s.dead ?? []),
    decommissioned: new Set(s.decommissioned ?? []),
    decommissioning: new Set(s.decommissioning ?? []),
    maintenance: new Set(s.maintenance ?? []),
  });
  const hdfs = H({
    live: ['in-service', 'decommissioning', 'entering-maint', 'decommissioned'],
    decommissioning: ['decommissioning'],
    maintenance: ['entering-maint', 'dead-maint'],
    decommissioned: ['decommissioned', 'dead-decommissioned'],
    dead: ['dead', 'dead-decommissioned', 'dead-maint'],
  });

  const refusedHosts = ['in-service', 'decommissioning', 'entering-maint'];
  const allowedHosts = ['decommissioned', 'dead', 'dead-decommissioned', 'dead-maint', 'not-a-datanode'];

  for (const op of ['rekick', 'firmware', 'burnin'] as Op[]) {
    it.each(refusedHosts)(`${op} of a live DataNode %s is refused`, (host) => {
      const r = refused(checkDataNodeState(op, 'dw1', host, hdfs), 1, { cluster: 'dw1', op, host });
      expect(r.message).toContain(host);
    });
    it.each(allowedHosts)(`${op} of %s is allowed`, (host) => {
      expect(checkDataNodeState(op, 'dw1', host, hdfs)).toBeNull();
    });
  }

  it.each(['drain', 'reboot', 'return'] as Op[])('%s is not checked: it keeps the data', (op) => {
    for (const host of [...refusedHosts, ...allowedHosts]) expect(checkDataNodeState(op, 'dw1', host, hdfs)).toBeNull();
  });

  it('the message says what state the DataNode is in', () => {
    expect(checkDataNodeState('rekick', 'dw1', 'in-service', hdfs)!.message).toMatch(/in service/);
    expect(checkDataNodeState('rekick', 'dw1', 'decommissioning', hdfs)!.message).toMatch(/decommissioning/);
    expect(checkDataNodeState('rekick', 'dw1', 'entering-maint', hdfs)!.message).toMatch(/maintenance/);
  });

  it('empty HDFS state: nothing is known live, so nothing is refused', () => {
    expect(checkDataNodeState('rekick', 'dw1', 'x', H({}))).toBeNull();
  });
});

describe('2. no worker op on a head node; never both NameNodes of a pair', () => {
  const heads: HeadNodes = {
    roles: new Map([
      ['nn1.dc1', 'NameNode'],
      ['nn2.dc1', 'NameNode'],
      ['rm1.dc1', 'ResourceManager'],
      ['jn1.dc1', 'JournalNode'],
      ['zk1.dc1', 'ZooKeeper'],
    ]),
    namenodePairs: new Map([
      ['dw1', ['nn1.dc1', 'nn2.dc1']],
      ['solo', ['nn9.dc1']],
    ]),
  };

  it.each(['nn1.dc1', 'nn2.dc1', 'rm1.dc1', 'jn1.dc1', 'zk1.dc1'])('every op on head node %s is refused', (host) => {
    for (const op of OPS) {
      const r = refused(checkHeadNode(op, 'dw1', host, heads), 2, { cluster: 'dw1', op, host });
      expect(r.message).toContain(heads.roles.get(host)!);
    }
  });

  it('a worker is not a head node', () => {
    for (const op of OPS) expect(checkHeadNode(op, 'dw1', 'dn1.dc1', heads)).toBeNull();
  });

  it('both NameNodes of a pair affected: refused for the cluster', () => {
    const r = refused(checkNamenodePair('reboot', 'dw1', new Set(['dn1.dc1', 'nn1.dc1', 'nn2.dc1']), heads), 2, { cluster: 'dw1', op: 'reboot', host: null });
    expect(r.message).toContain('nn1.dc1');
    expect(r.message).toContain('nn2.dc1');
  });

  it('one NameNode of a pair, or none, is allowed', () => {
    expect(checkNamenodePair('reboot', 'dw1', new Set(['nn1.dc1']), heads)).toBeNull();
    expect(checkNamenodePair('reboot', 'dw1', new Set(['nn2.dc1', 'dn1.dc1']), heads)).toBeNull();
    expect(checkNamenodePair('reboot', 'dw1', new Set(), heads)).toBeNull();
  });

  it('a cluster without a pair, or another cluster', () => {
    expect(checkNamenodePair('reboot', 'solo', new Set(['nn9.dc1']), heads)).toBeNull();
    expect(checkNamenodePair('reboot', 'dw2', new Set(['nn1.dc1', 'nn2.dc1']), heads)).toBeNull();
  });
});

describe('3. no drain or rekick with missing blocks or too many under-replicated', () => {
  const ok = { missing: 0, underReplicated: 1000, corrupt: 5 };
  it.each(['drain', 'rekick'] as Op[])('%s', (op) => {
    const missing = refused(checkClusterHealth(op, 'dw3', { missing: 3, underReplicated: 0, corrupt: 0 }, 1000), 3, { cluster: 'dw3', op, host: null });
    expect(missing.message).toMatch(/3 missing block/);
    const under = refused(checkClusterHealth(op, 'dw3', { missing: 0, underReplicated: 1001, corrupt: 0 }, 1000), 3, { cluster: 'dw3', op, host: null });
    expect(under.message).toMatch(/1001 under-replicated/);
    expect(under.message).toMatch(/1000/);
    const unknown = refused(checkClusterHealth(op, 'dw3', null, 1000), 3, { cluster: 'dw3', op, host: null });
    expect(unknown.message).toMatch(/hdfs-health/);
    // at the limit is still allowed; corrupt replicas alone do not stop it
    expect(checkClusterHealth(op, 'dw3', ok, 1000)).toBeNull();
    expect(checkClusterHealth(op, 'dw3', { missing: 0, underReplicated: 0, corrupt: 0 }, 0)).toBeNull();
    refused(checkClusterHealth(op, 'dw3', { missing: 0, underReplicated: 1, corrupt: 0 }, 0), 3, { cluster: 'dw3', op, host: null });
  });

  it.each(['reboot', 'firmware', 'burnin', 'return'] as Op[])('%s is not checked', (op) => {
    expect(checkClusterHealth(op, 'dw3', { missing: 5, underReplicated: 99999, corrupt: 9 }, 1000)).toBeNull();
    expect(checkClusterHealth(op, 'dw3', null, 1000)).toBeNull();
  });
});

describe('4. drains never span more data groups than allowed', () => {
  it('more groups than the limit: refused', () => {
    const r = refused(checkDatagroupSpan('drain', 'dw1', new Set(['dg2', 'dg1']), 1), 4, { cluster: 'dw1', op: 'drain', host: null });
    expect(r.message).toContain('dg1, dg2');
    refused(checkDatagroupSpan('drain', 'dw1', new Set(['a', 'b', 'c']), 2), 4, { cluster: 'dw1', op: 'drain', host: null });
  });
  it('up to the limit: allowed', () => {
    expect(checkDatagroupSpan('drain', 'dw1', new Set(), 1)).toBeNull();
    expect(checkDatagroupSpan('drain', 'dw1', new Set(['dg1']), 1)).toBeNull();
    expect(checkDatagroupSpan('drain', 'dw1', new Set(['dg1', 'dg2']), 2)).toBeNull();
  });
  it('a host without a data group cannot be proven safe', () => {
    refused(checkDatagroupKnown('drain', 'dw1', 'dn1.dc1', ''), 4, { cluster: 'dw1', op: 'drain', host: 'dn1.dc1' });
    expect(checkDatagroupKnown('drain', 'dw1', 'dn1.dc1', 'dg1')).toBeNull();
  });
});

describe('5. never more hosts than the budget, recounted', () => {
  it.each([
    [0, 0, 0, false],
    [3, 2, 5, false],
    [5, 0, 5, false],
    [0, 5, 5, false],
    [4, 2, 5, true],
    [1, 0, 0, true],
    [0, 6, 5, true], // more busy now than the cap, even with nothing planned
  ])('%s chosen + %s busy, cap %s: refused %s', (chosen, busy, cap, no) => {
    const r = checkBudget('reboot', 'dw1', chosen, busy, cap);
    if (no) {
      refused(r, 5, { cluster: 'dw1', op: 'reboot', host: null });
      expect(r!.message).toContain(String(cap));
    } else expect(r).toBeNull();
  });
});

describe('5 across ops: hosts an offline op takes, dead once it acts, fit the budget of an op that counts dead hosts', () => {
  it.each([
    // [going dead, other busy, other planned, other cap, refused]
    [0, 9, 9, 3, false], // nothing newly dead: not this rule's business, however full the other budget is
    [2, 1, 0, 3, false],
    [2, 0, 1, 3, false],
    [2, 1, 1, 3, true],
    [1, 3, 0, 3, true],
  ])('%s going dead + %s busy + %s planned, cap %s: refused %s', (dead, busy, planned, cap, no) => {
    const r = checkOfflineBudget('rekick', 'dw2', 'drain', dead, busy, planned, cap);
    if (!no) return expect(r).toBeNull();
    refused(r, 5, { cluster: 'dw2', op: 'rekick', host: null });
    expect(r!.message).toContain(`would exceed the drain budget by ${dead + busy + planned - cap} on fresh data`);
    expect(r!.message).toContain(`cap ${cap}`);
  });
});

describe('6. no op on a failed, stale or swinging source', () => {
  const src = (over: Partial<Parameters<typeof checkSource>[2]> = {}) => ({ name: 'hdfs-dw1', ok: true, time: new Date(NOW.getTime() - 5 * MIN), maxAgeMs: null, ...over });

  it('a source that failed this pass', () => {
    const r = refused(checkSource('drain', 'dw1', src({ ok: false, reason: 'exit 1: GSS initiate failed\nmore' }), NOW), 6, { cluster: 'dw1', op: 'drain', host: null });
    expect(r.message).toContain('hdfs-dw1');
    expect(r.message).toContain('GSS initiate failed');
    expect(r.message).not.toContain('more');
  });
  it('a per-cluster source speaks for its own cluster only', () => {
    refused(checkSource('drain', 'dw1', src({ ok: false, cluster: 'dw1' }), NOW), 6, { cluster: 'dw1', op: 'drain', host: null });
    expect(checkSource('drain', 'dw2', src({ ok: false, cluster: 'dw1' }), NOW)).toBeNull();
    refused(checkSource('drain', 'dw2', src({ ok: false, cluster: null }), NOW), 6, { cluster: 'dw2', op: 'drain', host: null });
  });
  it('a source never pulled', () => {
    refused(checkSource('drain', 'dw1', src({ time: null }), NOW), 6, { cluster: 'dw1', op: 'drain', host: null });
  });
  it('older than its max_age', () => {
    const r = refused(checkSource('reboot', 'dw1', src({ time: new Date(NOW.getTime() - 31 * MIN), maxAgeMs: 30 * MIN }), NOW), 6, { cluster: 'dw1', op: 'reboot', host: null });
    expect(r.message).toMatch(/31 minutes/);
  });
  it('within its max_age, exactly at it, or without one', () => {
    expect(checkSource('reboot', 'dw1', src({ time: new Date(NOW.getTime() - 29 * MIN), maxAgeMs: 30 * MIN }), NOW)).toBeNull();
    expect(checkSource('reboot', 'dw1', src({ time: new Date(NOW.getTime() - 30 * MIN), maxAgeMs: 30 * MIN }), NOW)).toBeNull();
    expect(checkSource('reboot', 'dw1', src({ time: new Date(NOW.getTime() - 30 * DAY) }), NOW)).toBeNull();
    expect(checkSource('reboot', 'dw1', src(), NOW)).toBeNull();
  });

  it('5 new drains in a 300-host fleet are not a swing at 20%', () => {
    expect(checkSwing('drain', 'dw1', 'hdfs-decommissioning', 10, 15, 300, 20)).toBeNull();
    expect(checkSwing('drain', 'dw1', 'hdfs-decommissioning', 15, 10, 300, 20)).toBeNull();
  });
  it('100 of 300 is a swing, up or down', () => {
    const r = refused(checkSwing('drain', 'dw1', 'hdfs-dead', 3, 103, 300, 20), 6, { cluster: 'dw1', op: 'drain', host: null });
    expect(r.message).toContain('hdfs-dead');
    expect(r.message).toMatch(/3 to 103/);
    // an empty dump is not "all dead"
    refused(checkSwing('drain', 'dw1', 'hdfs-in-service', 280, 0, 300, 20), 6, { cluster: 'dw1', op: 'drain', host: null });
  });
  it('exactly at the limit is not a swing; one more host is', () => {
    expect(checkSwing('drain', 'dw1', 'g', 0, 60, 300, 20)).toBeNull();
    refused(checkSwing('drain', 'dw1', 'g', 0, 61, 300, 20), 6, { cluster: 'dw1', op: 'drain', host: null });
  });
  it('no earlier pass, or an empty fleet: nothing to compare', () => {
    expect(checkSwing('drain', 'dw1', 'g', null, 300, 300, 20)).toBeNull();
    expect(checkSwing('drain', 'dw1', 'g', 0, 10, 0, 20)).toBeNull();
  });
});

describe('7. only canonical host names reach a command', () => {
  it.each(['dn1.dc1.example.com', 'a.b', '0dn.x-y.z'])('%s passes', (host) => {
    expect(checkCanonical('reboot', 'dw1', host)).toBeNull();
  });
  it.each(['DN1.dc1.example.com', 'dn1', 'dn1.dc1:9866', '10.0.0.1', '-rf.x', 'a b.c', 'a;rm -rf /.x', '', 'dn1.dc1.example.com.', 'a..b'])(
    '%j is refused',
    (host) => {
      refused(checkCanonical('reboot', 'dw1', host), 7, { cluster: 'dw1', op: 'reboot', host });
    },
  );
});

describe('8. remediated max_attempts times within the window: needs a person', () => {
  const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
  const window = 14 * DAY;
  it('three attempts inside the window: refused', () => {
    const r = refused(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(1), ago(5), ago(13)], NOW, 3, window), 8, { cluster: 'dw1', op: 'rekick', host: 'dn1.dc1' });
    expect(r.message).toMatch(/3 times/);
    expect(r.message).toMatch(/needs-human/);
  });
  it('attempts outside the window do not count', () => {
    expect(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(1), ago(5), ago(15)], NOW, 3, window)).toBeNull();
    expect(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(20), ago(30), ago(40), ago(50)], NOW, 3, window)).toBeNull();
  });
  it('an attempt exactly at the edge of the window counts', () => {
    refused(checkAttempts('reboot', 'dw1', 'dn1.dc1', [ago(1), ago(2), ago(14)], NOW, 3, window), 8, { cluster: 'dw1', op: 'reboot', host: 'dn1.dc1' });
  });
  it('fewer attempts than the limit', () => {
    expect(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(1), ago(2)], NOW, 3, window)).toBeNull();
    expect(checkAttempts('rekick', 'dw1', 'dn1.dc1', [], NOW, 3, window)).toBeNull();
    refused(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(1)], NOW, 1, window), 8, { cluster: 'dw1', op: 'rekick', host: 'dn1.dc1' });
  });
  it('a time in the future (a clock skew) does not count', () => {
    expect(checkAttempts('rekick', 'dw1', 'dn1.dc1', [ago(1), ago(2), ago(-1)], NOW, 3, window)).toBeNull();
  });
  it.each(['rekick', 'reboot', 'firmware', 'burnin'] as Op[])('%s is a remediation', (op) => {
    refused(checkAttempts(op, 'dw1', 'h.x', [ago(1), ago(2), ago(3)], NOW, 3, window), 8, { cluster: 'dw1', op, host: 'h.x' });
  });
  it.each(['drain', 'return'] as Op[])('%s is not a remediation', (op) => {
    expect(checkAttempts(op, 'dw1', 'h.x', [ago(1), ago(2), ago(3), ago(4)], NOW, 3, window)).toBeNull();
  });
});
