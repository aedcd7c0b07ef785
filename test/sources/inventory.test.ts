import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rejected } from '../support/thrown.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatacenterConfig } from '../../src/config/config.js';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import {
  jsonArrayElementLines,
  netboxAuthorization,
  netboxFirstUrl,
  parseFlag,
  parseInventoryRows,
  parseInventoryText,
  parseNetboxDevices,
  source,
  type InventoryConfig,
  type InventoryMapping,
} from '../../src/sources/inventory.js';
import { COMMON_KEYS, SourceError, type HostRule, type SourceContext, type SourceResult } from '../../src/sources/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const RULE: HostRule = { domain: 'dc1.example.com' };
const DC: DatacenterConfig = { name: 'dc1', clusters: new Map(), sources: new Map(), exec: null, kerberos: null };
const MAPPING: InventoryMapping = {
  columns: { host: 'hostname', cluster: 'cluster', role: 'role', lifecycle: 'status', rack: 'rack', datagroup: 'datagroup', ticket: 'ticket' },
  flags: ['hadoop_exclude'],
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-inventory-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function ctx(over: Partial<SourceContext> = {}): SourceContext {
  const timeoutMs = over.timeoutMs ?? 10_000;
  return {
    name: 'inventory',
    dc: DC,
    hostRule: RULE,
    configDir: tmp,
    env: process.env,
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    dayDir: tmp,
    passLabel: 'test',
    ...over,
  };
}

function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

const sourceError = (fn: () => unknown): Promise<SourceError> => rejected(SourceError, fn);

const d = (...short: string[]) => short.map((s) => `${s}.dc1.example.com`);
const range = (prefix: string, from: number, to: number, skip: number[] = []) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)
    .filter((i) => !skip.includes(i))
    .map((i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('inventory: the fixture in every format', () => {
  const EXCLUDED = d('dev1-dn04', 'dw1-dn03', 'dw1-dn07', 'dw2-dn09');

  function checkFixture(r: SourceResult): void {
    const all = r.groups.get('all')!;
    expect(all).toHaveLength(42);
    expect(all).toEqual([...all].sort());
    // Upper case and a short name are made canonical with the configured domain.
    expect(all).toContain('dw1-dn05.dc1.example.com');
    expect(all).toContain('dw1-dn06.dc1.example.com');
    expect(all.every((h) => /^[a-z0-9][a-z0-9.-]*\.dc1\.example\.com$/.test(h))).toBe(true);
    expect(r.groups.get('hadoop_exclude')).toEqual(EXCLUDED);
    expect(r.groups.get('role.namenode')).toEqual(d('dw2-nn1', 'nn1', 'nn2'));
    expect(r.groups.get('role.hbase-regionserver')).toEqual(d(...range('hb-meta', 1, 4)));
    expect(r.groups.get('role.edge-node')).toEqual(d('edge1'));
    expect(r.groups.get('role.hadoop-worker')).toHaveLength(34);
    expect(r.groups.get('lifecycle.failed')).toEqual(d('dw1-dn07', 'dw2-dn09'));
    expect(r.groups.get('lifecycle.offline')).toEqual(d('dw1-dn11'));
    expect(r.groups.get('lifecycle.decommissioning')).toEqual(d('dw1-dn03'));
    expect(r.groups.get('lifecycle.planned')).toEqual(d('dw2-dn02'));
    expect(r.groups.get('lifecycle.inventory')).toEqual(d('dev1-dn04'));
    expect(r.groups.get('lifecycle.active')).toHaveLength(42 - 6);
    expect([...r.groups.keys()].sort()).toEqual([
      'all',
      'hadoop_exclude',
      'lifecycle.active',
      'lifecycle.decommissioning',
      'lifecycle.failed',
      'lifecycle.inventory',
      'lifecycle.offline',
      'lifecycle.planned',
      'role.edge-node',
      'role.hadoop-worker',
      'role.hbase-regionserver',
      'role.namenode',
    ]);

    const t = r.tables.get('inventory.tsv')!;
    expect(t.columns).toEqual(['host', 'cluster', 'role', 'lifecycle', 'rack', 'datagroup', 'ticket', 'hadoop_exclude']);
    expect(t.rows).toHaveLength(42);
    expect(t.rows.find((x) => x.host === 'dw1-dn07.dc1.example.com')).toEqual({
      host: 'dw1-dn07.dc1.example.com',
      cluster: 'dw1',
      role: 'hadoop-worker',
      lifecycle: 'failed',
      rack: 'r02',
      datagroup: 'dg1',
      ticket: 'OPS-1207, OPS-1290',
      hadoop_exclude: 'true',
    });
    expect(t.rows.find((x) => x.host === 'nn1.dc1.example.com')).toMatchObject({ datagroup: '', ticket: '', hadoop_exclude: 'false' });
    expect(t.rows.find((x) => x.host === 'dw1-dn11.dc1.example.com')!.lifecycle).toBe('Offline');
    expect(new Set(t.rows.map((x) => x.cluster))).toEqual(new Set(['dw1', 'dw2', 'hb-meta', 'dev1']));
    expect(r.rejected).toEqual([]);
    expect(r.notes).toContain('hosts 42');
    expect(r.notes).toContain('hadoop_exclude 4');
  }

  it('csv (quoted fields with commas and quotes, mixed flag spellings)', async () => {
    checkFixture(await parseInventoryText(fixture('inventory/inventory.csv'), 'csv', MAPPING, RULE, 'inventory.csv'));
  });

  it('tsv', async () => {
    checkFixture(await parseInventoryText(fixture('inventory/inventory.tsv'), 'tsv', MAPPING, RULE, 'inventory.tsv'));
  });

  it('json (booleans, nulls)', async () => {
    checkFixture(await parseInventoryText(fixture('inventory/inventory.json'), 'json', MAPPING, RULE, 'inventory.json'));
  });

  it('all three formats give the same result', async () => {
    const csv = await parseInventoryText(fixture('inventory/inventory.csv'), 'csv', MAPPING, RULE, 'x');
    const tsv = await parseInventoryText(fixture('inventory/inventory.tsv'), 'tsv', MAPPING, RULE, 'x');
    const json = await parseInventoryText(fixture('inventory/inventory.json'), 'json', MAPPING, RULE, 'x');
    expect(tsv).toEqual(csv);
    expect(json).toEqual(csv);
  });

  it('a UTF-8 BOM and CRLF line ends change nothing', async () => {
    const plain = await parseInventoryText(fixture('inventory/inventory.csv'), 'csv', MAPPING, RULE, 'x');
    const crlf = '\uFEFF' + fixture('inventory/inventory.csv').replace(/\n/g, '\r\n');
    expect(await parseInventoryText(crlf, 'csv', MAPPING, RULE, 'x')).toEqual(plain);
    const tsv = '\uFEFF' + fixture('inventory/inventory.tsv').replace(/\n/g, '\r\n');
    expect(await parseInventoryText(tsv, 'tsv', MAPPING, RULE, 'x')).toEqual(plain);
    const json = '\uFEFF' + fixture('inventory/inventory.json').replace(/\n/g, '\r\n');
    expect(await parseInventoryText(json, 'json', MAPPING, RULE, 'x')).toEqual(plain);
  });

  it('only host mapped: the other table columns are empty, no role or lifecycle groups', async () => {
    const r = await parseInventoryText(fixture('inventory/inventory.csv'), 'csv', { columns: { host: 'hostname' }, flags: [] }, RULE, 'x');
    expect([...r.groups.keys()]).toEqual(['all']);
    expect(r.tables.get('inventory.tsv')!.rows[0]).toEqual({
      host: 'dev1-dn01.dc1.example.com',
      cluster: '',
      role: '',
      lifecycle: '',
      rack: '',
      datagroup: '',
      ticket: '',
    });
  });
});

describe('inventory: parse rules', () => {
  const cols: InventoryMapping = { columns: { host: 'host', cluster: 'cluster', role: 'role', lifecycle: 'state' }, flags: ['hadoop_exclude'] };
  const parse = (text: string, format: 'csv' | 'tsv' | 'json' = 'csv') => parseInventoryText(text, format, cols, RULE, 'inv.csv');

  it('a mapped column missing from the header is named, with the header', async () => {
    const e = await sourceError(() => parse('host,cluster,role,status,hadoop_exclude\ndn01,dw1,worker,active,no\n'));
    expect(e.message).toMatch(/^inv\.csv:1: column "state" \(columns\.lifecycle\) not in the input/);
    expect(e.message).toContain('"host", "cluster", "role", "status", "hadoop_exclude"');
    const f = await sourceError(() => parse('host,cluster,role,state\ndn01,dw1,worker,active\n'));
    expect(f.message).toMatch(/column "hadoop_exclude" \(flags\)/);
  });

  it('a header-only file with a wrong column still names the column', async () => {
    const e = await sourceError(() => parse('hostname\n'));
    expect(e.message).toMatch(/^inv\.csv:1: columns "host" \(columns\.host\), "cluster"/);
  });

  it('the same host twice names both lines, after canonicalisation', async () => {
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\nDN01,dw1,w,active,no\ndn02,dw1,w,active,no\ndn01.dc1.example.com,dw1,w,active,no\n'));
    expect(e.message).toMatch(/^inv\.csv:4: host dn01\.dc1\.example\.com \("dn01\.dc1\.example\.com"\) is listed twice: also at inv\.csv:2 \("DN01"\)/);
  });

  it('counts lines through quoted line breaks and blank lines', async () => {
    const text = 'host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,no\n\ndn02,"dw\n1",w,active,no\n';
    const e = await sourceError(() => parse(text));
    expect(e.message).toMatch(/^inv\.csv:4: column "cluster" \(columns\.cluster\) holds a line break/);
    const dup = 'host,cluster,role,state,hadoop_exclude\ndn01,dw1,"a\nb",active,no\n\ndn01,dw1,w,active,no\n';
    const e2 = await sourceError(() => parseInventoryText(dup, 'csv', { columns: { host: 'host' }, flags: [] }, RULE, 'inv.csv'));
    expect(e2.message).toMatch(/^inv\.csv:5: host dn01\.dc1\.example\.com .* also at inv\.csv:2/);
  });

  it('a tab in a field is an error naming the line and column', async () => {
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,no\ndn02,"dw\t1",w,active,no\n'));
    expect(e.message).toMatch(/^inv\.csv:3: column "cluster" \(columns\.cluster\) holds a tab/);
  });

  it('a row with the wrong number of fields names its line', async () => {
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,no\ndn02,dw1,w,active,no,extra\n'));
    expect(e.message).toMatch(/^inv\.csv:3: 6 fields, but the header \(line 1\) has 5/);
    const short = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1\n'));
    expect(short.message).toMatch(/^inv\.csv:2: 2 fields/);
  });

  it('broken quoting is an error', async () => {
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\ndn01,"dw1,w,active,no\n'));
    expect(e.message).toMatch(/^inv\.csv:\d+: not valid CSV/);
  });

  it('zero hosts is an error, never an empty fleet', async () => {
    expect((await sourceError(() => parse(''))).message).toMatch(/^inv\.csv: no hosts: the input has no rows/);
    expect((await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\n'))).message).toMatch(/no hosts/);
    expect((await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\n\n\n'))).message).toMatch(/no hosts/);
    expect((await sourceError(() => parse('[]', 'json'))).message).toMatch(/no hosts/);
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\n10.1.2.3,dw1,w,active,no\n'));
    expect(e.message).toMatch(/no hosts: 1 row, and every name was refused \(first: "10\.1\.2\.3 \(inv\.csv:2\)": an IP address/);
  });

  it('names that cannot be made canonical are rejected with their line, not errors', async () => {
    const r = await parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,no\n10.1.2.3:9100,dw1,w,active,no\nbad_name,dw1,w,active,no\n,dw1,w,active,no\n');
    expect(r.groups.get('all')).toEqual(['dn01.dc1.example.com']);
    expect(r.rejected.map((x) => x.raw)).toEqual(['10.1.2.3:9100 (inv.csv:3)', 'bad_name (inv.csv:4)', ' (inv.csv:5)']);
    expect(r.rejected[0]!.reason).toMatch(/IP address/);
    expect(r.notes).toContain('refused 3');
    // Without a domain, short names are refused rather than guessed.
    const noDomain = await parseInventoryText('host\ndn01\ndn02.dc1.example.com\n', 'csv', { columns: { host: 'host' }, flags: [] }, { domain: null }, 'x');
    expect(noDomain.groups.get('all')).toEqual(['dn02.dc1.example.com']);
    expect(noDomain.rejected[0]!.reason).toMatch(/short name/);
  });

  it('flags: true/false, yes/no, 1/0 in any case, empty = false; anything else names line and column', async () => {
    for (const v of ['true', 'TRUE', 'Yes', 'yes', '1', ' true ']) expect(parseFlag(v)).toBe(true);
    for (const v of ['false', 'False', 'NO', '0', '', '  ']) expect(parseFlag(v)).toBe(false);
    for (const v of ['maybe', '2', 't', 'on']) expect(parseFlag(v)).toBeNull();
    const r = await parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,Yes\ndn02,dw1,w,active,\ndn03,dw1,w,active,1\n');
    expect(r.groups.get('hadoop_exclude')).toEqual(d('dn01', 'dn03'));
    const e = await sourceError(() => parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,yes\ndn02,dw1,w,active,maybe\n'));
    expect(e.message).toMatch(/^inv\.csv:3: flag column "hadoop_exclude" holds "maybe" for dn02\.dc1\.example\.com; expected true\/false/);
  });

  it('a flag group exists even when no host has the flag', async () => {
    const r = await parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,w,active,no\n');
    expect(r.groups.get('hadoop_exclude')).toEqual([]);
  });

  it('role and lifecycle values become group names; empty values give no group', async () => {
    const r = await parse('host,cluster,role,state,hadoop_exclude\ndn01,dw1,Hadoop Worker,Active,no\ndn02,dw1,hadoop/worker#2,In Service,no\ndn03,dw1,,,no\n');
    expect(r.groups.get('role.hadoop-worker')).toEqual(d('dn01'));
    expect(r.groups.get('role.hadoop-worker-2')).toEqual(d('dn02'));
    expect(r.groups.get('lifecycle.active')).toEqual(d('dn01'));
    expect(r.groups.get('lifecycle.in-service')).toEqual(d('dn02'));
    expect([...r.groups.keys()].filter((g) => g.startsWith('role.') || g.startsWith('lifecycle.'))).toHaveLength(4);
    expect(r.groups.get('all')).toEqual(d('dn01', 'dn02', 'dn03'));
  });

  it('json: values may be numbers, booleans and null; errors name the line', async () => {
    const text = '[\n  {"host": "dn01", "cluster": 7, "role": null, "state": "active", "hadoop_exclude": true},\n  {"host": "DN02", "cluster": "dw1", "state": "failed", "hadoop_exclude": 0, "extra": {"a": 1}}\n]\n';
    const r = await parse(text, 'json');
    expect(r.groups.get('all')).toEqual(d('dn01', 'dn02'));
    expect(r.groups.get('hadoop_exclude')).toEqual(d('dn01'));
    expect(r.tables.get('inventory.tsv')!.rows[0]).toMatchObject({ host: 'dn01.dc1.example.com', cluster: '7', role: '' });

    const dup = '[\n  {"host": "dn01", "cluster": "a", "role": "w", "state": "x", "hadoop_exclude": false},\n  {\n    "host": "DN01.dc1.example.com",\n    "cluster": "a", "role": "w", "state": "x", "hadoop_exclude": false\n  }\n]';
    expect((await sourceError(() => parse(dup, 'json'))).message).toMatch(/^inv\.csv:3: host dn01\.dc1\.example\.com \("DN01\.dc1\.example\.com"\) is listed twice: also at inv\.csv:2 \("dn01"\)/);
    const nested = '[\n{"host": "dn01", "cluster": ["a"], "role": "w", "state": "x", "hadoop_exclude": false}\n]';
    expect((await sourceError(() => parse(nested, 'json'))).message).toMatch(/^inv\.csv:2: key "cluster" holds an array/);
    expect((await sourceError(() => parse('{"host": "dn01"}', 'json'))).message).toMatch(/expected a JSON array of objects/);
    expect((await sourceError(() => parse('[\n"dn01"\n]', 'json'))).message).toMatch(/^inv\.csv:2: expected an object per host/);
    expect((await sourceError(() => parse('[{"host": ', 'json'))).message).toMatch(/not valid JSON/);
    expect((await sourceError(() => parse('[{"hostname": "dn01"}]', 'json'))).message).toMatch(/^inv\.csv: columns "host" \(columns\.host\), .* not in the input; it has: "hostname"/);
  });

  it('jsonArrayElementLines finds where each element starts', () => {
    expect(jsonArrayElementLines('[\n {"a": "x\\"]\\n"},\n "s",\n\n 12, [1,\n2], {\n}\n]')).toEqual([2, 3, 5, 5, 6]);
    expect(jsonArrayElementLines('[]')).toEqual([]);
  });

  it('parseInventoryRows takes rows directly', () => {
    const r = parseInventoryRows(
      [
        { line: 10, record: { h: 'DN01', r: 'worker', f: 'yes' } },
        { line: 11, record: { h: 'dn02.DC1.example.com', r: 'worker', f: 'no' } },
      ],
      { columns: { host: 'h', role: 'r' }, flags: ['f'] },
      RULE,
      'rows',
    );
    expect(r.groups.get('all')).toEqual(d('dn01', 'dn02'));
    expect(r.groups.get('f')).toEqual(d('dn01'));
    expect(r.groups.get('role.worker')).toEqual(d('dn01', 'dn02'));
    expect(r.tables.get('inventory.tsv')!.columns).toEqual(['host', 'cluster', 'role', 'lifecycle', 'rack', 'datagroup', 'ticket', 'f']);
    expect(() => parseInventoryRows([{ line: 3, record: { h: 'a' } }, { line: 9, record: { h: 'A.dc1.example.com' } }], { columns: { host: 'h' }, flags: [] }, RULE, 'rows')).toThrow(
      /^rows:9: .* also at rows:3 \("a"\)/,
    );
    expect(() => parseInventoryRows([], { columns: { host: 'h' }, flags: [] }, RULE, 'rows')).toThrow(/rows: no hosts/);
  });
});

describe('inventory: pull from a file or a command', () => {
  function cfg(input: InventoryConfig['input'], format: InventoryConfig['format'] = 'csv'): InventoryConfig {
    return { input, format, ...MAPPING };
  }
  function script(name: string, body: string): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  }

  it('reads a file, relative to the config directory', async () => {
    fs.copyFileSync(path.join(FIXTURES, 'inventory/inventory.tsv'), path.join(tmp, 'inv.tsv'));
    const r = await source.pull(cfg({ kind: 'file', path: 'inv.tsv' }, 'tsv'), ctx());
    expect(r.groups.get('all')).toHaveLength(42);
    const e = await sourceError(() => source.pull(cfg({ kind: 'file', path: 'nope.csv' }), ctx()));
    expect(e.message).toMatch(/nope\.csv: no such file/);
  });

  it('errors in a file name the file and line', async () => {
    fs.writeFileSync(path.join(tmp, 'dup.csv'), 'hostname,hadoop_exclude\ndn01,no\nDN01,no\n');
    const e = await sourceError(() => source.pull(cfg({ kind: 'file', path: path.join(tmp, 'dup.csv') }), ctx()).then(() => undefined));
    // The header lacks the mapped columns: that is reported first.
    expect(e.message).toContain(`${path.join(tmp, 'dup.csv')}:1: columns "cluster"`);
    const only: InventoryConfig = { input: { kind: 'file', path: path.join(tmp, 'dup.csv') }, format: 'csv', columns: { host: 'hostname' }, flags: [] };
    const e2 = await sourceError(() => source.pull(only, ctx()));
    expect(e2.message).toContain(`${path.join(tmp, 'dup.csv')}:3: host dn01.dc1.example.com ("DN01") is listed twice: also at ${path.join(tmp, 'dup.csv')}:2 ("dn01")`);
  });

  it('runs a command that prints CSV', async () => {
    const p = script('dump-ok', `cat <<'EOF'\n${fixture('inventory/inventory.csv')}EOF`);
    const r = await source.pull(cfg({ kind: 'command', argv: [p, '--dc', 'dc1'] }), ctx());
    expect(r.groups.get('all')).toHaveLength(42);
    expect(r.groups.get('hadoop_exclude')).toHaveLength(4);
  });

  it('a command that exits 1 fails with its stderr', async () => {
    const p = script('dump-fail', 'echo "loony: cannot reach the asset database" >&2\nexit 1');
    const e = await sourceError(() => source.pull(cfg({ kind: 'command', argv: [p] }), ctx()));
    expect(e.message).toMatch(/exited 1/);
    expect(e.message).toContain('loony: cannot reach the asset database');
  });

  it('a command that hangs past the timeout is killed', async () => {
    const p = script('dump-hang', 'echo "hostname"\nexec sleep 30');
    const started = Date.now();
    const e = await sourceError(() => source.pull(cfg({ kind: 'command', argv: [p] }), ctx({ timeoutMs: 1000 })));
    expect(e.message).toMatch(/timed out after 1s and was killed/);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('parse errors of command output name the command', async () => {
    const p = script('dump-empty', 'echo "hostname,cluster,role,status,rack,datagroup,ticket,hadoop_exclude"');
    const e = await sourceError(() => source.pull(cfg({ kind: 'command', argv: [p, 'x'] }), ctx()));
    expect(e.message).toBe(`command ${p} x: no hosts: the input has no rows; an empty inventory is a failure, not an empty fleet — check the input and columns.host`);
  });
});

// ------------------------------------------------------------------ NetBox

interface NetboxOptions {
  pageSize: number;
  token?: string;
  failPage?: number;
  /** Say a different count on the last page (the list changed while paging). */
  lastCount?: number;
}

async function netboxServer(devices: unknown[], opts: NetboxOptions) {
  const requests: Array<{ path: string; authorization: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url!, authorization: req.headers.authorization });
    const u = new URL(req.url!, origin);
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (u.pathname !== '/api/dcim/devices/') return send(404, '{"detail":"Not found."}');
    if (req.headers.authorization !== `Token ${opts.token ?? 'nb-secret'}`) return send(403, '{"detail":"Invalid token"}');
    const offset = Number(u.searchParams.get('offset') ?? '0');
    const page = offset / opts.pageSize + 1;
    if (page === opts.failPage) return send(500, '<html><body><h1>Server Error (500)</h1></body></html>', 'text/html');
    const link = (off: number) => {
      const p = new URLSearchParams(u.searchParams);
      p.set('limit', String(opts.pageSize));
      p.set('offset', String(off));
      p.sort();
      return `${origin}/api/dcim/devices/?${p}`;
    };
    const last = offset + opts.pageSize >= devices.length;
    send(
      200,
      JSON.stringify({
        count: last && opts.lastCount !== undefined ? opts.lastCount : devices.length,
        next: last ? null : link(offset + opts.pageSize),
        previous: offset === 0 ? null : link(Math.max(0, offset - opts.pageSize)),
        results: devices.slice(offset, offset + opts.pageSize),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('inventory: NetBox', () => {
  const v4 = (JSON.parse(fixture('formats/netbox-devices.json')) as { results: Array<Record<string, unknown>> }).results;
  const v37 = (JSON.parse(fixture('formats/netbox-devices-v3.7.json')) as { results: Array<Record<string, unknown>> }).results;
  const prod = (...short: string[]) => short.map((s) => `${s}.prod.example.com`);
  const netbox = (origin: string, columns: InventoryConfig['columns'] = { cluster: 'hadoop_cluster' }, flags: string[] = []): InventoryConfig => ({
    input: { kind: 'netbox', netbox: { url: origin, tokenEnv: 'NETBOX_TOKEN', query: 'role=hadoop-worker&site=dc1' } },
    format: 'json',
    columns,
    flags,
  });
  const env = { NETBOX_TOKEN: 'nb-secret' };

  it('parses NetBox 4.x devices', () => {
    const r = parseNetboxDevices(v4, { columns: { cluster: 'hadoop_cluster' }, flags: [] }, RULE, 'netbox');
    expect(r.groups.get('all')).toEqual(prod('dn01', 'dn02', 'dn03', 'dn04', 'dn05', 'dn06'));
    expect(r.groups.get('role.hadoop-worker')).toEqual(r.groups.get('all'));
    expect(r.groups.get('lifecycle.active')).toEqual(prod('dn01', 'dn02'));
    expect(r.groups.get('lifecycle.decommissioning')).toEqual(prod('dn03'));
    expect(r.groups.get('lifecycle.offline')).toEqual(prod('dn04'));
    expect(r.groups.get('lifecycle.inventory')).toEqual(prod('dn05'));
    expect(r.groups.get('lifecycle.failed')).toEqual(prod('dn06'));
    expect(r.tables.get('inventory.tsv')!.rows[0]).toEqual({
      host: 'dn01.prod.example.com',
      cluster: 'prod',
      role: 'hadoop-worker',
      lifecycle: 'active',
      rack: 'R01',
      datagroup: '',
      ticket: '',
    });
  });

  it('parses NetBox 3.7 devices (role and device_role) and ≤ 3.5 (device_role only)', () => {
    const r = parseNetboxDevices(v37, { columns: {}, flags: [] }, RULE, 'netbox');
    expect(r.groups.get('all')).toEqual(prod('dn01', 'dn03'));
    expect(r.groups.get('role.hadoop-worker')).toEqual(prod('dn01', 'dn03'));
    // No custom field "cluster" and no NetBox cluster: empty.
    expect(r.tables.get('inventory.tsv')!.rows[0]!.cluster).toBe('');
    const old = v37.map(({ role: _role, ...rest }) => ({ ...rest, device_role: { id: 9, name: 'Old Role', display: 'Old Role' } }));
    const r2 = parseNetboxDevices(old, { columns: {}, flags: [] }, RULE, 'netbox');
    expect(r2.groups.get('role.old-role')).toEqual(prod('dn01', 'dn03'));
  });

  it('maps custom fields named in columns:, and flags from boolean custom fields', () => {
    const devices = v4.map((dev, i) => ({
      ...dev,
      cluster: i === 0 ? { id: 1, name: 'virt-cluster' } : null,
      custom_fields: {
        ...(dev.custom_fields as object),
        hdfs_datagroup: i % 2 ? 'dg2' : 'dg1',
        ticket: i === 3 ? 'OPS-77' : null,
        hadoop_exclude: i === 3 ? true : i === 4 ? null : false,
        lifecycle_override: i === 5 ? 'rma' : null,
      },
    }));
    const r = parseNetboxDevices(devices, { columns: { datagroup: 'hdfs_datagroup', cluster: 'hadoop_cluster', lifecycle: 'lifecycle_override' }, flags: ['hadoop_exclude'] }, RULE, 'netbox');
    expect(r.groups.get('hadoop_exclude')).toEqual(prod('dn04'));
    expect(r.groups.get('lifecycle.rma')).toEqual(prod('dn06'));
    expect(r.groups.get('lifecycle.failed')).toBeUndefined();
    const rows = r.tables.get('inventory.tsv')!.rows;
    expect(rows[0]).toMatchObject({ cluster: 'prod', datagroup: 'dg1', hadoop_exclude: 'false' });
    expect(rows[3]).toMatchObject({ datagroup: 'dg2', ticket: 'OPS-77', hadoop_exclude: 'true' });
    // Without columns.cluster: NetBox's own cluster.name.
    const r2 = parseNetboxDevices(devices, { columns: {}, flags: [] }, RULE, 'netbox');
    expect(r2.tables.get('inventory.tsv')!.rows[0]!.cluster).toBe('virt-cluster');
    expect(r2.tables.get('inventory.tsv')!.rows[0]!.ticket).toBe('');
    // A custom field named in columns: or flags: must exist.
    expect(() => parseNetboxDevices(v4, { columns: { datagroup: 'hdfs_datagroup' }, flags: [] }, RULE, 'netbox')).toThrow(
      /^netbox: device 1 \("dn01\.prod\.example\.com", id 101\): custom field "hdfs_datagroup" \(columns\.datagroup\) is not defined; the device has: hadoop_cluster/,
    );
    expect(() => parseNetboxDevices(v4, { columns: {}, flags: ['hadoop_exclude'] }, RULE, 'netbox')).toThrow(/custom field "hadoop_exclude" \(flags\) is not defined/);
  });

  it('a device without a name is rejected; duplicates name both devices', () => {
    const devices = [{ ...v4[0], name: null }, ...v4.slice(1, 3)];
    const r = parseNetboxDevices(devices, { columns: {}, flags: [] }, RULE, 'netbox');
    expect(r.groups.get('all')).toEqual(prod('dn02', 'dn03'));
    expect(r.rejected).toEqual([{ raw: 'device id 101 (netbox: device 1 (id 101))', reason: 'the device has no name' }]);
    const dup = [v4[0], v4[1], { ...v4[2], id: 999, name: 'DN01.prod.example.com' }];
    expect(() => parseNetboxDevices(dup, { columns: {}, flags: [] }, RULE, 'netbox')).toThrow(
      /^netbox: device 3 \("DN01\.prod\.example\.com", id 999\): host dn01\.prod\.example\.com .* also at netbox: device 1 \("dn01\.prod\.example\.com", id 101\)/,
    );
    expect(() => parseNetboxDevices([{ ...v4[0], name: null }], { columns: {}, flags: [] }, RULE, 'netbox')).toThrow(/no hosts/);
  });

  it('URL and Authorization header', () => {
    expect(netboxFirstUrl({ url: 'http://nb:8080', tokenEnv: 'T', query: 'role=hadoop-worker&site=dc1' })).toBe(
      'http://nb:8080/api/dcim/devices/?role=hadoop-worker&site=dc1&limit=1000',
    );
    expect(netboxFirstUrl({ url: 'http://nb', tokenEnv: 'T', query: '' })).toBe('http://nb/api/dcim/devices/?limit=1000');
    expect(netboxFirstUrl({ url: 'http://nb', tokenEnv: 'T', query: 'limit=50&tag=hdfs' })).toBe('http://nb/api/dcim/devices/?limit=50&tag=hdfs');
    expect(netboxAuthorization('0123456789abcdef')).toBe('Token 0123456789abcdef');
    expect(netboxAuthorization('nbt_abc.def')).toBe('Bearer nbt_abc.def');
  });

  it('follows next over every page, sending the token each time', async () => {
    const srv = await netboxServer(v4, { pageSize: 2 });
    try {
      const r = await source.pull(netbox(srv.origin), ctx({ env }));
      expect(r.groups.get('all')).toEqual(prod('dn01', 'dn02', 'dn03', 'dn04', 'dn05', 'dn06'));
      expect(r.tables.get('inventory.tsv')!.rows.map((x) => x.cluster)).toEqual(Array(6).fill('prod'));
      expect(r.notes).toContain('pages 3');
      expect(srv.requests.map((q) => q.path)).toEqual([
        '/api/dcim/devices/?role=hadoop-worker&site=dc1&limit=1000',
        '/api/dcim/devices/?limit=2&offset=2&role=hadoop-worker&site=dc1',
        '/api/dcim/devices/?limit=2&offset=4&role=hadoop-worker&site=dc1',
      ]);
      expect(srv.requests.every((q) => q.authorization === 'Token nb-secret')).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('a page failing halfway fails the whole source', async () => {
    const srv = await netboxServer(v4, { pageSize: 2, failPage: 2 });
    try {
      const e = await sourceError(() => source.pull(netbox(srv.origin), ctx({ env })));
      expect(e.message).toMatch(/^netbox: page 2 failed, so nothing of this pull is used: GET http:\/\/127\.0\.0\.1:\d+\/api\/dcim\/devices\/\?limit=2&offset=2&role=hadoop-worker&site=dc1: HTTP 500/);
      expect(srv.requests).toHaveLength(2);
    } finally {
      await srv.close();
    }
  });

  it('a wrong or missing token', async () => {
    const srv = await netboxServer(v4, { pageSize: 2 });
    try {
      const e = await sourceError(() => source.pull(netbox(srv.origin), ctx({ env: { NETBOX_TOKEN: 'wrong' } })));
      expect(e.message).toMatch(/page 1 failed.*HTTP 403 Forbidden: \{"detail":"Invalid token"\}/);
      const e2 = await sourceError(() => source.pull(netbox(srv.origin), ctx({ env: {} })));
      expect(e2.message).toMatch(/environment variable NETBOX_TOKEN \(token_env\) is not set/);
      expect(srv.requests).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('a list that changes while it is read fails', async () => {
    const srv = await netboxServer(v4, { pageSize: 4, lastCount: 7 });
    try {
      const e = await sourceError(() => source.pull(netbox(srv.origin), ctx({ env })));
      expect(e.message).toMatch(/the device list changed while it was read \(count 7, read 6\)/);
    } finally {
      await srv.close();
    }
  });

  it('an empty device list is a failure', async () => {
    const srv = await netboxServer([], { pageSize: 4 });
    try {
      const e = await sourceError(() => source.pull(netbox(srv.origin), ctx({ env })));
      expect(e.message).toMatch(/no hosts/);
    } finally {
      await srv.close();
    }
  });
});

// ------------------------------------------------------------------ configure

describe('inventory: configure', () => {
  const CONFIG = '/etc/breakfix/breakfix.yaml';
  function configure(body: string): InventoryConfig {
    const text = `datacenters:\n  dc1:\n    sources:\n      inv:\n        type: inventory\n${body
      .trim()
      .split('\n')
      .map((l) => `        ${l}`)
      .join('\n')}\n`;
    const yaml = new YamlFile(CONFIG, text);
    const where = new Field(yaml, yaml.root, '').map().get('datacenters')!.map().get('dc1')!.map().get('sources')!.map().get('inv')!;
    const m = where.map([...COMMON_KEYS, ...source.keys]);
    return source.configure(m, where, '/etc/breakfix', DC);
  }
  // Lines: 1 datacenters, 2 dc1, 3 sources, 4 inv, 5 type (where the source's mapping starts), 6… the body.

  it('accepts the pinned example', () => {
    const c = configure(`
file: ./inventory.csv
format: csv
volatile: false
columns: { host: hostname, cluster: cluster, role: role, lifecycle: status, rack: rack, datagroup: datagroup, ticket: ticket }
flags: [hadoop_exclude]`);
    expect(c).toEqual({
      input: { kind: 'file', path: '/etc/breakfix/inventory.csv' },
      format: 'csv',
      columns: MAPPING.columns,
      flags: ['hadoop_exclude'],
    });
    expect(configure('command: [loony, dump, --dc, dc1]\nformat: json\ncolumns: { host: name }').input).toEqual({ kind: 'command', argv: ['loony', 'dump', '--dc', 'dc1'] });
    const nb = configure('netbox: { url: "http://127.0.0.1:8080/", token_env: NETBOX_TOKEN, query: "role=hadoop-worker&site=dc1" }\ncolumns: { datagroup: hdfs_datagroup }');
    expect(nb).toEqual({
      input: { kind: 'netbox', netbox: { url: 'http://127.0.0.1:8080', tokenEnv: 'NETBOX_TOKEN', query: 'role=hadoop-worker&site=dc1' } },
      format: 'json',
      columns: { datagroup: 'hdfs_datagroup' },
      flags: [],
    });
  });

  const cases: Array<[string, string, RegExp]> = [
    ['no input', 'format: csv\ncolumns: { host: h }', /breakfix\.yaml:5: datacenters\.dc1\.sources\.inv: expected exactly one of file, command, netbox; found none/],
    ['two inputs', 'file: a.csv\ncommand: [x]\nformat: csv\ncolumns: { host: h }', /breakfix\.yaml:5: .*expected exactly one of file, command, netbox; found file, command/],
    ['format missing', 'file: a.csv\ncolumns: { host: h }', /breakfix\.yaml:5: .*format: missing; one of csv, tsv, json/],
    ['format unknown', 'file: a.csv\nformat: xlsx\ncolumns: { host: h }', /breakfix\.yaml:7: datacenters\.dc1\.sources\.inv\.format: expected one of csv, tsv, json, found "xlsx"/],
    ['columns missing', 'file: a.csv\nformat: csv', /breakfix\.yaml:5: .*columns: missing/],
    ['columns.host missing', 'file: a.csv\nformat: csv\ncolumns:\n  cluster: c', /breakfix\.yaml:9: .*inv\.columns: host: missing/],
    ['unknown column key', 'file: a.csv\nformat: csv\ncolumns:\n  host: h\n  clustr: c', /breakfix\.yaml:10: datacenters\.dc1\.sources\.inv\.columns\.clustr: unknown key; expected one of: host, cluster/],
    ['empty column', 'file: a.csv\nformat: csv\ncolumns:\n  host: ""', /breakfix\.yaml:9: .*columns\.host: expected a non-empty string/],
    ['empty command', 'command: []\nformat: csv\ncolumns: { host: h }', /breakfix\.yaml:6: .*inv\.command: the command is empty/],
    ['bad flag name', 'file: a.csv\nformat: csv\ncolumns: { host: h }\nflags:\n  - ok_flag\n  - Hadoop Exclude', /breakfix\.yaml:11: .*inv\.flags\[1\]: "Hadoop Exclude" is not a group name/],
    ['flag twice', 'file: a.csv\nformat: csv\ncolumns: { host: h }\nflags: [a, a]', /breakfix\.yaml:9: .*flags\[1\]: "a" is listed twice/],
    ['flag taken', 'file: a.csv\nformat: csv\ncolumns: { host: h }\nflags: [all]', /breakfix\.yaml:9: .*"all" is taken/],
    ['flag taken by a table column', 'file: a.csv\nformat: csv\ncolumns: { host: h }\nflags: [rack]', /"rack" is taken/],
    ['netbox url', 'netbox: { url: "netbox.example.com", token_env: T }', /breakfix\.yaml:6: .*netbox\.url: expected an http:\/\/ or https:\/\/ URL/],
    ['netbox api url', 'netbox:\n  url: https://nb.example.com/api/\n  token_env: T', /breakfix\.yaml:7: .*netbox\.url: give the NetBox base URL/],
    ['netbox token_env missing', 'netbox:\n  url: https://nb.example.com', /breakfix\.yaml:7: .*inv\.netbox: token_env: missing/],
    ['netbox token_env bad', 'netbox:\n  url: https://nb.example.com\n  token_env: "$TOKEN"', /breakfix\.yaml:8: .*netbox\.token_env: "\$TOKEN" is not an environment variable name/],
    ['netbox unknown key', 'netbox:\n  url: https://nb.example.com\n  token_env: T\n  tokn: x', /breakfix\.yaml:9: .*netbox\.tokn: unknown key/],
    ['netbox offset', 'netbox:\n  url: https://nb.example.com\n  token_env: T\n  query: "offset=5"', /breakfix\.yaml:9: .*offset= is not allowed/],
    ['netbox host column', 'netbox: { url: "https://nb", token_env: T }\ncolumns:\n  host: name', /breakfix\.yaml:8: .*columns\.host: under netbox the host is the device name/],
    ['netbox format', 'netbox: { url: "https://nb", token_env: T }\nformat: csv', /breakfix\.yaml:7: .*format: netbox answers in JSON/],
  ];
  for (const [name, body, re] of cases) {
    it(name, () => {
      expect(() => configure(body)).toThrow(re);
    });
  }
});
