import fs from 'node:fs';
import path from 'node:path';
import { PlainCursor } from '../../sets/cursor.js';
import { mergeCursors } from '../../sets/evaluate.js';
import { memorySource } from '../../sets/lines.js';
import { LineOutput } from '../../sets/output.js';
import { fdWriter, fileSource, writeErr, writeOut } from '../../store/fsio.js';
import { listDays, listEntries, resolveDayDir } from '../../store/layout.js';
import { renderTable } from '../../report/table.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { UnknownNameError, nearestNames } from '../../store/operands.js';

export interface DiffOptions {
  from: string;
  to: string;
  json?: boolean;
}

function cursorFor(dir: string, name: string, cwd: string): PlainCursor {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) return new PlainCursor(memorySource(name, new Uint8Array(0)));
  return new PlainCursor(fileSource(file, displayPath(file, cwd)));
}

/** One merge over the two days' copies of a group: removed lines go to `onRemoved`, added to `onAdded`. */
function compareGroup(
  fromDir: string,
  toDir: string,
  name: string,
  cwd: string,
  visit: (sign: '+' | '-', c: PlainCursor) => void,
): void {
  const a = cursorFor(fromDir, name, cwd);
  const b = cursorFor(toDir, name, cwd);
  const cs = [a, b];
  mergeCursors(cs, (mask, from) => {
    if (mask === 1) visit('-', cs[from]!);
    else if (mask === 2) visit('+', cs[from]!);
  });
}

/** `breakfix diff`: per group, how many hosts came and went between two days; or, naming groups, which. */
export async function run(args: unknown[], opts: DiffOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const names = (args[0] as string[]) ?? [];
  const scope = await resolveScope(g, deps, opts.to);
  if (!scope.dcDir) throw new UsageError('diff compares two days: give --home (or $BREAKFIX_HOME, or a config)');
  const fromDir = resolveDayDir(scope.dcDir, opts.from, deps.now());
  const toDir = scope.dayDir;
  if (!fs.existsSync(toDir)) throw new UsageError(`${displayPath(toDir, deps.cwd)}: no such day directory`);
  if (!fs.existsSync(fromDir)) {
    // A datacenter's first day has nothing before it: that is no error.
    const toDay = path.basename(fs.realpathSync(toDir));
    if (!listDays(scope.dcDir).some((d) => d < toDay)) {
      writeErr(`breakfix: no earlier day than ${toDay} in ${displayPath(scope.dcDir, deps.cwd)}: nothing to compare yet\n`);
      return 0;
    }
    throw new UsageError(`${displayPath(fromDir, deps.cwd)}: no such day directory`);
  }
  const groupsOf = (d: string) => listEntries(d).filter((e) => e.kind === 'group').map((e) => e.name);
  const fromNames = new Set(groupsOf(fromDir));
  const toNames = new Set(groupsOf(toDir));

  if (names.length > 0) {
    for (const n of names) {
      if (!fromNames.has(n) && !toNames.has(n)) {
        const near = nearestNames(n, [...new Set([...fromNames, ...toNames])]);
        throw new UnknownNameError(`unknown group "${n}" on both days${near.length ? `; did you mean: ${near.join(', ')}?` : ''}`);
      }
      if (!fromNames.has(n)) writeErr(`breakfix: ${n}: not in ${displayPath(fromDir, deps.cwd)}; every host counts as added\n`);
      if (!toNames.has(n)) writeErr(`breakfix: ${n}: not in ${displayPath(toDir, deps.cwd)}; every host counts as removed\n`);
    }
    const out = new LineOutput(fdWriter(1));
    const prefix = names.length > 1;
    for (const n of names) {
      compareGroup(fromDir, toDir, n, deps.cwd, (sign, c) => {
        if (prefix) out.text(`${n}\t`);
        out.text(sign);
        out.line(c.buf, c.start, c.end);
      });
    }
    out.flush();
    return 0;
  }

  const all = [...new Set([...fromNames, ...toNames])].sort();
  const rows: Array<{ group: string; added: number; removed: number; note: string }> = [];
  for (const n of all) {
    let added = 0;
    let removed = 0;
    compareGroup(fromDir, toDir, n, deps.cwd, (sign) => {
      if (sign === '+') added++;
      else removed++;
    });
    const note = !fromNames.has(n) ? 'new' : !toNames.has(n) ? 'gone' : '';
    rows.push({ group: n, added, removed, note });
  }
  if (opts.json) {
    writeOut(JSON.stringify({ from: displayPath(fromDir, deps.cwd), to: displayPath(toDir, deps.cwd), groups: rows }, null, 2) + '\n');
    return 0;
  }
  writeOut(
    renderTable(
      ['group', 'added', 'removed', 'note'],
      rows.map((r) => [r.group, `+${r.added}`, `-${r.removed}`, r.note]),
      [false, true, true, false],
    ),
  );
  return 0;
}
