// The invariants and the finish rule where a cluster has several namespaces:
// the refusals name the namespace, and a host a namespace still counts on is
// neither wiped nor released, whatever the combined groups say.
import { describe, expect, it } from 'vitest';
import { isFinished, type FinishView, type OpenEntry } from '../../src/policy/open.js';
import { checkClusterHealth, checkDataNodeState, type HdfsState } from '../../src/safety/invariants.js';

const H = 'dn1.dc1.example.com';
const none = new Set<string>();

function hdfs(p: Partial<HdfsState>): HdfsState {
  return { live: none, inService: none, dead: none, decommissioned: none, decommissioning: none, maintenance: none, ...p };
}

describe('invariant 1 across namespaces', () => {
  it('refuses a rekick of a host dead in one namespace while another still decommissions it, naming that namespace', () => {
    // Combined: dead in any → hdfs-dead; live in every listing namespace → not hdfs-live.
    const state = hdfs({ dead: new Set([H]), decommissioning: new Set([H]), countedOn: new Map([[H, 'ns2 (decommissioning)']]) });
    const r = checkDataNodeState('rekick', 'dw1', H, state);
    expect(r?.invariant).toBe(1);
    expect(r?.message).toBe(`${H} is still a live DataNode of namespace ns2 (decommissioning): rekick would destroy replicas that namespace still counts on; wait until every namespace reports it Decommissioned`);
  });
  it('lets it go once no namespace counts on it, and without federation judges as before', () => {
    expect(checkDataNodeState('rekick', 'dw1', H, hdfs({ dead: new Set([H]), countedOn: new Map() }))).toBeNull();
    expect(checkDataNodeState('rekick', 'dw1', H, hdfs({ dead: new Set([H]) }))).toBeNull();
    expect(checkDataNodeState('rekick', 'dw1', H, hdfs({ live: new Set([H]), inService: new Set([H]) }))?.message).toBe(
      `${H} is a live DataNode in service: rekick would destroy replicas HDFS still counts on; drain it first and wait for Decommissioned`,
    );
  });
});

describe('invariant 3 across namespaces', () => {
  const ns = [
    { namespace: 'ns1', missing: 0, underReplicated: 700, corrupt: 0 },
    { namespace: 'ns2', missing: 3, underReplicated: 500, corrupt: 0 },
  ];
  it('names the namespace with missing blocks', () => {
    const r = checkClusterHealth('drain', 'dw1', { missing: 3, underReplicated: 1200, corrupt: 0, namespaces: ns }, 1000);
    expect(r?.message).toBe('dw1 has 3 missing block(s) (namespace ns2: 3): no drain until they are recovered (hdfs fsck / -list-corruptfileblocks)');
  });
  it('refuses on the sum of under-replicated blocks, naming each namespace that has some', () => {
    const r = checkClusterHealth('drain', 'dw1', { missing: 0, underReplicated: 1200, corrupt: 0, namespaces: ns.map((n) => ({ ...n, missing: 0 })) }, 1000);
    expect(r?.message).toBe('dw1 has 1200 under-replicated blocks (namespace ns1: 700, namespace ns2: 500), above the limit 1000: no drain until replication catches up');
  });
  it('says what it always said for a cluster with one namespace', () => {
    expect(checkClusterHealth('drain', 'dw1', { missing: 3, underReplicated: 0, corrupt: 0 }, 1000)?.message).toBe(
      'dw1 has 3 missing block(s): no drain until they are recovered (hdfs fsck / -list-corruptfileblocks)',
    );
  });
});

describe('a drain finishes only when every namespace has let the host go', () => {
  const entry: OpenEntry = { host: H, cluster: 'dw1', op: 'drain', day: '2026-11-21', pass: 1, applied: '2026-11-21T06:00:00Z' };
  const view = (groups: Record<string, boolean>, counted: string | null): FinishView => ({
    has: (g, h) => (h === H ? (groups[g] ?? false) : false),
    healthOk: () => true,
    countedOn: () => counted,
  });
  it('stays open while a namespace still counts on it, though the combined groups call it dead', () => {
    expect(isFinished(entry, view({ 'hdfs-dead': true }, 'ns2 (decommissioning)'), false)).toEqual({ done: false, why: 'not out of every namespace yet: still live in ns2 (decommissioning)' });
    expect(isFinished(entry, view({ 'hdfs-dead': true }, null), false).done).toBe(true);
  });
  it('stays open while a namespace has not taken the drain (its refresh failed)', () => {
    expect(isFinished({ ...entry, pending: ['ns2'] }, view({ 'hdfs-decommissioned': true }, null), false)).toEqual({ done: false, why: 'namespace ns2 has not taken the drain yet' });
  });
});
