import { isMap, isScalar, type Node } from 'yaml';
import { Field, type YamlFile } from '../config/yamlsrc.js';
import { ExpressionError } from '../sets/errors.js';
import { NAME_RE, parseExpression } from '../sets/parse.js';
import { parseRates } from './rate.js';
import { ANY_TIME, parseWindows } from './windows.js';
import { DEFAULT_EFFECT, EFFECTS, OPS, type Archetype, type Effect, type ClassifyRule, type Op, type OpLimits, type Operation, type Policy, type Recipe } from './types.js';

const TOP = ['archetypes', 'classify', 'workers', 'selection', 'safety', 'operations', 'down', 'windows', 'rate'] as const;
const ARCH = ['reason', 'ops'] as const;
const LIMITS = ['pct', 'floor', 'ceiling'] as const;
const RULE = ['cluster', 'workers_below', 'cluster_attr', 'archetype', 'max', 'reason'] as const;
const SELECTION = ['max_per_rack', 'max_datagroups'] as const;
const SAFETY = [
  'max_under_replicated',
  'max_swing_pct',
  'max_attempts',
  'attempt_window',
  'max_down_datagroups',
  'min_in_service_pct',
  'max_candidates_pct',
] as const;
const OPERATION = ['candidates', 'busy', 'in_flight', 'run', 'on', 'effect', 'timeout', 'maintenance_expiry'] as const;

/**
 * Fails at the line of `key` in the mapping `parent`: a block-style value
 * starts on the line after its key, so an error about the entry as a whole
 * (its name, a key it lacks) names the key's line.
 */
function failAtKey(parent: Field, key: string, message: string): never {
  const pair = isMap(parent.node) ? parent.node.items.find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
  const where = parent.where ? `${parent.where}.${key}` : key;
  return parent.src.fail((pair?.key as Node | undefined) ?? parent.node, `${where}: ${message}`);
}

function opName(parent: Field, name: string): Op {
  if (!(OPS as readonly string[]).includes(name)) failAtKey(parent, name, `unknown operation "${name}"; the operations are ${OPS.join(', ')}`);
  return name as Op;
}

/** An expression in the policy: parsed now, so a typo is reported with its file and line. */
function expression(f: Field): string {
  const text = f.string();
  try {
    parseExpression(text);
  } catch (e) {
    if (e instanceof ExpressionError) f.fail(`not a valid set expression: ${e.message}`);
    throw e;
  }
  return text;
}

function limits(parent: Field, op: string, f: Field): OpLimits {
  const m = f.map(LIMITS);
  const pct = m.get('pct')?.number({ min: 0, max: 100 }) ?? failAtKey(parent, op, 'pct: missing (the percentage of workers that may be out at once)');
  const floor = m.get('floor')?.number({ min: 0, integer: true }) ?? 1;
  const ceilingField = m.get('ceiling');
  const ceiling = ceilingField?.present ? ceilingField.number({ min: 0, integer: true }) : null;
  if (ceiling !== null && ceiling < floor) ceilingField!.fail(`ceiling ${ceiling} is below floor ${floor}`);
  return { pct, floor, ceiling };
}

/** Validates policy.yaml, every key, naming file and line on error. */
export function parsePolicy(yaml: YamlFile, dir: string, recipes: Recipe[]): Policy {
  const root = new Field(yaml, yaml.root, '');
  if (!root.present) root.fail('the policy is empty; start from the policy/ directory shipped with breakfix');
  const top = root.map(TOP);
  const need = (k: (typeof TOP)[number]): Field => top.get(k) ?? root.fail(`${k}: missing`);

  const archetypes = new Map<string, Archetype>();
  const archetypesField = need('archetypes');
  for (const [name, af] of archetypesField.map()) {
    const m = af.map(ARCH);
    const reason = m.get('reason')?.string() ?? failAtKey(archetypesField, name, 'reason: missing; every archetype says why its numbers are what they are');
    const ops = new Map<Op, OpLimits>();
    const opsField = m.get('ops') ?? failAtKey(archetypesField, name, 'ops: missing');
    for (const [op, lf] of opsField.map()) ops.set(opName(opsField, op), limits(opsField, op, lf));
    archetypes.set(name, { name, reason, ops });
  }

  const classify: ClassifyRule[] = need('classify')
    .list()
    .map((rf, i) => {
      const m = rf.map(RULE);
      const archetype = m.get('archetype')?.string() ?? rf.fail('archetype: missing');
      if (!archetypes.has(archetype)) m.get('archetype')!.fail(`no archetype "${archetype}"; the archetypes are ${[...archetypes.keys()].join(', ')}`);
      const max: Partial<Record<Op, number>> = {};
      const maxField = m.get('max');
      for (const [op, v] of maxField?.map() ?? new Map<string, Field>()) max[opName(maxField!, op)] = v.number({ min: 0, integer: true });
      let clusterAttr: Record<string, string> | null = null;
      if (m.has('cluster_attr')) {
        clusterAttr = {};
        for (const [k, v] of m.get('cluster_attr')!.map()) clusterAttr[k] = String(v.string());
      }
      return {
        index: i + 1,
        line: yaml.lineOf(rf.node),
        cluster: m.get('cluster')?.string() ?? null,
        workersBelow: m.get('workers_below')?.number({ min: 0, integer: true }) ?? null,
        clusterAttr,
        archetype,
        max,
        reason: m.get('reason')?.string() ?? rf.fail('reason: missing; every rule says why'),
      };
    });

  const sel = top.get('selection')?.map(SELECTION);
  const saf = top.get('safety')?.map(SAFETY);
  const operations = new Map<Op, Operation>();
  const operationsField = need('operations');
  for (const [name, of] of operationsField.map()) {
    const op = opName(operationsField, name);
    const m = of.map(OPERATION);
    const run = m.get('run')?.strings() ?? null;
    const on = m.get('on')?.string() ?? null;
    if (run && !on) m.get('run')!.fail('needs on: host (each chosen host) or on: NAME (a controller that acts on {host})');
    if (on && !run) m.get('on')!.fail('needs run: [command, ...]');
    if (run && on !== 'host' && !run.some((a) => a.includes('{host}'))) {
      m.get('run')!.fail(`runs on ${on}, so it must name the host: put "{host}" in an argument`);
    }
    const effectField = m.get('effect');
    const effect = effectField?.present ? (effectField.string() as Effect) : DEFAULT_EFFECT[op];
    if (!(EFFECTS as readonly string[]).includes(effect)) effectField!.fail(`"${effect}" is not an effect; say what ${op} does to a DataNode: ${EFFECTS.join(', ')}`);
    const expiryField = m.get('maintenance_expiry');
    if (expiryField?.present && effect !== 'down') expiryField.fail(`only an op whose effect is down goes through HDFS maintenance; ${op} is ${effect}`);
    operations.set(op, {
      op,
      effect,
      timeoutMs: m.get('timeout')?.present ? m.get('timeout')!.duration() : null,
      maintenanceExpiryMs: expiryField?.present ? expiryField.duration() : null,
      candidates: m.has('candidates') ? expression(m.get('candidates')!) : failAtKey(operationsField, name, 'candidates: missing'),
      busy: m.has('busy') ? expression(m.get('busy')!) : failAtKey(operationsField, name, 'busy: missing (what already counts against the budget)'),
      inFlight: m.has('in_flight') ? expression(m.get('in_flight')!) : null,
      run,
      on,
    });
  }
  // Hosts whose replicas are unavailable now: dead, in maintenance, and every open plan of a down op.
  const downOps = [...operations.values()].filter((o) => o.effect === 'down').map((o) => `plans.${o.op}`);
  const down = top.get('down')?.present ? expression(top.get('down')!) : ['hdfs-dead', 'hdfs-maintenance', ...downOps].join(' | ');
  const workersField = top.get('workers');
  const workers = workersField ? workersField.string() : 'hadoop-workers';
  if (!NAME_RE.test(workers)) workersField!.fail(`"${workers}" is not a group name`);

  const opNames = [...operations.keys()];
  return {
    dir,
    windows: top.get('windows')?.present ? parseWindows(top.get('windows')!, opNames) : ANY_TIME,
    rates: top.get('rate')?.present ? parseRates(top.get('rate')!, opNames) : new Map(),
    archetypes,
    classify,
    workers,
    selection: {
      maxPerRack: sel?.get('max_per_rack')?.number({ min: 1, integer: true }) ?? 2,
      maxDatagroups: sel?.get('max_datagroups')?.number({ min: 1, integer: true }) ?? 1,
    },
    safety: {
      maxUnderReplicated: saf?.get('max_under_replicated')?.number({ min: 0, integer: true }) ?? 1000,
      maxSwingPct: saf?.get('max_swing_pct')?.number({ min: 0, max: 100 }) ?? 20,
      maxAttempts: saf?.get('max_attempts')?.number({ min: 1, integer: true }) ?? 3,
      attemptWindowMs: saf?.get('attempt_window')?.duration() ?? 14 * 86_400_000,
      maxDownDatagroups: saf?.get('max_down_datagroups')?.number({ min: 0, integer: true }) ?? 1,
      minInServicePct: saf?.get('min_in_service_pct')?.number({ min: 0, max: 100 }) ?? 90,
      maxCandidatesPct: saf?.get('max_candidates_pct')?.present ? saf.get('max_candidates_pct')!.number({ min: 0, max: 100 }) : 20,
    },
    down,
    operations,
    recipes,
  };
}

/** Validates groups.yaml: `name: expression` per recipe. */
export function parseRecipes(yaml: YamlFile): Recipe[] {
  const root = new Field(yaml, yaml.root, '');
  if (!root.present) return [];
  const out: Recipe[] = [];
  for (const [name, f] of root.map()) {
    if (!NAME_RE.test(name)) f.fail(`"${name}" is not a group name ([a-z0-9_][a-z0-9_.-]*)`);
    out.push({ name, expression: expression(f), line: yaml.lineOf(f.node) });
  }
  return out;
}
