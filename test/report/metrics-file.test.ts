// Writing a pass's metrics (src/report/metrics-file.ts) into the datacenter's
// directory and node_exporter's textfile directory, and the config key that
// names that directory (metrics: { textfile_dir }).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type DatacenterConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { collectMetrics, writePassMetrics, type PassMetrics } from '../../src/report/metrics-file.js';
import { writeGroup } from '../../src/store/group.js';
import { tempDirs, writeFiles } from '../support/cli.js';
import { thrown } from '../support/thrown.js';

const tempDir = tempDirs();

function dcConfig(textfileDir: string | null): DatacenterConfig {
  return { name: 'dc1', clusters: new Map(), sources: new Map(), exec: null, kerberos: null, metrics: textfileDir ? { textfileDir } : null };
}

/** A datacenter directory with a day of three passes: `growing` grew in each of the last three. */
function fixture(textfileDir: string | null) {
  const dcDir = tempDir('breakfix-metrics-');
  const dayDir = path.join(dcDir, '2026-11-21');
  const planDir = path.join(dayDir, 'plans', '4');
  fs.mkdirSync(planDir, { recursive: true });
  const meta = { kind: 'source' as const, inputs: [], time: '2026-11-21T10:00:00Z' };
  writeGroup(dayDir, 'all', Array.from({ length: 40 }, (_, i) => `h${String(i).padStart(2, '0')}.dc1`), meta);
  writeGroup(dayDir, 'growing', ['h01.dc1', 'h02.dc1', 'h03.dc1'], meta);
  const rows = [
    [1, 'all', 40],
    [1, 'growing', 0],
    [2, 'all', 40],
    [2, 'growing', 1],
    [3, 'all', 40],
    [3, 'growing', 2],
    [4, 'all', 40],
    [4, 'growing', 3],
  ];
  writeFiles(dayDir, {
    'counts.tsv': 'pass\ttime\tgroup\tcount\n' + rows.map(([p, g, c]) => `${p}\t2026-11-21T10:00:00Z\t${g}\t${c}\n`).join(''),
    'inventory.tsv': 'host\tcluster\n',
    'plans/4/apply.json': JSON.stringify({ applied: '2026-11-21T10:00:00Z', outcomes: [], refusals: [{ host: 'h05.dc1', cluster: 'c1', op: 'drain', invariant: 5, message: 'over budget' }] }),
  });
  const said: string[] = [];
  const p: PassMetrics = {
    dc: dcConfig(textfileDir),
    dcDir,
    dayDir,
    startedMs: performance.now(),
    now: () => new Date('2026-11-21T10:00:05Z'),
    say: (t) => said.push(t),
    maxSwingPct: 20,
    outcomes: [
      { name: 'inventory', status: 'skipped' },
      { name: 'hdfs', status: 'failed' },
    ],
    plan: { budgets: [], refusals: [{ host: 'h07.dc1', cluster: 'c1', op: 'drain', invariant: 3, message: 'missing blocks' }] },
    planDir,
    open: [{ op: 'drain' }],
    stuck: 2,
    paused: true,
    needsHuman: 3,
  };
  return { dcDir, dayDir, p, said };
}

/** A pid no process has now: one that just ran and exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('collectMetrics', () => {
  it('reads the groups from .meta, warnings from counts.tsv plus the stuck plans, and refusals from the plan and apply.json', () => {
    const { p } = fixture(null);
    const m = collectMetrics(p, p.now(), 1.5);
    expect(m.groups).toEqual([
      { name: 'all', count: 40 },
      { name: 'growing', count: 3 },
    ]);
    expect(m.warnings.map((w) => w.kind).sort()).toEqual(['growing', 'stuck', 'stuck']);
    expect(m.refusals.map((r) => r.invariant)).toEqual([3, 5]);
    expect(m.sources).toEqual([
      { name: 'inventory', up: true },
      { name: 'hdfs', up: false },
    ]);
    expect(m).toMatchObject({ dc: 'dc1', paused: true, needsHuman: 3, durationSeconds: 1.5 });
    expect(m.ops).toEqual(['drain', 'rekick', 'reboot', 'firmware', 'burnin', 'return']);
  });
});

describe('writePassMetrics', () => {
  it('writes <dc>/metrics.prom, and nothing else, when no textfile directory is configured', () => {
    const { dcDir, p, said } = fixture(null);
    const before = fs.readdirSync(dcDir).sort();
    expect(writePassMetrics(p)).toEqual([path.join(dcDir, 'metrics.prom')]);
    expect(fs.readdirSync(dcDir).sort()).toEqual([...before, 'metrics.prom'].sort());
    const text = fs.readFileSync(path.join(dcDir, 'metrics.prom'), 'utf8');
    expect(text).toContain('breakfix_group_hosts{dc="dc1",group="all"} 40\n');
    expect(text).toContain('breakfix_paused{dc="dc1"} 1\n');
    expect(text).toContain('breakfix_warnings{dc="dc1",kind="stuck"} 2\n');
    expect(text).toContain('breakfix_pass_timestamp_seconds{dc="dc1"} 1795255205\n');
    const duration = Number(/^breakfix_pass_duration_seconds\{dc="dc1"\} (\S+)$/m.exec(text)![1]);
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(duration).toBeLessThan(60);
    expect(said).toEqual([]);
  });

  it('writes the same text as breakfix_<dc>.prom into the textfile directory, leaving no temporary file and removing only its own stale ones', () => {
    const textfiles = tempDir('breakfix-textfile-');
    const { dcDir, p } = fixture(textfiles);
    const dead = deadPid();
    const stale = `.breakfix_dc1.prom.${dead}.1f2e.tmp`;
    const othersStale = `.breakfix_dc2.prom.${dead}.1f2e.tmp`;
    const foreign = `.node_meta.prom.${dead}.ab.tmp`;
    writeFiles(textfiles, { [stale]: 'half', [othersStale]: 'half', [foreign]: 'x', 'other.prom': 'some_metric 1\n' });
    const files = writePassMetrics(p);
    expect(files).toEqual([path.join(dcDir, 'metrics.prom'), path.join(textfiles, 'breakfix_dc1.prom')]);
    expect(fs.readdirSync(textfiles).sort()).toEqual([othersStale, foreign, 'breakfix_dc1.prom', 'other.prom'].sort());
    expect(fs.readFileSync(path.join(textfiles, 'breakfix_dc1.prom'), 'utf8')).toBe(fs.readFileSync(path.join(dcDir, 'metrics.prom'), 'utf8'));
  });

  it('writes through a temporary name in the textfile directory that node_exporter does not read', async () => {
    const textfiles = tempDir('breakfix-textfile-');
    const { p } = fixture(textfiles);
    const seen: string[] = [];
    const watcher = fs.watch(textfiles, (_, name) => name && seen.push(name));
    try {
      writePassMetrics(p);
      const deadline = Date.now() + 5000;
      while (!seen.includes('breakfix_dc1.prom') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      watcher.close();
    }
    const temps = [...new Set(seen.filter((n) => n !== 'breakfix_dc1.prom'))];
    expect(temps.length, `events: ${seen.join(' ')}`).toBeGreaterThan(0);
    for (const t of temps) expect(t).toMatch(/^\.breakfix_dc1\.prom\.\d+\.[0-9a-f]+\.tmp$/);
    expect(fs.readdirSync(textfiles)).toEqual(['breakfix_dc1.prom']);
  });

  it('says so, and still writes metrics.prom, when the textfile directory does not exist; it does not create it', () => {
    const missing = path.join(tempDir('breakfix-textfile-'), 'no-such-dir');
    const { dcDir, p, said } = fixture(missing);
    expect(writePassMetrics(p)).toEqual([path.join(dcDir, 'metrics.prom')]);
    expect(said).toEqual([`warning metrics: cannot write ${path.join(missing, 'breakfix_dc1.prom')} (no such directory); node_exporter serves the previous file, if any (metrics.textfile_dir in the config)\n`]);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('config: metrics.textfile_dir', () => {
  const config = (dcBody: string) => {
    const dir = tempDir('breakfix-config-');
    const file = path.join(dir, 'breakfix.yaml');
    fs.writeFileSync(file, `home: ./home\ndatacenters:\n  dc1:\n    clusters: { dw1: {} }\n${dcBody}`);
    return { dir, file };
  };

  it('resolves a relative directory against the config file, like the other paths there', () => {
    const { dir, file } = config('    metrics: { textfile_dir: ./textfile }\n');
    expect(loadConfig(file).datacenters.get('dc1')!.metrics).toEqual({ textfileDir: path.join(dir, 'textfile') });
    const abs = config('    metrics:\n      textfile_dir: /var/lib/prometheus/node-exporter\n');
    expect(loadConfig(abs.file).datacenters.get('dc1')!.metrics).toEqual({ textfileDir: '/var/lib/prometheus/node-exporter' });
  });

  it('is absent when not configured', () => {
    expect(loadConfig(config('').file).datacenters.get('dc1')!.metrics).toBeNull();
  });

  it('refuses an unknown key, naming the file and its line', () => {
    const { file } = config('    metrics:\n      textfile_dir: ./t\n      textfile_dri: ./u\n');
    const e = thrown(ConfigError, () => loadConfig(file));
    expect(e.message).toBe(`${file}:7: datacenters.dc1.metrics.textfile_dri: unknown key; expected one of: textfile_dir`);
  });

  it('refuses metrics without textfile_dir, and a textfile_dir that is not a path', () => {
    const a = config('    metrics: {}\n');
    expect(thrown(ConfigError, () => loadConfig(a.file)).message).toMatch(new RegExp(`^${a.file.replace(/[.\\/]/g, '\\$&')}:5: datacenters\\.dc1\\.metrics: textfile_dir: missing`));
    const b = config('    metrics: { textfile_dir: 3 }\n');
    expect(thrown(ConfigError, () => loadConfig(b.file)).message).toMatch(/:5: datacenters\.dc1\.metrics\.textfile_dir: expected a non-empty string/);
  });
});
