import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { ExecConfig } from '../config/config.js';
import { perHostAdapter } from './per-host.js';
import { remoteCommand, withHost } from './quote.js';
import type { Adapter } from './types.js';

/** Short, private: a control socket path must stay under ~100 bytes. */
export function controlDir(): string {
  const dir = path.join(os.tmpdir(), `breakfix-ssh-${process.getuid?.() ?? 'u'}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The ssh command line for one host: BatchMode (never a password prompt), ConnectTimeout, optional config file and reuse of connections. */
export function sshArgv(cfg: ExecConfig, host: string, argv: string[]): string[] {
  const args = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${Math.max(1, Math.round(cfg.connectTimeoutMs / 1000))}`, '-T'];
  if (cfg.sshConfig) args.push('-F', cfg.sshConfig);
  if (cfg.user) args.push('-l', cfg.user);
  if (cfg.controlPersistS > 0) {
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${controlDir()}/%C`, '-o', `ControlPersist=${cfg.controlPersistS}`);
  }
  args.push('--', host, remoteCommand(withHost(argv, host), cfg.timeoutMs));
  return args;
}

/** The built-in adapter: the OpenSSH client, one process per host; exit 255 means unreachable. */
export function sshAdapter(cfg: ExecConfig): Adapter {
  return perHostAdapter('ssh', (host, argv) => sshArgv(cfg, host, argv), 255);
}
