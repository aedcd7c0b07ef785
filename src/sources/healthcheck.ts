import fs from 'node:fs';
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import { NAME_RE } from '../sets/parse.js';
import { readGroupLines } from '../store/group.js';
import { emptyResult, SourceError, type SourceContext, type SourceResult, type SourceType } from './types.js';

/**
 * `healthcheck`: runs an on-node check over a group through the remote-exec
 * adapter at every pull. Hosts that pass go to `<name>-ok`, those that fail or
 * time out to `<name>-failed`, those that cannot be reached to
 * `<name>-unreachable`. When more than `max_unreachable_pct` of them are
 * unreachable the source fails: a network partition is not "every host is
 * broken".
 */
export interface HealthcheckConfig {
  over: string;
  run: string[];
  maxUnreachablePct: number;
}

export const source: SourceType<HealthcheckConfig> = {
  type: 'healthcheck',
  keys: ['over', 'run', 'max_unreachable_pct'],

  configure(m: Map<string, Field>, where: Field, _configDir: string, dc: DatacenterConfig): HealthcheckConfig {
    const overField = m.get('over') ?? where.fail('over: missing (the group to check, e.g. hadoop-workers)');
    const over = overField.string();
    if (!NAME_RE.test(over)) overField.fail(`"${over}" is not a group name`);
    const runField = m.get('run') ?? where.fail('run: missing (the check to run on each host, e.g. [/usr/local/bin/hadoop-healthcheck])');
    const run = runField.strings();
    if (run.length === 0) runField.fail('the command is empty');
    if (!dc.exec) where.fail(`a healthcheck runs through the remote-exec adapter: add exec: { adapter: ssh, ... } to datacenter ${dc.name}`);
    return { over, run, maxUnreachablePct: m.get('max_unreachable_pct')?.number({ min: 0, max: 100 }) ?? 50 };
  },

  readsGroups(config) {
    return [config.over];
  },

  async pull(config: HealthcheckConfig, ctx: SourceContext): Promise<SourceResult> {
    const file = path.join(ctx.dayDir, config.over);
    if (!fs.existsSync(file)) throw new SourceError(`healthcheck over ${config.over}: no such group today; pull or derive it first`);
    const hosts = readGroupLines(file);
    const result = emptyResult();
    const name = ctx.name;
    if (hosts.length === 0) {
      for (const s of ['ok', 'failed', 'unreachable']) result.groups.set(`${name}-${s}`, []);
      result.notes.push(`${config.over} is empty`);
      return result;
    }
    const { fanOut } = await import('../actions/exec.js');
    const cfg = { ...ctx.dc.exec!, timeoutMs: Math.min(ctx.dc.exec!.timeoutMs, ctx.timeoutMs) };
    const out = await fanOut({
      cfg,
      hosts,
      argv: config.run,
      outDir: path.join(ctx.dayDir, 'exec', ctx.passLabel, name),
      signal: ctx.signal,
      label: `healthcheck ${name} over ${config.over}`,
    });
    if (ctx.signal.aborted) throw new SourceError(`healthcheck ${name}: stopped before every host answered`);
    const pct = (out.counts.unreachable * 100) / hosts.length;
    if (pct > config.maxUnreachablePct) {
      throw new SourceError(
        `healthcheck ${name}: ${out.counts.unreachable} of ${hosts.length} hosts (${pct.toFixed(0)}%) unreachable, more than max_unreachable_pct ${config.maxUnreachablePct}: ` +
          `more likely a network partition or an adapter problem than broken hosts; see ${out.outDir}`,
      );
    }
    const by = (st: string) => out.results.filter((r) => r.status === st).map((r) => r.host);
    result.groups.set(`${name}-ok`, by('ok'));
    result.groups.set(`${name}-failed`, [...by('failed'), ...by('timeout')]);
    result.groups.set(`${name}-unreachable`, by('unreachable'));
    result.rejected.push(...out.refused);
    result.notes.push(`ok ${out.counts.ok} failed ${out.counts.failed + out.counts.timeout} unreachable ${out.counts.unreachable}`);
    return result;
  },
};
