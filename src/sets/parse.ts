import { canonicalHost, isCanonicalHost } from '../sources/hostnames.js';
import { compareBytes } from './compare.js';
import { ExpressionError } from './errors.js';
import { expandNodeset, NodesetError } from './nodeset.js';

export type SetOp = '-' | '&' | '^' | '|';

export interface NameOperand {
  kind: 'name';
  name: string;
  pos: number;
}
export interface PathOperand {
  kind: 'path';
  path: string;
  pos: number;
}
export interface SelectOperand {
  kind: 'select';
  table: NameOperand | PathOperand;
  column: string;
  test: '=' | '!=' | '~';
  value: string;
  pos: number;
}
/** The operands an OperandOpener reads from the day directory or the file system. */
export type Operand = NameOperand | PathOperand | SelectOperand;
/** `@dw1-dn[001-004].dc1.example.com`: a ClusterShell node set written in the expression. */
export interface NodesetOperand {
  kind: 'nodeset';
  /** As written, without the `@`. */
  text: string;
  /** Expanded, in byte order, unique; every one a canonical host name. */
  hosts: string[];
  pos: number;
}
export type Leaf = Operand | NodesetOperand;
export interface BinaryExpr {
  kind: 'binary';
  op: SetOp;
  left: Expr;
  right: Expr;
  pos: number;
}
export type Expr = Leaf | BinaryExpr;

/** Python's precedence for sets: `-` binds tightest, then `&`, `^`, `|`. */
const PRECEDENCE: Record<SetOp, number> = { '-': 4, '&': 3, '^': 2, '|': 1 };
const WORDS: Record<string, SetOp> = { minus: '-', and: '&', xor: '^', or: '|' };
const SYMBOLS = new Set(['-', '&', '^', '|']);
export const NAME_RE = /^[a-z0-9_][a-z0-9_.-]*$/;
/** Characters that end an operand word. */
const STOP = new Set([' ', '\t', '\n', '\r', '(', ')', '&', '|', '^', '[']);
const COLUMN_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*/;

type Token =
  | { t: 'op'; op: SetOp; pos: number }
  | { t: '('; pos: number }
  | { t: ')'; pos: number }
  | { t: 'operand'; operand: Leaf; pos: number }
  | { t: 'end'; pos: number };

/**
 * Reads the expression one token at a time. Whether `-` is an operator or
 * part of a name depends on where it stands, so the tokenizer is told whether
 * an operand or an operator is expected next.
 */
class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  fail(pos: number, reason: string): never {
    throw new ExpressionError(this.src, pos, reason);
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  /** The next token where an operand, `(` (or the end, reported by the parser) may stand. */
  operandToken(): Token {
    this.skipSpace();
    const start = this.pos;
    if (start >= this.src.length) return { t: 'end', pos: start };
    const c = this.src[start]!;
    if (c === '(') {
      this.pos++;
      return { t: '(', pos: start };
    }
    if (c === ')' || SYMBOLS.has(c) || c === '[') {
      this.fail(start, `expected a group name, a path, an @node set or "(" but found "${c}"`);
    }
    if (c === '@') return { t: 'operand', operand: this.nodeset(), pos: start };
    let end = start;
    while (end < this.src.length && !STOP.has(this.src[end]!)) end++;
    const word = this.src.slice(start, end);
    this.pos = end;
    let operand: NameOperand | PathOperand;
    if (word.includes('/')) {
      operand = { kind: 'path', path: word, pos: start };
    } else {
      if (word in WORDS) this.fail(start, `expected a group name, a path or "(" but found the operator "${word}"`);
      if (!NAME_RE.test(word)) {
        let bad = 0;
        while (bad < word.length && NAME_RE.test(word.slice(0, bad + 1))) bad++;
        const ch = word[bad]!;
        const why = /[A-Z]/.test(ch)
          ? 'group names are lower case'
          : `group names are [a-z0-9_] then [a-z0-9_.-]; "${ch}" is not allowed (a path needs a "/", e.g. ./${word})`;
        this.fail(start + bad, why);
      }
      operand = { kind: 'name', name: word, pos: start };
    }
    if (this.src[this.pos] === '[') return { t: 'operand', operand: this.selector(operand), pos: start };
    return { t: 'operand', operand, pos: start };
  }

  /**
   * `@dw1-dn[001-004,010].dc1.example.com`: runs to a space, `(`, `)`, `&`,
   * `|` or `^` outside brackets; a `-` or `,` belongs to the node set.
   */
  private nodeset(): NodesetOperand {
    const at = this.pos;
    let i = at + 1;
    let depth = 0;
    for (; i < this.src.length; i++) {
      const ch = this.src[i]!;
      if (ch === '[') depth++;
      else if (ch === ']') depth--;
      else if (depth <= 0 && STOP.has(ch)) break;
    }
    const text = this.src.slice(at + 1, i);
    this.pos = i;
    const seen = `the node set @${text}`;
    if (text === '') this.fail(at, 'expected a node set after "@", e.g. @dw1-dn[001-004].dc1.example.com');
    let names: string[];
    try {
      names = expandNodeset(text);
    } catch (e) {
      if (e instanceof NodesetError) this.fail(at + 1 + e.pos, `in ${seen}: ${e.reason}`);
      throw e;
    }
    for (const name of names) {
      if (isCanonicalHost(name)) continue;
      const why = !name.includes('.') && /^[a-z0-9-]+$/.test(name) ? 'a short name: a node set names hosts in full, e.g. @dw1-dn[001-004].dc1.example.com' : (canonicalHost(name, { domain: null }).error ?? 'not in canonical form (lower case, fully qualified)');
      const group = /^[a-z0-9_][a-z0-9_.-]*$/.test(text) && !text.includes('.') ? `; "@" takes a node set of host names, not a ClusterShell group: a breakfix group is written without "@" (${text})` : '';
      this.fail(at, `in ${seen}: "${name}" is not a canonical host name: ${why}${group}`);
    }
    const hosts = [...new Set(names)].sort((a, b) => {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return compareBytes(x, 0, x.length, y, 0, y.length);
    });
    return { kind: 'nodeset', text, hosts, pos: at };
  }

  /** `table[column=value]`, `[column!=value]`, `[column~regex]`; the value runs to the matching `]`. */
  private selector(table: NameOperand | PathOperand): SelectOperand {
    const open = this.pos;
    this.pos++;
    const col = COLUMN_RE.exec(this.src.slice(this.pos));
    if (!col) this.fail(this.pos, `in the table selection ${this.src.slice(table.pos, open)}[...]: expected a column name after "["${this.nodesetHint(table, open)}`);
    const column = col[0];
    this.pos += column.length;
    let test: SelectOperand['test'];
    if (this.src.startsWith('!=', this.pos)) {
      test = '!=';
      this.pos += 2;
    } else if (this.src[this.pos] === '=' || this.src[this.pos] === '~') {
      test = this.src[this.pos] as '=' | '~';
      this.pos += 1;
    } else {
      const hint = this.nodesetHint(table, open);
      this.fail(hint ? open : this.pos, `in the table selection ${this.src.slice(table.pos, open)}[...]: expected "=", "!=" or "~" after the column name${hint}`);
    }
    const valueStart = this.pos;
    let depth = 0;
    let i = this.pos;
    for (; i < this.src.length; i++) {
      const ch = this.src[i];
      if (ch === '\\') {
        i++;
        continue;
      }
      if (ch === '[') depth++;
      else if (ch === ']') {
        if (depth === 0) break;
        depth--;
      }
    }
    if (i >= this.src.length) this.fail(open, `in the table selection ${this.src.slice(table.pos, open)}[...]: this "[" is never closed with "]"`);
    const value = this.src.slice(valueStart, i);
    this.pos = i + 1;
    if (test === '~') {
      try {
        new RegExp(value);
      } catch (e) {
        this.fail(valueStart, `in the table selection ${this.src.slice(table.pos, open)}[...]: not a valid regular expression: ${(e as Error).message}`);
      }
    }
    return { kind: 'select', table, column, test, value, pos: table.pos };
  }

  /** `name[001-004]` looks like a node set: say how to write one. */
  private nodesetHint(table: NameOperand | PathOperand, open: number): string {
    const m = /^\[[0-9][0-9,\-/]*\]/.exec(this.src.slice(open));
    if (!m) return '';
    let end = open + m[0].length;
    while (end < this.src.length && !STOP.has(this.src[end]!)) end++;
    return `; for a node set put "@" before it: @${this.src.slice(table.pos, end)}`;
  }

  /** The next token where an operator, `)` or the end may stand. */
  operatorToken(): Token {
    this.skipSpace();
    const start = this.pos;
    if (start >= this.src.length) return { t: 'end', pos: start };
    const c = this.src[start]!;
    if (c === ')') {
      this.pos++;
      return { t: ')', pos: start };
    }
    if (SYMBOLS.has(c)) {
      this.pos++;
      return { t: 'op', op: c as SetOp, pos: start };
    }
    const m = /^[A-Za-z]+/.exec(this.src.slice(start));
    if (m && m[0] in WORDS && (start + m[0].length >= this.src.length || !/[a-z0-9_.\-/]/.test(this.src[start + m[0].length]!))) {
      this.pos += m[0].length;
      return { t: 'op', op: WORDS[m[0]]!, pos: start };
    }
    this.fail(start, 'expected an operator (- & ^ | or minus and xor or) between two operands');
  }
}

/**
 * Parses a set expression: `all - hadoop_exclude & responsive`, with Python's
 * precedence, left-associative operators, and parentheses.
 */
export function parseExpression(src: string): Expr {
  const lx: Lexer = new Lexer(src);
  if (src.trim() === '') lx.fail(0, 'the expression is empty');

  // Precedence climbing: parse operands joined by operators that bind at least `minPrec`.
  let pending: Token | null = null;
  function peekOperator(): Token {
    if (!pending) pending = lx.operatorToken();
    return pending;
  }

  function primary(): Expr {
    const tok = lx.operandToken();
    if (tok.t === 'end') lx.fail(tok.pos, 'the expression ends where an operand was expected');
    if (tok.t === '(') {
      const inner = binary(0);
      const close = peekOperator();
      pending = null;
      if (close.t !== ')') lx.fail(close.pos === src.length ? tok.pos : close.pos, close.pos === src.length ? 'this "(" is never closed' : 'expected ")"');
      return inner;
    }
    if (tok.t !== 'operand') lx.fail(tok.pos, 'expected an operand');
    return tok.operand;
  }

  function binary(minPrec: number): Expr {
    let left = primary();
    for (;;) {
      const tok = peekOperator();
      if (tok.t !== 'op' || PRECEDENCE[tok.op] < minPrec) return left;
      pending = null;
      const right = binary(PRECEDENCE[tok.op] + 1);
      left = { kind: 'binary', op: tok.op, left, right, pos: tok.pos };
    }
  }

  const expr = binary(0);
  const last = peekOperator();
  if (last.t === ')') lx.fail(last.pos, 'this ")" has no "(" before it');
  if (last.t !== 'end') lx.fail(last.pos, 'unexpected text after the expression');
  return expr;
}

/** Every operand of an expression, left to right. */
export function operandsOf(expr: Expr): Leaf[] {
  if (expr.kind === 'binary') return [...operandsOf(expr.left), ...operandsOf(expr.right)];
  return [expr];
}

/** Writes an expression back with full parentheses (tests, provenance). */
export function formatExpression(expr: Expr): string {
  switch (expr.kind) {
    case 'binary':
      return `(${formatExpression(expr.left)} ${expr.op} ${formatExpression(expr.right)})`;
    case 'name':
      return expr.name;
    case 'path':
      return expr.path;
    case 'select':
      return `${formatExpression(expr.table)}[${expr.column}${expr.test}${expr.value}]`;
    case 'nodeset':
      return `@${expr.text}`;
  }
}
