import { compareBytes } from './compare.js';
import { TableError } from './cursor.js';
import type { LineCursor } from './lines.js';
import type { LineOutput } from './output.js';

/** Splits `buf[start, end)` at tabs. */
function fields(buf: Buffer, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  for (;;) {
    const tab = buf.indexOf(9, s);
    if (tab < 0 || tab >= end) {
      out.push([s, end]);
      return out;
    }
    out.push([s, tab]);
    s = tab + 1;
  }
}

/**
 * The rows of a table whose key is in a group, as
 * `LC_ALL=C join --header -t $'\t' <(echo host; cat GROUP) TABLE` prints them:
 * a header `host` + the table's other columns, then each matching row. A
 * group line is keyed on its first tab-separated field, and its other fields
 * follow the key, before the table's: group `a\tx` and row `a\t1` give
 * `a\tx\t1`. With `pick`, the key and only those table columns, in that order.
 * The group cursor must be keyed, so that its order is checked on the key.
 */
export function joinGroupTable(group: LineCursor, table: LineCursor, pick: string[] | null, out: LineOutput): void {
  group.beforeMove = () => out.flushSpan();
  table.beforeMove = () => out.flushSpan();
  if (!table.next()) throw new TableError(`${table.label}: the table is empty; it needs a header line naming its columns`);
  const headerFields = fields(table.buf, table.start, table.end).map(([s, e]) => table.buf.toString('utf8', s, e));
  let select: number[] | null = null;
  if (pick) {
    select = pick.map((name) => {
      const i = headerFields.indexOf(name);
      if (i < 0) throw new TableError(`${table.label}: no column "${name}"; its columns are: ${headerFields.join(', ')}`);
      return i;
    });
    out.text(['host', ...pick].join('\t') + '\n');
  } else {
    out.text(['host', ...headerFields.slice(1)].join('\t') + '\n');
  }
  let g = group.next();
  let t = table.next();
  while (g && t) {
    const c = compareBytes(group.buf, group.start, group.keyStop, table.buf, table.start, table.keyStop);
    if (c < 0) g = group.next();
    else if (c > 0) t = table.next();
    else {
      if (select) {
        const fs = fields(table.buf, table.start, table.end);
        out.put(table.buf, table.start, table.keyStop);
        for (const i of select) {
          out.byte(9);
          const f = fs[i];
          if (f) out.put(table.buf, f[0], f[1]);
        }
        out.byte(10);
        out.count++;
      } else if (group.keyStop < group.end) {
        // The group's other fields come between the key and the table's, each after its tab.
        out.flushSpan();
        out.put(group.buf, group.start, group.end);
        out.put(table.buf, table.keyStop, table.end);
        out.byte(10);
        out.count++;
      } else {
        out.spanLine(table.u8, table.start, table.end);
      }
      g = group.next();
      t = table.next();
    }
  }
  // Drain both, so every line is order-checked as join --check-order would.
  while (g) g = group.next();
  while (t) t = table.next();
  out.flush();
}
