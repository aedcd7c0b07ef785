// Bundles the CLI into two CommonJS files: dist/main.cjs (the command line and
// the query commands) and dist/ops.cjs (sources, policy, remote exec, the
// loop), loaded only when one of those commands runs. Start-up then compiles
// one small file instead of resolving hundreds of modules. Packages that only
// some commands need stay outside the bundles and load when those commands run.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const common = {
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
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/main.cjs',
  define: { OPS_BUNDLE: '"./ops.cjs"', BREAKFIX_VERSION: JSON.stringify(version) },
});
await build({ ...common, entryPoints: ['src/cli/ops.ts'], outfile: 'dist/ops.cjs' });
