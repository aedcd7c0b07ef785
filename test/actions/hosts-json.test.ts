import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  endMaintenance,
  maintenanceOf,
  parseHostsJson,
  serializeHostsJson,
  setMaintenance,
  upgradeDomains,
  type HostsJsonEntry,
} from '../../src/actions/hosts-json.js';
import { canonicalHost } from '../../src/sources/hostnames.js';
import { thrown } from '../support/thrown.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/formats/', import.meta.url));
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const ARRAY = fixture('dfs-hosts-combined.json');
const LEGACY = fixture('dfs-hosts-combined-legacy.ndjson');

const LABEL = 'nn1.prod.example.com:/etc/hadoop/conf/dfs.hosts.json';
const canon = (raw: string): string | null => canonicalHost(raw, { domain: 'prod.example.com' }).host ?? null;
const fq = (short: string) => `${short}.prod.example.com`;
const parse = (text: string) => parseHostsJson(text, LABEL);
const parseError = (text: string) => thrown(Error, () => parse(text)).message;
const byName = (entries: HostsJsonEntry[], name: string) => entries.filter((e) => e.hostName === name);

const EXPIRY = 1767225600000; // 2026-01-01T00:00:00Z

describe('parseHostsJson', () => {
  it('reads the Hadoop 3 array sample, every key in file order', () => {
    const entries = parse(ARRAY);
    expect(entries.map((e) => e.hostName)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08'].map((n) => fq(`dn${n}`)));
    expect(entries[3]).toEqual({ hostName: fq('dn04'), adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: 1712944800000 });
    expect(Object.keys(entries[3]!)).toEqual(['hostName', 'adminState', 'maintenanceExpireTimeInMS']);
    expect(entries[7]).toEqual({ hostName: fq('dn08'), port: 9866 });
    expect(upgradeDomains(entries, canon)).toEqual(new Map([[fq('dn01'), 'ud0'], [fq('dn02'), 'ud1']]));
    expect(maintenanceOf(entries, canon)).toEqual(new Map([[fq('dn04'), 1712944800000], [fq('dn07'), null]]));
  });

  it('reads the legacy form (Hadoop\'s own test file), with its string expiry', () => {
    const entries = parse(LEGACY);
    expect(entries.map((e) => e.hostName)).toEqual(['host1', 'host2', 'host3', 'host4', 'host5', 'host6', 'host7']);
    expect(entries[6]).toEqual({ hostName: 'host7', adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: '112233' });
    // Short names match through the canonical rule, like every source's.
    expect(upgradeDomains(entries, canon)).toEqual(new Map([[fq('host2'), 'ud0'], [fq('host4'), 'ud2']]));
    expect(maintenanceOf(entries, canon)).toEqual(new Map([[fq('host6'), null], [fq('host7'), 112233]]));
  });

  it('reads a legacy object spread over several lines, a byte-order mark, CRLF and blank lines', () => {
    const text = '\uFEFF{"hostName": "dn01",\r\n "upgradeDomain": "ud0"}\r\n\r\n{"hostName": "dn02"}\r\n';
    expect(parse(text)).toEqual([{ hostName: 'dn01', upgradeDomain: 'ud0' }, { hostName: 'dn02' }]);
    expect(parse('[]')).toEqual([]);
  });

  describe('refuses, naming the file, the entry and the fix', () => {
    it('text that is not JSON', () => {
      const m = parseError('[\n  {"hostName": "dn01"},\n  {"hostName": "dn02",}\n]\n');
      expect(m).toMatch(new RegExp(`^${LABEL}: not JSON \\(.*line 3.*\\); fix the syntax`));
    });

    it('a legacy line that is not JSON, with its entry number and line', () => {
      const m = parseError('{"hostName": "dn01"}\n{"hostName": dn02}\n{"hostName": "dn03"}\n');
      expect(m).toContain(`${LABEL}: entry 2 (line 2) is not JSON (`);
      expect(m).toContain('each entry of this form is one JSON object');
    });

    it('a legacy file cut off in its last object', () => {
      expect(parseError('{"hostName": "dn01"}\n{"hostName": "dn0')).toContain(`${LABEL}: entry 2 (line 2) is not JSON`);
    });

    it('something that is neither an array nor objects', () => {
      expect(parseError('"dn01.prod.example.com"\n')).toContain(`${LABEL}: not a combined hosts file: expected a JSON array`);
      expect(parseError('dn01.prod.example.com\ndn02.prod.example.com\n')).toContain('not a combined hosts file');
      expect(parseError('{"hostName": "dn01"}\n["dn02"]\n')).toContain(`${LABEL}: line 2: "[\\"dn02\\"]\\n" outside any entry`);
    });

    it('an array entry that is not an object', () => {
      expect(parseError('[{"hostName": "dn01"}, "dn02"]')).toBe(
        `${LABEL}: entry 2: expected a JSON object such as {"hostName": "dn01.example.com"}, found "dn02"`,
      );
    });

    it('an entry without hostName, or with one that is not a string', () => {
      expect(parseError('[{"hostName": "dn01"}, {"port": 9866}]')).toBe(
        `${LABEL}: entry 2: no "hostName"; every entry needs the DataNode's host name as a string`,
      );
      expect(parseError('{"hostName": "dn01"}\n\n{"hostName": 42}\n')).toContain(`${LABEL}: entry 2 (line 3): "hostName" is 42;`);
      expect(parseError('[{"hostName": " "}]')).toContain('entry 1: "hostName" is " "');
    });

    it('an adminState that is not a target, with the one to write', () => {
      expect(parseError('[{"hostName": "dn01", "adminState": "decommissioned"}]')).toBe(
        `${LABEL}: entry 1 (dn01): adminState "decommissioned" is not one of NORMAL, DECOMMISSIONED, IN_MAINTENANCE; ` +
          'the names are upper case, as in DatanodeInfo.AdminStates; leave the key out for NORMAL',
      );
      expect(parseError('[{"hostName": "dn01"}, {"hostName": "dn03", "adminState": "DECOMMISSION_INPROGRESS"}]')).toContain(
        'entry 2 (dn03): adminState "DECOMMISSION_INPROGRESS" is not one of NORMAL, DECOMMISSIONED, IN_MAINTENANCE; write DECOMMISSIONED',
      );
      expect(parseError('{"hostName": "dn04", "adminState": "ENTERING_MAINTENANCE"}')).toContain('entry 1 (line 1) (dn04): adminState');
      expect(parseError('{"hostName": "dn04", "adminState": "ENTERING_MAINTENANCE"}')).toContain('write IN_MAINTENANCE');
    });

    it('an expiry that is not epoch milliseconds', () => {
      const huge = parseError('[{"hostName": "dn04", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": 9223372036854775807}]');
      expect(huge).toContain(`${LABEL}: entry 1 (dn04): maintenanceExpireTimeInMS is larger than 2^53`);
      expect(huge).toContain('for maintenance without an end leave the key out');
      for (const bad of ['"soon"', '-1', '1.5', '"12e3"', 'null', 'true', '""']) {
        const m = parseError(`[{"hostName": "dn04", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": ${bad}}]`);
        expect(m, bad).toContain(`${LABEL}: entry 1 (dn04): maintenanceExpireTimeInMS `);
        expect(m, bad).toContain('is not a time in epoch milliseconds');
        expect(m, bad).toContain('leave the key out for maintenance without an end');
      }
    });

    it('an upgrade domain that is not a string', () => {
      expect(parseError('[{"hostName": "dn01", "upgradeDomain": 3}]')).toContain('entry 1 (dn01): upgradeDomain 3 is not a string');
    });

    it('an empty file, rather than reading it as no DataNodes', () => {
      for (const empty of ['', '\n', '  \n\n']) expect(parseError(empty)).toContain(`${LABEL}: the file is empty; refusing`);
    });
  });
});

describe('serializeHostsJson', () => {
  it('writes the array form, two-space indent, trailing newline: the sample round-trips byte for byte', () => {
    expect(serializeHostsJson(parse(ARRAY))).toBe(ARRAY);
    expect(serializeHostsJson([])).toBe('[]\n');
  });

  it('writes the legacy form as an array with the same entries, the string expiry as it was', () => {
    const out = serializeHostsJson(parse(LEGACY));
    expect(out.startsWith('[\n  {\n    "hostName": "host1"\n  },')).toBe(true);
    expect(out.endsWith(']\n')).toBe(true);
    expect(parse(out)).toEqual(parse(LEGACY));
    expect(out).toContain('"maintenanceExpireTimeInMS": "112233"');
  });

  it('keeps unknown keys, nested values and their order', () => {
    const text = '[{"hostName": "dn01", "rack": "/r1", "labels": {"b": [1, {"c": null}], "a": true}, "upgradeDomain": "ud0", "note": "ünïcode"}]';
    const entries = parse(text);
    expect(Object.keys(entries[0]!)).toEqual(['hostName', 'rack', 'labels', 'upgradeDomain', 'note']);
    expect(JSON.parse(serializeHostsJson(entries))).toEqual(JSON.parse(text));
    expect(serializeHostsJson(entries)).toContain('"labels": {\n      "b": [');
  });

  it('refuses to write an entry the parser would refuse', () => {
    const e = thrown(Error, () => serializeHostsJson([{ hostName: 'dn01', adminState: 'OFF' }]));
    expect(e.message).toContain('entries to write: entry 1 (dn01): adminState "OFF"');
  });
});

describe('setMaintenance', () => {
  it('puts hosts in maintenance, matched by canonical name; a host without an entry is appended', () => {
    const before = parse(ARRAY);
    const copy = structuredClone(before);
    const after = setMaintenance(before, ['DN06', 'dn01:9866', 'dn09', 'dn04.PROD.example.com.'], EXPIRY, canon);
    expect(before).toEqual(copy); // the input is not changed
    expect(after).toHaveLength(9);
    // Existing keys keep their place; the new ones come last.
    expect(after[0]).toEqual({ hostName: fq('dn01'), upgradeDomain: 'ud0', adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY });
    expect(Object.keys(after[0]!)).toEqual(['hostName', 'upgradeDomain', 'adminState', 'maintenanceExpireTimeInMS']);
    expect(after[3]).toEqual({ hostName: fq('dn04'), adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY });
    expect(after[5]).toEqual({ hostName: fq('dn06'), adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY });
    expect(after[8]).toEqual({ hostName: fq('dn09'), adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY });
    // Every other entry means what it meant.
    for (const i of [1, 2, 4, 6, 7]) expect(after[i]).toEqual(before[i]);
    expect(upgradeDomains(after, canon)).toEqual(upgradeDomains(before, canon));
    expect(maintenanceOf(after, canon)).toEqual(
      new Map([[fq('dn01'), EXPIRY], [fq('dn04'), EXPIRY], [fq('dn06'), EXPIRY], [fq('dn07'), null], [fq('dn09'), EXPIRY]]),
    );
    expect(parse(serializeHostsJson(after))).toEqual(after);
  });

  it('replaces a string expiry and an explicit NORMAL in place, keeping unknown keys', () => {
    const entries = parse('{"hostName": "host7", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": "112233", "x": 1}\n{"hostName": "host8", "adminState": "NORMAL", "port": 1}\n{"hostName": "host9"}\n');
    const after = setMaintenance(entries, ['host7', 'host8'], EXPIRY, canon);
    expect(after[0]).toEqual({ hostName: 'host7', adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY, x: 1 });
    expect(Object.keys(after[1]!)).toEqual(['hostName', 'adminState', 'port', 'maintenanceExpireTimeInMS']);
    expect(after[2]).toEqual({ hostName: 'host9' });
  });

  it('sets every entry of a host the file splits by port', () => {
    const entries = parse('[{"hostName": "dn01", "port": 9866}, {"hostName": "DN01.prod.example.com", "port": 9867}, {"hostName": "dn02"}]');
    const after = setMaintenance(entries, [fq('dn01')], EXPIRY, canon);
    expect(after.slice(0, 2).map((e) => [e['port'], e['adminState']])).toEqual([[9866, 'IN_MAINTENANCE'], [9867, 'IN_MAINTENANCE']]);
    expect(after).toHaveLength(3);
  });

  it('in a file without NORMAL entries (every DataNode admitted), appends without changing that', () => {
    const after = setMaintenance(parse('[{"hostName": "dn05", "adminState": "DECOMMISSIONED"}]'), ['dn06'], EXPIRY, canon);
    expect(after).toEqual([
      { hostName: 'dn05', adminState: 'DECOMMISSIONED' },
      { hostName: fq('dn06'), adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: EXPIRY },
    ]);
  });

  it('refuses a DECOMMISSIONED host: the end of its maintenance would recommission it', () => {
    const e = thrown(Error, () => setMaintenance(parse(ARRAY), ['dn01', 'dn03'], EXPIRY, canon));
    expect(e.message).toContain(`${fq('dn03')} is DECOMMISSIONED in the hosts file`);
  });

  it('refuses to leave no entry in service, which would admit every DataNode', () => {
    const entries = parse('[{"hostName": "dn01"}, {"hostName": "dn02", "adminState": "IN_MAINTENANCE"}]');
    expect(thrown(Error, () => setMaintenance(entries, ['dn01'], EXPIRY, canon)).message).toContain('would leave no entry in service');
  });

  it('refuses a host it cannot match by name, and an expiry that is not epoch milliseconds', () => {
    expect(thrown(Error, () => setMaintenance(parse(ARRAY), ['10.20.1.16'], EXPIRY, canon)).message).toContain('"10.20.1.16" is not a host name');
    expect(thrown(Error, () => setMaintenance(parse(ARRAY), ['dn06'], 1.5, canon)).message).toContain('not a time in epoch milliseconds');
  });

  it('leaves entries whose name is no host name (an IP) alone', () => {
    const entries = parse('[{"hostName": "10.20.1.16", "port": 9866}, {"hostName": "dn01"}]');
    const after = setMaintenance(entries, ['dn06'], EXPIRY, canon);
    expect(after.slice(0, 2)).toEqual(entries);
    expect(byName(after, fq('dn06'))).toHaveLength(1);
  });
});

describe('endMaintenance', () => {
  it('takes hosts out of maintenance, leaving a DECOMMISSIONED host and every other key alone', () => {
    const before = parse(ARRAY);
    const copy = structuredClone(before);
    const after = endMaintenance(before, ['dn04:9866', 'DN07', 'dn03', 'dn01', 'dn09'], canon);
    expect(before).toEqual(copy);
    expect(after).toHaveLength(8);
    expect(after[3]).toEqual({ hostName: fq('dn04') });
    expect(after[6]).toEqual({ hostName: fq('dn07') });
    expect(after[2]).toEqual({ hostName: fq('dn03'), adminState: 'DECOMMISSIONED' });
    expect(after[0]).toEqual({ hostName: fq('dn01'), upgradeDomain: 'ud0' });
    for (const i of [1, 4, 5, 7]) expect(after[i]).toEqual(before[i]);
    expect(maintenanceOf(after, canon)).toEqual(new Map());
    expect(upgradeDomains(after, canon)).toEqual(upgradeDomains(before, canon));
  });

  it('removes a string expiry of the legacy form too, keeping the other keys', () => {
    const after = endMaintenance(parse('{"hostName": "host1"}\n{"hostName": "host7", "upgradeDomain": "ud1", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": "112233", "x": [1]}\n'), ['host7'], canon);
    expect(after[1]).toEqual({ hostName: 'host7', upgradeDomain: 'ud1', x: [1] });
    expect(Object.keys(after[1]!)).toEqual(['hostName', 'upgradeDomain', 'x']);
  });

  it('in a file without NORMAL entries, removes the entry (the same meaning) rather than make the file an allow-list', () => {
    const entries = parse('[{"hostName": "dn04", "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": 1, "port": 9866}, {"hostName": "dn05", "adminState": "DECOMMISSIONED"}]');
    expect(endMaintenance(entries, ['dn04'], canon)).toEqual([{ hostName: 'dn05', adminState: 'DECOMMISSIONED' }]);
  });

  it('in such a file, refuses an entry that carries more than its state', () => {
    const entries = parse('[{"hostName": "dn04", "upgradeDomain": "ud1", "adminState": "IN_MAINTENANCE"}]');
    const e = thrown(Error, () => endMaintenance(entries, ['dn04'], canon));
    expect(e.message).toContain(`no entry of the hosts file is in service, so the NameNode admits every DataNode; putting ${fq('dn04')} back`);
    expect(e.message).toContain('(it has upgradeDomain)');
  });
});

describe('canonical matching', () => {
  it('matches upper case, ports, short names and a trailing dot to the FQDN, both in the file and in the request', () => {
    const entries = parse('[{"hostName": "DN01:9866"}, {"hostName": "dn02"}, {"hostName": "dn03.prod.example.com."}, {"hostName": "dn04.other.example.com"}]');
    const after = setMaintenance(entries, ['dn01.prod.example.com', 'DN02.PROD.EXAMPLE.COM', 'dn03:50010', 'dn04'], EXPIRY, canon);
    // dn04 of prod is not dn04 of another domain: it gets an entry of its own.
    expect(after.map((e) => [e.hostName, e['adminState'] ?? 'NORMAL'])).toEqual([
      ['DN01:9866', 'IN_MAINTENANCE'],
      ['dn02', 'IN_MAINTENANCE'],
      ['dn03.prod.example.com.', 'IN_MAINTENANCE'],
      ['dn04.other.example.com', 'NORMAL'],
      [fq('dn04'), 'IN_MAINTENANCE'],
    ]);
    expect([...maintenanceOf(after, canon).keys()]).toEqual([fq('dn01'), fq('dn02'), fq('dn03'), fq('dn04')]);
    expect(endMaintenance(after, ['dn01', 'dn02', 'dn03', 'dn04'], canon).map((e) => e['adminState'] ?? 'NORMAL')).toEqual(Array(5).fill('NORMAL'));
  });

  it('for a host with several maintenance entries, the latest end counts, and no end beats any', () => {
    const m = maintenanceOf(
      parse('[{"hostName": "dn01"}, {"hostName": "dn04", "port": 1, "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": 5}, {"hostName": "DN04", "port": 2, "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": "9"}, {"hostName": "dn07", "port": 1, "adminState": "IN_MAINTENANCE"}, {"hostName": "dn07", "port": 2, "adminState": "IN_MAINTENANCE", "maintenanceExpireTimeInMS": 3}]'),
      canon,
    );
    expect(m).toEqual(new Map([[fq('dn04'), 9], [fq('dn07'), null]]));
  });
});
