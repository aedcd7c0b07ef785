/**
 * What bin/breakfix hands the bundles it runs from V8's code cache, under
 * global symbols: its import() (one written in a cached bundle has nothing to
 * resolve it with) and its loader of the other bundles. Without them (the
 * tests run the sources) import() and require() are used.
 */
type Importer = (specifier: string) => Promise<unknown>;

const IMPORTER = Symbol.for('breakfix.import');

/** A package loaded at run time, by import(). */
export function importPackage<T>(specifier: string): Promise<T> {
  const given = (globalThis as Record<symbol, unknown>)[IMPORTER] as Importer | undefined;
  return (given ? given(specifier) : import(specifier)) as Promise<T>;
}

/** Another of breakfix's bundles (dist/NAME), through bin/breakfix's loader; `otherwise` without it. */
export function loadBundle(name: string, otherwise: () => unknown): unknown {
  const given = (globalThis as Record<symbol, unknown>)[Symbol.for('breakfix.loadBundle')] as ((n: string) => unknown) | undefined;
  return given ? given(name) : otherwise();
}
