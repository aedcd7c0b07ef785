/**
 * Loads a package at run time, by import(). The bundles are run from V8's
 * code cache by bin/breakfix, where an import() written in them has nothing to
 * resolve it with; bin/breakfix hands in its own under a global symbol, and
 * without it (the tests run the sources) this module's import() is used.
 */
type Importer = (specifier: string) => Promise<unknown>;

const IMPORTER = Symbol.for('breakfix.import');

export function importPackage<T>(specifier: string): Promise<T> {
  const given = (globalThis as Record<symbol, unknown>)[IMPORTER] as Importer | undefined;
  return (given ? given(specifier) : import(specifier)) as Promise<T>;
}
