// Bundles the CLI into two CommonJS files: dist/main.cjs (the command line and
// the query commands) and dist/ops.cjs (sources, policy, remote exec, the
// loop), loaded only when one of those commands runs. Start-up then compiles
// one small file instead of resolving hundreds of modules. Packages that only
// some commands need stay outside the bundles and load when those commands run.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
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
const common = {
  plugins: [lazyChildProcess],
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
  external: ['yaml', 'seedrandom', 'fast-csv', 'execa', 'chalk', 'vega', 'vega-lite', './ops.cjs'],
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
if (/\bimport\(/.test(readFileSync('dist/main.cjs', 'utf8'))) {
  throw new Error('dist/main.cjs holds an import(): bin/breakfix loads it through the code cache, where import() fails; bundle the package or move its command to dist/ops.cjs');
}
