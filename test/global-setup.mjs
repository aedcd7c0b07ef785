// End-to-end tests run bin/breakfix, which runs the bundle in dist/:
// build it from the current sources first, so no test ever runs stale code.
import { execFileSync } from 'node:child_process';

export default function setup() {
  execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
}
