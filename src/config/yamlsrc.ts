import fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from './errors.js';

/**
 * A YAML document that remembers where each value came from, so a validator
 * can say "breakfix.yaml:14: datacenters.dc1.sources.x.timout: unknown key".
 */
export class YamlFile {
  readonly root: Node | null;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = this.lines.linePos(e.pos[0]).line;
      throw new ConfigError(file, line, `not valid YAML: ${e.message.split('\n')[0]}`);
    }
    this.root = (doc.contents as Node | null) ?? null;
  }

  static read(file: string): YamlFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError(file, null, code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`);
    }
    return new YamlFile(file, text);
  }

  lineOf(node: Node | null | undefined): number | null {
    const r = node?.range;
    return r ? this.lines.linePos(r[0]).line : null;
  }

  fail(node: Node | null | undefined, message: string): never {
    throw new ConfigError(this.file, this.lineOf(node), message);
  }
}

/** A typed walk over one YAML node, with its dotted path for error messages. */
export class Field {
  constructor(
    readonly src: YamlFile,
    readonly node: Node | null,
    readonly where: string,
  ) {}

  fail(message: string): never {
    this.src.fail(this.node, `${this.where}: ${message}`);
  }

  get present(): boolean {
    return this.node !== null && !(isScalar(this.node) && this.node.value === null);
  }

  /** The entries of a mapping; unknown keys are refused when `allowed` is given. */
  map(allowed?: readonly string[]): Map<string, Field> {
    if (!isMap(this.node)) this.fail('expected a mapping (key: value)');
    const out = new Map<string, Field>();
    for (const pair of this.node.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const path = this.where ? `${this.where}.${key}` : key;
      if (allowed && !allowed.includes(key)) {
        this.src.fail(keyNode, `${path}: unknown key; expected one of: ${allowed.join(', ')}`);
      }
      out.set(key, new Field(this.src, (pair.value as Node | null) ?? null, path));
    }
    return out;
  }

  list(): Field[] {
    if (!isSeq(this.node)) this.fail('expected a list');
    return this.node.items.map((n, i) => new Field(this.src, n as Node, `${this.where}[${i}]`));
  }

  private scalar(): unknown {
    if (!isScalar(this.node)) this.fail('expected a single value');
    return this.node.value;
  }

  string(): string {
    const v = this.scalar();
    if (typeof v !== 'string' || v === '') this.fail(`expected a non-empty string, found ${JSON.stringify(v)}`);
    return v;
  }

  number(opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.scalar();
    if (typeof v !== 'number' || Number.isNaN(v)) this.fail(`expected a number, found ${JSON.stringify(v)}`);
    if (opts.integer && !Number.isInteger(v)) this.fail(`expected a whole number, found ${v}`);
    if (opts.min !== undefined && v < opts.min) this.fail(`expected at least ${opts.min}, found ${v}`);
    if (opts.max !== undefined && v > opts.max) this.fail(`expected at most ${opts.max}, found ${v}`);
    return v;
  }

  boolean(): boolean {
    const v = this.scalar();
    if (typeof v !== 'boolean') this.fail(`expected true or false, found ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    const v = this.string();
    if (!choices.includes(v as T)) this.fail(`expected one of ${choices.join(', ')}, found "${v}"`);
    return v as T;
  }

  strings(): string[] {
    return this.list().map((f) => f.string());
  }

  /** A duration: `90s`, `10m`, `2h`, `14d`, or a number of seconds. Returns milliseconds. */
  duration(): number {
    const v = this.scalar();
    if (typeof v === 'number' && v >= 0) return v * 1000;
    const ms = typeof v === 'string' ? parseDuration(v) : null;
    if (ms === null) this.fail(`expected a duration like 30s, 10m, 2h or 14d, found ${JSON.stringify(v)}`);
    return ms;
  }
}

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s` → 30000; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT[m[2]!]!;
}

/**
 * The lines (1-based, first and last) of every entry of a YAML document, by
 * dotted path (`archetypes.default.ops.drain.pct`, `classify.0.max.drain`): a
 * mapping entry from its key to the end of its value, a list item as itself.
 * What `policy explain --history` blames for each number and rule.
 */
export function yamlLineRanges(text: string): Map<string, [number, number]> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const out = new Map<string, [number, number]>();
  const lineAt = (offset: number) => lc.linePos(offset).line;
  const span = (from: number, to: number): [number, number] => [lineAt(from), lineAt(Math.max(from, to - 1))];
  const walk = (node: unknown, where: string, from: number | null) => {
    const n = node as Node | null;
    if (!n || !n.range) return;
    if (where) out.set(where, span(from ?? n.range[0], n.range[1]));
    if (isMap(n)) {
      for (const pair of n.items) {
        const k = pair.key as Node | null;
        const key = isScalar(k) ? String(k.value) : String(k);
        walk(pair.value, where ? `${where}.${key}` : key, k?.range?.[0] ?? null);
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, where ? `${where}.${i}` : String(i), null));
    }
  };
  walk(doc.contents, '', null);
  return out;
}
