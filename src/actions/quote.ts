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
