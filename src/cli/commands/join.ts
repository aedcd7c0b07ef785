import path from 'node:path';
import { PlainCursor } from '../../sets/cursor.js';
import { joinGroupTable } from '../../sets/join.js';
import { LineCursor } from '../../sets/lines.js';
import { LineOutput } from '../../sets/output.js';
import { parseExpression } from '../../sets/parse.js';
import { fdWriter, fileSource } from '../../store/fsio.js';
import { displayPath, resolveScope, UsageError, type Deps, type GlobalOptions } from '../context.js';
import { DayOpener, tableFileIn } from '../../store/operands.js';

export interface JoinOptions {
  fields?: string;
  day?: string;
}

/** `breakfix join GROUP TABLE`: the table's rows for the group's hosts. */
export async function run(args: unknown[], opts: JoinOptions, g: GlobalOptions, deps: Deps): Promise<number> {
  const [groupArg, tableArg] = args as [string, string];
  const scope = await resolveScope(g, deps, opts.day ?? g.day);
  const groupExpr = parseExpression(groupArg);
  if (groupExpr.kind !== 'name' && groupExpr.kind !== 'path') {
    throw new UsageError(`join takes one group or path, not an expression; write it to a file first: breakfix q '${groupArg}' > /tmp/g`);
  }
  // GNU join keys the group on its first tab-separated field, like the table.
  const group = new DayOpener(scope.dayDir, deps.cwd, true).open(groupExpr) as PlainCursor;
  let tableFile: string;
  let label: string;
  if (tableArg.includes('/')) {
    tableFile = path.resolve(deps.cwd, tableArg);
    label = tableArg;
  } else {
    tableFile = tableFileIn(scope.dayDir, tableArg);
    label = displayPath(tableFile, deps.cwd);
  }
  const pick = opts.fields ? opts.fields.split(',').map((f) => f.trim()).filter(Boolean) : null;
  const table = new LineCursor(fileSource(tableFile, label), true, true);
  joinGroupTable(group, table, pick, new LineOutput(fdWriter(1)));
  return 0;
}
