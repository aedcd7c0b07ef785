import path from 'node:path';
import type { Field } from '../config/yamlsrc.js';
import { SourceError, type SourceContext } from './types.js';
import { httpGet, readSourceFile, runCommand } from './fetch.js';

/**
 * Where a source's text comes from: `{ command: [argv...] }`, `{ file: path }`,
 * or an HTTP base URL under a type-specific key (`jmx:`, `rest:`, `url:`).
 */
export type InputSpec =
  | { kind: 'command'; argv: string[] }
  | { kind: 'file'; path: string }
  | { kind: 'http'; key: string; url: string };

/** Validates `{command|file|<httpKey>}`: exactly one of them. */
export function inputSpec(f: Field, configDir: string, httpKeys: readonly string[]): InputSpec {
  const allowed = ['command', 'file', ...httpKeys];
  const m = f.map(allowed);
  const given = [...m.keys()];
  if (given.length !== 1) f.fail(`expected exactly one of ${allowed.join(', ')}; found ${given.length ? given.join(', ') : 'none'}`);
  const key = given[0]!;
  const v = m.get(key)!;
  if (key === 'command') {
    const argv = v.strings();
    if (argv.length === 0) v.fail('the command is empty');
    return { kind: 'command', argv };
  }
  if (key === 'file') return { kind: 'file', path: path.resolve(configDir, v.string()) };
  const url = v.string();
  if (!/^https?:\/\//.test(url)) v.fail(`expected an http:// or https:// URL, found "${url}"`);
  return { kind: 'http', key, url };
}

/** Fetches the text of a command or file spec (HTTP specs are fetched by their source type). */
export async function fetchText(spec: InputSpec, ctx: SourceContext): Promise<string> {
  switch (spec.kind) {
    case 'command':
      return runCommand(spec.argv, ctx);
    case 'file':
      return readSourceFile(spec.path, ctx);
    case 'http':
      return httpGet(spec.url, ctx);
  }
}

/** Says where a parse error came from: `command hdfs dfsadmin -report`, `file /x/report.txt`, or the URL. */
export function describeSpec(spec: InputSpec): string {
  switch (spec.kind) {
    case 'command':
      return `command ${spec.argv.join(' ')}`;
    case 'file':
      return `file ${spec.path}`;
    case 'http':
      return spec.url;
  }
}

export { SourceError };
