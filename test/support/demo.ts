// The demo datacenter as the end-to-end tests use it: buildDemo (simulator,
// config, a copy of the policy) in a directory of the test's own.
import path from 'node:path';
import { buildDemo, type DemoShape } from '../../src/pass/demo.js';

export interface DemoHome {
  /** The test's directory; the demo is under demo/. */
  dir: string;
  config: string;
  simDir: string;
  /** <home>/demo: the datacenter's directory. */
  dcDir: string;
}

export function demoHome(dir: string, seed = '1', shape?: DemoShape): DemoHome {
  const built = buildDemo(path.join(dir, 'demo'), seed, shape);
  return { dir, config: built.config, simDir: built.simDir, dcDir: path.join(dir, 'demo', 'home', 'demo') };
}
