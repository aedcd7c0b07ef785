// policy.yaml and groups.yaml: what a valid policy reads as, and every kind of
// mistake a person makes in them, reported with the file and the line to fix.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { YamlFile } from '../../src/config/yamlsrc.js';
import { parsePolicy, parseRecipes } from '../../src/policy/load.js';
import { orderRecipes, RecipeError } from '../../src/policy/recipes.js';
import type { Recipe } from '../../src/policy/types.js';
import { ROOT } from '../support/cli.js';

const FILE = '/etc/breakfix/policy/policy.yaml';
const SHIPPED = path.join(ROOT, 'policy');

const policyOf = (text: string, file = FILE) => parsePolicy(new YamlFile(file, text), path.dirname(file), []);

/** The 1-based line of the first line of `text` that contains `needle` (is it, trimmed, when it ends in a newline). */
function lineOf(text: string, needle: string): number {
  const whole = needle.endsWith('\n');
  const i = text.split('\n').findIndex((l) => (whole ? l.trim() === needle.trim() : l.includes(needle)));
  if (i < 0) throw new Error(`test bug: "${needle}" is not in the text`);
  return i + 1;
}

/** Parses and hands back the ConfigError, failing when there is none. */
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${(e as Error).name}: ${(e as Error).message}`);
  }
  throw new Error('expected a ConfigError, but it parsed');
}

// A small valid policy in both block and flow style, to break one line at a time.
const GOOD = `archetypes:
  default:
    reason: "general clusters"
    ops:
      drain:    { pct: 6, floor: 1, ceiling: 200 }
      rekick:   { pct: 6, floor: 1, ceiling: 200 }
      reboot:
        pct: 10
        floor: 1
        ceiling: 300
  small:
    reason: "experimental"
    ops:
      drain:  { pct: 5, floor: 1, ceiling: 2 }
      rekick: { pct: 5, ceiling: 2 }
      reboot: { pct: 5 }
classify:
  - { cluster: hb-meta, archetype: small, max: { drain: 1, rekick: 1 }, reason: "critical" }
  - { workers_below: 50, archetype: small, reason: "dev" }
  - cluster_attr: { density: dense }
    archetype: default
    reason: "dense"
  - { archetype: default, reason: "everything else" }
workers: hadoop-workers
selection: { max_per_rack: 3, max_datagroups: 2 }
safety:
  max_under_replicated: 500
  max_swing_pct: 15
  max_attempts: 4
  attempt_window: 7d
operations:
  drain:
    candidates: candidate-drain
    busy: "hdfs-dead | hdfs-decommissioning | plans.drain"
    in_flight: "hdfs-decommissioning | plans.drain"
  rekick:
    candidates: candidate-rekick
    busy: "rekick-in-progress | plans.rekick"
    run: [rekick, "{host}"]
    on: provisioner
  reboot: { candidates: candidate-reboot, busy: plans.reboot, run: [systemctl, reboot], on: host }
`;

/**
 * GOOD with the first line holding `from` replaced by `to` (which may span
 * lines); a `from` ending in a newline must be the whole line, trimmed.
 */
function edit(from: string, to: string): string {
  const lines = GOOD.split('\n');
  const whole = from.endsWith('\n');
  const i = lines.findIndex((l) => (whole ? l.trim() === from.trim() : l.includes(from)));
  if (i < 0) throw new Error(`test bug: "${from}" is not in GOOD`);
  lines[i] = to;
  return lines.join('\n');
}

describe('parsePolicy: a valid policy', () => {
  it('reads every key of the test policy', () => {
    const p = policyOf(GOOD);
    expect(p.dir).toBe('/etc/breakfix/policy');
    expect([...p.archetypes.keys()]).toEqual(['default', 'small']);
    const d = p.archetypes.get('default')!;
    expect(d.reason).toBe('general clusters');
    expect(Object.fromEntries(d.ops)).toEqual({
      drain: { pct: 6, floor: 1, ceiling: 200 },
      rekick: { pct: 6, floor: 1, ceiling: 200 },
      reboot: { pct: 10, floor: 1, ceiling: 300 },
    });
    // floor defaults to 1, no ceiling is null
    expect(Object.fromEntries(p.archetypes.get('small')!.ops)).toEqual({
      drain: { pct: 5, floor: 1, ceiling: 2 },
      rekick: { pct: 5, floor: 1, ceiling: 2 },
      reboot: { pct: 5, floor: 1, ceiling: null },
    });
    expect(p.classify.map((r) => [r.index, r.cluster, r.workersBelow, r.clusterAttr, r.archetype, r.max, r.reason])).toEqual([
      [1, 'hb-meta', null, null, 'small', { drain: 1, rekick: 1 }, 'critical'],
      [2, null, 50, null, 'small', {}, 'dev'],
      [3, null, null, { density: 'dense' }, 'default', {}, 'dense'],
      [4, null, null, null, 'default', {}, 'everything else'],
    ]);
    expect(p.classify.map((r) => r.line)).toEqual([
      lineOf(GOOD, 'cluster: hb-meta'),
      lineOf(GOOD, 'workers_below: 50'),
      lineOf(GOOD, 'cluster_attr'),
      lineOf(GOOD, 'everything else'),
    ]);
    expect(p.workers).toBe('hadoop-workers');
    expect(p.selection).toEqual({ maxPerRack: 3, maxDatagroups: 2 });
    expect(p.safety).toEqual({
      maxUnderReplicated: 500,
      maxSwingPct: 15,
      maxAttempts: 4,
      attemptWindowMs: 7 * 86_400_000,
      maxDownDatagroups: 1,
      minInServicePct: 90,
      maxCandidatesPct: 20,
    });
    expect(p.down).toBe('hdfs-dead | hdfs-maintenance | plans.reboot');
    expect([...p.operations.keys()]).toEqual(['drain', 'rekick', 'reboot']);
    expect(p.operations.get('drain')).toEqual({
      op: 'drain',
      effect: 'drain',
      timeoutMs: null,
      maintenanceExpiryMs: null,
      candidates: 'candidate-drain',
      busy: 'hdfs-dead | hdfs-decommissioning | plans.drain',
      inFlight: 'hdfs-decommissioning | plans.drain',
      run: null,
      on: null,
    });
    expect(p.operations.get('rekick')).toMatchObject({ inFlight: null, run: ['rekick', '{host}'], on: 'provisioner' });
    expect(p.operations.get('reboot')).toMatchObject({ busy: 'plans.reboot', run: ['systemctl', 'reboot'], on: 'host' });
  });

  it('defaults: workers, selection and safety may be left out', () => {
    const text = GOOD.split('\nworkers:')[0] + '\n' + GOOD.slice(GOOD.indexOf('operations:'));
    const p = policyOf(text);
    expect(p.workers).toBe('hadoop-workers');
    expect(p.selection).toEqual({ maxPerRack: 2, maxDatagroups: 1 });
    expect(p.safety).toEqual({
      maxUnderReplicated: 1000,
      maxSwingPct: 20,
      maxAttempts: 3,
      attemptWindowMs: 14 * 86_400_000,
      maxDownDatagroups: 1,
      minInServicePct: 90,
      maxCandidatesPct: 20,
    });
    expect([...p.operations.values()].map((o) => o.effect)).toEqual(['drain', 'offline', 'down']);
  });

  it('the shipped policy loads, with the numbers DESIGN §5 gives', () => {
    const policyText = fs.readFileSync(path.join(SHIPPED, 'policy.yaml'), 'utf8');
    const recipes = parseRecipes(new YamlFile('groups.yaml', fs.readFileSync(path.join(SHIPPED, 'groups.yaml'), 'utf8')));
    const p = parsePolicy(new YamlFile('policy.yaml', policyText), SHIPPED, recipes);
    expect([...p.archetypes.keys()].sort()).toEqual(['default', 'dense', 'small']);
    expect(Object.fromEntries(p.archetypes.get('default')!.ops)).toEqual({
      drain: { pct: 6, floor: 1, ceiling: 200 },
      rekick: { pct: 6, floor: 1, ceiling: 200 },
      reboot: { pct: 10, floor: 1, ceiling: 300 },
      firmware: { pct: 3, floor: 1, ceiling: 100 },
      burnin: { pct: 2, floor: 1, ceiling: 50 },
      return: { pct: 10, floor: 1, ceiling: 500 },
    });
    for (const a of p.archetypes.values()) expect(a.reason.length).toBeGreaterThan(0);
    expect(p.classify.map((r) => [r.cluster, r.workersBelow, r.clusterAttr, r.archetype, r.max])).toEqual([
      ['hb-meta', null, null, 'small', { drain: 1, rekick: 1 }],
      [null, 50, null, 'small', {}],
      [null, null, { density: 'dense' }, 'dense', {}],
      [null, null, null, 'default', {}],
    ]);
    for (const r of p.classify) expect(r.reason.length).toBeGreaterThan(0);
    expect(p.workers).toBe('hadoop-workers');
    expect(p.selection).toEqual({ maxPerRack: 2, maxDatagroups: 1 });
    expect(p.safety).toEqual({
      maxUnderReplicated: 1000,
      maxSwingPct: 20,
      maxAttempts: 3,
      attemptWindowMs: 14 * 86_400_000,
      maxDownDatagroups: 2,
      minInServicePct: 90,
      maxCandidatesPct: 20,
    });
    expect(p.down).toBe('hdfs-dead | hdfs-maintenance | plans.reboot');
    expect([...p.operations.keys()]).toEqual(['drain', 'rekick', 'reboot', 'return']);
    expect([...p.operations.values()].map((o) => o.effect)).toEqual(['drain', 'offline', 'down', 'return']);
    expect(p.operations.get('reboot')!.maintenanceExpiryMs).toBe(60 * 60_000);
    expect(p.operations.get('drain')!.inFlight).toBe('hdfs-decommissioning | plans.drain');
    expect(p.operations.get('rekick')).toMatchObject({ run: ['rekick', '{host}'], on: 'provisioner' });
    expect(p.recipes.map((r) => r.name)).toEqual(
      expect.arrayContaining(['hadoop-workers', 'candidate-drain', 'candidate-rekick', 'candidate-reboot', 'ready-to-return']),
    );
    for (const r of p.recipes) expect(r.line).toBe(lineOf(fs.readFileSync(path.join(SHIPPED, 'groups.yaml'), 'utf8'), `${r.name}:`));
    // every recipe is in an order where it can be evaluated
    expect(orderRecipes(p.recipes)).toHaveLength(p.recipes.length);
  });
});

describe('parsePolicy: mistakes name the file and the line', () => {
  // [what, text, the text on the line to be named, what the message says]
  const cases: Array<[string, string, string, RegExp]> = [
    ['unknown top-level key', edit('workers: hadoop-workers', 'wokers: hadoop-workers'), 'wokers:', /wokers: unknown key; expected one of: archetypes, classify/],
    ['unknown key in a flow mapping', edit('selection:', 'selection: { max_per_rack: 3, max_datagrups: 2 }'), 'max_datagrups', /selection\.max_datagrups: unknown key/],
    ['unknown key in safety', edit('max_attempts: 4', '  max_attempt: 4'), 'max_attempt:', /safety\.max_attempt: unknown key/],
    ['unknown key in an operation', edit('in_flight:', '    inflight: "hdfs-decommissioning"'), 'inflight:', /operations\.drain\.inflight: unknown key; expected one of: candidates, busy, in_flight, run, on, effect/],
    ['unknown key in limits', edit('floor: 1\n', '        flor: 1'), 'flor:', /flor: unknown key; expected one of: pct, floor, ceiling/],
    ['unknown key in a rule', edit('workers_below: 50', '  - { workers_under: 50, archetype: small, reason: "dev" }'), 'workers_under', /classify\[1\]\.workers_under: unknown key/],
    ['unknown key in an archetype', edit('reason: "experimental"', '    reasn: "experimental"'), 'reasn:', /archetypes\.small\.reasn: unknown key/],
    ['a word for a number', edit('pct: 10', '        pct: ten'), 'pct: ten', /pct: expected a number, found "ten"/],
    ['a percentage above 100', edit('pct: 10', '        pct: 110'), 'pct: 110', /pct: expected at most 100, found 110/],
    ['a fractional floor', edit('floor: 1\n', '        floor: 1.5'), 'floor: 1.5', /floor: expected a whole number, found 1.5/],
    ['a ceiling below the floor', edit('drain:  { pct: 5', '      drain:  { pct: 5, floor: 3, ceiling: 2 }'), 'floor: 3, ceiling: 2', /ceiling 2 is below floor 3/],
    ['max_per_rack 0', edit('selection:', 'selection: { max_per_rack: 0 }'), 'max_per_rack: 0', /selection\.max_per_rack: expected at least 1, found 0/],
    ['a percent sign', edit('max_swing_pct: 15', '  max_swing_pct: "15%"'), 'max_swing_pct', /max_swing_pct: expected a number, found "15%"/],
    ['a window that is not a duration', edit('attempt_window: 7d', '  attempt_window: two weeks'), 'attempt_window', /attempt_window: expected a duration/],
    ['a string for a max', edit('cluster: hb-meta', '  - { cluster: hb-meta, archetype: small, max: { drain: one }, reason: "critical" }'), 'drain: one', /classify\[0\]\.max\.drain: expected a number, found "one"/],
    ['an unknown archetype in a rule', edit('workers_below: 50', '  - { workers_below: 50, archetype: tiny, reason: "dev" }'), 'archetype: tiny', /no archetype "tiny"; the archetypes are default, small/],
    ['an unknown archetype in a block rule', edit('archetype: default\n', '    archetype: dense'), 'archetype: dense', /no archetype "dense"/],
    ['an unknown operation', edit('  reboot: { candidates', '  reboo: { candidates: candidate-reboot, busy: plans.reboot }'), 'reboo:', /operations\.reboo: unknown operation "reboo"; the operations are drain, rekick, reboot, firmware, burnin, return/],
    ['an unknown operation in block style', edit('  rekick:\n', '  rekik:'), 'rekik:', /unknown operation "rekik"/],
    ['an unknown operation in an archetype', edit('rekick:   { pct: 6', '      rekik:    { pct: 6, floor: 1, ceiling: 200 }'), 'rekik:', /archetypes\.default\.ops\.rekik: unknown operation "rekik"/],
    ['an unknown operation in a block archetype op', edit('      reboot:\n', '      rebot:'), 'rebot:', /unknown operation "rebot"/],
    ['an unknown operation in max', edit('cluster: hb-meta', '  - { cluster: hb-meta, archetype: small, max: { drian: 1 }, reason: "critical" }'), 'drian', /unknown operation "drian"/],
    ['an unclosed parenthesis', edit('busy: "hdfs-dead', '    busy: "hdfs-dead | (hdfs-decommissioning"'), 'hdfs-dead | (', /operations\.drain\.busy: not a valid set expression/],
    ['a dangling operator', edit('candidates: candidate-drain', '    candidates: "candidate-drain &"'), 'candidate-drain &', /operations\.drain\.candidates: not a valid set expression/],
    ['a bad in_flight', edit('in_flight:', '    in_flight: "| plans.drain"'), 'in_flight:', /in_flight: not a valid set expression/],
    ['run without on', edit('on: provisioner', ''), 'run: [rekick', /run: needs on: host/],
    ['on without run', edit('run: [rekick', ''), 'on: provisioner', /on: needs run:/],
    ['a controller command that does not name the host', edit('run: [rekick', '    run: [rekick, --all]'), 'run: [rekick, --all]', /put "\{host\}" in an argument/],
    ['an archetype without a reason', edit('reason: "experimental"', ''), 'small:\n', /archetypes\.small: reason: missing/],
    ['a rule without a reason', edit('workers_below: 50', '  - { workers_below: 50, archetype: small }'), 'workers_below: 50', /classify\[1\]: reason: missing; every rule says why/],
    ['a rule with an empty reason', edit('workers_below: 50', '  - { workers_below: 50, archetype: small, reason: "" }'), 'workers_below: 50', /classify\[1\]\.reason: expected a non-empty string/],
    ['an operation without candidates', edit('candidates: candidate-rekick', ''), 'rekick:\n', /operations\.rekick: candidates: missing/],
    ['an operation without busy', edit('busy: "rekick-in-progress', ''), 'rekick:\n', /operations\.rekick: busy: missing/],
    ['limits without pct', edit('rekick: { pct: 5, ceiling: 2 }', '      rekick: { ceiling: 2 }'), 'rekick: { ceiling: 2 }', /pct: missing/],
    ['a workers name that is no group', edit('workers: hadoop-workers', 'workers: "Hadoop Workers"'), 'workers:', /"Hadoop Workers" is not a group name/],
    ['classify that is not a list', GOOD.replace(/^classify:\n(  .*\n)+/m, 'classify: { archetype: default, reason: r }\n'), 'classify:', /classify: expected a list/],
    ['an archetype without ops', edit('reason: "experimental"', '    reason: "experimental"\n    opz: {}'), 'opz', /archetypes\.small\.opz: unknown key/],
    ['limits in block style without pct', edit('pct: 10', ''), 'reboot:\n', /archetypes\.default\.ops\.reboot: pct: missing/],
    ['a block ceiling below its floor', edit('ceiling: 300', '        ceiling: 0'), 'ceiling: 0', /ceiling 0 is below floor 1/],
    ['a duplicate key', edit('selection:', 'selection: { max_per_rack: 3, max_per_rack: 2 }'), 'selection:', /not valid YAML/],
  ];
  it.each(cases)('%s', (_what, text, needle, message) => {
    const e = errorOf(() => policyOf(text));
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(lineOf(text, needle));
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${FILE}:${e.line}: `)).toBe(true);
  });

  it('a missing section names it', () => {
    const text = GOOD.slice(0, GOOD.indexOf('operations:'));
    const e = errorOf(() => policyOf(text));
    expect(e.file).toBe(FILE);
    expect(e.message).toMatch(/operations: missing/);
  });

  it('an empty policy says where to start from', () => {
    const e = errorOf(() => policyOf('# nothing\n'));
    expect(e.file).toBe(FILE);
    expect(e.message).toMatch(/the policy is empty/);
  });
});

describe('parseRecipes', () => {
  const G = '/p/groups.yaml';
  const recipesOf = (text: string) => parseRecipes(new YamlFile(G, text));

  it('keeps the file order, the expression and each line', () => {
    const text = '# recipes\nb: "x - y"\n\na: b & z\nc: (a | b) ^ inventory[cluster=dw1]\n';
    expect(recipesOf(text)).toEqual([
      { name: 'b', expression: 'x - y', line: 2 },
      { name: 'a', expression: 'b & z', line: 4 },
      { name: 'c', expression: '(a | b) ^ inventory[cluster=dw1]', line: 5 },
    ]);
  });

  it('an empty file has no recipes', () => {
    expect(recipesOf('')).toEqual([]);
    expect(recipesOf('# only comments\n')).toEqual([]);
  });

  const bad: Array<[string, string, number, RegExp]> = [
    ['a name that is no group name', 'ok: a\nBad-Name: a | b\n', 2, /"Bad-Name" is not a group name/],
    ['a bad expression', 'ok: a\nalso: b\nbroken: a & & b\n', 3, /broken: not a valid set expression/],
    ['an unclosed parenthesis', 'x: (a | b\n', 1, /x: not a valid set expression/],
    ['a list for an expression', 'ok: a\nlisty: [a, b]\n', 2, /listy: expected a single value/],
    ['an empty expression', 'ok: a\nempty: ""\n', 2, /empty: expected a non-empty string/],
  ];
  it.each(bad)('%s', (_what, text, line, message) => {
    const e = errorOf(() => recipesOf(text));
    expect(e.file).toBe(G);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
  });
});

describe('orderRecipes', () => {
  const R = (name: string, expression: string, line: number | null = null): Recipe => ({ name, expression, line });
  const names = (rs: Recipe[]) => rs.map((r) => r.name);

  it('puts every recipe after the recipes it reads', () => {
    const rs = [R('c', 'a & b'), R('a', 'x - y'), R('b', 'a | inventory[role=w]'), R('d', 'y'), R('e', '(c ^ d) - ./file')];
    const order = names(orderRecipes(rs));
    expect(order.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const at = (n: string) => names(orderRecipes(rs)).indexOf(n);
    expect(at('a')).toBeLessThan(at('b'));
    expect(at('a')).toBeLessThan(at('c'));
    expect(at('b')).toBeLessThan(at('c'));
    expect(at('c')).toBeLessThan(at('e'));
    expect(at('d')).toBeLessThan(at('e'));
  });

  it('keeps the file order where it is free', () => {
    expect(names(orderRecipes([R('z', 'x'), R('m', 'y'), R('a', 'w')]))).toEqual(['z', 'm', 'a']);
    expect(names(orderRecipes([R('c', 'a & b'), R('a', 'x'), R('b', 'y')]))).toEqual(['a', 'b', 'c']);
  });

  it('a table selection reads the recipe of that name', () => {
    expect(names(orderRecipes([R('u', 't[cluster=dw1]'), R('t', 'x')]))).toEqual(['t', 'u']);
  });

  it('does not lose or repeat a recipe in a deep chain', () => {
    const rs = Array.from({ length: 30 }, (_, i) => R(`r${i}`, i === 29 ? 'base' : `r${i + 1} | base`));
    const order = names(orderRecipes(rs));
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => `r${29 - i}`));
  });

  const cycleOf = (rs: Recipe[]): string => {
    try {
      orderRecipes(rs);
    } catch (e) {
      expect(e).toBeInstanceOf(RecipeError);
      return (e as Error).message;
    }
    throw new Error('expected a cycle');
  };

  it('a cycle is an error naming the cycle', () => {
    const m = cycleOf([R('a', 'b - x', 1), R('b', 'c & y', 2), R('c', 'a | z', 3), R('d', 'x', 4)]);
    expect(m).toMatch(/cycle/);
    expect(m).toContain('a -> b -> c -> a');
    expect(m).not.toContain('d');
  });

  it('a cycle reached from outside it names only the cycle', () => {
    const m = cycleOf([R('top', 'p'), R('p', 'q'), R('q', 'p | x')]);
    expect(m).toContain('p -> q -> p');
    expect(m).not.toContain('top');
  });

  it('a recipe that reads itself', () => {
    expect(cycleOf([R('self', 'self | x', 7)])).toContain('self -> self');
  });
});
