import { perHostAdapter } from './per-host.js';
import { withHost } from './quote.js';
import type { Adapter } from './types.js';

/** Runs the command on this machine once per host, `{host}` filled in (the demo and tests); exit 255 means unreachable, as with ssh. */
export function localAdapter(): Adapter {
  return perHostAdapter('local', (host, argv) => withHost(argv, host), 255);
}
