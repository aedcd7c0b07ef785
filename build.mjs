// Bundles the CLI into one CommonJS file: start-up then compiles one file
// instead of resolving and linking hundreds of modules. Packages that only
// some commands need stay outside the bundle and load when those commands run.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/main.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  external: ['yaml', 'seedrandom', 'fast-csv', 'execa', 'chalk'],
});
