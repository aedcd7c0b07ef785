import fs from 'node:fs';
import path from 'node:path';
import { classify, budgetFor } from '../../policy/budget.js';
import { namesIn, orderRecipes } from '../../policy/recipes.js';
import { OPS } from '../../policy/types.js';
import { inServiceFloor } from '../../safety/invariants.js';
import { windowState } from '../../policy/windows.js';
import { formatAge } from '../../policy/watchdog.js';
import { renderTable } from '../../report/table.js';
import { writeErr, writeOut } from '../../store/fsio.js';
import { listEntries } from '../../store/layout.js';
import { readTable } from '../../store/table.js';
import { resolveScope, type Deps, type GlobalOptions } from '../context.js';
import { ExitError } from '../exit.js';
import { choosePolicyDir, loadPolicy } from '../../pass/policy-files.js';
import { evaluateToSet } from '../../pass/state.js';
import { formatProvenance, PolicyHistory, provenanceJson, type Provenance, type Wanted } from '../../pass/policy-history.js';
import { fleetOf } from './policy-diff.js';

const byteSortStrings = (xs: string[]) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

export interface PolicyOptions {
  json?: boolean;
  history?: boolean;
}

/**
 * `breakfix policy explain [CLUSTER]`: per cluster and op, the archetype, the
 * rule that chose it and why, N, pct, floor, ceiling, cap, busy, headroom.
 * `breakfix policy check`: validates everything, exits non-zero on any problem.
 */
export async function run(args: unknown[], opts: PolicyOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const [action, cluster] = args as [string, string | undefined];
  const scope = await resolveScope(g, deps);
  const dir = choosePolicyDir(g.policy, scope.config?.policy ?? null, deps.cwd);
  if (action === 'check') return check(dir, scope.dayDir, scope.config !== null, deps, scope);
  if (action === 'diff') {
    const { policyDiff } = await import('./policy-diff.js');
    return policyDiff(cluster, dir, scope.dayDir, Boolean(opts.json), deps);
  }
  if (action !== 'explain') throw new ExitError(2, `policy ${action}: expected "explain [CLUSTER] [--history]", "diff REV" or "check"`);
  const policy = loadPolicy(dir);
  // --history: the commit that last changed each number's line, from git blame (once per file).
  const history = opts.history ? PolicyHistory.open(dir) : null;
  if (opts.history && !history) {
    const say = `history: ${dir} is not in a git work tree: no commits to show\n`;
    if (opts.json) writeErr(`breakfix: ${say}`);
    else writeOut(say);
  }
  const blame = (wanted: Wanted[]): Provenance[] => (history ? history.findAll(wanted) : []);
  const inv = path.join(scope.dayDir, 'inventory.tsv');
  const { hostsOf, attrs } = fleetOf(scope.dayDir);
  if (cluster && !hostsOf.has(cluster)) throw new ExitError(1, `no cluster "${cluster}" in inventory.tsv; clusters: ${[...hostsOf.keys()].sort().join(', ')}`);
  const workersFile = path.join(scope.dayDir, policy.workers);
  if (!fs.existsSync(workersFile)) throw new ExitError(1, `no ${policy.workers} group in ${scope.dayDir}: run breakfix derive first`);
  const workers = evaluateToSet(scope.dayDir, deps.cwd, policy.workers);
  const busySets = new Map([...policy.operations].map(([op, o]) => [op, evaluateToSet(scope.dayDir, deps.cwd, o.busy)]));
  const datagroupOf = new Map<string, string>();
  for (const r of readTable(inv).rows) datagroupOf.set(r.host!, r.datagroup ?? '');
  // As the planner reads them: an HDFS upgrade domain stands in where the inventory has no data group.
  if (fs.existsSync(path.join(scope.dayDir, 'hdfs-datanodes.tsv'))) {
    for (const r of readTable(path.join(scope.dayDir, 'hdfs-datanodes.tsv')).rows) if (r.upgrade_domain && !datagroupOf.get(r.host!)) datagroupOf.set(r.host!, r.upgrade_domain);
  }
  const existing = (n: string) => fs.existsSync(path.join(scope.dayDir, n));
  // The rules across ops: what is down now, and what stays in service.
  const down = namesIn(policy.down).every((n) => n.startsWith('plans.') || existing(n)) ? evaluateToSet(scope.dayDir, deps.cwd, policy.down) : null;
  const inService = existing('hdfs-in-service') ? evaluateToSet(scope.dayDir, deps.cwd, 'hdfs-in-service') : null;
  const across: string[] = [];
  const rows: string[][] = [];
  /** What --history prints under each row of the table. */
  const rowHistory: Provenance[][] = [];
  const json: unknown[] = [];
  for (const c of [...hostsOf.keys()].sort()) {
    if (cluster && c !== cluster) continue;
    const hosts = hostsOf.get(c)!;
    const n = hosts.filter((h) => workers.has(h)).length;
    const cl = classify(c, n, attrs.get(c) ?? {}, policy.classify, policy.archetypes);
    if (!cl) {
      rows.push([c, '-', '-', String(n), '', '', '', '', '', '', `no classify rule matches: add a catch-all`]);
      rowHistory.push([]);
      continue;
    }
    const downHere = down ? byteSortStrings(hosts.filter((h) => down.has(h))) : null;
    const groups = downHere ? [...new Set(downHere.map((h) => datagroupOf.get(h) || '(no data group)'))].sort() : null;
    const inSvc = inService ? hosts.filter((h) => workers.has(h) && inService.has(h)).length : null;
    const floor = inServiceFloor(n, policy.safety.minInServicePct);
    across.push(
      `${c}: max_down_datagroups ${policy.safety.maxDownDatagroups}; down now: ${
        downHere === null ? 'unknown (no HDFS groups today)' : downHere.length === 0 ? 'none' : `${downHere.length} host(s) in ${groups!.length} data group(s) ${groups!.join(', ')}: ${downHere.map((h) => `${h} ${datagroupOf.get(h) || '-'}`).join(', ')}`
      }`,
      `${c}: min_in_service_pct ${policy.safety.minInServicePct}: floor ${floor} of ${n} workers; ${inSvc === null ? 'in service now unknown' : `${inSvc} in service now, so ${Math.max(0, inSvc - floor)} more may go out across drain and down ops`}; max_candidates_pct ${policy.safety.maxCandidatesPct ?? 'off'}`,
    );
    const namespaces = scope.dcConfig?.clusters.get(c)?.namespaces ?? [];
    if (namespaces.length > 0) {
      across.push(
        `${c}: HDFS namespaces ${namespaces.map((ns) => ns.name).join(', ')}: a host is out of HDFS only when every namespace says so (hdfs-<ns>-* groups, hdfs-namespace-health.tsv); drains and returns refresh each namespace`,
      );
    }
    for (const op of OPS) {
      if (!policy.operations.has(op)) continue;
      const busy = hosts.filter((h) => busySets.get(op)!.has(h)).length;
      const b = budgetFor(c, op, cl, n, busy);
      if (!b) continue;
      const ceiling = b.ceiling === null ? '-' : String(b.ceiling);
      const how = b.override !== null ? `max ${b.override} (rule ${b.rule})` : `min(${ceiling}, max(${b.floor}, floor(${b.pct}% x ${n})))`;
      rows.push([c, op, b.archetype, String(n), String(b.pct), String(b.floor), ceiling, `${b.cap} = ${how}`, String(b.busy), String(b.headroom), `rule ${b.rule}: ${b.reason}`]);
      const limits = `archetypes.${b.archetype}.ops.${op}`;
      const rule = `classify.${b.rule - 1}`;
      const provs = blame([
        { what: `pct ${b.pct}`, file: 'policy.yaml', at: `${limits}.pct` },
        { what: `floor ${b.floor}`, file: 'policy.yaml', at: `${limits}.floor` },
        { what: `ceiling ${ceiling}`, file: 'policy.yaml', at: `${limits}.ceiling` },
        ...(b.override !== null ? [{ what: `max ${b.override}`, file: 'policy.yaml', at: `${rule}.max.${op}` }] : []),
        { what: `rule ${b.rule}`, file: 'policy.yaml', at: rule },
        { what: `archetype ${b.archetype}`, file: 'policy.yaml', at: `archetypes.${b.archetype}.reason` },
      ]);
      rowHistory.push(provs);
      json.push(opts.history ? { ...b, history: history ? provs.map(provenanceJson) : null } : b);
    }
  }
  if (opts.json) writeOut(JSON.stringify(json, null, 2) + '\n');
  else {
    const table = renderTable(['cluster', 'op', 'archetype', 'N', 'pct', 'floor', 'ceiling', 'cap', 'busy', 'headroom', 'why'], rows, [false, false, false, true, true, true, true, false, true, true, false]);
    writeOut(history ? withHistory(table, rowHistory) : table);
    const effects = [...policy.operations.values()].map((o) => `${o.op} ${o.effect}${o.maintenanceExpiryMs ? ` (maintenance ${Math.round(o.maintenanceExpiryMs / 60_000)}m where hdfs_hosts_json is set)` : ''}`);
    writeOut(`\nacross ops: effects ${effects.join(', ')}; down = ${policy.down}\n`);
    for (const l of across) writeOut(`${l}\n`);
    for (const p of blame([
      { what: `max_down_datagroups ${policy.safety.maxDownDatagroups}`, file: 'policy.yaml', at: 'safety.max_down_datagroups' },
      { what: `min_in_service_pct ${policy.safety.minInServicePct}`, file: 'policy.yaml', at: 'safety.min_in_service_pct' },
      { what: `max_candidates_pct ${policy.safety.maxCandidatesPct ?? 'off'}`, file: 'policy.yaml', at: 'safety.max_candidates_pct' },
      { what: 'down', file: 'policy.yaml', at: 'down' },
    ])) writeOut(`  ${formatProvenance(p)}\n`);
    // The controls over time, per op: when it may act, how often, and when open work is stuck.
    const now = deps.now();
    const controls = [...policy.operations.values()].map((o) => {
      const w = windowState(policy.windows, o.op, now);
      const rates = (policy.rates.get(o.op) ?? []).map((r) => `${r.scope} ${r.text}`);
      return [o.op, w.text, rates.length ? rates.join(', ') : 'none', o.timeoutMs === null ? 'none' : formatAge(o.timeoutMs)];
    });
    writeOut(`\ncontrols (windows in ${policy.windows.tz}; pause files: breakfix pause / resume):\n`);
    const controlHistory = [...policy.operations.values()].map((o) =>
      blame([
        { what: `windows ${o.op}`, file: 'policy.yaml', at: `windows.ops.${o.op}` },
        { what: `rate ${o.op}`, file: 'policy.yaml', at: `rate.${o.op}` },
        { what: `timeout ${o.timeoutMs === null ? 'none' : formatAge(o.timeoutMs)}`, file: 'policy.yaml', at: `operations.${o.op}.timeout` },
      ]),
    );
    const controlTable = renderTable(['op', 'window now', 'rate', 'timeout'], controls, [false, false, false, false]);
    writeOut(history ? withHistory(controlTable, controlHistory) : controlTable);
    if (history) for (const p of blame([{ what: 'windows', file: 'policy.yaml', at: 'windows.allow' }, { what: 'freeze', file: 'policy.yaml', at: 'windows.freeze' }])) writeOut(`  ${formatProvenance(p)}\n`);
  }
  return 0;
}

/** A table with, under each row, the history of the numbers it shows: `    pct 6, floor 1  policy.yaml:11  3f2a1bc ...`. */
function withHistory(table: string, perRow: Provenance[][]): string {
  const [header, ...lines] = table.split('\n');
  let out = `${header}\n`;
  lines.forEach((l, i) => {
    if (l === '' && i === lines.length - 1) return;
    out += `${l}\n`;
    for (const p of perRow[i] ?? []) out += `    ${formatProvenance(p)}\n`;
  });
  return out;
}

async function check(dir: string, dayDir: string, haveConfig: boolean, deps: Deps, scope: Awaited<ReturnType<typeof resolveScope>>): Promise<number> {
  const problems: string[] = [];
  const policy = loadPolicy(dir); // throws with file and line on the first invalid key
  try {
    orderRecipes(policy.recipes);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const known = new Set([...policy.recipes.map((r) => r.name), ...listEntries(dayDir).map((e) => e.name.replace(/\.tsv$/, ''))]);
  const haveDay = listEntries(dayDir).length > 0;
  if (haveDay) {
    for (const r of policy.recipes) {
      for (const n of namesIn(r.expression)) if (!known.has(n) && !n.startsWith('plans.')) problems.push(`groups.yaml:${r.line}: recipe ${r.name} reads "${n}", which is neither a recipe nor a group of ${dayDir}`);
    }
  }
  for (const [name, a] of policy.archetypes) {
    for (const op of policy.operations.keys()) if (!a.ops.has(op)) problems.push(`policy.yaml: archetype ${name} sets no limits for ${op}: clusters of that archetype never get ${op}`);
  }
  const last = policy.classify[policy.classify.length - 1];
  if (!last || last.cluster !== null || last.workersBelow !== null || last.clusterAttr !== null) {
    problems.push('policy.yaml: the last classify rule has conditions; end with a catch-all (archetype: default) so no cluster is left without a budget');
  }
  if (haveConfig && scope.dcConfig && scope.config) {
    const { loadSources } = await import('../../sources/load.js');
    await loadSources(scope.dcConfig, scope.config.dir);
  }
  // Upgrade domains stand in for data groups; where the inventory says otherwise it wins, and a person should know.
  const inv = path.join(dayDir, 'inventory.tsv');
  const dn = path.join(dayDir, 'hdfs-datanodes.tsv');
  if (fs.existsSync(inv) && fs.existsSync(dn)) {
    const dg = new Map(readTable(inv).rows.map((r) => [r.host!, r.datagroup ?? '']));
    let n = 0;
    for (const r of readTable(dn).rows) {
      const a = dg.get(r.host!) ?? '';
      if (a && r.upgrade_domain && a !== r.upgrade_domain) {
        if (n++ < 20) writeOut(`warning: ${r.host}: inventory.tsv says data group ${a}, HDFS says upgrade domain ${r.upgrade_domain}; the inventory's is used: fix whichever is wrong\n`);
      }
    }
    if (n > 20) writeOut(`warning: ... and ${n - 20} more host(s) whose data group and upgrade domain disagree\n`);
  }
  for (const p of problems) writeOut(`problem: ${p}\n`);
  writeOut(problems.length === 0 ? `policy ${dir}: ok (${policy.recipes.length} recipes, ${policy.archetypes.size} archetypes, ${policy.classify.length} rules, ${policy.operations.size} operations)\n` : `${problems.length} problem(s)\n`);
  void deps;
  return problems.length === 0 ? 0 : 1;
}
