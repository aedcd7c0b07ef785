import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejected } from '../support/thrown.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatacenterConfig } from '../../src/config/config.js';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import { parsePromVector, queryUrl, source, type PrometheusConfig } from '../../src/sources/prometheus.js';
import { COMMON_KEYS, SourceError, type HostRule, type SourceContext } from '../../src/sources/types.js';

const FORMATS = fileURLToPath(new URL('../../fixtures/formats/', import.meta.url));
const RULE: HostRule = { domain: 'dc1.example.com' };
const DC: DatacenterConfig = { name: 'dc1', clusters: new Map(), sources: new Map(), exec: null, kerberos: null };
const json = (name: string): unknown => JSON.parse(fs.readFileSync(`${FORMATS}${name}`, 'utf8'));

function ctx(over: Partial<SourceContext> = {}): SourceContext {
  const timeoutMs = over.timeoutMs ?? 10_000;
  return { name: 'metrics', dc: DC, hostRule: RULE, configDir: '/', env: {}, signal: AbortSignal.timeout(timeoutMs), timeoutMs, dayDir: '/nonexistent', passLabel: 'test', ...over };
}

const sourceError = (fn: () => unknown): Promise<SourceError> => rejected(SourceError, fn);

const vector = (...series: Array<Record<string, string>>) => ({
  status: 'success',
  data: { resultType: 'vector', result: series.map((metric) => ({ metric, value: [1712914867.123, '1'] })) },
});

describe('parsePromVector', () => {
  it('reads the hosts of a vector, stripping the port (fixture)', () => {
    const r = parsePromVector(json('prometheus-query-vector.json'), 'responsive', 'up{job="node"}', 'instance', RULE);
    // Every series counts, whatever its value: conditions belong in the query.
    expect(r.hosts).toEqual(['dn01', 'dn02', 'dn03', 'dn04', 'dn05', 'dn06', 'dn07'].map((h) => `${h}.prod.example.com`));
    expect(r.rejected).toEqual([]);
  });

  it('an empty vector is no data, not an error (fixture)', () => {
    expect(parsePromVector(json('prometheus-query-empty.json'), 'disk-failed', 'node_disk_failed == 1', 'instance', RULE)).toEqual({ hosts: [], rejected: [] });
  });

  it('an error answer carries errorType, error and the query (fixture)', () => {
    expect(() => parsePromVector(json('prometheus-query-error.json'), 'responsive', '', 'instance', RULE)).toThrow(
      'prometheus group responsive (query ""): bad_data: invalid parameter "query": 1:1: parse error: no expression found in input',
    );
  });

  it('short names, upper case, IPs and missing labels', () => {
    const r = parsePromVector(
      vector(
        { instance: 'DN01:9100', job: 'node' },
        { instance: 'dn01.dc1.example.com:9100', job: 'node' },
        { instance: '10.0.0.7:9100', job: 'node' },
        { job: 'node', __name__: 'up' },
        { node: 'dn09' },
      ),
      'responsive',
      'up == 1',
      'instance',
      RULE,
    );
    expect(r.hosts).toEqual(['dn01.dc1.example.com']);
    expect(r.rejected).toEqual([
      { raw: 'up{job="node"} (group responsive)', reason: 'no "instance" label (host_label)' },
      { raw: '{node="dn09"} (group responsive)', reason: 'no "instance" label (host_label)' },
      { raw: '10.0.0.7:9100 (group responsive)', reason: 'an IP address, not a host name' },
    ]);
    expect(parsePromVector(vector({ node: 'dn09' }), 'g', 'q', 'node', RULE).hosts).toEqual(['dn09.dc1.example.com']);
  });

  it('anything but an instant vector names the group and query', () => {
    const matrix = { status: 'success', data: { resultType: 'matrix', result: [] } };
    expect(() => parsePromVector(matrix, 'responsive', 'up[5m]', 'instance', RULE)).toThrow(
      /^prometheus group responsive \(query "up\[5m\]"\): the result is a "matrix", not an instant vector/,
    );
    const scalar = { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } };
    expect(() => parsePromVector(scalar, 'g', '1', 'instance', RULE)).toThrow(/the result is a "scalar"/);
    expect(() => parsePromVector('<html>', 'g', 'q', 'instance', RULE)).toThrow(/not a Prometheus API object/);
    expect(() => parsePromVector({ status: 'weird' }, 'g', 'q', 'instance', RULE)).toThrow(/status "weird", expected "success"/);
    expect(() => parsePromVector({ status: 'success', data: { resultType: 'vector', result: [{ value: [0, '1'] }] } }, 'g', 'q', 'instance', RULE)).toThrow(
      /a sample has no metric labels/,
    );
  });
});

// ------------------------------------------------------------------ HTTP

type Handler = (query: string, res: http.ServerResponse) => void;

describe('prometheus: pull against an HTTP server in the test', () => {
  let server: http.Server;
  let base: string;
  let handler: Handler;
  const seen: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname !== '/api/v1/query') {
        res.writeHead(404).end('404 page not found');
        return;
      }
      const q = u.searchParams.get('query') ?? '';
      seen.push(q);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Answer a little later, so concurrent queries overlap.
      setTimeout(() => {
        inFlight--;
        handler(q, res);
      }, 30);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const cfg = (groups: Record<string, string>, hostLabel = 'instance'): PrometheusConfig => ({
    url: base,
    hostLabel,
    groups: Object.entries(groups).map(([name, query]) => ({ name, query })),
  });

  it('runs every query at once and writes one group per query', async () => {
    seen.length = 0;
    maxInFlight = 0;
    handler = (q, res) => {
      if (q === 'up{job="node"} == 1') return send(res, 200, vector({ instance: 'dn01:9100' }, { instance: 'DN02.dc1.example.com:9100' }));
      if (q === 'puppet_last_run_success == 1') return send(res, 200, vector({ instance: 'dn02:9100' }));
      return send(res, 200, { status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['PromQL info: something'] });
    };
    const r = await source.pull(cfg({ responsive: 'up{job="node"} == 1', puppet_ok: 'puppet_last_run_success == 1', 'disk-failed': 'node_disk_failed == 1' }), ctx());
    expect(Object.fromEntries(r.groups)).toEqual({
      responsive: ['dn01.dc1.example.com', 'dn02.dc1.example.com'],
      puppet_ok: ['dn02.dc1.example.com'],
      'disk-failed': [],
    });
    expect(r.notes).toEqual(['responsive 2', 'puppet_ok 1', 'disk-failed 0', 'warning (disk-failed): PromQL info: something']);
    expect(r.tables.size).toBe(0);
    expect(seen.sort()).toEqual(['node_disk_failed == 1', 'puppet_last_run_success == 1', 'up{job="node"} == 1']);
    expect(maxInFlight).toBe(3);
  });

  it('every group empty is a failure: no data at all', async () => {
    handler = (_q, res) => send(res, 200, json('prometheus-query-empty.json'));
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1', puppet_ok: 'puppet_last_run_success == 1' }), ctx()));
    expect(e.message).toBe(
      `prometheus ${base}: no data at all: every query (responsive, puppet_ok) returned no series; check url, the queries and host_label`,
    );
  });

  it('a group whose series all lack the host label is a failure', async () => {
    handler = (q, res) => send(res, 200, q.startsWith('count') ? vector({ cluster: 'dw1' }) : vector({ instance: 'dn01:9100' }));
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1', counted: 'count by (cluster) (up)' }), ctx()));
    expect(e.message).toMatch(/^prometheus group counted \(query "count by \(cluster\) \(up\)"\): 1 series, none with a usable host \(first: \{cluster="dw1"\} \(group counted\): no "instance" label/);
    // A wrong host_label: every group has series and no hosts.
    const e2 = await sourceError(() => source.pull(cfg({ responsive: 'up == 1' }, 'hostname'), ctx()));
    expect(e2.message).toMatch(/check host_label \("hostname"\)/);
  });

  it('an error answer (HTTP 400) shows errorType and Prometheus\'s error text', async () => {
    handler = (q, res) =>
      q === 'up{'
        ? send(res, 400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:4: parse error: unexpected end of input inside braces' })
        : send(res, 200, vector({ instance: 'dn01:9100' }));
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1', broken: 'up{' }), ctx()));
    expect(e.message).toBe(
      'prometheus group broken (query "up{"): HTTP 400 Bad Request: bad_data: invalid parameter "query": 1:4: parse error: unexpected end of input inside braces',
    );
  });

  it('several failing queries are all reported', async () => {
    handler = (q, res) => send(res, 422, { status: 'error', errorType: 'execution', error: `cannot run ${q}` });
    const e = await sourceError(() => source.pull(cfg({ a: 'x', b: 'y' }), ctx()));
    expect(e.message).toMatch(/2 of 2 queries failed:\n {2}prometheus group a .*422.*execution: cannot run x\n {2}prometheus group b .*execution: cannot run y/);
  });

  it('a proxy answering HTTP 503 with an HTML page', async () => {
    handler = (_q, res) => send(res, 503, '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>', 'text/html');
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1' }), ctx()));
    expect(e.message).toContain(`prometheus group responsive (query "up == 1"): GET ${queryUrl(base, 'up == 1')}: HTTP 503 Service Unavailable: <html>`);
    expect(e.message).toContain('503 Service Temporarily Unavailable');
  });

  it('a 200 answer that is not JSON', async () => {
    handler = (_q, res) => send(res, 200, '<html>login</html>', 'text/html');
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1' }), ctx()));
    expect(e.message).toMatch(/the answer is not JSON: <html>login<\/html>; is url the Prometheus server\?/);
  });

  it('a server that does not answer in time', async () => {
    handler = () => undefined; // never answers
    const e = await sourceError(() => source.pull(cfg({ responsive: 'up == 1' }), ctx({ timeoutMs: 300 })));
    expect(e.message).toMatch(/timed out after 0\.3s/);
  });

  it('nothing listening', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await sourceError(() => source.pull({ url: `http://127.0.0.1:${port}`, hostLabel: 'instance', groups: [{ name: 'g', query: 'up' }] }, ctx()));
    expect(e.message).toBe(`prometheus group g (query "up"): GET http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

// ------------------------------------------------------------------ configure

describe('prometheus: configure', () => {
  function configure(body: string): PrometheusConfig {
    const text = `sources:\n  metrics:\n    type: prometheus\n${body
      .trim()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
    const yaml = new YamlFile('breakfix.yaml', text);
    const where = new Field(yaml, yaml.root, '').map().get('sources')!.map().get('metrics')!;
    return source.configure(where.map([...COMMON_KEYS, ...source.keys]), where, '/', DC);
  }
  // Lines: 1 sources, 2 metrics, 3 type (where the mapping starts), 4… the body.

  it('accepts the pinned example', () => {
    expect(
      configure(`url: http://127.0.0.1:9090/
host_label: instance
groups: { responsive: 'up{job="node"} == 1', puppet_ok: 'puppet_last_run_success == 1' }`),
    ).toEqual({
      url: 'http://127.0.0.1:9090',
      hostLabel: 'instance',
      groups: [
        { name: 'responsive', query: 'up{job="node"} == 1' },
        { name: 'puppet_ok', query: 'puppet_last_run_success == 1' },
      ],
    });
    expect(configure("url: https://prom.example.com/prometheus\ngroups:\n  disk-failed: 'node_disk_failed == 1'").hostLabel).toBe('instance');
  });

  const cases: Array<[string, string, RegExp]> = [
    ['url missing', "groups: { a: 'up' }", /^breakfix\.yaml:3: sources\.metrics: url: missing/],
    ['url not http', "url: prom:9090\ngroups: { a: 'up' }", /^breakfix\.yaml:4: sources\.metrics\.url: expected an http:\/\/ or https:\/\/ URL/],
    ['url with the API path', "url: http://prom/api/v1/query\ngroups: { a: 'up' }", /^breakfix\.yaml:4: .*give the server's base URL/],
    ['groups missing', 'url: http://prom', /^breakfix\.yaml:3: sources\.metrics: groups: missing/],
    ['groups empty', 'url: http://prom\ngroups: {}', /^breakfix\.yaml:5: sources\.metrics\.groups: no groups/],
    ['groups not a mapping', 'url: http://prom\ngroups: [up]', /^breakfix\.yaml:5: sources\.metrics\.groups: expected a mapping/],
    ['bad group name', "url: http://prom\ngroups:\n  ok: 'up'\n  Disk Failed: 'x'", /^breakfix\.yaml:7: sources\.metrics\.groups\.Disk Failed: "Disk Failed" is not a group name/],
    ['group named all', "url: http://prom\ngroups:\n  all: 'up'", /^breakfix\.yaml:6: .*"all" is the inventory's group/],
    ['empty query', 'url: http://prom\ngroups:\n  a:', /^breakfix\.yaml:\d+: sources\.metrics\.groups\.a: the query is empty/],
    ['bad host_label', "url: http://prom\nhost_label: host-name\ngroups: { a: 'up' }", /^breakfix\.yaml:5: sources\.metrics\.host_label: "host-name" is not a Prometheus label name/],
  ];
  for (const [name, body, re] of cases) {
    it(name, () => {
      expect(() => configure(body)).toThrow(re);
    });
  }
});
