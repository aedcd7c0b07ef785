import path from 'node:path';
import type { ClusterConfig, DatacenterConfig } from '../config/config.js';
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

/** True for a JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Prefixes a parse error with where the text came from. */
export function fromOrigin<T>(origin: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SourceError) throw new SourceError(`${origin}: ${e.message}`);
    throw e;
  }
}

/** The cluster a per-cluster source names; it must be one of the datacenter's `clusters:`. */
export function configuredCluster(m: Map<string, Field>, where: Field, dc: DatacenterConfig): ClusterConfig {
  const known = [...dc.clusters.keys()];
  const f: Field | undefined = m.get('cluster');
  if (!f) where.fail(`missing "cluster"; one of the clusters of datacenter ${dc.name}: ${known.join(', ') || '(none defined)'}`);
  const name = f.string();
  const c = dc.clusters.get(name);
  if (!c) {
    return f.fail(
      `unknown cluster "${name}"; datacenter ${dc.name} has ${known.length ? known.join(', ') : 'no clusters'} ` +
        `(define it under datacenters.${dc.name}.clusters)`,
    );
  }
  return c;
}

export { SourceError };
