// The combination rule of a federated cluster's namespaces: a table over
// every pair of states a DataNode can have in two namespaces (written out by
// hand, in both orders), and properties against a naive model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNamespaceIds, clusterHealthRow, combineNamespaces, countingOn, type NamespaceSuffix, type NamespaceView } from '../../src/sources/hdfs-combine.js';

/**
 * A DataNode's state in one namespace, as its source's groups show it (the
 * groups the hdfs parser puts a node of that listing and status into).
 */
const STATES: Record<string, NamespaceSuffix[]> = {
  '-': [],
  IN: ['live', 'in-service'],
  DP: ['live', 'decommissioning'],
  DD: ['live', 'decommissioned'],
  EM: ['live', 'entering-maintenance', 'maintenance'],
  IM: ['live', 'in-maintenance', 'maintenance'],
  dead: ['dead'],
  'dead-DD': ['dead', 'decommissioned'],
  'dead-IM': ['dead', 'in-maintenance', 'maintenance'],
};

const H = 'dn1.dc1.example.com';

function view(name: string, state: string, host = H): NamespaceView {
  const groups = new Map<NamespaceSuffix, Set<string>>();
  for (const s of STATES[state]!) groups.set(s, new Set([host]));
  return { name, groups };
}

/** L live, S in-service, DP decommissioning, DD decommissioned, M maintenance, D dead, EM entering, IM in maintenance. */
const SHORT: Record<string, string> = {
  L: 'hdfs-live',
  S: 'hdfs-in-service',
  DP: 'hdfs-decommissioning',
  DD: 'hdfs-decommissioned',
  M: 'hdfs-maintenance',
  D: 'hdfs-dead',
  EM: 'hdfs-entering-maintenance',
  IM: 'hdfs-in-maintenance',
};

// Every unordered pair of states, with the combined groups the host is in.
const TABLE: Array<[string, string, string]> = [
  ['IN', 'IN', 'L S'],
  ['IN', 'DP', 'L DP'],
  ['IN', 'DD', 'L'],
  ['IN', 'EM', 'L M EM'],
  ['IN', 'IM', 'L M EM'],
  ['IN', 'dead', 'D'],
  ['IN', 'dead-DD', 'D'],
  ['IN', 'dead-IM', 'D M EM'],
  ['DP', 'DP', 'L DP'],
  ['DP', 'DD', 'L DP'],
  ['DP', 'EM', 'L DP M EM'],
  ['DP', 'IM', 'L DP M EM'],
  ['DP', 'dead', 'DP D'],
  ['DP', 'dead-DD', 'DP D'],
  ['DP', 'dead-IM', 'DP D M EM'],
  ['DD', 'DD', 'L DD'],
  ['DD', 'EM', 'L M EM'],
  ['DD', 'IM', 'L M EM'],
  ['DD', 'dead', 'D'],
  ['DD', 'dead-DD', 'DD D'],
  ['DD', 'dead-IM', 'D M EM'],
  ['EM', 'EM', 'L M EM'],
  ['EM', 'IM', 'L M EM'],
  ['EM', 'dead', 'D M EM'],
  ['EM', 'dead-DD', 'D M EM'],
  ['EM', 'dead-IM', 'D M EM'],
  ['IM', 'IM', 'L M IM'],
  ['IM', 'dead', 'D M EM'],
  ['IM', 'dead-DD', 'D M EM'],
  ['IM', 'dead-IM', 'D M IM'],
  ['dead', 'dead', 'D'],
  ['dead', 'dead-DD', 'D'],
  ['dead', 'dead-IM', 'D M EM'],
  ['dead-DD', 'dead-DD', 'DD D'],
  ['dead-DD', 'dead-IM', 'D M EM'],
  ['dead-IM', 'dead-IM', 'D M IM'],
  // Listed by one namespace only: in the union, with the conservative state.
  ['-', 'IN', 'L S'],
  ['-', 'DP', 'L DP'],
  ['-', 'DD', 'L'],
  ['-', 'EM', 'L M EM'],
  ['-', 'IM', 'L M EM'],
  ['-', 'dead', 'D'],
  ['-', 'dead-DD', 'D'],
  ['-', 'dead-IM', 'D M EM'],
];

function groupsOf(views: NamespaceView[], host = H): string[] {
  const c = combineNamespaces(views);
  return [...c.groups].filter(([, hs]) => hs.includes(host)).map(([g]) => g).sort();
}

describe('combineNamespaces: every pair of states', () => {
  it('covers every unordered pair of states', () => {
    const names = Object.keys(STATES);
    const covered = new Set(TABLE.map(([a, b]) => [a, b].sort().join(' ')));
    for (const a of names) for (const b of names) if (a !== '-' || b !== '-') expect(covered.has([a, b].sort().join(' ')), `${a} ${b}`).toBe(true);
  });

  for (const [a, b, want] of TABLE) {
    const expected = want.split(' ').map((k) => SHORT[k]!).sort();
    it(`${a} in ns1, ${b} in ns2 → ${want}`, () => {
      expect(groupsOf([view('ns1', a), view('ns2', b)])).toEqual(expected);
      expect(groupsOf([view('ns1', b), view('ns2', a)])).toEqual(expected);
    });
  }

  it('a host no namespace lists is in no group', () => {
    expect(groupsOf([view('ns1', '-'), view('ns2', '-')])).toEqual([]);
  });

  it('one namespace gives its own groups back, whatever the state', () => {
    for (const s of Object.keys(STATES)) {
      if (s === '-') continue;
      const own = STATES[s]!.map((x) => `hdfs-${x}`).sort();
      expect(groupsOf([view('ns1', s)]), s).toEqual(own);
    }
  });

  it('reports the hosts a namespace does not list', () => {
    const c = combineNamespaces([view('ns1', 'IN'), view('ns2', '-'), view('ns3', 'DP')]);
    expect(c.unlisted).toEqual([{ host: H, missingFrom: ['ns2'] }]);
  });
});

describe('combineNamespaces: properties against a naive model', () => {
  const hosts = ['a.x', 'b.x', 'c.x', 'd.x', 'e.x'];
  const stateNames = Object.keys(STATES);
  /** Each namespace assigns each host one of the states. */
  const fleet = fc.array(fc.array(fc.constantFrom(...stateNames), { minLength: hosts.length, maxLength: hosts.length }), { minLength: 1, maxLength: 4 });
  const views = (f: string[][]): NamespaceView[] =>
    f.map((states, i) => {
      const groups = new Map<NamespaceSuffix, Set<string>>();
      states.forEach((s, k) => {
        for (const g of STATES[s]!) {
          if (!groups.has(g)) groups.set(g, new Set());
          groups.get(g)!.add(hosts[k]!);
        }
      });
      return { name: `ns${i + 1}`, groups };
    });

  it('a host in hdfs-in-service is in service in every namespace that lists it, and listed by one at least', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const c = combineNamespaces(views(f));
        for (const h of c.groups.get('hdfs-in-service')!) {
          const k = hosts.indexOf(h);
          const listed = f.map((ns) => ns[k]!).filter((s) => s !== '-');
          expect(listed.length).toBeGreaterThan(0);
          for (const s of listed) expect(s).toBe('IN');
        }
      }),
    );
  });

  it('a host in hdfs-decommissioned is decommissioned in every namespace', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const c = combineNamespaces(views(f));
        for (const h of c.groups.get('hdfs-decommissioned')!) {
          const k = hosts.indexOf(h);
          for (const ns of f) expect(['DD', 'dead-DD']).toContain(ns[k]);
        }
      }),
    );
  });

  it('no host is out of HDFS (decommissioned, or dead and counted on by no namespace) while a namespace counts on it', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const v = views(f);
        const c = combineNamespaces(v);
        const dead = new Set(c.groups.get('hdfs-dead'));
        for (const h of hosts) {
          const k = hosts.indexOf(h);
          const counting = f.some((ns) => ['IN', 'DP', 'EM', 'IM'].includes(ns[k]!));
          const counted = countingOn(v, h).length > 0;
          expect(counted).toBe(counting);
          if (counting) expect(c.groups.get('hdfs-decommissioned')!.includes(h)).toBe(false);
          if (dead.has(h) && !counted) expect(f.every((ns) => !['IN', 'DP', 'EM', 'IM'].includes(ns[k]!))).toBe(true);
        }
      }),
    );
  });

  it('hdfs-decommissioning, hdfs-dead and hdfs-maintenance hold every host any namespace puts there', () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const c = combineNamespaces(views(f));
        for (const [k, h] of hosts.entries()) {
          const states = f.map((ns) => ns[k]!);
          const decommissionedEverywhere = states.every((s) => s === 'DD' || s === 'dead-DD');
          expect(c.groups.get('hdfs-decommissioning')!.includes(h)).toBe(states.includes('DP') && !decommissionedEverywhere);
          expect(c.groups.get('hdfs-dead')!.includes(h)).toBe(states.some((s) => s.startsWith('dead')));
          expect(c.groups.get('hdfs-maintenance')!.includes(h)).toBe(states.some((s) => ['EM', 'IM', 'dead-IM'].includes(s)));
        }
      }),
    );
  });
});

describe('countingOn', () => {
  it('names each namespace that still holds the host live and not decommissioned, with its state', () => {
    expect(countingOn([view('ns1', 'DD'), view('ns2', 'DP')], H)).toEqual([{ namespace: 'ns2', state: 'decommissioning' }]);
    expect(countingOn([view('ns1', 'dead'), view('ns2', 'IN')], H)).toEqual([{ namespace: 'ns2', state: 'in service' }]);
    expect(countingOn([view('ns1', 'DD'), view('ns2', 'dead')], H)).toEqual([]);
  });
});

describe('clusterHealthRow', () => {
  it('sums the block counters and counts DataNodes once from the combined groups', () => {
    const c = combineNamespaces([view('ns1', 'DP'), view('ns2', 'DD')]);
    const row = clusterHealthRow('dw1', [
      { namespace: 'ns1', missing: 0, underReplicated: 700, corrupt: 1 },
      { namespace: 'ns2', missing: 3, underReplicated: 500, corrupt: 0 },
    ], c);
    expect(row).toEqual({ cluster: 'dw1', missing: '3', under_replicated: '1200', corrupt: '1', live: '1', dead: '0', decommissioning: '1' });
  });
});

describe('checkNamespaceIds', () => {
  const ids = (blockPool: string, clusterId: string) => ({ blockPool, clusterId });
  it('accepts the same ids as the last pull, and a first pull', () => {
    expect(checkNamespaceIds('hdfs-ns1', 'ns1', ids('BP-1', 'CID-1'), ids('BP-1', 'CID-1'), [])).toBeNull();
    expect(checkNamespaceIds('hdfs-ns1', 'ns1', ids('BP-1', 'CID-1'), null, [])).toBeNull();
  });
  it('refuses a block pool that changed since the last pull', () => {
    expect(checkNamespaceIds('hdfs-ns2', 'ns2', ids('BP-9', 'CID-1'), ids('BP-2', 'CID-1'), [])).toMatch(/namespace ns2: the block pool is BP-9, but the last pull of hdfs-ns2 read BP-2/);
  });
  it('refuses a block pool another namespace of the cluster has', () => {
    const m = checkNamespaceIds('hdfs-ns2', 'ns2', ids('BP-1', 'CID-1'), null, [{ source: 'hdfs-ns1', namespace: 'ns1', ids: ids('BP-1', 'CID-1') }]);
    expect(m).toMatch(/block pool BP-1 is also the block pool of namespace ns1 \(source hdfs-ns1\)/);
  });
  it('refuses a cluster id the other namespaces do not share', () => {
    const m = checkNamespaceIds('hdfs-ns2', 'ns2', ids('BP-2', 'CID-9'), null, [{ source: 'hdfs-ns1', namespace: 'ns1', ids: ids('BP-1', 'CID-1') }]);
    expect(m).toMatch(/cluster id CID-9, but namespace ns1 \(source hdfs-ns1\) has CID-1/);
  });
  it('compares nothing a report does not show (dfsadmin: no ids)', () => {
    expect(checkNamespaceIds('hdfs-ns2', 'ns2', ids('', ''), ids('BP-2', 'CID-1'), [{ source: 'hdfs-ns1', namespace: 'ns1', ids: ids('', '') }])).toBeNull();
  });
});
