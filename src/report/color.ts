import { importPackage } from '../store/esm.js';

/**
 * Colour for a terminal only: refusals and failures red, warnings yellow,
 * chosen hosts green, pass headers bold. Elsewhere the text is left exactly
 * as it is, so transcripts and pipes stay plain and greppable.
 */
export async function colorizer(enabled: boolean): Promise<(text: string) => string> {
  if (!enabled) return (t) => t;
  const { Chalk } = await importPackage<typeof import('chalk')>('chalk');
  const c = new Chalk({ level: 1 });
  return (text) =>
    text
      .split('\n')
      .map((line) => {
        if (/^(refused|error|stopping)|\bfailed\b/.test(line)) return c.red(line);
        if (/^warning/.test(line)) return c.yellow(line);
        if (/^(chosen|applied|finished)/.test(line)) return c.green(line);
        if (/^===/.test(line)) return c.bold(line);
        return line;
      })
      .join('\n');
}
