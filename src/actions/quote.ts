/**
 * Quotes one argument for a POSIX shell: safe characters pass as they are,
 * anything else is wrapped in single quotes with `'` written as `'\''`.
 * ssh, pdsh and clush hand the remote side one command string that its shell
 * splits again; quoting each argument makes it arrive exactly as given.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Fills `{host}` in each argument. */
export function withHost(argv: readonly string[], host: string): string[] {
  return argv.map((a) => a.split('{host}').join(host));
}

/**
 * The command as the remote shell runs it, bounded on the remote side too:
 * sshd does not stop a command when its client goes away, so a command still
 * running when the local timeout (or Ctrl-C) ends the connection would go on
 * for ever. `timeout` (coreutils, on every Linux host) ends its whole process
 * group 2 s after the local timeout, with TERM and 5 s later KILL; the local
 * timeout, which also counts the connection, always fires first.
 */
export function remoteCommand(argv: readonly string[], timeoutMs: number): string {
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000)) + 2;
  return shellCommand(['timeout', '-k', '5', String(secs), ...argv]);
}
