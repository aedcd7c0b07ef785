import fs from 'node:fs';
import path from 'node:path';
import { readGroupLines } from '../store/group.js';
import { listDays } from '../store/layout.js';
import { listSavedPlans } from '../store/plans.js';
import { readTranscript } from '../store/transcript.js';
import { readReleases } from '../store/released.js';
import { loadOpen } from './open-store.js';
import { HistoryError, HistoryStore } from '../store/history.js';
import { loadRecorded } from './replay.js';

export interface HostEvent {
  time: string;
  kind: 'plan' | 'inputs' | 'refused' | 'applied' | 'exec' | 'transcript' | 'open' | 'released';
  text: string;
  /** kind inputs: the groups that held the host at that pass, and the expression of each that a recipe made. */
  groups?: string[];
  recipes?: Record<string, string>;
}

/**
 * The groups a host was in when a recorded pass planned, read back from the
 * history store, with the recipe expressions that made the derived ones.
 */
function groupsAtPass(store: HistoryStore, dcDir: string, day: string, pass: number, host: string): Pick<HostEvent, 'text' | 'groups' | 'recipes'> {
  try {
    const r = loadRecorded(store, dcDir, day, pass);
    const groups: string[] = [];
    const recipes: Record<string, string> = {};
    const needle = `\n${host}\n`;
    for (const [name, address] of Object.entries(r.inputs.inputs)) {
      if (!name.startsWith('day/') || name.endsWith('.tsv')) continue;
      const g = name.slice(4);
      if (!`\n${store.read(address).toString('latin1')}`.includes(needle)) continue;
      groups.push(g);
      const m = r.state.metas[g];
      if (m?.kind === 'recipe' && m.expression) recipes[g] = m.expression;
    }
    store.cache.clear();
    const why = Object.entries(recipes).map(([g, e]) => `${g} = ${e}`);
    return { text: `${day} pass ${pass}: at that pass in ${groups.join(' ') || 'no group'}${why.length ? `; by recipe: ${why.join('; ')}` : ''}`, groups, recipes };
  } catch (e) {
    if (e instanceof HistoryError) return { text: e.message };
    throw e;
  }
}

const EXEC_STATUS = ['exec-ok', 'exec-failed', 'exec-timeout', 'exec-unreachable'];

function walkExec(dir: string, host: string, out: HostEvent[], day: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.')) walkExec(path.join(dir, e.name), host, out, day);
    else if (e.name === `${host}.out`) {
      const file = path.join(dir, e.name);
      const status = EXEC_STATUS.find((g) => fs.existsSync(path.join(dir, g)) && readGroupLines(path.join(dir, g)).includes(host));
      const first = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.trim()) ?? '';
      const rel = path.relative(path.dirname(path.dirname(dir)), dir);
      out.push({
        time: fs.statSync(file).mtime.toISOString(),
        kind: 'exec',
        text: `${day}/${rel}: ${status ? status.slice(5) : 'ran'}${first ? `: ${first.slice(0, 160)}` : ''} (${file})`,
      });
    }
  }
}

/**
 * Everything the home directory remembers about a host, in time order: the
 * plans that chose it, refusals naming it, what was applied, exec results,
 * open plans and the transcript lines that mention it — the answer to "why did
 * we drain these hosts?" without running anything again.
 */
export function hostHistory(dcDir: string, host: string, days = 14): HostEvent[] {
  const out: HostEvent[] = [];
  const dayNames = listDays(dcDir).slice(-days);
  const store = new HistoryStore(dcDir);
  for (const saved of listSavedPlans(dayNames.map((d) => ({ day: d, dir: path.join(dcDir, d) })))) {
    for (const f of fs.readdirSync(saved.dir)) {
      if (f.startsWith('.') || f.endsWith('.json')) continue;
      if (readGroupLines(path.join(saved.dir, f)).includes(host)) {
        out.push({ time: saved.json.time, kind: 'plan', text: `${saved.day} pass ${saved.pass}: chosen for ${f}${saved.json.dry_run ? ' (dry run)' : ''}, seed ${saved.json.seed}` });
        out.push({ time: saved.json.time, kind: 'inputs', ...groupsAtPass(store, dcDir, saved.day, saved.pass, host) });
      }
    }
    for (const r of saved.json.refusals) {
      if (r.host === host) out.push({ time: saved.json.time, kind: 'refused', text: `${saved.day} pass ${saved.pass}: ${r.op} refused by invariant ${r.invariant}: ${r.message}` });
    }
    try {
      const a = JSON.parse(fs.readFileSync(path.join(saved.dir, 'apply.json'), 'utf8')) as {
        applied: string;
        outcomes: Array<{ cluster: string; op: string; ok: string[]; failed: string[]; error?: string }>;
      };
      for (const o of a.outcomes) {
        if (o.ok.includes(host)) out.push({ time: a.applied, kind: 'applied', text: `${saved.day} pass ${saved.pass}: ${o.op} applied in ${o.cluster}` });
        if (o.failed.includes(host)) out.push({ time: a.applied, kind: 'applied', text: `${saved.day} pass ${saved.pass}: ${o.op} FAILED in ${o.cluster}${o.error ? `: ${o.error}` : ''}` });
      }
    } catch {
      // not applied
    }
  }
  for (const d of dayNames) {
    walkExec(path.join(dcDir, d, 'exec'), host, out, d);
    for (const line of readTranscript(path.join(dcDir, d))) {
      if (!line.includes(host)) continue;
      const sp = line.indexOf(' ');
      out.push({ time: line.slice(0, sp), kind: 'transcript', text: line.slice(sp + 1) });
    }
  }
  for (const e of loadOpen(dcDir)) {
    if (e.host !== host) continue;
    const step = e.maintenance
      ? e.ran
        ? `; in HDFS maintenance until ${e.maintenance.expires}, ${e.op} ran ${e.ran}${e.result ? ` (${e.result})` : ''}, waiting for the host to be back`
        : `; entering HDFS maintenance until ${e.maintenance.expires}, ${e.op} runs once HDFS reports it In maintenance`
      : e.result
        ? `; the command ended ${e.result}, waiting for the host to answer`
        : '';
    out.push({ time: e.applied, kind: 'open', text: `${e.op} in ${e.cluster} still open (applied ${e.day} pass ${e.pass}${step})` });
  }
  for (const r of readReleases(dcDir)) {
    if (r.host === host) out.push({ time: r.time, kind: 'released', text: `released by ${r.by}: ${r.reason}${r.ops.length ? ` (closed ${r.ops.join(', ')})` : ''}` });
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
