/** A problem in a file a person wrote (config, policy): names the file, the line and the fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'ConfigError';
  }
}
