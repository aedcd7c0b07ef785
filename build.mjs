// Bundles the CLI into two CommonJS files: dist/main.cjs (the command line and
// the query commands) and dist/ops.cjs (sources, policy, remote exec, the
// loop), loaded only when one of those commands runs. Start-up then compiles
// one small file instead of resolving hundreds of modules. Packages that only
// some commands need stay outside the bundles and load when those commands run.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkMerge2 } from './scripts/wasm.mjs';

// The WebAssembly merge's bytes, committed in src/sets/merge2-wasm.ts, must be its .wat's.
await checkMerge2();
rmSync('dist', { recursive: true, force: true });
// commander requires node:child_process when it loads, for subcommands that are separate
// executables, which breakfix has none of; child_process pulls in net, streams and dgram, a
// tenth of `q`'s start-up. Required when first spawned instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`${args.path}: expected "${eager}"; see build.mjs`);
      return { contents: text.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};
// Every file that imports a Node built-in would get its own copy of the module's
// properties (esbuild's __toESM, once per importing file: 120 copies of node:fs and
// node:path in ops.cjs, a tenth of its load). One shared module per built-in instead.
const LAZY_BUILTINS = ['node:crypto', 'node:child_process', 'node:zlib'];
const nodeRequire = createRequire(import.meta.url);
const SRC = fileURLToPath(new URL('./src/', import.meta.url));
const sharedBuiltins = {
  name: 'shared-builtins',
  setup(b) {
    // Only breakfix's own imports: a package's require() keeps the module itself.
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      if (args.kind !== 'import-statement' || !args.importer.startsWith(SRC)) return undefined;
      return { path: args.path, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const id = JSON.stringify(args.path);
      if (LAZY_BUILTINS.includes(args.path)) {
        // Loaded at its first call: a pass hashes and spawns, `policy check` and most
        // commands never do, and these three (with the streams and sockets
        // child_process pulls in) are a fifth of loading dist/ops.cjs. Only its
        // functions are exported this way; importing anything else fails the build.
        const real = nodeRequire(args.path);
        const fns = Object.keys(real).filter((k) => /^[a-z]/.test(k) && typeof real[k] === 'function');
        const lines = [`let m;`, `const load = () => m ?? (m = require(${id}));`];
        for (const k of fns) lines.push(`export function ${k}(...a) { return load().${k}(...a); }`);
        lines.push(`export default new Proxy({}, { get: (_, k) => load()[k] });`);
        return { contents: lines.join('\n'), loader: 'js' };
      }
      return { contents: `import d from ${id};\nexport default d;\nexport * from ${id};\n`, loader: 'js' };
    });
  },
};
// The YAML parser is some sixty modules: required from node_modules it costs a command
// that reads a config more than the rest of its start-up. It is a bundle of its own,
// dist/yaml.cjs, run (like the others) from V8's code cache by bin/breakfix.
const yamlBundle = {
  name: 'yaml-bundle',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, (args) =>
      args.namespace === 'yaml-bundle' ? { path: 'yaml', external: true } : { path: 'yaml', namespace: 'yaml-bundle' },
    );
    b.onLoad({ filter: /.*/, namespace: 'yaml-bundle' }, () => ({
      contents: "const load = globalThis[Symbol.for('breakfix.loadBundle')];\nmodule.exports = load ? load('yaml.cjs') : require('yaml');\n",
      loader: 'js',
    }));
  },
};
const common = {
  plugins: [lazyChildProcess, sharedBuiltins, yamlBundle],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Less to read and parse at start-up; names are kept, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // vega and vega-lite (ES modules only) are imported by `report` alone, at run time.
  external: ['seedrandom', 'fast-csv', 'execa', 'chalk', 'vega', 'vega-lite', './ops.cjs'],
};
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
await build({
  ...common,
  // seedrandom (q --sample) is bundled: bin/breakfix runs this bundle from V8's code cache, where import() cannot resolve.
  external: common.external.filter((p) => p !== 'seedrandom'),
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/main.cjs',
  define: { OPS_BUNDLE: '"./ops.cjs"', BREAKFIX_VERSION: JSON.stringify(version) },
});
await build({ ...common, entryPoints: ['src/cli/ops.ts'], outfile: 'dist/ops.cjs' });
await build({ ...common, plugins: [], entryPoints: [nodeRequire.resolve('yaml')], outfile: 'dist/yaml.cjs' });
// bin/breakfix runs both bundles through the code cache, where an import() has nothing to
// resolve it with: packages load through src/store/esm.ts, whose import(specifier) is the only one.
for (const bundle of ['dist/main.cjs', 'dist/ops.cjs', 'dist/yaml.cjs']) {
  const other = readFileSync(bundle, 'utf8').match(/\bimport\((?!specifier\))[^)]{0,40}/);
  if (other) {
    throw new Error(`${bundle} holds ${other[0]}): load the package with importPackage() (src/store/esm.ts), or bundle it`);
  }
}
