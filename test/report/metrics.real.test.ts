// A pass's metrics read by the real tools: `breakfix pass` over the simulated
// demo datacenter writes metrics.prom and, through metrics.textfile_dir,
// breakfix_demo.prom; promtool checks the file, a real node_exporter serves it
// with its textfile collector, and a real Prometheus scrapes that exporter and
// answers a query with the pass's count of `all`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../src/pass/demo.js';
import { breakfix, tempDirs, type Result } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { findBinary, Server } from '../support/servers.js';
import { editConfig } from '../support/simdc.js';

const tmp = tempDirs();

/** Each binary and the Debian package that ships it. */
const NEEDED: Array<[string, string]> = [
  ['promtool', 'prometheus'],
  ['prometheus', 'prometheus'],
  ['prometheus-node-exporter', 'prometheus-node-exporter'],
];
const found = new Map(NEEDED.map(([bin]) => [bin, findBinary(bin)]));
const missing = NEEDED.filter(([bin]) => !found.get(bin));
const why = missing.length
  ? `${missing.map(([b]) => b).join(', ')} not found; install with: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`
  : '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

if (missing.length && process.env.CI === 'true') {
  describe('metrics: promtool, node_exporter and Prometheus', () => {
    it('needs promtool, prometheus and prometheus-node-exporter', () => {
      throw new Error(why);
    });
  });
} else if (missing.length) {
  console.warn(`metrics.real.test.ts: skipped: ${why}`);
  describe.skip(`metrics: promtool, node_exporter and Prometheus (skipped: ${why})`, () => {
    it('scrapes a pass', () => undefined);
  });
} else {
  describe('metrics: promtool, node_exporter and Prometheus', () => {
    const servers: Server[] = [];
    let dir: string;
    let config: string;
    let dcDir: string;
    let textfiles: string;
    let pass: Result;
    let promBase: string;
    let exporterBase: string;

    const run = (args: string[]) => breakfix(['--config', config, ...args], { cwd: dir });
    const dayDir = () => fs.realpathSync(path.join(dcDir, 'today'));

    /** The instant query's vector, polled until `done` accepts it or 30 s pass. */
    async function query(promql: string, done: (v: Vector[]) => boolean): Promise<Vector[]> {
      const deadline = Date.now() + 30_000;
      let last: unknown = null;
      for (;;) {
        try {
          const res = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(2000) });
          const body = (await res.json()) as { status: string; data?: { resultType: string; result: Vector[] } };
          last = body;
          if (body.status === 'success' && body.data!.resultType === 'vector' && done(body.data!.result)) return body.data!.result;
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) {
          const prom = servers.find((s) => s.name === 'prometheus');
          throw new Error(`no answer to ${promql} within 30s; last: ${JSON.stringify(last)}\n${prom?.log.slice(-2000) ?? ''}`);
        }
        await sleep(250);
      }
    }

    beforeAll(async () => {
      dir = tmp('breakfix-metrics-real-');
      config = buildDemo(path.join(dir, 'demo'), '3').config;
      dcDir = path.join(dir, 'demo', 'home', 'demo');
      // Relative, as a deployment would write it: resolved against the config file's directory.
      textfiles = path.join(dir, 'demo', 'textfile');
      fs.mkdirSync(textfiles);
      editConfig(config, (doc) => doc.setIn(['datacenters', 'demo', 'metrics'], doc.createNode({ textfile_dir: './textfile' })));
      pass = run(['pass']);
      if (pass.code !== 0 && pass.code !== 3) throw new Error(`breakfix pass exited ${pass.code}:\n${pass.out}\n${pass.err}`);

      const exporterPort = await freePort();
      exporterBase = `http://127.0.0.1:${exporterPort}`;
      const exporter = new Server('prometheus-node-exporter', found.get('prometheus-node-exporter')!, [
        `--web.listen-address=127.0.0.1:${exporterPort}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textfiles}`,
      ]);
      servers.push(exporter);
      await exporter.ready(`${exporterBase}/metrics`);

      const promPort = await freePort();
      promBase = `http://127.0.0.1:${promPort}`;
      const promConfig = path.join(dir, 'prometheus.yml');
      fs.writeFileSync(
        promConfig,
        [
          'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
          'scrape_configs:',
          '  - job_name: node',
          `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
          '',
        ].join('\n'),
      );
      const prom = new Server('prometheus', found.get('prometheus')!, [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ]);
      servers.push(prom);
      await prom.ready(`${promBase}/-/ready`);
    });

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });

    /** The pass's count of `all`, from counts.tsv (breakfix's own record of the pass) and the group file itself. */
    function passCountOfAll(passNo: number): number {
      const rows = fs.readFileSync(path.join(dayDir(), 'counts.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
      const row = rows.find(([p, , g]) => Number(p) === passNo && g === 'all');
      expect(row, `counts.tsv has no row for all in pass ${passNo}`).toBeDefined();
      const lines = fs.readFileSync(path.join(dayDir(), 'all'), 'utf8').split('\n').filter(Boolean).length;
      expect(Number(row![3])).toBe(lines);
      return lines;
    }

    it('writes metrics.prom and the same file into the textfile directory, which promtool accepts', () => {
      const home = fs.readFileSync(path.join(dcDir, 'metrics.prom'), 'utf8');
      expect(fs.readdirSync(textfiles)).toEqual(['breakfix_demo.prom']);
      expect(fs.readFileSync(path.join(textfiles, 'breakfix_demo.prom'), 'utf8')).toBe(home);
      const check = spawnSync(found.get('promtool')!, ['check', 'metrics'], { input: home, encoding: 'utf8', timeout: 30_000 });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
      expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
      // No series names a host: the demo's hosts are all under demo.example.com.
      expect(home).not.toContain('demo.example.com');
      expect(home).toContain(`breakfix_group_hosts{dc="demo",group="all"} ${passCountOfAll(1)}\n`);
    });

    it('is served by node_exporter\'s textfile collector without an error', async () => {
      const text = await (await fetch(`${exporterBase}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      expect(text).toContain(`breakfix_group_hosts{dc="demo",group="all"} ${passCountOfAll(1)}\n`);
      expect(text).toMatch(/^node_textfile_scrape_error 0$/m);
      expect(text).toMatch(/^node_textfile_mtime_seconds\{file="[^"]*breakfix_demo\.prom"\} /m);
    });

    it('answers breakfix_group_hosts{group="all"} in Prometheus with the pass\'s count of all', async () => {
      const want = passCountOfAll(1);
      const v = await query('breakfix_group_hosts{group="all"}', (r) => r.length > 0);
      expect(v).toHaveLength(1);
      expect(v[0]!.metric).toMatchObject({ __name__: 'breakfix_group_hosts', dc: 'demo', group: 'all', job: 'node' });
      expect(Number(v[0]!.value[1])).toBe(want);
      // Every pinned family reached Prometheus.
      const names = await query('count by (__name__) ({__name__=~"breakfix_.+"})', (r) => r.length >= 10);
      expect(names.map((x) => x.metric.__name__).sort()).toEqual([
        'breakfix_budget_hosts',
        'breakfix_group_hosts',
        'breakfix_needs_human_hosts',
        'breakfix_open_plans',
        'breakfix_pass_duration_seconds',
        'breakfix_pass_timestamp_seconds',
        'breakfix_paused',
        'breakfix_refusals',
        'breakfix_source_up',
        'breakfix_warnings',
      ]);
    });

    it('rewrites the file at a pass that is paused, and Prometheus sees the pause', async () => {
      const paused = run(['pause', '--reason', 'metrics test']);
      expect(paused.code, paused.out + paused.err).toBe(0);
      const second = run(['pass', '--apply']);
      expect(second.code, second.out + second.err).toBe(0);
      expect(second.out).toMatch(/nothing applied/);
      const text = fs.readFileSync(path.join(textfiles, 'breakfix_demo.prom'), 'utf8');
      expect(text).toContain('breakfix_paused{dc="demo"} 1\n');
      expect(text).toContain(`breakfix_group_hosts{dc="demo",group="all"} ${passCountOfAll(2)}\n`);
      expect(fs.readdirSync(textfiles)).toEqual(['breakfix_demo.prom']);
      const v = await query('breakfix_paused', (r) => r.length === 1 && r[0]!.value[1] === '1');
      expect(v[0]!.metric).toMatchObject({ dc: 'demo' });
    });
  });
}
