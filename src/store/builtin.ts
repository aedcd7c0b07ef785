/**
 * A Node built-in module loaded when first used rather than at start-up:
 * `q` never hashes, draws a seed or asks about a terminal on most runs, and
 * node:crypto and node:tty (which pulls in net and streams) cost it more
 * than a tenth of its start-up.
 */
export function builtin<T>(name: 'node:crypto' | 'node:tty'): T {
  const p = process as unknown as { getBuiltinModule?: (n: string) => unknown };
  return (p.getBuiltinModule ? p.getBuiltinModule(name) : require(name)) as T;
}
