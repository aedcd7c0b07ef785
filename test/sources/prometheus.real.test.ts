// The prometheus source against a real Prometheus server: samples are written
// as OpenMetrics, turned into TSDB blocks by promtool, and served by
// `prometheus` on a free port of 127.0.0.1.
import { freePort } from '../support/net.js';
import { rejected } from '../support/thrown.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatacenterConfig } from '../../src/config/config.js';
import { source, type PrometheusConfig } from '../../src/sources/prometheus.js';
import { SourceError, type SourceContext } from '../../src/sources/types.js';

const INSTALL = 'install with: apt-get install prometheus';

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

const PROMETHEUS = findBinary('prometheus');
const PROMTOOL = findBinary('promtool');
const missing = [!PROMETHEUS && 'prometheus', !PROMTOOL && 'promtool'].filter(Boolean).join(' and ');

const DC: DatacenterConfig = { name: 'dc1', clusters: new Map(), sources: new Map(), exec: null, kerberos: null };

/** One series: its labels and a value, sampled every 60 s over the last 20 minutes (or until `stopAgo` seconds ago). */
interface Series {
  labels: string;
  value: number;
  stopAgo?: number;
}

function openMetrics(families: Record<string, Series[]>, now: number): string {
  const out: string[] = [];
  for (const [name, series] of Object.entries(families)) {
    out.push(`# TYPE ${name} gauge`);
    for (const s of series) {
      for (let t = now - 20 * 60; t <= now - (s.stopAgo ?? 0); t += 60) out.push(`${name}{${s.labels}} ${s.value} ${t}`);
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

if (missing && process.env.CI === 'true') {
  describe('prometheus: a real server', () => {
    it('needs prometheus and promtool', () => {
      throw new Error(`${missing} not found on PATH; ${INSTALL}`);
    });
  });
} else if (missing) {
  console.warn(`prometheus.real.test.ts: skipped: ${missing} not found; ${INSTALL}`);
  describe.skip(`prometheus: a real server (skipped: ${missing} not found; ${INSTALL})`, () => {
    it('pulls groups', () => undefined);
  });
} else {
  describe('prometheus: a real server', () => {
    let dir: string;
    let server: ChildProcess | null = null;
    let log = '';
    let base: string;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breakfix-prometheus-'));
      const now = Math.floor(Date.now() / 1000);
      const node = (h: string, value: number, extra: Partial<Series> = {}): Series => ({ labels: `instance="${h}:9100",job="node"`, value, ...extra });
      const text = openMetrics(
        {
          up: [
            node('dn01.dc1.example.com', 1),
            node('dn02.dc1.example.com', 1),
            node('dn03', 1), // short name
            node('DN04.DC1.EXAMPLE.COM', 1), // upper case
            node('dn05.dc1.example.com', 0), // down
            node('dn06.dc1.example.com', 1),
            node('dn08.dc1.example.com', 1, { stopAgo: 10 * 60 }), // gone for 10 minutes: stale
            node('10.20.1.99', 1), // no name: rejected
            { labels: 'instance="dn07.dc1.example.com:9100",job="other"', value: 1 },
          ],
          puppet_last_run_success: [
            { labels: 'instance="dn01.dc1.example.com:9100",job="node"', value: 1 },
            { labels: 'instance="dn02.dc1.example.com:9100",job="node"', value: 0 },
            { labels: 'instance="dn03.dc1.example.com:9100",job="node"', value: 1 },
            { labels: 'instance="dn04.dc1.example.com:9100",job="node"', value: 1 },
            { labels: 'instance="dn06.dc1.example.com:9100",job="node"', value: 1 },
          ],
          node_disk_failed: [
            { labels: 'device="sdb",instance="dn01.dc1.example.com:9100",job="node"', value: 0 },
            { labels: 'device="sdc",instance="dn02.dc1.example.com:9100",job="node"', value: 0 },
          ],
        },
        now,
      );
      const file = path.join(dir, 'metrics.om');
      const data = path.join(dir, 'data');
      fs.writeFileSync(file, text);
      execFileSync(PROMTOOL!, ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { stdio: 'pipe' });

      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      server = spawn(
        PROMETHEUS!,
        [
          '--config.file=/dev/null',
          `--storage.tsdb.path=${data}`,
          '--storage.tsdb.retention.time=100y',
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.stdout!.on('data', (b: Buffer) => (log += b.toString()));
      server.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      let exited: number | null | undefined;
      server.on('exit', (code) => (exited = code));

      const deadline = Date.now() + 30_000;
      for (;;) {
        if (exited !== undefined) throw new Error(`prometheus exited (${exited}) before it was ready:\n${log.slice(-2000)}`);
        try {
          const res = await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(1000) });
          if (res.ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`prometheus was not ready within 30s:\n${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    afterAll(async () => {
      const s = server;
      if (s && s.exitCode === null && s.signalCode === null) {
        const gone = new Promise<void>((resolve) => s.on('exit', () => resolve()));
        s.kill('SIGTERM');
        const timer = setTimeout(() => s.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function ctx(): SourceContext {
      return { name: 'metrics', dc: DC, hostRule: { domain: 'dc1.example.com' }, configDir: dir, env: {}, signal: AbortSignal.timeout(10_000), timeoutMs: 10_000, dayDir: dir, passLabel: 'test' };
    }
    const cfg = (groups: Record<string, string>, hostLabel = 'instance'): PrometheusConfig => ({
      url: base,
      hostLabel,
      groups: Object.entries(groups).map(([name, query]) => ({ name, query })),
    });
    const sourceError = (p: Promise<unknown>): Promise<SourceError> => rejected(SourceError, p);

    it('pulls one group per query, with exact hosts', async () => {
      const r = await source.pull(
        cfg({
          responsive: 'up{job="node"} == 1',
          puppet_ok: 'puppet_last_run_success == 1',
          'disk-failed': 'node_disk_failed == 1',
        }),
        ctx(),
      );
      expect(Object.fromEntries(r.groups)).toEqual({
        responsive: ['dn01', 'dn02', 'dn03', 'dn04', 'dn06'].map((h) => `${h}.dc1.example.com`),
        puppet_ok: ['dn01', 'dn03', 'dn04', 'dn06'].map((h) => `${h}.dc1.example.com`),
        'disk-failed': [],
      });
      expect(r.rejected).toEqual([{ raw: '10.20.1.99:9100 (group responsive)', reason: 'an IP address, not a host name' }]);
      expect(r.notes).toEqual(['responsive 5', 'puppet_ok 4', 'disk-failed 0']);
    });

    it('a PromQL syntax error carries Prometheus\'s error text', async () => {
      const e = await sourceError(source.pull(cfg({ responsive: 'up{job="node"} == 1', broken: 'up{job="node"' }), ctx()));
      expect(e.message).toMatch(/^prometheus group broken \(query "up\{job=\\"node\\""\): HTTP 400 Bad Request: bad_data: invalid parameter "query": 1:\d+: parse error: /);
    });

    it('a range query is refused: not an instant vector', async () => {
      const e = await sourceError(source.pull(cfg({ responsive: 'up{job="node"}[5m]' }), ctx()));
      expect(e.message).toMatch(/the result is a "matrix", not an instant vector/);
    });

    it('every group empty: no data at all', async () => {
      const e = await sourceError(source.pull(cfg({ 'disk-failed': 'node_disk_failed == 1', typo: 'up{job="nodes"}' }), ctx()));
      expect(e.message).toMatch(/no data at all: .*check url, the queries and host_label/);
    });

    it('a query that drops the host label fails instead of writing an empty group', async () => {
      const e = await sourceError(source.pull(cfg({ responsive: 'up{job="node"} == 1', per_job: 'count by (job) (up)' }), ctx()));
      expect(e.message).toMatch(/group per_job .* none with a usable host/);
    });

    it('another host label', async () => {
      const r = await source.pull(cfg({ disks: 'node_disk_failed' }, 'device'), ctx());
      expect(r.groups.get('disks')).toEqual(['sdb.dc1.example.com', 'sdc.dc1.example.com']);
    });
  });
}
