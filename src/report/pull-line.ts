import type { SourceOutcome } from '../sources/types.js';

/** The groups worth naming on a pull line: the largest few. */
function summarize(o: SourceOutcome): string {
  const entries = Object.entries(o.counts);
  const shown = entries
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`);
  const more = entries.length > shown.length ? ` +${entries.length - shown.length} more` : '';
  return [...o.notes, shown.join(', ') + more].filter(Boolean).join('; ');
}

export function formatOutcome(o: SourceOutcome, width: number): string {
  const head = `${o.name.padEnd(width)}  ${o.status.padEnd(7)}  ${o.seconds.toFixed(2).padStart(6)}s`;
  let text: string;
  if (o.status === 'ok') text = `${head}  ${summarize(o)}\n`;
  else if (o.status === 'skipped') text = `${head}  ${o.reason}\n`;
  else {
    const [first, ...rest] = (o.reason ?? 'failed').split('\n');
    text = `${head}  ${first}\n${rest.map((l) => `${' '.repeat(width + 2)}| ${l}\n`).join('')}`;
  }
  if (o.rejected.length > 0) {
    const sample = o.rejected.slice(0, 3).map((r) => `"${r.raw}" (${r.reason})`);
    text += `${' '.repeat(width + 2)}left out ${o.rejected.length} name(s) that are not canonical hosts: ${sample.join(', ')}${o.rejected.length > 3 ? ', ...' : ''}\n`;
  }
  return text;
}
