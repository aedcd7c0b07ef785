import { foldNodeset } from '../sets/nodeset.js';

const RULE = '-'.repeat(15);

/**
 * Hosts with the same output, printed once under their folded node set, as
 * `clush -b` and `dshbak -c` do (pure):
 *
 *     ---------------
 *     dw1-dn[001-003].dc1.example.com (3)
 *     ---------------
 *     ok
 *
 * Bigger groups come first, then in the order of their node set's text; a
 * single host shows no count; an output without a final newline gets one;
 * hosts that printed nothing are left out (the summary line counts them).
 */
export function mergedOutputs(outputs: ReadonlyMap<string, Buffer>): string {
  const groups = new Map<string, { output: Buffer; hosts: string[] }>();
  for (const [host, output] of outputs) {
    if (output.length === 0) continue;
    const key = output.toString('latin1');
    const g = groups.get(key);
    if (g) g.hosts.push(host);
    else groups.set(key, { output, hosts: [host] });
  }
  const blocks = [...groups.values()].map((g) => ({ ...g, set: foldNodeset(g.hosts) }));
  blocks.sort((a, b) => b.hosts.length - a.hosts.length || (a.set < b.set ? -1 : a.set > b.set ? 1 : 0));
  let out = '';
  for (const b of blocks) {
    const text = b.output.toString('utf8');
    const head = b.hosts.length > 1 ? `${b.set} (${b.hosts.length})` : b.set;
    out += `${RULE}\n${head}\n${RULE}\n${text}${text.endsWith('\n') ? '' : '\n'}`;
  }
  return out;
}
